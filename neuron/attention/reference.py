"""Scaled dot-product attention in NumPy, forward and backward, to be read.

This is the lesson and the yardstick for attention: PyTorch and the compiled
engine are checked against these functions. It implements equation (1) of
"Attention Is All You Need" (Vaswani et al., 2017),

    Attention(q, k, v) = softmax(q k^T * scale + mask) v,   scale = 1 / sqrt(D),

with ``attention_forward`` / ``attention_backward``: the plain version. It
holds the whole (T, S) matrix of probabilities, which the notebooks plot, and
derives every gradient by hand. Two neighbours build on it:

- ``neuron.attention.flash``: the same numbers computed tile by tile with an
  online softmax, as FlashAttention (Dao et al., 2022) and FlashAttention-2
  (Dao, 2023) do on a GPU; the algorithm the compiled engine runs, written
  slowly.
- ``neuron.attention.heads``: multi-head attention (projections,
  ``split_heads``, attention per head, ``merge_heads``, output projection).

Every function works on the last two axes; the leading axes "..." are any
number of batch axes, typically (B, H), or none.

Legend:
    B   batch size                  H   heads
    T   queries (rows of q)         S   keys and values (rows of k and v)
    D   head size of q and k        Dv  head size of v
    C   model width H * D (multi-head attention only)
    q   queries (..., T, D)         k   keys (..., S, D)
    v   values (..., S, Dv)
    s   scores q k^T * scale + mask, (..., T, S)
    p   probabilities, softmax of s along each row, (..., T, S)
    out the output p v, (..., T, Dv)
    m   the maximum of a row of s; ell the sum of exp(s - m) over the row
    lse the log-sum-exp of a row of s, m + log(ell), (..., T)
    dout, dq, dk, dv, dp, ds   gradients of a scalar loss with respect to
        out, q, k, v, p and s (the same shapes)
    delta  rowsum(dout * out), (..., T): FlashAttention-2's "D" term
    bq, bk the rows of one query tile and one key tile

Masks. ``causal=True`` lets query i see keys j <= i, counted from the top
left: for T != S, query 0 sees key 0 only, as in PyTorch's
``scaled_dot_product_attention(is_causal=True)``. ``mask`` is either boolean,
True where a query may attend to a key (PyTorch's boolean ``attn_mask``), or
float, added to the scores (use -inf to forbid a key). Both broadcast to
(..., T, S), and causal and mask may be combined.

Fully masked rows. A query that may see no key has no softmax to take.
Here its output and probabilities are zeros, its lse is -inf, and it gives
zero gradients, without NaN and without warnings. Recent PyTorch releases
(checked with 2.13) make ``scaled_dot_product_attention`` return zeros there
too; older ones, and ``torch.softmax`` itself, return NaN. Note that
``neuron.softmax`` keeps torch.softmax's rule (NaN) for a bare softmax.

Dtypes. q, k and v are float32 or float64, all the same; the arithmetic is
done in that dtype, and results come back in it.
"""

import math
from typing import NamedTuple

import numpy as np

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "Attention",
    "AttentionGradients",
    "attention_backward",
    "attention_forward",
    "causal_mask",
    "flops",
    "padding_mask",
]


class Attention(NamedTuple):
    """What ``attention_forward`` returns.

    Attributes:
        out: the attention output p v, (..., T, Dv).
        probs: the attention probabilities p, (..., T, S); each row sums to 1
            (or is all zeros where every key is masked).
        lse: the log-sum-exp of each row of scores, (..., T); -inf where every
            key is masked. ``flash_attention_backward`` needs it.
    """

    out: np.ndarray
    probs: np.ndarray
    lse: np.ndarray


class AttentionGradients(NamedTuple):
    """Gradients of a scalar loss with respect to the inputs of attention.

    Attributes:
        dq: (..., T, D), like q.
        dk: (..., S, D), like k.
        dv: (..., S, Dv), like v.
    """

    dq: np.ndarray
    dk: np.ndarray
    dv: np.ndarray


# ---- masks -----------------------------------------------------------------


def causal_mask(T: int, S: int) -> np.ndarray:
    """The causal mask: query i may attend to key j when j <= i.

    Args:
        T: number of queries, >= 1.
        S: number of keys, >= 1.

    Returns:
        A boolean array of shape (T, S), True on and below the diagonal that
        starts at the top-left corner.
    """
    T = _positive_int(T, "T")
    S = _positive_int(S, "S")
    return _causal(np.arange(T), np.arange(S))  # (T, S)


