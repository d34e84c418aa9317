"""The capstone checker: write a hidden equation of "Attention Is All You
Need" as NumPy, and be told which property of it your answer breaks.

- ``neuron.capstone.exercises``: ``EXERCISES`` and ``exercise(id)``; the
  equations themselves live in ``attention_exercises``,
  ``layer_exercises`` and ``training_exercises``, built from the types of
  ``neuron.capstone.spec``.
- ``neuron.capstone.checker``: ``check_answer(id, source)`` and its
  ``CheckReport``.
- ``neuron.capstone.sandbox`` and ``neuron.capstone.child``: the separate,
  limited process the answer runs in.

Example::

    report = check_answer("eq1-attention", "softmax(Q @ K.T) @ V")
    report.passed, [(f.name, f.message) for f in report.failures], report.error
"""

from neuron.capstone.checker import CheckReport, PropertyFailure, check_answer
from neuron.capstone.exercises import (
    EXERCISES,
    UnknownExerciseError,
    exercise,
    for_equation,
)
from neuron.capstone.spec import Exercise, Input

__all__ = [
    "EXERCISES",
    "CheckReport",
    "Exercise",
    "Input",
    "PropertyFailure",
    "UnknownExerciseError",
    "check_answer",
    "exercise",
    "for_equation",
]
