"""The PyTorch Transformer against the NumPy reference, and its two
attention paths against each other.

Given the same parameters (moved across with ``load_numpy``), the model's
output must equal ``reference.forward``'s: to 1e-10 in float64 and to
rtol 1e-5 / atol 2e-5 in float32 (see conftest.F32), for decoders and
encoders, pre- and post-LN, every activation, with padding. The engine's
attention must give the torch path's outputs and gradients to 1e-10 in
float64 and 2e-5 in float32. Gradients of a block against the hand-written
backward pass are in test_backward.py.
"""

import dataclasses

import numpy as np
import pytest
import torch

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer import reference
from neuron.transformer.model import Transformer
from neuron.transformer.parameters import parameter_shapes

from .conftest import DECODER, ENCODER, F32, F64, VARIANTS, batch, noisy_parameters


def loaded(config, params, attention="torch"):
    model = Transformer(config, attention=attention)
    model = model.double() if params["embed.tokens"].dtype == np.float64 else model
    model.load_numpy(params)
    return model.eval()


def run(model, config, ids, types, mask):
    types = torch.from_numpy(types) if config.type_vocab_size else None
    mask = None if mask is None else torch.from_numpy(mask)
    return model(torch.from_numpy(ids), token_types=types, attention_mask=mask)


class TestParameters:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_names_shapes_and_order_are_the_references(self, name):
        config = VARIANTS[name]
        model = Transformer(config)
        expected = list(parameter_shapes(config).items())
        state = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
        named = [(k, tuple(p.shape)) for k, p in model.named_parameters()]
        assert state == expected and named == expected

    def test_numpy_round_trip(self):
        params = noisy_parameters(ENCODER, dtype=np.float32)
        model = Transformer(ENCODER)
        model.load_numpy(params)
        back = model.numpy_parameters()
        assert all(np.array_equal(back[name], params[name]) for name in params)
        np.testing.assert_array_equal(
            model.blocks[0].attn.q.weight.detach().numpy(),
            params["blocks.0.attn.q.weight"],
        )

    def test_load_names_the_problem(self):
        params = noisy_parameters(DECODER)
        del params["final_norm.bias"]
        with pytest.raises(InvalidArgumentError, match=r"1 missing \(final_norm.bias"):
            Transformer(DECODER).load_numpy(params)
        params = noisy_parameters(DECODER)
        params["head.weight"] = params["head.weight"].T
        with pytest.raises(ShapeError, match="head.weight of shape"):
            Transformer(DECODER).load_numpy(params)

    def test_init_is_gpt2s(self):
        torch.manual_seed(0)
        config = dataclasses.replace(DECODER, d_model=64, d_ff=256, vocab_size=500)
        model = Transformer(config)
        assert model.embed.tokens.std().item() == pytest.approx(0.02, rel=0.05)
        down = model.blocks[0].ff.down.weight.std().item()
        assert down == pytest.approx(0.02 / 2, rel=0.05)
        assert not model.blocks[1].attn.v.bias.any()
        assert (model.final_norm.weight == 1).all()


class TestAgainstReference:
    @pytest.mark.parametrize("name", list(VARIANTS))
    @pytest.mark.parametrize(
        "dtype, tol",
        [(np.float64, F64), (np.float32, F32)],
        ids=["float64", "float32"],
    )
    def test_same_weights_same_output(self, name, dtype, tol):
        config = VARIANTS[name]
        params = noisy_parameters(config, dtype=dtype)
        ids, types, mask = batch(config)
        with torch.no_grad():
            got = run(loaded(config, params), config, ids, types, mask).numpy()
        expected = reference.forward(
            config,
            params,
            ids,
            token_types=types if config.type_vocab_size else None,
            attention_mask=mask,
        )
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, **tol)

    def test_pool(self):
        params = noisy_parameters(ENCODER)
        ids, types, mask = batch(ENCODER)
        model = loaded(ENCODER, params)
        with torch.no_grad():
            pooled = model.pool(run(model, ENCODER, ids, types, mask)).numpy()
        x = reference.forward(
            ENCODER, params, ids, token_types=types, attention_mask=mask
        )
        np.testing.assert_allclose(pooled, reference.pool(ENCODER, params, x), **F64)


class TestEngineAttention:
    @pytest.mark.parametrize("config", [DECODER, ENCODER], ids=["decoder", "encoder"])
    @pytest.mark.parametrize(
        "dtype, tol",
        [(np.float64, F64), (np.float32, F32)],
        ids=["float64", "float32"],
    )
    def test_matches_the_torch_path_with_gradients(self, config, dtype, tol):
        params = noisy_parameters(config, dtype=dtype)
        ids, types, _ = batch(config)
        results = []
        for path in ("torch", "engine"):
            model = loaded(config, params, attention=path)
            out = run(model, config, ids, types, None)
            torch.manual_seed(0)
            out.backward(torch.randn_like(out))
            grads = {
                n: p.grad.numpy()
                for n, p in model.named_parameters()
                if not n.startswith("pooler.")  # unused by forward
            }
            results.append((out.detach().numpy(), grads))
        (torch_out, torch_grads), (engine_out, engine_grads) = results
        np.testing.assert_allclose(engine_out, torch_out, **tol)
        for name, grad in torch_grads.items():
            np.testing.assert_allclose(engine_grads[name], grad, **tol, err_msg=name)

    def test_a_padding_mask_falls_back_to_torch(self):
        params = noisy_parameters(ENCODER)
        ids, types, mask = batch(ENCODER)
        model = loaded(ENCODER, params, attention="engine")
        with torch.no_grad():
            engine = run(model, ENCODER, ids, types, mask)
            model.attention = "torch"
            plain = run(model, ENCODER, ids, types, mask)
        torch.testing.assert_close(engine, plain, rtol=0, atol=0)

    def test_the_path_can_be_switched(self):
        model = Transformer(DECODER)
        assert model.attention == "torch"
        model.attention = "engine"
        assert all(block.attn.path == "engine" for block in model.blocks)
        with pytest.raises(InvalidArgumentError, match="got 'flash'"):
            model.attention = "flash"
        with pytest.raises(InvalidArgumentError, match="got 'flash'"):
            Transformer(DECODER, attention="flash")


class TestBehaviour:
    def test_dropout_only_in_training(self):
        config = dataclasses.replace(DECODER, dropout=0.5)
        model = Transformer(config)
        ids = torch.from_numpy(batch(config)[0])
        with torch.no_grad():
            assert not torch.equal(model.train()(ids), model(ids))
            assert torch.equal(model.eval()(ids), model(ids))

    def test_rejects_inputs_that_do_not_fit(self):
        model = Transformer(DECODER)
        ids = torch.zeros(2, 4, dtype=torch.long)
        with pytest.raises(ShapeError, match="at most context = 12"):
            model(torch.zeros(1, 13, dtype=torch.long))
        with pytest.raises(ShapeError, match=r"ids\[None\]"):
            model(torch.zeros(4, dtype=torch.long))
        with pytest.raises(DTypeError, match="integer dtype"):
            model(torch.zeros(2, 4))
        with pytest.raises(ShapeError, match="attention_mask of shape"):
            model(ids, attention_mask=torch.ones(2, 5))
        with pytest.raises(InvalidArgumentError, match="token_types=None"):
            model(ids, token_types=ids)
        with pytest.raises(InvalidArgumentError, match="source_ids"):
            Transformer(dataclasses.replace(DECODER, kind="encoder-decoder"))(ids)
