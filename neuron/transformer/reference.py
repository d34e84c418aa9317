"""The transformer forward pass in NumPy, every step on record, to be read.

This is the lesson and the yardstick for the whole model: the PyTorch model
(``neuron.transformer.model``) and Hugging Face's BERT and GPT-2 are checked
against it. One function, ``forward``, runs the three kinds a config
describes:

- a decoder (GPT-2): causal self-attention, the output is logits over the
  vocabulary for the next token at every position;
- an encoder (BERT): every position sees every other one (padding aside), the
  output is one hidden state per position;
- an encoder-decoder (the 2017 paper): an encoder reads a source sentence, a
  decoder writes the target, reading the encoder's output through
  cross-attention; the output is logits, as for a decoder. Its stacks are run
  by ``neuron.transformer.seq2seq`` from the pieces of this module.

A block is the one of "Attention Is All You Need" (section 3.1): multi-head
self-attention, then a position-wise feed-forward network, each wrapped in a
residual connection and a layer norm, the norm either after the residual
(post-LN: the paper, BERT) or before the sublayer (pre-LN: GPT-2, where a
final layer norm follows the last block).

With ``trace=True`` every intermediate array is recorded in a ``Trace``
(``neuron.transformer.trace``), from the token ids to the probabilities,
with its equation and the parameters it read. No dropout: this is the model
at inference.

Parameters live in one flat dict, name -> array, shared with the PyTorch
model; ``neuron.transformer.parameters`` lists the names and makes fresh
ones. Matrices are applied as x @ W, W of shape (in, out).

Legend:
    B   batch size                  T   positions in a sequence
    S   keys attended to: T in self-attention, source positions in
        cross-attention (encoder-decoder)
    C   model width (d_model)       H   heads
    D   head size C / H             F   feed-forward width (d_ff)
    V   vocabulary size             L   layers
    x   the residual stream, (B, T, C)
    h   a layer norm's output, (B, T, C)
    q, k, v   queries, keys, values, (B, T, C), then (B, H, T, D) per head
    s   attention scores, (B, H, T, S); p their softmax
    o   the attention output, (B, H, T, D) per head, (B, T, C) joined
    u   the feed-forward pre-activation, (B, T, F); g its activation
    z   logits, (B, T, V)
"""

import math

import numpy as np

from neuron.attention.heads import merge_heads, split_heads
from neuron.attention.reference import attention_forward, causal_mask
from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.softmax.reference import softmax
from neuron.transformer.config import TransformerConfig
from neuron.transformer.layers import (
    activation,
    activation_equation,
    layer_norm,
    sinusoidal_positions,
)
from neuron.transformer.parameters import check_parameters
from neuron.transformer.trace import Trace

__all__ = [
    "attention_sublayer",
    "block_forward",
    "feed_forward_sublayer",
    "forward",
    "key_mask",
    "pool",
    "token_and_position",
]

_LN = "LN(X) = (X - mean) / sqrt(var + eps) * w + b"


# ---- the forward pass ------------------------------------------------------


