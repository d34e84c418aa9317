"""Small configs, parameters in which every number matters, and tolerances
shared by the transformer tests."""

import dataclasses

import numpy as np
import pytest

from neuron.transformer.config import TransformerConfig
from neuron.transformer.parameters import parameter_shapes

# float64 paths differ only in the order of their sums.
F64 = {"rtol": 1e-10, "atol": 1e-10}
# float32 through two blocks of width 16 with unit-scale activations: each
# matmul rounds to about 1e-7 relative, a few dozen of them in a row.
F32 = {"rtol": 1e-5, "atol": 2e-5}

DECODER = TransformerConfig(
    kind="decoder",
    vocab_size=37,
    context=12,
    d_model=16,
    heads=4,
    layers=2,
    d_ff=24,
    activation="gelu_tanh",
    norm="pre",
    tie_embeddings=False,
    final_norm=True,
    dropout=0.0,
)
ENCODER = TransformerConfig(
    kind="encoder",
    vocab_size=37,
    context=12,
    d_model=16,
    heads=4,
    layers=2,
    d_ff=24,
    activation="gelu",
    norm="post",
    tie_embeddings=False,
    type_vocab_size=2,
    embedding_norm=True,
    final_norm=False,
    pooler=True,
    layer_norm_eps=1e-12,
    dropout=0.0,
)

# The variants every path is checked on: both kinds, both norm placements,
# all three activations, tied and untied heads, sinusoidal positions, no
# biases.
VARIANTS = {
    "decoder-pre-gelu_tanh": DECODER,
    "decoder-post-relu": dataclasses.replace(
        DECODER, norm="post", final_norm=False, activation="relu"
    ),
    "decoder-tied-sinusoidal-gelu": dataclasses.replace(
        DECODER, tie_embeddings=True, positional="sinusoidal", activation="gelu"
    ),
    "decoder-nobias": dataclasses.replace(DECODER, bias=False),
    "encoder-post-gelu": ENCODER,
    "encoder-pre-relu": dataclasses.replace(
        ENCODER,
        norm="pre",
        final_norm=True,
        activation="relu",
        type_vocab_size=0,
        embedding_norm=False,
        pooler=False,
    ),
}


def variant(name: str) -> TransformerConfig:
    return VARIANTS[name]


def noisy_parameters(
    config: TransformerConfig, seed: int = 0, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Parameters in which every entry matters: random biases and norm
    parameters (init_parameters' zeros and ones would hide a swapped or
    dropped bias), matrices scaled to keep activations near unit size."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in parameter_shapes(config).items():
        if name.endswith(".bias"):
            value = 0.1 * rng.standard_normal(shape)
        elif len(shape) == 1:
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.startswith("embed."):
            value = rng.standard_normal(shape)
        else:
            value = rng.standard_normal(shape) / np.sqrt(shape[0])
        params[name] = value.astype(dtype)
    return params


def batch(config: TransformerConfig, seed: int = 0, B: int = 3, T: int = 9):
    """Token ids, token types and a right-padded attention mask."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, config.vocab_size, (B, T))
    types = rng.integers(0, max(config.type_vocab_size, 1), (B, T))
    lengths = np.array([T, T - 3, 2, T, 5][:B])
    mask = (np.arange(T) < lengths[:, None]).astype(np.int64)
    return ids, types, mask


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed generator, so every failure reproduces."""
    return np.random.default_rng(0)
