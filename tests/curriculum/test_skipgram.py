"""The word2vec lesson's checks: pairs, autograd and numerical gradients,
the starting vectors and the closeness measures."""

import numpy as np
import pytest

from neuron.curriculum.skipgram import (
    autograd_gradients,
    closeness,
    initial_vectors_of,
    neighbour_rank,
    numerical_gradient,
    window_pairs,
)
from neuron.errors import InvalidArgumentError, UnknownWordError
from neuron.word2vec import Vectors, Word2Vec, reference


def test_window_pairs_follow_the_definition():
    assert window_pairs(["a", "b", "c"], 1) == [
        ("a", "b"),
        ("b", "a"),
        ("b", "c"),
        ("c", "b"),
    ]
    # n = 7, b = 3: 3 + 4 + 5 + 6 + 5 + 4 + 3.
    assert len(window_pairs(list("abcdefg"), 3)) == 30
    with pytest.raises(InvalidArgumentError):
        window_pairs(["a"], 0)


@pytest.fixture
def pair():
    rng = np.random.default_rng(3)
    w_in = rng.standard_normal((12, 6)) * 0.5  # (V, D)
    w_out = rng.standard_normal((12, 6)) * 0.5  # (V, D)
    return w_in, w_out, 2, 5, [1, 5, 7, 7, 9]  # a negative equal to o, one twice


def test_autograd_matches_the_hand_gradients(pair):
    hand = reference.pair_loss_and_gradients(*pair)
    auto = autograd_gradients(*pair)
    assert auto.loss == pytest.approx(hand.loss, rel=1e-12)
    np.testing.assert_array_equal(auto.targets, hand.targets)
    np.testing.assert_allclose(auto.d_input, hand.d_input, atol=1e-12)
    np.testing.assert_allclose(auto.d_targets, hand.d_targets, atol=1e-12)


def test_central_differences_match_the_hand_gradient(pair):
    hand = reference.pair_loss_and_gradients(*pair)
    np.testing.assert_allclose(numerical_gradient(*pair), hand.d_input, atol=1e-7)


SENTENCES = [["the", "king", "and", "the", "queen", "rode", "home"]] * 40


def test_initial_vectors_are_the_start_of_training():
    # A vanishing learning rate leaves the vectors where they started.
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, alpha=1e-12, seed=4)
    model.fit(SENTENCES)
    start = initial_vectors_of(model)
    assert start.words == model.vocabulary.words
    np.testing.assert_allclose(start.matrix, model.w_in, atol=1e-9)


def test_initial_vectors_need_a_trained_model():
    with pytest.raises(InvalidArgumentError, match="fit"):
        initial_vectors_of(Word2Vec())


def vectors():
    return Vectors(
        ["a", "b", "c", "d"],
        np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]]),
    )


def test_neighbour_rank_counts_nearer_words():
    assert neighbour_rank(vectors(), "a", "b") == 1
    assert neighbour_rank(vectors(), "a", "c") == 2
    assert neighbour_rank(vectors(), "a", "d") == 3
    with pytest.raises(UnknownWordError):
        neighbour_rank(vectors(), "a", "z")


def test_closeness_has_a_row_per_epoch_and_pair():
    table = closeness([(0, vectors()), (1, vectors())], [("a", "b"), ("a", "d")])
    assert table.shape == (4, 5)
    first = table.row(0, named=True)
    assert first["pair"] == "a / b" and first["rank"] == 1
    assert first["cosine"] == pytest.approx(vectors().similarity("a", "b"))
    typical = (vectors().unit @ vectors().unit[0]).sum() - 1.0
    assert first["typical"] == pytest.approx(typical / 3, rel=1e-5)
