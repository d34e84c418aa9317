"""Exercises on training: the learning-rate schedule (equation 3) and label
smoothing (section 5.4).

The schedule's reference is ``neuron.transformer.schedule.paper_lr``. Label
smoothing follows ``neuron.transformer.optim.language_model_loss`` (and
PyTorch's ``cross_entropy``): the target puts eps / V on every class, the
true one included, and 1 - eps more on the true one. That function works on
PyTorch tensors and averages over positions, so the reference here is the
same formula in NumPy, per position; the tests compare the two.
"""

from __future__ import annotations

import numpy as np

from neuron.capstone.spec import Case, Exercise, Input, Mistake, Property
from neuron.transformer.schedule import paper_lr

__all__ = ["LABEL_SMOOTHING", "LR_SCHEDULE"]


# ---- the learning-rate schedule ----------------------------------------------


def _schedule_inputs(rng: np.random.Generator) -> dict:
    warmup = int(rng.integers(200, 4001))
    early = rng.integers(2, warmup, size=3)
    late = rng.integers(warmup + 1, 20 * warmup, size=3)
    step = np.sort(np.concatenate([[1, warmup], early, late]))  # (n,)
    return {
        "step": step.astype(np.int64),
        "d_model": int(rng.choice([64, 128, 256, 512])),
        "warmup": warmup,
    }


def _schedule(x: dict) -> np.ndarray:
    d, w = x["d_model"], x["warmup"]
    return np.array([paper_lr(int(s), d, w) for s in x["step"]])  # (n,)


def _schedule_variant(x: dict, *, pick=np.minimum, d_power=-0.5, w_power=-1.5):
    step = x["step"].astype(float)
    return x["d_model"] ** d_power * pick(step**-0.5, step * x["warmup"] ** w_power)


def _warmup_linear(case: Case) -> str | None:
    step, lr = case.inputs["step"], case.result
    early = step <= case.inputs["warmup"]
    ratio = lr[early] / step[early]
    if np.ptp(ratio) <= 1e-6 * np.abs(ratio).max():
        return None
    a, b = np.flatnonzero(early)[[0, -1]]
    return (
        f"during the {case.inputs['warmup']} warmup steps the rate should "
        f"grow in proportion to step; got {lr[a]:.3g} at step {step[a]} and "
        f"{lr[b]:.3g} at step {step[b]}. Is the min a max?"
    )


def _decay(case: Case) -> str | None:
    step, lr = case.inputs["step"], case.result
    late = step >= case.inputs["warmup"]
    scaled = lr[late] * np.sqrt(step[late])
    if np.ptp(scaled) <= 1e-6 * np.abs(scaled).max():
        return None
    a, b = np.flatnonzero(late)[[0, -1]]
    return (
        "after warmup the rate should fall as 1/sqrt(step); got "
        f"{lr[a]:.3g} at step {step[a]} and {lr[b]:.3g} at step {step[b]}"
    )


def _peak(case: Case) -> str | None:
    step, lr, w = case.inputs["step"], case.result, case.inputs["warmup"]
    top = int(step[int(np.argmax(lr))])
    if top == w:
        return None
    return (
        f"the rate should peak at step = warmup = {w}; its largest value is "
        f"at step {top}"
    )


LR_SCHEDULE = Exercise(
    id="lr-schedule",
    title="The learning-rate schedule (equation 3)",
    equation="lrate = d_model^-0.5 * min(step^-0.5, step * warmup^-1.5)",
    task=(
        "Write the paper's learning rate for every step in step: it grows "
        "linearly for warmup steps, then decays as 1/sqrt(step)."
    ),
    inputs=(
        Input("step", ("n",), "optimizer steps, counted from 1, increasing"),
        Input("d_model", (), "the model width, a number"),
        Input("warmup", (), "the number of warmup steps, a number"),
    ),
    output=Input("result", ("n",), "the rate at each step"),
    sizes={"n": 8},
    make_inputs=_schedule_inputs,
    reference=_schedule,
    properties=(
        Property("warmup", _warmup_linear),
        Property("peak", _peak),
        Property("decay", _decay),
    ),
    mistakes=(
        Mistake(
            "min and max are swapped: the rate is the smaller of the two",
            lambda x: _schedule_variant(x, pick=np.maximum),
        ),
        Mistake(
            "did you forget the d_model^-0.5?",
            lambda x: _schedule_variant(x, d_power=0.0),
        ),
        Mistake(
            "warmup is raised to -1.5, not -0.5",
            lambda x: _schedule_variant(x, w_power=-0.5),
        ),
    ),
    solution="d_model ** -0.5 * np.minimum(step ** -0.5, step * warmup ** -1.5)\n",
)


