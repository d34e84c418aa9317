"""The encoder-decoder of "Attention Is All You Need": its parameters, the
NumPy reference (``reference.forward`` -> ``seq2seq``) and the PyTorch
``Transformer`` checked against each other.

Tolerances: logits to 1e-10 in float64 (the two paths differ only in the
order of their sums) and to rtol = atol = 1e-5 in float32 (two stacks of two
blocks of width 16, unit-scale activations); autograd's gradients against
central finite differences of the reference in float64 to a relative 1e-6
(step 1e-5: truncation error about 1e-10, rounding about 1e-11 of the loss).
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch

from neuron.errors import DTypeError, InvalidArgumentError, NeuronError, ShapeError
from neuron.transformer import reference
from neuron.transformer.config import TransformerConfig
from neuron.transformer.model import Transformer
from neuron.transformer.parameters import (
    check_parameters,
    init_parameters,
    init_std,
    parameter_shapes,
)

from .conftest import DECODER, F64, noisy_parameters

F32_TIGHT = {"rtol": 1e-5, "atol": 1e-5}

# The paper's model, tiny: post-LN, sinusoidal, one shared token table, ReLU.
SEQ2SEQ = TransformerConfig(
    kind="encoder-decoder",
    vocab_size=23,
    context=12,
    d_model=16,
    heads=2,
    layers=2,
    d_ff=24,
    activation="relu",
    norm="post",
    positional="sinusoidal",
    tie_embeddings=True,
    final_norm=False,
    layer_norm_eps=1e-6,
)

# Both norm placements, both kinds of positions, tied and untied tables,
# with and without biases and embedding norms.
VARIANTS = {
    "post-tied-sinusoidal": SEQ2SEQ,
    "post-untied-learned": dataclasses.replace(
        SEQ2SEQ, positional="learned", tie_embeddings=False, activation="gelu"
    ),
    "pre-tied-learned": dataclasses.replace(
        SEQ2SEQ, norm="pre", final_norm=True, positional="learned"
    ),
    "pre-untied-sinusoidal-nobias-embnorm": dataclasses.replace(
        SEQ2SEQ,
        norm="pre",
        final_norm=True,
        tie_embeddings=False,
        bias=False,
        embedding_norm=True,
        activation="gelu_tanh",
    ),
}

B, S, T = 3, 7, 5


def inputs(config, seed=0):
    """Target ids (B, T), source ids (B, S) and a right-padded source mask."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, config.vocab_size, (B, T))  # (B, T)
    src = rng.integers(0, config.vocab_size, (B, S))  # (B, S)
    lengths = np.array([S, 4, 2])
    source_mask = (np.arange(S) < lengths[:, None]).astype(np.int64)  # (B, S)
    return ids, src, source_mask


def loaded(config, params, attention="torch"):
    model = Transformer(config, attention=attention)
    model = model.double() if params["embed.tokens"].dtype == np.float64 else model
    model.load_numpy(params)
    return model.eval()


def torch_logits(model, ids, src, source_mask, attention_mask=None):
    return model(
        torch.from_numpy(ids),
        attention_mask=None
        if attention_mask is None
        else torch.from_numpy(attention_mask),
        source_ids=torch.from_numpy(src),
        source_mask=None if source_mask is None else torch.from_numpy(source_mask),
    )


def total(shapes) -> int:
    return sum(math.prod(shape) for shape in shapes.values())


# ---- parameters --------------------------------------------------------------


