"""Word tokenisation: text in, a list of word tokens out.

One compiled regular expression finds the tokens, so a megabyte of English
takes a few tens of milliseconds. What counts as a token:

- a *word* is a run of letters and digits (any script; combining accents
  stay attached), with apostrophes allowed between them, so ``don't``,
  ``elizabeth's`` and ``o'clock`` are single words. A leading or trailing
  apostrophe is a quotation mark and belongs to punctuation;
- a *number* is a run of decimal digits, possibly with inner ``.`` or ``,``
  (``3.14``, ``1,000``), standing alone. A run that mixes digits and letters
  (``19th``, ``mp3``) is a word;
- everything else that is not whitespace is *punctuation*, one token per
  character when it is kept.

Curly apostrophes (U+2019) and the modifier letter apostrophe (U+02BC) are
read as ``'``. Text is put in Unicode normal form NFC first, so an accent
typed as a separate combining character matches its precomposed form.
Tokens never contain whitespace, whatever the options.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Literal

from neuron.errors import InvalidArgumentError

__all__ = ["TokenizerOptions", "tokenize"]

# Characters read as an apostrophe (str.replace beats str.translate here).
_APOSTROPHES = ("\u2019", "\u02bc", "\uff07")


@dataclass(frozen=True)
class TokenizerOptions:
    """How :func:`tokenize` turns text into tokens.

    The defaults suit English prose for word vectors: lower case, words with
    their inner apostrophes, numbers as they are, no punctuation.

    Attributes:
        lowercase: lower-case the text before cutting it.
        apostrophes: what to do with an apostrophe inside a word: ``"keep"``
            (``don't``), ``"split"`` it off with what follows (``don``,
            ``'t``), or ``"drop"`` it (``dont``).
        numbers: ``"keep"`` standalone numbers, ``"drop"`` them, or
            ``"replace"`` each with ``number_token``.
        number_token: the token that stands for a number under
            ``numbers="replace"``; no whitespace allowed.
        punctuation: ``"drop"`` punctuation and symbols, or ``"keep"`` each
            character as a token of its own.
        normalize: the Unicode normal form applied first (``"NFC"``,
            ``"NFKC"``), or ``None`` to leave the text as it is.
    """

    lowercase: bool = True
    apostrophes: Literal["keep", "split", "drop"] = "keep"
    numbers: Literal["keep", "drop", "replace"] = "keep"
    number_token: str = "<num>"
    punctuation: Literal["drop", "keep"] = "drop"
    normalize: Literal["NFC", "NFKC"] | None = "NFC"

    def __post_init__(self) -> None:
        _check_choice("apostrophes", self.apostrophes, ("keep", "split", "drop"))
        _check_choice("numbers", self.numbers, ("keep", "drop", "replace"))
        _check_choice("punctuation", self.punctuation, ("drop", "keep"))
        _check_choice("normalize", self.normalize, ("NFC", "NFKC", None))
        if not self.number_token or any(c.isspace() for c in self.number_token):
            raise InvalidArgumentError(
                "expected a non-empty number_token without whitespace, got "
                f"{self.number_token!r}; use something like '<num>'"
            )


def _check_choice(name: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise InvalidArgumentError(
            f"expected {name} to be one of {choices}, got {value!r}"
        )


@functools.cache
def _marks() -> str:
    """A regex character-class body holding every combining mark (Mn, Mc,
    Me). Python's ``\\w`` leaves them out, so without them a Devanagari or a
    decomposed accented word would fall apart. Built once, on first use."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


@functools.cache
def _pattern(*, marks: bool, punctuation: bool, numbers: bool) -> re.Pattern[str]:
    """The token regex for one combination of options.

    Args:
        marks: the text may hold any character: let combining marks
            continue a word. False for ASCII text, which gets a faster
            pattern meaning the same.
        punctuation: match punctuation characters as tokens too.
        numbers: capture numbers in group 1 and everything else in group 2,
            so that the caller can tell them apart; otherwise no groups, and
            ``findall`` returns the tokens themselves (the fast path).
    """
    if marks:
        alnum = r"[^\W_]"  # a letter or digit: \w without the underscore
        digit = r"\d"
        inner = rf"{alnum}*(?:[{_marks()}]+{alnum}*)*"
    else:
        # ASCII text: the same classes spelled out, which match faster.
        alnum, digit = "[A-Za-z0-9]", "[0-9]"
        inner = f"{alnum}*"
    word = rf"{alnum}{inner}(?:'{alnum}{inner})*"
    # A number must not run on into letters: "19th" is a word.
    number = rf"{digit}+(?:[.,]{digit}+)*(?!{alnum})"
    other = rf"{word}|[^\w\s]|_" if punctuation else word
    if numbers:
        return re.compile(f"({number})|({other})")
    return re.compile(f"{number}|{other}")


def tokenize(text: str, options: TokenizerOptions | None = None) -> list[str]:
    """Cut ``text`` into tokens.

    Args:
        text: any string; there are no invalid inputs.
        options: how to cut; the defaults of :class:`TokenizerOptions` when
            None.

    Returns:
        The tokens in reading order. None is empty or holds whitespace.

    Example:
        >>> tokenize("Don’t panic: it's 42!")
        ["don't", 'panic', "it's", '42']
    """
    options = options or _DEFAULT
    ascii_only = text.isascii()
    if not ascii_only:
        if options.normalize is not None:
            text = unicodedata.normalize(options.normalize, text)
        for apostrophe in _APOSTROPHES:
            if apostrophe in text:
                text = text.replace(apostrophe, "'")
    if options.lowercase:
        text = text.lower()
    pattern = _pattern(
        marks=not ascii_only,
        punctuation=options.punctuation == "keep",
        numbers=options.numbers != "keep",
    )

    # Numbers: with the default, the regex hands back the tokens directly.
    if options.numbers == "keep":
        tokens = pattern.findall(text)
    elif options.numbers == "drop":
        tokens = [other for _, other in pattern.findall(text) if other]
    else:
        replacement = options.number_token
        tokens = [other or replacement for _, other in pattern.findall(text)]

    # Apostrophes: only words hold one between letters (a lone "'" kept as
    # punctuation is a single character).
    if options.apostrophes == "drop":
        tokens = [t.replace("'", "") if len(t) > 1 else t for t in tokens]
    elif options.apostrophes == "split":
        tokens = [part for t in tokens for part in _split_apostrophes(t)]
    return tokens


def _split_apostrophes(token: str) -> list[str]:
    if len(token) < 2 or "'" not in token:
        return [token]
    head, *tails = token.split("'")
    return [head, *("'" + tail for tail in tails)]


_DEFAULT = TokenizerOptions()
