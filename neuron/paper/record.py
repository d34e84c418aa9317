"""What one equation of the paper is, and what checking it returns.

An ``Equation`` carries the formula in LaTeX, a short explanation in this
project's words, where it sits in the paper, the ``neuron`` code that
computes it and the lesson that teaches it, and a ``check`` callable. A
check runs the linked code on seeded random inputs, tests the properties the
paper states or implies, and returns a ``CheckResult``. A check never raises
because a property failed: it says which one failed. Even an exception from
the code under test (a broken implementation passed in, PyTorch missing)
comes back as a failed result naming the exception.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from neuron.errors import InvalidArgumentError

__all__ = [
    "CheckResult",
    "Equation",
    "Properties",
    "checker",
    "code_location",
    "resolve_code",
]

logger = logging.getLogger(__name__)

#: A measured value: JSON-safe scalars only, so the Reader and the API can
#: show and send a result as it is.
Measured = dict[str, float | int | str | bool]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of one equation's checker.

    Attributes:
        passed: True when every property held.
        details: one line per property, ``ok: ...`` or ``FAILED: ...``, in the
            order they were checked.
        measured: name -> the numbers the check computed (errors, counts,
            the peak of a schedule), plain Python scalars.
    """

    passed: bool
    details: str
    measured: Measured


@dataclasses.dataclass(frozen=True)
class Equation:
    """One equation or quantitative claim of "Attention Is All You Need".

    Attributes:
        id: a stable identifier, e.g. ``"eq1-attention"``; numbered equations
            start ``eqN``, others name their section (``s3.5``) or table
            (``t1``).
        title: a short name for lists.
        latex: the equation (or claim) in LaTeX, without surrounding ``$``.
        explanation: what it says and why, in a few sentences.
        section: where it sits in the paper, e.g. ``"3.2.1"`` or
            ``"Table 3"``.
        code: dotted paths of the ``neuron`` functions and classes that
            compute it; ``resolve_code`` imports one.
        lesson: the lesson notebook that teaches it, a path relative to the
            repository root (the notebook may not exist yet).
        check: runs the live checker; keyword arguments only, all optional
            (``seed`` everywhere, ``implementation`` where a function can be
            swapped in), and returns a ``CheckResult``.
    """

    id: str
    title: str
    latex: str
    explanation: str
    section: str
    code: tuple[str, ...]
    lesson: str
    check: Callable[..., CheckResult]


class Properties:
    """Collects the properties a checker tests into a ``CheckResult``.

    Not thread-safe; one instance per run of a checker.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._passed = True
        self.measured: Measured = {}

    def expect(self, name: str, holds: bool, detail: str = "") -> bool:
        """Record whether the property ``name`` held.

        Args:
            name: the property, as a reader would state it.
            holds: whether it held.
            detail: what was measured, e.g. ``"max error 2.2e-16"``.

        Returns:
            ``holds``, as a plain bool.
        """
        holds = bool(holds)
        self._passed &= holds
        line = f"{'ok' if holds else 'FAILED'}: {name}"
        self._lines.append(f"{line} ({detail})" if detail else line)
        return holds

    def measure(self, **values) -> None:
        """Store measured numbers, converted to plain Python scalars."""
        for name, value in values.items():
            self.measured[name] = _plain(value)

    def result(self) -> CheckResult:
        """The ``CheckResult`` of everything recorded so far."""
        return CheckResult(self._passed, "\n".join(self._lines), dict(self.measured))


def checker(function: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Make a checker report an exception as a failed result.

    Wrong arguments to the checker itself still raise ``TypeError`` (that is
    a mistake of the caller, not a failed property); anything raised while
    the check runs becomes ``CheckResult(False, ...)`` naming the exception.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def run(*args, **kwargs) -> CheckResult:
        signature.bind(*args, **kwargs)
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported, not swallowed
            logger.debug("checker %s raised", function.__name__, exc_info=True)
            return CheckResult(
                False,
                f"FAILED: the check could not finish: {type(error).__name__}: {error}",
                {},
            )

    return run


def resolve_code(path: str):
    """Import the object a dotted path such as
    ``neuron.attention.reference.attention_forward`` names.

    Args:
        path: a module, or a module followed by attribute names.

    Returns:
        The module, function or class.

    Raises:
        InvalidArgumentError: no importable prefix of the path names an
            object with the remaining attributes.
    """
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                found = getattr(found, name)
        except AttributeError:
            break
        return found
    raise InvalidArgumentError(
        f"expected a dotted path to a neuron module, function or class, got "
        f"{path!r}, which does not import; check the spelling against the "
        "package"
    )


def code_location(path: str) -> tuple[str, int]:
    """The file and first line of the code a dotted path names, for links.

    Args:
        path: as for ``resolve_code``.

    Returns:
        ``(file, line)``: the file relative to the repository root (absolute
        if it lies outside it) and its 1-based first line (1 for a module).
    """
    found = resolve_code(path)
    file = Path(inspect.getsourcefile(found) or "")
    line = 1 if inspect.ismodule(found) else inspect.getsourcelines(found)[1]
    root = Path(__file__).resolve().parents[2]
    try:
        return str(file.resolve().relative_to(root)), line
    except ValueError:
        return str(file), line


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bool | int | float | str):
        return value
    raise InvalidArgumentError(
        f"expected a measured value to be a number, bool or string, got "
        f"{type(value).__name__}; measure a scalar"
    )
