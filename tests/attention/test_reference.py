"""The NumPy attention reference against PyTorch, the tiled version against the
plain one, and the properties any attention must have.

Tolerances: float64 results agree with PyTorch to 1e-10 (absolute and
relative); float32 ones to 1e-5. The tiled and plain versions differ only in
the order of the additions, so they agree to 1e-12 in float64.
"""

import warnings

import numpy as np
import pytest
import torch

from neuron.attention import (
    attention_backward,
    attention_forward,
    causal_mask,
    flash_attention_backward,
    flash_attention_forward,
    flops,
    merge_heads,
    multi_head_attention,
    padding_mask,
    split_heads,
)
from neuron.errors import DTypeError, InvalidArgumentError, ShapeError

from .conftest import F32, F64, make_inputs, torch_attention, torch_scores

# (leading axes, T, S, D, Dv): T = 1, odd T, T != S both ways, every D asked
# for, B = H = 1, and no leading axes at all.
SHAPES = [
    ((2, 3), 5, 5, 32, 32),
    ((1, 1), 1, 1, 1, 1),
    ((1, 1), 1, 6, 64, 64),
    ((), 7, 7, 64, 64),
    ((2,), 9, 4, 1, 3),
    ((2, 2), 4, 11, 128, 128),
    ((1, 2), 13, 13, 32, 16),
]


def assert_matches_torch(q, k, v, dout, tol, **options):
    result = attention_forward(q, k, v, **options)
    out, dq, dk, dv = torch_attention(q, k, v, dout, **options)
    s = torch_scores(q, k, **options)
    np.testing.assert_allclose(result.out, out, **tol)
    np.testing.assert_allclose(result.probs, torch.softmax(s, -1), **tol)
    np.testing.assert_allclose(result.lse, torch.logsumexp(s, -1), **tol)

    scale = options.get("scale")
    grads = attention_backward(dout, q, k, v, result.probs, scale=scale)
    np.testing.assert_allclose(grads.dq, dq, **tol)
    np.testing.assert_allclose(grads.dk, dk, **tol)
    np.testing.assert_allclose(grads.dv, dv, **tol)


class TestAgainstTorch:
    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    @pytest.mark.parametrize("shape", SHAPES, ids=str)
    def test_values_and_gradients(self, shape, causal, rng):
        q, k, v, dout = make_inputs(rng, *shape)
        assert_matches_torch(q, k, v, dout, F64, causal=causal)

    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    def test_boolean_padding_mask(self, causal, rng):
        q, k, v, dout = make_inputs(rng, (3, 2), 6, 6, 16, 16)
        mask = padding_mask(np.array([6, 3, 1]), 6)
        assert_matches_torch(q, k, v, dout, F64, causal=causal, mask=mask)

    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    def test_float_additive_mask(self, causal, rng):
        q, k, v, dout = make_inputs(rng, (2, 2), 5, 7, 8, 8)
        mask = rng.standard_normal((2, 1, 5, 7))
        mask[..., 3] = -np.inf  # never key 3; every row keeps key 0
        assert_matches_torch(q, k, v, dout, F64, causal=causal, mask=mask)

    def test_explicit_scale(self, rng):
        q, k, v, dout = make_inputs(rng, (1, 2), 4, 5, 8, 8)
        assert_matches_torch(q, k, v, dout, F64, causal=True, scale=0.3)

    @pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
    def test_float32_stays_float32(self, causal, rng):
        q, k, v, dout = make_inputs(rng, (2, 2), 9, 9, 32, 32, np.float32)
        result = attention_forward(q, k, v, causal=causal)
        grads = attention_backward(dout, q, k, v, result.probs)
        for array in (*result, *grads):
            assert array.dtype == np.float32
        assert_matches_torch(q, k, v, dout, F32, causal=causal)


