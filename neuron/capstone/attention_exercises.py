"""Exercises on attention: equation (1) of "Attention Is All You Need" and
multi-head attention (section 3.2.2).

The references are ``neuron.attention.reference.attention_forward`` and
``neuron.attention.heads.multi_head_attention``.
"""

from __future__ import annotations

import numpy as np

from neuron.attention.heads import multi_head_attention
from neuron.attention.reference import attention_forward
from neuron.capstone.spec import Case, Exercise, Input, Mistake, Property, at

__all__ = ["ATTENTION", "MULTI_HEAD"]


def _softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---- equation (1) ------------------------------------------------------------


def _attention_inputs(rng: np.random.Generator) -> dict:
    # Entries of spread 1.5 make the scores large enough that a missing scale
    # changes the answer by far more than the tolerance.
    return {
        "Q": 1.5 * rng.standard_normal((4, 8)),  # (n, d_k)
        "K": 1.5 * rng.standard_normal((6, 8)),  # (m, d_k)
        "V": rng.standard_normal((6, 5)),  # (m, d_v)
    }


def _attention(x: dict) -> np.ndarray:
    return attention_forward(x["Q"], x["K"], x["V"]).out  # (n, d_v)


def _scaled(x: dict, scale: float, axis: int = -1) -> np.ndarray:
    return _softmax(x["Q"] @ x["K"].T * scale, axis) @ x["V"]


def _constant_values(x: dict, rng: np.random.Generator) -> dict:
    row = rng.standard_normal((1, x["V"].shape[1]))  # (1, d_v)
    return {**x, "V": np.repeat(row, x["V"].shape[0], axis=0)}  # (m, d_v)


def _weights_sum_to_one(case: Case) -> str | None:
    row = case.probe_inputs["V"][0]  # (d_v,)
    err = np.abs(case.probe_result - row).max(axis=1)  # (n,)
    i = int(np.argmax(err))
    if err[i] <= 1e-6:
        return None
    return (
        f"with every row of V equal to the same vector c, every output row "
        f"should be c (a query's weights sum to 1); row {i} is off by "
        f"{err[i]:.3g}. Normalise the softmax along each row of QK^T (axis=-1)"
    )


def _change_first_query(x: dict, rng: np.random.Generator) -> dict:
    Q = x["Q"].copy()
    Q[0] = 1.5 * rng.standard_normal(Q.shape[1])
    return {**x, "Q": Q}


def _queries_independent(case: Case) -> str | None:
    err = np.abs(case.probe_result[1:] - case.result[1:]).max(axis=1)
    i = int(np.argmax(err))
    if err[i] <= 1e-6:
        return None
    return (
        f"changing query 0 alone changed output row {i + 1} by {err[i]:.3g}; "
        "each output row must depend on its own query only. Is the softmax "
        "taken over the queries (axis=0) instead of the keys (axis=-1)?"
    )


ATTENTION = Exercise(
    id="eq1-attention",
    title="Scaled dot-product attention (equation 1)",
    equation="Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V",
    task=(
        "Write scaled dot-product attention: score every query against every "
        "key, scale, take a softmax over the keys, and average the values."
    ),
    inputs=(
        Input("Q", ("n", "d_k"), "the queries, one per row"),
        Input("K", ("m", "d_k"), "the keys, one per row"),
        Input("V", ("m", "d_v"), "the values, one per key"),
    ),
    output=Input("result", ("n", "d_v"), "one output row per query"),
    sizes={"n": 4, "m": 6, "d_k": 8, "d_v": 5},
    make_inputs=_attention_inputs,
    reference=_attention,
    properties=(
        Property("weights sum to 1", _weights_sum_to_one, _constant_values),
        Property("queries independent", _queries_independent, _change_first_query),
    ),
    mistakes=(
        Mistake("did you forget the 1/sqrt(d_k)?", lambda x: _scaled(x, 1.0)),
        Mistake(
            "scale by 1/sqrt(d_k), not 1/d_k",
            lambda x: _scaled(x, 1 / x["K"].shape[1]),
        ),
        Mistake(
            "the scale uses d_k, the width of Q and K, not d_v",
            lambda x: _scaled(x, x["V"].shape[1] ** -0.5),
        ),
        Mistake(
            "the scale divides: Q K^T / sqrt(d_k), not times sqrt(d_k)",
            lambda x: _scaled(x, x["K"].shape[1] ** 0.5),
        ),
        Mistake(
            "the softmax is over the wrong axis: normalise each row (axis=-1)",
            lambda x: _scaled(x, x["K"].shape[1] ** -0.5, axis=0),
        ),
        Mistake(
            "did you forget the softmax?",
            lambda x: x["Q"] @ x["K"].T / np.sqrt(x["K"].shape[1]) @ x["V"],
        ),
    ),
    solution=(
        "S = Q @ K.T / np.sqrt(d_k)\n"
        "W = np.exp(S - S.max(axis=1, keepdims=True))\n"
        "W = W / W.sum(axis=1, keepdims=True)\n"
        "W @ V\n"
    ),
)


