"""The small views every lesson repeats: an exercise's verdict and the
"explain it from memory" prompts."""

from __future__ import annotations

import marimo as mo

from neuron.curriculum.exercises import Prompt, Verdict


def verdict_view(verdict: Verdict) -> mo.Html:
    """A callout: green when correct, red when wrong, plain before an answer."""
    kind = {True: "success", False: "danger", None: "neutral"}[verdict.correct]
    return mo.callout(mo.md(verdict.message), kind=kind)


def prompts_view(prompts: list[Prompt]) -> mo.Html:
    """The prompts as a list, each answer folded until the learner opens it."""
    return mo.accordion(
        {f"{i}. {item.prompt}": mo.md(item.answer) for i, item in enumerate(prompts, 1)}
    )
