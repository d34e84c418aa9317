"""FlashAttention in NumPy: attention computed tile by tile, to be read.

The same numbers as ``neuron.attention.reference.attention_forward`` and
``attention_backward``, computed the way FlashAttention (Dao et al., 2022)
and FlashAttention-2 (Dao, 2023) compute them: queries in tiles of
``block_q`` rows, keys in tiles of ``block_k``, an online softmax (a running
maximum and sum per row, the partial output rescaled whenever the maximum
grows), and a backward pass that recomputes each tile's probabilities from
the saved log-sum-exp instead of storing them. No array larger than one
(block_q, block_k) tile of scores is ever made. This is the algorithm the
compiled engine runs (``neuron.attention.engine``), written slowly.

The legend, masks and dtypes are those of ``neuron.attention.reference``;
only the causal mask is supported here, not a general one.
"""

import numpy as np

from neuron.attention.reference import (
    AttentionGradients,
    _causal,
    _check_like,
    _check_qkv,
    _positive_int,
    _resolve_scale,
)

__all__ = ["flash_attention_backward", "flash_attention_forward"]


def flash_attention_forward(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool = False,
    scale: float | None = None,
    block_q: int = 64,
    block_k: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Attention computed tile by tile with an online softmax (FlashAttention).

    Equal to ``attention_forward`` up to rounding, but the largest array it
    makes is one (..., block_q, block_k) tile of scores: the (T, S) matrix is
    never formed, which is what lets the GPU kernel keep a tile in on-chip
    memory. Arbitrary masks are not supported here; causal is.

    Args:
        q: queries, (..., T, D), float32 or float64.
        k: keys, (..., S, D), same dtype and leading axes as q.
        v: values, (..., S, Dv), same dtype and leading axes as q.
        causal: if True, query i attends only to keys j <= i (top-left).
        scale: the factor on q k^T; None means 1 / sqrt(D).
        block_q: query rows per tile, >= 1.
        block_k: key rows per tile, >= 1.

    Returns:
        ``(out, lse)``: the output (..., T, Dv) and the log-sum-exp of each row
        of scores (..., T), in the dtype of q.

    Raises:
        DTypeError, ShapeError: as ``attention_forward``.
        InvalidArgumentError: a block size below 1 or a bad scale.
    """
    q, k, v = _check_qkv(q, k, v)
    scale = _resolve_scale(scale, q.shape[-1])
    block_q = _positive_int(block_q, "block_q")
    block_k = _positive_int(block_k, "block_k")
    T, S = q.shape[-2], k.shape[-2]
    out = np.empty((*q.shape[:-1], v.shape[-1]), q.dtype)  # (..., T, Dv)
    lse = np.empty(q.shape[:-1], q.dtype)  # (..., T)

    for i0 in range(0, T, block_q):
        i1 = min(i0 + block_q, T)
        qi = q[..., i0:i1, :]  # (..., bq, D)

        # The running state of these rows: the largest score seen so far m,
        # ell = sum of exp(s - m) so far, acc = sum of exp(s - m) v so far.
        m = np.full(qi.shape[:-1], -np.inf, q.dtype)  # (..., bq)
        ell = np.zeros(qi.shape[:-1], q.dtype)  # (..., bq)
        acc = np.zeros((*qi.shape[:-1], v.shape[-1]), q.dtype)  # (..., bq, Dv)

        # Causal: the last row of this tile, i1 - 1, sees keys up to i1 - 1,
        # so key tiles from i1 on lie wholly above the diagonal and are never
        # visited. Each row sees key 0 in the first tile, so m is finite from
        # then on and m - m_new below is never -inf - (-inf).
        for j0 in range(0, min(S, i1) if causal else S, block_k):
            j1 = min(j0 + block_k, S)
            s = (qi @ np.swapaxes(k[..., j0:j1, :], -1, -2)) * scale  # (..., bq, bk)
            if causal and j1 - 1 > i0:  # the tile crosses the diagonal
                keep = _causal(np.arange(i0, i1), np.arange(j0, j1))  # (bq, bk)
                s = np.where(keep, s, -np.inf)  # (..., bq, bk)

            # The online softmax. A new maximum m_new changes the reference
            # point of ell and acc: both are sums of exp(s - m) terms, and
            # exp(s - m) * exp(m - m_new) = exp(s - m_new), so one factor
            # rescales everything accumulated so far. Subtracting the running
            # maximum keeps every exponent <= 0, as in the plain version.
            m_new = np.maximum(m, np.max(s, axis=-1))  # (..., bq)
            rescale = np.exp(m - m_new)  # (..., bq)
            p = np.exp(s - m_new[..., None])  # (..., bq, bk)
            ell = rescale * ell + np.sum(p, axis=-1)  # (..., bq)
            acc = rescale[..., None] * acc + p @ v[..., j0:j1, :]  # (..., bq, Dv)
            m = m_new

        # Normalise once at the end instead of once per tile.
        out[..., i0:i1, :] = acc / ell[..., None]  # (..., bq, Dv)
        lse[..., i0:i1] = m + np.log(ell)  # (..., bq)
    return out, lse


def flash_attention_backward(
    dout: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    out: np.ndarray,
    lse: np.ndarray,
    *,
    causal: bool = False,
    scale: float | None = None,
    block_q: int = 64,
    block_k: int = 64,
) -> AttentionGradients:
    """Gradients of attention tile by tile, as FlashAttention-2 computes them.

    The probabilities are not stored by the forward pass; each tile of them
    is recomputed from q, k and the saved lse: p = exp(s - lse) is exactly
    the softmax, since lse is the log of each row's normaliser. The formulas
    are those of ``attention_backward``, with the row sum of dp * p replaced
    by delta = rowsum(dout * out), which needs no row of p.

    Args:
        dout: gradient of the loss with respect to out, (..., T, Dv).
        q: queries, (..., T, D), float32 or float64.
        k: keys, (..., S, D).
        v: values, (..., S, Dv).
        out: the output of ``flash_attention_forward``, (..., T, Dv).
        lse: the log-sum-exp it returned, (..., T).
        causal: as in the forward pass.
        scale: as in the forward pass; None means 1 / sqrt(D).
        block_q: query rows per tile, >= 1.
        block_k: key rows per tile, >= 1.

    Returns:
        ``AttentionGradients(dq, dk, dv)``, shaped like q, k and v.

    Raises:
        DTypeError, ShapeError: as ``attention_backward``.
        InvalidArgumentError: a block size below 1 or a bad scale.
    """
    q, k, v = _check_qkv(q, k, v)
    scale = _resolve_scale(scale, q.shape[-1])
    block_q = _positive_int(block_q, "block_q")
    block_k = _positive_int(block_k, "block_k")
    lead, T, S = q.shape[:-2], q.shape[-2], k.shape[-2]
    dout = _check_like(dout, "dout", (*lead, T, v.shape[-1]), q.dtype)
    out = _check_like(out, "out", (*lead, T, v.shape[-1]), q.dtype)
    lse = _check_like(lse, "lse", (*lead, T), q.dtype)

    # delta_i = dout_i . out_i = sum_j p_ij dp_ij, once per row, before the loop.
    delta = np.sum(dout * out, axis=-1)  # (..., T)
    dq = np.zeros_like(q)  # (..., T, D)
    dk = np.zeros_like(k)  # (..., S, D)
    dv = np.zeros_like(v)  # (..., S, Dv)

    # Outer loop over key tiles, inner over query tiles: dk and dv of a key
    # tile are finished in one pass (on a GPU they stay in registers) while
    # dq collects from every key tile (on a GPU, by atomic adds).
    for j0 in range(0, S, block_k):
        j1 = min(j0 + block_k, S)
        kj = k[..., j0:j1, :]  # (..., bk, D)
        vj = v[..., j0:j1, :]  # (..., bk, Dv)

        # Causal: query tiles whose last row comes before key j0 see none of
        # these keys; the first tile that does is the one holding row j0.
        first = (j0 // block_q) * block_q if causal else 0
        for i0 in range(first, T, block_q):
            i1 = min(i0 + block_q, T)
            qi = q[..., i0:i1, :]  # (..., bq, D)
            douti = dout[..., i0:i1, :]  # (..., bq, Dv)

            # Recompute this tile of probabilities from the saved lse.
            s = (qi @ np.swapaxes(kj, -1, -2)) * scale  # (..., bq, bk)
            if causal and j1 - 1 > i0:
                keep = _causal(np.arange(i0, i1), np.arange(j0, j1))  # (bq, bk)
                s = np.where(keep, s, -np.inf)  # (..., bq, bk)
            p = np.exp(s - lse[..., i0:i1, None])  # (..., bq, bk)

            # The four matmuls of the plain backward, restricted to the tile
            # (with the recomputed s, the five that flops() counts).
            dv[..., j0:j1, :] += np.swapaxes(p, -1, -2) @ douti  # (..., bk, Dv)
            dp = douti @ np.swapaxes(vj, -1, -2)  # (..., bq, bk)
            ds = p * (dp - delta[..., i0:i1, None])  # (..., bq, bk)
            dq[..., i0:i1, :] += (ds @ kj) * scale  # (..., bq, D)
            dk[..., j0:j1, :] += (np.swapaxes(ds, -1, -2) @ qi) * scale  # (..., bk, D)
    return AttentionGradients(dq, dk, dv)