def forward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    token_ids: np.ndarray,
    *,
    token_types: np.ndarray | None = None,
    attention_mask: np.ndarray | None = None,
    trace: bool = False,
    source_ids: np.ndarray | None = None,
    source_mask: np.ndarray | None = None,
) -> np.ndarray | tuple[np.ndarray, Trace]:
    """Run the model on a batch of token ids.

    Args:
        config: the model's configuration; kind "decoder", "encoder" or
            "encoder-decoder".
        params: the parameters, as ``init_parameters`` makes them, all
            float32 or all float64; the computation runs in that dtype.
        token_ids: integers in [0, V), (B, T), T <= config.context; for an
            encoder-decoder, the target tokens the decoder reads.
        token_types: BERT's segment ids in [0, type_vocab_size), (B, T); None
            means all 0. Only for configs with ``type_vocab_size > 0``.
        attention_mask: (B, T), 1 (or True) for a real token, 0 for padding;
            None means every token is real. Padded positions are hidden as
            keys; their own outputs are computed but mean nothing.
        trace: if True, also return the ``Trace`` of every step.
        source_ids: encoder-decoder only, and required there: the source
            tokens the encoder reads, integers in [0, V), (B, S),
            S <= config.context.
        source_mask: encoder-decoder only: (B, S), 1 for a real source
            token, 0 for padding; None means every one is real. Padded
            source positions are hidden as keys from the encoder's
            self-attention and from the decoder's cross-attention.

    Returns:
        Decoder and encoder-decoder: logits z, (B, T, V). Encoder: hidden
        states x, (B, T, C). With ``trace=True``, the pair
        ``(output, trace)``.

    Raises:
        InvalidArgumentError, ShapeError, DTypeError: parameters or inputs that
            do not fit the config (the message says which and how to fix it).
    """
    check_parameters(config, params)
    if config.kind == "encoder-decoder":
        # Imported here: seq2seq builds on this module's pieces.
        from neuron.transformer.seq2seq import encoder_decoder_forward

        return encoder_decoder_forward(
            config,
            params,
            token_ids,
            source_ids=source_ids,
            source_mask=source_mask,
            token_types=token_types,
            attention_mask=attention_mask,
            trace=trace,
        )
    for name, value in (("source_ids", source_ids), ("source_mask", source_mask)):
        if value is not None:
            raise InvalidArgumentError(
                f"expected {name}=None for kind={config.kind!r} (only an "
                f"encoder-decoder reads a source), got an array; leave {name} "
                "out or use kind='encoder-decoder'"
            )
    ids = _check_ids(token_ids, "token_ids", config.vocab_size)
    B, T = ids.shape
    if config.context < T:
        raise ShapeError(
            f"expected at most context = {config.context} positions, got T = "
            f"{T}; cut the sequences to {config.context} tokens"
        )
    mask = key_mask(attention_mask, B, T)  # (B, 1, 1, T) or None
    steps = Trace() if trace else None
    record = steps.record if trace else _skip

    # Embeddings: a learned row per token id, plus where it stands.
    x = token_and_position(config, params, ids, record)  # (B, T, C)

    # BERT adds a third row: which segment (sentence A or B) a token is in.
    if config.type_vocab_size > 0:
        if token_types is None:
            types = np.zeros_like(ids)  # (B, T)
        else:
            types = _check_ids(token_types, "token_types", config.type_vocab_size)
            _check_same_shape(types, "token_types", ids.shape)
        x_type = params["embed.types"][types]  # (B, T, C)
        record("embed.types", x_type, "X_type = E_type[types]", ("embed.types",))
        x = x + x_type  # (B, T, C)
        record("embed.sum", x, "X = X_tok + X_pos + X_type")
    else:
        if token_types is not None:
            raise InvalidArgumentError(
                "expected token_types=None for a model without token types "
                "(type_vocab_size = 0), got an array; leave token_types out"
            )
        record("embed.sum", x, "X = X_tok + X_pos")
    if config.embedding_norm:
        x = _norm(config, params, "embed.norm", x)  # (B, T, C)
        record("embed.norm", x, _LN, _present(params, "embed.norm"))

    # The blocks, each reading and writing the residual stream.
    for i in range(config.layers):
        x = block_forward(config, params, i, x, mask=mask, trace=steps)  # (B, T, C)

    if config.final_norm:
        x = _norm(config, params, "final_norm", x)  # (B, T, C)
        record("final_norm", x, _LN, _present(params, "final_norm"))

    # An encoder hands back its hidden states (and, traced, the pooled one).
    if config.kind == "encoder":
        if trace and config.pooler:
            pooled = pool(config, params, x)  # (B, C)
            record(
                "pooler",
                pooled,
                "Y = tanh(X[:, 0] W_p + b_p)",
                _present(params, "pooler"),
            )
        return (x, steps) if trace else x

    z = next_token_logits(config, params, x, record, trace)  # (B, T, V)
    return (z, steps) if trace else z


def token_and_position(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    ids: np.ndarray,
    record,
    *,
    table: str = "embed.tokens",
    prefix: str = "",
) -> np.ndarray:
    """Each token's row of ``table`` plus its position's encoding, learned
    (``{prefix}embed.positions``) or sinusoidal; returns X_tok + X_pos,
    (B, T, C) for ids (B, T).

    ``record`` takes the steps ``{prefix}tokens``, ``{prefix}embed.tokens``
    and ``{prefix}embed.positions``; an encoder-decoder's stacks pass
    ``prefix="encoder."`` or ``"decoder."``, and positions count from 0 in
    each.
    """
    T = ids.shape[1]
    record(f"{prefix}tokens", ids, "ids", ())
    x_tok = params[table][ids]  # (B, T, C)
    record(f"{prefix}embed.tokens", x_tok, "X_tok = E[ids]", (table,))
    positions = f"{prefix}embed.positions"
    if config.positional == "learned":
        x_pos = params[positions][:T]  # (T, C)
        record(positions, x_pos, "X_pos = P[0:T]", (positions,))
    else:
        x_pos = sinusoidal_positions(T, config.d_model, params[table].dtype)  # (T, C)
        record(
            positions,
            x_pos,
            "X_pos[t, 2i] = sin(t / 10000^(2i/C)), X_pos[t, 2i+1] = cos(...)",
        )
    return x_tok + x_pos  # (B, T, C)


