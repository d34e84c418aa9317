"""The NumPy transformer: parameters, the traced forward pass, masks, errors.

Its values are checked against PyTorch in test_model.py and against Hugging
Face's BERT and GPT-2 in test_pretrained.py; here are the properties that
need no other implementation: the trace's steps and their consistency,
causality, padding, and the errors.
"""

import dataclasses

import numpy as np
import pytest

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.softmax.reference import softmax
from neuron.transformer.reference import forward, key_mask, pool

from .conftest import DECODER, ENCODER, VARIANTS, batch, noisy_parameters

PRE_BLOCK = [
    "norm1",
    "attn.q",
    "attn.k",
    "attn.v",
    "attn.q_heads",
    "attn.k_heads",
    "attn.v_heads",
    "attn.scores",
    "attn.scaled",
    "attn.masked",
    "attn.probs",
    "attn.weighted",
    "attn.joined",
    "attn.out",
    "attn.residual",
    "norm2",
    "ff.up",
    "ff.act",
    "ff.down",
    "ff.residual",
]
POST_BLOCK = [
    *PRE_BLOCK[1:15],
    "norm1",
    "ff.up",
    "ff.act",
    "ff.down",
    "ff.residual",
    "norm2",
]


class TestTrace:
    def test_decoder_steps_in_order(self):
        params = noisy_parameters(DECODER)
        ids, _, _ = batch(DECODER)
        _, trace = forward(DECODER, params, ids, trace=True)
        blocks = [f"blocks.{i}.{step}" for i in range(2) for step in PRE_BLOCK]
        assert trace.names() == [
            "tokens",
            "embed.tokens",
            "embed.positions",
            "embed.sum",
            *blocks,
            "final_norm",
            "logits",
            "probs",
        ]

    def test_encoder_steps_in_order(self):
        params = noisy_parameters(ENCODER)
        ids, types, mask = batch(ENCODER)
        _, trace = forward(
            ENCODER, params, ids, token_types=types, attention_mask=mask, trace=True
        )
        blocks = [f"blocks.{i}.{step}" for i in range(2) for step in POST_BLOCK]
        assert trace.names() == [
            "tokens",
            "embed.tokens",
            "embed.positions",
            "embed.types",
            "embed.sum",
            "embed.norm",
            *blocks,
            "pooler",
        ]

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_steps_agree_with_each_other(self, name):
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, types, mask = batch(config)
        B, T = ids.shape
        out, trace = forward(config, params, ids, attention_mask=mask, trace=True)
        plain = forward(config, params, ids, attention_mask=mask)
        np.testing.assert_array_equal(out, plain)

        # Shapes, equations, and parameters that exist.
        C, H, D = config.d_model, config.heads, config.head_dim
        for step in trace:
            assert step.equation and step.shape == step.value.shape
            assert set(step.parameters) <= set(params), step.name
        assert trace["blocks.0.attn.q"].shape == (B, T, C)
        assert trace["blocks.0.attn.q_heads"].shape == (B, H, T, D)
        assert trace["blocks.1.attn.probs"].shape == (B, H, T, T)
        assert trace["blocks.1.ff.act"].shape == (B, T, config.d_ff)

        # The probabilities are the softmax of the masked scores, which are
        # the scaled scores (or -inf).
        at = "blocks.1.attn"
        scaled, masked = trace[f"{at}.scaled"].value, trace[f"{at}.masked"].value
        np.testing.assert_allclose(
            scaled, trace[f"{at}.scores"].value / np.sqrt(D), rtol=1e-14
        )
        visible = np.isfinite(masked)
        np.testing.assert_array_equal(masked[visible], scaled[visible])
        np.testing.assert_allclose(
            trace[f"{at}.probs"].value, softmax(masked), rtol=1e-12, atol=1e-15
        )

        # The output is the last step before the probabilities.
        if config.kind == "decoder":
            np.testing.assert_array_equal(trace["logits"].value, out)
            np.testing.assert_allclose(trace["probs"].value.sum(-1), 1, rtol=1e-12)
        else:
            last = "final_norm" if config.final_norm else "blocks.1.norm2"
            np.testing.assert_array_equal(trace[last].value, out)

    def test_steps_hold_views_not_copies(self):
        params = noisy_parameters(DECODER)
        _, trace = forward(DECODER, params, batch(DECODER)[0], trace=True)
        q, heads = trace["blocks.0.attn.q"].value, trace["blocks.0.attn.q_heads"].value
        assert np.shares_memory(q, heads)
        assert trace["embed.positions"].value.base is params["embed.positions"]

    def test_steps_name_their_parameters(self):
        params = noisy_parameters(ENCODER)
        _, trace = forward(ENCODER, params, batch(ENCODER)[0], trace=True)
        assert trace["blocks.0.attn.k"].parameters == (
            "blocks.0.attn.k.weight",
            "blocks.0.attn.k.bias",
        )
        assert trace["embed.types"].parameters == ("embed.types",)
        assert trace["blocks.0.attn.scores"].equation == "S = Q_h K_h^T"
        assert trace["blocks.0.attn.scores"].parameters == ()

    def test_an_unmasked_encoder_shows_the_scores_unchanged(self):
        params = noisy_parameters(ENCODER)
        _, trace = forward(ENCODER, params, batch(ENCODER)[0], trace=True)
        step = trace["blocks.0.attn.masked"]
        assert step.value is trace["blocks.0.attn.scaled"].value
        assert "unchanged" in step.equation


