"""Exercises on the layers around attention: the position-wise feed-forward
network (equation 2) and the sinusoidal positional encoding (section 3.5).

The references are ``neuron.transformer.layers.activation`` and
``neuron.transformer.layers.sinusoidal_positions``.
"""

from __future__ import annotations

import numpy as np

from neuron.capstone.spec import Case, Exercise, Input, Mistake, Property, at
from neuron.transformer.layers import activation, sinusoidal_positions

__all__ = ["FFN", "POSITIONAL_ENCODING"]


# ---- the feed-forward network ------------------------------------------------


def _ffn_inputs(rng: np.random.Generator) -> dict:
    return {
        "x": rng.standard_normal((4, 6)),  # (n, d_model)
        "W1": rng.standard_normal((6, 10)) / np.sqrt(6),  # (d_model, d_ff)
        "b1": rng.standard_normal(10),  # (d_ff,)
        "W2": rng.standard_normal((10, 6)) / np.sqrt(10),  # (d_ff, d_model)
        "b2": rng.standard_normal(6),  # (d_model,)
    }


def _ffn(x: dict) -> np.ndarray:
    hidden = activation("relu", x["x"] @ x["W1"] + x["b1"])  # (n, d_ff)
    return hidden @ x["W2"] + x["b2"]  # (n, d_model)


def _hidden_off(x: dict, rng: np.random.Generator) -> dict:
    return {**x, "b1": x["b1"] - 100.0}


def _relu_zeroes(case: Case) -> str | None:
    b2 = case.probe_inputs["b2"]
    err = np.abs(case.probe_result - b2)  # (n, d_model)
    if err.max() <= 1e-6:
        return None
    where = np.unravel_index(int(np.argmax(err)), err.shape)
    return (
        "with b1 lowered by 100 every hidden unit is negative, max(0, .) "
        "zeroes them all, and every output row should equal b2; the output "
        f"is off by {err.max():.3g} at {at(where)}. Did you forget the "
        "max(0, .), or put it in the wrong place?"
    )


def _change_first_row(x: dict, rng: np.random.Generator) -> dict:
    rows = x["x"].copy()
    rows[0] = rng.standard_normal(rows.shape[1])
    return {**x, "x": rows}


def _position_wise(case: Case) -> str | None:
    err = np.abs(case.probe_result[1:] - case.result[1:]).max(axis=1)
    i = int(np.argmax(err))
    if err[i] <= 1e-6:
        return None
    return (
        f"changing row 0 of x alone changed output row {i + 1} by "
        f"{err[i]:.3g}; the network acts on each position separately, so "
        "reduce nothing across rows"
    )


FFN = Exercise(
    id="ffn",
    title="Position-wise feed-forward network (equation 2)",
    equation="FFN(x) = max(0, x W1 + b1) W2 + b2",
    task=(
        "Write the feed-forward network applied to every position: a linear "
        "layer to d_ff units, a ReLU, a linear layer back to d_model."
    ),
    inputs=(
        Input("x", ("n", "d_model"), "one position per row"),
        Input("W1", ("d_model", "d_ff"), "first weights"),
        Input("b1", ("d_ff",), "first bias"),
        Input("W2", ("d_ff", "d_model"), "second weights"),
        Input("b2", ("d_model",), "second bias"),
    ),
    output=Input("result", ("n", "d_model"), "one output row per position"),
    sizes={"n": 4, "d_model": 6, "d_ff": 10},
    make_inputs=_ffn_inputs,
    reference=_ffn,
    properties=(
        Property("ReLU", _relu_zeroes, _hidden_off),
        Property("position-wise", _position_wise, _change_first_row),
    ),
    mistakes=(
        Mistake(
            "did you forget the max(0, .)?",
            lambda x: (x["x"] @ x["W1"] + x["b1"]) @ x["W2"] + x["b2"],
        ),
        Mistake(
            "the ReLU goes on the hidden layer, not on the output",
            lambda x: np.maximum(0, (x["x"] @ x["W1"] + x["b1"]) @ x["W2"] + x["b2"]),
        ),
        Mistake(
            "did you forget b1?",
            lambda x: np.maximum(0, x["x"] @ x["W1"]) @ x["W2"] + x["b2"],
        ),
        Mistake(
            "did you forget b2?",
            lambda x: np.maximum(0, x["x"] @ x["W1"] + x["b1"]) @ x["W2"],
        ),
    ),
    solution="np.maximum(0, x @ W1 + b1) @ W2 + b2\n",
)


