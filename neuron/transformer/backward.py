"""The backward pass of one transformer block in NumPy, derived by hand.

``block_backward`` takes the gradient of a loss with respect to a block's
output and returns the gradients of every parameter of the block and of its
input: through the residual connections, both layer norms, the feed-forward
network and multi-head attention. It takes the blocks of a decoder, of an
encoder, and of an encoder-decoder's encoder (``stack="encoder.blocks"``);
the encoder-decoder's decoder blocks, with their cross-attention, are
``neuron.transformer.seq2seq_backward.decoder_block_backward``, built from
this module's sublayer backwards. PyTorch autograd checks both in the tests.

It reruns the block's forward pass with a ``Trace`` and reads the
activations it needs from there (what training frameworks call activation
checkpointing: memory for one block at a time, at the cost of a second
forward). Each piece calls the hand-derived backward of its layer:
``neuron.transformer.layers`` for layer norm and the activations,
``neuron.attention.reference.attention_backward`` for attention.

Legend (that of ``neuron.transformer.reference``):
    B, T, C, H, D, F   batch, positions, width, heads, head size, ff width
    S      keys attended to: T in self-attention, source positions in
           cross-attention
    x      the block input (or a sublayer's input), (B, T, C)
    h      what a sublayer's network reads: LN(x) (pre-LN) or x (post-LN)
    m      the memory cross-attention reads keys and values from, (B, S, C)
    dout   gradient with respect to the block output, (B, T, C)
    d<name>  the gradient with respect to <name>, shaped like it
"""

from typing import NamedTuple

import numpy as np

from neuron.attention.heads import merge_heads, split_heads
from neuron.attention.reference import attention_backward
from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.layers import activation_backward, layer_norm_backward
from neuron.transformer.parameters import check_parameters
from neuron.transformer.reference import block_forward, key_mask
from neuron.transformer.trace import Trace

__all__ = ["BlockGradients", "block_backward"]


class BlockGradients(NamedTuple):
    """What ``block_backward`` returns.

    Attributes:
        dx: gradient with respect to the block input, (B, T, C).
        params: gradient of every parameter of the block, by its full name
            (``"blocks.0.attn.q.weight"``), shaped like the parameter.
    """

    dx: np.ndarray
    params: dict[str, np.ndarray]


def block_backward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    dout: np.ndarray,
    *,
    attention_mask: np.ndarray | None = None,
    stack: str = "blocks",
) -> BlockGradients:
    """Gradients of block ``layer`` with respect to its parameters and input.

    Args:
        config: the model's configuration (pre- or post-LN, activation,
            causal for decoders).
        params: the model's parameters, float32 or float64.
        layer: the block's index, 0 to L - 1.
        x: the block input, (B, T, C), in the parameters' dtype.
        dout: gradient of the loss with respect to the block output,
            (B, T, C).
        attention_mask: (B, T), 1 for a real token and 0 for padding, as in
            ``reference.forward``; None for none. For an encoder-decoder's
            encoder block, T is S and this is the ``source_mask``.
        stack: where the block lives: ``"blocks"`` for a decoder or an
            encoder, ``"encoder.blocks"`` for an encoder-decoder's encoder
            (the same block, under other names).

    Returns:
        ``BlockGradients(dx, params)``, in the parameters' dtype.

    Raises:
        ShapeError: x or dout is not (B, T, C) for this config.
        InvalidArgumentError: a stack this config does not have, or a layer
            out of range.
    """
    expected = "encoder.blocks" if config.kind == "encoder-decoder" else "blocks"
    if stack != expected:
        hint = (
            "; a decoder block of an encoder-decoder is "
            "seq2seq_backward.decoder_block_backward"
            if stack == "decoder.blocks"
            else ""
        )
        raise InvalidArgumentError(
            f"expected stack={expected!r} for kind={config.kind!r}, got "
            f"stack={stack!r}; pass stack={expected!r}{hint}"
        )
    check_parameters(config, params)
    check_layer(config, layer)
    x, dout = np.asarray(x), np.asarray(dout)
    if x.ndim != 3 or x.shape[-1] != config.d_model or dout.shape != x.shape:
        raise ShapeError(
            f"expected x and dout of shape (B, T, {config.d_model}), got "
            f"{x.shape} and {dout.shape}; pass the block input and the gradient "
            "of its output"
        )
    B, T, C = x.shape
    mask = key_mask(attention_mask, B, T)  # (B, 1, 1, T) or None

    # The forward pass again, keeping every activation.
    steps = Trace()
    block_forward(config, params, layer, x, mask=mask, trace=steps, prefix=stack)
    saved = {step.name: step.value for step in steps}
    block, grads = f"{stack}.{layer}", {}
    at, norm1 = f"{block}.attn", f"{block}.norm1"

    # Last sublayer first: the feed-forward network read the attention
    # sublayer's output.
    x1 = sublayer_output(config, saved, at, norm1)  # (B, T, C)
    d = feed_forward_sublayer_backward(
        config, params, f"{block}.ff", f"{block}.norm2", x1, saved, dout, grads
    )  # (B, T, C)

    # Then self-attention, which read the block input.
    d, _ = attention_sublayer_backward(
        config, params, at, norm1, x, saved, d, grads
    )  # (B, T, C)
    return BlockGradients(d, grads)