def padding_mask(lengths, S: int) -> np.ndarray:
    """A key-padding mask: in sequence b, only the first lengths[b] keys count.

    Args:
        lengths: integers, shape (B,), each between 0 and S. A length of 0
            masks every key of that sequence (its outputs are then zeros).
        S: number of keys, >= 1.

    Returns:
        A boolean array of shape (B, 1, 1, S), True where key j < lengths[b];
        it broadcasts against scores of shape (B, H, T, S).
    """
    S = _positive_int(S, "S")
    lengths = np.asarray(lengths)  # (B,)
    if lengths.dtype.kind not in "iu":
        raise DTypeError(
            f"expected lengths of an integer dtype, got {lengths.dtype}; "
            "convert with lengths.astype(np.int64)"
        )
    if lengths.ndim != 1:
        raise ShapeError(
            f"expected lengths of shape (B,), got {lengths.shape}; "
            "pass one length per sequence"
        )
    bad = np.flatnonzero((lengths < 0) | (lengths > S))
    if bad.size:
        raise InvalidArgumentError(
            f"expected every length between 0 and S = {S}, got "
            f"{lengths[bad[0]]} at index {bad[0]}; clip the lengths to [0, {S}]"
        )
    keep = np.arange(S) < lengths[:, None]  # (B, S)
    return keep[:, None, None, :]  # (B, 1, 1, S)


# ---- the plain version -----------------------------------------------------


def attention_forward(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool = False,
    mask: np.ndarray | None = None,
    scale: float | None = None,
) -> Attention:
    """Scaled dot-product attention, softmax(q k^T * scale + mask) v.

    Args:
        q: queries, (..., T, D), float32 or float64.
        k: keys, (..., S, D), same dtype and leading axes as q.
        v: values, (..., S, Dv), same dtype and leading axes as q.
        causal: if True, query i attends only to keys j <= i (top-left
            aligned when T != S).
        mask: None, a boolean array (True = may attend) or a float array
            added to the scores, broadcastable to (..., T, S).
        scale: the factor on q k^T; None means 1 / sqrt(D).

    Returns:
        ``Attention(out, probs, lse)`` of shapes (..., T, Dv), (..., T, S) and
        (..., T), in the dtype of q. Rows with every key masked give zeros in
        out and probs and -inf in lse.

    Raises:
        DTypeError: an input is not float32/float64, or the dtypes differ.
        ShapeError: the shapes of q, k, v or mask do not fit together.
        InvalidArgumentError: scale is not a finite number.
    """
    q, k, v = _check_qkv(q, k, v)
    scale = _resolve_scale(scale, q.shape[-1])
    allowed, bias = _resolve_mask(mask, causal, q, k)

    # Scores: how well each query matches each key. The scale keeps their
    # variance near 1 whatever D is, so the softmax does not saturate.
    s = (q @ np.swapaxes(k, -1, -2)) * scale  # (..., T, S)

    # Masking: a forbidden key gets the score -inf, hence probability 0.
    if bias is not None:
        s = s + bias  # (..., T, S)
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)  # (..., T, S)

    # Softmax along each row, stably. Softmax does not change when one
    # constant is subtracted from a whole row (the factor exp(-m) cancels
    # between numerator and denominator), so subtract the row maximum m:
    # every exponent is then <= 0 (no overflow, which exp(89) already is in
    # float32) and the largest term is exp(0) = 1 (so ell >= 1, no division by
    # an underflowed 0).
    m = np.max(s, axis=-1, keepdims=True)  # (..., T, 1)

    # A fully masked row has m = -inf, and -inf - (-inf) would be NaN. Use
    # m = 0 there instead: every exp(s - m) is then exp(-inf) = 0, ell = 0,
    # and dividing by 1 in place of 0 leaves a row of zeros.
    empty = np.isneginf(m)  # (..., T, 1)
    m = np.where(empty, 0.0, m)  # (..., T, 1)
    e = np.exp(s - m)  # (..., T, S)
    ell = np.sum(e, axis=-1, keepdims=True)  # (..., T, 1)
    p = e / np.where(empty, 1.0, ell)  # (..., T, S)

    # The output: each query's probability-weighted average of the values.
    out = p @ v  # (..., T, Dv)

    # log sum_j exp(s_j) = m + log sum_j exp(s_j - m); log(0) = -inf is the
    # right answer for a fully masked row, so silence NumPy's warning.
    with np.errstate(divide="ignore"):
        lse = (m + np.log(ell))[..., 0]  # (..., T)
    return Attention(out, p, lse)


