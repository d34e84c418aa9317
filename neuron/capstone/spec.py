"""What an exercise is: a hidden equation, its inputs, its reference, and
the properties a wrong answer is told about.

An ``Exercise`` gives the learner the names and shapes of its inputs and asks
for one array. The checker draws inputs with a seed, runs the learner's
answer and the reference on them, and then checks, in order, the shape, that
every number is finite, each of the exercise's ``Property`` objects, and the
values. A property may ask for a second run of the answer on inputs it
derives from the first (a *probe*: the same queries with one row changed, the
logits shifted by a constant), which is how invariances are checked. When the
values are wrong, each ``Mistake`` of the exercise is computed too, and the
one the answer matches gives the hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = ["Case", "Exercise", "Input", "Mistake", "Property"]

Inputs = dict[str, object]


@dataclass(frozen=True)
class Input:
    """One name the answer may use, or the answer itself.

    Attributes:
        name: the name in the answer's namespace, e.g. ``"Q"``.
        shape: the shape in symbols, e.g. ``("n", "d_k")``; ``()`` for a number.
        description: a few words for the prompt.
    """

    name: str
    shape: tuple[str, ...]
    description: str

    def label(self) -> str:
        """``Q (n, d_k)``, or just the name for a number."""
        if not self.shape:
            return self.name
        inner = ", ".join(self.shape) + ("," if len(self.shape) == 1 else "")
        return f"{self.name} ({inner})"


class Case(NamedTuple):
    """What a property check sees.

    Attributes:
        inputs: the main inputs (arrays and numbers, sizes included).
        result: the answer on them, float64.
        expected: the reference on them.
        probe_inputs: the property's derived inputs, or None.
        probe_result: the answer on them, or None.
        probe_expected: the reference on them, or None.
    """

    inputs: Inputs
    result: np.ndarray
    expected: np.ndarray
    probe_inputs: Inputs | None = None
    probe_result: np.ndarray | None = None
    probe_expected: np.ndarray | None = None


@dataclass(frozen=True)
class Property:
    """A property a right answer has.

    Attributes:
        name: short, for the report: ``"weights sum to 1"``.
        check: returns None when the property holds, else a sentence saying
            what was expected and what was got.
        probe: None, or a function of the main inputs and a random generator
            giving the inputs of a second run, which ``check`` then sees.
    """

    name: str
    check: Callable[[Case], str | None]
    probe: Callable[[Inputs, np.random.Generator], Inputs] | None = None


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer and the hint to give when an answer matches it.

    Attributes:
        hint: a question or a pointer, e.g. ``"did you forget the 1/sqrt(d_k)?"``.
        compute: the wrong answer, as a function of the inputs.
    """

    hint: str
    compute: Callable[[Inputs], np.ndarray]


@dataclass(frozen=True)
class Exercise:
    """A hidden equation for the learner to write as a NumPy expression.

    Attributes:
        id: the stable name, shared with ``neuron.paper``: ``"eq1-attention"``.
        title: a few words.
        equation: the equation in plain text (what the learner recalls).
        task: what to write, in a sentence or two.
        inputs: the arrays and numbers the answer may use.
        output: the array the answer must produce.
        sizes: the value of each shape symbol; also given to the answer as
            numbers under the same names.
        make_inputs: draws the inputs from a random generator.
        reference: the right answer, computed by neuron's own code.
        properties: checked in order after shape and finiteness.
        mistakes: matched against a wrong answer to pick a hint.
        solution: one right answer, as source.
    """

    id: str
    title: str
    equation: str
    task: str
    inputs: tuple[Input, ...]
    output: Input
    sizes: Mapping[str, int]
    make_inputs: Callable[[np.random.Generator], Inputs]
    reference: Callable[[Inputs], np.ndarray]
    properties: tuple[Property, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    solution: str = field(default="", repr=False)

    def expected_shape(self) -> tuple[int, ...]:
        """The output's shape in numbers."""
        return tuple(self.sizes[s] for s in self.output.shape)

    def prompt(self) -> str:
        """The text the UI shows: the task, the names and their shapes."""
        names = "\n".join(f"  {i.label()}: {i.description}" for i in self.inputs)
        sizes = ", ".join(f"{k} = {v}" for k, v in self.sizes.items())
        return (
            f"{self.title}\n\n{self.task}\n\nYou may use np and:\n{names}\n"
            f"  sizes (numbers under these names): {sizes}\n\n"
            f"Produce {self.output.label()}: {self.output.description}.\n"
            "Write an expression, or lines that set result."
        )


def max_error(result: np.ndarray, expected: np.ndarray) -> tuple[float, tuple]:
    """The largest absolute difference and where it is."""
    diff = np.abs(result - expected)
    if diff.ndim == 0:
        return float(diff), ()
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return float(diff[where]), tuple(int(i) for i in where)


def close(result: np.ndarray, expected: np.ndarray) -> bool:
    """Equal within the checker's tolerance, relative to the expected scale."""
    if result.shape != expected.shape:
        return False
    scale = float(np.max(np.abs(expected), initial=0.0)) or 1.0
    return bool(np.allclose(result, expected, rtol=1e-5, atol=1e-7 * scale))


def at(index: tuple) -> str:
    """``[2, 5]`` for an index tuple."""
    return "[" + ", ".join(str(i) for i in index) + "]"
