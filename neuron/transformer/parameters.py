"""The parameters of a transformer: their names, shapes and first values.

One flat dict, name -> array, holds a model's parameters, the same for the
NumPy reference (``neuron.transformer.reference``), the PyTorch model
(``neuron.transformer.model``, whose ``state_dict`` keys are these names)
and pretrained checkpoints (``neuron.transformer.pretrained``). Matrices are
stored (in, out) and applied as x @ W. For block i:

    blocks.{i}.attn.q / k / v / out    .weight (C, C), .bias (C,)
    blocks.{i}.norm1, blocks.{i}.norm2 .weight (C,), .bias (C,)
    blocks.{i}.ff.up                   .weight (C, F), .bias (F,)
    blocks.{i}.ff.down                 .weight (F, C), .bias (C,)

and around the blocks: ``embed.tokens`` (V, C), ``embed.positions``
(context, C) for learned positions, ``embed.types`` (type_vocab_size, C) and
``embed.norm`` for BERT, ``final_norm`` for pre-LN models, ``head.weight``
(C, V) for a decoder with an untied output, ``pooler`` (C, C) for BERT.
norm1 sits before attention in a pre-LN block and after the attention
residual in a post-LN one; norm2 likewise around the feed-forward network.

An encoder-decoder (kind ``"encoder-decoder"``, the 2017 paper) has two
stacks of L blocks each, named by stack. The encoder's block i is the block
above under ``encoder.blocks.{i}``; the decoder's block i has a third
sublayer, cross-attention, between its self-attention and its feed-forward
network, and so a third norm:

    encoder.blocks.{i}.attn / norm1 / ff / norm2    as blocks.{i} above
    decoder.blocks.{i}.attn.q / k / v / out         self-attention (causal)
    decoder.blocks.{i}.norm1                        around self-attention
    decoder.blocks.{i}.cross.q / k / v / out        .weight (C, C), .bias (C,)
    decoder.blocks.{i}.norm2                        around cross-attention
    decoder.blocks.{i}.ff.up / ff.down              as above
    decoder.blocks.{i}.norm3                        around the feed-forward

Around them: ``embed.tokens`` (V, C), the one table of source, target and
output when ``tie_embeddings`` (section 3.4 of the paper), else the target's;
``embed.source_tokens`` (V, C), the source's, only when untied;
``encoder.embed.positions`` and ``decoder.embed.positions`` (context, C) for
learned positions; ``encoder.embed.norm`` / ``decoder.embed.norm`` and
``encoder.final_norm`` / ``decoder.final_norm`` when the config has them;
``head.weight`` (C, V) when untied.

Legend: V vocabulary size, C model width (d_model), F feed-forward width
(d_ff), L layers.
"""

import math

import numpy as np

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig

__all__ = ["check_parameters", "init_parameters", "init_std", "parameter_shapes"]