def next_token_logits(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    record,
    trace: bool,
) -> np.ndarray:
    """A decoder's scores of every vocabulary entry as the next token, from
    its last hidden states x, (B, T, C); returns z, (B, T, V).

    Tied embeddings reuse the token table: the score of token w is the dot
    product of the hidden state with w's own embedding. ``record`` takes
    the steps (``logits``, and ``probs`` when ``trace``).
    """
    if config.tie_embeddings:
        z = x @ params["embed.tokens"].T  # (B, T, V)
        record("logits", z, "Z = X E^T", ("embed.tokens",))
    else:
        z = x @ params["head.weight"]  # (B, T, V)
        record("logits", z, "Z = X W_head", ("head.weight",))
    if trace:
        record("probs", softmax(z), "P = softmax(Z) over the vocabulary")
    return z


def block_forward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    trace: Trace | None = None,
    prefix: str = "blocks",
) -> np.ndarray:
    """One transformer block: attention and feed-forward, with residuals.

    Pre-LN:  x = x + Attn(LN1(x));   x = x + FF(LN2(x))
    Post-LN: x = LN1(x + Attn(x));   x = LN2(x + FF(x))

    Args:
        config: the model's configuration; decoders attend causally.
        params: the parameters (those of block ``layer`` are read).
        layer: the block's index, 0 to L - 1.
        x: the residual stream entering the block, (B, T, C).
        mask: a boolean key mask (True = may attend), (B, 1, 1, T), from
            ``key_mask``; None for none.
        trace: a ``Trace`` to record the steps into, or None.
        prefix: where the block's parameters live: ``"blocks"``, or
            ``"encoder.blocks"`` for an encoder-decoder's encoder.

    Returns:
        The residual stream leaving the block, (B, T, C).
    """
    block = f"{prefix}.{layer}"
    causal = config.kind == "decoder"
    x = attention_sublayer(
        config, params, f"{block}.attn", f"{block}.norm1", x, mask, trace, causal
    )  # (B, T, C)
    return feed_forward_sublayer(
        config, params, f"{block}.ff", f"{block}.norm2", x, trace
    )  # (B, T, C)


def attention_sublayer(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    at: str,
    norm: str,
    x: np.ndarray,
    mask: np.ndarray | None,
    trace: Trace | None,
    causal: bool,
    memory: np.ndarray | None = None,
) -> np.ndarray:
    """Attention wrapped in its residual and layer norm.

    Pre-LN: x + Attn(LN(x)); post-LN: LN(x + Attn(x)). Self-attention when
    ``memory`` is None; cross-attention, keys and values projected from
    ``memory``, otherwise.

    Args:
        config: the model's configuration.
        params: the parameters (those under ``at`` and ``norm`` are read).
        at: the attention's name, e.g. ``"blocks.0.attn"``.
        norm: the layer norm's name, e.g. ``"blocks.0.norm1"``.
        x: the residual stream, (B, T, C).
        mask: a boolean key mask, (B, 1, 1, S), or None.
        trace: a ``Trace`` to record the steps into, or None.
        causal: query i sees keys j <= i only.
        memory: the sequence the keys and values come from, (B, S, C); None
            for self-attention.

    Returns:
        The residual stream after the sublayer, (B, T, C).
    """
    record = trace.record if trace is not None else _skip
    pre = config.norm == "pre"

    # Attention reads the normalised stream (pre-LN) or the stream itself.
    h = x
    if pre:
        h = _norm(config, params, norm, x)  # (B, T, C)
        record(norm, h, _LN, _present(params, norm))
    o = _attention(config, params, at, h, mask, trace, causal, memory)  # (B, T, C)
    x = x + o  # (B, T, C)
    record(f"{at}.residual", x, "X = X + A")
    if not pre:
        x = _norm(config, params, norm, x)  # (B, T, C)
        record(norm, x, "X = " + _LN, _present(params, norm))
    return x


