"""The hand-written backward of an encoder-decoder's blocks against PyTorch
autograd.

Each block of the PyTorch ``Transformer`` (the same weights, float64) is run
on random inputs with a padded source and a padded target, and
backpropagated from a random output gradient; ``block_backward`` (encoder
blocks) and ``decoder_block_backward`` (decoder blocks) must give the same
gradients of the input, of the memory and of every parameter, to 1e-10
relative and absolute (float64, the same formulas summed in another order;
measured: at most about 1e-14). Then the whole model: the hand-written block
backwards chained from the decoder's last block down to the encoder's first
must reproduce autograd's gradients of every block parameter for a loss on
the logits. A central difference checks the memory's gradient without
PyTorch at all.
"""

import numpy as np
import pytest
import torch

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.backward import block_backward
from neuron.transformer.layers import layer_norm_backward
from neuron.transformer.reference import key_mask
from neuron.transformer.seq2seq import decoder_block_forward
from neuron.transformer.seq2seq_backward import decoder_block_backward

from .conftest import DECODER, F64, noisy_parameters
from .test_encoder_decoder import SEQ2SEQ, B, S, T, inputs, loaded
from .test_encoder_decoder import VARIANTS as ALL_VARIANTS

# Both norm placements (with and without biases) on a model of two layers
# per stack; T = 5 targets against S = 7 sources, so cross-attention is not
# square.
VARIANTS = {
    name: ALL_VARIANTS[name]
    for name in (
        "post-tied-sinusoidal",
        "post-untied-learned",
        "pre-tied-learned",
        "pre-untied-sinusoidal-nobias-embnorm",
    )
}
LAYER = 1


def masks():
    """A right-padded source mask (B, S) and a right-padded target mask (B, T)."""
    _, _, source_mask = inputs(SEQ2SEQ)  # (B, S)
    target_mask = np.ones((B, T), np.int64)  # (B, T)
    target_mask[1, 3:] = 0
    target_mask[2, 4:] = 0
    return source_mask, target_mask


def torch_masks(model, source_mask, target_mask):
    """The boolean masks the PyTorch model's blocks take."""
    source_keys = model._attention_mask(
        torch.from_numpy(source_mask), B, S, False, "source_mask"
    )  # (B, 1, 1, S)
    target_keys = model._attention_mask(
        torch.from_numpy(target_mask), B, T, True
    )  # (B, 1, T, T)
    return source_keys, target_keys


def named_grads(module, prefix):
    return {prefix + n: p.grad.numpy() for n, p in module.named_parameters()}


def assert_close(actual, expected, what, worst):
    """assert_allclose to F64, keeping the largest difference for the
    message: relative to the largest entry, or absolute where every entry is
    below 1. (The key bias's gradient is 0 in exact arithmetic, since adding
    q . b_k to every score of a row leaves its softmax unchanged; both paths
    give rounding noise there, about 1e-17.)"""
    np.testing.assert_allclose(actual, expected, **F64, err_msg=what)
    scale = max(np.abs(expected).max(), 1.0)
    worst[what] = float(np.abs(actual - expected).max() / scale)


# ---- one block at a time -------------------------------------------------------