def attention_backward(
    dout: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    probs: np.ndarray,
    *,
    scale: float | None = None,
) -> AttentionGradients:
    """Gradients of attention with respect to q, k and v, derived by hand.

    The mask is not an argument: it lives in probs, which are 0 wherever a key
    was masked, and every gradient through a masked entry is multiplied by
    that 0. So masked entries, and fully masked rows, get zero gradient.

    Args:
        dout: gradient of the loss with respect to out, (..., T, Dv).
        q: queries, (..., T, D), float32 or float64.
        k: keys, (..., S, D).
        v: values, (..., S, Dv).
        probs: the probabilities ``attention_forward`` returned, (..., T, S).
        scale: the scale the forward pass used; None means 1 / sqrt(D).

    Returns:
        ``AttentionGradients(dq, dk, dv)``, shaped like q, k and v.

    Raises:
        DTypeError: an input is not float32/float64, or the dtypes differ.
        ShapeError: the shapes do not fit together.
        InvalidArgumentError: scale is not a finite number.
    """
    q, k, v = _check_qkv(q, k, v)
    scale = _resolve_scale(scale, q.shape[-1])
    lead, T, S = q.shape[:-2], q.shape[-2], k.shape[-2]
    dout = _check_like(dout, "dout", (*lead, T, v.shape[-1]), q.dtype)
    p = _check_like(probs, "probs", (*lead, T, S), q.dtype)

    # out_i = sum_j p_ij v_j, so v_j gets p_ij dout_i from every query i:
    #     dv = p^T dout.
    dv = np.swapaxes(p, -1, -2) @ dout  # (..., S, Dv)

    # And d out_i / d p_ij = v_j, so dp_ij = dout_i . v_j:
    #     dp = dout v^T.
    dp = dout @ np.swapaxes(v, -1, -2)  # (..., T, S)

    # Through the softmax of each row (see neuron.softmax.reference):
    #     ds_ij = p_ij (dp_ij - sum_k p_ik dp_ik).
    # The subtracted term needs no row of p. Since dp_ik = dout_i . v_k,
    #     sum_k p_ik dp_ik = dout_i . (sum_k p_ik v_k) = dout_i . out_i,
    # a dot product of length Dv instead of S. FlashAttention-2 calls it D_i
    # and computes it from out, because it never holds a whole row of p; here
    # p is at hand, so the row sum is taken directly.
    delta = np.sum(dp * p, axis=-1, keepdims=True)  # (..., T, 1)
    ds = p * (dp - delta)  # (..., T, S)

    # s_ij = scale * q_i . k_j, so q_i collects scale * ds_ij k_j over keys and
    # k_j collects scale * ds_ij q_i over queries:
    #     dq = ds k * scale,   dk = ds^T q * scale.
    dq = (ds @ k) * scale  # (..., T, D)
    dk = (np.swapaxes(ds, -1, -2) @ q) * scale  # (..., S, D)
    return AttentionGradients(dq, dk, dv)


# ---- cost ------------------------------------------------------------------


def flops(
    B: int,
    H: int,
    T: int,
    S: int,
    D: int,
    *,
    causal: bool = False,
    backward: bool = False,
) -> int:
    """Floating-point operations of attention, as benchmarks count them.

    The forward pass is two matmuls, q k^T and p v, each 2 T S D operations
    (a multiply and an add) per head: 4 B H T S D. The softmax is left out,
    as FlashAttention's benchmarks leave it out. With ``causal=True`` only
    the lower triangle counts, approximated by T S / 2 (it is exactly
    T (T + 1) / 2 for T = S; the approximation is the usual convention).
    The backward pass is counted as 2.5 forwards: five matmuls of the same
    size (dv, dp, dq, dk and the recomputed s), the accounting FlashAttention
    uses.

    Args:
        B, H, T, S, D: batch, heads, queries, keys and head size, each >= 1.
        causal: count only the lower triangle of the scores.
        backward: if True, return forward plus backward, 3.5 forwards.

    Returns:
        The operation count, an exact integer.
    """
    B, H, T, S, D = (
        _positive_int(value, name)
        for value, name in zip((B, H, T, S, D), "BHTSD", strict=True)
    )
    forward = 4 * B * H * T * S * D // (2 if causal else 1)
    return forward * 7 // 2 if backward else forward


# ---- input checks ----------------------------------------------------------