class TestParameters:
    @pytest.mark.parametrize("preset", ["transformer_base", "transformer_big"])
    def test_the_presets_add_up(self, preset):
        config = getattr(TransformerConfig, preset)()
        shapes = parameter_shapes(config)
        assert total(shapes) == config.parameter_count()
        assert shapes["decoder.blocks.5.cross.k.weight"] == (config.d_model,) * 2
        assert "embed.source_tokens" not in shapes and "head.weight" not in shapes

    def test_every_variation_adds_up(self):
        rng = np.random.default_rng(0)
        flags = itertools.product(
            [("pre", True), ("pre", False), ("post", False)],
            ["learned", "sinusoidal"],
            [True, False],  # bias
            [True, False],  # tie_embeddings
            [True, False],  # embedding_norm
        )
        for (norm, final), positional, bias, tie, embedding_norm in flags:
            heads = int(rng.integers(1, 5))
            config = TransformerConfig(
                kind="encoder-decoder",
                vocab_size=int(rng.integers(5, 500)),
                context=int(rng.integers(1, 300)),
                d_model=2 * heads * int(rng.integers(1, 9)),
                heads=heads,
                layers=int(rng.integers(1, 5)),
                d_ff=int(rng.integers(1, 100)),
                norm=norm,
                final_norm=final,
                positional=positional,
                bias=bias,
                tie_embeddings=tie,
                embedding_norm=embedding_norm,
            )
            shapes = parameter_shapes(config)
            assert total(shapes) == config.parameter_count(), config
            counts = config.parameters()
            cross = {n: s for n, s in shapes.items() if ".cross." in n}
            assert total(cross) == counts["cross_attention"], config
            tables = {n: s for n, s in shapes.items() if "tokens" in n}
            assert total(tables) == counts["token_embedding"], config

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_init_makes_them_and_the_model_holds_them(self, name):
        config = VARIANTS[name]
        params = init_parameters(config, dtype=np.float64)
        assert check_parameters(config, params) == np.float64
        expected = list(parameter_shapes(config).items())
        assert [(n, v.shape) for n, v in params.items()] == expected
        state = [
            (k, tuple(v.shape)) for k, v in Transformer(config).state_dict().items()
        ]
        assert state == expected

    def test_the_names(self):
        untied = parameter_shapes(VARIANTS["post-untied-learned"])
        for name in (
            "encoder.blocks.0.attn.out.weight",
            "encoder.blocks.1.norm2.bias",
            "decoder.blocks.1.cross.v.bias",
            "decoder.blocks.0.norm3.weight",
        ):
            assert name in untied, name
        assert untied["embed.tokens"] == untied["embed.source_tokens"] == (23, 16)
        assert untied["encoder.embed.positions"] == (12, 16)
        assert untied["decoder.embed.positions"] == (12, 16)
        assert untied["head.weight"] == (16, 23)
        assert "encoder.blocks.0.norm3.weight" not in untied

    def test_residual_writers_are_scaled_by_their_stacks_depth(self):
        config = dataclasses.replace(SEQ2SEQ, d_model=64, heads=4, d_ff=256)
        params = init_parameters(config, seed=1, dtype=np.float64)
        assert init_std(config, "encoder.blocks.0.attn.out.weight") == 0.02 / 2
        assert init_std(config, "decoder.blocks.0.ff.down.weight") == 0.02 / math.sqrt(
            6
        )
        assert init_std(
            config, "decoder.blocks.0.cross.out.weight"
        ) == 0.02 / math.sqrt(6)
        assert init_std(config, "decoder.blocks.0.cross.q.weight") == 0.02
        cross_out = params["decoder.blocks.1.cross.out.weight"].std()
        assert cross_out == pytest.approx(0.02 / math.sqrt(6), rel=0.05)
        model = Transformer(config)
        assert model.decoder.blocks[1].cross.out.weight.std().item() == pytest.approx(
            0.02 / math.sqrt(6), rel=0.05
        )


# ---- the reference against PyTorch ------------------------------------------


