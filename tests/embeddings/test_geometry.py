"""Similarity matrices and words placed on a direction."""

import numpy as np
import pytest

from neuron.embeddings import direction_axis, similarity_matrix
from neuron.errors import InvalidArgumentError, UnknownWordError
from neuron.word2vec import Vectors


def test_similarity_matrix_is_every_pairwise_cosine(random_vectors):
    words = ["w1", "w5", "w9"]
    matrix = similarity_matrix(random_vectors, words)
    assert matrix.shape == (3, 3)
    for i, a in enumerate(words):
        for j, b in enumerate(words):
            assert matrix[i, j] == pytest.approx(
                random_vectors.similarity(a, b), abs=1e-6
            )
    np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-6)


def test_similarity_matrix_refuses_no_words_and_unknown_ones(random_vectors):
    with pytest.raises(InvalidArgumentError, match="at least one word"):
        similarity_matrix(random_vectors, [])
    with pytest.raises(UnknownWordError, match="'zz'"):
        similarity_matrix(random_vectors, ["w1", "zz"])


class TestDirectionAxis:
    @pytest.fixture
    def gendered(self) -> Vectors:
        words = ["he", "she", "king", "queen", "table"]
        matrix = [[1, 0, 0], [0, 1, 0], [2, 0, 1], [0, 2, 1], [0, 0, 1]]
        return Vectors(words, np.array(matrix, dtype=np.float32))

    def test_the_ends_sit_at_half_the_axis_length(self, gendered):
        axis = direction_axis(gendered, "he", "she", ["he", "she"])
        assert axis.length == pytest.approx(np.sqrt(2))
        np.testing.assert_allclose(
            axis.positions, [-np.sqrt(2) / 2, np.sqrt(2) / 2], atol=1e-6
        )

    def test_words_fall_on_their_side_and_neutral_ones_in_the_middle(self, gendered):
        axis = direction_axis(gendered, "he", "she", ["king", "queen", "table"])
        king, queen, table = axis.positions
        assert king < 0 < queen
        assert table == pytest.approx(0.0, abs=1e-6)
        assert king == pytest.approx(-queen)

    def test_refuses_an_axis_of_one_direction(self, gendered):
        with pytest.raises(InvalidArgumentError, match="two different directions"):
            direction_axis(gendered, "he", "he", ["king"])