# ---- the sublayers, shared with seq2seq_backward -----------------------------


def check_layer(config: TransformerConfig, layer: int) -> None:
    """Refuse a block index the config does not have."""
    if not 0 <= layer < config.layers:
        raise InvalidArgumentError(
            f"expected layer in [0, {config.layers}), got {layer}; blocks are "
            "counted from 0"
        )


def sublayer_output(
    config: TransformerConfig, saved: dict, at: str, norm: str
) -> np.ndarray:
    """What a sublayer handed the next one, from the trace: its residual sum
    (pre-LN) or its layer norm's output (post-LN)."""
    return saved[f"{at}.residual"] if config.norm == "pre" else saved[norm]


def feed_forward_sublayer_backward(
    config: TransformerConfig,
    params: dict,
    ff: str,
    norm: str,
    x: np.ndarray,
    saved: dict,
    d: np.ndarray,
    grads: dict,
) -> np.ndarray:
    """Back through x + FF(LN(x)) (pre-LN) or LN(x + FF(x)) (post-LN).

    Args:
        x: the sublayer's input, (B, T, C).
        saved: the trace's values by name.
        d: gradient with respect to the sublayer's output, (B, T, C).
        grads: where the parameters' gradients go, by name.

    Returns:
        The gradient with respect to x, (B, T, C).
    """
    pre, eps = config.norm == "pre", config.layer_norm_eps

    # Post-LN ends in the norm: undo it first. Its input was the residual sum.
    if not pre:
        d = _norm_backward(params, norm, saved[f"{ff}.residual"], d, eps, grads)

    # The residual x + M passes d to both of its terms; the network read h.
    h = saved[norm] if pre else x  # (B, T, C)
    dg = _linear_backward(params, f"{ff}.down", saved[f"{ff}.act"], d, grads)
    du = activation_backward(config.activation, saved[f"{ff}.up"], dg)  # (B, T, F)
    dh = _linear_backward(params, f"{ff}.up", h, du, grads)  # (B, T, C)

    # Pre-LN: x fed the residual and the norm. Post-LN: x fed the residual
    # and the network directly.
    if pre:
        dh = _norm_backward(params, norm, x, dh, eps, grads)  # (B, T, C)
    return d + dh  # (B, T, C)


