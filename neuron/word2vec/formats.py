"""Word vectors in the files other tools read and write.

The original word2vec formats, which most embedding tools exchange:

- Text: a header line "V D", then one line per word, "word v1 v2 ... vD",
  numbers separated by spaces.
- Binary: the same header line, then per word the word's UTF-8 bytes, one
  space, D little-endian float32 numbers (4 D bytes) and a newline.

Readers are lenient where other writers differ (extra spaces, Windows line
ends, no trailing newline, no newline after a binary vector) and strict
where the file is wrong (a bad header, a short vector, a number that is not
one): those raise ``DataFileError`` naming the file and line.

Also the TensorBoard Embedding Projector's pair of files: ``vectors.tsv``
(one vector per row, tab separated) and ``metadata.tsv`` (one word per row).
"""

import os
from pathlib import Path

import numpy as np

from neuron.errors import DataFileError
from neuron.word2vec.vectors import Vectors

__all__ = ["export_projector", "read_word2vec", "write_word2vec"]

# Read binary files in blocks of this size, so memory stays bounded.
_BLOCK = 1 << 20


def write_word2vec(
    vectors: Vectors,
    path: str | os.PathLike,
    *,
    binary: bool = False,
    digits: int = 9,
) -> Path:
    """Write vectors in the word2vec text or binary format.

    Args:
        vectors: the words and vectors to write.
        path: the file to create (replaced if it exists).
        binary: the binary format (exact) instead of text.
        digits: significant digits per number in the text format; 9 makes
            a float32 round trip exact.

    Returns:
        The path written.

    Raises:
        DataFileError: a word holds whitespace, which neither format can
            represent.
    """
    path = Path(path)
    bad = [w for w in vectors.words if not w or len(w.split()) != 1]
    if bad:
        raise DataFileError(
            f"expected words without whitespace, got {bad[:5]!r}; replace the "
            "spaces (e.g. with '_') before writing",
            file=path,
        )
    V, D = vectors.matrix.shape
    with open(path, "wb") as f:
        f.write(f"{V} {D}\n".encode())
        if binary:
            rows = vectors.matrix.astype("<f4", copy=False)  # (V, D) little-endian
            for word, row in zip(vectors.words, rows, strict=True):
                f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            number = f"%.{digits}g"
            for word, row in zip(vectors.words, vectors.matrix.tolist(), strict=True):
                line = word + " " + " ".join(number % x for x in row) + "\n"
                f.write(line.encode("utf-8"))
    return path


def read_word2vec(
    path: str | os.PathLike, *, binary: bool = False, limit: int | None = None
) -> Vectors:
    """Read a word2vec text or binary file.

    Args:
        path: the file.
        binary: read the binary format instead of text.
        limit: read only the first ``limit`` words (files are usually sorted
            by frequency, so these are the most frequent).

    Returns:
        A ``Vectors`` in the file's order.

    Raises:
        DataFileError: a malformed file; the message names the file and line.
    """
    path = Path(path)
    with open(path, "rb") as f:
        V, D = _read_header(f.readline(), path)
        n = V if limit is None else min(V, limit)
        if binary:
            words, matrix = _read_binary(f, path, n, D)
        else:
            words, matrix = _read_text(f, path, n, D)
    return Vectors(words, matrix)


def _read_header(line: bytes, path: Path) -> tuple[int, int]:
    fields = line.split()
    try:
        V, D = (int(x) for x in fields)
        if V < 0 or D < 1:
            raise ValueError
    except ValueError:
        raise DataFileError(
            f"{path}, line 1: expected a header 'V D' (word count and vector "
            f"size), got {line[:80]!r}; is this a word2vec file?",
            file=path,
            line=1,
        ) from None
    return V, D


def _read_text(f, path: Path, n: int, D: int) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    matrix = np.empty((n, D), dtype=np.float32)  # (n, D)
    number = 1
    for raw in f:
        number += 1
        if len(words) == n:
            break
        fields = _decode(raw, path, number).split()
        if not fields:  # a blank line, e.g. at the end
            continue
        if len(fields) != D + 1:
            raise DataFileError(
                f"{path}, line {number}: expected a word and {D} numbers, got "
                f"{len(fields)} fields; the file may be cut or not word2vec text",
                file=path,
                line=number,
            )
        try:
            matrix[len(words)] = np.array(fields[1:], dtype=np.float32)  # (D,)
        except ValueError:
            raise DataFileError(
                f"{path}, line {number}: expected {D} numbers after "
                f"{fields[0]!r}, got {' '.join(fields[1:])[:80]!r}",
                file=path,
                line=number,
            ) from None
        words.append(fields[0])
    _check_count(words, n, path)
    return words, matrix


def _read_binary(f, path: Path, n: int, D: int) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    matrix = np.empty((n, D), dtype=np.float32)  # (n, D)
    size = 4 * D
    buffer = b""
    start = 0
    while len(words) < n:
        # Refill when the rest of the buffer might not hold a whole entry.
        space = buffer.find(b" ", start)
        if space < 0 or len(buffer) - space - 1 < size:
            more = f.read(_BLOCK)
            if not more:
                break
            buffer = buffer[start:] + more
            start = 0
            continue

        # Some writers put a newline after each vector, some do not: skip it.
        word = buffer[start:space].lstrip(b"\n\r")
        if not word:
            raise DataFileError(
                f"{path}, entry {len(words) + 1}: expected a word before the "
                "vector, got an empty one; the file may be corrupt",
                file=path,
                line=len(words) + 2,
            )
        words.append(_decode(word, path, len(words) + 2))
        row = np.frombuffer(buffer, dtype="<f4", count=D, offset=space + 1)  # (D,)
        matrix[len(words) - 1] = row
        start = space + 1 + size
    _check_count(words, n, path)
    return words, matrix


def _decode(raw: bytes, path: Path, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataFileError(
            f"{path}, line {number}: expected UTF-8 text, got byte "
            f"{raw[e.start : e.start + 1]!r}; convert the file to UTF-8",
            file=path,
            line=number,
        ) from None


def _check_count(words: list[str], n: int, path: Path) -> None:
    if len(words) < n:
        raise DataFileError(
            f"{path}: expected {n} vectors as the header says, got "
            f"{len(words)}; the file is cut short",
            file=path,
            line=len(words) + 2,
        )


def export_projector(
    vectors: Vectors, folder: str | os.PathLike, limit: int | None = None
) -> tuple[Path, Path]:
    """Write files for the TensorBoard Embedding Projector.

    Load them at https://projector.tensorflow.org with "Load": first
    ``vectors.tsv``, then ``metadata.tsv``.

    Args:
        vectors: the words and vectors.
        folder: created if missing; the two files are replaced.
        limit: write only the first ``limit`` words.

    Returns:
        The paths of ``vectors.tsv`` and ``metadata.tsv``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = len(vectors) if limit is None else min(limit, len(vectors))
    vectors_path = folder / "vectors.tsv"
    metadata_path = folder / "metadata.tsv"
    rows = vectors.matrix[:n].tolist()
    with open(vectors_path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines("\t".join(f"{x:.9g}" for x in row) + "\n" for row in rows)

    # One column and no header: the projector then reads each line as a label.
    # A tab or newline inside a word would split the row, so they become spaces.
    with open(metadata_path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(" ".join(word.split()) + "\n" for word in vectors.words[:n])
    return vectors_path, metadata_path