class TestForward:
    def test_decoder_is_causal(self):
        params = noisy_parameters(DECODER)
        ids, _, _ = batch(DECODER)
        changed = ids.copy()
        changed[:, 5] = (changed[:, 5] + 1) % DECODER.vocab_size
        before, after = forward(DECODER, params, ids), forward(DECODER, params, changed)
        np.testing.assert_array_equal(before[:, :5], after[:, :5])
        assert not np.allclose(before[:, 5:], after[:, 5:])

    def test_encoder_sees_both_ways(self):
        params = noisy_parameters(ENCODER)
        ids, _, _ = batch(ENCODER)
        changed = ids.copy()
        changed[:, 5] = (changed[:, 5] + 1) % ENCODER.vocab_size
        before, after = forward(ENCODER, params, ids), forward(ENCODER, params, changed)
        assert not np.allclose(before[:, :5], after[:, :5])

    @pytest.mark.parametrize("config", [DECODER, ENCODER], ids=["decoder", "encoder"])
    def test_padding_leaves_the_real_tokens_alone(self, config):
        params = noisy_parameters(config)
        ids, types, mask = batch(config)
        if not config.type_vocab_size:
            types = None
        padded = forward(config, params, ids, token_types=types, attention_mask=mask)
        for b, length in enumerate(mask.sum(1)):
            alone_types = None if types is None else types[b : b + 1, :length]
            alone = forward(
                config, params, ids[b : b + 1, :length], token_types=alone_types
            )
            np.testing.assert_allclose(padded[b, :length], alone[0], rtol=1e-12)

    def test_token_types_count(self):
        params = noisy_parameters(ENCODER)
        ids, types, _ = batch(ENCODER)
        zeros = forward(ENCODER, params, ids)
        np.testing.assert_array_equal(
            zeros, forward(ENCODER, params, ids, token_types=np.zeros_like(ids))
        )
        assert not np.allclose(zeros, forward(ENCODER, params, ids, token_types=types))

    def test_tied_logits_score_against_the_token_table(self):
        config = VARIANTS["decoder-tied-sinusoidal-gelu"]
        params = noisy_parameters(config)
        z, trace = forward(config, params, batch(config)[0], trace=True)
        np.testing.assert_allclose(
            z, trace["final_norm"].value @ params["embed.tokens"].T, rtol=1e-14
        )
        assert trace["logits"].parameters == ("embed.tokens",)

    def test_float32_in_float32_out(self):
        params = noisy_parameters(DECODER, dtype=np.float32)
        z64 = forward(DECODER, noisy_parameters(DECODER), batch(DECODER)[0])
        z = forward(DECODER, params, batch(DECODER)[0])
        assert z.dtype == np.float32
        np.testing.assert_allclose(z, z64, rtol=1e-4, atol=1e-4)

    def test_pool_is_tanh_of_the_first_position(self):
        params = noisy_parameters(ENCODER)
        x, trace = forward(ENCODER, params, batch(ENCODER)[0], trace=True)
        expected = np.tanh(x[:, 0] @ params["pooler.weight"] + params["pooler.bias"])
        np.testing.assert_allclose(pool(ENCODER, params, x), expected, rtol=1e-14)
        np.testing.assert_array_equal(trace["pooler"].value, pool(ENCODER, params, x))


class TestErrors:
    def test_ids_must_be_integers_in_the_vocabulary(self):
        params = noisy_parameters(DECODER)
        with pytest.raises(DTypeError, match="integer dtype"):
            forward(DECODER, params, np.zeros((1, 3)))
        with pytest.raises(InvalidArgumentError, match=r"in \[0, 37\), got 37"):
            forward(DECODER, params, np.array([[1, 37]]))
        with pytest.raises(ShapeError, match=r"ids\[None\]"):
            forward(DECODER, params, np.array([1, 2]))

    def test_no_more_positions_than_the_context(self):
        params = noisy_parameters(DECODER)
        with pytest.raises(ShapeError, match="at most context = 12"):
            forward(DECODER, params, np.zeros((1, 13), np.int64))

    def test_mask_and_types_must_match_the_ids(self):
        params = noisy_parameters(ENCODER)
        ids = np.zeros((2, 4), np.int64)
        with pytest.raises(ShapeError, match="attention_mask of shape"):
            forward(ENCODER, params, ids, attention_mask=np.ones((2, 5)))
        with pytest.raises(InvalidArgumentError, match=r"token_types in \[0, 2\)"):
            forward(ENCODER, params, ids, token_types=np.full((2, 4), 2))
        assert key_mask(np.array([[1, 0]]), 1, 2).shape == (1, 1, 1, 2)
        with pytest.raises(InvalidArgumentError, match="token_types=None"):
            forward(DECODER, noisy_parameters(DECODER), ids, token_types=ids)

    def test_encoder_decoder_needs_its_source(self):
        config = dataclasses.replace(DECODER, kind="encoder-decoder")
        with pytest.raises(InvalidArgumentError, match="source_ids"):
            forward(config, noisy_parameters(config), np.zeros((1, 3), np.int64))
