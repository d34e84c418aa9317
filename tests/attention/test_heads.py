"""Multi-head attention in NumPy against PyTorch's multi_head_attention_forward."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuron.attention import (
    causal_mask,
    merge_heads,
    multi_head_attention,
    padding_mask,
    split_heads,
)

from .conftest import F64


class TestMultiHead:
    def test_split_then_merge_is_identity(self, rng):
        x = rng.standard_normal((2, 5, 12))
        heads = split_heads(x, 3)
        assert heads.shape == (2, 3, 5, 4)
        np.testing.assert_array_equal(heads[:, 1], x[:, :, 4:8])
        np.testing.assert_array_equal(merge_heads(heads), x)

    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    def test_against_torch_multi_head_attention(self, causal, rng):
        B, T, C, H = 3, 6, 16, 4
        x = rng.standard_normal((B, T, C))
        w_q, w_k, w_v, w_o = (rng.standard_normal((C, C)) / 4 for _ in range(4))
        lengths = np.array([6, 4, 1])
        out, probs = multi_head_attention(
            x, w_q, w_k, w_v, w_o, H, causal=causal, mask=padding_mask(lengths, T)
        )
        assert out.shape == (B, T, C) and probs.shape == (B, H, T, T)

        # torch wants (T, B, C), weights applied as x @ W^T, and masks that say
        # where *not* to attend.
        xt = torch.from_numpy(x).transpose(0, 1)
        in_proj = torch.from_numpy(np.concatenate([w_q.T, w_k.T, w_v.T]))
        ignore = torch.from_numpy(~padding_mask(lengths, T)[:, 0, 0])
        future = torch.from_numpy(~causal_mask(T, T)) if causal else None
        expected, weights = F.multi_head_attention_forward(
            xt,
            xt,
            xt,
            embed_dim_to_check=C,
            num_heads=H,
            in_proj_weight=in_proj,
            in_proj_bias=None,
            bias_k=None,
            bias_v=None,
            add_zero_attn=False,
            dropout_p=0.0,
            out_proj_weight=torch.from_numpy(w_o.T),
            out_proj_bias=None,
            training=False,
            key_padding_mask=ignore,
            need_weights=True,
            attn_mask=future,
            average_attn_weights=False,
        )
        np.testing.assert_allclose(out, expected.transpose(0, 1), **F64)
        np.testing.assert_allclose(probs, weights, **F64)
