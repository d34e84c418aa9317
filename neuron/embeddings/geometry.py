"""Pairwise similarity of chosen words, and words placed on a direction.

A direction axis runs from one word to another, for example from "he" to
"she". With u(w) the unit vector of w, the axis is d = u(end) - u(start)
and its midpoint m = (u(start) + u(end)) / 2. A word's position is

    position(w) = (u(w) - m) . d / |d|

the signed length of its shadow on the axis, measured from the midpoint:
negative on the start's side, positive on the end's. The start itself sits
at -|d| / 2 and the end at +|d| / 2 (Bolukbasi et al., 2016, project onto
the same difference direction).

Legend: n words, D vector size.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neuron.errors import InvalidArgumentError
from neuron.word2vec.vectors import Vectors

__all__ = ["Axis", "direction_axis", "similarity_matrix"]


def similarity_matrix(vectors: Vectors, words: Sequence[str]) -> np.ndarray:
    """The cosine similarity of every pair of the words.

    Args:
        vectors: the embeddings.
        words: the words, in the order of the rows and columns.

    Returns:
        float32 (n, n), symmetric, 1 on the diagonal (0 for a zero vector).

    Raises:
        UnknownWordError: naming every unknown word.
        InvalidArgumentError: no words.
    """
    if not words:
        raise InvalidArgumentError(
            "expected at least one word for a similarity matrix, got none; "
            "type some words"
        )
    unit = vectors.unit[vectors.ids(words)]  # (n, D)
    return unit @ unit.T  # (n, n)


@dataclass(frozen=True)
class Axis:
    """Words placed on the direction from ``start`` to ``end``.

    Attributes:
        start: the word at the negative end.
        end: the word at the positive end.
        words: the words placed, in the order asked.
        positions: float32 (n,), signed positions from the midpoint.
        length: |u(end) - u(start)|; start is at -length / 2, end at
            +length / 2.
    """

    start: str
    end: str
    words: list[str]
    positions: np.ndarray
    length: float


def direction_axis(
    vectors: Vectors, start: str, end: str, words: Sequence[str]
) -> Axis:
    """Project words onto the axis from ``start`` to ``end``.

    Args:
        vectors: the embeddings.
        start, end: the two words defining the direction.
        words: the words to place.

    Returns:
        An ``Axis`` (see the module docstring for the formula).

    Raises:
        UnknownWordError: naming every unknown word.
        InvalidArgumentError: start and end have the same unit vector.
    """
    ends = vectors.unit[vectors.ids([start, end])]  # (2, D)
    direction = ends[1] - ends[0]  # (D,)
    length = float(np.linalg.norm(direction))
    if length < 1e-6:
        raise InvalidArgumentError(
            f"expected two different directions for the axis, got {start!r} and "
            f"{end!r} with the same unit vector; choose two different words"
        )
    midpoint = ends.mean(axis=0)  # (D,)
    unit = vectors.unit[vectors.ids(words)]  # (n, D)
    positions = (unit - midpoint) @ (direction / length)  # (n,)
    return Axis(start, end, list(words), positions.astype(np.float32), length)
