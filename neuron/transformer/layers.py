"""The small layers of a transformer block in NumPy, forward and backward.

Layer normalisation (Ba et al., 2016), the activations of the feed-forward
network (ReLU; GELU, Hendrycks and Gimpel, 2016, exact and in its tanh
approximation) and the sinusoidal positional encoding of "Attention Is All
You Need" (section 3.5). ``neuron.transformer.reference`` assembles them into
the full forward pass and ``neuron.transformer.backward`` into the backward
pass of a block; PyTorch's ``layer_norm``, ``gelu`` and ``relu`` are the
yardsticks in the tests.

Every function works on the last axis; the leading axes "..." are any number
of batch axes, typically (B, T).

Legend:
    C     the width of a row (the model width)
    x     the input, (..., C); y the output, the same shape
    dy    gradient of a scalar loss with respect to y; dx likewise for x
    mu    the mean of a row of x, (..., 1)
    var   the (biased) variance of a row of x, (..., 1)
    rstd  1 / sqrt(var + eps), (..., 1)
    xhat  the normalised row (x - mu) * rstd, (..., C)
    w, b  the layer norm's weight (gain) and bias, (C,)
    Phi   the standard normal CDF; phi its density
    u     the argument of tanh in the tanh approximation of GELU

Dtypes. Inputs are float32 or float64; results come back in the dtype of x.
"""

import math

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = [
    "ACTIVATIONS",
    "activation",
    "activation_backward",
    "activation_equation",
    "layer_norm",
    "layer_norm_backward",
    "sinusoidal_positions",
]

ACTIVATIONS = ("gelu", "gelu_tanh", "relu")

# sqrt(2 / pi) and the cubic coefficient of GELU's tanh approximation.
_TANH_SCALE = math.sqrt(2.0 / math.pi)
_TANH_CUBIC = 0.044715

# NumPy has no erf. math.erf is exact to double precision; applied element by
# element it costs about 0.2 microseconds a number, well under a second for
# anything the reference is run on.
_erf = np.frompyfunc(math.erf, 1, 1)


# ---- layer norm ------------------------------------------------------------


def layer_norm(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, eps: float
) -> np.ndarray:
    """Layer normalisation of each row: y = (x - mu) / sqrt(var + eps) * w + b.

    Args:
        x: (..., C), float32 or float64.
        w: the gain, (C,).
        b: the bias, (C,), or None for none.
        eps: added to the variance so a constant row does not divide by 0.

    Returns:
        y, (..., C), in the dtype of x.
    """
    _check_row_parameters(x, w, b)
    xhat, _ = _normalise(x, eps)  # (..., C)
    y = xhat * w  # (..., C)
    return y if b is None else y + b  # (..., C)


