"""Parameter names and shapes, GPT-2's initialisation, and the checks."""

import dataclasses

import numpy as np
import pytest

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.parameters import (
    check_parameters,
    init_parameters,
    parameter_shapes,
)

from .conftest import DECODER, ENCODER


class TestParameters:
    @pytest.mark.parametrize(
        "config",
        [
            TransformerConfig.gpt2_small(),
            TransformerConfig.bert_base(),
            TransformerConfig.minilm_l6(),
        ],
        ids=["gpt2", "bert", "minilm"],
    )
    def test_count_matches_the_config_accounting(self, config):
        shapes = parameter_shapes(config)
        assert sum(int(np.prod(shape)) for shape in shapes.values()) == (
            config.parameter_count()
        )

    def test_names_follow_the_config(self):
        names = set(parameter_shapes(DECODER))
        assert {"embed.positions", "head.weight", "final_norm.bias"} <= names
        assert not names & {"embed.types", "embed.norm.weight", "pooler.weight"}
        tied = parameter_shapes(dataclasses.replace(DECODER, tie_embeddings=True))
        assert "head.weight" not in tied
        sinusoidal = dataclasses.replace(DECODER, positional="sinusoidal")
        assert "embed.positions" not in parameter_shapes(sinusoidal)
        no_bias = parameter_shapes(dataclasses.replace(DECODER, bias=False))
        assert not [name for name in no_bias if name.endswith(".bias")]
        encoder = parameter_shapes(ENCODER)
        assert encoder["embed.types"] == (2, 16)
        assert encoder["pooler.weight"] == (16, 16)
        assert encoder["blocks.1.ff.up.weight"] == (16, 24)
        assert encoder["blocks.1.ff.down.weight"] == (24, 16)

    def test_init_is_gpt2s(self):
        config = dataclasses.replace(DECODER, d_model=64, d_ff=256, vocab_size=500)
        params = init_parameters(config, seed=3)
        again = init_parameters(config, seed=3)
        assert all(np.array_equal(params[n], again[n]) for n in params)
        assert all(p.dtype == np.float32 for p in params.values())
        assert params["embed.tokens"].std() == pytest.approx(0.02, rel=0.05)
        residual = params["blocks.0.ff.down.weight"].std()
        assert residual == pytest.approx(0.02 / np.sqrt(2 * config.layers), rel=0.05)
        assert not params["blocks.1.attn.q.bias"].any()
        assert (params["blocks.1.norm2.weight"] == 1).all()
        assert init_parameters(config, dtype=np.float64)["head.weight"].dtype == (
            np.float64
        )

    def test_check_names_the_problem(self):
        params = init_parameters(DECODER)
        del params["blocks.0.attn.k.bias"]
        with pytest.raises(InvalidArgumentError, match="1 missing"):
            check_parameters(DECODER, params)
        params = init_parameters(DECODER)
        params["blocks.0.attn.k.weight"] = params["blocks.0.attn.k.weight"][:, :8]
        with pytest.raises(ShapeError, match="blocks.0.attn.k.weight of shape"):
            check_parameters(DECODER, params)
        params = init_parameters(DECODER)
        params["head.weight"] = params["head.weight"].astype(np.float64)
        with pytest.raises(DTypeError, match="head.weight of dtype float32"):
            check_parameters(DECODER, params)