class TestAgainstPyTorch:
    @pytest.mark.parametrize("name", list(VARIANTS))
    @pytest.mark.parametrize(
        "dtype, tol",
        [(np.float64, F64), (np.float32, F32_TIGHT)],
        ids=["float64", "float32"],
    )
    def test_same_weights_same_logits(self, name, dtype, tol):
        config = VARIANTS[name]
        params = noisy_parameters(config, dtype=dtype)
        ids, src, source_mask = inputs(config)
        target_mask = np.ones((B, T), np.int64)  # (B, T)
        target_mask[1, 3:] = 0
        for mask in (None, target_mask):
            z = reference.forward(
                config,
                params,
                ids,
                source_ids=src,
                source_mask=source_mask,
                attention_mask=mask,
            )  # (B, T, V)
            with torch.no_grad():
                out = torch_logits(loaded(config, params), ids, src, source_mask, mask)
            assert z.shape == (B, T, config.vocab_size) and z.dtype == dtype
            np.testing.assert_allclose(out.numpy(), z, **tol)

    def test_without_a_source_mask_every_source_token_counts(self):
        params = noisy_parameters(SEQ2SEQ)
        ids, src, _ = inputs(SEQ2SEQ)
        z = reference.forward(SEQ2SEQ, params, ids, source_ids=src)
        ones = reference.forward(
            SEQ2SEQ, params, ids, source_ids=src, source_mask=np.ones((B, S))
        )
        with torch.no_grad():
            out = torch_logits(loaded(SEQ2SEQ, params), ids, src, None)
        np.testing.assert_array_equal(z, ones)
        np.testing.assert_allclose(out.numpy(), z, **F64)

    @pytest.mark.parametrize("name", ["post-tied-sinusoidal", "post-untied-learned"])
    def test_the_engine_path_runs_cross_attention(self, name):
        # Without masks the engine's kernels take the cross-attention (S != T).
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, src, _ = inputs(config)
        results = []
        for path in ("torch", "engine"):
            model = loaded(config, params, attention=path)
            out = torch_logits(model, ids, src, None)
            out.backward(
                torch.from_numpy(np.random.default_rng(1).normal(size=out.shape))
            )
            grads = {n: p.grad.numpy() for n, p in model.named_parameters()}
            results.append((out.detach().numpy(), grads))
        (plain, plain_grads), (engine, engine_grads) = results
        np.testing.assert_allclose(engine, plain, **F64)
        for name_, grad in plain_grads.items():
            np.testing.assert_allclose(engine_grads[name_], grad, **F64, err_msg=name_)

    def test_switching_the_path_reaches_every_attention(self):
        model = Transformer(SEQ2SEQ)
        model.attention = "engine"
        paths = [block.cross.path for block in model.decoder.blocks]
        paths += [block.attn.path for block in model.encoder.blocks]
        assert paths == ["engine"] * 4


# ---- gradients ----------------------------------------------------------------

# One entry of each kind: an encoder weight, cross-attention weights (query
# side and memory side), a decoder feed-forward weight, norms and the tables.
GRADIENT_ENTRIES = [
    ("encoder.blocks.0.attn.q.weight", (3, 5)),
    ("encoder.blocks.1.ff.up.weight", (2, 7)),
    ("decoder.blocks.0.cross.q.weight", (1, 9)),
    ("decoder.blocks.1.cross.k.weight", (4, 2)),
    ("decoder.blocks.0.cross.v.weight", (0, 15)),
    ("decoder.blocks.1.cross.out.weight", (6, 6)),
    ("decoder.blocks.0.norm2.weight", (3,)),
    # A ReLU unit may be off at every position: take the largest gradient.
    ("decoder.blocks.1.ff.down.weight", None),
]


@pytest.mark.parametrize(
    "name", ["post-tied-sinusoidal", "post-untied-learned", "pre-tied-learned"]
)
def test_autograd_matches_finite_differences_of_the_reference(name):
    config = VARIANTS[name]
    params = noisy_parameters(config)
    ids, src, source_mask = inputs(config)
    weights = np.random.default_rng(2).normal(size=(B, T, config.vocab_size))

    def loss(p) -> float:
        z = reference.forward(config, p, ids, source_ids=src, source_mask=source_mask)
        return float((z * weights).sum())

    # Autograd of the same scalar through the PyTorch model.
    model = loaded(config, params)
    out = torch_logits(model, ids, src, source_mask)
    (out * torch.from_numpy(weights)).sum().backward()
    grads = {n: p.grad.numpy() for n, p in model.named_parameters()}

    # Rows of the token tables that are read: a source id and a target id.
    entries = list(GRADIENT_ENTRIES)
    source_table = "embed.tokens" if config.tie_embeddings else "embed.source_tokens"
    entries += [("embed.tokens", (int(ids[0, 2]), 3))]
    entries += [(source_table, (int(src[1, 1]), 11))]
    if not config.tie_embeddings:
        entries += [("head.weight", (5, int(ids[2, 0])))]
    if config.positional == "learned":
        entries += [("encoder.embed.positions", (2, 8))]

    h = 1e-5
    worst = 0.0
    for pname, index in entries:
        if index is None:
            index = np.unravel_index(np.abs(grads[pname]).argmax(), grads[pname].shape)
        plus = {k: v.copy() for k, v in params.items()}
        minus = {k: v.copy() for k, v in params.items()}
        plus[pname][index] += h
        minus[pname][index] -= h
        numeric = (loss(plus) - loss(minus)) / (2 * h)
        analytic = grads[pname][index]
        assert abs(analytic) > 1e-3, (pname, index, analytic)  # not trivially 0
        error = abs(numeric - analytic) / abs(analytic)
        worst = max(worst, error)
        assert error < 1e-6, (pname, index, numeric, analytic)


