"""The hand-written backward pass of a block against PyTorch autograd.

For each variant, block 1 of the PyTorch ``Transformer`` (the same weights,
float64) is run on a random input and backpropagated from a random output
gradient; ``block_backward`` must give the same gradient for the input and
for every parameter of the block, to 1e-10 (float64, the same formulas
summed in another order). A few central differences check the gradients
without PyTorch at all.
"""

import numpy as np
import pytest
import torch

from neuron.errors import ShapeError
from neuron.transformer.backward import block_backward
from neuron.transformer.model import Transformer
from neuron.transformer.reference import block_forward, key_mask

from .conftest import DECODER, F64, VARIANTS, batch, noisy_parameters

LAYER = 1


def torch_block_gradients(config, params, x, dout, mask):
    """Autograd's gradients of block LAYER, by neuron's parameter names."""
    model = Transformer(config).double()
    model.load_numpy(params)
    B, T, _ = x.shape
    tmask = None
    if mask is not None:
        tmask = model._attention_mask(torch.from_numpy(mask), B, T)
    tx = torch.from_numpy(x).requires_grad_(True)
    block = model.blocks[LAYER]
    block(tx, tmask).backward(torch.from_numpy(dout))
    prefix = f"blocks.{LAYER}."
    grads = {prefix + name: p.grad.numpy() for name, p in block.named_parameters()}
    return tx.grad.numpy(), grads


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("padded", [False, True], ids=["full", "padded"])
def test_block_backward_matches_autograd(name, padded, rng):
    config = VARIANTS[name]
    params = noisy_parameters(config)
    _, _, mask = batch(config)
    mask = mask if padded else None
    x = rng.standard_normal((3, 9, config.d_model))
    dout = rng.standard_normal(x.shape)

    grads = block_backward(config, params, LAYER, x, dout, attention_mask=mask)
    dx, expected = torch_block_gradients(config, params, x, dout, mask)

    np.testing.assert_allclose(grads.dx, dx, **F64)
    assert set(grads.params) == set(expected)
    for param, value in expected.items():
        np.testing.assert_allclose(grads.params[param], value, **F64, err_msg=param)


def test_block_backward_matches_central_differences(rng):
    config = VARIANTS["decoder-post-relu"]
    params = noisy_parameters(config)
    x = rng.standard_normal((2, 5, config.d_model))
    dout = rng.standard_normal(x.shape)
    grads = block_backward(config, params, LAYER, x, dout)

    def loss(x_, params_):
        return np.sum(block_forward(config, params_, LAYER, x_) * dout)

    h = 1e-6
    for index in [(0, 0, 0), (1, 4, 7)]:
        bumped = [x.copy(), x.copy()]
        bumped[0][index] += h
        bumped[1][index] -= h
        numeric = (loss(bumped[0], params) - loss(bumped[1], params)) / (2 * h)
        assert grads.dx[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    for name, index in [("blocks.1.attn.k.weight", (3, 2)), ("blocks.1.norm1.bias", 5)]:
        plus, minus = dict(params), dict(params)
        plus[name], minus[name] = params[name].copy(), params[name].copy()
        plus[name][index] += h
        minus[name][index] -= h
        numeric = (loss(x, plus) - loss(x, minus)) / (2 * h)
        assert grads.params[name][index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_float32_gradients_stay_float32(rng):
    params = noisy_parameters(DECODER, dtype=np.float32)
    x = rng.standard_normal((2, 4, 16)).astype(np.float32)
    grads = block_backward(DECODER, params, 0, x, np.ones_like(x))
    assert grads.dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.params.values())


def test_rejects_a_gradient_of_another_shape(rng):
    params = noisy_parameters(DECODER)
    x = rng.standard_normal((2, 4, 16))
    with pytest.raises(ShapeError, match="expected x and dout of shape"):
        block_backward(DECODER, params, 0, x, x[:, :3])
    assert key_mask(None, 2, 4) is None