def parameter_shapes(config: TransformerConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter of a model, by name, with its shape, in a fixed order.

    Biases (of projections and layer norms alike) exist only when
    ``config.bias`` is true.

    Args:
        config: the model's configuration.

    Returns:
        An ordered dict from name (``"blocks.0.attn.q.weight"``) to shape.
    """
    _check_kind(config)
    V, C, F = config.vocab_size, config.d_model, config.d_ff
    shapes: dict[str, tuple[int, ...]] = {"embed.tokens": (V, C)}

    def linear(name: str, n_in: int, n_out: int) -> None:
        shapes[f"{name}.weight"] = (n_in, n_out)
        if config.bias:
            shapes[f"{name}.bias"] = (n_out,)

    def norm(name: str) -> None:
        shapes[f"{name}.weight"] = (C,)
        if config.bias:
            shapes[f"{name}.bias"] = (C,)

    def attention(name: str) -> None:
        for part in ("q", "k", "v", "out"):
            linear(f"{name}.{part}", C, C)

    def block(name: str, cross: bool) -> None:
        # Self-attention, cross-attention (an encoder-decoder's decoder
        # only), feed-forward, each followed in the names by its norm.
        attention(f"{name}.attn")
        norm(f"{name}.norm1")
        if cross:
            attention(f"{name}.cross")
            norm(f"{name}.norm2")
        linear(f"{name}.ff.up", C, F)
        linear(f"{name}.ff.down", F, C)
        norm(f"{name}.norm3" if cross else f"{name}.norm2")

    if config.kind == "encoder-decoder":
        if not config.tie_embeddings:
            shapes["embed.source_tokens"] = (V, C)
        for stack in ("encoder", "decoder"):
            if config.positional == "learned":
                shapes[f"{stack}.embed.positions"] = (config.context, C)
            if config.embedding_norm:
                norm(f"{stack}.embed.norm")
            for i in range(config.layers):
                block(f"{stack}.blocks.{i}", cross=stack == "decoder")
            if config.final_norm:
                norm(f"{stack}.final_norm")
        if not config.tie_embeddings:
            shapes["head.weight"] = (C, V)
        return shapes

    if config.positional == "learned":
        shapes["embed.positions"] = (config.context, C)
    if config.type_vocab_size > 0:
        shapes["embed.types"] = (config.type_vocab_size, C)
    if config.embedding_norm:
        norm("embed.norm")
    for i in range(config.layers):
        block(f"blocks.{i}", cross=False)
    if config.final_norm:
        norm("final_norm")
    if config.kind == "decoder" and not config.tie_embeddings:
        shapes["head.weight"] = (C, V)
    if config.pooler:
        linear("pooler", C, C)
    return shapes


def init_parameters(
    config: TransformerConfig, seed: int = 0, dtype=np.float32
) -> dict[str, np.ndarray]:
    """Fresh parameters, initialised as GPT-2 was.

    Matrices and embeddings are drawn from normal(0, 0.02), biases are 0 and
    layer norm gains 1. As in GPT-2, the two projections that write into the
    residual stream (``attn.out`` and ``ff.down``) are drawn with a standard
    deviation smaller by sqrt(2 L): each of the 2 L sublayers adds to the
    stream, so its variance at the top stays that of one sublayer. In an
    encoder-decoder the decoder's cross-attention output (``cross.out``)
    writes into the stream too, and its 3 L sublayers give sqrt(3 L) there
    (``init_std``).

    Args:
        config: the model's configuration.
        seed: seeds NumPy's default generator; equal seeds give equal weights.
        dtype: float32 or float64.

    Returns:
        A dict name -> array, shaped as ``parameter_shapes(config)``.
    """
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise DTypeError(
            f"expected dtype float32 or float64, got {np.dtype(dtype)}; pass np.float32"
        )
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in parameter_shapes(config).items():
        if name.endswith(".bias"):
            value = np.zeros(shape)  # (n,)
        elif len(shape) == 1:
            value = np.ones(shape)  # (C,)
        else:
            value = rng.normal(0.0, init_std(config, name), shape)  # (in, out)
        params[name] = value.astype(dtype)
    return params


def init_std(config: TransformerConfig, name: str) -> float:
    """The standard deviation a matrix or embedding table is drawn with.

    0.02, divided by sqrt(n) for a projection that writes into the residual
    stream (``attn.out``, ``cross.out``, ``ff.down``), n being the number of
    sublayers adding to that stream: 2 L in a decoder, an encoder and an
    encoder-decoder's encoder, 3 L in an encoder-decoder's decoder.

    Args:
        config: the model's configuration.
        name: a parameter name of ``parameter_shapes(config)``, 2-D.

    Returns:
        The standard deviation, a float.
    """
    if not name.endswith(("attn.out.weight", "cross.out.weight", "ff.down.weight")):
        return 0.02
    per_block = 3 if name.startswith("decoder.") else 2
    return 0.02 / math.sqrt(per_block * config.layers)


def check_parameters(config: TransformerConfig, params: dict) -> np.dtype:
    """Check that params holds exactly the parameters of config.

    Args:
        config: the model's configuration.
        params: a dict name -> NumPy array.

    Returns:
        The dtype the arrays share, float32 or float64.

    Raises:
        InvalidArgumentError: a name is missing or unexpected.
        ShapeError: an array has the wrong shape.
        DTypeError: an array is not float32/float64, or the dtypes differ.
    """
    shapes = parameter_shapes(config)
    missing = [name for name in shapes if name not in params]
    extra = [name for name in params if name not in shapes]
    if missing or extra:
        raise InvalidArgumentError(
            f"expected the parameters of this config, got {len(missing)} "
            f"missing ({', '.join(missing[:3]) or 'none'}) and {len(extra)} "
            f"unexpected ({', '.join(extra[:3]) or 'none'}); build them with "
            "init_parameters(config) or load them with the same config"
        )
    dtype = np.asarray(params["embed.tokens"]).dtype
    if dtype not in (np.float32, np.float64):
        raise DTypeError(
            f"expected parameters of dtype float32 or float64, got {dtype}; "
            "convert each with .astype(np.float32)"
        )
    for name, shape in shapes.items():
        value = params[name]
        if value.shape != shape:
            raise ShapeError(
                f"expected {name} of shape {shape}, got {value.shape}; weights "
                "are (in, out): transpose a torch nn.Linear weight"
            )
        if value.dtype != dtype:
            raise DTypeError(
                f"expected {name} of dtype {dtype} like embed.tokens, got "
                f"{value.dtype}; convert with .astype(np.{dtype})"
            )
    return dtype


def _check_kind(config) -> None:
    if config.kind not in ("decoder", "encoder", "encoder-decoder"):
        raise InvalidArgumentError(
            f"expected kind 'decoder', 'encoder' or 'encoder-decoder', got "
            f"{config.kind!r}; fix the config"
        )
