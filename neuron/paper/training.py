"""Section 5: the learning-rate schedule (equation 3) and label smoothing.

Legend:
    d   d_model        w   warmup steps      t   the optimizer step, from 1
    V   vocabulary     eps the label smoothing, 0.1 in the paper
    p   the model's softmax over V; y the target id
"""

from __future__ import annotations

import math

import numpy as np

from neuron.paper.record import CheckResult, Equation, Properties, checker

__all__ = ["LABEL_SMOOTHING", "LEARNING_RATE", "smoothed_loss"]

_LESSON = "lessons/08_training.py"


# ---- equation (3) ----------------------------------------------------------


def _reference_schedule(step, d_model, warmup):
    from neuron.transformer.schedule import paper_lr

    return paper_lr(step, d_model, warmup)


@checker
def check_learning_rate(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check equation (3): linear warmup, a peak at the warmup step, then
    inverse square-root decay.

    Args:
        implementation: ``f(step, d_model, warmup) -> rate``; None means
            ``paper_lr``.
        seed: unused (the check is deterministic); accepted for uniformity.
    """
    rate = implementation or _reference_schedule
    props = Properties()
    for d, w in ((512, 4000), (64, 10)):
        steps = np.arange(1, 3 * w + 1)  # (3w,)
        lr = np.array([rate(int(t), d, w) for t in steps])  # (3w,)
        formula = d**-0.5 * np.minimum(steps**-0.5, steps * w**-1.5)  # (3w,)
        error = float(np.max(np.abs(lr - formula) / formula))
        props.expect(
            f"d = {d}, w = {w}: matches d^-0.5 min(t^-0.5, t w^-1.5)",
            error < 1e-12,
            f"max relative error {error:.1e}",
        )
        peak_step = int(steps[np.argmax(lr)])
        props.expect(
            f"d = {d}, w = {w}: the rate peaks at step w",
            peak_step == w,
            f"peak at step {peak_step}",
        )
        peak, want = float(lr.max()), (d * w) ** -0.5
        props.expect(
            f"d = {d}, w = {w}: the peak is (d w)^-0.5",
            math.isclose(peak, want, rel_tol=1e-12),
            f"{peak:.4e} vs {want:.4e}",
        )
        warm, after = lr[:w], lr[w - 1 :]
        props.expect(
            f"d = {d}, w = {w}: linear during warmup",
            np.allclose(warm, steps[:w] * lr[0], rtol=1e-12),
        )
        props.expect(
            f"d = {d}, w = {w}: rate times sqrt(t) constant after it",
            np.allclose(
                after * np.sqrt(steps[w - 1 :]), after[0] * math.sqrt(w), rtol=1e-12
            ),
        )
        props.measure(**{f"peak_d{d}_w{w}": peak, f"peak_step_d{d}_w{w}": peak_step})
    return props.result()


LEARNING_RATE = Equation(
    id="eq3-learning-rate",
    title="The learning-rate schedule",
    latex=r"lrate = d_{model}^{-0.5} \cdot \min\!\left(step\_num^{-0.5},\; "
    r"step\_num \cdot warmup\_steps^{-1.5}\right)",
    explanation=(
        "The rate climbs in a straight line for the first warmup_steps "
        "updates (4000 in the paper), then falls with the inverse square "
        "root of the step. The two branches meet at the warmup step, where "
        "the rate is highest: (d_model * warmup_steps)^-0.5, about 7.0e-4 "
        "for the base model. Wider models get smaller rates. The optimizer "
        "is Adam with beta1 = 0.9, beta2 = 0.98 and epsilon = 1e-9."
    ),
    section="5.3",
    code=("neuron.transformer.schedule.paper_lr",),
    lesson=_LESSON,
    check=check_learning_rate,
)


# ---- label smoothing -------------------------------------------------------


def smoothed_loss(logits: np.ndarray, targets: np.ndarray, eps: float) -> float:
    """(1 - eps) * cross-entropy + eps * mean over the vocabulary of -log p.

    Args:
        logits: (B, T, V) scores, float64.
        targets: (B, T) integer ids in [0, V).
        eps: the label smoothing.

    Returns:
        The mean over the B * T positions, in nats.
    """
    top = logits.max(axis=-1, keepdims=True)  # (B, T, 1)
    log_p = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]  # (B, T)
    uniform = -log_p.mean(axis=-1)  # (B, T)
    return float(np.mean((1 - eps) * nll + eps * uniform))


def _torch_loss(logits, targets, eps):
    import torch

    from neuron.transformer.optim import language_model_loss

    with torch.no_grad():
        loss = language_model_loss(
            torch.from_numpy(logits), torch.from_numpy(targets), label_smoothing=eps
        )
    return float(loss)


@checker
def check_label_smoothing(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check the training loss with label smoothing against its formula.

    Args:
        implementation: ``f(logits, targets, eps) -> loss`` with NumPy
            inputs; None means ``language_model_loss`` (PyTorch).
        seed: seeds the random logits and targets.
    """
    loss = implementation or _torch_loss
    rng = np.random.default_rng(seed)
    B, T, V = 3, 5, 11
    logits = 3 * rng.standard_normal((B, T, V))  # (B, T, V)
    targets = rng.integers(0, V, size=(B, T))  # (B, T)
    props = Properties()

    # The loss is computed in float32 by the model; 1e-5 allows for that.
    for eps in (0.0, 0.1, 0.3):
        got, want = loss(logits, targets, eps), smoothed_loss(logits, targets, eps)
        props.expect(
            f"eps = {eps}: (1 - eps) CE + eps mean(-log p)",
            abs(got - want) < 1e-5 * max(1.0, abs(want)),
            f"{got:.6f} vs {want:.6f}",
        )
        props.measure(**{f"loss_eps_{eps}": got})

    # The best prediction is no longer one-hot: the loss is lowest when p
    # puts 1 - eps + eps / V on the target and eps / V on every other id.
    eps = 0.1
    best = np.full((1, 1, V), eps / V)  # (1, 1, V)
    best[0, 0, 0] += 1 - eps
    sharp = np.full((1, 1, V), 1e-4)  # (1, 1, V)
    sharp[0, 0, 0] = 1 - 1e-4 * (V - 1)
    target = np.zeros((1, 1), dtype=np.int64)  # (1, 1)
    at_best = loss(np.log(best), target, eps)
    at_sharp = loss(np.log(sharp), target, eps)
    props.expect(
        "the smoothed target beats a confident prediction",
        at_best < at_sharp,
        f"{at_best:.4f} < {at_sharp:.4f}",
    )
    entropy = float(-(best * np.log(best)).sum())
    props.expect(
        "at the smoothed target the loss is that target's entropy",
        abs(at_best - entropy) < 1e-5,
        f"{at_best:.6f} vs {entropy:.6f}",
    )
    props.measure(loss_at_smoothed_target=at_best, loss_at_confident=at_sharp)
    return props.result()


LABEL_SMOOTHING = Equation(
    id="s5.4-label-smoothing",
    title="Label smoothing",
    latex=r"\mathcal{L} = (1 - \epsilon_{ls}) \left(-\log p_y\right) + "
    r"\epsilon_{ls} \cdot \frac{1}{V} \sum_{j=1}^{V} \left(-\log p_j\right),"
    r"\quad \epsilon_{ls} = 0.1",
    explanation=(
        "During training the target is not the one-hot vector of the right "
        "token but a mixture: 1 - eps of it and eps spread evenly over the "
        "vocabulary. The loss is then lowest when the model keeps some "
        "probability on every token, so it learns to be less sure of "
        "itself. The paper reports this hurts perplexity but improves "
        "accuracy and BLEU."
    ),
    section="5.4",
    code=(
        "neuron.transformer.optim.language_model_loss",
        "neuron.paper.training.smoothed_loss",
    ),
    lesson=_LESSON,
    check=check_label_smoothing,
)
