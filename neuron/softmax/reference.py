"""Softmax and log-softmax in NumPy, forward and backward, written to be read.

This is the reference the compiled engine and PyTorch are checked against.
Every function works on the last axis of an array of any number of leading
dimensions.

Legend (one row of the last axis):
    x   the logits, a vector of C numbers
    y   the output: softmax(x) or log_softmax(x)
    dy  the gradient of some scalar loss L with respect to y
    dx  the gradient of L with respect to x (what backward returns)
    m   max_k x_k, the largest logit in the row
    s   sum_k exp(x_k - m)

Masked entries. An entry of -inf means "never pick this one": softmax gives it
exactly 0 and log_softmax gives it -inf, and the other entries share all the
probability. A fully masked row (every entry -inf) has no sensible answer;
neuron returns NaN for the whole row, the same rule as torch.softmax, on all
three paths (this module, the C++/CUDA engine, and PyTorch).
"""

import numpy as np

from neuron.errors import DTypeError, ShapeError

__all__ = [
    "log_softmax",
    "log_softmax_backward",
    "softmax",
    "softmax_backward",
]


def _check_floating(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise DTypeError(
            f"expected {name} of dtype float32 or float64, got {x.dtype}; "
            f"convert with {name}.astype(np.float32)"
        )
    if x.ndim < 1:
        raise ShapeError(
            f"expected {name} with at least 1 dimension, got a 0-d array; "
            f"reshape with {name}.reshape(1)"
        )
    return x


def _row_max_and_sum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row maximum m and s = sum_k exp(x_k - m), both of shape (..., 1)."""
    # Why subtract the maximum: exp(89) already overflows float32, so logits of
    # a few hundred (easy to reach in a transformer) would give inf / inf = NaN.
    # Softmax does not change when the same constant is subtracted from every
    # logit, because the factor exp(-m) cancels between numerator and
    # denominator:
    #     exp(x_j - m) / sum_k exp(x_k - m) = exp(x_j) / sum_k exp(x_k).
    # With m the maximum, every exponent is <= 0 (no overflow) and the largest
    # term is exp(0) = 1 (so s >= 1: no division by an underflowed zero).
    m = np.max(x, axis=-1, keepdims=True)  # (..., 1)

    # A fully masked row has m = -inf and x - m = -inf - (-inf) = NaN: that NaN
    # is the documented result, so silence NumPy's warning about it.
    with np.errstate(invalid="ignore"):
        shifted = x - m  # (..., C), every entry <= 0 or NaN
    s = np.sum(np.exp(shifted), axis=-1, keepdims=True)  # (..., 1)
    return m, s


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: y_j = exp(x_j) / sum_k exp(x_k).

    Args:
        x: logits, shape (..., C), float32 or float64, at least 1 dimension.

    Returns:
        A new array of the shape and dtype of x whose rows are non-negative and
        sum to 1. Entries of -inf give exactly 0; a row of only -inf gives NaN.
    """
    x = _check_floating(x, "x")
    if x.size == 0:
        return np.empty_like(x)
    m, s = _row_max_and_sum(x)
    with np.errstate(invalid="ignore"):
        return np.exp(x - m) / s  # (..., C)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis: y_j = x_j - log(sum_k exp(x_k)).

    Args:
        x: logits, shape (..., C), float32 or float64, at least 1 dimension.

    Returns:
        A new array of the shape and dtype of x. Entries of -inf stay -inf; a
        row of only -inf gives NaN.
    """
    x = _check_floating(x, "x")
    if x.size == 0:
        return np.empty_like(x)

    # The log-sum-exp identity: for any constant m,
    #     log sum_k exp(x_k) = m + log sum_k exp(x_k - m).
    # Choosing m = max x keeps the sum between 1 and C, so its log is computed
    # without overflow, and log_softmax never forms a probability that could
    # underflow to 0 and then become log(0) = -inf: a logit 200 below the
    # maximum gives -200, not -inf.
    m, s = _row_max_and_sum(x)
    with np.errstate(invalid="ignore"):
        return (x - m) - np.log(s)  # (..., C)


def softmax_backward(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Gradient of softmax: dx = y * (dy - sum_k dy_k y_k), row by row.

    Derivation. With y = softmax(x), the Jacobian is
        dy_j/dx_i = y_j (delta_ij - y_i),
    because d exp(x_j)/dx_i = delta_ij exp(x_j) and d s/dx_i = exp(x_i) for
    s = sum_k exp(x_k), so by the quotient rule
        dy_j/dx_i = delta_ij y_j - y_j y_i.
    The chain rule gives dx_i = sum_j dy_j dy_j/dx_i
        = sum_j dy_j y_j delta_ij - y_i sum_j dy_j y_j
        = y_i (dy_i - sum_j dy_j y_j).
    So the (C, C) Jacobian never has to be formed: one dot product per row.

    Args:
        y: the softmax output, shape (..., C), float32 or float64.
        dy: the gradient of the loss with respect to y, same shape and dtype.

    Returns:
        dx, the gradient with respect to the logits, a new array like y.
    """
    y, dy = _check_pair(y, dy)
    dot = np.sum(dy * y, axis=-1, keepdims=True)  # (..., 1)
    return y * (dy - dot)  # (..., C)


def log_softmax_backward(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Gradient of log-softmax: dx = dy - exp(y) * sum_k dy_k, row by row.

    Derivation. With y_j = x_j - log s and s = sum_k exp(x_k),
        dy_j/dx_i = delta_ij - exp(x_i) / s = delta_ij - p_i,
    where p = softmax(x) = exp(y). The chain rule gives
        dx_i = sum_j dy_j (delta_ij - p_i) = dy_i - p_i sum_j dy_j.
    Masked entries (y = -inf) have p = 0, so their gradient is dy unchanged.

    Args:
        y: the log_softmax output, shape (..., C), float32 or float64.
        dy: the gradient of the loss with respect to y, same shape and dtype.

    Returns:
        dx, the gradient with respect to the logits, a new array like y.
    """
    y, dy = _check_pair(y, dy)
    total = np.sum(dy, axis=-1, keepdims=True)  # (..., 1)
    return dy - np.exp(y) * total  # (..., C)


def _check_pair(y: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = _check_floating(y, "y")
    dy = _check_floating(dy, "dy")
    if y.shape != dy.shape:
        raise ShapeError(
            f"expected dy of shape {y.shape} like y, got {dy.shape}; "
            "pass the gradient of the output you got from the forward pass"
        )
    if y.dtype != dy.dtype:
        raise DTypeError(
            f"expected dy of dtype {y.dtype} like y, got {dy.dtype}; "
            f"convert with dy.astype(np.{y.dtype})"
        )
    return y, dy
