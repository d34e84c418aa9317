"""The numerics lesson's helpers: formats, naive vs stable softmax, the
online softmax and FlashAttention's recorded tiles, and measured errors."""

import numpy as np
import pytest

from neuron.attention import attention_forward, flash_attention_forward
from neuron.curriculum import numerics
from neuron.errors import InvalidArgumentError, ShapeError
from neuron.softmax import softmax


class TestFormats:
    @pytest.mark.parametrize("name", ["float32", "float16"])
    def test_constants_match_numpy(self, name):
        fmt, info = numerics.FORMATS[name], np.finfo(name)
        assert fmt.bits == info.bits
        assert fmt.epsilon == float(info.eps)
        assert fmt.max == float(info.max)
        assert fmt.smallest_normal == float(info.tiny)

    def test_bfloat16_has_float32_range_and_eight_bits_of_precision(self):
        fmt = numerics.FORMATS["bfloat16"]
        assert fmt.bits == 16 and fmt.epsilon == 2.0**-7
        assert fmt.smallest_normal == float(np.finfo(np.float32).tiny)

    @pytest.mark.parametrize("name", ["float32", "bfloat16", "float16"])
    def test_half_an_epsilon_above_one_rounds_back_to_one(self, name):
        eps = numerics.FORMATS[name].epsilon
        assert numerics.round_to(1 + eps / 2, name) == 1.0
        assert numerics.round_to(1 + eps, name) == 1 + eps

    def test_bfloat16_rounds_to_nearest_even_and_keeps_specials(self):
        # 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to even (1).
        got = numerics.round_to([1 + 2**-8, 1 + 3 * 2**-8, np.inf, np.nan], "bfloat16")
        assert got[0] == 1.0 and got[1] == 1 + 2**-6
        assert np.isinf(got[2]) and np.isnan(got[3])

    def test_overflow_becomes_inf(self):
        assert np.isinf(numerics.round_to(70000.0, "float16"))
        assert numerics.round_to(70000.0, "bfloat16") == 70144.0

    def test_bit_fields_of_minus_two(self):
        bits = numerics.bit_fields(-2.0, "float16")
        assert (bits.sign, bits.exponent, bits.mantissa) == ("1", "10000", "0" * 10)
        assert bits.power == 1 and bits.stored == -2.0

    def test_bfloat16_bits_are_the_top_of_float32(self):
        b16, b32 = (
            numerics.bit_fields(1.5, "bfloat16"),
            numerics.bit_fields(1.5, "float32"),
        )
        assert b16.exponent == b32.exponent
        assert b32.mantissa.startswith(b16.mantissa)

    def test_unknown_format_says_which_exist(self):
        with pytest.raises(InvalidArgumentError, match="bfloat16"):
            numerics.round_to(1.0, "float8")


class TestSoftmax:
    def test_naive_softmax_fails_where_the_stable_one_does_not(self):
        x = np.array([1000.0, 999.0, 0.0])
        assert np.isnan(numerics.naive_softmax(x)).any()
        assert np.all(np.isfinite(softmax(x, backend="reference")))

    def test_logsumexp_matches_the_naive_one_where_that_works(self):
        x = np.random.default_rng(0).standard_normal((3, 7))
        np.testing.assert_allclose(numerics.logsumexp(x), numerics.naive_logsumexp(x))

    def test_logsumexp_is_finite_for_large_and_small_logits(self):
        x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]])
        assert np.isinf(numerics.naive_logsumexp(x)).all()
        np.testing.assert_allclose(
            numerics.logsumexp(x), [1000 + np.log(2), -1000 + np.log(2)]
        )


class TestOnlineSoftmax:
    @pytest.mark.parametrize("block", [1, 3, 8, 100])
    def test_equals_the_softmax(self, block):
        x = np.random.default_rng(1).standard_normal(17) * 30
        steps, probs = numerics.online_softmax(x, block)
        np.testing.assert_allclose(probs, softmax(x, backend="reference"), rtol=1e-12)
        assert len(steps) == -(-17 // block)
        assert steps[-1].m == x.max()
        assert steps[0].rescale == 0.0

    def test_rejects_a_bad_block(self):
        with pytest.raises(InvalidArgumentError, match="block"):
            numerics.online_softmax([1.0, 2.0], 0)
        with pytest.raises(ShapeError):
            numerics.online_softmax(np.ones((2, 2)), 1)


class TestFlashSteps:
    @pytest.mark.parametrize("causal", [False, True])
    @pytest.mark.parametrize("blocks", [(1, 1), (3, 5), (4, 4), (16, 16)])
    def test_output_equals_the_library_and_the_reference(self, causal, blocks):
        rng = np.random.default_rng(2)
        q, k, v = (rng.standard_normal((11, 4)) for _ in range(3))
        steps, out = numerics.flash_steps(
            q, k, v, block_q=blocks[0], block_k=blocks[1], causal=causal
        )
        lib, _ = flash_attention_forward(
            q, k, v, causal=causal, block_q=blocks[0], block_k=blocks[1]
        )
        np.testing.assert_allclose(out, lib, rtol=1e-12, atol=1e-12)
        ref = attention_forward(q, k, v, causal=causal).out
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)

    def test_last_tile_of_a_row_block_holds_its_output(self):
        rng = np.random.default_rng(3)
        q, k, v = (rng.standard_normal((6, 2)) for _ in range(3))
        steps, out = numerics.flash_steps(q, k, v, block_q=3, block_k=2)
        last_of_first = [s for s in steps if s.rows == (0, 3)][-1]
        np.testing.assert_allclose(last_of_first.partial, out[:3])

    def test_scores_seen_fills_tile_by_tile(self):
        rng = np.random.default_rng(4)
        q, k, v = (rng.standard_normal((4, 2)) for _ in range(3))
        steps, _ = numerics.flash_steps(q, k, v, block_q=2, block_k=2)
        assert np.isnan(numerics.scores_seen(steps, 0, (4, 4))).sum() == 12
        full = numerics.scores_seen(steps, len(steps) - 1, (4, 4))
        np.testing.assert_allclose(full, q @ k.T / np.sqrt(2))


class TestAttentionErrors:
    def test_errors_follow_the_precision_of_each_format(self):
        rows = numerics.attention_errors(64, 32, seed=0)
        by = {(r.path, r.dtype, r.device): r for r in rows}
        assert by["neuron engine", "float64", "cpu"].relative < 1e-13
        assert by["neuron engine", "float32", "cpu"].relative < 1e-5
        for name in ("bfloat16", "float16"):
            row = by["PyTorch SDPA", name, "cpu"]
            assert row.relative < 8 * row.unit_roundoff
        assert (
            by["PyTorch SDPA", "bfloat16", "cpu"].max_error
            > by["PyTorch SDPA", "float16", "cpu"].max_error
            > by["PyTorch SDPA", "float32", "cpu"].max_error
        )
