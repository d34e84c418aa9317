"""The training objective and the optimizer: label smoothing against a hand
computation, the weight-decay rule, and clipping by the global norm."""

import dataclasses

import numpy as np
import pytest
import torch

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.model import Transformer
from neuron.transformer.optim import (
    clip_gradients,
    decay_groups,
    language_model_loss,
    make_optimizer,
)

from .conftest import DECODER


def hand_loss(logits: np.ndarray, targets: np.ndarray, epsilon: float) -> float:
    """(1 - eps) * -log p_y + eps * mean_j(-log p_j), averaged over positions,
    in float64 with a stable log-softmax."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    per_position = -(1 - epsilon) * picked - epsilon * log_p.mean(axis=-1)
    return float(per_position.mean())


class TestLoss:
    @pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5])
    def test_label_smoothing_matches_the_hand_computation(self, rng, epsilon):
        logits = rng.standard_normal((2, 3, 7)) * 3
        targets = rng.integers(0, 7, (2, 3))
        got = language_model_loss(
            torch.from_numpy(logits).float(), torch.from_numpy(targets), epsilon
        )
        assert float(got) == pytest.approx(hand_loss(logits, targets, epsilon), 1e-6)

    def test_uniform_logits_cost_log_v_whatever_the_smoothing(self):
        logits = torch.zeros(1, 4, 10)
        targets = torch.tensor([[0, 3, 9, 2]])
        for epsilon in (0.0, 0.3):
            loss = language_model_loss(logits, targets, epsilon)
            assert float(loss) == pytest.approx(np.log(10))

    def test_bfloat16_logits_are_summed_in_float32(self, rng):
        logits = torch.from_numpy(rng.standard_normal((1, 5, 11))).bfloat16()
        loss = language_model_loss(logits, torch.zeros(1, 5, dtype=torch.long))
        assert loss.dtype == torch.float32

    def test_mismatched_shapes_say_what_targets_are(self):
        with pytest.raises(ShapeError, match="shifted left by one"):
            language_model_loss(torch.zeros(2, 4, 5), torch.zeros(2, 3).long())

    def test_smoothing_of_one_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="label_smoothing < 1"):
            language_model_loss(torch.zeros(1, 1, 2), torch.zeros(1, 1).long(), 1.0)


class TestWeightDecay:
    def test_matrices_decay_and_biases_norms_embeddings_do_not(self):
        decayed, kept = decay_groups(Transformer(DECODER), 0.1)
        assert decayed["weight_decay"] == 0.1 and kept["weight_decay"] == 0.0
        assert "blocks.0.attn.q.weight" in decayed["names"]
        assert "blocks.1.ff.down.weight" in decayed["names"]
        assert "head.weight" in decayed["names"]  # DECODER's head is untied
        for name in ("embed.tokens", "embed.positions", "blocks.0.attn.q.bias"):
            assert name in kept["names"]
        assert "blocks.0.norm1.weight" in kept["names"]
        assert "final_norm.weight" in kept["names"]

    def test_every_parameter_is_in_exactly_one_group(self):
        model = Transformer(dataclasses.replace(DECODER, tie_embeddings=True))
        decayed, kept = decay_groups(model, 0.1)
        names = decayed["names"] + kept["names"]
        assert sorted(names) == sorted(name for name, _ in model.named_parameters())
        assert "embed.tokens" in kept["names"]  # the tied head is the embedding

    def test_make_optimizer_is_adamw_over_the_two_groups(self):
        optimizer = make_optimizer(Transformer(DECODER), lr=1e-3, weight_decay=0.05)
        assert isinstance(optimizer, torch.optim.AdamW)
        assert [g["weight_decay"] for g in optimizer.param_groups] == [0.05, 0.0]

    def test_negative_decay_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="weight_decay >= 0"):
            make_optimizer(Transformer(DECODER), lr=1e-3, weight_decay=-1.0)


class TestClipping:
    def parameters(self):
        a = torch.nn.Parameter(torch.zeros(2))
        b = torch.nn.Parameter(torch.zeros(1))
        a.grad = torch.tensor([3.0, 4.0])
        b.grad = torch.tensor([12.0])
        return a, b  # global norm sqrt(9 + 16 + 144) = 13

    def test_reports_the_norm_before_clipping_and_scales_to_the_limit(self):
        a, b = self.parameters()
        assert clip_gradients([a, b], 1.0) == pytest.approx(13.0)
        torch.testing.assert_close(a.grad, torch.tensor([3.0, 4.0]) / 13)
        torch.testing.assert_close(b.grad, torch.tensor([12.0]) / 13)
        after = torch.cat([a.grad, b.grad]).norm()
        assert float(after) == pytest.approx(1.0, rel=1e-5)

    @pytest.mark.parametrize("limit", [None, 0, 100.0])
    def test_no_limit_or_a_high_one_leaves_gradients_alone(self, limit):
        a, b = self.parameters()
        assert clip_gradients([a, b], limit) == pytest.approx(13.0)
        assert torch.equal(a.grad, torch.tensor([3.0, 4.0]))
        assert torch.equal(b.grad, torch.tensor([12.0]))