@pytest.mark.parametrize("name", list(VARIANTS))
def test_an_encoder_block_matches_autograd(name, rng):
    config = VARIANTS[name]
    params = noisy_parameters(config)
    source_mask, _ = masks()
    x = rng.standard_normal((B, S, config.d_model))  # (B, S, C)
    dout = rng.standard_normal(x.shape)  # (B, S, C)

    grads = block_backward(
        config,
        params,
        LAYER,
        x,
        dout,
        stack="encoder.blocks",
        attention_mask=source_mask,
    )

    model = loaded(config, params)
    source_keys, _ = torch_masks(model, source_mask, masks()[1])
    tx = torch.from_numpy(x).requires_grad_(True)
    block = model.encoder.blocks[LAYER]
    block(tx, source_keys).backward(torch.from_numpy(dout))
    expected = named_grads(block, f"encoder.blocks.{LAYER}.")

    worst = {}
    assert_close(grads.dx, tx.grad.numpy(), "dx", worst)
    assert set(grads.params) == set(expected)
    for param, value in expected.items():
        assert_close(grads.params[param], value, param, worst)
    assert max(worst.values()) < 1e-12, worst


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_a_decoder_block_matches_autograd(name, masked, rng):
    config = VARIANTS[name]
    params = noisy_parameters(config)
    source_mask, target_mask = masks() if masked else (None, None)
    x = rng.standard_normal((B, T, config.d_model))  # (B, T, C)
    memory = rng.standard_normal((B, S, config.d_model))  # (B, S, C)
    dout = rng.standard_normal(x.shape)  # (B, T, C)

    grads = decoder_block_backward(
        config,
        params,
        LAYER,
        x,
        memory,
        dout,
        attention_mask=target_mask,
        source_mask=source_mask,
    )

    model = loaded(config, params)
    source_keys, target_keys = None, None
    if masked:
        source_keys, target_keys = torch_masks(model, source_mask, target_mask)
    tx = torch.from_numpy(x).requires_grad_(True)
    tm = torch.from_numpy(memory).requires_grad_(True)
    block = model.decoder.blocks[LAYER]
    block(tx, target_keys, tm, source_keys).backward(torch.from_numpy(dout))
    expected = named_grads(block, f"decoder.blocks.{LAYER}.")

    worst = {}
    assert_close(grads.dx, tx.grad.numpy(), "dx", worst)
    assert_close(grads.dmemory, tm.grad.numpy(), "dmemory", worst)
    assert set(grads.params) == set(expected)
    for param, value in expected.items():
        assert_close(grads.params[param], value, param, worst)
    assert max(worst.values()) < 1e-12, worst
    if masked:
        # A padded source position is no key: nothing flows into it.
        padded = source_mask[:, :, None] == 0  # (B, S, 1)
        assert np.all(np.where(padded, grads.dmemory, 0.0) == 0.0)
        assert np.abs(grads.dmemory[0]).min() > 0.0


def test_the_memory_gradient_matches_central_differences(rng):
    config = VARIANTS["post-tied-sinusoidal"]
    params = noisy_parameters(config)
    source_mask, target_mask = masks()
    x = rng.standard_normal((B, T, config.d_model))  # (B, T, C)
    memory = rng.standard_normal((B, S, config.d_model))  # (B, S, C)
    dout = rng.standard_normal(x.shape)  # (B, T, C)
    grads = decoder_block_backward(
        config,
        params,
        0,
        x,
        memory,
        dout,
        attention_mask=target_mask,
        source_mask=source_mask,
    )
    target_keys = key_mask(target_mask, B, T)  # (B, 1, 1, T)
    source_keys = key_mask(source_mask, B, S, name="source_mask")  # (B, 1, 1, S)

    def loss(m):
        y = decoder_block_forward(
            config,
            params,
            0,
            x,
            m,
            mask=target_keys,
            memory_mask=source_keys,
        )  # (B, T, C)
        return float(np.sum(y * dout))

    h = 1e-6
    for index in [(0, 0, 0), (1, 3, 7), (2, 1, 15)]:
        plus, minus = memory.copy(), memory.copy()
        plus[index] += h
        minus[index] -= h
        numeric = (loss(plus) - loss(minus)) / (2 * h)
        assert grads.dmemory[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


# ---- the whole model ------------------------------------------------------------


def record_block_io(blocks):
    """Forward hooks that keep every block's input and output tensors and
    retain their gradients; returns the list they fill and the handles."""
    seen = []

    def hook(module, args, output):
        args[0].retain_grad()
        output.retain_grad()
        seen.append((args, output))

    return seen, [block.register_forward_hook(hook) for block in blocks]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_chaining_the_block_backwards_through_the_whole_model(name):
    config = VARIANTS[name]
    params = noisy_parameters(config)
    ids, src, _ = inputs(config)
    source_mask, target_mask = masks()
    weights = np.random.default_rng(2).normal(size=(B, T, config.vocab_size))

    # Autograd through the whole model, keeping each block's input and
    # output and their gradients.
    model = loaded(config, params)
    encoder_io, handles = record_block_io(model.encoder.blocks)
    decoder_io, more = record_block_io(model.decoder.blocks)
    z = model(
        torch.from_numpy(ids),
        attention_mask=torch.from_numpy(target_mask),
        source_ids=torch.from_numpy(src),
        source_mask=torch.from_numpy(source_mask),
    )  # (B, T, V)
    for handle in handles + more:
        handle.remove()
    memory = decoder_io[0][0][2]  # (B, S, C), the tensor every decoder block read
    memory.retain_grad()  # any time before the backward will do
    (z * torch.from_numpy(weights)).sum().backward()
    expected = {n: p.grad.numpy() for n, p in model.named_parameters()}

    # The hand-written chain starts from autograd's gradient at the decoder's
    # last block output (the final norm and the logits lie beyond it).
    worst = {}
    d = decoder_io[-1][1].grad.numpy()  # (B, T, C)
    m = memory.detach().numpy()  # (B, S, C)
    dm = np.zeros_like(m)  # (B, S, C)
    grads = {}
    for i in reversed(range(config.layers)):
        x = decoder_io[i][0][0].detach().numpy()  # (B, T, C)
        block = decoder_block_backward(
            config,
            params,
            i,
            x,
            m,
            d,
            attention_mask=target_mask,
            source_mask=source_mask,
        )
        d, grads = block.dx, grads | block.params  # (B, T, C)
        dm = dm + block.dmemory  # (B, S, C)
    assert_close(d, decoder_io[0][0][0].grad.numpy(), "decoder input", worst)
    assert_close(dm, memory.grad.numpy(), "memory", worst)

    # The memory is the encoder's last block output, through the encoder's
    # final norm when pre-LN has one (its hand-written backward too).
    d = dm  # (B, S, C)
    if config.final_norm:
        last = encoder_io[-1][1].detach().numpy()  # (B, S, C)
        weight = params["encoder.final_norm.weight"]  # (C,)
        d, _, _ = layer_norm_backward(d, last, weight, config.layer_norm_eps)
    for i in reversed(range(config.layers)):
        x = encoder_io[i][0][0].detach().numpy()  # (B, S, C)
        block = block_backward(
            config,
            params,
            i,
            x,
            d,
            stack="encoder.blocks",
            attention_mask=source_mask,
        )
        d, grads = block.dx, grads | block.params  # (B, S, C)
    assert_close(d, encoder_io[0][0][0].grad.numpy(), "encoder input", worst)

    # Every block parameter of both stacks, and nothing else.
    blocks = {n for n in expected if ".blocks." in n}
    assert set(grads) == blocks
    for param in sorted(blocks):
        assert_close(grads[param], expected[param], param, worst)
    assert max(worst.values()) < 1e-12, worst


# ---- what it refuses ------------------------------------------------------------


def test_float32_gradients_stay_float32(rng):
    params = noisy_parameters(SEQ2SEQ, dtype=np.float32)
    x = rng.standard_normal((B, T, 16)).astype(np.float32)  # (B, T, C)
    memory = rng.standard_normal((B, S, 16)).astype(np.float32)  # (B, S, C)
    grads = decoder_block_backward(SEQ2SEQ, params, 0, x, memory, np.ones_like(x))
    assert grads.dx.dtype == grads.dmemory.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.params.values())
    encoder = block_backward(SEQ2SEQ, params, 0, memory, memory, stack="encoder.blocks")
    assert all(g.dtype == np.float32 for g in encoder.params.values())


