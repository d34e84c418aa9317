"""The registry of capstone exercises, by id.

The ids are those of ``neuron.paper``'s equations, so the Reader can open
the exercise of the equation on screen.
"""

from __future__ import annotations

from types import MappingProxyType

from neuron.capstone.attention_exercises import ATTENTION, MULTI_HEAD
from neuron.capstone.layer_exercises import FFN, POSITIONAL_ENCODING
from neuron.capstone.spec import Exercise
from neuron.capstone.training_exercises import LABEL_SMOOTHING, LR_SCHEDULE
from neuron.errors import NeuronError

__all__ = ["EXERCISES", "UnknownExerciseError", "exercise", "for_equation"]


class UnknownExerciseError(NeuronError, LookupError):
    """No exercise has the id asked for; the message lists the ids there are."""


#: Every exercise, by id, in the order of the paper.
EXERCISES: MappingProxyType[str, Exercise] = MappingProxyType(
    {
        e.id: e
        for e in (
            ATTENTION,
            MULTI_HEAD,
            FFN,
            POSITIONAL_ENCODING,
            LR_SCHEDULE,
            LABEL_SMOOTHING,
        )
    }
)


def exercise(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; its ``prompt()`` is what the UI
    shows (the task, the input names and shapes, the output).

    Raises:
        UnknownExerciseError: no exercise has that id.
    """
    try:
        return EXERCISES[exercise_id]
    except (KeyError, TypeError):
        known = ", ".join(map(repr, EXERCISES))
        raise UnknownExerciseError(
            f"expected an exercise id in {known}, got {exercise_id!r}"
        ) from None


# The equation of ``neuron.paper`` each exercise hides, by the paper
# registry's id.
_EQUATIONS = {
    "eq1-attention": "eq1-attention",
    "s3.2.2-multi-head": "multi-head",
    "eq2-feed-forward": "ffn",
    "s3.5-positions": "positional-encoding",
    "eq3-learning-rate": "lr-schedule",
    "s5.4-label-smoothing": "label-smoothing",
}


def for_equation(equation_id: str) -> Exercise | None:
    """The exercise that hides ``neuron.paper``'s equation ``equation_id``,
    or None when that equation has none (a table, a claim)."""
    found = _EQUATIONS.get(equation_id)
    return None if found is None else EXERCISES[found]
