"""Entropy, cross-entropy, KL and perplexity against their definitions and
identities, and label smoothing against the paper's loss."""

import math

import numpy as np
import pytest

from neuron.curriculum import information
from neuron.errors import InvalidArgumentError
from neuron.paper.training import smoothed_loss


def test_entropy_of_known_distributions():
    assert information.entropy([1.0, 0.0, 0.0]) == 0.0
    assert information.entropy([0.25] * 4) == pytest.approx(math.log(4))
    assert information.entropy([0.5, 0.25, 0.125, 0.125], base=2) == pytest.approx(1.75)


def test_cross_entropy_is_entropy_plus_kl():
    p, q = np.array([0.6, 0.2, 0.1, 0.1]), np.array([0.3, 0.3, 0.2, 0.2])
    h, ce, kl = (
        information.entropy(p),
        information.cross_entropy(p, q),
        information.kl_divergence(p, q),
    )
    assert ce == pytest.approx(h + kl)
    assert kl > 0
    assert information.kl_divergence(p, p) == 0.0
    assert information.kl_divergence(q, p) != pytest.approx(kl)


def test_one_hot_cross_entropy_is_the_token_loss():
    q = np.array([0.1, 0.7, 0.2])
    assert information.cross_entropy([0.0, 1.0, 0.0], q) == pytest.approx(
        -math.log(0.7)
    )


def test_ruling_out_what_happens_is_infinitely_surprising():
    assert information.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert information.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    # The other way round costs nothing for the outcome p never draws.
    assert math.isfinite(information.kl_divergence([1.0, 0.0], [0.5, 0.5]))


def test_perplexity_of_a_uniform_guess_is_its_size():
    assert information.perplexity(math.log(20)) == pytest.approx(20)
    assert information.perplexity(3.0, base=2) == pytest.approx(8)
    with pytest.raises(InvalidArgumentError):
        information.perplexity(-1.0)


def test_distribution_normalises_and_refuses_nonsense():
    np.testing.assert_allclose(information.distribution([2, 1, 1]), [0.5, 0.25, 0.25])
    for bad in ([0, 0], [1, -1], [np.nan, 1]):
        with pytest.raises(InvalidArgumentError):
            information.distribution(bad)
    with pytest.raises(InvalidArgumentError, match="summing to 1"):
        information.entropy([0.5, 0.6])


def test_smoothed_target_cross_entropy_is_the_papers_loss():
    rng = np.random.default_rng(0)
    V, eps = 7, 0.1
    logits = rng.normal(size=(1, 1, V))
    q = np.exp(logits[0, 0]) / np.exp(logits[0, 0]).sum()
    target = information.smoothed_target(3, V, eps)
    assert target.sum() == pytest.approx(1.0)
    assert target[3] == pytest.approx(1 - eps + eps / V)
    want = smoothed_loss(logits, np.array([[3]]), eps)
    assert information.cross_entropy(target, q) == pytest.approx(want)


def test_smoothed_target_refuses_bad_arguments():
    with pytest.raises(InvalidArgumentError):
        information.smoothed_target(5, 5, 0.1)
    with pytest.raises(InvalidArgumentError):
        information.smoothed_target(0, 5, 1.0)