# ---- label smoothing ---------------------------------------------------------


def _smoothing_inputs(rng: np.random.Generator) -> dict:
    return {
        "logits": 2.0 * rng.standard_normal((5, 7)),  # (n, V)
        "y": rng.integers(0, 7, size=5).astype(np.int64),  # (n,)
        "eps": float(np.round(rng.uniform(0.05, 0.3), 2)),
    }


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)  # (n, V)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (n, V)


def _smoothed(x: dict, *, true_weight=None, spread=None) -> np.ndarray:
    """Per-position loss; the defaults are the right answer."""
    logp = _log_softmax(x["logits"])  # (n, V)
    n, V = logp.shape
    eps = x["eps"]
    true = logp[np.arange(n), x["y"]]  # (n,)
    true_weight = 1 - eps if true_weight is None else true_weight
    if spread == "others":  # eps / (V - 1) over the wrong classes only
        rest = (logp.sum(axis=1) - true) / (V - 1)
        return -(true_weight * true + eps * rest)
    per_class = eps / V if spread is None else spread
    return -(true_weight * true + per_class * logp.sum(axis=1))  # (n,)


def _no_smoothing(x: dict, rng: np.random.Generator) -> dict:
    return {**x, "eps": 0.0}


def _cross_entropy(case: Case) -> str | None:
    x = case.probe_inputs
    want = -_log_softmax(x["logits"])[np.arange(len(x["y"])), x["y"]]
    err = np.abs(case.probe_result - want)
    if err.max() <= 1e-6 * max(1.0, np.abs(want).max()):
        return None
    i = int(np.argmax(err))
    return (
        "with eps = 0 the loss is plain cross-entropy, -log softmax(logits)[y]; "
        f"at position {i} expected {want[i]:.4g}, got {case.probe_result[i]:.4g}"
    )


def _shift_logits(x: dict, rng: np.random.Generator) -> dict:
    shift = rng.uniform(-5, 5, size=(x["logits"].shape[0], 1))  # (n, 1)
    return {**x, "logits": x["logits"] + shift}


def _shift_invariant(case: Case) -> str | None:
    err = np.abs(case.probe_result - case.result)
    if err.max() <= 1e-6 * max(1.0, np.abs(case.result).max()):
        return None
    i = int(np.argmax(err))
    return (
        "adding a constant to a row of logits must not change its loss (the "
        f"softmax ignores it), but position {i} changed by {err[i]:.3g}. "
        "Take the log of the softmax, not of the raw logits"
    )


LABEL_SMOOTHING = Exercise(
    id="label-smoothing",
    title="Label smoothing (section 5.4)",
    equation=(
        "loss = -sum_k q_k log p_k, q = (1 - eps) one_hot(y) + eps / V, "
        "p = softmax(logits)"
    ),
    task=(
        "Write the label-smoothed cross-entropy of each position: the "
        "target puts eps / V on every class, the true one included, and "
        "1 - eps more on the true class y."
    ),
    inputs=(
        Input("logits", ("n", "V"), "scores over the V classes, one row per position"),
        Input("y", ("n",), "the true class of each position, integers in [0, V)"),
        Input("eps", (), "the smoothing, a number in [0, 1)"),
    ),
    output=Input("result", ("n",), "the loss of each position"),
    sizes={"n": 5, "V": 7},
    make_inputs=_smoothing_inputs,
    reference=_smoothed,
    properties=(
        Property("eps = 0 is cross-entropy", _cross_entropy, _no_smoothing),
        Property("shift invariance", _shift_invariant, _shift_logits),
    ),
    mistakes=(
        Mistake(
            "spread eps over all V classes (eps / V each, the true one "
            "included), as neuron and PyTorch do, not over the V - 1 others",
            lambda x: _smoothed(x, spread="others"),
        ),
        Mistake(
            "the true class's log-probability is weighted by 1 - eps",
            lambda x: _smoothed(x, true_weight=1.0),
        ),
        Mistake(
            "each class gets eps / V, not eps",
            lambda x: _smoothed(x, spread=x["eps"]),
        ),
    ),
    solution=(
        "z = logits - logits.max(axis=1, keepdims=True)\n"
        "logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
        "-((1 - eps) * logp[np.arange(n), y] + eps * logp.mean(axis=1))\n"
    ),
)
