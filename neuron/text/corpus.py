"""A corpus: text files streamed from disk as sentences of tokens.

Files are read in blocks of bytes, decoded incrementally and cut into
tokens block by block, so memory stays bounded whatever the size of a file
or of a line in it: text8, 100 MB on one line, streams like anything else.

A *sentence* is a paragraph (a run of non-blank lines), cut into pieces of
at most ``max_sentence_length`` tokens. A block is cut only at whitespace:
the unfinished token at the end of a block, and the whitespace before it,
wait for the next block, so no token is ever split in two and a blank line
that straddles two blocks still ends a paragraph.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuron.errors import CorpusError, InvalidArgumentError
from neuron.text.tokenize import TokenizerOptions, tokenize

if TYPE_CHECKING:
    from neuron.text.vocab import Vocabulary

__all__ = ["Corpus"]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Bytes read from a file at a time.
DEFAULT_BLOCK_SIZE = 1 << 18

#: A run of non-space characters longer than this (or than four blocks) is
#: cut into several tokens instead of being held whole in memory.
MAX_TOKEN_CHARS = 1 << 16

# A blank line (a line holding only whitespace) or a Unicode paragraph
# separator ends a paragraph. "\r" counts as whitespace, so CRLF files work.
_PARAGRAPH_BREAK = re.compile("\n[^\\S\n]*\n|\u2029")

# The whitespace and the unfinished token at the end of a block, matched on
# the reversed text so that the search starts from the end.
_REVERSED_TAIL = re.compile(r"\S*\s*")

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = codecs.BOM_UTF8
_ERRORS = ("strict", "replace", "ignore")


class Corpus:
    """Sentences of tokens streamed from text files, re-read on every pass.

    Each ``iter(corpus)`` opens the files again and streams them in order,
    so a corpus can be iterated once per training epoch without holding the
    text in memory. Gzip files are recognised by their content, whatever
    their name. Files must be UTF-8; a byte-order mark at the start is
    skipped.

    Args:
        source: a text or gzip file; a folder (its ``*.txt`` and ``*.gz``
            files, sorted by name, not recursing); or a list of files and
            folders.
        options: how text becomes tokens; the defaults when None.
        max_sentence_length: the longest sentence yielded; longer paragraphs
            are cut into pieces of this many tokens (the last may be
            shorter).
        errors: what to do with bytes that are not UTF-8: ``"strict"``
            raises :class:`~neuron.errors.CorpusError` naming the file and
            the byte position; ``"replace"`` reads them as U+FFFD;
            ``"ignore"`` skips them.
        block_size: bytes read at a time. Memory use grows with it, not with
            the size of the files.

    Raises:
        CorpusError: a path does not exist, or a folder holds no text files.
        InvalidArgumentError: an argument is out of range.

    Example:
        >>> corpus = Corpus("pride_and_prejudice.txt")
        >>> next(iter(corpus))[:4]
        ['the', 'project', 'gutenberg', 'ebook']
    """

    def __init__(
        self,
        source: PathLike | Sequence[PathLike],
        options: TokenizerOptions | None = None,
        max_sentence_length: int = 10_000,
        *,
        errors: str = "strict",
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        if not isinstance(max_sentence_length, int) or max_sentence_length < 1:
            raise InvalidArgumentError(
                "expected max_sentence_length to be a positive integer, got "
                f"{max_sentence_length!r}"
            )
        if errors not in _ERRORS:
            raise InvalidArgumentError(
                f"expected errors to be one of {', '.join(map(repr, _ERRORS))}, "
                f"got {errors!r}"
            )
        if not isinstance(block_size, int) or block_size < 4:
            raise InvalidArgumentError(
                f"expected block_size to be an integer of at least 4, got "
                f"{block_size!r}"
            )
        self.files: list[Path] = _resolve(source)
        self.options = options or TokenizerOptions()
        self.max_sentence_length = max_sentence_length
        self.errors = errors
        self.block_size = block_size

    def __repr__(self) -> str:
        shown = ", ".join(str(path) for path in self.files[:3])
        if len(self.files) > 3:
            shown += f", ... ({len(self.files)} files)"
        return f"Corpus([{shown}], max_sentence_length={self.max_sentence_length})"

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.files:
            log.debug("reading %s", path)
            yield from self._sentences(path)

    def iter_ids(self, vocab: Vocabulary) -> Iterator[np.ndarray]:
        """Stream the sentences as arrays of vocabulary ids.

        Args:
            vocab: maps words to ids; words it lacks are dropped.

        Yields:
            One int32 array of shape ``(L,)`` per sentence, ``L >= 1``;
            sentences left empty once unknown words are dropped are skipped.
        """
        for sentence in self:
            ids = vocab.encode(sentence)
            if ids.size:
                yield ids

    def word_count(self) -> int:
        """Count the tokens of the whole corpus in one streaming pass."""
        return sum(len(sentence) for sentence in self)

    def iter_text(self) -> Iterator[str]:
        """Stream the raw text of the files, untokenised, in pieces.

        Each piece ends where a run of whitespace begins, so a word never
        straddles two pieces, and a piece never holds text of two files.
        Joined, the pieces of a file give back its text (without a leading
        byte-order mark), except that a run of non-space characters longer
        than ``max(4 * block_size, MAX_TOKEN_CHARS)`` is cut, and a run of
        whitespace that long is shortened. Subword tokenizers train on this
        text rather than on the word tokens.

        Yields:
            Non-empty strings, file after file.
        """
        for path in self.files:
            log.debug("reading %s", path)
            for piece in self._pieces(path):
                if piece:
                    yield piece

    # ---- reading one file ------------------------------------------------

    def _sentences(self, path: Path) -> Iterator[list[str]]:
        """The sentences of one file; a paragraph never crosses files."""
        sentences = _Sentences(self.max_sentence_length)
        for piece in self._pieces(path):
            yield from sentences.feed(piece, self.options)
        yield from sentences.finish()

    def _pieces(self, path: Path) -> Iterator[str]:
        """The text of one file cut only where whitespace begins."""
        # Unfinished text at the end of a block that may hold a partial token.
        # Bounded: past this many characters it is cut anyway (see below).
        carry_limit = max(4 * self.block_size, MAX_TOKEN_CHARS)
        carry = ""
        for block in self._decoded_blocks(path):
            text = carry + block
            tail = _REVERSED_TAIL.match(text[::-1]).end()
            cut = len(text) - tail
            if cut == 0 and len(text) > carry_limit:
                if text.isspace():
                    # Only whitespace so far: all that matters is whether it
                    # holds a blank line, which a short stand-in keeps.
                    carry = _squeeze_whitespace(text)
                    continue
                # One "token" longer than carry_limit characters: cut it.
                log.warning("cutting a token of over %d characters", carry_limit)
                cut = len(text.rstrip())
            text, carry = text[:cut], text[cut:]
            yield text
        yield carry

    def _decoded_blocks(self, path: Path) -> Iterator[str]:
        """The text of one file, block by block, decoded from UTF-8."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors=self.errors)
        offset = 0  # bytes of the (decompressed) file read before this block
        first = True
        try:
            with _open(path) as stream:
                while True:
                    data = stream.read(self.block_size)
                    if first and data.startswith(_UTF8_BOM):
                        data = data[len(_UTF8_BOM) :]
                        offset += len(_UTF8_BOM)
                    first = False
                    pending = len(decoder.getstate()[0])
                    try:
                        text = decoder.decode(data, final=not data)
                    except UnicodeDecodeError as exc:
                        position = offset - pending + exc.start
                        raise _encoding_error(path, position) from None
                    offset += len(data)
                    if text:
                        yield text
                    if not data:
                        return
        except (OSError, EOFError, zlib.error) as exc:
            raise CorpusError(
                f"expected a readable text or gzip file, got an error reading "
                f"{path}: {exc}; check that the file is complete"
            ) from None