def _causal(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """True where the key index is at most the query index."""
    return cols[None, :] <= rows[:, None]  # (len(rows), len(cols))


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= 1, got {value!r}; "
            f"pass {name} as a whole number"
        )
    if value < 1:
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= 1, got {value}; "
            f"pass a positive {name}"
        )
    return int(value)


def _floating(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise DTypeError(
            f"expected {name} of dtype float32 or float64, got {x.dtype}; "
            f"convert with {name}.astype(np.float32)"
        )
    return x


def _check_like(x, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    x = _floating(x, name)
    if x.shape != shape:
        raise ShapeError(
            f"expected {name} of shape {shape}, got {x.shape}; "
            f"pass the {name} that belongs to these inputs"
        )
    if x.dtype != dtype:
        raise DTypeError(
            f"expected {name} of dtype {dtype} like the other inputs, got "
            f"{x.dtype}; convert with {name}.astype(np.{dtype})"
        )
    return x


def _check_qkv(q, k, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q, k, v = _floating(q, "q"), _floating(k, "k"), _floating(v, "v")
    for name, x in (("k", k), ("v", v)):
        if x.dtype != q.dtype:
            raise DTypeError(
                f"expected {name} of dtype {q.dtype} like q, got {x.dtype}; "
                f"convert with {name}.astype(np.{q.dtype})"
            )
    for name, x, axes in (("q", q, "T, D"), ("k", k, "S, D"), ("v", v, "S, Dv")):
        if x.ndim < 2:
            raise ShapeError(
                f"expected {name} of shape (..., {axes}), got {x.shape}; "
                f"add the missing axis with {name}[None]"
            )
    lead, T, D = q.shape[:-2], q.shape[-2], q.shape[-1]
    if T < 1 or D < 1:
        raise ShapeError(
            f"expected q of shape (..., T, D) with T >= 1 and D >= 1, got "
            f"{q.shape}; pass at least one query of at least one number"
        )
    for name, x in (("k", k), ("v", v)):
        if x.shape[:-2] != lead:
            raise ShapeError(
                f"expected {name} with leading dimensions {lead} like q, got "
                f"{x.shape}; give q, k and v the same batch and head axes"
            )
    if k.shape[-1] != D:
        raise ShapeError(
            f"expected k of shape (..., S, {D}) to match q's head dimension "
            f"{D}, got {k.shape}; project queries and keys to the same size"
        )
    S = k.shape[-2]
    if S < 1:
        raise ShapeError(
            f"expected k of shape (..., S, D) with S >= 1, got {k.shape}; "
            "pass at least one key"
        )
    if v.shape[-2] != S:
        raise ShapeError(
            f"expected v of shape (..., {S}, Dv) with one row per key like k, "
            f"got {v.shape}; pass the values that belong to the keys"
        )
    return q, k, v


def _resolve_scale(scale, D: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(D)
    if (
        isinstance(scale, bool)
        or not isinstance(scale, int | float | np.integer | np.floating)
        or not math.isfinite(scale)
    ):
        raise InvalidArgumentError(
            f"expected scale to be a finite number, got {scale!r}; pass a float "
            "or None for 1 / sqrt(D)"
        )
    return float(scale)


def _resolve_mask(mask, causal: bool, q: np.ndarray, k: np.ndarray):
    """Turn causal and mask into (allowed, bias): a boolean array of the keys
    each query may see, and a float array to add to the scores, either None."""
    T, S = q.shape[-2], k.shape[-2]
    allowed = _causal(np.arange(T), np.arange(S)) if causal else None  # (T, S)
    bias = None
    if mask is None:
        return allowed, bias

    mask = np.asarray(mask)
    if mask.dtype != np.bool_ and mask.dtype not in (np.float32, np.float64):
        raise DTypeError(
            f"expected mask of dtype bool (True = may attend) or float32/float64 "
            f"(added to the scores), got {mask.dtype}; turn a 0/1 mask into a "
            "boolean one with mask.astype(bool)"
        )
    target = (*q.shape[:-2], T, S)
    try:
        fits = np.broadcast_shapes(mask.shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"expected mask broadcastable to (..., T, S) = {target}, got "
            f"{mask.shape}; padding_mask(lengths, S) makes one of shape "
            "(B, 1, 1, S)"
        )
    if mask.dtype == np.bool_:
        allowed = mask if allowed is None else allowed & mask  # (..., T, S)
    else:
        bias = mask.astype(q.dtype, copy=False)  # (..., T, S)
    return allowed, bias
