"""The encoder-decoder forward pass in NumPy: the model of "Attention Is All
You Need" (Vaswani et al., 2017, figure 1), every step on record.

``neuron.transformer.reference.forward`` hands a config of kind
``"encoder-decoder"`` to ``encoder_decoder_forward`` here; read that module
first, since this one is built from its pieces (its blocks, sublayers and
checks) and records its trace the same way.

Two stacks of L blocks each:

- the encoder reads the source tokens. Its blocks are the encoder blocks of
  ``reference.block_forward`` (self-attention over every real source token,
  then the feed-forward network), named ``encoder.blocks.{i}``. Its final
  output M, one vector per source position, is the "memory" every decoder
  block reads.
- the decoder reads the target tokens. Each of its blocks has three
  sublayers, each with its residual and layer norm: causal self-attention
  (``attn``, norm1), cross-attention whose queries come from the decoder
  and whose keys and values are projections of M (``cross``, norm2), and the
  feed-forward network (``ff``, norm3).

The logits are those of a decoder: the final hidden states times the token
table transposed (tied, the paper's section 3.4) or times ``head.weight``.
The paper also multiplies the embeddings by sqrt(d_model); the config has no
field for that, and, as for the other kinds, embeddings are not scaled.

Parameter names are in ``neuron.transformer.parameters``. Trace names carry
the stack: ``encoder.embed.tokens``, ``encoder.blocks.0.attn.probs``,
``decoder.blocks.0.cross.probs``, ``decoder.final_norm``, then ``logits``
and ``probs``.

Legend:
    B   batch size                  T   target positions
    S   source positions            C   model width (d_model)
    H   heads                       V   vocabulary size
    L   layers (of each stack)      n   S in the encoder, T in the decoder
    m   the encoder's output, the memory, (B, S, C)
    x   the decoder's residual stream, (B, T, C)
    z   logits, (B, T, V)
"""

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.reference import (
    _LN,
    _check_ids,
    _norm,
    _present,
    _skip,
    attention_sublayer,
    block_forward,
    feed_forward_sublayer,
    key_mask,
    next_token_logits,
    token_and_position,
)
from neuron.transformer.trace import Trace

__all__ = ["decoder_block_forward", "encoder_decoder_forward"]


def encoder_decoder_forward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    token_ids: np.ndarray,
    *,
    source_ids: np.ndarray | None,
    source_mask: np.ndarray | None = None,
    token_types: np.ndarray | None = None,
    attention_mask: np.ndarray | None = None,
    trace: bool = False,
) -> np.ndarray | tuple[np.ndarray, Trace]:
    """Run an encoder-decoder on a batch of sources and targets.

    Call it through ``reference.forward``, which checks the parameters first.

    Args:
        config: a configuration of kind "encoder-decoder".
        params: the parameters, all float32 or all float64, checked.
        token_ids: the target tokens the decoder reads, integers in [0, V),
            (B, T), T <= config.context.
        source_ids: the source tokens the encoder reads, integers in [0, V),
            (B, S), S <= config.context; required.
        source_mask: (B, S), 1 for a real source token, 0 for padding; None
            means every one is real.
        token_types: must be None (an encoder-decoder has no token types).
        attention_mask: (B, T), 1 for a real target token, 0 for padding,
            hidden as keys of the decoder's self-attention; None for none.
        trace: if True, also return the ``Trace`` of every step.

    Returns:
        Logits z, (B, T, V), in the parameters' dtype; with ``trace=True``,
        the pair ``(z, trace)``.

    Raises:
        InvalidArgumentError, ShapeError, DTypeError: inputs that do not fit
            the config (the message says which and how to fix it).
    """
    ids, src = _check_inputs(
        config, token_ids, source_ids, token_types
    )  # (B, T), (B, S)
    B, T = ids.shape
    S = src.shape[1]
    source_keys = key_mask(source_mask, B, S, name="source_mask")  # (B, 1, 1, S)
    target_keys = key_mask(attention_mask, B, T)  # (B, 1, 1, T) or None
    steps = Trace() if trace else None
    record = steps.record if trace else _skip

    # The encoder: embed the source, then L bidirectional blocks. A padded
    # source token is hidden as a key; its own row is computed but unused.
    source_table = "embed.tokens" if config.tie_embeddings else "embed.source_tokens"
    m = _embed(config, params, src, "encoder", source_table, record)  # (B, S, C)
    for i in range(config.layers):
        m = block_forward(
            config, params, i, m, mask=source_keys, trace=steps, prefix="encoder.blocks"
        )  # (B, S, C)
    if config.final_norm:
        m = _norm(config, params, "encoder.final_norm", m)  # (B, S, C)
        record("encoder.final_norm", m, _LN, _present(params, "encoder.final_norm"))

    # The decoder: embed the target, then L blocks that each read the memory.
    x = _embed(config, params, ids, "decoder", "embed.tokens", record)  # (B, T, C)
    for i in range(config.layers):
        x = decoder_block_forward(
            config,
            params,
            i,
            x,
            m,
            mask=target_keys,
            memory_mask=source_keys,
            trace=steps,
        )  # (B, T, C)
    if config.final_norm:
        x = _norm(config, params, "decoder.final_norm", x)  # (B, T, C)
        record("decoder.final_norm", x, _LN, _present(params, "decoder.final_norm"))

    # Score every vocabulary entry as the next target token, as a decoder
    # does: with the shared table (tied) or the output head.
    z = next_token_logits(config, params, x, record, trace)  # (B, T, V)
    return (z, steps) if trace else z