class _Sentences:
    """Gathers tokens into sentences: paragraphs cut to a maximum length."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        self.paragraph: list[str] = []

    def feed(self, text: str, options: TokenizerOptions) -> list[list[str]]:
        """Add text that ends at a token boundary; return finished sentences."""
        done: list[list[str]] = []
        for index, piece in enumerate(_PARAGRAPH_BREAK.split(text)):
            if index > 0:
                done.extend(self.finish())
            self.paragraph.extend(tokenize(piece, options))
            if len(self.paragraph) >= self.max_length:
                done.extend(self._full_pieces())
        return done

    def finish(self) -> list[list[str]]:
        """End the current paragraph; return what is left of it."""
        rest, self.paragraph = self.paragraph, []
        return [rest] if rest else []

    def _full_pieces(self) -> list[list[str]]:
        n, tokens = self.max_length, self.paragraph
        whole = len(tokens) - len(tokens) % n
        pieces = [tokens[start : start + n] for start in range(0, whole, n)]
        self.paragraph = tokens[whole:]
        return pieces


def _squeeze_whitespace(text: str) -> str:
    if _PARAGRAPH_BREAK.search(text):
        return "\n\n"
    return "\n" if "\n" in text else " "


def _encoding_error(path: Path, position: int) -> CorpusError:
    where = " of the decompressed text" if _is_gzip(path) else ""
    return CorpusError(
        f"expected UTF-8 text in {path}, got an invalid byte at byte "
        f"{position}{where}; convert the file to UTF-8 or pass "
        "errors='replace' to read such bytes as U+FFFD"
    )


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == _GZIP_MAGIC


def _open(path: Path):
    """Open a file for reading bytes, through gzip when it is gzip."""
    if _is_gzip(path):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _resolve(source: PathLike | Sequence[PathLike]) -> list[Path]:
    """The files a source names, in reading order."""
    if isinstance(source, (str, os.PathLike)):
        items: Iterable[PathLike] = [source]
    elif isinstance(source, Sequence):
        items = source
    else:
        raise InvalidArgumentError(
            "expected a path, a folder or a list of paths as the corpus "
            f"source, got {type(source).__name__}"
        )
    files: list[Path] = []
    for item in items:
        path = Path(item).expanduser()
        if path.is_dir():
            found = sorted(
                child
                for child in path.iterdir()
                if child.is_file() and child.suffix in (".txt", ".gz")
            )
            if not found:
                raise CorpusError(
                    f"expected .txt or .gz files in the folder {path}, found "
                    "none; put the corpus files there or name a file directly"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(
                f"expected a text file, a gzip file or a folder of them, got "
                f"{path}, which does not exist; check the path"
            )
    if not files:
        raise CorpusError(
            "expected at least one file in the corpus source, got an empty "
            "list; pass a file, a folder or a list of them"
        )
    return files
