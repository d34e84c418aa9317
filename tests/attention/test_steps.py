"""The Canvas's step-by-step attention against the reference and PyTorch."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuron.attention import multi_head_attention, split_heads
from neuron.attention.steps import (
    STEP_NAMES,
    attention_steps,
    seeded_weights,
    softmax_saturation,
    split_sentence,
    word_vectors,
)
from neuron.errors import DTypeError, InvalidArgumentError, ShapeError

from .conftest import F32, F64

TOLERANCE = {np.float64: F64, np.float32: F32}


def inputs(rng, T=12, C=12, dtype=np.float64):
    x = rng.standard_normal((T, C)).astype(dtype)
    weights = seeded_weights(C, seed=3)
    return x, *(weights[name].astype(dtype) for name in ("w_q", "w_k", "w_v"))


def sdpa(x, w_q, w_k, w_v, heads, causal, scale):
    """PyTorch's scaled_dot_product_attention on the same projections."""
    q, k, v = (
        torch.from_numpy(split_heads((x @ w)[None], heads)[0]) for w in (w_q, w_k, w_v)
    )  # (H, T, D)
    factor = None if scale else 1.0
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=factor)
    return out.numpy()  # (H, T, D)


class TestAttentionSteps:
    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    @pytest.mark.parametrize("heads", [1, 2, 3, 4])
    @pytest.mark.parametrize("causal", [False, True])
    @pytest.mark.parametrize("scale", [True, False])
    def test_output_matches_torch_sdpa(self, rng, dtype, heads, causal, scale):
        x, w_q, w_k, w_v = inputs(rng, dtype=dtype)
        steps = attention_steps(x, w_q, w_k, w_v, heads, causal=causal, scale=scale)
        expected = sdpa(x, w_q, w_k, w_v, heads, causal, scale)
        np.testing.assert_allclose(
            steps["heads_out"].value, expected, **TOLERANCE[dtype]
        )
        assert steps["out"].value.dtype == dtype

    @pytest.mark.parametrize("heads", [1, 2, 4])
    @pytest.mark.parametrize("causal", [False, True])
    def test_agrees_with_the_reference_multi_head_attention(self, rng, heads, causal):
        x, w_q, w_k, w_v = inputs(rng)
        identity = np.eye(x.shape[1])
        out, probs = multi_head_attention(
            x[None], w_q, w_k, w_v, identity, heads, causal=causal
        )
        steps = attention_steps(x, w_q, w_k, w_v, heads, causal=causal)
        np.testing.assert_allclose(steps["weights"].value, probs[0], **F64)
        np.testing.assert_allclose(steps["out"].value, out[0], **F64)

    def test_weights_are_the_softmax_of_the_masked_scores(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        steps = attention_steps(x, w_q, w_k, w_v, 4, causal=True)
        s = steps["masked"].value  # (H, T, T)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        np.testing.assert_allclose(
            steps["weights"].value, e / e.sum(axis=-1, keepdims=True), **F64
        )
        np.testing.assert_allclose(
            steps["scaled"].value, steps["scores"].value / math.sqrt(3), **F64
        )
        assert np.all(np.triu(steps["weights"].value, k=1) == 0)

    def test_steps_have_shapes_and_equations(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        steps = attention_steps(x, w_q, w_k, w_v, 4, unembed=x[:5].T)
        shapes = {name: step.shape for name, step in steps.items()}
        assert shapes == {
            "x": (12, 12),
            "q": (12, 12),
            "k": (12, 12),
            "v": (12, 12),
            "scores": (4, 12, 12),
            "scaled": (4, 12, 12),
            "masked": (4, 12, 12),
            "weights": (4, 12, 12),
            "heads_out": (4, 12, 3),
            "out": (12, 12),
            "logits": (12, 5),
            "next": (12, 5),
        }
        assert all(step.equation and step.role for step in steps.values())
        np.testing.assert_allclose(steps["next"].value.sum(axis=-1), 1.0, **F64)

    def test_unscaled_steps_say_so(self, rng):
        steps = attention_steps(*inputs(rng), 2, scale=False)
        assert "unscaled" in steps["scaled"].equation
        np.testing.assert_array_equal(steps["scaled"].value, steps["scores"].value)

    def test_heads_that_do_not_divide_the_width_are_refused(self, rng):
        with pytest.raises(ShapeError, match=r"heads to divide the width C = 12"):
            attention_steps(*inputs(rng), 5)

    def test_a_weight_of_the_wrong_shape_is_refused(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        with pytest.raises(ShapeError, match=r"expected w_k of shape \(12, 12\)"):
            attention_steps(x, w_q, w_k[:4], w_v, 1)

    def test_a_flat_x_is_refused(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        with pytest.raises(ShapeError, match=r"expected x of shape \(T, C\)"):
            attention_steps(x[0], w_q, w_k, w_v, 1)

    def test_integer_input_is_refused(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        with pytest.raises(DTypeError, match="float32 or float64"):
            attention_steps(x.astype(np.int64), w_q, w_k, w_v, 1)

    def test_an_unembedding_of_the_wrong_width_is_refused(self, rng):
        x, w_q, w_k, w_v = inputs(rng)
        with pytest.raises(ShapeError, match=r"unembed of shape \(12, V\)"):
            attention_steps(x, w_q, w_k, w_v, 1, unembed=x[:5])


class TestSoftmaxSaturation:
    def test_scaled_scores_keep_the_max_weight_roughly_flat(self):
        result = softmax_saturation(scaled=True)
        assert result.max_weight.max() - result.max_weight.min() < 0.1
        assert np.all(result.entropy > 0.5 * math.log(result.keys))

    def test_unscaled_scores_saturate_towards_one_hot(self):
        result = softmax_saturation(scaled=False)
        assert result.max_weight[0] < 0.5
        assert result.max_weight[-1] > 0.9
        assert result.entropy[-1] < 0.3
        # Monotone up to sampling noise.
        assert np.all(np.diff(result.max_weight) > -0.02)

    def test_the_same_seed_gives_the_same_numbers(self):
        first = softmax_saturation((1, 64), scaled=False, seed=4)
        second = softmax_saturation((1, 64), scaled=False, seed=4)
        np.testing.assert_array_equal(first.max_weight, second.max_weight)

    def test_a_single_key_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="expected keys >= 2"):
            softmax_saturation(keys=1)

    def test_a_zero_head_size_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="d_k to be an integer >= 1"):
            softmax_saturation((0, 4))


class TestStartingPoints:
    def test_a_word_gets_the_same_row_in_every_sentence(self):
        first = word_vectors(["the", "cat"], 8)
        second = word_vectors(["a", "cat", "the"], 8)
        np.testing.assert_array_equal(first[1], second[1])
        np.testing.assert_array_equal(first[0], second[2])
        assert not np.array_equal(first[0], first[1])

    def test_rows_are_rounded_for_the_editor(self):
        table = word_vectors(["x"], 8, decimals=2)
        np.testing.assert_array_equal(table, np.round(table, 2))

    def test_seeded_weights_follow_the_documented_recipe(self):
        weights = seeded_weights(12, seed=0)
        rng = np.random.default_rng(0)
        for name in ("w_q", "w_k", "w_v"):
            expected = np.round(rng.standard_normal((12, 12)) / math.sqrt(12), 2)
            np.testing.assert_array_equal(weights[name], expected)

    def test_a_word_that_is_not_a_string_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="words as strings"):
            word_vectors(["a", 3], 4)

    def test_a_sentence_splits_into_tokens_words_and_ids(self):
        tokens, words, ids = split_sentence("the cat saw the dog")
        assert tokens == ["the", "cat", "saw", "the", "dog"]
        assert words == ["the", "cat", "saw", "dog"]
        assert ids.tolist() == [0, 1, 2, 0, 3]

    def test_a_blank_sentence_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="at least one word"):
            split_sentence("  ")


def test_step_names_are_the_recorded_steps_in_order():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4))
    w = [rng.standard_normal((4, 4)) for _ in range(3)]
    with_unembed = attention_steps(x, *w, 2, unembed=rng.standard_normal((4, 7)))
    without = attention_steps(x, *w, 2)
    assert tuple(with_unembed) == STEP_NAMES
    assert tuple(without) == STEP_NAMES[:-2]
