"""The tiled NumPy FlashAttention equals the plain reference and PyTorch."""

import numpy as np
import pytest

from neuron.attention import (
    attention_backward,
    attention_forward,
    flash_attention_backward,
    flash_attention_forward,
)

from .conftest import F32, TILED, make_inputs, torch_attention


class TestFlash:
    @pytest.mark.parametrize(
        ("shape", "blocks"),
        [
            (((2, 2), 67, 67, 32, 32), (16, 16)),
            (((1, 1), 67, 45, 64, 16), (16, 8)),
            (((2,), 20, 50, 8, 8), (7, 16)),
            (((), 1, 1, 1, 1), (64, 64)),
            (((1, 2), 9, 13, 128, 128), (64, 64)),
            (((3,), 11, 5, 4, 6), (1, 1)),
        ],
        ids=str,
    )
    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    def test_equals_plain_attention(self, shape, blocks, causal, rng):
        q, k, v, dout = make_inputs(rng, *shape)
        block_q, block_k = blocks
        tiles = {"causal": causal, "block_q": block_q, "block_k": block_k}
        plain = attention_forward(q, k, v, causal=causal)
        out, lse = flash_attention_forward(q, k, v, **tiles)
        np.testing.assert_allclose(out, plain.out, **TILED)
        np.testing.assert_allclose(lse, plain.lse, **TILED)

        expected = attention_backward(dout, q, k, v, plain.probs)
        grads = flash_attention_backward(dout, q, k, v, out, lse, **tiles)
        for got, want in zip(grads, expected, strict=True):
            np.testing.assert_allclose(got, want, **TILED)

    def test_float32_and_explicit_scale(self, rng):
        q, k, v, dout = make_inputs(rng, (2, 2), 33, 17, 16, 16, np.float32)
        tiles = {"causal": True, "scale": 0.5, "block_q": 8, "block_k": 8}
        out, lse = flash_attention_forward(q, k, v, **tiles)
        grads = flash_attention_backward(dout, q, k, v, out, lse, **tiles)
        for array in (out, lse, *grads):
            assert array.dtype == np.float32
        ref_out, dq, dk, dv = torch_attention(q, k, v, dout, causal=True, scale=0.5)
        np.testing.assert_allclose(out, ref_out, **F32)
        for got, want in zip(grads, (dq, dk, dv), strict=True):
            np.testing.assert_allclose(got, want, **F32)