def layer_norm_backward(
    dy: np.ndarray, x: np.ndarray, w: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of layer norm with respect to x, w and b, derived by hand.

    The row statistics are recomputed from x (two cheap passes) rather than
    kept from the forward pass.

    Derivation, for one row of C numbers. With xhat = (x - mu) * rstd and
    y = xhat * w + b, the parameters get
        dw = sum over rows of dy * xhat,   db = sum over rows of dy,
    and the normalised row gets dxhat = dy * w. Through xhat, each x_i moves
    the row mean (d mu / d x_i = 1 / C) and the variance
    (d var / d x_i = 2 (x_i - mu) / C), so
        dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
    where the two means are over the row: the first term is the direct path,
    the second removes what the mean absorbed, the third what the variance
    absorbed.

    Args:
        dy: gradient with respect to y, (..., C), the dtype of x.
        x: the input of the forward pass, (..., C).
        w: the gain, (C,).
        eps: the eps of the forward pass.

    Returns:
        ``(dx, dw, db)``: (..., C), (C,) and (C,).
    """
    _check_row_parameters(x, w, None)
    if dy.shape != x.shape:
        raise ShapeError(
            f"expected dy of shape {x.shape} like x, got {dy.shape}; pass the "
            "gradient of this layer norm's output"
        )
    xhat, rstd = _normalise(x, eps)  # (..., C), (..., 1)
    lead = tuple(range(x.ndim - 1))

    # The parameters: w scales each column of xhat, b shifts it.
    dw = np.sum(dy * xhat, axis=lead)  # (C,)
    db = np.sum(dy, axis=lead)  # (C,)

    # The input, through the normalisation.
    dxhat = dy * w  # (..., C)
    mean_dxhat = np.mean(dxhat, axis=-1, keepdims=True)  # (..., 1)
    mean_dxhat_xhat = np.mean(dxhat * xhat, axis=-1, keepdims=True)  # (..., 1)
    dx = rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat)  # (..., C)
    return dx, dw, db


def _normalise(x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """xhat and rstd of each row of x."""
    mu = np.mean(x, axis=-1, keepdims=True)  # (..., 1)
    centred = x - mu  # (..., C)

    # The variance from the centred row, not as mean(x^2) - mu^2: the latter
    # subtracts two large numbers when |mu| is much larger than the spread,
    # and loses every digit of the spread in float32.
    var = np.mean(centred * centred, axis=-1, keepdims=True)  # (..., 1)
    rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))  # (..., 1)
    return centred * rstd, rstd  # (..., C), (..., 1)


def _check_row_parameters(x: np.ndarray, w: np.ndarray, b) -> None:
    C = x.shape[-1]
    for name, p in (("w", w), ("b", b)):
        if p is not None and p.shape != (C,):
            raise ShapeError(
                f"expected {name} of shape ({C},) to match the rows of x "
                f"{x.shape}, got {p.shape}; pass the layer norm parameters of "
                "this width"
            )


# ---- activations -----------------------------------------------------------


def activation(name: str, x: np.ndarray) -> np.ndarray:
    """The feed-forward activation ``name`` applied element by element.

    - ``"relu"``: max(x, 0).
    - ``"gelu"``: x Phi(x), with Phi the standard normal CDF, computed exactly
      through erf (BERT's GELU, PyTorch's ``gelu``).
    - ``"gelu_tanh"``: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), the
      approximation GPT-2 uses (PyTorch's ``gelu(approximate="tanh")``).

    Args:
        name: one of ``ACTIVATIONS``.
        x: (...), float32 or float64.

    Returns:
        y, the shape and dtype of x.
    """
    name = _check_activation(name)
    if name == "relu":
        return np.maximum(x, 0)  # (...)
    if name == "gelu":
        return x * _normal_cdf(x)  # (...)
    u = _TANH_SCALE * (x + _TANH_CUBIC * x**3)  # (...)
    return 0.5 * x * (1 + np.tanh(u))  # (...)


def activation_backward(name: str, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Gradient of ``activation(name, x)`` with respect to x: dy times y'(x).

    - relu: y' = 1 where x > 0, else 0 (PyTorch's convention at x = 0).
    - gelu: y = x Phi(x), so y' = Phi(x) + x phi(x),
      phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    - gelu_tanh: y = 0.5 x (1 + tanh u), so
      y' = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx,
      du/dx = sqrt(2 / pi) (1 + 3 * 0.044715 x^2).

    Args:
        name: one of ``ACTIVATIONS``.
        x: the input of the forward pass, (...).
        dy: gradient with respect to the output, the shape of x.

    Returns:
        dx, the shape and dtype of x.
    """
    name = _check_activation(name)
    if name == "relu":
        return dy * (x > 0)  # (...)
    if name == "gelu":
        density = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)  # (...)
        return dy * (_normal_cdf(x) + x * density)  # (...)
    t = np.tanh(_TANH_SCALE * (x + _TANH_CUBIC * x**3))  # (...)
    du = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * x * x)  # (...)
    return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)  # (...)


def activation_equation(name: str) -> str:
    """The activation ``name`` as a short equation, for traces and plots."""
    name = _check_activation(name)
    return {
        "relu": "G = max(U, 0)",
        "gelu": "G = U * Phi(U)",
        "gelu_tanh": "G = 0.5 U (1 + tanh(sqrt(2/pi) (U + 0.044715 U^3)))",
    }[name]


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt(2))) / 2, in the dtype of x."""
    erf = _erf(x / math.sqrt(2.0)).astype(x.dtype)  # (...)
    return 0.5 * (1 + erf)  # (...)


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise InvalidArgumentError(
            f"expected an activation of {', '.join(ACTIVATIONS)}, got {name!r}; "
            "pick one of those names"
        )
    return name


# ---- positions -------------------------------------------------------------


def sinusoidal_positions(T: int, C: int, dtype=np.float64) -> np.ndarray:
    """The fixed positional encoding of Vaswani et al. (2017), section 3.5.

    Row t, columns 2i and 2i + 1:
        P[t, 2i]     = sin(t / 10000^(2i / C))
        P[t, 2i + 1] = cos(t / 10000^(2i / C))
    Each pair of columns is a rotation at its own frequency, from one turn per
    2 pi positions down to one per 10000 * 2 pi, so a fixed offset between two
    positions is a fixed linear map of their encodings. For an odd C the last
    column is a sine alone.

    Args:
        T: the number of positions, >= 1.
        C: the model width, >= 1.
        dtype: float32 or float64.

    Returns:
        P, (T, C), in dtype.
    """
    for name, value in (("T", T), ("C", C)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(
                f"expected {name} to be an integer >= 1, got {value!r}; pass a "
                f"positive {name}"
            )
    t = np.arange(T, dtype=np.float64)[:, None]  # (T, 1)
    even = np.arange(0, C, 2, dtype=np.float64)  # (ceil(C / 2),)
    angle = t / 10000.0 ** (even / C)  # (T, ceil(C / 2))

    P = np.empty((T, C), dtype=np.float64)  # (T, C)
    P[:, 0::2] = np.sin(angle)  # (T, ceil(C / 2))
    P[:, 1::2] = np.cos(angle[:, : C // 2])  # (T, C // 2)
    return P.astype(dtype, copy=False)  # (T, C)