class TestProperties:
    def test_rows_sum_to_one_and_causal_zeros_above_diagonal(self, rng):
        q, k, v, _ = make_inputs(rng, (2,), 5, 8, 4, 4)
        probs = attention_forward(q, k, v, causal=True).probs
        np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-14)
        above = ~causal_mask(5, 8)
        assert (probs[:, above] == 0.0).all()
        assert (probs[:, ~above] > 0.0).all()

    def test_causal_is_top_left_aligned(self):
        mask = causal_mask(2, 4)
        np.testing.assert_array_equal(mask, [[1, 0, 0, 0], [1, 1, 0, 0]])
        np.testing.assert_array_equal(causal_mask(3, 1), [[1], [1], [1]])

    def test_padding_mask_shape_and_values(self):
        mask = padding_mask([2, 0, 3], 3)
        assert mask.shape == (3, 1, 1, 3) and mask.dtype == bool
        np.testing.assert_array_equal(mask[:, 0, 0], [[1, 1, 0], [0, 0, 0], [1, 1, 1]])

    @pytest.mark.parametrize("kind", ["bool", "float"])
    def test_fully_masked_rows_are_zero_without_nan(self, kind, rng):
        q, k, v, dout = make_inputs(rng, (2,), 3, 4, 5, 6)
        allowed = np.ones((2, 3, 4), bool)
        allowed[0, 1] = False  # query 1 of sequence 0 may see nothing
        mask = allowed if kind == "bool" else np.where(allowed, 0.0, -np.inf)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = attention_forward(q, k, v, mask=mask)
            grads = attention_backward(dout, q, k, v, result.probs)
        assert np.isfinite(result.out).all() and np.isfinite(result.probs).all()
        np.testing.assert_array_equal(result.out[0, 1], 0.0)
        np.testing.assert_array_equal(result.probs[0, 1], 0.0)
        assert result.lse[0, 1] == -np.inf
        np.testing.assert_array_equal(grads.dq[0, 1], 0.0)

        # The masked query adds nothing to dk and dv: they equal the gradients
        # computed without it.
        keep = [0, 2]
        part = attention_forward(q[0, keep], k[0], v[0])
        part_grads = attention_backward(
            dout[0, keep], q[0, keep], k[0], v[0], part.probs
        )
        np.testing.assert_allclose(grads.dk[0], part_grads.dk, rtol=1e-12)
        np.testing.assert_allclose(grads.dv[0], part_grads.dv, rtol=1e-12)

    def test_every_key_padded_gives_zeros(self, rng):
        q, k, v, dout = make_inputs(rng, (2, 1), 3, 3, 4, 4)
        result = attention_forward(q, k, v, mask=padding_mask([0, 3], 3))
        np.testing.assert_array_equal(result.out[0], 0.0)
        assert np.isfinite(result.out).all()

    def test_large_scores_do_not_overflow(self, rng):
        q, k, v, _ = make_inputs(rng, (), 4, 6, 8, 8, np.float32)
        result = attention_forward(q * 100, k * 100, v)
        assert np.isfinite(result.out).all() and np.isfinite(result.lse).all()
        np.testing.assert_allclose(result.probs.sum(-1), 1.0, rtol=1e-6)

    def test_gradients_match_finite_differences(self, rng):
        q, k, v, dout = make_inputs(rng, (2,), 3, 4, 2, 3)
        mask = rng.standard_normal((3, 4))
        options = {"causal": True, "mask": mask}

        def loss(q, k, v):
            return np.sum(attention_forward(q, k, v, **options).out * dout)

        probs = attention_forward(q, k, v, **options).probs
        grads = attention_backward(dout, q, k, v, probs)
        eps = 1e-6
        for x, dx in zip((q, k, v), grads, strict=True):
            numeric = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                saved = x[i]
                x[i] = saved + eps
                up = loss(q, k, v)
                x[i] = saved - eps
                down = loss(q, k, v)
                x[i] = saved
                numeric[i] = (up - down) / (2 * eps)
            np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


class TestFlops:
    def test_counts(self):
        assert flops(1, 1, 1, 1, 1) == 4
        assert flops(2, 3, 5, 7, 11) == 4 * 2 * 3 * 5 * 7 * 11
        assert flops(2, 3, 5, 7, 11, causal=True) == 2 * 2 * 3 * 5 * 7 * 11
        assert flops(2, 3, 5, 7, 11, backward=True) == 14 * 2 * 3 * 5 * 7 * 11
        both = flops(2, 3, 5, 7, 11, causal=True, backward=True)
        assert both == 7 * 2 * 3 * 5 * 7 * 11

    def test_rejects_non_positive_sizes(self):
        with pytest.raises(InvalidArgumentError, match="expected T to be an integer"):
            flops(1, 1, 0, 1, 1)


