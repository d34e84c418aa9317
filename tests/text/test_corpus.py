"""Corpus: streaming real and generated files as sentences, in bounded
memory, identically whatever the block size or the compression."""

from __future__ import annotations

import gzip
import re
import shutil
import tracemalloc
from itertools import chain, pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuron.errors import CorpusError, InvalidArgumentError
from neuron.text import Corpus, TokenizerOptions, Vocabulary, tokenize


def paragraphs_of(text: str, options: TokenizerOptions | None = None):
    """The reference: split the whole text at blank lines, tokenise each."""
    pieces = (tokenize(piece, options) for piece in re.split(r"\n\s*\n", text))
    return [tokens for tokens in pieces if tokens]


class TestRealText:
    def test_pride_and_prejudice_paragraphs_and_words(self, corpora):
        path = corpora / "pride_and_prejudice.txt"
        sentences = list(Corpus(path))
        expected = paragraphs_of(path.read_text(encoding="utf-8-sig"))

        assert sentences == expected
        assert len(sentences) == 2176
        words = sum(len(sentence) for sentence in sentences)
        assert words == 122_364
        # wc -w counts 121,700 (it keeps "--" joined words, we split them).
        assert abs(words - 121_700) / 121_700 < 0.01
        assert sentences[-1][-2:] == ["jane", "austen"]

    def test_word_count_streams_the_same_total(self, corpora):
        assert Corpus(corpora / "pride_and_prejudice.txt").word_count() == 122_364

    def test_iterates_again_from_the_start(self, corpora):
        corpus = Corpus(corpora / "sense_and_sensibility.txt")
        assert list(corpus) == list(corpus)

    def test_gzip_copy_gives_identical_sentences(self, corpora, tmp_path):
        source = corpora / "emma.txt"
        packed = tmp_path / "emma.txt.gz"
        with open(source, "rb") as raw, gzip.open(packed, "wb") as sink:
            shutil.copyfileobj(raw, sink)
        assert list(Corpus(packed)) == list(Corpus(source))

    def test_gzip_is_recognised_by_content_not_name(self, tmp_path):
        packed = tmp_path / "no_suffix"
        packed.write_bytes(gzip.compress(b"hidden words here\n"))
        assert list(Corpus(packed)) == [["hidden", "words", "here"]]

    def test_small_blocks_never_split_a_token(self, corpora):
        path = corpora / "pride_and_prejudice.txt"
        assert list(Corpus(path, block_size=13)) == list(Corpus(path))


class TestSources:
    def test_folder_reads_txt_and_gz_sorted_by_name(self, tmp_path):
        (tmp_path / "b.txt").write_text("second file\n")
        (tmp_path / "a.txt").write_text("first file\n\nnew paragraph\n")
        (tmp_path / "c.gz").write_bytes(gzip.compress(b"third one"))
        (tmp_path / "notes.md").write_text("not read")
        corpus = Corpus(tmp_path)

        assert [path.name for path in corpus.files] == ["a.txt", "b.txt", "c.gz"]
        assert list(corpus) == [
            ["first", "file"],
            ["new", "paragraph"],
            ["second", "file"],
            ["third", "one"],
        ]

    def test_list_of_paths_in_the_order_given(self, tmp_path):
        (tmp_path / "a.txt").write_text("alpha")
        (tmp_path / "b.txt").write_text("beta")
        corpus = Corpus([tmp_path / "b.txt", str(tmp_path / "a.txt")])
        assert list(corpus) == [["beta"], ["alpha"]]

    def test_a_paragraph_ends_with_its_file(self, tmp_path):
        (tmp_path / "a.txt").write_text("no newline at the end")
        (tmp_path / "b.txt").write_text("starts fresh")
        assert len(list(Corpus(tmp_path))) == 2

    def test_missing_path_says_what_was_expected(self, tmp_path):
        with pytest.raises(CorpusError, match=r"expected a text file.*does not exist"):
            Corpus(tmp_path / "nowhere.txt")

    def test_folder_without_text_files_is_refused(self, tmp_path):
        (tmp_path / "image.png").write_bytes(b"\x89PNG")
        with pytest.raises(CorpusError, match=r"expected \.txt or \.gz files"):
            Corpus(tmp_path)

    def test_empty_list_is_refused(self):
        with pytest.raises(CorpusError, match="empty list"):
            Corpus([])

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"max_sentence_length": 0}, "max_sentence_length to be a positive"),
            ({"errors": "skip"}, "errors to be one of"),
            ({"block_size": 2}, "block_size to be an integer of at least 4"),
        ],
    )
    def test_bad_arguments_are_refused(self, tmp_path, arguments, message):
        (tmp_path / "a.txt").write_text("text")
        with pytest.raises(InvalidArgumentError, match=message):
            Corpus(tmp_path / "a.txt", **arguments)


