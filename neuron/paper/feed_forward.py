"""Section 3.3, equation (2): the position-wise feed-forward network.

The checker compares PyTorch's ``neuron.transformer.model.FeedForward``
(the layer the trained model runs) with the formula written out in NumPy,
whose activation comes from ``neuron.transformer.layers.activation``.

Legend:
    B   batch size    T   positions    C   d_model    F   d_ff
    x   the input (B, T, C); w1 (C, F), b1 (F,), w2 (F, C), b2 (C,)
"""

from __future__ import annotations

import math

import numpy as np

from neuron.paper.record import CheckResult, Equation, Properties, checker

__all__ = ["FEED_FORWARD", "feed_forward"]


def feed_forward(x, w1, b1, w2, b2, activation: str = "relu") -> np.ndarray:
    """FFN(x) = act(x W1 + b1) W2 + b2, applied to each position alike.

    Args:
        x: (..., C), float32 or float64.
        w1: (C, F); b1: (F,); w2: (F, C); b2: (C,).
        activation: a name of ``neuron.transformer.layers.ACTIVATIONS``;
            the paper's is ``"relu"``.

    Returns:
        (..., C), in the dtype of x.
    """
    from neuron.transformer.layers import activation as act

    u = x @ w1 + b1  # (..., F)
    return act(activation, u) @ w2 + b2  # (..., C)


def _torch_feed_forward(x, w1, b1, w2, b2, activation="relu"):
    """The PyTorch model's layer, loaded with these weights, in float64."""
    import torch

    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.model import FeedForward

    C, F = w1.shape
    config = TransformerConfig(
        kind="decoder",
        vocab_size=8,
        context=8,
        d_model=C,
        heads=1,
        layers=1,
        d_ff=F,
        activation=activation,
    )
    layer = FeedForward(config).double()
    with torch.no_grad():
        for parameter, value in zip(
            (layer.up.weight, layer.up.bias, layer.down.weight, layer.down.bias),
            (w1, b1, w2, b2),
            strict=True,
        ):
            parameter.copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)))
        return layer(torch.from_numpy(x)).numpy()


@checker
def check_feed_forward(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check equation (2) and that the network acts on each position alone.

    Args:
        implementation: ``f(x, w1, b1, w2, b2, activation) -> y``; None means
            PyTorch's ``FeedForward`` of the model.
        seed: seeds the random inputs.
    """
    run = implementation or _torch_feed_forward
    rng = np.random.default_rng(seed)
    B, T, C, F = 2, 7, 8, 32
    x = rng.standard_normal((B, T, C))  # (B, T, C)
    w1 = rng.standard_normal((C, F)) / math.sqrt(C)  # (C, F)
    b1 = rng.standard_normal(F)  # (F,)
    w2 = rng.standard_normal((F, C)) / math.sqrt(F)  # (F, C)
    b2 = rng.standard_normal(C)  # (C,)
    props = Properties()

    y = np.asarray(run(x, w1, b1, w2, b2, "relu"))  # (B, T, C)
    want = np.maximum(0, x @ w1 + b1) @ w2 + b2  # (B, T, C)
    error = float(np.max(np.abs(y - want)))
    props.expect(
        "the output is max(0, x W1 + b1) W2 + b2",
        error < 1e-12,
        f"max error {error:.1e}",
    )
    numpy_error = float(np.max(np.abs(feed_forward(x, w1, b1, w2, b2) - want)))
    props.expect(
        "the NumPy layers give the same",
        numpy_error < 1e-12,
        f"max error {numpy_error:.1e}",
    )

    # Position-wise: shuffling the positions shuffles the outputs, and one
    # position run alone gives its row of the full output.
    order = rng.permutation(T)
    shuffled = np.asarray(run(x[:, order], w1, b1, w2, b2, "relu"))  # (B, T, C)
    props.expect(
        "shuffling positions shuffles the output the same way",
        np.allclose(shuffled, y[:, order], atol=1e-12),
    )
    alone = np.asarray(run(x[:, 3:4], w1, b1, w2, b2, "relu"))  # (B, 1, C)
    props.expect(
        "a position alone gives the same output",
        np.allclose(alone[:, 0], y[:, 3], atol=1e-12),
    )

    # The same holds with GELU, the activation of GPT-2 and BERT.
    gelu = np.asarray(run(x, w1, b1, w2, b2, "gelu"))  # (B, T, C)
    gelu_error = float(np.max(np.abs(gelu - feed_forward(x, w1, b1, w2, b2, "gelu"))))
    props.expect(
        "with GELU, PyTorch and NumPy agree",
        gelu_error < 1e-12,
        f"max error {gelu_error:.1e}",
    )

    # The paper's widths: d_ff = 4 d_model in both models.
    from neuron.transformer.config import TransformerConfig

    base = TransformerConfig.transformer_base()
    big = TransformerConfig.transformer_big()
    props.expect(
        "d_ff is 4 d_model in the base and big models",
        base.d_ff == 4 * base.d_model and big.d_ff == 4 * big.d_model,
        f"{base.d_ff} = 4 x {base.d_model}, {big.d_ff} = 4 x {big.d_model}",
    )
    props.measure(
        max_output_error=error,
        max_gelu_error=gelu_error,
        d_model=base.d_model,
        d_ff=base.d_ff,
    )
    return props.result()


FEED_FORWARD = Equation(
    id="eq2-feed-forward",
    title="Position-wise feed-forward network",
    latex=r"\mathrm{FFN}(x) = \max(0,\, x W_1 + b_1)\, W_2 + b_2",
    explanation=(
        "After attention has mixed information across positions, every "
        "position goes through the same small two-layer network on its own: "
        "widen from d_model = 512 to d_ff = 2048, apply ReLU, narrow back. "
        "The weights are shared by all positions of a layer and differ from "
        "layer to layer; it is the same as two convolutions of kernel size "
        "one. Later models (GPT-2, BERT) use GELU in place of ReLU."
    ),
    section="3.3",
    code=(
        "neuron.transformer.model.FeedForward",
        "neuron.transformer.layers.activation",
        "neuron.transformer.reference.block_forward",
        "neuron.paper.feed_forward.feed_forward",
    ),
    lesson="lessons/06_transformer_block.py",
    check=check_feed_forward,
)