class TestRejections:
    def test_integer_input(self):
        with pytest.raises(
            DTypeError, match="expected q of dtype float32 or float64, got int64"
        ):
            attention_forward(
                np.ones((2, 3), np.int64), np.ones((2, 3)), np.ones((2, 3))
            )

    def test_mixed_dtypes(self):
        q = np.ones((2, 3))
        with pytest.raises(DTypeError, match="expected v of dtype float64 like q"):
            attention_forward(q, q, q.astype(np.float32))

    def test_one_dimensional_input(self):
        with pytest.raises(ShapeError, match=r"expected q of shape \(\.\.\., T, D\)"):
            attention_forward(np.ones(3), np.ones((2, 3)), np.ones((2, 3)))

    def test_head_dimension_mismatch(self):
        q, k = np.ones((2, 8, 10, 64)), np.ones((2, 8, 10, 32))
        with pytest.raises(
            ShapeError,
            match=r"expected k of shape \(\.\.\., S, 64\) to match q's head "
            r"dimension 64, got \(2, 8, 10, 32\)",
        ):
            attention_forward(q, k, k)

    def test_leading_dimension_mismatch(self):
        q, k = np.ones((2, 8, 4, 16)), np.ones((2, 4, 4, 16))
        with pytest.raises(
            ShapeError, match=r"expected k with leading dimensions \(2, 8\) like q"
        ):
            flash_attention_forward(q, k, k)

    def test_values_not_one_per_key(self):
        q, v = np.ones((3, 4)), np.ones((6, 4))
        with pytest.raises(ShapeError, match=r"expected v of shape \(\.\.\., 3, Dv\)"):
            attention_forward(q, q, v)

    def test_no_queries(self):
        with pytest.raises(ShapeError, match="with T >= 1 and D >= 1"):
            attention_forward(np.ones((0, 4)), np.ones((2, 4)), np.ones((2, 4)))

    def test_no_keys(self):
        with pytest.raises(ShapeError, match="with S >= 1"):
            attention_forward(np.ones((2, 4)), np.ones((0, 4)), np.ones((0, 4)))

    def test_mask_of_wrong_shape(self):
        q = np.ones((2, 3, 4))
        with pytest.raises(
            ShapeError, match=r"expected mask broadcastable to \(\.\.\., T, S\)"
        ):
            attention_forward(q, q, q, mask=np.ones((5, 3, 3), bool))

    def test_integer_mask(self):
        q = np.ones((3, 4))
        with pytest.raises(DTypeError, match="expected mask of dtype bool"):
            attention_forward(q, q, q, mask=np.ones((3, 3), np.int64))

    def test_bad_scale(self):
        q = np.ones((3, 4))
        with pytest.raises(InvalidArgumentError, match="expected scale to be a finite"):
            attention_forward(q, q, q, scale=float("nan"))

    def test_gradient_of_wrong_shape(self):
        q = np.ones((3, 4))
        probs = attention_forward(q, q, q).probs
        with pytest.raises(ShapeError, match=r"expected dout of shape \(3, 4\)"):
            attention_backward(np.ones((4, 3)), q, q, q, probs)

    def test_probs_of_wrong_dtype(self):
        q = np.ones((3, 4))
        probs = attention_forward(q, q, q).probs.astype(np.float32)
        with pytest.raises(DTypeError, match="expected probs of dtype float64"):
            attention_backward(q, q, q, q, probs)

    def test_lse_of_wrong_shape(self):
        q = np.ones((3, 4))
        out, lse = flash_attention_forward(q, q, q)
        with pytest.raises(ShapeError, match=r"expected lse of shape \(3,\)"):
            flash_attention_backward(q, q, q, q, out, lse[:2])

    def test_bad_block_size(self):
        q = np.ones((3, 4))
        with pytest.raises(InvalidArgumentError, match="expected block_k to be"):
            flash_attention_forward(q, q, q, block_k=0)

    def test_padding_lengths_out_of_range(self):
        with pytest.raises(InvalidArgumentError, match="between 0 and S = 4, got 5"):
            padding_mask([1, 5], 4)

    def test_padding_lengths_not_integers(self):
        with pytest.raises(DTypeError, match="expected lengths of an integer dtype"):
            padding_mask([1.5, 2.0], 4)

    def test_heads_do_not_divide_width(self):
        with pytest.raises(ShapeError, match="divisible by heads = 3, got C = 8"):
            split_heads(np.ones((1, 2, 8)), 3)

    def test_merge_needs_four_axes(self):
        with pytest.raises(ShapeError, match=r"expected x of shape \(B, H, T, D\)"):
            merge_heads(np.ones((2, 3, 4)))

    def test_weight_of_wrong_shape(self):
        x, w = np.ones((1, 2, 8)), np.eye(8)
        with pytest.raises(ShapeError, match=r"expected w_o of shape \(8, 8\)"):
            multi_head_attention(x, w, w, w, np.eye(4), 2)