def decoder_block_forward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    memory: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    memory_mask: np.ndarray | None = None,
    trace: Trace | None = None,
) -> np.ndarray:
    """One decoder block of an encoder-decoder: causal self-attention,
    cross-attention to the encoder's output, feed-forward, with residuals.

    Pre-LN:  x = x + Attn(LN1(x));  x = x + Cross(LN2(x), M);  x = x + FF(LN3(x))
    Post-LN: x = LN1(x + Attn(x));  x = LN2(x + Cross(x, M));  x = LN3(x + FF(x))

    Args:
        config: a configuration of kind "encoder-decoder".
        params: the parameters (those of ``decoder.blocks.{layer}`` are read).
        layer: the block's index, 0 to L - 1.
        x: the decoder's residual stream entering the block, (B, T, C).
        memory: the encoder's final output M, (B, S, C).
        mask: a boolean key mask over the target, (B, 1, 1, T), or None;
            the causal mask is applied in any case.
        memory_mask: a boolean key mask over the source, (B, 1, 1, S), or
            None.
        trace: a ``Trace`` to record the steps into, or None.

    Returns:
        The residual stream leaving the block, (B, T, C).
    """
    block = f"decoder.blocks.{layer}"

    # Causal self-attention: target position t sees target positions <= t.
    x = attention_sublayer(
        config, params, f"{block}.attn", f"{block}.norm1", x, mask, trace, True
    )  # (B, T, C)

    # Cross-attention: every target position sees every real source one.
    x = attention_sublayer(
        config,
        params,
        f"{block}.cross",
        f"{block}.norm2",
        x,
        memory_mask,
        trace,
        False,
        memory=memory,
    )  # (B, T, C)

    # The feed-forward network, with the block's third norm.
    return feed_forward_sublayer(
        config, params, f"{block}.ff", f"{block}.norm3", x, trace
    )  # (B, T, C)


def _embed(config, params, ids, stack: str, table: str, record) -> np.ndarray:
    """Token rows plus positions (plus a layer norm), for one stack."""
    x = token_and_position(
        config, params, ids, record, table=table, prefix=f"{stack}."
    )  # (B, n, C)
    record(f"{stack}.embed.sum", x, "X = X_tok + X_pos")
    if config.embedding_norm:
        norm = f"{stack}.embed.norm"
        x = _norm(config, params, norm, x)  # (B, n, C)
        record(norm, x, _LN, _present(params, norm))
    return x


def _check_inputs(config, token_ids, source_ids, token_types):
    """The target and source ids, checked against the config and each other."""
    if source_ids is None:
        raise InvalidArgumentError(
            "expected source_ids of shape (B, S) for kind='encoder-decoder' "
            "(the encoder reads them), got None; pass the source tokens as "
            "source_ids=..."
        )
    if token_types is not None:
        raise InvalidArgumentError(
            "expected token_types=None for kind='encoder-decoder' (a model "
            "without token types), got an array; leave token_types out"
        )
    ids = _check_ids(token_ids, "token_ids", config.vocab_size)
    src = _check_ids(source_ids, "source_ids", config.vocab_size, length="S")
    (B, T), S = ids.shape, src.shape[1]
    if src.shape[0] != B:
        raise ShapeError(
            f"expected source_ids of shape (B, S) with B = {B} like token_ids, "
            f"got {src.shape}; pass one source per target sequence"
        )
    if config.context < T:
        raise ShapeError(
            f"expected at most context = {config.context} positions, got T = "
            f"{T}; cut the sequences to {config.context} tokens"
        )
    if config.context < S:
        raise ShapeError(
            f"expected source_ids of at most context = {config.context} "
            f"positions, got S = {S}; cut the sources to {config.context} tokens"
        )
    return ids, src
