"""The data of the reversal task: random sequences of symbols and their
reverses, as the paper's encoder-decoder reads them.

Reversal is a translation whose right alignment is known in advance: output
position t copies source position n - 1 - t of a source of n symbols
(``neuron.transformer.seq2seq_task`` trains a model on it).

- a vocabulary of ``SYMBOLS`` = 16 symbols, ids 2 to 17, written as the
  letters a to p, plus ``PAD`` = 0 and ``BOS`` = 1: ``VOCAB_SIZE`` = 18.
- a source is n random symbols, n drawn uniformly from ``min_length`` to
  ``max_length``, padded with ``PAD`` to ``max_length``; its mask is 1 on the
  n real symbols. The target is the n symbols reversed, padded the same way.
- teacher forcing: the decoder reads ``BOS`` followed by the target shifted
  right by one (``BOS, y_0, ..., y_{n-2}``) and is scored on predicting
  ``y_0, ..., y_{n-1}``; padded positions are masked out of the loss.

Every function here is a pure function of its arguments (and seed).

Legend:
    B   batch size                  S   source positions (max_length)
    T   target positions (= S)
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig

__all__ = [
    "BOS",
    "PAD",
    "SYMBOLS",
    "VOCAB_SIZE",
    "ReversalBatch",
    "reversal_batch",
    "symbol_text",
    "teacher_forcing",
]

#: Padding, hidden from attention and from the loss.
PAD = 0
#: The token the decoder starts from.
BOS = 1
#: Distinct symbols a sequence is made of, ids 2 to 17.
SYMBOLS = 16
#: PAD, BOS and the symbols.
VOCAB_SIZE = SYMBOLS + 2
#: The first symbol's id.
_FIRST = 2


@dataclasses.dataclass(frozen=True)
class ReversalBatch:
    """Sources, their reverses, and what the decoder reads, all (B, S) int64.

    Attributes:
        source: the symbols, then ``PAD``.
        source_mask: 1 on real source symbols, 0 on padding.
        decoder_input: ``BOS`` then the target shifted right by one, then
            ``PAD``.
        labels: the target, the source's n symbols reversed, then ``PAD``.
        target_mask: 1 where a label is scored, 0 on padding (equal to
            ``source_mask``: the answer is as long as the question).
        lengths: n of each sequence, (B,).
    """

    source: np.ndarray
    source_mask: np.ndarray
    decoder_input: np.ndarray
    labels: np.ndarray
    target_mask: np.ndarray
    lengths: np.ndarray

    def __len__(self) -> int:
        return self.source.shape[0]


def teacher_forcing(labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The decoder's input for targets ``labels``: ``BOS``, then the labels
    shifted right by one; padded positions (mask 0) hold ``PAD``.

    Args:
        labels: target ids, (B, T) integers.
        mask: (B, T), 1 on real target positions, 0 on padding (a prefix of
            ones per row).

    Returns:
        (B, T) int64: position t holds label t - 1, position 0 ``BOS``.

    Raises:
        ShapeError: labels and mask are not both (B, T) of one shape.
    """
    labels, mask = np.asarray(labels), np.asarray(mask)
    if labels.ndim != 2 or labels.shape != mask.shape:
        raise ShapeError(
            f"expected labels and mask of one shape (B, T), got {labels.shape} "
            f"and {mask.shape}; pass one mask entry per label"
        )
    shifted = np.empty(labels.shape, dtype=np.int64)  # (B, T)
    shifted[:, 0] = BOS
    shifted[:, 1:] = labels[:, :-1]
    return np.where(mask != 0, shifted, PAD)  # (B, T)


def reversal_batch(
    batch: int, *, seed: int = 0, min_length: int = 4, max_length: int = 10
) -> ReversalBatch:
    """Draw ``batch`` random sequences and their reverses.

    A pure function of its arguments: the same seed gives the same batch.

    Args:
        batch: B, the number of sequences, >= 1.
        seed: seeds NumPy's default generator, an integer >= 0.
        min_length: the shortest n, >= 1.
        max_length: the longest n, and S, the padded width.

    Returns:
        A ``ReversalBatch`` whose arrays are (B, S) int64.

    Raises:
        InvalidArgumentError: a count out of range.
    """
    batch = _count("batch", batch, 1)
    seed = _count("seed", seed, 0)
    _check_lengths(min_length, max_length)
    rng = np.random.default_rng(seed)
    return _draw(rng, batch, min_length, max_length)


