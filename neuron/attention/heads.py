"""Multi-head attention in NumPy: split the model width into heads, attend
in each, merge them back.

The legend is that of ``neuron.attention.reference``; C = H * D is the model
width, and the weights are (C, C) matrices applied as x @ w.
"""

import numpy as np

from neuron.attention.reference import (
    _check_like,
    _floating,
    _positive_int,
    attention_forward,
)
from neuron.errors import ShapeError

__all__ = ["merge_heads", "multi_head_attention", "split_heads"]


def split_heads(x: np.ndarray, heads: int) -> np.ndarray:
    """Cut the model width into heads: (B, T, H * D) to (B, H, T, D).

    Head h takes the columns h * D to (h + 1) * D of x. The result is a view
    when NumPy can make one.

    Args:
        x: an array of shape (B, T, C), any dtype.
        heads: H, which must divide C.

    Returns:
        An array of shape (B, H, T, C // H).
    """
    heads = _positive_int(heads, "heads")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ShapeError(
            f"expected x of shape (B, T, C), got {x.shape}; add a batch axis "
            "with x[None] if there is a single sequence"
        )
    B, T, C = x.shape
    if C % heads:
        raise ShapeError(
            f"expected a width C divisible by heads = {heads}, got C = {C} in "
            f"shape {x.shape}; pick a number of heads that divides {C}"
        )
    x = x.reshape(B, T, heads, C // heads)  # (B, T, H, D)
    return x.transpose(0, 2, 1, 3)  # (B, H, T, D)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """Put the heads back side by side: (B, H, T, D) to (B, T, H * D).

    The inverse of ``split_heads``.

    Args:
        x: an array of shape (B, H, T, D), any dtype.

    Returns:
        An array of shape (B, T, H * D).
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ShapeError(
            f"expected x of shape (B, H, T, D), got {x.shape}; pass the "
            "per-head output of attention"
        )
    B, H, T, D = x.shape
    x = x.transpose(0, 2, 1, 3)  # (B, T, H, D)
    return x.reshape(B, T, H * D)  # (B, T, C)


def multi_head_attention(
    x: np.ndarray,
    w_q: np.ndarray,
    w_k: np.ndarray,
    w_v: np.ndarray,
    w_o: np.ndarray,
    heads: int,
    *,
    causal: bool = False,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head self-attention, section 3.2.2 of Vaswani et al. (2017).

    Projects x to queries, keys and values, attends within each of the H
    heads with scale 1 / sqrt(C / H), joins the heads and projects back. No
    biases.

    Args:
        x: the input sequence, (B, T, C), float32 or float64.
        w_q: query projection, (C, C), applied as x @ w_q; same dtype as x.
        w_k: key projection, (C, C).
        w_v: value projection, (C, C).
        w_o: output projection, (C, C), applied to the joined heads.
        heads: H, which must divide C.
        causal: if True, position i attends only to positions j <= i.
        mask: as in ``attention_forward``, broadcastable to (B, H, T, T);
            ``padding_mask(lengths, T)`` masks padded positions.

    Returns:
        ``(out, probs)``: the output (B, T, C) and each head's probabilities
        (B, H, T, T), in the dtype of x.

    Raises:
        DTypeError: x or a weight is not float32/float64, or the dtypes differ.
        ShapeError: x is not (B, T, C), a weight is not (C, C), or H does not
            divide C.
    """
    x = _floating(x, "x")
    if x.ndim != 3:
        raise ShapeError(
            f"expected x of shape (B, T, C), got {x.shape}; add a batch axis "
            "with x[None] if there is a single sequence"
        )
    C = x.shape[-1]
    w_q = _check_like(w_q, "w_q", (C, C), x.dtype)
    w_k = _check_like(w_k, "w_k", (C, C), x.dtype)
    w_v = _check_like(w_v, "w_v", (C, C), x.dtype)
    w_o = _check_like(w_o, "w_o", (C, C), x.dtype)

    # Project, then cut the width into heads.
    q = split_heads(x @ w_q, heads)  # (B, H, T, D)
    k = split_heads(x @ w_k, heads)  # (B, H, T, D)
    v = split_heads(x @ w_v, heads)  # (B, H, T, D)

    # Each head attends on its own.
    attended = attention_forward(q, k, v, causal=causal, mask=mask)
    heads_out, probs = attended.out, attended.probs  # (B, H, T, D), (B, H, T, T)

    # Join the heads and mix them with the output projection.
    out = merge_heads(heads_out) @ w_o  # (B, T, C)
    return out, probs
