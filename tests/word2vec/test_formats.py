"""word2vec text and binary files, and the projector's TSV files."""

import numpy as np
import pytest

from neuron.errors import DataFileError
from neuron.word2vec import Vectors, export_projector, read_word2vec, write_word2vec


@pytest.fixture
def vectors(rng) -> Vectors:
    words = ["the", "sister", "Émile", "mr.", "don't"]
    return Vectors(words, rng.standard_normal((5, 7)) * 10.0 ** rng.integers(-4, 3))


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_round_trip_is_exact(tmp_path, vectors, binary):
    path = write_word2vec(vectors, tmp_path / "v.bin", binary=binary)
    back = read_word2vec(path, binary=binary)
    assert back.words == vectors.words
    np.testing.assert_array_equal(back.matrix, vectors.matrix)


def test_text_round_trip_to_printed_precision(tmp_path, vectors):
    path = write_word2vec(vectors, tmp_path / "v.txt", digits=4)
    back = read_word2vec(path)
    np.testing.assert_allclose(back.matrix, vectors.matrix, rtol=1e-3)


def test_layout_of_the_binary_format(tmp_path):
    vectors = Vectors(["ab", "c"], np.array([[1.0, -2.0], [0.5, 0.0]]))
    data = write_word2vec(vectors, tmp_path / "v.bin", binary=True).read_bytes()
    expected = b"2 2\n" + b"ab " + np.array([1, -2], "<f4").tobytes() + b"\n"
    expected += b"c " + np.array([0.5, 0], "<f4").tobytes() + b"\n"
    assert data == expected


def test_reads_text_from_other_writers(tmp_path):
    # Extra spaces, Windows line ends, a trailing blank, no final newline.
    path = tmp_path / "other.txt"
    path.write_bytes(b"2  3\r\nking 0.1  0.2 0.3 \r\nqueen 1e-2 -4 5\r\n\r\n")
    vectors = read_word2vec(path)
    assert vectors.words == ["king", "queen"]
    np.testing.assert_allclose(vectors["queen"], [0.01, -4, 5])
    path.write_bytes(b"1 2\nking 1 2")
    assert read_word2vec(path).words == ["king"]


def test_reads_binary_without_newlines_and_with_a_limit(tmp_path):
    rows = np.arange(6, dtype="<f4").reshape(3, 2)  # (3, 2)
    data = b"3 2\n" + b"".join(
        w + b" " + r.tobytes() for w, r in zip([b"a", b"b", b"c"], rows, strict=True)
    )
    (tmp_path / "v.bin").write_bytes(data)
    vectors = read_word2vec(tmp_path / "v.bin", binary=True)
    np.testing.assert_array_equal(vectors.matrix, rows)
    assert read_word2vec(tmp_path / "v.bin", binary=True, limit=2).words == ["a", "b"]


@pytest.mark.parametrize(
    "content, line, match",
    [
        (b"two 3\n", 1, "expected a header 'V D'"),
        (b"2 3\nking 1 2 3\nqueen 1 2\n", 3, "expected a word and 3 numbers, got 3"),
        (b"1 2\nking 1 x\n", 2, "expected 2 numbers after 'king'"),
        (b"3 2\nking 1 2\n", 3, "expected 3 vectors as the header says, got 1"),
        (b"1 2\n\xff 1 2\n", 2, "expected UTF-8"),
    ],
    ids=["header", "short-line", "not-a-number", "cut-short", "encoding"],
)
def test_malformed_text_names_file_and_line(tmp_path, content, line, match):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=match) as caught:
        read_word2vec(path)
    assert caught.value.line == line and caught.value.file == path
    assert "bad.txt" in str(caught.value)


def test_truncated_binary_is_an_error(tmp_path, vectors):
    path = write_word2vec(vectors, tmp_path / "v.bin", binary=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataFileError, match="expected 5 vectors .* got 4"):
        read_word2vec(path, binary=True)


def test_words_with_spaces_cannot_be_written(tmp_path):
    vectors = Vectors(["new york"], np.zeros((1, 2)))
    with pytest.raises(DataFileError, match="without whitespace"):
        write_word2vec(vectors, tmp_path / "v.txt")


def test_projector_files(tmp_path, vectors):
    vectors_tsv, metadata_tsv = export_projector(vectors, tmp_path / "projector")
    rows = [line.split("\t") for line in vectors_tsv.read_text().splitlines()]
    assert len(rows) == 5 and all(len(r) == 7 for r in rows)
    np.testing.assert_array_equal(np.array(rows, dtype=np.float32), vectors.matrix)
    assert metadata_tsv.read_text(encoding="utf-8").splitlines() == vectors.words

    _, metadata_tsv = export_projector(vectors, tmp_path / "two", limit=2)
    assert metadata_tsv.read_text().splitlines() == ["the", "sister"]