def attention_sublayer_backward(
    config: TransformerConfig,
    params: dict,
    at: str,
    norm: str,
    x: np.ndarray,
    saved: dict,
    d: np.ndarray,
    grads: dict,
    memory: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Back through x + Attn(LN(x)) (pre-LN) or LN(x + Attn(x)) (post-LN).

    Args:
        x: the sublayer's input, (B, T, C).
        saved: the trace's values by name.
        d: gradient with respect to the sublayer's output, (B, T, C).
        grads: where the parameters' gradients go, by name.
        memory: the (B, S, C) keys and values were projected from, for
            cross-attention; None for self-attention.

    Returns:
        ``(dx, dmemory)``: the gradients with respect to x, (B, T, C), and
        the memory, (B, S, C), or None for self-attention.
    """
    pre, eps = config.norm == "pre", config.layer_norm_eps

    # Post-LN: undo the norm over the residual sum first.
    if not pre:
        d = _norm_backward(params, norm, saved[f"{at}.residual"], d, eps, grads)

    # The residual x + A, likewise: attention read h.
    h = saved[norm] if pre else x  # (B, T, C)
    dh, dmemory = _attention_backward(params, at, h, saved, d, grads, memory)
    if pre:
        dh = _norm_backward(params, norm, x, dh, eps, grads)  # (B, T, C)
    return d + dh, dmemory  # (B, T, C), (B, S, C) or None


def _attention_backward(
    params: dict,
    at: str,
    h: np.ndarray,
    saved: dict,
    dout: np.ndarray,
    grads: dict,
    memory: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Through the output projection, the heads and the three projections;
    returns the gradients of h and (cross-attention) of the memory."""
    H = saved[f"{at}.q_heads"].shape[1]

    # The output projection, then cut its gradient into heads like the
    # forward pass cut q, k and v.
    do = _linear_backward(params, f"{at}.out", saved[f"{at}.joined"], dout, grads)
    do = split_heads(do, H)  # (B, H, T, D)

    # Attention itself; the mask lives in the saved probabilities. T queries
    # against S keys: attention_backward needs no T = S.
    dq, dk, dv = attention_backward(
        do,
        saved[f"{at}.q_heads"],
        saved[f"{at}.k_heads"],
        saved[f"{at}.v_heads"],
        saved[f"{at}.probs"],
    )  # (B, H, T, D), then (B, H, S, D) twice

    # q came from h. k and v came from h too in self-attention, and their
    # gradients add to it; from the memory in cross-attention, and add there.
    dh = _linear_backward(params, f"{at}.q", h, merge_heads(dq), grads)  # (B, T, C)
    kv = h if memory is None else memory  # (B, S, C)
    dkv = _linear_backward(params, f"{at}.k", kv, merge_heads(dk), grads)  # (B, S, C)
    dkv = dkv + _linear_backward(params, f"{at}.v", kv, merge_heads(dv), grads)
    if memory is None:
        return dh + dkv, None  # (B, T, C)
    return dh, dkv  # (B, T, C), (B, S, C)


def _linear_backward(
    params: dict, name: str, x: np.ndarray, dy: np.ndarray, grads: dict
) -> np.ndarray:
    """y = x W + b: dW = x^T dy and db = sum dy over every row, dx = dy W^T.

    Stores dW and db in grads under the parameter names; returns dx.
    """
    W = params[f"{name}.weight"]  # (in, out)
    rows_x = x.reshape(-1, x.shape[-1])  # (B * T, in)
    rows_dy = dy.reshape(-1, dy.shape[-1])  # (B * T, out)
    grads[f"{name}.weight"] = rows_x.T @ rows_dy  # (in, out)
    if f"{name}.bias" in params:
        grads[f"{name}.bias"] = rows_dy.sum(axis=0)  # (out,)
    return dy @ W.T  # (B, T, in)


def _norm_backward(
    params: dict, name: str, x: np.ndarray, dy: np.ndarray, eps: float, grads: dict
) -> np.ndarray:
    """Layer norm's backward; stores dw and db in grads, returns dx."""
    dx, dw, db = layer_norm_backward(dy, x, params[f"{name}.weight"], eps)
    grads[f"{name}.weight"] = dw  # (C,)
    if f"{name}.bias" in params:
        grads[f"{name}.bias"] = db  # (C,)
    return dx  # (B, T, C)