# ---- the positional encoding -------------------------------------------------


def _positions(rng: np.random.Generator) -> dict:
    # Position 0 first, then six distinct others, in no order.
    rest = rng.choice(np.arange(1, 200), size=6, replace=False)
    return {"pos": np.concatenate([[0], rest]).astype(np.int64)}  # (n,)


def _encoding(x: dict, d: int = 8) -> np.ndarray:
    pos = x["pos"]
    return sinusoidal_positions(int(pos.max()) + 1, d)[pos]  # (n, d_model)


def _encoding_variant(
    x: dict, *, swap=False, pair_exponent=False, multiply=False, halves=False
) -> np.ndarray:
    """The encoding with one thing done wrong."""
    d = 8
    pos = x["pos"][:, None].astype(float)  # (n, 1)
    i = np.arange(d // 2)  # (d / 2,)
    exponent = i / d if pair_exponent else 2 * i / d
    angle = pos * 10000.0**exponent if multiply else pos / 10000.0**exponent
    first, second = (np.cos, np.sin) if swap else (np.sin, np.cos)
    if halves:
        return np.concatenate([first(angle), second(angle)], axis=1)
    out = np.empty((len(pos), d))  # (n, d_model)
    out[:, 0::2] = first(angle)
    out[:, 1::2] = second(angle)
    return out


def _bounded(case: Case) -> str | None:
    big = np.abs(case.result)
    if big.max() <= 1 + 1e-9:
        return None
    where = np.unravel_index(int(np.argmax(big)), big.shape)
    return (
        "every value is a sine or a cosine, so lies in [-1, 1]; got "
        f"{case.result[where]:.4g} at {at(where)}"
    )


def _position_zero(case: Case) -> str | None:
    row = case.result[0]  # position 0, (d_model,)
    want = np.tile([0.0, 1.0], row.size // 2)  # (d_model,)
    if np.abs(row - want).max() <= 1e-6:
        return None
    got = ", ".join(f"{v:.3g}" for v in row[:4])
    return (
        "at position 0 every even column is sin(0) = 0 and every odd column "
        f"cos(0) = 1, i.e. [0, 1, 0, 1, ...]; got [{got}, ...]. Are sin and "
        "cos swapped?"
    )


POSITIONAL_ENCODING = Exercise(
    id="positional-encoding",
    title="Sinusoidal positional encoding (section 3.5)",
    equation=(
        "PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), "
        "PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model))"
    ),
    task=(
        "Write the encoding of the positions in pos: row r is the encoding "
        "of position pos[r], column 2i a sine and column 2i+1 a cosine of "
        "the same angle."
    ),
    inputs=(Input("pos", ("n",), "integer positions, in no particular order"),),
    output=Input("result", ("n", "d_model"), "one encoding per position"),
    sizes={"n": 7, "d_model": 8},
    make_inputs=_positions,
    reference=_encoding,
    properties=(
        Property("bounded", _bounded),
        Property("position 0", _position_zero),
    ),
    mistakes=(
        Mistake(
            "sin and cos are swapped: column 2i is the sine",
            lambda x: _encoding_variant(x, swap=True),
        ),
        Mistake(
            "the exponent is 2i/d_model, with 2i the even column's index; "
            "you divided the pair index i by d_model",
            lambda x: _encoding_variant(x, pair_exponent=True),
        ),
        Mistake(
            "divide the position by 10000^(2i/d_model), do not multiply",
            lambda x: _encoding_variant(x, multiply=True),
        ),
        Mistake(
            "interleave: column 2i is the sine and column 2i+1 the cosine of "
            "the same angle, not all sines then all cosines",
            lambda x: _encoding_variant(x, halves=True),
        ),
    ),
    solution=(
        "i = np.arange(0, d_model, 2)\n"
        "angle = pos[:, None] / 10000 ** (i / d_model)\n"
        "result = np.zeros((n, d_model))\n"
        "result[:, 0::2] = np.sin(angle)\n"
        "result[:, 1::2] = np.cos(angle)\n"
    ),
)
