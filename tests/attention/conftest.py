"""Inputs and PyTorch comparisons shared by the attention tests."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuron.attention import causal_mask

F64 = {"rtol": 1e-10, "atol": 1e-10}
F32 = {"rtol": 1e-5, "atol": 1e-5}
TILED = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed generator, so every failure reproduces."""
    return np.random.default_rng(0)


def make_inputs(rng, lead, T, S, D, Dv, dtype=np.float64):
    q = rng.standard_normal((*lead, T, D)).astype(dtype)
    k = rng.standard_normal((*lead, S, D)).astype(dtype)
    v = rng.standard_normal((*lead, S, Dv)).astype(dtype)
    dout = rng.standard_normal((*lead, T, Dv)).astype(dtype)
    return q, k, v, dout


def torch_attention(q, k, v, dout, *, causal=False, mask=None, scale=None):
    """PyTorch's SDPA and its autograd gradients, as NumPy arrays.

    SDPA refuses is_causal together with attn_mask, so a causal mask is folded
    into the mask here.
    """
    tq, tk, tv = (torch.from_numpy(a).requires_grad_(True) for a in (q, k, v))
    attn_mask = None if mask is None else torch.from_numpy(np.asarray(mask))
    if causal and attn_mask is not None:
        tril = torch.from_numpy(causal_mask(q.shape[-2], k.shape[-2]))
        if attn_mask.dtype == torch.bool:
            attn_mask = attn_mask & tril
        else:
            attn_mask = attn_mask.masked_fill(~tril, -torch.inf)
    out = F.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=attn_mask, is_causal=causal and mask is None, scale=scale
    )
    out.backward(torch.from_numpy(dout))
    return [t.detach().numpy() for t in (out, tq.grad, tk.grad, tv.grad)]


def torch_scores(q, k, *, causal=False, mask=None, scale=None):
    """The masked scores q k^T * scale + mask in PyTorch, for probs and lse."""
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = torch.from_numpy(q) @ torch.from_numpy(k).transpose(-1, -2) * scale
    if mask is not None and mask.dtype == bool:
        s = s.masked_fill(~torch.from_numpy(mask), -torch.inf)
    elif mask is not None:
        s = s + torch.from_numpy(mask)
    if causal:
        tril = torch.from_numpy(causal_mask(q.shape[-2], k.shape[-2]))
        s = s.masked_fill(~tril, -torch.inf)
    return s