def test_bad_calls_say_what_to_pass(rng):
    params = noisy_parameters(SEQ2SEQ)
    x = rng.standard_normal((B, T, 16))  # (B, T, C)
    memory = rng.standard_normal((B, S, 16))  # (B, S, C)
    with pytest.raises(InvalidArgumentError, match="stack='encoder.blocks'"):
        block_backward(SEQ2SEQ, params, 0, x, x)
    with pytest.raises(InvalidArgumentError, match="decoder_block_backward"):
        block_backward(SEQ2SEQ, params, 0, x, x, stack="decoder.blocks")
    with pytest.raises(InvalidArgumentError, match="stack='blocks'"):
        block_backward(
            DECODER, noisy_parameters(DECODER), 0, x, x, stack="encoder.blocks"
        )
    with pytest.raises(InvalidArgumentError, match=r"layer in \[0, 2\), got 2"):
        block_backward(SEQ2SEQ, params, 2, x, x, stack="encoder.blocks")
    with pytest.raises(InvalidArgumentError, match=r"layer in \[0, 2\), got -1"):
        decoder_block_backward(SEQ2SEQ, params, -1, x, memory, x)
    with pytest.raises(InvalidArgumentError, match="kind 'encoder-decoder'"):
        decoder_block_backward(DECODER, noisy_parameters(DECODER), 0, x, memory, x)
    with pytest.raises(ShapeError, match=r"memory of shape \(3, S, 16\)"):
        decoder_block_backward(SEQ2SEQ, params, 0, x, memory[:2], x)
    with pytest.raises(ShapeError, match="expected x and dout of shape"):
        decoder_block_backward(SEQ2SEQ, params, 0, x, memory, x[:, :3])
    with pytest.raises(ShapeError, match=r"source_mask of shape \(3, 7\)"):
        decoder_block_backward(
            SEQ2SEQ, params, 0, x, memory, x, source_mask=np.ones((B, T))
        )