class TestParagraphs:
    def test_blank_lines_with_spaces_or_crlf_end_paragraphs(self, tmp_path):
        path = tmp_path / "a.txt"
        path.write_bytes(b"one two\r\nthree\r\n \t\r\nfour\n\n\n\nfive\n")
        assert list(Corpus(path)) == [["one", "two", "three"], ["four"], ["five"]]

    def test_byte_order_mark_is_skipped(self, tmp_path):
        path = tmp_path / "a.txt"
        path.write_bytes(b"\xef\xbb\xbfhello world")
        assert list(Corpus(path, TokenizerOptions(punctuation="keep"))) == [
            ["hello", "world"]
        ]

    def test_long_paragraphs_are_cut_to_max_sentence_length(self, corpora):
        path = corpora / "little_men.txt"
        whole = list(Corpus(path))
        cut = list(Corpus(path, max_sentence_length=7))

        assert all(1 <= len(sentence) <= 7 for sentence in cut)
        assert list(chain.from_iterable(cut)) == list(chain.from_iterable(whole))
        assert len(cut) > len(whole)

    def test_options_reach_the_tokenizer(self, tmp_path):
        path = tmp_path / "a.txt"
        path.write_text("Chapter 12. Don't!")
        options = TokenizerOptions(lowercase=False, numbers="drop", punctuation="keep")
        assert list(Corpus(path, options)) == [["Chapter", ".", "Don't", "!"]]

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        text=st.text(
            alphabet=st.sampled_from("ab é\u0301Ω'.,1 \n\n\r\t\u2019\u00a0\u2029")
        ),
        block_size=st.integers(min_value=4, max_value=24),
    )
    def test_any_block_size_gives_the_sentences_of_the_whole_text(
        self, tmp_path, text, block_size
    ):
        path = tmp_path / "generated.txt"
        path.write_text(text, encoding="utf-8")
        expected = list(Corpus(path, block_size=1 << 20))
        assert list(Corpus(path, block_size=block_size)) == expected
        whole = re.split("\n[^\\S\n]*\n|\u2029", text.replace("\r\n", "\n"))
        reference = [tokens for tokens in map(tokenize, whole) if tokens]
        assert expected == reference


class TestStreaming:
    def test_one_long_line_streams_in_bounded_memory(self, tmp_path):
        # Like text8: many megabytes with no newline at all.
        words = ["anarchism", "originated", "as", "a", "term", "of", "abuse"]
        line = " ".join(words * 40_000)  # ~1.3 MB
        path = tmp_path / "one_line.txt"
        with open(path, "w") as sink:
            for _ in range(2):
                sink.write(line + " ")
        size = path.stat().st_size
        corpus = Corpus(path, max_sentence_length=1000, block_size=1 << 16)

        tracemalloc.start()
        try:
            count = 0
            lengths = set()
            for sentence in corpus:
                count += len(sentence)
                lengths.add(len(sentence))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        assert count == 2 * 40_000 * len(words)
        assert lengths == {1000}
        # The tokens of the whole file would take over 20 MB as Python
        # strings; streaming holds a few blocks' worth.
        assert size > 2_500_000
        assert peak < 1_500_000, f"peak {peak:,} bytes for a {size:,}-byte file"

    def test_invalid_utf8_names_the_file_and_byte(self, tmp_path):
        path = tmp_path / "broken.txt"
        good = "naïve café ".encode() * 50
        path.write_bytes(good + b"\xff rest")
        with pytest.raises(CorpusError, match=rf"broken\.txt.*byte {len(good)};"):
            list(Corpus(path, block_size=7))

    def test_truncated_character_at_the_end_is_reported(self, tmp_path):
        path = tmp_path / "cut.txt"
        path.write_bytes(b"fine words \xc3")
        with pytest.raises(CorpusError, match=r"cut\.txt.*byte 11;"):
            list(Corpus(path))

    def test_invalid_utf8_in_gzip_says_decompressed(self, tmp_path):
        path = tmp_path / "broken.gz"
        path.write_bytes(gzip.compress(b"abc \xfe"))
        with pytest.raises(CorpusError, match="byte 4 of the decompressed text"):
            list(Corpus(path))

    def test_errors_replace_reads_on(self, tmp_path):
        path = tmp_path / "broken.txt"
        path.write_bytes(b"before \xff after")
        assert list(Corpus(path, errors="replace")) == [["before", "after"]]

    def test_damaged_gzip_is_a_corpus_error(self, tmp_path):
        path = tmp_path / "damaged.gz"
        path.write_bytes(gzip.compress(b"some words " * 1000)[:-40])
        with pytest.raises(CorpusError, match=r"damaged\.gz.*complete"):
            list(Corpus(path))


class TestIds:
    def test_iter_ids_drops_unknown_words_and_empty_sentences(self, tmp_path):
        path = tmp_path / "a.txt"
        path.write_text("the cat the dog\n\nzebra\n\ncat bird")
        corpus = Corpus(path)
        vocab = Vocabulary.build(corpus, min_count=2)  # the, cat

        arrays = list(corpus.iter_ids(vocab))
        assert [array.dtype for array in arrays] == [np.int32, np.int32]
        assert [array.tolist() for array in arrays] == [
            [vocab.id("the"), vocab.id("cat"), vocab.id("the")],
            [vocab.id("cat")],
        ]

    def test_iter_ids_covers_every_kept_token(self, corpora):
        corpus = Corpus(corpora / "little_men.txt")
        vocab = Vocabulary.build(corpus, min_count=5)
        assert sum(array.size for array in corpus.iter_ids(vocab)) == vocab.total


def test_repr_names_the_files(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x")
    assert "a.txt" in repr(Corpus(tmp_path))


class TestRawText:
    @pytest.mark.parametrize("block_size", [7, 64, 1 << 18])
    def test_pieces_join_to_the_file_and_end_before_whitespace(
        self, corpora, block_size
    ):
        path = corpora / "tinyshakespeare.txt"
        pieces = list(Corpus(path, block_size=block_size).iter_text())
        assert "".join(pieces) == path.read_text(encoding="utf-8")
        assert all(piece for piece in pieces)
        for piece, following in pairwise(pieces):
            assert not piece[-1].isspace() and following[0].isspace()

    def test_a_piece_never_holds_two_files(self, tmp_path):
        (tmp_path / "a.txt").write_text("\ufeffone two", encoding="utf-8")
        (tmp_path / "b.txt").write_text("three", encoding="utf-8")
        assert list(Corpus(tmp_path).iter_text()) == ["one", " two", "three"]