def symbol_text(ids) -> list[str]:
    """Ids as text: symbols as the letters a to p, ``PAD`` as "_", ``BOS``
    as "<s>".

    Args:
        ids: a 1-D sequence of ids in [0, ``VOCAB_SIZE``).

    Returns:
        One string per id.
    """
    names = {PAD: "_", BOS: "<s>"}
    return [names.get(int(i), chr(ord("a") + int(i) - _FIRST)) for i in ids]


# ---- helpers -------------------------------------------------------------


def _draw(
    rng: np.random.Generator,
    batch: int,
    min_length: int,
    max_length: int,
    avoid: set[tuple[int, ...]] | None = None,
) -> ReversalBatch:
    """B sequences from ``rng``, none of them in ``avoid``."""
    lengths = rng.integers(min_length, max_length + 1, size=batch)  # (B,)
    symbols = rng.integers(_FIRST, _FIRST + SYMBOLS, size=(batch, max_length))  # (B, S)

    # Redraw the rare sequence that is held out.
    if avoid:
        for b in range(batch):
            while _key(symbols[b], lengths[b]) in avoid:
                symbols[b] = rng.integers(_FIRST, _FIRST + SYMBOLS, size=max_length)

    # Mask, pad, reverse the real prefix of each row.
    mask = (np.arange(max_length) < lengths[:, None]).astype(np.int64)  # (B, S)
    source = np.where(mask != 0, symbols, PAD).astype(np.int64)  # (B, S)
    mirror = lengths[:, None] - 1 - np.arange(max_length)  # (B, S)
    labels = np.take_along_axis(source, np.maximum(mirror, 0), axis=1)  # (B, S)
    labels = np.where(mask != 0, labels, PAD).astype(np.int64)  # (B, S)
    return ReversalBatch(
        source=source,
        source_mask=mask,
        decoder_input=teacher_forcing(labels, mask),
        labels=labels,
        target_mask=mask.copy(),
        lengths=lengths.astype(np.int64),
    )


def _key(row: np.ndarray, n: int) -> tuple[int, ...]:
    return tuple(int(v) for v in row[:n])


def _check_source(source_ids, config: TransformerConfig) -> np.ndarray:
    """Sources as (B, S) int64 ids of this task, each row symbols then PAD."""
    source = np.asarray(source_ids)
    if not np.issubdtype(source.dtype, np.integer):
        raise DTypeError(
            f"expected source_ids of an integer dtype, got {source.dtype}; "
            "convert with ids.astype(np.int64)"
        )
    if source.ndim == 1:
        source = source[None]  # (1, S)
    if source.ndim != 2 or source.shape[1] == 0:
        raise ShapeError(
            f"expected source_ids of shape (B, S) or (S,) with S >= 1, got "
            f"{np.shape(source_ids)}; pass held_out.source or one row of it"
        )
    S = source.shape[1]
    if config.context < S:
        raise ShapeError(
            f"expected at most context = {config.context} source positions, "
            f"got S = {S}; cut the sources or train with a longer context"
        )
    symbol = (source >= _FIRST) & (source < _FIRST + SYMBOLS)  # (B, S)
    real = source != PAD  # (B, S)
    prefix = np.all(real[:, :-1] >= real[:, 1:], axis=1)  # (B,)
    if not (np.all(symbol | ~real) and np.all(prefix) and np.all(real[:, 0])):
        raise InvalidArgumentError(
            f"expected each source row to be symbols (ids {_FIRST} to "
            f"{_FIRST + SYMBOLS - 1}) followed by PAD ({PAD}), at least one "
            f"symbol, got {source.tolist()[:2]}...; build sources with "
            "reversal_batch"
        )
    return source.astype(np.int64)  # (B, S)


def _check_lengths(min_length: int, max_length: int) -> None:
    _count("min_length", min_length, 1)
    _count("max_length", max_length, 1)
    if min_length > max_length:
        raise InvalidArgumentError(
            f"expected min_length <= max_length, got {min_length} > "
            f"{max_length}; swap them"
        )


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= {minimum}, got {value!r}; "
            f"pass a whole number"
        )
    if value < minimum:
        raise InvalidArgumentError(
            f"expected {name} >= {minimum}, got {value}; pass a larger one"
        )
    return int(value)
