"""Hand-derived gradients set beside PyTorch autograd, for the lesson on
backpropagation.

Each ``check_*`` function runs one piece of a transformer block twice on the
same numbers: backward by hand with neuron's NumPy reference (the formulas
derived in ``neuron.softmax.reference``, ``neuron.transformer.layers``,
``neuron.attention.reference`` and ``neuron.transformer.backward``), and
backward by PyTorch autograd. It returns one ``GradientCheck`` row per
gradient: the largest absolute difference between the two, and the largest
entry of the gradient itself so the difference can be read against it.
Everything runs in float64, where two correct derivations differ only by
rounding, about 1e-15 times the size of the numbers.

``linear_backward`` is the one formula written out here: the gradients of
y = x W + b, the piece every other layer is built from.

PyTorch is imported on first use, so importing this module stays cheap.

Legend:
    N   rows of a batch (B * T flattened)   C   a row's width
    x   an input (N, in) or (..., C)        W, b  a linear layer's weight
        (in, out) and bias (out,)
    dy  gradient of the scalar loss with respect to an output, its shape
    d<name>  the gradient with respect to <name>, shaped like it
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neuron.attention.reference import attention_backward, attention_forward
from neuron.errors import ShapeError
from neuron.softmax.reference import softmax, softmax_backward
from neuron.transformer.backward import block_backward
from neuron.transformer.config import TransformerConfig
from neuron.transformer.layers import layer_norm_backward

__all__ = [
    "GradientCheck",
    "LinearGradients",
    "check_attention",
    "check_block",
    "check_cross_entropy",
    "check_layer_norm",
    "check_linear",
    "check_softmax",
    "cross_entropy_backward",
    "linear_backward",
    "latex_matrix",
    "lesson_config",
    "lesson_parameters",
    "table_rows",
]


class GradientCheck(NamedTuple):
    """One gradient computed by hand and by autograd.

    Attributes:
        gradient: what it is the gradient with respect to, e.g. ``"dW"`` or
            ``"blocks.0.attn.q.weight"``.
        shape: its shape.
        max_abs_diff: max |hand - autograd| over its entries.
        max_abs: max |autograd| over its entries, the scale to read the
            difference against.
    """

    gradient: str
    shape: tuple[int, ...]
    max_abs_diff: float
    max_abs: float


class LinearGradients(NamedTuple):
    """What ``linear_backward`` returns: dx (N, in), dW (in, out), db (out,)."""

    dx: np.ndarray
    dW: np.ndarray
    db: np.ndarray


def linear_backward(x: np.ndarray, W: np.ndarray, dy: np.ndarray) -> LinearGradients:
    """Gradients of y = x W + b, derived by hand.

    Entry by entry, y_nj = sum_i x_ni W_ij + b_j. So
        dL/dx_ni = sum_j dy_nj W_ij           -> dx = dy W^T
        dL/dW_ij = sum_n x_ni dy_nj           -> dW = x^T dy
        dL/db_j  = sum_n dy_nj                -> db = dy summed over rows.
    Each result has the shape of what it differentiates, which is the quick
    check: (N, out) (out, in) is (N, in), (in, N) (N, out) is (in, out).

    Args:
        x: the layer's input, (N, in).
        W: its weight, (in, out).
        dy: gradient with respect to its output, (N, out).

    Returns:
        ``LinearGradients(dx, dW, db)``.

    Raises:
        ShapeError: the shapes do not fit together.
    """
    x, W, dy = (np.asarray(a, dtype=np.float64) for a in (x, W, dy))
    if x.ndim != 2 or W.ndim != 2 or dy.shape != (x.shape[0], W.shape[-1]):
        raise ShapeError(
            f"expected x (N, in), W (in, out) and dy (N, out), got {x.shape}, "
            f"{W.shape} and {dy.shape}; dy has one row per row of x and one "
            "column per output"
        )
    if x.shape[1] != W.shape[0]:
        raise ShapeError(
            f"expected W with {x.shape[1]} rows like the columns of x, got "
            f"{W.shape}; weights are (in, out)"
        )
    dx = dy @ W.T  # (N, in)
    dW = x.T @ dy  # (in, out)
    db = dy.sum(axis=0)  # (out,)
    return LinearGradients(dx, dW, db)


def cross_entropy_backward(logits: np.ndarray, target: int) -> np.ndarray:
    """Gradient of -log softmax(z)[target] with respect to the logits z.

    Softmax and the log meet and most of the Jacobian cancels: the result
    is p - onehot(target), the predicted distribution minus the true one.

    Args:
        logits: z, (V,).
        target: the index of the right class, in [0, V).

    Returns:
        dz, (V,).
    """
    z = np.asarray(logits, dtype=np.float64)  # (V,)
    if z.ndim != 1 or not 0 <= int(target) < z.shape[0]:
        raise ShapeError(
            f"expected logits of shape (V,) and a target in [0, V), got "
            f"{z.shape} and {target}"
        )
    dz = softmax(z)  # (V,)
    dz[int(target)] -= 1.0
    return dz


# ---- the checks ------------------------------------------------------------


def check_linear(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, dy: np.ndarray
) -> list[GradientCheck]:
    """``linear_backward`` against autograd of x @ W + b, for dx, dW, db."""
    torch = _torch()
    hand = linear_backward(x, W, dy)
    tx, tW, tb = (_leaf(torch, a) for a in (x, W, b))
    (tx @ tW + tb).backward(torch.from_numpy(np.asarray(dy, dtype=np.float64)))
    return [
        _row("dx", hand.dx, tx.grad),
        _row("dW", hand.dW, tW.grad),
        _row("db", hand.db, tb.grad),
    ]


def check_softmax(x: np.ndarray, dy: np.ndarray) -> list[GradientCheck]:
    """``softmax_backward`` against autograd of torch.softmax, for dx."""
    torch = _torch()
    x = np.asarray(x, dtype=np.float64)
    hand = softmax_backward(softmax(x), np.asarray(dy, dtype=np.float64))
    tx = _leaf(torch, x)
    torch.softmax(tx, dim=-1).backward(torch.from_numpy(np.asarray(dy, np.float64)))
    return [_row("dx", hand, tx.grad)]


def check_cross_entropy(logits: np.ndarray, target: int) -> list[GradientCheck]:
    """``cross_entropy_backward`` against autograd of F.cross_entropy."""
    torch = _torch()
    hand = cross_entropy_backward(logits, target)
    tz = _leaf(torch, logits)
    loss = torch.nn.functional.cross_entropy(tz[None], torch.tensor([int(target)]))
    loss.backward()
    return [_row("dz", hand, tz.grad)]


def check_layer_norm(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, dy: np.ndarray, eps: float = 1e-5
) -> list[GradientCheck]:
    """``layer_norm_backward`` against autograd of F.layer_norm: dx, dw, db."""
    torch = _torch()
    x, w, b, dy = (np.asarray(a, dtype=np.float64) for a in (x, w, b, dy))
    dx, dw, db = layer_norm_backward(dy, x, w, eps)
    tx, tw, tb = (_leaf(torch, a) for a in (x, w, b))
    out = torch.nn.functional.layer_norm(tx, (x.shape[-1],), tw, tb, eps)
    out.backward(torch.from_numpy(dy))
    return [_row("dx", dx, tx.grad), _row("dw", dw, tw.grad), _row("db", db, tb.grad)]


def check_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    dout: np.ndarray,
    *,
    causal: bool = False,
) -> list[GradientCheck]:
    """``attention_backward`` against autograd of PyTorch's
    ``scaled_dot_product_attention``: dq, dk, dv."""
    torch = _torch()
    q, k, v, dout = (np.asarray(a, dtype=np.float64) for a in (q, k, v, dout))
    probs = attention_forward(q, k, v, causal=causal).probs  # (..., T, S)
    dq, dk, dv = attention_backward(dout, q, k, v, probs)
    tq, tk, tv = (_leaf(torch, a) for a in (q, k, v))
    out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    out.backward(torch.from_numpy(dout))
    return [_row("dq", dq, tq.grad), _row("dk", dk, tk.grad), _row("dv", dv, tv.grad)]


def check_block(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    dout: np.ndarray,
) -> list[GradientCheck]:
    """``block_backward`` against autograd of the PyTorch model's block.

    The PyTorch ``Transformer`` is built from the same float64 parameters;
    its block ``layer`` runs on x and is backpropagated from dout.

    Args:
        config: the model's configuration.
        params: its parameters (float64 is best: float32 differs by ~1e-7).
        layer: which block.
        x: the block's input, (B, T, C).
        dout: gradient with respect to the block's output, (B, T, C).

    Returns:
        One row for the input (``"x"``), then one per parameter of the block,
        by its full name.
    """
    torch = _torch()
    from neuron.transformer.model import Transformer

    x, dout = np.asarray(x, np.float64), np.asarray(dout, np.float64)
    params = {name: np.asarray(p, np.float64) for name, p in params.items()}
    hand = block_backward(config, params, layer, x, dout)

    model = Transformer(config).double()
    model.load_numpy(params)
    tx = _leaf(torch, x)

    # With no mask a decoder's block attends causally, as the reference does.
    model.blocks[layer](tx, None).backward(torch.from_numpy(dout))
    rows = [_row("x", hand.dx, tx.grad)]
    prefix = f"blocks.{layer}."
    for name, p in model.blocks[layer].named_parameters():
        rows.append(_row(prefix + name, hand.params[prefix + name], p.grad))
    return rows


def lesson_config(norm: str = "pre", activation: str = "gelu") -> TransformerConfig:
    """A decoder small enough to print: width 8, 2 heads, d_ff 16, 1 block."""
    return TransformerConfig(
        kind="decoder",
        vocab_size=11,
        context=8,
        d_model=8,
        heads=2,
        layers=1,
        d_ff=16,
        activation=activation,
        norm=norm,
        final_norm=norm == "pre",
        tie_embeddings=True,
    )


def lesson_parameters(config: TransformerConfig, seed: int = 0) -> dict:
    """float64 parameters where every entry matters: GPT-2's initialisation
    plus normal(0, 0.3) noise, so biases and gains are not 0 and 1 and the
    matrices are large enough for the gradients to be far from zero."""
    from neuron.transformer.parameters import init_parameters

    rng = np.random.default_rng(seed)
    params = init_parameters(config, seed=seed, dtype=np.float64)
    return {name: p + 0.3 * rng.standard_normal(p.shape) for name, p in params.items()}


def table_rows(checks: list[GradientCheck]) -> list[dict[str, str]]:
    """The checks as rows of text for a table, the numbers in short form."""
    return [
        {
            "gradient": check.gradient,
            "shape": " x ".join(map(str, check.shape)),
            "max |hand - autograd|": f"{check.max_abs_diff:.1e}",
            "max |gradient|": f"{check.max_abs:.3g}",
        }
        for check in checks
    ]


def latex_matrix(a, digits: int = 3) -> str:
    """A vector or matrix as a LaTeX ``bmatrix``, entries rounded to
    ``digits`` significant digits; a vector is written as one row."""
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))  # (rows, cols)
    body = r" \\ ".join(" & ".join(f"{value:.{digits}g}" for value in row) for row in a)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


# ---- helpers ---------------------------------------------------------------


def _torch():
    import torch

    return torch


def _leaf(torch, a):
    """A float64 tensor of a, copied, that collects its gradient."""
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _row(name: str, hand: np.ndarray, grad) -> GradientCheck:
    auto = grad.detach().numpy()
    return GradientCheck(
        name,
        tuple(int(n) for n in auto.shape),
        float(np.max(np.abs(np.asarray(hand) - auto))) if auto.size else 0.0,
        float(np.max(np.abs(auto))) if auto.size else 0.0,
    )
