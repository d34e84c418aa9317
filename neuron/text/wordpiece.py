"""BERT's WordPiece tokenizer, loading a pretrained ``vocab.txt`` so that ids
match the model's.

BERT (Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional
Transformers for Language Understanding") cuts text in two stages.

*Basic tokenization*, rules and no vocabulary:

1. drop NUL, U+FFFD and control characters; read every whitespace
   character as a space;
2. put spaces around CJK ideographs, so each becomes a word of its own
   (Chinese has no spaces between words);
3. split at whitespace;
4. for an uncased model, lower-case each word and strip its accents
   (decompose, NFD, and drop the combining marks): ``Éclair`` -> ``eclair``;
5. split every punctuation character off as a word of its own.

*WordPiece*, greedy longest match first: take the longest prefix of the word
in the vocabulary, then the longest continuation of what is left, spelled
with ``##`` in front (``unaffable`` -> ``una ##ffa ##ble``), and so on. A word
where some remainder has no match, or longer than 100 characters, becomes
the single token ``[UNK]``.

Special tokens written in the text (``[MASK]``) are matched first, exactly
as spelled, and kept whole.

The ids are those of the fast BERT tokenizer of ``transformers`` (tested on
the ``bert-base-uncased`` vocabulary), with two known exceptions: the 256
code points U+2B820 to U+2B91F, ideographs here as in BERT's original code
but not there, and characters whose Unicode category differs between
Python's ``unicodedata`` and that library's tables (a few recent additions
to Unicode).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from neuron.errors import InvalidArgumentError, UnknownWordError, VocabularyFormatError
from neuron.text.tokenizer import (
    FORMAT_VERSION,
    PathLike,
    check_id,
    field,
    read_json,
    write_json,
)

__all__ = ["WordPiece"]

#: The special tokens every BERT vocabulary holds.
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

#: Code point ranges BERT treats as CJK ideographs (the CJK Unified
#: Ideographs blocks and their extensions, and the compatibility blocks).
#: Hiragana, Katakana and Hangul are not among them: they are written with
#: spaces or cut by the WordPiece vocabulary.
CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)

_CACHE_SIZE = 1 << 16


class WordPiece:
    """BERT's tokenizer: basic tokenization, then WordPiece.

    Build one from a pretrained vocabulary with :meth:`from_files`.

    Args:
        tokens: the vocabulary in id order (line ``i`` of ``vocab.txt`` has
            id ``i``). Continuations start with ``##``. Should a token repeat,
            its last id wins, as in BERT's own code.
        lowercase: lower-case and strip accents (an uncased model).
        max_word_chars: words longer than this become ``[UNK]``.

    Raises:
        InvalidArgumentError: a special token of :data:`SPECIAL_TOKENS` is
            missing, or ``max_word_chars`` is below 1.

    Example:
        >>> bert = WordPiece.from_files("vocab.txt")
        >>> bert.tokens_of("Unaffable!")
        ['[CLS]', 'una', '##ffa', '##ble', '!', '[SEP]']
    """

    KIND = "wordpiece"

    def __init__(
        self,
        tokens: Sequence[str],
        lowercase: bool = True,
        max_word_chars: int = 100,
    ) -> None:
        tokens = list(tokens)
        self._ids = {token: id for id, token in enumerate(tokens)}
        missing = [token for token in SPECIAL_TOKENS if token not in self._ids]
        if missing:
            raise InvalidArgumentError(
                f"expected BERT's special tokens {', '.join(SPECIAL_TOKENS)} in "
                f"the vocabulary, got {', '.join(missing)} missing; is this a "
                "BERT vocab.txt?"
            )
        if isinstance(max_word_chars, bool) or not isinstance(max_word_chars, int):
            raise InvalidArgumentError(
                f"expected max_word_chars to be an integer, got {max_word_chars!r}"
            )
        if max_word_chars < 1:
            raise InvalidArgumentError(
                f"expected max_word_chars of at least 1, got {max_word_chars}; "
                "BERT uses 100"
            )
        self.tokens: list[str] = tokens
        self.lowercase = bool(lowercase)
        self.max_word_chars = max_word_chars
        self.unk_id = self._ids["[UNK]"]
        self.cls_id = self._ids["[CLS]"]
        self.sep_id = self._ids["[SEP]"]
        self.pad_id = self._ids["[PAD]"]
        self.mask_id = self._ids["[MASK]"]
        alternatives = "|".join(map(re.escape, SPECIAL_TOKENS))
        self._special_split = re.compile(f"({alternatives})")
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_files(cls, vocab_txt: PathLike, lowercase: bool = True) -> WordPiece:
        """Load BERT's ``vocab.txt``: one token per line, line ``i`` id ``i``.

        Args:
            vocab_txt: the file.
            lowercase: True for an uncased model (``bert-base-uncased``, the
                MiniLM sentence encoders), False for a cased one.

        Raises:
            VocabularyFormatError: the file is missing, not UTF-8, or lacks
                BERT's special tokens.
        """
        path = Path(vocab_txt)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise VocabularyFormatError(
                f"expected a BERT vocab.txt at {path}, found none; check the path"
            ) from None
        except UnicodeDecodeError as exc:
            raise VocabularyFormatError(
                f"expected UTF-8 text in {path}, got an invalid byte at byte "
                f"{exc.start}; the file is damaged or not a vocab.txt"
            ) from None
        tokens = text.split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        try:
            return cls(tokens, lowercase)
        except InvalidArgumentError as exc:
            raise VocabularyFormatError(f"{path}: {exc}") from None

    # ---- the vocabulary -------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """The number of ids (lines of ``vocab.txt``)."""
        return len(self.tokens)

    @property
    def special_tokens(self) -> dict[str, int]:
        """``[PAD]``, ``[UNK]``, ``[CLS]``, ``[SEP]`` and ``[MASK]`` with their ids."""
        return {token: self._ids[token] for token in SPECIAL_TOKENS}

    def __repr__(self) -> str:
        return f"WordPiece(vocab_size={self.vocab_size}, lowercase={self.lowercase})"

    def token_to_id(self, token: str) -> int:
        """The id of one token (continuations spelled with ``##``).

        Raises:
            UnknownWordError: ``token`` is not in the vocabulary.
        """
        try:
            return self._ids[token]
        except KeyError:
            raise UnknownWordError(
                [token],
                f"expected a token of the vocabulary, got {token!r}; "
                "continuations are spelled with ##",
            ) from None

    def id_to_token(self, id: int) -> str:
        """The token of one id."""
        return self.tokens[check_id(id, self.vocab_size)]

    # ---- encoding and decoding ------------------------------------------------

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """The ids of ``text``, framed as ``[CLS] ... [SEP]`` unless
        ``add_special_tokens`` is False."""
        ids = [self.cls_id] if add_special_tokens else []
        for index, piece in enumerate(self._special_split.split(text)):
            if index % 2:  # odd pieces are the special tokens matched
                ids.append(self._ids[piece])
                continue
            for word in basic_tokenize(piece, self.lowercase):
                ids.extend(self._wordpiece(word))
        if add_special_tokens:
            ids.append(self.sep_id)
        return ids

    def tokens_of(self, text: str, add_special_tokens: bool = True) -> list[str]:
        """The tokens of ``text`` as the vocabulary spells them."""
        return [self.tokens[id] for id in self.encode(text, add_special_tokens)]

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """The tokens of ``ids`` joined: a ``##`` continuation glued to what
        precedes it, other tokens separated by a space.

        Case, accents, and the spacing around punctuation are lost to basic
        tokenization, and unknown words to ``[UNK]``, so this gives back the
        tokens' text, not the original.
        """
        special = set(self.special_tokens.values()) if skip_special_tokens else ()
        words: list[str] = []
        for id in ids:
            if check_id(id, self.vocab_size) in special:
                continue
            token = self.tokens[id]
            if token.startswith("##") and words:
                words[-1] += token[2:]
            else:
                words.append(token)
        return " ".join(words)

    def _wordpiece(self, word: str) -> list[int]:
        """The ids of one word of basic tokenization, remembered."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > self.max_word_chars:
            ids = [self.unk_id]
        else:
            ids = self._longest_match_first(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = ids
        return ids

    def _longest_match_first(self, word: str) -> list[int]:
        """Greedy WordPiece: at each position the longest piece the vocabulary
        holds; ``[UNK]`` for the whole word when none does."""
        ids: list[int] = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                id = self._ids.get(piece)
                if id is not None:
                    break
            else:
                return [self.unk_id]
            ids.append(id)
            start = end
        return ids

    # ---- files ----------------------------------------------------------------

    def save(self, path: PathLike) -> Path:
        """Write the vocabulary and options as JSON (kind ``"wordpiece"``);
        returns the path."""
        data = {
            "kind": self.KIND,
            "version": FORMAT_VERSION,
            "lowercase": self.lowercase,
            "max_word_chars": self.max_word_chars,
            "tokens": self.tokens,
        }
        return write_json(path, data)

    @classmethod
    def load(cls, path: PathLike) -> WordPiece:
        """Read a tokenizer written by :meth:`save`.

        Raises:
            VocabularyFormatError: the file is missing or not such a tokenizer.
        """
        data = read_json(path, cls.KIND)
        try:
            return cls(
                field(data, "tokens", list, path),
                field(data, "lowercase", bool, path),
                field(data, "max_word_chars", int, path),
            )
        except InvalidArgumentError as exc:
            raise VocabularyFormatError(
                f"{path} holds a broken tokenizer: {exc}"
            ) from None


# ---- basic tokenization ------------------------------------------------------


def basic_tokenize(text: str, lowercase: bool = True) -> list[str]:
    """BERT's rule-based first stage (steps 1 to 5 of the module docstring).

    Example:
        >>> basic_tokenize("Héllo, 世界!")
        ['hello', ',', '世', '界', '!']
    """
    # Steps 1 and 2: clean, and space out ideographs.
    chars: list[str] = []
    for char in text:
        if char == "\x00" or char == "\ufffd" or _is_control(char):
            continue
        if _is_whitespace(char):
            chars.append(" ")
        elif _is_cjk(char):
            chars.append(f" {char} ")
        else:
            chars.append(char)

    # Steps 3 to 5.
    words: list[str] = []
    for word in "".join(chars).split():
        if lowercase:
            word = _strip_accents(_lower(word))
        words.extend(_split_punctuation(word))
    return words


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    # Tab, newline and carriage return are controls too, but count as spaces.
    # Unassigned code points (Cn) are kept, as the tokenizers BERT models are
    # served with keep them (BERT's first code dropped them too).
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def _is_punctuation(char: str) -> bool:
    # Every non-alphanumeric ASCII character counts, $ ^ ` + < = > | ~ too,
    # which Unicode calls symbols.
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _lower(word: str) -> str:
    # Character by character, as the tokenizers BERT models are served with
    # do: str.lower() would write a word-final capital sigma as final sigma,
    # "ΟΣ" -> "ος", where they give "οσ".
    if "Σ" in word:
        return "".join(char.lower() for char in word)
    return word.lower()


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def _split_punctuation(word: str) -> list[str]:
    pieces: list[str] = []
    run: list[str] = []
    for char in word:
        if _is_punctuation(char):
            if run:
                pieces.append("".join(run))
                run = []
            pieces.append(char)
        else:
            run.append(char)
    if run:
        pieces.append("".join(run))
    return pieces
