"""Check a learner's answer to an exercise and say which property fails.

``check_answer`` draws the exercise's inputs from a seed, runs the answer in
the sandbox (``neuron.capstone.sandbox``) on them and on each property's
probe inputs in one child process, and compares with the reference: the
shape, finiteness, each property of the exercise, then the values, with a
hint when the answer matches a known mistake. Nothing the answer does raises
here; a refusal, a timeout or a blown memory limit is a report with
``error`` set.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from neuron.capstone.exercises import exercise
from neuron.capstone.sandbox import run_answer
from neuron.capstone.spec import Case, Exercise, at, close, max_error
from neuron.errors import InvalidArgumentError

__all__ = ["CheckReport", "PropertyFailure", "check_answer"]


@dataclass(frozen=True)
class PropertyFailure:
    """A property the answer does not have.

    Attributes:
        name: the property: "shape", "finite", "values" or one of the
            exercise's, e.g. "weights sum to 1".
        message: what was expected and what was got, and a hint if any.
    """

    name: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    """The verdict on one answer.

    Attributes:
        passed: True when the answer ran and every property holds.
        failures: the properties that fail, in the order checked.
        error: None, or why the answer could not be checked: refused before
            running, a syntax error, a time or memory limit, an exception.
        seconds: wall-clock time of the check, the child process included.
        error_kind: None, or the kind of error: "refused", "timeout",
            "memory", "runtime", "output", "crash" or "unsupported".
    """

    passed: bool
    failures: list[PropertyFailure] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    error_kind: str | None = None

    def failed(self, name: str) -> bool:
        """Whether the property called ``name`` is among the failures."""
        return any(f.name == name for f in self.failures)


def check_answer(
    exercise_id: str,
    source: str,
    *,
    seed: int = 0,
    timeout: float = 5.0,
    memory_mb: int = 512,
) -> CheckReport:
    """Run ``source`` on random inputs of the exercise and check it.

    Args:
        exercise_id: an id of ``EXERCISES``, e.g. ``"eq1-attention"``.
        source: the learner's answer: a NumPy expression, or a few lines
            that set ``result`` (or end with an expression).
        seed: seeds the inputs; the same seed gives the same inputs.
        timeout: seconds the answer may run (all runs together), plus a few
            seconds for the child process to start.
        memory_mb: megabytes of memory the answer may take.

    Returns:
        A ``CheckReport``. The learner's code runs in a separate process
        and never raises here.

    Raises:
        UnknownExerciseError: no exercise has that id.
        InvalidArgumentError: source is not a string, or a limit is not a
            positive number.
    """
    ex = exercise(exercise_id)
    _check_arguments(source, timeout, memory_mb)

    # The main inputs, then one derived set per probing property.
    rng = np.random.default_rng(seed)
    main = {**ex.make_inputs(rng), **ex.sizes}
    probes = [p.probe(main, rng) if p.probe else None for p in ex.properties]
    trials = [main] + [p for p in probes if p is not None]

    outcome = run_answer(source, trials, timeout=timeout, memory_mb=memory_mb)
    if outcome.error is not None:
        return CheckReport(
            passed=False,
            error=outcome.error,
            seconds=outcome.seconds,
            error_kind=outcome.kind,
        )
    failures = _judge(ex, main, probes, outcome.results)
    return CheckReport(passed=not failures, failures=failures, seconds=outcome.seconds)


def _judge(ex: Exercise, main: dict, probes: list, results: list) -> list:
    result, expected = results[0], ex.reference(main)

    # Shape first: nothing else can be compared without it.
    if result.shape != expected.shape:
        return [PropertyFailure("shape", _shape_message(ex, result.shape))]
    bad = np.argwhere(~np.isfinite(result))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        return [
            PropertyFailure(
                "finite",
                f"expected finite numbers, got {result[where]} at {at(where)}; "
                "look for a division by zero or an exp that overflows",
            )
        ]

    failures = []
    extra = iter(results[1:])
    for prop, probe in zip(ex.properties, probes, strict=True):
        case = Case(main, result, expected)
        if probe is not None:
            probe_result, probe_expected = next(extra), ex.reference(probe)
            if probe_result.shape != probe_expected.shape:
                failures.append(
                    PropertyFailure(
                        prop.name,
                        f"on the probe inputs, expected shape "
                        f"{probe_expected.shape}, got {probe_result.shape}",
                    )
                )
                continue
            case = case._replace(
                probe_inputs=probe,
                probe_result=probe_result,
                probe_expected=probe_expected,
            )
        message = prop.check(case)
        if message is not None:
            failures.append(PropertyFailure(prop.name, message))

    if not close(result, expected):
        failures.append(
            PropertyFailure("values", _values_message(ex, main, result, expected))
        )
    return failures


def _shape_message(ex: Exercise, got: tuple) -> str:
    want = ex.expected_shape()
    symbols = ", ".join(ex.output.shape)
    message = f"expected {want} ({symbols}), got {got}"
    if len(got) == len(want) > 1 and got == want[::-1]:
        message += "; did you transpose the result?"
    return message


def _values_message(ex: Exercise, main: dict, result, expected) -> str:
    err, where = max_error(result, expected)
    message = (
        f"max error {err:.3g} at {at(where)} (got {result[where]:.6g}, "
        f"expected {expected[where]:.6g})"
    )
    for mistake in ex.mistakes:
        if close(result, mistake.compute(main)):
            return f"{message}; {mistake.hint}"
    return message


def _check_arguments(source, timeout, memory_mb) -> None:
    if not isinstance(source, str):
        raise InvalidArgumentError(
            f"expected source to be a string, got {type(source).__name__}; "
            "pass the learner's answer as text"
        )
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, numbers.Real)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidArgumentError(
            f"expected timeout to be a number of seconds > 0, got {timeout!r}"
        )
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb < 16:
        raise InvalidArgumentError(
            f"expected memory_mb to be an integer >= 16, got {memory_mb!r}"
        )
