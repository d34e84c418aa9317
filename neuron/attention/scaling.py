"""Why attention divides its scores by sqrt(d_k), measured on samples.

For a query q and a key k whose d_k entries are independent with mean 0 and
variances var_q and var_k, the dot product q . k is a sum of d_k products,
each with mean 0 and variance var_q var_k, so

    E[q . k] = 0,   Var[q . k] = d_k var_q var_k.

Its spread grows like sqrt(d_k). Fed to a softmax, scores that far apart
make it nearly one-hot: the largest weight goes to 1, and the softmax's
Jacobian diag(p) - p p^T, through which every gradient of attention
passes, goes to 0. Dividing by sqrt(d_k) brings the variance back to
var_q var_k whatever the width.

``dot_product_variance`` is the formula; ``sample_dot_products`` draws
samples to check it; ``saturation_row`` scores one query against a few keys
with and without the scale, for a lesson to show side by side.
``neuron.attention.steps.softmax_saturation`` averages the same effect over
many queries and head sizes.

Legend:
    N   samples          S   keys          D   d_k, the width of q and k
    q, k   queries (N, D) and keys (N, D) or (S, D)
    s   scores q . k, (N,) or (S,); p the softmax of a row of scores
"""

import math
from dataclasses import dataclass

import numpy as np

from neuron.attention.reference import _positive_int
from neuron.errors import InvalidArgumentError
from neuron.softmax.reference import softmax

__all__ = [
    "DotProducts",
    "SaturationRow",
    "dot_product_variance",
    "sample_dot_products",
    "saturation_row",
    "softmax_jacobian_norm",
]


def dot_product_variance(d_k: int, var_q: float = 1.0, var_k: float = 1.0) -> float:
    """The variance of q . k for independent zero-mean entries: d_k var_q var_k.

    Args:
        d_k: the width of q and k, >= 1.
        var_q: the variance of each entry of q, >= 0.
        var_k: the variance of each entry of k, >= 0.

    Returns:
        The variance, a float.
    """
    d_k = _positive_int(d_k, "d_k")
    var_q, var_k = _variance(var_q, "var_q"), _variance(var_k, "var_k")
    return float(d_k * var_q * var_k)


@dataclass(frozen=True)
class DotProducts:
    """Samples of q . k and their statistics.

    Attributes:
        d_k: the width of q and k.
        dots: the N sampled dot products, (N,), divided by sqrt(d_k) when
            ``scaled``.
        mean: their sample mean.
        variance: their sample variance.
        predicted: the variance the formula gives: d_k var_q var_k, or
            var_q var_k when scaled.
        scaled: whether the dot products were divided by sqrt(d_k).
    """

    d_k: int
    dots: np.ndarray
    mean: float
    variance: float
    predicted: float
    scaled: bool


def sample_dot_products(
    d_k: int,
    *,
    samples: int = 4000,
    var_q: float = 1.0,
    var_k: float = 1.0,
    scaled: bool = False,
    seed: int = 0,
) -> DotProducts:
    """Draw N pairs (q, k) of normal entries and measure q . k.

    Args:
        d_k: the width of q and k, >= 1.
        samples: N, the number of pairs, >= 2.
        var_q: the variance of each entry of q, >= 0.
        var_k: the variance of each entry of k, >= 0.
        scaled: divide each dot product by sqrt(d_k).
        seed: seeds NumPy's default generator.

    Returns:
        A ``DotProducts`` with the samples, their mean and variance, and the
        variance predicted by ``dot_product_variance``.
    """
    d_k = _positive_int(d_k, "d_k")
    samples = _positive_int(samples, "samples")
    if samples < 2:
        raise InvalidArgumentError(
            f"expected samples >= 2 to measure a variance, got {samples}; "
            "pass a few thousand"
        )
    var_q, var_k = _variance(var_q, "var_q"), _variance(var_k, "var_k")
    rng = np.random.default_rng(seed)
    q = rng.normal(0.0, math.sqrt(var_q), (samples, d_k))  # (N, D)
    k = rng.normal(0.0, math.sqrt(var_k), (samples, d_k))  # (N, D)
    s = np.einsum("nd,nd->n", q, k)  # (N,)
    predicted = dot_product_variance(d_k, var_q, var_k)
    if scaled:
        s = s / math.sqrt(d_k)  # (N,)
        predicted = predicted / d_k
    return DotProducts(d_k, s, float(s.mean()), float(s.var()), predicted, scaled)


def softmax_jacobian_norm(p: np.ndarray) -> float:
    """The Frobenius norm of the softmax's Jacobian diag(p) - p p^T.

    It is the size of the map that carries a gradient from the weights back
    to the scores: sqrt(S - 1) / S for weights spread evenly over S keys,
    and 0 for a one-hot p, where no gradient passes at all.

    Args:
        p: one row of softmax weights, (S,), non-negative, summing to 1.

    Returns:
        The norm, a float.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size < 1:
        raise InvalidArgumentError(
            f"expected one row of weights of shape (S,), got shape {p.shape}; "
            "pass a single row"
        )
    J = np.diag(p) - np.outer(p, p)  # (S, S)
    return float(np.linalg.norm(J))


@dataclass(frozen=True)
class SaturationRow:
    """One query scored against S keys, with and without the scale.

    Attributes:
        d_k: the width of q and k.
        scores: the raw scores q . k_j, (S,).
        unscaled: softmax(scores), (S,).
        scaled: softmax(scores / sqrt(d_k)), (S,).
        jacobian_unscaled: ``softmax_jacobian_norm`` of ``unscaled``.
        jacobian_scaled: ``softmax_jacobian_norm`` of ``scaled``.
    """

    d_k: int
    scores: np.ndarray
    unscaled: np.ndarray
    scaled: np.ndarray
    jacobian_unscaled: float
    jacobian_scaled: float


def saturation_row(d_k: int, *, keys: int = 8, seed: int = 0) -> SaturationRow:
    """Score one standard-normal query against ``keys`` standard-normal keys.

    Args:
        d_k: the width of q and k, >= 1.
        keys: S, the number of keys, >= 2.
        seed: seeds NumPy's default generator.

    Returns:
        A ``SaturationRow``: the raw scores, both softmaxes and the sizes of
        their Jacobians.
    """
    d_k = _positive_int(d_k, "d_k")
    keys = _positive_int(keys, "keys")
    if keys < 2:
        raise InvalidArgumentError(
            f"expected keys >= 2, got {keys}; one key always gets all the weight"
        )
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(d_k)  # (D,)
    k = rng.standard_normal((keys, d_k))  # (S, D)
    s = k @ q  # (S,)
    unscaled = softmax(s)  # (S,)
    scaled = softmax(s / math.sqrt(d_k))  # (S,)
    return SaturationRow(
        d_k,
        s,
        unscaled,
        scaled,
        softmax_jacobian_norm(unscaled),
        softmax_jacobian_norm(scaled),
    )


def _variance(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgumentError(
            f"expected {name} to be a finite number >= 0, got {value!r}; pass a "
            "variance such as 1.0"
        )
    return float(value)
