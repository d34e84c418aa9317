"""A vocabulary: the words a model knows, their counts, and their ids.

Words are ordered by descending count, ties by the word itself (code point
order), so the same corpus gives the same ids on every machine. The id of a
word is its position in that order: 0 is the most frequent word.

Besides the mapping, a vocabulary supplies the two distributions that
word2vec derives from counts (Mikolov et al., 2013, "Distributed
Representations of Words and Phrases and their Compositionality"):

- the probability of keeping an occurrence under subsampling, with
  ``f = count / total`` and threshold ``s``:
  ``keep = min(1, (sqrt(f / s) + 1) * s / f)`` (the formula of word2vec's
  C code, which keeps a little more than the paper's ``sqrt(s / f)``);
- the noise distribution negatives are drawn from,
  ``P(w) = count(w) ** 0.75 / sum of count ** 0.75``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from neuron.errors import (
    EmptyVocabularyError,
    InvalidArgumentError,
    UnknownWordError,
    VocabularyFormatError,
)

__all__ = ["Vocabulary"]

_MAGIC = "# neuron vocabulary v1"

# Characters a word may hold that would break a line of word<TAB>count.
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


class Vocabulary:
    """Words with their counts, in descending count order, and their ids.

    Build one from a corpus with :meth:`build`, or from a mapping of counts
    with :meth:`from_counts`. The constructor takes words already in order.

    Attributes:
        words: the words; ``words[i]`` has id ``i``.
        counts: int64 array of shape ``(V,)``, the count of each word.
        total: the sum of ``counts``, the number of corpus tokens the
            vocabulary covers.

    Args:
        words: distinct words, by descending count, ties by word.
        counts: their counts, each at least 1.

    Raises:
        InvalidArgumentError: lengths differ, a word repeats, a count is
            below 1 or the order is not the one described.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int] | np.ndarray):
        words = list(words)
        counts = np.array(counts, dtype=np.int64).reshape(-1)  # (V,), a copy
        if len(words) != len(counts):
            raise InvalidArgumentError(
                f"expected one count per word, got {len(words)} words and "
                f"{len(counts)} counts"
            )
        if any(not isinstance(word, str) for word in words):
            raise InvalidArgumentError("expected every word to be a str")
        if counts.size and counts.min() < 1:
            at = int(np.argmin(counts))
            raise InvalidArgumentError(
                f"expected counts of at least 1, got {int(counts[at])} for "
                f"{words[at]!r}"
            )
        index = {word: i for i, word in enumerate(words)}
        if len(index) != len(words):
            repeated = [word for word, n in Counter(words).items() if n > 1]
            raise InvalidArgumentError(
                f"expected distinct words, got repeated {repeated[:5]}"
            )
        listed = counts.tolist()
        for i in range(1, len(words)):
            if (-listed[i - 1], words[i - 1]) > (-listed[i], words[i]):
                raise InvalidArgumentError(
                    "expected words by descending count, ties by word, got "
                    f"{words[i - 1]!r} ({listed[i - 1]}) before {words[i]!r} "
                    f"({listed[i]}); use Vocabulary.from_counts to sort them"
                )
        self.words: list[str] = words
        self.counts: np.ndarray = counts
        self.counts.flags.writeable = False
        self.total: int = int(counts.sum())
        self._index = index

    # ---- building ----------------------------------------------------------

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        min_count: int = 5,
        max_size: int | None = None,
    ) -> Vocabulary:
        """Count the words of a corpus in one pass and keep the frequent ones.

        Args:
            sentences: a :class:`~neuron.text.Corpus` or any iterable of token
                lists. Read once; memory grows with the number of distinct
                words, not with the corpus.
            min_count: drop words seen fewer times than this (at least 1).
            max_size: keep at most this many of the most frequent words
                (ties broken by word), or all when None.

        Returns:
            The vocabulary.

        Raises:
            InvalidArgumentError: ``min_count`` or ``max_size`` is out of range.
            EmptyVocabularyError: no word is left.
        """
        _check_min_count(min_count)
        _check_max_size(max_size)
        counter: Counter[str] = Counter()
        update = counter.update
        for sentence in sentences:
            if isinstance(sentence, str):
                raise InvalidArgumentError(
                    "expected sentences as lists of tokens, got a str; "
                    "tokenize the text first, or pass a Corpus"
                )
            update(sentence)
        return cls.from_counts(counter, min_count=min_count, max_size=max_size)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, int],
        min_count: int = 1,
        max_size: int | None = None,
    ) -> Vocabulary:
        """Make a vocabulary from word counts, in any order.

        Args:
            counts: the count of each word.
            min_count: drop words counted fewer times than this.
            max_size: keep at most this many of the most frequent words.

        Raises:
            InvalidArgumentError: an argument is out of range.
            EmptyVocabularyError: no word is left.
        """
        _check_min_count(min_count)
        _check_max_size(max_size)
        kept = [(word, n) for word, n in counts.items() if n >= min_count]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            kept = kept[:max_size]
        if not kept:
            most = max(counts.values(), default=0)
            raise EmptyVocabularyError(
                f"expected at least one word seen min_count={min_count} times "
                f"or more, got none among {len(counts)} distinct words (the "
                f"most frequent seen {most} times); lower min_count or use a "
                "larger corpus"
            )
        return cls([word for word, _ in kept], [n for _, n in kept])

    # ---- lookup -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __iter__(self):
        return iter(self.words)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self.words == other.words and np.array_equal(self.counts, other.counts)

    __hash__ = None  # mutable-looking container semantics; not hashable

    def __repr__(self) -> str:
        head = ", ".join(repr(word) for word in self.words[:5])
        more = ", ..." if len(self) > 5 else ""
        return f"Vocabulary({len(self)} words, total={self.total}: {head}{more})"

    def id(self, word: str) -> int:
        """The id of one word.

        Raises:
            UnknownWordError: the word is not in the vocabulary.
        """
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError([word]) from None

    def ids(self, words: Iterable[str]) -> np.ndarray:
        """The ids of several words, as an int32 array of shape ``(n,)``.

        Raises:
            UnknownWordError: naming every word not in the vocabulary.
        """
        words = list(words)
        get = self._index.get
        ids = [get(word, -1) for word in words]
        if -1 in ids:
            unknown = [word for word, i in zip(words, ids, strict=True) if i < 0]
            raise UnknownWordError(list(dict.fromkeys(unknown)))
        return np.array(ids, dtype=np.int32)  # (n,)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """The ids of the known tokens, unknown ones dropped.

        Returns:
            An int32 array of shape ``(m,)``, ``m <= len(tokens)``.
        """
        ids = np.fromiter(
            map(self._index.get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens)
        )  # (len(tokens),)
        return ids[ids >= 0]  # (m,)

    # ---- word2vec's distributions -------------------------------------------

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """The probability of keeping each word's occurrences (subsampling).

        ``keep = min(1, (sqrt(f / sample) + 1) * sample / f)`` with
        ``f = count / total``: frequent words are thinned, rare ones always
        kept.

        Args:
            sample: the threshold ``s``, typically 1e-3 to 1e-5; 0 turns
                subsampling off (every probability 1).

        Returns:
            float32 array of shape ``(V,)``, values in (0, 1].

        Raises:
            InvalidArgumentError: ``sample`` is negative or not finite.
        """
        if not isinstance(sample, numbers.Real) or not math.isfinite(sample):
            raise InvalidArgumentError(
                f"expected sample to be a finite number, got {sample!r}"
            )
        if sample < 0:
            raise InvalidArgumentError(
                f"expected sample >= 0 (0 turns subsampling off), got {sample}; "
                "word2vec's usual values are 1e-3 to 1e-5"
            )
        if sample == 0:
            return np.ones(len(self), dtype=np.float32)  # (V,)
        frequency = self.counts / self.total  # (V,) float64
        keep = (np.sqrt(frequency / sample) + 1.0) * sample / frequency  # (V,)
        return np.minimum(keep, 1.0).astype(np.float32)  # (V,)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """The distribution negatives are drawn from, ``count ** power``,
        normalised.

        Args:
            power: the exponent; word2vec uses 0.75, 1 gives the unigram
                distribution, 0 the uniform one.

        Returns:
            float64 array of shape ``(V,)`` summing to 1.

        Raises:
            InvalidArgumentError: ``power`` is not a finite number.
        """
        if not isinstance(power, numbers.Real) or not math.isfinite(power):
            raise InvalidArgumentError(
                f"expected power to be a finite number, got {power!r}; "
                "word2vec uses 0.75"
            )
        # Scale by the largest count first so that count ** power cannot
        # overflow for large powers.
        weights = (self.counts / self.counts.max()) ** power  # (V,) float64
        return weights / weights.sum()  # (V,)

    # ---- files ----------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the vocabulary as UTF-8 text: two header lines, then one
        ``word<TAB>count`` line per word, in id order.

        Backslash, tab, newline and carriage return inside a word are written
        as ``\\\\``, ``\\t``, ``\\n`` and ``\\r``, so every word round-trips.
        The file is written beside its destination and renamed into place, so
        a crash never leaves half a file.

        Args:
            path: the file to write; replaced if it exists.

        Returns:
            The path written.

        Raises:
            InvalidArgumentError: a word cannot be encoded as UTF-8 (a lone
                surrogate).
        """
        path = Path(path)
        lines = [_MAGIC, f"# words={len(self)} total={self.total}"]
        lines += [
            f"{_escape(word)}\t{count}"
            for word, count in zip(self.words, self.counts.tolist(), strict=True)
        ]
        text = "\n".join(lines) + "\n"
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidArgumentError(
                f"expected words that are valid Unicode text, got one holding "
                f"{exc.object[exc.start : exc.end]!r}, which UTF-8 cannot "
                "encode; remove it from the vocabulary"
            ) from None
        partial = path.with_name(path.name + ".part")
        with open(partial, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            VocabularyFormatError: the file is missing, not UTF-8, or not in
                the format :meth:`save` writes; the message names the line.
        """
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise VocabularyFormatError(
                f"expected a vocabulary file at {path}, found none; "
                "write one with Vocabulary.save"
            ) from None
        except UnicodeDecodeError as exc:
            raise VocabularyFormatError(
                f"expected UTF-8 text in {path}, got an invalid byte at byte "
                f"{exc.start}; the file is damaged or not a vocabulary"
            ) from None
        lines = text.split("\n")
        if lines[0] != _MAGIC:
            raise VocabularyFormatError(
                f"expected {path} to start with {_MAGIC!r}, got "
                f"{lines[0][:60]!r}; it is not a vocabulary Vocabulary.save wrote"
            )
        if lines[-1] == "":
            lines.pop()
        words, counts = [], []
        for number, line in enumerate(lines[2:], start=3):
            word, tab, count = line.rpartition("\t")
            if not tab or not count.isdigit():
                raise VocabularyFormatError(
                    f"expected line {number} of {path} to be word<TAB>count, "
                    f"got {line[:60]!r}"
                )
            words.append(_unescape(word, path, number))
            counts.append(int(count))
        try:
            return cls(words, counts)
        except InvalidArgumentError as exc:
            raise VocabularyFormatError(
                f"{path} holds a broken vocabulary: {exc}"
            ) from None


def _escape(word: str) -> str:
    if "\\" in word or "\t" in word or "\n" in word or "\r" in word:
        return "".join(_ESCAPES.get(char, char) for char in word)
    return word


def _unescape(text: str, path: Path, number: int) -> str:
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        code = next(chars, "")
        if code not in _UNESCAPES:
            got = "\\" + code
            raise VocabularyFormatError(
                f"expected an escape \\\\, \\t, \\n or \\r on line {number} of "
                f"{path}, got {got!r}"
            )
        out.append(_UNESCAPES[code])
    return "".join(out)


def _check_min_count(min_count: object) -> None:
    if not _is_integer(min_count) or min_count < 1:
        raise InvalidArgumentError(
            f"expected min_count to be an integer of at least 1, got {min_count!r}"
        )


def _check_max_size(max_size: object) -> None:
    if max_size is None:
        return
    if not _is_integer(max_size) or max_size < 1:
        raise InvalidArgumentError(
            f"expected max_size to be a positive integer or None, got {max_size!r}"
        )


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