# ---- multi-head attention ----------------------------------------------------


def _heads_inputs(rng: np.random.Generator) -> dict:
    C = 12
    x = {"X": rng.standard_normal((5, C))}  # (n, d_model)
    for name in ("W_q", "W_k", "W_v", "W_o"):
        x[name] = 2.0 * rng.standard_normal((C, C)) / np.sqrt(C)  # (C, C)
    return x


def _multi_head(x: dict) -> np.ndarray:
    out, _ = multi_head_attention(
        x["X"][None], x["W_q"], x["W_k"], x["W_v"], x["W_o"], 3
    )
    return out[0]  # (n, d_model)


def _heads_variant(
    x: dict, *, scale=None, heads: int = 3, project: bool = True, mixed=False
) -> np.ndarray:
    """Multi-head attention with one thing done wrong."""
    X = x["X"]
    n, C = X.shape
    d = C // heads

    def split(a):  # (n, C) to (H, n, d)
        if mixed:
            return a.reshape(heads, n, d)
        return a.reshape(n, heads, d).transpose(1, 0, 2)

    q, k, v = split(X @ x["W_q"]), split(X @ x["W_k"]), split(X @ x["W_v"])
    s = q @ k.transpose(0, 2, 1) * (d**-0.5 if scale is None else scale)
    o = (_softmax(s) @ v).transpose(1, 0, 2).reshape(n, C)  # (n, C)
    return o @ x["W_o"] if project else o


def _permute_tokens(x: dict, rng: np.random.Generator) -> dict:
    return {**x, "X": x["X"][rng.permutation(x["X"].shape[0])]}


def _token_order(case: Case) -> str | None:
    # The probe permuted the rows of X; find the permutation again.
    X, Xp = case.inputs["X"], case.probe_inputs["X"]
    perm = [int(np.flatnonzero((row == X).all(axis=1))[0]) for row in Xp]
    err = np.abs(case.probe_result - case.result[perm])  # (n, d_model)
    if err.max() <= 1e-6:
        return None
    where = np.unravel_index(int(np.argmax(err)), err.shape)
    return (
        "shuffling the rows of X should shuffle the output rows the same way "
        f"(self-attention has no notion of order), but the output is off by "
        f"{err.max():.3g} at {at(where)}. Split the columns into heads: "
        "reshape to (n, h, d_k), then move the head axis first"
    )


MULTI_HEAD = Exercise(
    id="multi-head",
    title="Multi-head attention (section 3.2.2)",
    equation=(
        "MultiHead(X) = Concat(head_1, ..., head_h) W_o, "
        "head_i = Attention(X W_q^i, X W_k^i, X W_v^i)"
    ),
    task=(
        "Project X to queries, keys and values, split their columns into h "
        "heads of d_k = d_model / h (head i takes columns i*d_k to "
        "(i+1)*d_k), attend within each head with scale 1/sqrt(d_k), put "
        "the heads side by side again and apply W_o."
    ),
    inputs=(
        Input("X", ("n", "d_model"), "the sequence, one token per row"),
        Input("W_q", ("d_model", "d_model"), "query projection, X @ W_q"),
        Input("W_k", ("d_model", "d_model"), "key projection"),
        Input("W_v", ("d_model", "d_model"), "value projection"),
        Input("W_o", ("d_model", "d_model"), "output projection"),
    ),
    output=Input("result", ("n", "d_model"), "one output row per token"),
    sizes={"n": 5, "d_model": 12, "h": 3, "d_k": 4},
    make_inputs=_heads_inputs,
    reference=_multi_head,
    properties=(Property("token order", _token_order, _permute_tokens),),
    mistakes=(
        Mistake(
            "scale each head by 1/sqrt(d_k) with d_k = d_model / h, not by "
            "1/sqrt(d_model)",
            lambda x: _heads_variant(x, scale=12**-0.5),
        ),
        Mistake(
            "did you forget the 1/sqrt(d_k)?", lambda x: _heads_variant(x, scale=1)
        ),
        Mistake(
            "this is one head over the full width: split Q, K and V into h "
            "heads of d_k columns",
            lambda x: _heads_variant(x, heads=1),
        ),
        Mistake(
            "did you forget the output projection W_o?",
            lambda x: _heads_variant(x, project=False),
        ),
        Mistake(
            "the heads are cut across tokens: reshape to (n, h, d_k) and "
            "transpose, not straight to (h, n, d_k)",
            lambda x: _heads_variant(x, mixed=True),
        ),
    ),
    solution=(
        "def split(A):\n"
        "    return A.reshape(n, h, d_k).transpose(1, 0, 2)\n"
        "q, k, v = split(X @ W_q), split(X @ W_k), split(X @ W_v)\n"
        "s = q @ k.transpose(0, 2, 1) / np.sqrt(d_k)\n"
        "w = np.exp(s - s.max(axis=-1, keepdims=True))\n"
        "w = w / w.sum(axis=-1, keepdims=True)\n"
        "result = (w @ v).transpose(1, 0, 2).reshape(n, d_model) @ W_o\n"
    ),
)
