"""The two simplest tokenizers: one id per character, one id per word.

They are where a course on language models starts (a character-level model
of Shakespeare needs only :class:`CharTokenizer`) and the baselines subword
tokenizers are measured against: characters give small vocabularies and long
sequences, words the reverse, and words meet, in new text, words never seen
in training, which all become one *unknown* token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from neuron.errors import (
    EmptyVocabularyError,
    InvalidArgumentError,
    UnknownWordError,
    VocabularyFormatError,
)
from neuron.text.corpus import Corpus
from neuron.text.tokenize import TokenizerOptions, tokenize
from neuron.text.tokenizer import (
    FORMAT_VERSION,
    PathLike,
    TextSource,
    check_id,
    field,
    iter_texts,
    read_json,
    write_json,
)
from neuron.text.vocab import Vocabulary

__all__ = ["CharTokenizer", "WordTokenizer"]


class CharTokenizer:
    """One id per character of a fixed alphabet.

    Ids follow the order of ``chars``; :meth:`build` sorts them by code
    point. The unknown token, when there is one, comes last.

    Args:
        chars: distinct single characters, in id order.
        unk_token: the token that stands for a character outside the
            alphabet, or None to refuse such characters.

    Raises:
        InvalidArgumentError: an entry is not one character, a character
            repeats, or ``unk_token`` is empty or one of the characters.
        EmptyVocabularyError: ``chars`` is empty.

    Example:
        >>> chars = CharTokenizer.build("hello")
        >>> chars.encode("hole")
        [1, 3, 2, 0]
    """

    KIND = "char"

    def __init__(self, chars: Iterable[str], unk_token: str | None = None) -> None:
        chars = list(chars)
        for char in chars:
            if not isinstance(char, str) or len(char) != 1:
                raise InvalidArgumentError(
                    f"expected single characters, got {char!r}; split strings "
                    "with list(text) or use CharTokenizer.build"
                )
        if not chars:
            raise EmptyVocabularyError(
                "expected at least one character, got none; build from a non-empty text"
            )
        self._ids = {char: i for i, char in enumerate(chars)}
        if len(self._ids) != len(chars):
            raise InvalidArgumentError(
                "expected distinct characters, got repeats; use "
                "CharTokenizer.build, which sorts and deduplicates"
            )
        if unk_token is not None and (not unk_token or unk_token in self._ids):
            raise InvalidArgumentError(
                f"expected an unk_token that is not empty and not in the "
                f"alphabet, got {unk_token!r}; use something like '<unk>'"
            )
        self.chars: list[str] = chars
        self.unk_token = unk_token
        self.unk_id: int | None = None if unk_token is None else len(chars)

    @classmethod
    def build(cls, source: TextSource, unk_token: str | None = None) -> CharTokenizer:
        """The tokenizer of every character in ``source``, sorted by code point.

        Args:
            source: a text, several texts, or a :class:`~neuron.text.Corpus`
                (read as raw text).
            unk_token: see the class.
        """
        alphabet: set[str] = set()
        for text in iter_texts(source):
            alphabet.update(text)
        return cls(sorted(alphabet), unk_token)

    @property
    def vocab_size(self) -> int:
        """The number of characters, plus one for the unknown token."""
        return len(self.chars) + (self.unk_id is not None)

    @property
    def special_tokens(self) -> dict[str, int]:
        """``{unk_token: its id}``, or empty when there is no unknown token."""
        return {} if self.unk_token is None else {self.unk_token: self.unk_id}

    def __repr__(self) -> str:
        return f"CharTokenizer({len(self.chars)} chars, unk_token={self.unk_token!r})"

    def encode(self, text: str) -> list[int]:
        """One id per character of ``text``.

        Raises:
            UnknownWordError: a character is outside the alphabet and there is
                no unknown token; the error lists every such character.
        """
        get = self._ids.get
        ids = [get(char, -1) for char in text]
        if -1 in ids:
            if self.unk_id is None:
                unknown = sorted({char for char in text if char not in self._ids})
                raise UnknownWordError(
                    unknown,
                    "expected characters of the alphabet, got unknown "
                    f"{', '.join(map(repr, unknown[:10]))}; build from a text "
                    "holding them, or pass unk_token='<unk>'",
                )
            ids = [self.unk_id if i < 0 else i for i in ids]
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of ``ids`` joined. The unknown token decodes to its
        own text, so only text over the alphabet round-trips.

        Raises:
            InvalidArgumentError: an id is outside ``[0, vocab_size)``.
        """
        return "".join(self.id_to_token(i) for i in ids)

    def token_to_id(self, token: str) -> int:
        """The id of one character or of the unknown token.

        Raises:
            UnknownWordError: ``token`` is neither.
        """
        if token == self.unk_token:
            return self.unk_id
        try:
            return self._ids[token]
        except KeyError:
            raise UnknownWordError(
                [token],
                f"expected a character of the alphabet, got {token!r}",
            ) from None

    def id_to_token(self, id: int) -> str:
        """The character of one id, or the unknown token."""
        id = check_id(id, self.vocab_size)
        return self.unk_token if id == self.unk_id else self.chars[id]

    def save(self, path: PathLike) -> Path:
        """Write the alphabet as JSON (kind ``"char"``); returns the path."""
        data = {
            "kind": self.KIND,
            "version": FORMAT_VERSION,
            "chars": self.chars,
            "unk_token": self.unk_token,
        }
        return write_json(path, data)

    @classmethod
    def load(cls, path: PathLike) -> CharTokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises:
            VocabularyFormatError: the file is missing or not such a tokenizer.
        """
        data = read_json(path, cls.KIND)
        chars = field(data, "chars", list, path)
        try:
            return cls(chars, data.get("unk_token"))
        except (InvalidArgumentError, EmptyVocabularyError) as exc:
            raise VocabularyFormatError(
                f"{path} holds a broken tokenizer: {exc}"
            ) from None


class WordTokenizer:
    """One id per word, words cut by :func:`~neuron.text.tokenize`.

    Ids are those of the :class:`~neuron.text.Vocabulary` (0 the most
    frequent word); the unknown token comes last, ``len(vocab)``.

    Args:
        vocab: the known words.
        options: how :func:`~neuron.text.tokenize` cuts text; its defaults
            when None (lower case, punctuation dropped).
        unk_token: the token that stands for every word outside ``vocab``.

    Raises:
        InvalidArgumentError: ``unk_token`` is empty or a word of ``vocab``.
    """

    KIND = "word"

    def __init__(
        self,
        vocab: Vocabulary,
        options: TokenizerOptions | None = None,
        unk_token: str = "<unk>",
    ) -> None:
        if not isinstance(unk_token, str) or not unk_token or unk_token in vocab:
            raise InvalidArgumentError(
                f"expected an unk_token that is not empty and not a word of the "
                f"vocabulary, got {unk_token!r}; use something like '<unk>'"
            )
        self.vocab = vocab
        self.options = options or TokenizerOptions()
        self.unk_token = unk_token
        self.unk_id = len(vocab)
        self._ids = {word: i for i, word in enumerate(vocab.words)}

    @classmethod
    def build(
        cls,
        source: TextSource,
        min_count: int = 1,
        max_size: int | None = None,
        options: TokenizerOptions | None = None,
        unk_token: str = "<unk>",
    ) -> WordTokenizer:
        """Count the words of ``source`` and keep the frequent ones.

        Args:
            source: a text, several texts, or a :class:`~neuron.text.Corpus`,
                whose own tokenizer options are then used.
            min_count: drop words seen fewer times than this.
            max_size: keep at most this many words (then one more id for the
                unknown token).
            options: how to cut text; must be None or the corpus's own for a
                corpus.
            unk_token: see the class.

        Raises:
            InvalidArgumentError: an argument is out of range, or ``options``
                differ from a corpus's.
            EmptyVocabularyError: no word is left.
        """
        if isinstance(source, Corpus):
            if options is not None and options != source.options:
                raise InvalidArgumentError(
                    f"expected options=None for a Corpus, which cuts words with "
                    f"its own {source.options}, got {options}; pass them to "
                    "Corpus(..., options=...) instead"
                )
            options, sentences = source.options, source
        else:
            sentences = (tokenize(text, options) for text in iter_texts(source))
        vocab = Vocabulary.build(sentences, min_count=min_count, max_size=max_size)
        return cls(vocab, options, unk_token)

    @property
    def vocab_size(self) -> int:
        """The number of words, plus one for the unknown token."""
        return len(self.vocab) + 1

    @property
    def special_tokens(self) -> dict[str, int]:
        """``{unk_token: its id}``."""
        return {self.unk_token: self.unk_id}

    def __repr__(self) -> str:
        return f"WordTokenizer({len(self.vocab)} words, unk_token={self.unk_token!r})"

    def encode(self, text: str) -> list[int]:
        """The id of each word of ``text``, the unknown id for words outside
        the vocabulary."""
        get, unk = self._ids.get, self.unk_id
        return [get(word, unk) for word in tokenize(text, self.options)]

    def decode(self, ids: Iterable[int]) -> str:
        """The words of ``ids`` joined by single spaces.

        Tokenising forgets case (by default), punctuation and spacing, so this
        gives the words back, not the text.
        """
        return " ".join(self.id_to_token(i) for i in ids)

    def token_to_id(self, token: str) -> int:
        """The id of one word or of the unknown token.

        Raises:
            UnknownWordError: ``token`` is neither.
        """
        if token == self.unk_token:
            return self.unk_id
        if token not in self._ids:
            raise UnknownWordError([token])
        return self._ids[token]

    def id_to_token(self, id: int) -> str:
        """The word of one id, or the unknown token."""
        id = check_id(id, self.vocab_size)
        return self.unk_token if id == self.unk_id else self.vocab.words[id]

    def save(self, path: PathLike) -> Path:
        """Write the words, their counts and the options as JSON (kind
        ``"word"``); returns the path."""
        data = {
            "kind": self.KIND,
            "version": FORMAT_VERSION,
            "unk_token": self.unk_token,
            "options": dataclasses.asdict(self.options),
            "words": self.vocab.words,
            "counts": self.vocab.counts.tolist(),
        }
        return write_json(path, data)

    @classmethod
    def load(cls, path: PathLike) -> WordTokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises:
            VocabularyFormatError: the file is missing or not such a tokenizer.
        """
        data = read_json(path, cls.KIND)
        words: Sequence[str] = field(data, "words", list, path)
        counts = field(data, "counts", list, path)
        try:
            options = TokenizerOptions(**field(data, "options", dict, path))
            return cls(Vocabulary(words, counts), options, data.get("unk_token"))
        except (InvalidArgumentError, TypeError) as exc:
            raise VocabularyFormatError(
                f"{path} holds a broken tokenizer: {exc}"
            ) from None
