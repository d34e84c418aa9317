"""The backward pass of an encoder-decoder's decoder block in NumPy, derived
by hand.

``decoder_block_backward`` is to ``seq2seq.decoder_block_forward`` what
``backward.block_backward`` is to ``reference.block_forward``: given the
gradient of a loss with respect to the block's output, it returns the
gradients of the block's input, of the encoder memory M it read, and of
every parameter of the block. Read ``neuron.transformer.backward`` first:
this module chains its sublayer backwards, three of them instead of two.

The memory is where the decoder block differs. Cross-attention projects its
keys and values from M, so the gradients of k and v flow into M, not into
the decoder's stream. Every decoder block reads the same M, so the gradient
reaching the encoder's output is the sum of ``dmemory`` over the decoder's
blocks; the tests chain the blocks that way through the whole model.

Legend (that of ``neuron.transformer.seq2seq``):
    B   batch size                  T   target positions
    S   source positions            C   model width (d_model)
    x   the decoder's residual stream entering the block, (B, T, C)
    m   the encoder's output, the memory, (B, S, C)
    dout   gradient with respect to the block output, (B, T, C)
    d<name>  the gradient with respect to <name>, shaped like it
"""

from typing import NamedTuple

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.backward import (
    attention_sublayer_backward,
    check_layer,
    feed_forward_sublayer_backward,
    sublayer_output,
)
from neuron.transformer.config import TransformerConfig
from neuron.transformer.parameters import check_parameters
from neuron.transformer.reference import key_mask
from neuron.transformer.seq2seq import decoder_block_forward
from neuron.transformer.trace import Trace

__all__ = ["DecoderBlockGradients", "decoder_block_backward"]


class DecoderBlockGradients(NamedTuple):
    """What ``decoder_block_backward`` returns.

    Attributes:
        dx: gradient with respect to the block input, (B, T, C).
        dmemory: gradient with respect to the memory the block read,
            (B, S, C); sum it over the decoder's blocks for the gradient of
            the encoder's output.
        params: gradient of every parameter of the block, by its full name
            (``"decoder.blocks.0.cross.k.weight"``), shaped like the
            parameter.
    """

    dx: np.ndarray
    dmemory: np.ndarray
    params: dict[str, np.ndarray]


def decoder_block_backward(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    memory: np.ndarray,
    dout: np.ndarray,
    *,
    attention_mask: np.ndarray | None = None,
    source_mask: np.ndarray | None = None,
) -> DecoderBlockGradients:
    """Gradients of decoder block ``layer`` of an encoder-decoder.

    Args:
        config: a configuration of kind "encoder-decoder" (pre- or post-LN).
        params: the model's parameters, float32 or float64.
        layer: the block's index, 0 to L - 1.
        x: the block input, (B, T, C), in the parameters' dtype.
        memory: the encoder's output m the block reads, (B, S, C).
        dout: gradient of the loss with respect to the block output,
            (B, T, C).
        attention_mask: (B, T), 1 for a real target token and 0 for
            padding, as in ``reference.forward``; None for none. The
            self-attention is causal in any case.
        source_mask: (B, S), 1 for a real source token and 0 for padding;
            None for none.

    Returns:
        ``DecoderBlockGradients(dx, dmemory, params)``, in the parameters'
        dtype.

    Raises:
        InvalidArgumentError: a config of another kind, or a layer out of
            range.
        ShapeError: x, memory or dout do not fit this config or each other.
    """
    if config.kind != "encoder-decoder":
        raise InvalidArgumentError(
            f"expected a config of kind 'encoder-decoder', got {config.kind!r}; "
            "a decoder's or an encoder's blocks are backward.block_backward"
        )
    check_parameters(config, params)
    check_layer(config, layer)
    x, memory, dout = np.asarray(x), np.asarray(memory), np.asarray(dout)
    C = config.d_model
    if x.ndim != 3 or x.shape[-1] != C or dout.shape != x.shape:
        raise ShapeError(
            f"expected x and dout of shape (B, T, {C}), got {x.shape} and "
            f"{dout.shape}; pass the block input and the gradient of its output"
        )
    B, T, _ = x.shape
    if memory.ndim != 3 or memory.shape[0] != B or memory.shape[-1] != C:
        raise ShapeError(
            f"expected memory of shape ({B}, S, {C}) like x, got {memory.shape}; "
            "pass the encoder's output for the same batch"
        )
    S = memory.shape[1]
    target_keys = key_mask(attention_mask, B, T)  # (B, 1, 1, T) or None
    source_keys = key_mask(source_mask, B, S, name="source_mask")  # (B, 1, 1, S)

    # The forward pass again, keeping every activation.
    steps = Trace()
    decoder_block_forward(
        config,
        params,
        layer,
        x,
        memory,
        mask=target_keys,
        memory_mask=source_keys,
        trace=steps,
    )
    saved = {step.name: step.value for step in steps}
    block, grads = f"decoder.blocks.{layer}", {}
    at, norm1 = f"{block}.attn", f"{block}.norm1"
    cross, norm2 = f"{block}.cross", f"{block}.norm2"

    # The feed-forward network (norm3) read the cross-attention's output.
    x2 = sublayer_output(config, saved, cross, norm2)  # (B, T, C)
    d = feed_forward_sublayer_backward(
        config, params, f"{block}.ff", f"{block}.norm3", x2, saved, dout, grads
    )  # (B, T, C)

    # Cross-attention read the self-attention's output for its queries and
    # the memory for its keys and values: d splits between the two.
    x1 = sublayer_output(config, saved, at, norm1)  # (B, T, C)
    d, dmemory = attention_sublayer_backward(
        config, params, cross, norm2, x1, saved, d, grads, memory
    )  # (B, T, C), (B, S, C)

    # Causal self-attention read the block input; its mask lives in the
    # saved probabilities, as in block_backward.
    d, _ = attention_sublayer_backward(
        config, params, at, norm1, x, saved, d, grads
    )  # (B, T, C)
    return DecoderBlockGradients(d, dmemory, grads)
