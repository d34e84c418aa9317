"""Argument checks shared by ``TransformerConfig`` and its accounting.

Each check raises ``InvalidArgumentError`` with a message that names the
argument, what was expected and what was got; the ones that convert return
the value as a plain Python number, so that configs stay JSON-safe.
"""

from __future__ import annotations

import math
import numbers

from neuron.errors import InvalidArgumentError

__all__ = [
    "check_bool",
    "check_choice",
    "check_int",
    "check_positive_number",
    "check_real",
]


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as a Python int, if it is an integer (NumPy's included, bool
    excluded) of at least ``minimum``.

    Args:
        name: the argument's name, for the message.
        value: what was passed.
        minimum: the smallest value allowed.

    Returns:
        ``value`` as an ``int``.

    Raises:
        InvalidArgumentError: value is not an integer, or is below minimum.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= {minimum}, got {value!r} "
            f"({type(value).__name__}); pass a whole number"
        )
    if value < minimum:
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= {minimum}, got {value}"
        )
    return int(value)


def check_bool(name: str, value: object) -> None:
    """Refuse anything but ``True`` or ``False`` (1 and 0 included).

    Args:
        name: the argument's name, for the message.
        value: what was passed.

    Raises:
        InvalidArgumentError: value is not a bool.
    """
    if not isinstance(value, bool):
        raise InvalidArgumentError(
            f"expected {name} to be True or False, got {value!r} "
            f"({type(value).__name__})"
        )


def check_real(name: str, value: object) -> float:
    """``value`` as a Python float, if it is a finite real number.

    Args:
        name: the argument's name, for the message.
        value: what was passed.

    Returns:
        ``value`` as a ``float``.

    Raises:
        InvalidArgumentError: value is a bool, not real, or not finite.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
    ):
        raise InvalidArgumentError(
            f"expected {name} to be a finite number, got {value!r}"
        )
    return float(value)


def check_positive_number(name: str, value: object) -> None:
    """Refuse anything but a finite real number above zero.

    Args:
        name: the argument's name, for the message.
        value: what was passed.

    Raises:
        InvalidArgumentError: value is not finite and real, or is <= 0.
    """
    if check_real(name, value) <= 0:
        raise InvalidArgumentError(f"expected {name} > 0, got {value}")


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Refuse a value that is not one of ``allowed``.

    Args:
        name: the argument's name, for the message.
        value: what was passed.
        allowed: the accepted values, listed in the message.

    Raises:
        InvalidArgumentError: value is not in allowed.
    """
    if value not in allowed:
        names = ", ".join(repr(option) for option in allowed)
        raise InvalidArgumentError(
            f"expected {name} to be one of {names}, got {value!r}"
        )
