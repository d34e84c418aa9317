"""Property tests of the paper's claims on the project's own code."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuron.attention.reference import attention_forward
from neuron.paper.model_size import weights
from neuron.paper.positions import offset_matrix
from neuron.paper.training import smoothed_loss
from neuron.transformer.config import TransformerConfig
from neuron.transformer.layers import sinusoidal_positions
from neuron.transformer.schedule import paper_lr

seeds = st.integers(0, 2**32 - 1)


class TestAttention:
    @given(seeds, st.integers(1, 6), st.integers(1, 6), st.integers(1, 8))
    @settings(max_examples=40, deadline=None)
    def test_rows_sum_to_one(self, seed, T, S, D):
        rng = np.random.default_rng(seed)
        q, k = rng.normal(size=(T, D)) * 5, rng.normal(size=(S, D)) * 5
        p = attention_forward(q, k, rng.normal(size=(S, 3))).probs
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)

    @given(seeds, st.floats(-1e3, 1e3))
    @settings(max_examples=40, deadline=None)
    def test_adding_a_constant_to_every_score_row_changes_nothing(self, seed, c):
        rng = np.random.default_rng(seed)
        q, k, v = (rng.normal(size=(4, 8)) for _ in "qkv")
        row_shift = c + rng.normal(size=(4, 1)) * 100  # (T, 1)
        plain = attention_forward(q, k, v)
        shifted = attention_forward(q, k, v, mask=row_shift)
        np.testing.assert_allclose(shifted.probs, plain.probs, atol=1e-12)
        np.testing.assert_allclose(shifted.out, plain.out, atol=1e-11)


class TestSchedule:
    @given(st.integers(1, 4096), st.integers(1, 5000))
    @settings(max_examples=40, deadline=None)
    def test_peaks_at_the_warmup_step_with_value_d_w_to_the_minus_half(
        self, d_model, warmup
    ):
        peak = paper_lr(warmup, d_model, warmup)
        assert math.isclose(peak, (d_model * warmup) ** -0.5, rel_tol=1e-12)
        for step in (1, max(1, warmup - 1), warmup + 1, 3 * warmup):
            assert paper_lr(step, d_model, warmup) <= peak


class TestPositions:
    @given(st.integers(0, 3000), st.integers(-500, 500), st.sampled_from([2, 8, 64]))
    @settings(max_examples=60, deadline=None)
    def test_an_offset_is_a_linear_map_of_the_encoding(self, pos, k, C):
        if pos + k < 0:
            k = -pos
        P = sinusoidal_positions(max(pos, pos + k) + 1, C)
        np.testing.assert_allclose(offset_matrix(k, C) @ P[pos], P[pos + k], atol=1e-9)


class TestLabelSmoothing:
    @given(seeds, st.floats(0.0, 0.9), st.integers(2, 20))
    @settings(max_examples=25, deadline=None)
    def test_model_loss_is_the_smoothed_cross_entropy(self, seed, eps, V):
        torch = pytest.importorskip("torch")
        from neuron.transformer.optim import language_model_loss

        rng = np.random.default_rng(seed)
        logits = rng.normal(size=(2, 3, V)) * 3  # (B, T, V)
        targets = rng.integers(0, V, size=(2, 3))  # (B, T)
        log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        ce = -np.take_along_axis(log_p, targets[..., None], -1).mean()
        uniform = -log_p.mean()
        want = (1 - eps) * ce + eps * uniform
        got = language_model_loss(
            torch.from_numpy(logits), torch.from_numpy(targets), eps
        )
        assert math.isclose(float(got), want, rel_tol=1e-5)
        assert math.isclose(smoothed_loss(logits, targets, eps), want, rel_tol=1e-12)


class TestParameterCounts:
    @pytest.mark.parametrize(
        ("config", "expected"),
        [
            (TransformerConfig.transformer_base(), 63_082_496),
            (TransformerConfig.transformer_big(), 214_245_376),
        ],
    )
    def test_weight_by_weight_count_equals_the_config(self, config, expected):
        total = sum(math.prod(shape) for shape in weights(config).values())
        assert total == config.parameter_count() == expected
