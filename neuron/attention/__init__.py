"""Scaled dot-product attention.

- ``neuron.attention.reference``: NumPy, written from scratch to be read:
  the plain forward and backward with every gradient derived by hand, masks
  and the FLOP count; ``neuron.attention.flash``, the tiled FlashAttention
  algorithm in NumPy; ``neuron.attention.heads``, multi-head attention.
- ``neuron.attention.engine``: the compiled FlashAttention kernels (CPU and
  CUDA), forward, backward and the explicit probabilities for plots.
- ``neuron.attention.attention``: a ``torch.autograd.Function`` over them
  (``neuron.attention.autograd``), imported on first use so that the NumPy
  reference does not load PyTorch.
"""

from neuron.attention.flash import flash_attention_backward, flash_attention_forward
from neuron.attention.heads import merge_heads, multi_head_attention, split_heads
from neuron.attention.reference import (
    Attention,
    AttentionGradients,
    attention_backward,
    attention_forward,
    causal_mask,
    flops,
    padding_mask,
)

__all__ = [
    "Attention",
    "attention",
    "AttentionGradients",
    "attention_backward",
    "attention_forward",
    "causal_mask",
    "flash_attention_backward",
    "flash_attention_forward",
    "flops",
    "merge_heads",
    "multi_head_attention",
    "padding_mask",
    "split_heads",
]


def __getattr__(name: str):
    if name == "attention":
        from neuron.attention.autograd import attention

        return attention
    raise AttributeError(f"module 'neuron.attention' has no attribute {name!r}")
