"""The backward pass of one transformer block in NumPy, derived by hand.

``block_backward`` takes the gradient of a loss with respect to a block's
output and returns the gradients of every parameter of the block and of its
input: through the residual connections, both layer norms, the feed-forward
network and multi-head attention. PyTorch autograd checks it in the tests.

It reruns the block's forward pass with a ``Trace`` and reads the
activations it needs from there (what training frameworks call activation
checkpointing: memory for one block at a time, at the cost of a second
forward). Each piece calls the hand-derived backward of its layer:
``neuron.transformer.layers`` for layer norm and the activations,
``neuron.attention.reference.attention_backward`` for attention.

Legend (that of ``neuron.transformer.reference``):
    B, T, C, H, D, F   batch, positions, width, heads, head size, ff width
    x      the block input, (B, T, C)
    dout   gradient with respect to the block output, (B, T, C)
    d<name>  the gradient with respect to <name>, shaped like it
"""

from typing import NamedTuple

import numpy as np

from neuron.attention.heads import merge_heads, split_heads
from neuron.attention.reference import attention_backward
from neuron.errors import ShapeError
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
            ``reference.forward``; None for none.

    Returns:
        ``BlockGradients(dx, params)``.

    Raises:
        ShapeError: x or dout is not (B, T, C) for this config.
        NotImplementedError: an encoder-decoder config.
    """
    if config.kind == "encoder-decoder":
        # TODO: the decoder block's cross-attention backward, then this goes.
        raise NotImplementedError(
            "block_backward takes the blocks of a decoder or an encoder; an "
            "encoder-decoder's blocks (with cross-attention) have no hand-written "
            "backward yet: use the PyTorch model's autograd"
        )
    check_parameters(config, params)
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
    block_forward(config, params, layer, x, mask=mask, trace=steps)
    saved = {step.name: step.value for step in steps}
    at, ff = f"blocks.{layer}.attn", f"blocks.{layer}.ff"
    norm1, norm2 = f"blocks.{layer}.norm1", f"blocks.{layer}.norm2"
    eps, grads = config.layer_norm_eps, {}

    # Post-LN ends in norm2: undo it first. Its input was the ff residual sum.
    d = dout  # (B, T, C), gradient with respect to the current stream
    if config.norm == "post":
        d = _norm_backward(params, norm2, saved[f"{ff}.residual"], d, eps, grads)

    # The feed-forward residual x + M passes d to both of its terms. The ff
    # input is norm2's output (pre-LN) or norm1's (post-LN).
    ff_in = saved[norm2] if config.norm == "pre" else saved[norm1]  # (B, T, C)
    dg = _linear_backward(params, f"{ff}.down", saved[f"{ff}.act"], d, grads)
    du = activation_backward(config.activation, saved[f"{ff}.up"], dg)  # (B, T, F)
    dh = _linear_backward(params, f"{ff}.up", ff_in, du, grads)  # (B, T, C)
    if config.norm == "pre":
        # x1 = x + A fed both the residual and norm2.
        attn_sum = saved[f"{at}.residual"]  # (B, T, C)
        d = d + _norm_backward(params, norm2, attn_sum, dh, eps, grads)  # (B, T, C)
    else:
        # The ff residual read norm1's output twice: as itself and through ff.
        d = d + dh  # (B, T, C)
        d = _norm_backward(params, norm1, saved[f"{at}.residual"], d, eps, grads)

    # The attention residual x + A, likewise. Attention read norm1's output
    # (pre-LN) or the block input (post-LN).
    attn_in = saved[norm1] if config.norm == "pre" else x  # (B, T, C)
    dh = _attention_backward(params, at, attn_in, saved, d, grads)  # (B, T, C)
    if config.norm == "pre":
        d = d + _norm_backward(params, norm1, x, dh, eps, grads)  # (B, T, C)
    else:
        d = d + dh  # (B, T, C)
    return BlockGradients(d, grads)


def _attention_backward(
    params: dict, at: str, h: np.ndarray, saved: dict, dout: np.ndarray, grads: dict
) -> np.ndarray:
    """Through the output projection, the heads and the three projections."""
    H = saved[f"{at}.q_heads"].shape[1]

    # The output projection, then cut its gradient into heads like the
    # forward pass cut q, k and v.
    do = _linear_backward(params, f"{at}.out", saved[f"{at}.joined"], dout, grads)
    do = split_heads(do, H)  # (B, H, T, D)

    # Attention itself; the mask lives in the saved probabilities.
    dq, dk, dv = attention_backward(
        do,
        saved[f"{at}.q_heads"],
        saved[f"{at}.k_heads"],
        saved[f"{at}.v_heads"],
        saved[f"{at}.probs"],
    )  # (B, H, T, D) each

    # q, k and v were three projections of the same h: their gradients add.
    dh = _linear_backward(params, f"{at}.q", h, merge_heads(dq), grads)  # (B, T, C)
    dh = dh + _linear_backward(params, f"{at}.k", h, merge_heads(dk), grads)
    dh = dh + _linear_backward(params, f"{at}.v", h, merge_heads(dv), grads)
    return dh  # (B, T, C)


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
