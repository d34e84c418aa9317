"""Entropy, cross-entropy, KL divergence and perplexity of small discrete
distributions, for the lesson on training.

A language model's loss is a cross-entropy: the average surprise, -log q,
of the model's distribution q at the token that actually came. These
functions work on one distribution (a vector of probabilities) at a time,
so that every number in the lesson can be read off a bar chart.

The units follow the base of the logarithm: nats for base e (what training
reports), bits for base 2. The conventions at zero are the usual ones:
0 log 0 = 0 (an outcome that never happens costs nothing), and
p log(p / 0) = inf for p > 0 (a model that rules out what happens is
infinitely surprised).

Legend:
    V   outcomes (the vocabulary)
    p   the true distribution, (V,)
    q   the model's distribution, (V,)
    eps the label smoothing
"""

from __future__ import annotations

import math

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = [
    "cross_entropy",
    "distribution",
    "entropy",
    "kl_divergence",
    "perplexity",
    "smoothed_target",
]


def distribution(weights) -> np.ndarray:
    """Non-negative weights scaled to sum to 1, e.g. from sliders.

    Args:
        weights: (V,) numbers >= 0, not all 0.

    Returns:
        p, (V,), float64, summing to 1.

    Raises:
        InvalidArgumentError: a negative or non-finite weight, or all zero.
    """
    w = np.asarray(weights, dtype=np.float64)  # (V,)
    if w.ndim != 1 or w.size == 0:
        raise ShapeError(f"expected weights of shape (V,), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InvalidArgumentError(
            f"expected finite weights >= 0 with a positive sum, got {w.tolist()}; "
            "give at least one outcome some weight"
        )
    return w / w.sum()  # (V,)


def entropy(p, base: float = math.e) -> float:
    """H(p) = -sum_i p_i log p_i: the average surprise of p at its own draws.

    It is 0 for a certain outcome and log V for the uniform distribution,
    the most uncertain one on V outcomes.

    Args:
        p: (V,) probabilities summing to 1.
        base: of the logarithm; e for nats, 2 for bits.
    """
    p = _probabilities(p, "p")
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])) / math.log(base))


def cross_entropy(p, q, base: float = math.e) -> float:
    """H(p, q) = -sum_i p_i log q_i: the average surprise of the model q at
    draws from p. With p one-hot on the target y it is -log q_y, the loss
    of one token.

    Args:
        p: the true distribution, (V,).
        q: the model's, (V,).
        base: of the logarithm.

    Returns:
        The cross-entropy; inf when q is 0 where p is not.
    """
    p, q = _pair(p, q)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(-np.sum(p[nz] * np.log(q[nz])) / math.log(base))


def kl_divergence(p, q, base: float = math.e) -> float:
    """KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p).

    The extra surprise paid for using q where p is true: >= 0, and 0 only
    when q = p. Since H(p) does not depend on the model, minimising the
    cross-entropy over q is minimising the KL divergence.

    Args:
        p: the true distribution, (V,).
        q: the model's, (V,).
        base: of the logarithm.
    """
    p, q = _pair(p, q)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(np.sum(p[nz] * np.log(p[nz] / q[nz])) / math.log(base))


def perplexity(loss: float, base: float = math.e) -> float:
    """base ** loss: the number of equally likely choices that would be as
    surprising as a mean loss (cross-entropy) of ``loss``.

    A model that spreads its bets evenly over k tokens has loss log k and
    perplexity k, so perplexity reads as "how many tokens it hesitates
    between".

    Args:
        loss: a cross-entropy in the units of ``base``, >= 0.
        base: the logarithm's base the loss was measured in.
    """
    loss = float(loss)
    if not loss >= 0:
        raise InvalidArgumentError(f"expected a loss >= 0, got {loss}")
    return float(base**loss)


def smoothed_target(target: int, V: int, eps: float) -> np.ndarray:
    """The label-smoothed target: (1 - eps) one_hot(target) + eps / V.

    Cross-entropy against it is the training loss of "Attention Is All You
    Need" (section 5.4, eps = 0.1): ``neuron.paper.training.smoothed_loss``.

    Args:
        target: the right token, in [0, V).
        V: the vocabulary size, >= 1.
        eps: the smoothing, in [0, 1).

    Returns:
        (V,) probabilities.
    """
    if isinstance(V, bool) or not isinstance(V, int) or V < 1:
        raise InvalidArgumentError(f"expected V an integer >= 1, got {V!r}")
    if not isinstance(target, (int, np.integer)) or not 0 <= target < V:
        raise InvalidArgumentError(f"expected a target in [0, {V}), got {target!r}")
    if not 0 <= eps < 1:
        raise InvalidArgumentError(f"expected 0 <= eps < 1, got {eps}; 0.1 is usual")
    t = np.full(V, eps / V)  # (V,)
    t[int(target)] += 1.0 - eps
    return t


def _probabilities(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)  # (V,)
    if p.ndim != 1 or p.size == 0:
        raise ShapeError(f"expected {name} of shape (V,), got {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)) or abs(p.sum() - 1) > 1e-6:
        raise InvalidArgumentError(
            f"expected {name} to be probabilities >= 0 summing to 1, got sum "
            f"{p.sum():.6g}; normalise with distribution(weights)"
        )
    return p


def _pair(p, q) -> tuple[np.ndarray, np.ndarray]:
    p, q = _probabilities(p, "p"), _probabilities(q, "q")
    if p.shape != q.shape:
        raise ShapeError(
            f"expected p and q over the same outcomes, got {p.shape} and {q.shape}"
        )
    return p, q