def feed_forward_sublayer(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    ff: str,
    norm: str,
    x: np.ndarray,
    trace: Trace | None,
) -> np.ndarray:
    """The feed-forward network wrapped in its residual and layer norm.

    Pre-LN: x + FF(LN(x)); post-LN: LN(x + FF(x)).

    Args:
        config: the model's configuration.
        params: the parameters (those under ``ff`` and ``norm`` are read).
        ff: the network's name, e.g. ``"blocks.0.ff"``.
        norm: the layer norm's name, e.g. ``"blocks.0.norm2"``.
        x: the residual stream, (B, T, C).
        trace: a ``Trace`` to record the steps into, or None.

    Returns:
        The residual stream after the sublayer, (B, T, C).
    """
    record = trace.record if trace is not None else _skip
    pre = config.norm == "pre"

    # The feed-forward network, the same two layers at every position.
    h = x
    if pre:
        h = _norm(config, params, norm, x)  # (B, T, C)
        record(norm, h, _LN, _present(params, norm))
    u = _linear(params, f"{ff}.up", h)  # (B, T, F)
    up = ("U = H" if pre else "U = X") + " W_up + b_up"
    record(f"{ff}.up", u, up, _present(params, f"{ff}.up"))
    g = activation(config.activation, u)  # (B, T, F)
    record(f"{ff}.act", g, activation_equation(config.activation))
    m = _linear(params, f"{ff}.down", g)  # (B, T, C)
    record(f"{ff}.down", m, "M = G W_down + b_down", _present(params, f"{ff}.down"))
    x = x + m  # (B, T, C)
    record(f"{ff}.residual", x, "X = X + M")
    if not pre:
        x = _norm(config, params, norm, x)  # (B, T, C)
        record(norm, x, "X = " + _LN, _present(params, norm))
    return x


def _attention(
    config, params, at: str, h: np.ndarray, mask, trace, causal: bool, memory=None
) -> np.ndarray:
    """Multi-head attention of one sublayer, each step recorded: self-attention
    over h, or (memory given) cross-attention from h to memory."""
    H = config.heads
    record = trace.record if trace is not None else _skip
    source = "H" if config.norm == "pre" else "X"
    keys_from, kv = (source, h) if memory is None else ("M", memory)

    # Queries, keys and values: projections of the stream (keys and values
    # of the encoder's output M in cross-attention).
    q = _linear(params, f"{at}.q", h)  # (B, T, C)
    record(f"{at}.q", q, f"Q = {source} W_q + b_q", _present(params, f"{at}.q"))
    k = _linear(params, f"{at}.k", kv)  # (B, S, C)
    record(f"{at}.k", k, f"K = {keys_from} W_k + b_k", _present(params, f"{at}.k"))
    v = _linear(params, f"{at}.v", kv)  # (B, S, C)
    record(f"{at}.v", v, f"V = {keys_from} W_v + b_v", _present(params, f"{at}.v"))

    # Cut the width into H heads of D numbers each (views, no copies).
    q = split_heads(q, H)  # (B, H, T, D)
    k, v = split_heads(k, H), split_heads(v, H)  # (B, H, S, D)
    record(f"{at}.q_heads", q, "Q_h = Q[:, :, hD:(h+1)D]")
    record(f"{at}.k_heads", k, "K_h = K[:, :, hD:(h+1)D]")
    record(f"{at}.v_heads", v, "V_h = V[:, :, hD:(h+1)D]")

    # Attention within each head. attention_forward computes the scores
    # internally; a trace computes them a second time to show them, one
    # extra (T, S) product per head, paid only when tracing.
    if trace is not None:
        _record_scores(q, k, causal, mask, at, record)
    attended = attention_forward(q, k, v, causal=causal, mask=mask)
    record(f"{at}.probs", attended.probs, "P = softmax(S) over the keys")
    record(f"{at}.weighted", attended.out, "O_h = P V_h")  # (B, H, T, D)

    # Join the heads side by side and mix them.
    o = merge_heads(attended.out)  # (B, T, C)
    record(f"{at}.joined", o, "O = [O_1 ... O_H]")
    o = _linear(params, f"{at}.out", o)  # (B, T, C)
    record(f"{at}.out", o, "A = O W_o + b_o", _present(params, f"{at}.out"))
    return o


