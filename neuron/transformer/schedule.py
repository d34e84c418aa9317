"""Learning-rate schedules: how fast to move, step by step.

Each schedule is a small pure function of the optimizer step, counted from 1
(the first update is step 1), so a resumed run recomputes the rate from the
step number alone and needs no schedule state of its own.

- ``paper_lr``: the schedule of "Attention Is All You Need" (Vaswani et al.,
  2017, section 5.3), a linear warmup followed by a decay with the inverse
  square root of the step, scaled by the model's width:

      lrate = d_model^-0.5 * min(step^-0.5, step * warmup^-1.5)

  The two terms meet at step = warmup, where the rate peaks at
  (d_model * warmup)^-0.5.
- ``cosine_lr``: a linear warmup from 0 to a peak, then half a cosine down to
  a floor at the last step (the schedule of GPT-3 and most models since).
- ``constant_lr``: the same rate at every step.

``learning_rate(name, step, ...)`` picks one by name for a training run.
"""

from __future__ import annotations

import math
import numbers

from neuron.errors import InvalidArgumentError

__all__ = ["SCHEDULES", "constant_lr", "cosine_lr", "learning_rate", "paper_lr"]

#: The schedule names a training run accepts.
SCHEDULES = ("cosine", "paper", "constant")


def paper_lr(step: int, d_model: int, warmup: int) -> float:
    """The rate of Vaswani et al. (2017), equation (3) of section 5.3.

    ``d_model^-0.5 * min(step^-0.5, step * warmup^-1.5)``: it grows linearly
    for ``warmup`` steps, peaks at ``(d_model * warmup)^-0.5`` and then
    decays as ``step^-0.5``. The paper used warmup = 4000 with d_model = 512,
    a peak of about 7.0e-4.

    Args:
        step: the optimizer step, counted from 1.
        d_model: the model's width.
        warmup: steps of linear growth, at least 1.

    Returns:
        The learning rate for that step.

    Raises:
        InvalidArgumentError: an argument is not an integer >= 1.
    """
    step = _check_count("step", step, 1)
    d_model = _check_count("d_model", d_model, 1)
    warmup = _check_count("warmup", warmup, 1)
    return d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


def cosine_lr(
    step: int, *, peak: float, warmup: int, total: int, floor: float
) -> float:
    """Linear warmup to ``peak``, then a half cosine down to ``floor``.

    For step <= warmup the rate is ``peak * step / warmup``; from there to
    ``total`` it is

        floor + (peak - floor) * (1 + cos(pi * progress)) / 2,
        progress = (step - warmup) / (total - warmup),

    so it equals ``peak`` at the end of warmup and ``floor`` at ``total``.
    Steps past ``total`` stay at ``floor``.

    Args:
        step: the optimizer step, counted from 1.
        peak: the highest rate, reached at the end of warmup.
        warmup: steps of linear warmup, 0 for none.
        total: the step at which the rate reaches the floor; at least 1.
        floor: the final rate, between 0 and ``peak``.

    Returns:
        The learning rate for that step.

    Raises:
        InvalidArgumentError: a count or rate is out of range.
    """
    step = _check_count("step", step, 1)
    warmup = _check_count("warmup", warmup, 0)
    total = _check_count("total", total, 1)
    peak = _check_rate("peak", peak)
    floor = _check_rate("floor", floor)
    if floor > peak:
        raise InvalidArgumentError(
            f"expected floor <= peak, got floor={floor} and peak={peak}; a "
            "floor of peak / 10 is usual"
        )
    if step <= warmup:
        return peak * step / warmup
    if step >= total:
        return floor
    progress = (step - warmup) / (total - warmup)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def constant_lr(step: int, *, rate: float) -> float:
    """``rate`` at every step (step is checked, then ignored)."""
    _check_count("step", step, 1)
    return _check_rate("rate", rate)


def learning_rate(
    name: str,
    step: int,
    *,
    lr: float,
    warmup: int,
    total: int,
    floor: float,
    d_model: int,
) -> float:
    """The rate of the schedule called ``name`` at ``step``.

    Args:
        name: ``"cosine"`` (``cosine_lr`` with peak ``lr``), ``"paper"``
            (``paper_lr``, which sets its own scale from d_model and warmup
            and ignores ``lr`` and ``floor``) or ``"constant"`` (``lr``).
        step: the optimizer step, counted from 1.
        lr: the peak (cosine) or constant rate.
        warmup: warmup steps (cosine, paper).
        total: the run's last step (cosine).
        floor: the final rate (cosine).
        d_model: the model's width (paper).

    Raises:
        InvalidArgumentError: an unknown name, or an argument out of range.
    """
    if name == "cosine":
        return cosine_lr(step, peak=lr, warmup=warmup, total=total, floor=floor)
    if name == "paper":
        return paper_lr(step, d_model, max(warmup, 1))
    if name == "constant":
        return constant_lr(step, rate=lr)
    raise InvalidArgumentError(
        f"expected a schedule in {', '.join(map(repr, SCHEDULES))}, got {name!r}"
    )


def _check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= {minimum}, got {value!r}"
        )
    if value < minimum:
        raise InvalidArgumentError(
            f"expected {name} >= {minimum}, got {value}"
            + ("; steps are counted from 1" if name == "step" else "")
        )
    return int(value)


def _check_rate(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgumentError(
            f"expected {name} to be a finite rate >= 0, got {value!r}"
        )
    return float(value)