# ---- what sees what -----------------------------------------------------------


class TestCausality:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_a_later_target_token_leaves_earlier_logits_alone(self, name):
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, src, source_mask = inputs(config)
        changed = ids.copy()
        changed[:, 3] = (changed[:, 3] + 1) % config.vocab_size

        def run(i):
            return reference.forward(
                config, params, i, source_ids=src, source_mask=source_mask
            )

        before, after = run(ids), run(changed)
        np.testing.assert_allclose(after[:, :3], before[:, :3], rtol=0, atol=1e-12)
        assert np.abs(after[:, 3:] - before[:, 3:]).max() > 1e-3
        with torch.no_grad():
            model = loaded(config, params)
            t_before = torch_logits(model, ids, src, source_mask).numpy()
            t_after = torch_logits(model, changed, src, source_mask).numpy()
        np.testing.assert_allclose(t_after[:, :3], t_before[:, :3], rtol=0, atol=1e-12)

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_a_padded_source_token_changes_nothing(self, name):
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, src, source_mask = inputs(config)
        changed = src.copy()
        changed[1, 4:] = (changed[1, 4:] + 5) % config.vocab_size  # padding of row 1
        changed[2, 2:] = (changed[2, 2:] + 7) % config.vocab_size  # padding of row 2

        def run(s):
            return reference.forward(
                config, params, ids, source_ids=s, source_mask=source_mask
            )

        np.testing.assert_allclose(run(changed), run(src), rtol=0, atol=1e-12)
        with torch.no_grad():
            model = loaded(config, params)
            a = torch_logits(model, ids, src, source_mask).numpy()
            b = torch_logits(model, ids, changed, source_mask).numpy()
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)

    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_a_real_source_token_reaches_every_target_position(self, name):
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, src, source_mask = inputs(config)
        changed = src.copy()
        changed[:, 1] = (changed[:, 1] + 1) % config.vocab_size  # real in every row

        def run(s):
            return reference.forward(
                config, params, ids, source_ids=s, source_mask=source_mask
            )

        moved = np.abs(run(changed) - run(src)).max(axis=-1)  # (B, T)
        assert moved.min() > 1e-6, moved


# ---- the trace -----------------------------------------------------------------


