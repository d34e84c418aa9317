"""Section 4, table 1: what a layer costs, how much of it must run in
sequence, and how far apart two positions are, for self-attention,
recurrence and convolution.

The table is kept as data (``LAYER_TYPES``). The checker does not take it on
trust: it counts multiply-adds by running small loop implementations that
tick a counter, and measures sequential steps and path lengths on the
dependency graphs of the layers.

All convolutions and windows here are causal: output j reads inputs at or
before j. Path length is the number of edges a signal crosses from the first
input position to the last output position, through as many stacked layers
as it takes.

Legend:
    n   sequence length     d   representation width
    k   convolution kernel width     r   neighbourhood of restricted attention
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from neuron.paper.record import CheckResult, Equation, Properties, checker

__all__ = [
    "COMPLEXITY",
    "LAYER_TYPES",
    "LayerType",
    "longest_chain",
    "multiply_adds",
    "path_length",
]


@dataclasses.dataclass(frozen=True)
class LayerType:
    """One row of table 1.

    Attributes:
        name: the layer type.
        complexity: operations per layer, in big-O.
        sequential: operations that must run one after another, in big-O.
        path_length: the longest path between two positions, in big-O.
    """

    name: str
    complexity: str
    sequential: str
    path_length: str


LAYER_TYPES = (
    LayerType("self-attention", "O(n^2 d)", "O(1)", "O(1)"),
    LayerType("recurrent", "O(n d^2)", "O(n)", "O(n)"),
    LayerType("convolutional", "O(k n d^2)", "O(1)", "O(log_k n) or O(n / k)"),
    LayerType("restricted self-attention", "O(r n d)", "O(1)", "O(n / r)"),
)


# ---- counted implementations -------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def dot(self, a, b) -> float:
        """a . b, one multiply-add per entry."""
        total = 0.0
        for x, y in zip(a, b, strict=True):
            total += x * y
            self.count += 1
        return total


def _self_attention(x, counter, window=None):
    """Unprojected causal self-attention, softmax(x x^T) x, by loops."""
    n = len(x)
    out = []
    for i in range(n):
        keys = range(0 if window is None else max(0, i - window), i + 1)
        scores = [counter.dot(x[i], x[j]) for j in keys]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        column = [[x[j][c] for j in keys] for c in range(len(x[i]))]
        out.append([counter.dot(weights, col) / total for col in column])
    return out


def _recurrence(x, w, u, counter):
    """h_t = tanh(W h_(t-1) + U x_t), by loops."""
    h = [0.0] * len(w)
    for x_t in x:
        h = [
            math.tanh(counter.dot(w_row, h) + counter.dot(u_row, x_t))
            for w_row, u_row in zip(w, u, strict=True)
        ]
    return h


def _convolution(x, kernel, counter):
    """Causal convolution: y_j = sum_m K_m x_(j - m), each K_m (d, d)."""
    d = len(x[0])
    out = []
    for j in range(len(x)):
        row = [0.0] * d
        for m, K in enumerate(kernel):
            if j - m >= 0:
                row = [r + counter.dot(K[o], x[j - m]) for o, r in enumerate(row)]
        out.append(row)
    return out


def multiply_adds(layer: str, n: int, d: int, k: int = 3, r: int = 2) -> int:
    """Count the multiply-adds of one layer by running it on random data.

    Args:
        layer: a ``LayerType.name``.
        n: sequence length; d: width; k: kernel width; r: neighbourhood.

    Returns:
        The number of multiply-adds the loop implementation performed.
    """
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).tolist()
    counter = _Counter()
    if layer == "self-attention":
        _self_attention(x, counter)
    elif layer == "restricted self-attention":
        _self_attention(x, counter, window=r)
    elif layer == "recurrent":
        w, u = (rng.standard_normal((d, d)).tolist() for _ in "wu")
        _recurrence(x, w, u, counter)
    elif layer == "convolutional":
        _convolution(x, rng.standard_normal((k, d, d)).tolist(), counter)
    else:
        raise NotImplementedError(f"no counted implementation of {layer!r}")
    return counter.count


# ---- dependency graphs -------------------------------------------------------


def longest_chain(inputs: dict) -> int:
    """The longest chain of dependent operations in a graph.

    Args:
        inputs: node -> the nodes it reads; nodes absent as keys are the
            layer's inputs (depth 0).

    Returns:
        The number of operations on the longest chain.
    """
    depth: dict = {}

    def visit(node) -> int:
        if node not in inputs:
            return 0
        if node not in depth:
            depth[node] = 1 + max((visit(m) for m in inputs[node]), default=0)
        return depth[node]

    return max(visit(node) for node in inputs)


def _reads(layer: str, n: int, level: int, k: int, r: int, dilated: bool):
    """For each output position j, the input positions one layer reads."""
    if layer == "self-attention":
        return [range(0, j + 1) for j in range(n)]
    if layer == "restricted self-attention":
        return [range(max(0, j - r), j + 1) for j in range(n)]
    step = k**level if dilated else 1
    return [[j - m * step for m in range(k) if j - m * step >= 0] for j in range(n)]


def path_length(
    layer: str, n: int, k: int = 3, r: int = 2, dilated: bool = False
) -> int:
    """Edges from input position 0 to output position n - 1.

    For a recurrence, inside one layer (x_0 -> h_0 -> h_1 ... -> h_(n-1));
    for the others, through as many stacked layers as it takes.
    """
    if layer == "recurrent":
        return 1 + (n - 1)
    reached = np.zeros(n, dtype=bool)  # (n,)
    reached[0] = True
    for level in range(n):
        reads = _reads(layer, n, level, k, r, dilated)
        reached = np.array([any(reached[i] for i in src) for src in reads])  # (n,)
        if reached[-1]:
            return level + 1
    raise AssertionError("the last position is never reached")


def _sequential(layer: str, n: int) -> int:
    """The longest chain of dependent operations inside one layer."""
    if layer == "recurrent":
        graph = {("h", t): [("x", t)] + ([("h", t - 1)] if t else []) for t in range(n)}
    else:
        reads = _reads(layer, n, 0, 3, 2, False)
        graph = {("y", j): [("x", i) for i in src] for j, src in enumerate(reads)}
    return longest_chain(graph)


# ---- the checker -------------------------------------------------------------


@checker
def check_complexity(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check table 1 by counting and by measuring graphs.

    Args:
        implementation: ``f(layer, n, d) -> multiply-adds``; None means
            ``multiply_adds``.
        seed: seeds the random inputs of the agreement check.
    """
    from neuron.attention.reference import attention_forward

    count = implementation or (lambda layer, n, d: multiply_adds(layer, n, d))
    props = Properties()
    grid = [(n, d) for n in (4, 8, 16) for d in (2, 4, 8)]
    k, r = 3, 2

    # The loop attention is the real one, unprojected and unscaled.
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, 4))  # (n, d)
    loops = np.array(_self_attention(x.tolist(), _Counter()))  # (n, d)
    want = attention_forward(x, x, x, causal=True, scale=1.0).out  # (n, d)
    props.expect(
        "the counted attention computes attention_forward",
        np.allclose(loops, want, atol=1e-12),
    )

    # Operations per layer, exactly; the constant is the same on the grid.
    # Causal attention visits n (n + 1) / 2 pairs, two dot products of d each.
    formulas = {
        "self-attention": lambda n, d: n * (n + 1) * d,
        "recurrent": lambda n, d: 2 * n * d * d,
        "convolutional": lambda n, d: (k * n - k * (k - 1) // 2) * d * d,
        "restricted self-attention": lambda n, d: sum(
            2 * d * (min(j, r) + 1) for j in range(n)
        ),
    }
    for layer, formula in formulas.items():
        counted = [count(layer, n, d) for n, d in grid]
        exact = [formula(n, d) for n, d in grid]
        props.expect(
            f"{layer}: counted multiply-adds match the exact formula",
            counted == exact,
            f"n = 16, d = 8: {counted[-1]}",
        )
        props.measure(
            **{
                f"multiply_adds_{layer.replace(' ', '_').replace('-', '_')}": counted[
                    -1
                ]
            }
        )

    # Which is cheaper: attention n^2 d vs recurrence n d^2, i.e. n vs d.
    short = count("self-attention", 4, 16) < count("recurrent", 4, 16)
    long = count("self-attention", 32, 4) > count("recurrent", 32, 4)
    props.expect(
        "self-attention is cheaper than recurrence when n < d",
        short and long,
        "n = 4, d = 16 and n = 32, d = 4",
    )

    # Sequential operations: constant except for the recurrence.
    for n in (4, 16, 64):
        chains = {layer.name: _sequential(layer.name, n) for layer in LAYER_TYPES}
        props.expect(
            f"n = {n}: only the recurrence chains n steps",
            chains["recurrent"] == n
            and all(v == 1 for name, v in chains.items() if name != "recurrent"),
            str(chains),
        )

    # Path lengths, measured on the graphs against their closed forms.
    for n in (9, 27, 64):
        measured = {
            "self-attention": path_length("self-attention", n),
            "recurrent": path_length("recurrent", n),
            "contiguous convolution": path_length("convolutional", n, k=k),
            "dilated convolution": path_length("convolutional", n, k=k, dilated=True),
            "restricted self-attention": path_length(
                "restricted self-attention", n, r=r
            ),
        }
        closed = {
            "self-attention": 1,
            "recurrent": n,
            "contiguous convolution": math.ceil((n - 1) / (k - 1)),
            "dilated convolution": math.ceil(math.log(n) / math.log(k) - 1e-12),
            "restricted self-attention": math.ceil((n - 1) / r),
        }
        props.expect(
            f"n = {n}: path lengths 1, n, n/(k-1), log_k n, n/r",
            measured == closed,
            str(measured),
        )
    props.measure(
        path_self_attention=1,
        path_recurrent_64=measured["recurrent"],
        path_dilated_64=measured["dilated convolution"],
    )
    return props.result()


COMPLEXITY = Equation(
    id="t1-complexity",
    title="Cost, sequential steps and path length per layer type",
    latex=r"\begin{array}{llll} \text{layer} & \text{ops per layer} & "
    r"\text{sequential} & \text{max path} \\ \text{self-attention} & "
    r"O(n^2 d) & O(1) & O(1) \\ \text{recurrent} & O(n d^2) & O(n) & O(n) "
    r"\\ \text{convolutional} & O(k n d^2) & O(1) & O(\log_k n) \\ "
    r"\text{restricted self-attention} & O(r n d) & O(1) & O(n/r) \end{array}",
    explanation=(
        "Self-attention connects every pair of positions in one step and "
        "runs all positions at once, at a cost quadratic in the length. A "
        "recurrence is linear in the length but must walk it step by step, "
        "and a signal from the first token crosses n steps to reach the "
        "last. Convolutions need a stack of layers to connect distant "
        "positions: about n / k contiguous layers, or log_k n dilated ones. "
        "When n is smaller than d, as with sentence-length inputs, "
        "self-attention is also the cheapest."
    ),
    section="4 (Table 1)",
    code=(
        "neuron.paper.complexity.multiply_adds",
        "neuron.paper.complexity.path_length",
        "neuron.attention.reference.flops",
    ),
    lesson="lessons/05_attention.py",
    check=check_complexity,
)
