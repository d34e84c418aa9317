"""Embedding drift: the same words across the epochs of a training run, on
fixed axes.

A word2vec run starts every word at a small random vector and moves it each
epoch; the snapshots of one run share one coordinate system (training
continues from the previous epoch's vectors), so the same 2-D axes can be
laid over all of them and a word's path read as its movement.

The axes are a PCA fitted once, on the chosen words' vectors of *every*
epoch stacked, (E n, D): the axes then span the whole trajectory, so early
points do not fall outside a map fitted on the end alone, and the map of
each epoch is a slice of one picture. ``axes="last"`` fits on the last
epoch instead, which shows the final arrangement at its clearest and the
earlier epochs as they approach it.

Legend: E epochs, n words, D vector size.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neuron.embeddings.projection import PCA, pca
from neuron.errors import InvalidArgumentError
from neuron.word2vec.vectors import Vectors

__all__ = ["Drift", "drift"]

AXES = ("all", "last")


@dataclass(frozen=True)
class Drift:
    """Words' 2-D coordinates per epoch, on one set of axes.

    Attributes:
        epochs: the epoch numbers, in order (E,).
        words: the words followed (n,).
        coordinates: float64 (E, n, 2); coordinates[e, i] is words[i] at
            epochs[e].
        axes: the ``PCA`` the coordinates were projected with.
        fitted_on: ``"all"`` (every epoch stacked) or ``"last"``.
    """

    epochs: list[int]
    words: list[str]
    coordinates: np.ndarray
    axes: PCA
    fitted_on: str

    def at(self, epoch: int) -> np.ndarray:
        """The (n, 2) coordinates at one epoch number."""
        if epoch not in self.epochs:
            raise InvalidArgumentError(
                f"expected one of the epochs {self.epochs}, got {epoch}; step "
                "through the recorded epochs"
            )
        return self.coordinates[self.epochs.index(epoch)]  # (n, 2)


def drift(
    snapshots: Sequence[tuple[int, Vectors]],
    words: Sequence[str],
    *,
    axes: str = "all",
) -> Drift:
    """Follow words through a run's epochs on fixed PCA axes.

    Unit vectors are projected, so a word's movement is a change of
    direction (what cosine similarity sees), not of length.

    Args:
        snapshots: (epoch, vectors) pairs, in epoch order.
        words: the words to follow; each must be in every snapshot.
        axes: ``"all"`` fits the PCA on every epoch stacked, ``"last"`` on
            the last epoch only (see the module docstring).

    Returns:
        A ``Drift``.

    Raises:
        InvalidArgumentError: no snapshot, fewer than two words, an unknown
            axes choice, or snapshots of different vector sizes.
        UnknownWordError: a word missing from a snapshot.
    """
    if axes not in AXES:
        raise InvalidArgumentError(
            f"expected axes 'all' or 'last', got {axes!r}; pass one of those"
        )
    if not snapshots:
        raise InvalidArgumentError(
            "expected at least one (epoch, vectors) snapshot, got none; train a "
            "run that saves its vectors every epoch"
        )
    words = list(words)
    if len(words) < 2:
        raise InvalidArgumentError(
            f"expected at least 2 words to follow, got {len(words)}; add words"
        )
    sizes = {vectors.vector_size for _, vectors in snapshots}
    if len(sizes) != 1:
        raise InvalidArgumentError(
            f"expected snapshots of one vector size, got sizes {sorted(sizes)}; "
            "pass the epochs of a single run"
        )

    # The chosen words' unit vectors, epoch by epoch.
    stacked = np.stack(
        [vectors.unit[vectors.ids(words)] for _, vectors in snapshots]
    )  # (E, n, D)
    E, n, D = stacked.shape

    # One set of axes for every epoch.
    fit_on = stacked.reshape(E * n, D) if axes == "all" else stacked[-1]
    fitted = pca(fit_on, n_components=2)
    coordinates = fitted.transform(stacked.reshape(E * n, D)).reshape(E, n, 2)
    return Drift(
        epochs=[int(epoch) for epoch, _ in snapshots],
        words=words,
        coordinates=coordinates,  # (E, n, 2)
        axes=fitted,
        fitted_on=axes,
    )