class TestTrace:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_every_step_of_both_stacks_is_recorded(self, name):
        config = VARIANTS[name]
        params = noisy_parameters(config)
        ids, src, source_mask = inputs(config)
        z, trace = reference.forward(
            config, params, ids, source_ids=src, source_mask=source_mask, trace=True
        )
        names = trace.names()
        assert len(names) == len(set(names))  # every step named once
        for stack, n in (("encoder", S), ("decoder", T)):
            assert trace[f"{stack}.tokens"].shape == (B, n)
            assert trace[f"{stack}.embed.sum"].shape == (B, n, 16)
        for i in range(config.layers):
            enc, dec = f"encoder.blocks.{i}", f"decoder.blocks.{i}"
            assert trace[f"{enc}.attn.probs"].shape == (B, 2, S, S)
            assert trace[f"{enc}.ff.residual"].shape == (B, S, 16)
            assert trace[f"{dec}.attn.probs"].shape == (B, 2, T, T)
            assert trace[f"{dec}.cross.scores"].shape == (B, 2, T, S)
            assert trace[f"{dec}.cross.k"].shape == (B, S, 16)
            assert f"{dec}.norm3" in trace and f"{enc}.norm3" not in trace
            assert trace[f"{dec}.cross.k"].equation.startswith("K = M W_k")
        # The steps run in order: the encoder, then the decoder, then logits.
        assert names.index("encoder.blocks.1.ff.residual") < names.index(
            "decoder.tokens"
        )
        assert names[-2:] == ["logits", "probs"]
        np.testing.assert_array_equal(trace["logits"].value, z)
        # Every step says what it computes and reads only real parameters.
        for step in trace:
            assert step.equation, step.name
            assert set(step.parameters) <= set(params), step.name
        table = "embed.tokens" if config.tie_embeddings else "embed.source_tokens"
        assert trace["encoder.embed.tokens"].parameters == (table,)
        assert trace["decoder.blocks.0.cross.v"].parameters[0] == (
            "decoder.blocks.0.cross.v.weight"
        )

    def test_cross_attention_weights_see_only_real_source_tokens(self):
        config = SEQ2SEQ
        params = noisy_parameters(config)
        ids, src, source_mask = inputs(config)
        _, trace = reference.forward(
            config, params, ids, source_ids=src, source_mask=source_mask, trace=True
        )
        for i in range(config.layers):
            p = trace[f"decoder.blocks.{i}.cross.probs"].value  # (B, H, T, S)
            assert p.shape == (B, config.heads, T, S)
            np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
            padded = source_mask[:, None, None, :] == 0  # (B, 1, 1, S)
            assert np.all(np.where(padded, p, 0.0) == 0.0)
            assert np.all(np.where(padded, 1.0, p) > 0.0)  # real keys all count
            # The decoder's self-attention stays causal.
            q = trace[f"decoder.blocks.{i}.attn.probs"].value  # (B, H, T, T)
            assert np.all(np.triu(np.ones((T, T)), k=1) * q == 0.0)
            # The encoder's self-attention hides padding too.
            e = trace[f"encoder.blocks.{i}.attn.probs"].value  # (B, H, S, S)
            assert np.all(np.where(padded, e, 0.0) == 0.0)


# ---- bad inputs ----------------------------------------------------------------


class TestBadInputs:
    def test_the_reference_names_what_was_expected(self):
        params = noisy_parameters(SEQ2SEQ)
        ids, src, source_mask = inputs(SEQ2SEQ)
        with pytest.raises(InvalidArgumentError, match=r"expected source_ids of shape"):
            reference.forward(SEQ2SEQ, params, ids)
        with pytest.raises(ShapeError, match=r"expected source_ids of shape \(B, S\)"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=src[0])
        with pytest.raises(ShapeError, match=r"with B = 3 like token_ids"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=src[:2])
        with pytest.raises(ShapeError, match=r"source_mask of shape \(3, 7\) like"):
            reference.forward(
                SEQ2SEQ, params, ids, source_ids=src, source_mask=source_mask[:, :5]
            )
        long = np.zeros((B, 13), np.int64)
        with pytest.raises(ShapeError, match=r"at most context = 12 .* S = 13"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=long)
        with pytest.raises(ShapeError, match=r"at most context = 12 .* T = 13"):
            reference.forward(SEQ2SEQ, params, long, source_ids=src)
        with pytest.raises(InvalidArgumentError, match=r"source_ids in \[0, 23\)"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=src + 23)
        with pytest.raises(DTypeError, match=r"source_ids of an integer dtype"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=src.astype(float))
        with pytest.raises(InvalidArgumentError, match=r"token_types=None"):
            reference.forward(SEQ2SEQ, params, ids, source_ids=src, token_types=ids)

        decoder = noisy_parameters(DECODER)
        with pytest.raises(InvalidArgumentError, match=r"expected source_ids=None"):
            reference.forward(DECODER, decoder, ids, source_ids=src)
        with pytest.raises(InvalidArgumentError, match=r"expected source_mask=None"):
            reference.forward(DECODER, decoder, ids, source_mask=source_mask)

    def test_the_model_names_what_was_expected(self):
        model = Transformer(SEQ2SEQ)
        ids, src, source_mask = (torch.from_numpy(a) for a in inputs(SEQ2SEQ))
        with pytest.raises(InvalidArgumentError, match=r"expected source_ids of shape"):
            model(ids)
        with pytest.raises(ShapeError, match=r"expected source_ids of shape \(B, S\)"):
            model(ids, source_ids=src[0])
        with pytest.raises(ShapeError, match=r"with B = 3 like token_ids"):
            model(ids, source_ids=src[:2])
        with pytest.raises(ShapeError, match=r"source_mask of shape \(3, 7\) like"):
            model(ids, source_ids=src, source_mask=source_mask[:, :5])
        with pytest.raises(ShapeError, match=r"at most context = 12 .* S = 13"):
            model(ids, source_ids=torch.zeros(B, 13, dtype=torch.long))
        with pytest.raises(DTypeError, match=r"source_ids of an integer dtype"):
            model(ids, source_ids=src.double())
        with pytest.raises(InvalidArgumentError, match=r"token_types=None"):
            model(ids, token_types=ids, source_ids=src)
        with pytest.raises(InvalidArgumentError, match=r"expected source_ids=None"):
            Transformer(DECODER)(ids, source_ids=src)
        with pytest.raises(InvalidArgumentError, match=r"expected source_mask=None"):
            Transformer(DECODER)(ids, source_mask=source_mask)

    def test_every_refusal_is_a_neuron_error(self):
        params = noisy_parameters(SEQ2SEQ)
        ids, _, _ = inputs(SEQ2SEQ)
        with pytest.raises(NeuronError):
            reference.forward(SEQ2SEQ, params, ids)


