"""Hugging Face ``config.json`` files, as ``TransformerConfig`` fields.

``TransformerConfig.from_hf_config`` reads a parsed ``config.json`` of the
GPT-2 family (``model_type`` "gpt2") or the BERT family ("bert",
"roberta") through ``hf_fields`` here, which maps the Hugging Face keys to
the config's fields and refuses what the config cannot describe (another
family, relative positions, an activation other than GELU or ReLU). Which
keys are read, and what each becomes, is listed in ``from_hf_config``'s
docstring. Nothing here builds the config itself; the dataclass validates
the fields it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neuron.errors import InvalidArgumentError

__all__ = ["hf_fields"]

# Hugging Face activation names and the function each one computes.
_HF_ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_new": "gelu_tanh",
    "gelu_pytorch_tanh": "gelu_tanh",
    "relu": "relu",
}
_HF_FAMILIES = {"gpt2": "gpt2", "bert": "bert", "roberta": "bert"}


def hf_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``TransformerConfig`` fields equivalent to a Hugging Face
    ``config.json`` (already parsed) of the GPT-2 or BERT family.

    Without ``model_type`` the family is guessed from the keys (``n_embd``:
    GPT-2, ``hidden_size``: BERT).

    Args:
        config: the dict read from the model's config.json.

    Returns:
        Field name -> value, to pass as ``TransformerConfig(**fields)``;
        the values are as read, not yet validated.

    Raises:
        InvalidArgumentError: config is not a mapping, or lacks a key its
            family needs.
        NotImplementedError: the family or a feature of it (relative
            positions, an unknown activation) is not supported.
    """
    if not isinstance(config, Mapping):
        raise InvalidArgumentError(
            f"expected a dict parsed from config.json, got "
            f"{type(config).__name__}; pass json.loads(path.read_text())"
        )
    model_type = config.get("model_type")
    if model_type is None:
        if "n_embd" in config:
            model_type = "gpt2"
        elif "hidden_size" in config:
            model_type = "bert"
    if model_type not in _HF_FAMILIES:
        raise NotImplementedError(
            f"expected model_type in {', '.join(sorted(_HF_FAMILIES))}, got "
            f"{model_type!r}; only the GPT-2 and BERT families can be read"
        )
    if _HF_FAMILIES[model_type] == "gpt2":
        return _gpt2_fields(config)
    return _bert_fields(config, model_type)


def _gpt2_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    if "n_positions" not in config and "n_ctx" in config:
        config = {**config, "n_positions": config["n_ctx"]}
    need = ("vocab_size", "n_positions", "n_embd", "n_head", "n_layer")
    _require_keys(config, need, "gpt2")
    width = config["n_embd"]
    inner = config.get("n_inner")
    return dict(
        kind="decoder",
        vocab_size=config["vocab_size"],
        context=config["n_positions"],
        d_model=width,
        heads=config["n_head"],
        layers=config["n_layer"],
        d_ff=4 * width if inner is None else inner,
        activation=_hf_activation(config.get("activation_function", "gelu_new")),
        norm="pre",
        positional="learned",
        tie_embeddings=config.get("tie_word_embeddings", True),
        final_norm=True,
        layer_norm_eps=config.get("layer_norm_epsilon", 1e-5),
        dropout=config.get("resid_pdrop", 0.1),
    )


def _bert_fields(config: Mapping[str, Any], model_type: str) -> dict[str, Any]:
    need = (
        "vocab_size",
        "max_position_embeddings",
        "hidden_size",
        "num_attention_heads",
        "num_hidden_layers",
        "intermediate_size",
    )
    _require_keys(config, need, model_type)
    positions = config.get("position_embedding_type", "absolute")
    if positions != "absolute":
        raise NotImplementedError(
            f"expected position_embedding_type 'absolute', got {positions!r}; "
            "relative position embeddings are not described by this config"
        )
    return dict(
        kind="encoder",
        vocab_size=config["vocab_size"],
        context=config["max_position_embeddings"],
        d_model=config["hidden_size"],
        heads=config["num_attention_heads"],
        layers=config["num_hidden_layers"],
        d_ff=config["intermediate_size"],
        activation=_hf_activation(config.get("hidden_act", "gelu")),
        norm="post",
        positional="learned",
        tie_embeddings=False,
        type_vocab_size=config.get("type_vocab_size", 2),
        embedding_norm=True,
        final_norm=False,
        pooler=True,
        layer_norm_eps=config.get("layer_norm_eps", 1e-12),
        dropout=config.get("hidden_dropout_prob", 0.1),
    )


def _require_keys(
    config: Mapping[str, Any], keys: tuple[str, ...], family: str
) -> None:
    missing = [key for key in keys if key not in config]
    if missing:
        raise InvalidArgumentError(
            f"expected keys {', '.join(keys)} in a {family} config.json, got "
            f"none for {', '.join(missing)}; pass the dict read from the "
            "model's config.json"
        )


def _hf_activation(name: object) -> str:
    if not isinstance(name, str) or name not in _HF_ACTIVATIONS:
        known = ", ".join(repr(option) for option in _HF_ACTIVATIONS)
        raise NotImplementedError(
            f"expected a Hugging Face activation in {known}, got {name!r}; "
            "this config describes only GELU (exact or tanh) and ReLU"
        )
    return _HF_ACTIVATIONS[name]
