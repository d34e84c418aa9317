"""Attention as a PyTorch autograd function over the engine's kernels.

``attention(q, k, v)`` computes what
``torch.nn.functional.scaled_dot_product_attention(q, k, v)`` computes, with
the engine's FlashAttention forward (saving out and the per-row log-sum-exp)
and its FlashAttention-2 backward (recomputing the probabilities from them),
so training never holds a T x S matrix. CPU tensors run the C++ kernels,
CUDA tensors the CUDA ones.
"""

import torch
from torch.autograd.function import once_differentiable

from neuron.attention import engine

__all__ = ["EngineAttention", "attention"]


class EngineAttention(torch.autograd.Function):
    """softmax(scale q k^T, causal) v with the engine's forward and backward.

    Use ``attention`` rather than ``EngineAttention.apply``. The gradient is
    first-order only (no double backward).
    """

    @staticmethod
    def forward(ctx, q, k, v, causal: bool, scale):
        out, lse = engine.forward(q, k, v, causal=causal, scale=scale)
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.causal, ctx.scale = causal, scale
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, dout):
        q, k, v, out, lse = ctx.saved_tensors
        # Autograd may hand in a broadcast (stride 0) gradient; the kernels need
        # a dense one, so this is the one place a copy can happen.
        dq, dk, dv = engine.backward(
            q, k, v, out, dout.contiguous(), lse, causal=ctx.causal, scale=ctx.scale
        )
        return dq, dk, dv, None, None


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool = False,
    scale: float | None = None,
) -> torch.Tensor:
    """Scaled dot-product attention through the engine, differentiable.

    Args:
        q: (..., T, D), usually (B, H, T, D); contiguous. CPU: float32 or
            float64, D from 1 to 512. CUDA: float16, bfloat16 or float32, D in
            32, 64, 96, 128.
        k, v: (..., S, D), the same leading axes, dtype and device as q.
        causal: query i sees keys j <= i, counted from the top-left corner
            (``is_causal=True`` in torch's SDPA).
        scale: multiplies q k^T; None means 1 / sqrt(D).

    Returns:
        (..., T, D) like q; gradients flow to q, k and v.

    Raises:
        ArrayTypeError, DTypeError, ShapeError, LayoutError, DeviceError,
        CudaUnavailableError, InvalidArgumentError: what is supported and how
        to fix the argument.
    """
    return EngineAttention.apply(q, k, v, bool(causal), scale)
