"""The capstone's bookkeeping: one recall exercise per equation of the paper.

Six of ``neuron.paper``'s equations hide a NumPy exercise
(``neuron.capstone.for_equation``), checked in the sandbox; ``verdict_of``
turns its report into the ``Verdict`` lessons show and record. The other
four are a claim, a table or a count, with nothing to write as an array; each
gets a number question here (``QUESTIONS``) whose answer ``neuron`` code
computes. ``recalled`` reads the store's progress rows to say which
equations the learner has written from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from neuron.capstone import CheckReport
from neuron.curriculum.exercises import Verdict
from neuron.paper import EQUATIONS
from neuron.paper.positions import frequencies
from neuron.transformer.config import TransformerConfig

__all__ = ["QUESTIONS", "NumberQuestion", "recalled", "verdict_of"]


def verdict_of(report: CheckReport) -> Verdict:
    """The checker's report as a lesson verdict: correct when it passed,
    otherwise the error or every failing property, one per line."""
    if report.passed:
        return Verdict(True, f"Passed every property ({report.seconds:.2f} s).")
    if report.error is not None:
        return Verdict(False, f"Not run ({report.error_kind}): {report.error}")
    lines = [f"- **{f.name}**: {f.message}" for f in report.failures]
    return Verdict(False, "Failing properties:\n\n" + "\n".join(lines))


@dataclass(frozen=True)
class NumberQuestion:
    """A number to compute from an equation that is not an array.

    Attributes:
        equation: the ``neuron.paper`` id it tests.
        question: what to compute (markdown).
        answer: computes the expected value with ``neuron`` code.
        hint: shown with a wrong answer.
    """

    equation: str
    question: str
    answer: Callable[[], float]
    hint: str = ""


def _base_parameters() -> float:
    counts = TransformerConfig.transformer_base().parameters()
    return float(sum(counts.values()))


QUESTIONS: dict[str, NumberQuestion] = {
    q.equation: q
    for q in (
        NumberQuestion(
            "s3.2.1-scaling",
            "The entries of $q$ and $k$ are independent, with mean 0 and "
            "variance 1, and $d_k = 64$. What is the variance of $q \\cdot k$ "
            "before the scale?",
            lambda: 64.0,
            "each product q_i k_i has variance 1, and variances of "
            "independent terms add",
        ),
        NumberQuestion(
            "s3.5-relative-positions",
            "With $d_{model} = 8$, $M_k$ rotates the pair $(2i, 2i+1)$ by an "
            "angle. What is that angle, in radians, for $k = 5$ and $i = 1$?",
            lambda: float(5 * frequencies(8)[1]),
            "the angle is k times the pair's frequency 10000^(-2i/d_model)",
        ),
        NumberQuestion(
            "t1-complexity",
            "Per layer, self-attention costs $O(n^2 d)$ and a recurrent "
            "layer $O(n d^2)$. For $n = 32$ tokens and $d = 512$, what is "
            "the ratio of the first to the second?",
            lambda: 32**2 * 512 / (32 * 512**2),
            "the ratio simplifies to n / d",
        ),
        NumberQuestion(
            "t3-parameters",
            "The base model: $V = 37000$ shared tokens (one table for the "
            "encoder, the decoder and the output), $d = 512$, $f = 2048$, "
            "$L = 6$ encoder and 6 decoder layers, biases everywhere, a "
            "layer norm (scale and shift) after every sub-layer, sinusoidal "
            "positions. How many parameters?",
            _base_parameters,
            "an encoder layer has 4 d x d projections and 2 norms, a decoder "
            "layer 8 and 3; count the biases too",
        ),
    )
}


def recalled(rows: Iterable[object], lesson: str = "10_capstone") -> dict[str, bool]:
    """Which equations of ``neuron.paper.EQUATIONS`` the learner has done.

    Args:
        rows: ``Store.progress()`` rows (``lesson``, ``item``); an equation
            counts when ``lesson`` has the item ``"exercise:<equation id>"``.
        lesson: the capstone's slug.

    Returns:
        Equation id -> done, in paper order.
    """
    done = {
        row.item.removeprefix("exercise:")
        for row in rows
        if row.lesson == lesson and row.item.startswith("exercise:")
    }
    return {equation.id: equation.id in done for equation in EQUATIONS}