def test_attention_maps_of_each_stack_and_the_cross_attention():
    from neuron.transformer.attention_maps import attention_maps

    params = noisy_parameters(SEQ2SEQ)
    ids, src, source_mask = inputs(SEQ2SEQ)
    _, trace = reference.forward(
        SEQ2SEQ, params, ids, source_ids=src, source_mask=source_mask, trace=True
    )
    L, H = SEQ2SEQ.layers, SEQ2SEQ.heads
    assert attention_maps(trace, 1, stack="encoder.blocks").shape == (L, H, S, S)
    assert attention_maps(trace, 1, stack="decoder.blocks").shape == (L, H, T, T)
    cross = attention_maps(trace, 1, stack="decoder.blocks", sublayer="cross")
    assert cross.shape == (L, H, T, S)
    np.testing.assert_array_equal(cross[..., 4:], 0.0)  # sequence 1 has 4 tokens
    # The default names a decoder's or an encoder's blocks, and says what
    # this trace holds instead.
    with pytest.raises(InvalidArgumentError, match="stack='decoder.blocks'"):
        attention_maps(trace)


def test_the_hand_written_block_backward_takes_the_encoder_decoders_blocks():
    # The full checks against autograd are in test_encoder_decoder_backward.
    from neuron.transformer.backward import block_backward
    from neuron.transformer.seq2seq_backward import decoder_block_backward

    params = noisy_parameters(SEQ2SEQ)
    m = np.random.default_rng(0).normal(size=(1, 4, SEQ2SEQ.d_model))  # (1, S, C)
    x = np.random.default_rng(1).normal(size=(1, 3, SEQ2SEQ.d_model))  # (1, T, C)
    encoder = block_backward(SEQ2SEQ, params, 0, m, m, stack="encoder.blocks")
    assert encoder.dx.shape == m.shape
    assert set(encoder.params) == {
        n for n in params if n.startswith("encoder.blocks.0.")
    }
    decoder = decoder_block_backward(SEQ2SEQ, params, 1, x, m, x)
    assert decoder.dx.shape == x.shape and decoder.dmemory.shape == m.shape
    assert set(decoder.params) == {
        n for n in params if n.startswith("decoder.blocks.1.")
    }
    with pytest.raises(InvalidArgumentError, match="decoder_block_backward"):
        block_backward(SEQ2SEQ, params, 0, x, x, stack="decoder.blocks")
