"""Drift: shapes, one fixed set of axes across epochs, and refused input."""

import numpy as np
import pytest

from neuron.embeddings import drift, pca
from neuron.errors import InvalidArgumentError, UnknownWordError
from neuron.word2vec import Vectors


@pytest.fixture
def snapshots(rng) -> list[tuple[int, Vectors]]:
    """Three epochs of 30 words drifting away from a random start."""
    words = [f"w{i}" for i in range(30)]
    start = rng.standard_normal((30, 8))  # (30, 8)
    steps = rng.standard_normal((3, 30, 8)) * 0.3  # (3, 30, 8)
    matrices = start + np.cumsum(steps, axis=0)  # (3, 30, 8)
    return [
        (epoch, Vectors(words, m)) for epoch, m in zip([1, 2, 3], matrices, strict=True)
    ]


def test_gives_each_word_a_point_per_epoch(snapshots):
    result = drift(snapshots, ["w1", "w2", "w3", "w4"])
    assert result.coordinates.shape == (3, 4, 2)
    assert result.epochs == [1, 2, 3]
    assert result.at(2).shape == (4, 2)


def test_projects_every_epoch_on_one_pca_of_all_epochs_stacked(snapshots):
    words = ["w1", "w2", "w3", "w4", "w5"]
    result = drift(snapshots, words)
    stacked = np.concatenate([v.unit[v.ids(words)] for _, v in snapshots])  # (15, 8)
    axes = pca(stacked)
    np.testing.assert_allclose(result.axes.components, axes.components)
    for e, (_, vectors) in enumerate(snapshots):
        expected = axes.transform(vectors.unit[vectors.ids(words)])  # (5, 2)
        np.testing.assert_allclose(result.coordinates[e], expected, atol=1e-10)


def test_last_epoch_axes_give_that_epoch_its_own_pca_map(snapshots):
    words = ["w1", "w2", "w3", "w4", "w5"]
    result = drift(snapshots, words, axes="last")
    last = snapshots[-1][1]
    np.testing.assert_allclose(
        result.coordinates[-1], pca(last.unit[last.ids(words)]).coordinates, atol=1e-10
    )
    assert result.fitted_on == "last"


def test_an_unchanged_word_stays_in_place(snapshots):
    frozen = [(e, Vectors(v.words, snapshots[0][1].matrix)) for e, v in snapshots]
    result = drift(frozen, ["w1", "w2", "w3"])
    np.testing.assert_allclose(result.coordinates[0], result.coordinates[2])


def test_refuses_bad_input(snapshots):
    with pytest.raises(InvalidArgumentError, match="axes 'all' or 'last'"):
        drift(snapshots, ["w1", "w2"], axes="first")
    with pytest.raises(InvalidArgumentError, match="at least one"):
        drift([], ["w1", "w2"])
    with pytest.raises(InvalidArgumentError, match="at least 2 words"):
        drift(snapshots, ["w1"])
    with pytest.raises(UnknownWordError, match="'nope'"):
        drift(snapshots, ["w1", "nope"])
    with pytest.raises(InvalidArgumentError, match="at epoch|epochs"):
        drift(snapshots, ["w1", "w2"]).at(9)
