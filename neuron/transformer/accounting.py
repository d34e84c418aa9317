"""What a transformer costs, from its configuration alone: parameters, FLOPs
per token, model FLOPs utilisation, training memory and key/value cache.

Plain functions of a ``TransformerConfig``; the config's methods of the same
names (``config.parameters()``, ``config.memory(...)``, ...) call them. Each
answer is an exact integer from a formula; the formulas, their sources and
what they leave out are written out in the docstrings of those methods in
``neuron.transformer.config``. Nothing here allocates a tensor.

Legend (used in the code below):
    V  vocab_size     P  context (positions)   d  d_model     f  d_ff
    L  layers         a  heads                 b  batch       s  sequence length
    e  bytes per element of the dtype          n  parameter_count()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuron.errors import InvalidArgumentError
from neuron.transformer.checks import (
    check_bool,
    check_choice,
    check_int,
    check_positive_number,
)

if TYPE_CHECKING:
    from neuron.transformer.config import TransformerConfig

__all__ = [
    "DTYPE_BYTES",
    "OPTIMIZER_BUFFERS",
    "flops_per_token",
    "kv_cache_bytes",
    "memory",
    "model_flops_utilisation",
    "parameter_count",
    "parameters",
]

# Bytes per element of the dtypes that memory() and kv_cache_bytes() accept.
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}

# Float32 buffers an optimizer keeps per parameter (Adam: first and second
# moments; SGD with momentum: one velocity; plain SGD: none).
OPTIMIZER_BUFFERS = {"adamw": 2, "adam": 2, "sgd_momentum": 1, "sgd": 0}


# ---- parameters ------------------------------------------------------------


def parameters(config: TransformerConfig) -> dict[str, int]:
    """Parameter counts per component, summed over all layers; the formula
    of each is in ``TransformerConfig.parameters``' docstring.

    Args:
        config: the architecture.

    Returns:
        Ordered name -> exact integer count, every key present for every
        kind (0 where a part is absent); the values sum to
        ``parameter_count(config)``.
    """
    V, P, d, L, f = (
        config.vocab_size,
        config.context,
        config.d_model,
        config.layers,
        config.d_ff,
    )
    both = config.kind == "encoder-decoder"
    stacks = 2 if both else 1
    has_bias = int(config.bias)

    # One block's pieces.
    attention = 4 * d * d + 4 * d * has_bias
    feed_forward = 2 * d * f + (f + d) * has_bias
    norm = d + d * has_bias
    block_norms = 2 * L * stacks + (L if both else 0)

    # Pieces that exist or not, and how many copies.
    tables = 2 if both and not config.tie_embeddings else 1
    learned = config.positional == "learned"
    untied_head = config.has_output_head and not config.tie_embeddings
    return {
        "token_embedding": tables * V * d,
        "position_embedding": stacks * P * d if learned else 0,
        "token_type_embedding": config.type_vocab_size * d,
        "embedding_norm": stacks * norm if config.embedding_norm else 0,
        "attention": stacks * L * attention,
        "cross_attention": L * attention if both else 0,
        "feed_forward": stacks * L * feed_forward,
        "norms": block_norms * norm,
        "final_norm": stacks * norm if config.final_norm else 0,
        "output_head": V * d if untied_head else 0,
        "pooler": d * d + d * has_bias if config.pooler else 0,
    }


def parameter_count(config: TransformerConfig) -> int:
    """Total parameters, each shared matrix counted once.

    Args:
        config: the architecture.

    Returns:
        The sum of ``parameters(config)``, an exact integer.
    """
    return sum(parameters(config).values())


# ---- compute ---------------------------------------------------------------


def flops_per_token(
    config: TransformerConfig,
    training: bool = False,
    context: int | None = None,
    *,
    logits: bool = False,
) -> int:
    """FLOPs to process one token, by the convention of Kaplan et al. (2020);
    the formula, and what it leaves out, is in
    ``TransformerConfig.flops_per_token``' docstring.

    Args:
        config: the architecture.
        training: count forward and backward (3x) instead of forward.
        context: sequence length s; None means the model's ``context``.
        logits: also count the output projection to the vocabulary,
            2 * V * d forward. Ignored for an encoder.

    Returns:
        FLOPs per token, an exact integer.

    Raises:
        InvalidArgumentError: a flag is not a bool, or context is not an
            integer >= 1 (or exceeds learned positions).
    """
    check_bool("training", training)
    check_bool("logits", logits)

    s = _sequence_length(config, context)
    d, L = config.d_model, config.layers
    both = config.kind == "encoder-decoder"

    block_matrices = 4 * d * d + 2 * d * config.d_ff
    n_matrix = (2 if both else 1) * L * block_matrices
    attention_blocks = L
    if both:
        n_matrix += L * 4 * d * d
        attention_blocks = 3 * L

    forward = 2 * n_matrix + 2 * 2 * attention_blocks * s * d
    if logits and config.has_output_head:
        forward += 2 * config.vocab_size * d
    return 3 * forward if training else forward


def model_flops_utilisation(
    config: TransformerConfig,
    tokens_per_second: float,
    peak_flops: float,
    *,
    context: int | None = None,
) -> float:
    """Model FLOPs utilisation of a training run (Chowdhery et al., 2022):
    tokens_per_second * flops_per_token(training=True) / peak_flops.

    Args:
        config: the architecture.
        tokens_per_second: training throughput, tokens per second.
        peak_flops: the hardware's peak FLOP/s for the dtype used.
        context: sequence length; None means the model's ``context``.

    Returns:
        The fraction of peak, usually between 0 and 1.

    Raises:
        InvalidArgumentError: a rate is not a finite positive number.
    """
    check_positive_number("tokens_per_second", tokens_per_second)
    check_positive_number("peak_flops", peak_flops)
    per_token = flops_per_token(config, training=True, context=context)
    return tokens_per_second * per_token / peak_flops


# ---- memory ----------------------------------------------------------------


def memory(
    config: TransformerConfig,
    batch: int,
    context: int,
    dtype: str = "float32",
    optimizer: str = "adamw",
    activations: bool = True,
) -> dict[str, int]:
    """Bytes needed to train the model on (batch, context) sequences; what
    each part counts is in ``TransformerConfig.memory``' docstring.

    Args:
        config: the architecture.
        batch: sequences per step, b.
        context: tokens per sequence, s.
        dtype: "float32", "bfloat16" or "float16".
        optimizer: "adamw", "adam", "sgd_momentum" or "sgd".
        activations: count activations (False for weights and optimizer
            only).

    Returns:
        ``parameters``, ``gradients``, ``optimizer_state``, ``activations``
        and their ``total``, in bytes, exact integers.

    Raises:
        InvalidArgumentError: an argument is out of range or unknown.
    """
    batch = check_int("batch", batch, 1)
    s = _sequence_length(config, context)
    check_choice("dtype", dtype, tuple(DTYPE_BYTES))
    check_choice("optimizer", optimizer, tuple(OPTIMIZER_BUFFERS))
    check_bool("activations", activations)
    e = DTYPE_BYTES[dtype]
    n = parameter_count(config)

    buffers = OPTIMIZER_BUFFERS[optimizer] + (1 if e < 4 else 0)
    result = {
        "parameters": n * e,
        "gradients": n * e,
        "optimizer_state": 4 * n * buffers,
        "activations": _activation_bytes(config, batch, s, e) if activations else 0,
    }
    result["total"] = sum(result.values())
    return result


def _activation_bytes(config: TransformerConfig, b: int, s: int, e: int) -> int:
    # The formula is written out in TransformerConfig.memory()'s docstring.
    d, a, f, L = config.d_model, config.heads, config.d_ff, config.layers
    both = config.kind == "encoder-decoder"
    stacks = 2 if both else 1
    dropout = config.dropout > 0
    sbd = s * b * d
    scores = a * s * s * b
    probabilities = scores * (2 if dropout else 1)

    attention = 5 * sbd + probabilities
    block = attention + (sbd + 2 * s * b * f) + 2 * sbd
    block_masks = scores + 2 * sbd if dropout else 0
    total = stacks * L * (block * e + block_masks)
    if both:
        cross_masks = scores + sbd if dropout else 0
        total += L * ((attention + sbd) * e + cross_masks)

    if dropout:
        total += stacks * sbd
    if config.embedding_norm:
        total += stacks * sbd * e
    if config.final_norm:
        total += stacks * sbd * e
    if config.has_output_head:
        total += sbd * e + 4 * s * b * config.vocab_size
    return total


def kv_cache_bytes(
    config: TransformerConfig,
    batch: int,
    context: int,
    dtype: str = "float32",
    *,
    source_context: int | None = None,
) -> int:
    """Bytes of the key/value cache for generating ``context`` tokens,
    2 * L * b * s * d * e for a decoder; the encoder-decoder's cross-attention
    cache is in ``TransformerConfig.kv_cache_bytes``' docstring.

    Args:
        config: the architecture.
        batch: sequences generated together, b.
        context: tokens cached per sequence, s.
        dtype: "float32", "bfloat16" or "float16" (e bytes).
        source_context: encoder-decoder only: source length; None means
            ``context``.

    Returns:
        Bytes, an exact integer; 0 for an encoder.

    Raises:
        InvalidArgumentError: an argument is out of range or unknown, or
            source_context is given for a model without cross-attention.
    """
    batch = check_int("batch", batch, 1)
    s = _sequence_length(config, context)
    check_choice("dtype", dtype, tuple(DTYPE_BYTES))
    both = config.kind == "encoder-decoder"
    if source_context is not None and not both:
        raise InvalidArgumentError(
            f"expected source_context=None for kind={config.kind!r} (only an "
            f"encoder-decoder has a source), got {source_context!r}"
        )
    if config.kind == "encoder":
        return 0
    source = 0
    if both:
        source = (
            s if source_context is None else _sequence_length(config, source_context)
        )
    per_token = 2 * config.layers * batch * config.d_model * DTYPE_BYTES[dtype]
    return per_token * (s + source)


def _sequence_length(config: TransformerConfig, context: int | None) -> int:
    if context is None:
        return config.context
    context = check_int("context", context, 1)
    if config.positional == "learned" and context > config.context:
        raise InvalidArgumentError(
            f"expected context <= {config.context} (the model's learned "
            f"positions), got {context}; use a shorter sequence"
        )
    return context
