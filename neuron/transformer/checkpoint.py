"""Checkpoints a training run resumes from exactly.

A checkpoint is one ``torch.save`` file holding everything the next step
depends on, so that training N steps straight and training N / 2 steps,
stopping, and resuming for N / 2 more give the same losses and parameters
bit for bit (on the same machine, same threads, deterministic kernels):

    format        FORMAT_VERSION
    step          the last optimizer step taken (the schedule's position:
                  the learning rate is a function of the step alone)
    model         the model's state dict (parameter names as in
                  ``neuron.transformer.parameters``)
    optimizer     AdamW's state dict: moments, step counts, groups
    rng           one entry per process: torch's CPU generator, CUDA's
                  generators, NumPy's global generator and Python's
                  ``random``, so dropout draws continue where they stopped
    data          the batch sampler's position (``Batches.state_dict``)
    config        ``TransformerConfig.to_dict()``
    settings      the training settings, as a dict
    tokenizer     where the tokenizer is saved (``{"kind", "path"}``), or
                  None
    data_source   ``TextData.describe()``
    metrics       the latest losses, for the record

Files are written beside their final name and renamed into place, so a run
killed while saving leaves the previous checkpoint intact. Every value is a
tensor or a plain Python value, so the file loads with
``torch.load(weights_only=True)``, which runs no pickled code.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neuron.errors import CheckpointError
from neuron.transformer.config import TransformerConfig

__all__ = [
    "FORMAT_VERSION",
    "capture_rng",
    "load_checkpoint",
    "load_trained",
    "restore_rng",
    "save_checkpoint",
]

log = logging.getLogger(__name__)

#: The layout version written in every checkpoint.
FORMAT_VERSION = 1

_REQUIRED = ("format", "step", "model", "optimizer", "rng", "data", "config")

PathLike = str | os.PathLike[str]


def capture_rng() -> dict[str, Any]:
    """The state of every random generator a training step may draw from,
    as tensors and plain values."""
    kind, key, position, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "kind": kind,
            "key": torch.from_numpy(key.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": {"version": version, "state": list(internal), "gauss": gauss_next},
    }


def restore_rng(state: Mapping[str, Any]) -> None:
    """Put every generator back in a state from ``capture_rng``.

    Side effect: sets torch's, CUDA's (when present), NumPy's and Python's
    global generators.
    """
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    saved = state["numpy"]
    np.random.set_state(
        (
            saved["kind"],
            saved["key"].numpy().astype(np.uint32),
            saved["position"],
            saved["has_gauss"],
            saved["cached_gaussian"],
        )
    )
    python = state["python"]
    random.setstate((python["version"], tuple(python["state"]), python["gauss"]))


def save_checkpoint(path: PathLike, contents: Mapping[str, Any]) -> Path:
    """Write a checkpoint atomically.

    Args:
        path: the file to write; its folder is created if missing.
        contents: the fields of the module docstring; ``format`` is added.

    Returns:
        The path written. Side effect: replaces any file already there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    torch.save({"format": FORMAT_VERSION, **contents}, partial)
    os.replace(partial, path)
    log.info("saved checkpoint %s (step %d)", path, contents["step"])
    return path


def load_checkpoint(path: PathLike) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``, onto the CPU.

    Raises:
        CheckpointError: the file is missing, not a checkpoint, of another
            format version, or lacks a field.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"expected a checkpoint file at {path}, found none; pass a "
            "checkpoint-*.pt file from the run's folder"
        )
    try:
        contents = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a bad file
        raise CheckpointError(
            f"expected a checkpoint in {path}, got an unreadable file ({exc}); "
            "it is damaged or not a neuron checkpoint"
        ) from None
    if not isinstance(contents, dict) or contents.get("format") != FORMAT_VERSION:
        found = contents.get("format") if isinstance(contents, dict) else None
        raise CheckpointError(
            f"expected a checkpoint of format {FORMAT_VERSION} in {path}, got "
            f"format {found!r}; it was written by another program or version"
        )
    missing = [name for name in _REQUIRED if name not in contents]
    if missing:
        raise CheckpointError(
            f"expected the fields {', '.join(_REQUIRED)} in {path}, got none for "
            f"{', '.join(missing)}; the file is damaged"
        )
    return contents


def load_trained(path: PathLike, attention: str = "torch"):
    """The trained model of a checkpoint, and its tokenizer when the file it
    names still exists.

    Args:
        path: a checkpoint file.
        attention: the model's attention path, ``"torch"`` or ``"engine"``.

    Returns:
        ``(model, tokenizer)``: a ``Transformer`` in eval mode on the CPU, and
        a tokenizer or None.

    Raises:
        CheckpointError: see ``load_checkpoint``.
    """
    from neuron.text.tokenizer import load_tokenizer
    from neuron.transformer.model import Transformer

    contents = load_checkpoint(path)
    config = TransformerConfig.from_dict(contents["config"])
    model = Transformer(config, attention=attention)
    model.load_state_dict(contents["model"])
    model.eval()
    reference = contents.get("tokenizer")
    tokenizer = None
    if reference and Path(reference["path"]).is_file():
        tokenizer = load_tokenizer(reference["path"])
    return model, tokenizer