def _record_scores(q, k, causal: bool, mask, at: str, record) -> None:
    """Record the scores, their scaling and their masking, for a trace."""
    s = q @ np.swapaxes(k, -1, -2)  # (B, H, T, S)
    record(f"{at}.scores", s, "S = Q_h K_h^T")
    s = s * (1.0 / math.sqrt(q.shape[-1]))  # (B, H, T, S)
    record(f"{at}.scaled", s, "S = S / sqrt(d_k)")
    T, S = q.shape[-2], k.shape[-2]
    allowed = causal_mask(T, S) if causal else None  # (T, S)
    if mask is not None:
        allowed = mask if allowed is None else allowed & mask  # (B, 1, T, S)
    if allowed is None:
        record(f"{at}.masked", s, "S unchanged: every key is visible")
        return
    s = np.where(allowed, s, -np.inf)  # (B, H, T, S)
    record(f"{at}.masked", s, "S_ij = -inf where key j is hidden from query i")


def pool(
    config: TransformerConfig, params: dict[str, np.ndarray], x: np.ndarray
) -> np.ndarray:
    """BERT's pooler: tanh of a projection of the first position's state.

    Args:
        config: a configuration with ``pooler`` true.
        params: the parameters.
        x: the encoder's hidden states, (B, T, C).

    Returns:
        The pooled vectors, (B, C).
    """
    if not config.pooler:
        raise InvalidArgumentError(
            "expected a config with pooler=True, got pooler=False; this model "
            "has no pooler weights"
        )
    return np.tanh(_linear(params, "pooler", x[:, 0]))  # (B, C)


def key_mask(
    attention_mask, B: int, T: int, *, name: str = "attention_mask"
) -> np.ndarray | None:
    """Turn a (B, T) attention mask of 1s and 0s into a boolean key mask.

    Args:
        attention_mask: (B, T), 1 or True for a real token, 0 or False for
            padding; or None.
        B, T: the batch size and sequence length it must have.
        name: what the mask is called in error messages; ``"source_mask"``
            names a mask that must match ``source_ids`` instead of
            ``token_ids``.

    Returns:
        None for None, else a boolean array (B, 1, 1, T), True where a key may
        be attended to; it broadcasts against scores (B, H, T, T).
    """
    if attention_mask is None:
        return None
    mask = np.asarray(attention_mask)
    if mask.dtype != np.bool_ and mask.dtype.kind not in "iuf":
        raise DTypeError(
            f"expected {name} of 0s and 1s or booleans, got dtype "
            f"{mask.dtype}; pass mask.astype(np.int64)"
        )
    like = "source_ids" if name == "source_mask" else "token_ids"
    _check_same_shape(mask, name, (B, T), like)
    return (mask != 0)[:, None, None, :]  # (B, 1, 1, T)


# ---- small pieces ----------------------------------------------------------


def _linear(params: dict, name: str, x: np.ndarray) -> np.ndarray:
    """x @ W + b with the weight (in, out) and the optional bias of ``name``."""
    y = x @ params[f"{name}.weight"]  # (..., out)
    bias = params.get(f"{name}.bias")
    return y if bias is None else y + bias  # (..., out)


def _norm(config, params: dict, name: str, x: np.ndarray) -> np.ndarray:
    return layer_norm(
        x, params[f"{name}.weight"], params.get(f"{name}.bias"), config.layer_norm_eps
    )  # (B, T, C)


def _present(params: dict, name: str) -> tuple[str, ...]:
    """The parameter names under ``name`` (weight, and bias if there is one)."""
    return tuple(n for n in (f"{name}.weight", f"{name}.bias") if n in params)


def _skip(name, value, equation, parameters=()):
    """What ``record`` is when nothing is traced: hand the value back."""
    return value


def _check_ids(ids, name: str, size: int, length: str = "T") -> np.ndarray:
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise DTypeError(
            f"expected {name} of an integer dtype, got {ids.dtype}; convert "
            f"with {name}.astype(np.int64)"
        )
    if ids.ndim != 2 or ids.shape[1] < 1:
        raise ShapeError(
            f"expected {name} of shape (B, {length}) with {length} >= 1, got "
            f"{ids.shape}; add a batch axis with {name}[None] for a single sequence"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise InvalidArgumentError(
            f"expected {name} in [0, {size}), got {bad}; the ids must come from "
            "this model's vocabulary"
        )
    return ids


def _check_same_shape(
    x: np.ndarray, name: str, shape: tuple, like: str = "token_ids"
) -> None:
    if x.shape != shape:
        raise ShapeError(
            f"expected {name} of shape {shape} like {like}, got {x.shape}; "
            "pass one entry per token"
        )
