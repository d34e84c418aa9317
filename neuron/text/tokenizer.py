"""What every tokenizer offers, and reading any of them back from a file.

A tokenizer turns text into a list of integer ids and back. neuron has four,
from the simplest to the ones real models use:

- :class:`~neuron.text.CharTokenizer`: one id per character;
- :class:`~neuron.text.WordTokenizer`: one id per word of
  :func:`~neuron.text.tokenize`, with an id for unknown words;
- :class:`~neuron.text.ByteBPE`: GPT-2's byte-level byte-pair encoding;
- :class:`~neuron.text.WordPiece`: BERT's WordPiece.

Each one saves itself as one JSON file whose ``"kind"`` field names the
class, and :func:`load_tokenizer` reads any of them back::

    tokenizer = ByteBPE.train(Corpus("tinyshakespeare.txt"), vocab_size=1024)
    tokenizer.save("shakespeare.json")
    same = load_tokenizer("shakespeare.json")
    assert same.encode("To be") == tokenizer.encode("To be")
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from neuron.errors import InvalidArgumentError, VocabularyFormatError
from neuron.text.corpus import Corpus

__all__ = ["Tokenizer", "load_tokenizer"]

PathLike = str | os.PathLike[str]

#: What tokenizers train or build from: one text, several texts, or a corpus
#: (whose files are read as raw text, see :meth:`Corpus.iter_text`).
TextSource = str | Corpus | Iterable[str]

#: The version of the JSON layout written by ``save``.
FORMAT_VERSION = 1


@runtime_checkable
class Tokenizer(Protocol):
    """The interface all of neuron's tokenizers share.

    Ids run from 0 to ``vocab_size - 1``. Special tokens (``<unk>``,
    ``[CLS]``, ``<|endoftext|>``) have ids like any other token and are listed
    in ``special_tokens``.
    """

    @property
    def vocab_size(self) -> int:
        """The number of ids, special tokens included."""
        ...

    @property
    def special_tokens(self) -> dict[str, int]:
        """Each special token's text and its id."""
        ...

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``, in reading order."""
        ...

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; see each class for what is lost."""
        ...

    def token_to_id(self, token: str) -> int:
        """The id of one token, as the vocabulary spells it."""
        ...

    def id_to_token(self, id: int) -> str:
        """The token of one id, as the vocabulary spells it."""
        ...

    def save(self, path: PathLike) -> Path:
        """Write the tokenizer as one JSON file that
        :func:`load_tokenizer` reads back."""
        ...


def load_tokenizer(path: PathLike) -> Tokenizer:
    """Read back a tokenizer written by any tokenizer's ``save``.

    Args:
        path: a JSON file written by ``save``.

    Returns:
        A tokenizer of the class named by the file's ``"kind"`` field, giving
        the same ids as the one saved.

    Raises:
        VocabularyFormatError: the file is missing, not JSON, or of an unknown
            kind or version.
    """
    # Imported here: those modules import this one for the helpers below.
    from neuron.text.bpe import ByteBPE
    from neuron.text.simple import CharTokenizer, WordTokenizer
    from neuron.text.wordpiece import WordPiece

    classes = {
        cls.KIND: cls for cls in (CharTokenizer, WordTokenizer, ByteBPE, WordPiece)
    }
    data = read_json(path, *classes)
    return classes[data["kind"]].load(path)


# ---- helpers the tokenizers share ---------------------------------------------


def iter_texts(source: TextSource) -> Iterator[str]:
    """The raw texts of a training source.

    Args:
        source: one text (a ``str`` is text, not a file name), an iterable of
            texts, or a :class:`~neuron.text.Corpus`, whose files are streamed
            in pieces that never cut a word (:meth:`Corpus.iter_text`).

    Raises:
        InvalidArgumentError: the source is a path, bytes, or yields
            something other than ``str``.
    """
    if isinstance(source, str):
        yield source
        return
    if isinstance(source, Corpus):
        yield from source.iter_text()
        return
    if isinstance(source, (bytes, bytearray, os.PathLike)):
        raise InvalidArgumentError(
            f"expected a text, texts or a Corpus, got {type(source).__name__}; "
            "for a file, pass Corpus(path)"
        )
    for text in source:
        if not isinstance(text, str):
            raise InvalidArgumentError(
                f"expected every text to be a str, got {type(text).__name__}; "
                "decode bytes first, or pass a Corpus for files"
            )
        yield text


def check_id(id: object, vocab_size: int) -> int:
    """``id`` as an int, after checking that it is in ``[0, vocab_size)``."""
    if isinstance(id, bool) or not hasattr(id, "__index__"):
        raise InvalidArgumentError(
            f"expected token ids to be integers, got {type(id).__name__} {id!r}"
        )
    id = id.__index__()
    if not 0 <= id < vocab_size:
        raise InvalidArgumentError(
            f"expected token ids in [0, {vocab_size}), got {id}; the ids come "
            "from another tokenizer or were changed"
        )
    return id


def check_special_tokens(tokens: Iterable[str]) -> list[str]:
    """The special tokens as a list, after checking each is a distinct,
    non-empty string."""
    if isinstance(tokens, str):
        raise InvalidArgumentError(
            f"expected special_tokens as a list of strings, got the str "
            f"{tokens!r}; write ({tokens!r},)"
        )
    tokens = list(tokens)
    for token in tokens:
        if not isinstance(token, str) or not token:
            raise InvalidArgumentError(
                f"expected each special token to be a non-empty str, got {token!r}"
            )
    if len(set(tokens)) != len(tokens):
        raise InvalidArgumentError(
            f"expected distinct special tokens, got {tokens}; list each once"
        )
    return tokens


def write_json(path: PathLike, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as UTF-8 JSON beside ``path``, then rename it into place,
    so that a crash never leaves half a file."""
    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", encoding="utf-8") as stream:
        stream.write(text + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)
    return path


def read_json(path: PathLike, *kinds: str) -> dict[str, Any]:
    """Read a tokenizer's JSON file, checking its kind and version.

    Args:
        path: the file.
        kinds: the ``"kind"`` values accepted.

    Raises:
        VocabularyFormatError: the file is missing, not JSON, not an object,
            of another kind or of a newer version.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VocabularyFormatError(
            f"expected a tokenizer file at {path}, found none; check the path "
            "or write one with the tokenizer's save"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VocabularyFormatError(
            f"expected JSON in {path}, got unreadable content ({exc}); the "
            "file is damaged or not a tokenizer"
        ) from None
    if not isinstance(data, dict):
        raise VocabularyFormatError(
            f"expected a JSON object in {path}, got {type(data).__name__}; "
            "it is not a tokenizer file"
        )
    if data.get("kind") not in kinds:
        known = " or ".join(map(repr, kinds))
        fix = "read it with load_tokenizer" if len(kinds) == 1 else "it is not one"
        raise VocabularyFormatError(
            f"expected {path} to hold a tokenizer of kind {known}, got "
            f"{data.get('kind')!r}; {fix}"
        )
    if data.get("version") != FORMAT_VERSION:
        raise VocabularyFormatError(
            f"expected version {FORMAT_VERSION} in {path}, got "
            f"{data.get('version')!r}; it was written by another neuron"
        )
    return data


def field(data: Mapping[str, Any], name: str, kind: type, path: PathLike) -> Any:
    """One field of a tokenizer file, checked to be of type ``kind``."""
    value = data.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise VocabularyFormatError(
            f"expected a field {name!r} of type {kind.__name__} in {path}, got "
            f"{type(value).__name__}; the file is damaged"
        )
    return value
