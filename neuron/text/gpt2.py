"""GPT-2's tokenizer files: ``vocab.json`` (also called ``encoder.json``) and
``merges.txt``, and the byte-to-character table they are written in.

GPT-2 (Radford et al., 2019, "Language Models are Unsupervised Multitask
Learners") tokenizes bytes, but stores its tokens as JSON text. Each of the
256 bytes is written as one printable character: the 188 bytes that are
already visible, non-space characters (``!`` to ``~``, ``¡`` to ``¬``, ``®``
to ``ÿ``) stand for themselves; the other 68 (controls, space, the
non-breaking and soft hyphens) are shifted to the characters 256, 257, ...
in byte order. So a space is ``Ġ`` (U+0120) and a newline ``Ċ`` (U+010A),
and the token `` the`` is written ``Ġthe``.

- ``vocab.json`` maps each token, so written, to its id;
- ``merges.txt`` starts with a ``#version`` line, then holds one merge per
  line, in rank order (the first was learned first and applies first): the
  two tokens it joins, separated by one space.

Special tokens (GPT-2 has one, ``<|endoftext|>``) are in ``vocab.json``
under their own text. Reading the files, any entry that is neither a single
byte nor the result of a merge is taken as a special token.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from neuron.errors import InvalidArgumentError, VocabularyFormatError

__all__ = ["GPT2_PATTERN", "bytes_to_text", "text_to_bytes"]

#: GPT-2's pre-tokenizer: the regular expression that cuts text into the
#: pieces BPE works within. In order of preference: common English
#: contractions; a run of letters, of digits, or of other non-space
#: characters, each with at most one space before it; whitespace not followed
#: by a non-space (so the last space before a word stays with the word);
#: any other whitespace. ``\p{L}`` and ``\p{N}`` (any letter, any digit) need
#: the ``regex`` package.
GPT2_PATTERN = (
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
)

MERGES_HEADER = "#version: 0.2"


@functools.cache
def _byte_chars() -> tuple[str, ...]:
    """The character standing for each byte value, indexed by the byte."""
    visible = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = [""] * 256
    for byte in visible:
        chars[byte] = chr(byte)
    shifted = 0
    for byte in range(256):
        if not chars[byte]:
            chars[byte] = chr(256 + shifted)
            shifted += 1
    return tuple(chars)


@functools.cache
def _char_bytes() -> dict[str, int]:
    return {char: byte for byte, char in enumerate(_byte_chars())}


def bytes_to_text(token: bytes) -> str:
    """A token's bytes as GPT-2 writes them: ``b" the"`` -> ``"Ġthe"``."""
    chars = _byte_chars()
    return "".join([chars[byte] for byte in token])


def text_to_bytes(text: str) -> bytes:
    """The inverse of :func:`bytes_to_text`: ``"Ġthe"`` -> ``b" the"``.

    Raises:
        InvalidArgumentError: a character is none of the 256 that stand for
            bytes.
    """
    table = _char_bytes()
    try:
        return bytes([table[char] for char in text])
    except KeyError as exc:
        raise InvalidArgumentError(
            f"expected a token written in GPT-2's byte characters, got {text!r}, "
            f"whose {exc.args[0]!r} stands for no byte"
        ) from None


def read_gpt2_files(
    vocab_json: str | os.PathLike[str], merges_txt: str | os.PathLike[str]
) -> tuple[dict[bytes, int], list[tuple[bytes, bytes]], dict[str, int]]:
    """Read GPT-2's two files.

    Returns:
        ``(vocab, merges, special_tokens)``: each ordinary token's bytes and
        id; the merges in rank order; each special token's text and id.

    Raises:
        VocabularyFormatError: a file is missing or not in GPT-2's format; the
            message names the file and, for merges, the line.
    """
    vocab_json, merges_txt = Path(vocab_json), Path(merges_txt)
    entries = _read_vocab_json(vocab_json)
    lines = _read_text(merges_txt).split("\n")

    # The merges, written with byte characters.
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line or (number == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise VocabularyFormatError(
                f"expected line {number} of {merges_txt} to be two tokens "
                f"separated by one space, got {line[:60]!r}"
            )
        for part in (*parts, parts[0] + parts[1]):
            if part not in entries:
                raise VocabularyFormatError(
                    f"expected every token of line {number} of {merges_txt} and "
                    f"their join in {vocab_json}, got {part!r}, which is not "
                    "there; the two files do not belong together"
                )
        pairs.append((parts[0], parts[1]))

    # Bytes and merge results are ordinary tokens; anything else is special.
    ordinary = set(_byte_chars()) | {a + b for a, b in pairs}
    vocab, special_tokens = {}, {}
    for text, id in entries.items():
        if text in ordinary:
            try:
                vocab[text_to_bytes(text)] = id
            except InvalidArgumentError as exc:
                raise VocabularyFormatError(f"{vocab_json}: {exc}") from None
        else:
            special_tokens[text] = id
    merges = [(text_to_bytes(a), text_to_bytes(b)) for a, b in pairs]
    return vocab, merges, special_tokens


def write_gpt2_files(
    directory: str | os.PathLike[str],
    vocab: Mapping[bytes, int],
    merges: Sequence[tuple[bytes, bytes]],
    special_tokens: Mapping[str, int],
) -> tuple[Path, Path]:
    """Write ``vocab.json`` and ``merges.txt`` in ``directory`` (created if
    needed; existing files replaced).

    Returns:
        The paths of ``vocab.json`` and ``merges.txt``.

    Raises:
        InvalidArgumentError: a special token is spelled like an ordinary
            token, which the format cannot tell apart.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entries = {bytes_to_text(token): id for token, id in vocab.items()}
    for text, id in special_tokens.items():
        if text in entries:
            raise InvalidArgumentError(
                f"expected special tokens spelled unlike any ordinary token in "
                f"GPT-2's files, got {text!r}; rename the special token"
            )
        entries[text] = id
    entries = dict(sorted(entries.items(), key=lambda item: item[1]))
    lines = [MERGES_HEADER]
    lines += [f"{bytes_to_text(a)} {bytes_to_text(b)}" for a, b in merges]
    vocab_text = json.dumps(entries, ensure_ascii=False)
    vocab_path = _write(directory / "vocab.json", vocab_text)
    merges_path = _write(directory / "merges.txt", "\n".join(lines) + "\n")
    return vocab_path, merges_path


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VocabularyFormatError(
            f"expected a GPT-2 tokenizer file at {path}, found none; check the "
            "path (vocab.json and merges.txt come together)"
        ) from None
    except UnicodeDecodeError as exc:
        raise VocabularyFormatError(
            f"expected UTF-8 text in {path}, got an invalid byte at byte "
            f"{exc.start}; the file is damaged"
        ) from None


def _read_vocab_json(path: Path) -> dict[str, int]:
    try:
        entries = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise VocabularyFormatError(
            f"expected JSON in {path}, got an error at line {exc.lineno}: "
            f"{exc.msg}; the file is damaged or not GPT-2's vocab.json"
        ) from None
    if not isinstance(entries, dict) or not all(
        isinstance(id, int) and not isinstance(id, bool) for id in entries.values()
    ):
        raise VocabularyFormatError(
            f"expected {path} to map tokens to integer ids, got something "
            "else; it is not GPT-2's vocab.json"
        )
    return entries


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)
    return path
