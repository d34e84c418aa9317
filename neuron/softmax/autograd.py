"""PyTorch autograd for the engine's softmax and log-softmax.

Each ``torch.autograd.Function`` runs the engine's forward kernel, saves its
output y, and in backward runs the engine's backward kernel on (y, dy): the
same formulas as ``neuron.softmax.reference``, derived there. Only y is saved,
not x, because both gradients are functions of the output alone.
"""

import torch
from torch.autograd.function import once_differentiable

from neuron import engine

__all__ = ["EngineLogSoftmax", "EngineSoftmax"]


class EngineSoftmax(torch.autograd.Function):
    """softmax over the last axis with the engine's kernels, forward and backward.

    Use as ``EngineSoftmax.apply(x)``: x of shape (..., C), float32 or float64
    (CUDA: float32), contiguous. The gradient is first-order only.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = engine.softmax(x)  # (..., C)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        # Autograd may hand in a broadcast (stride 0) gradient; the kernel needs
        # a dense one, so this is the one place a copy can happen.
        return engine.softmax_backward(y, dy.contiguous())


class EngineLogSoftmax(torch.autograd.Function):
    """log_softmax over the last axis with the engine's kernels, forward and
    backward.

    Use as ``EngineLogSoftmax.apply(x)``; same constraints as ``EngineSoftmax``.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = engine.log_softmax(x)  # (..., C)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return engine.log_softmax_backward(y, dy.contiguous())
