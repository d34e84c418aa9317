"""Exercises and "explain it from memory" prompts, as the lessons use them.

A lesson asks the learner for a number, a vector or a NumPy expression and
checks it here: ``check_number`` and ``check_array`` compare with the value
the lesson computed, and say what is wrong (the shape, the sign, how far
off) rather than only "no". Expressions run in the capstone's sandbox
(``neuron.capstone``), a separate process with a time and memory limit.

A correct answer is kept as progress (``record``), and a lesson's prompts
become recall cards (``make_cards``), so the home page brings them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neuron.curriculum.track import lesson as track_lesson
from neuron.errors import InvalidArgumentError

if TYPE_CHECKING:
    from neuron.store import Store


@dataclass(frozen=True)
class Verdict:
    """What a check says of an answer.

    Attributes:
        correct: True or False; None when there is no answer yet.
        message: one or two sentences for the learner (markdown).
    """

    correct: bool | None
    message: str


#: The verdict before the learner has answered.
UNANSWERED = Verdict(None, "Type your answer above.")


def check_number(
    given: object,
    expected: float,
    *,
    rtol: float = 1e-2,
    atol: float = 1e-6,
    hint: str = "",
) -> Verdict:
    """Check a number the learner typed against the expected value.

    Args:
        given: what the learner typed: a number, a numeric string, or None
            (no answer yet).
        expected: the value the lesson computed.
        rtol, atol: accepted if ``|given - expected| <= atol + rtol *
            |expected|``; the default forgives rounding to a few digits.
        hint: shown with a wrong answer.
    """
    if given is None or (isinstance(given, str) and not given.strip()):
        return UNANSWERED
    try:
        value = float(given)
    except (TypeError, ValueError):
        return Verdict(False, f"Expected a number, got {given!r}.")
    if not np.isfinite(value):
        return Verdict(False, f"Expected a finite number, got {value}.")
    if abs(value - expected) <= atol + rtol * abs(expected):
        return Verdict(True, f"Correct: {expected:.6g}.")
    sign = ""
    if value == -expected and expected != 0:
        sign = " The sign is flipped."
    direction = "too large" if value > expected else "too small"
    return Verdict(
        False, f"Not quite: {value:.6g} is {direction}.{sign} {hint}".strip()
    )


def check_array(
    given: object,
    expected: np.ndarray,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-6,
    hint: str = "",
) -> Verdict:
    """Check an array (or nested list) against the expected one.

    Says first whether the shape is wrong, then where the largest
    difference is.
    """
    if given is None:
        return UNANSWERED
    expected = np.asarray(expected, dtype=np.float64)
    try:
        value = np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError):
        return Verdict(
            False, f"Expected numbers of shape {expected.shape}, got {given!r}."
        )
    if value.shape != expected.shape:
        return Verdict(
            False, f"Expected shape {expected.shape}, got {value.shape}. {hint}".strip()
        )
    if not np.all(np.isfinite(value)):
        return Verdict(False, "Some entries are not finite (nan or inf).")
    if np.allclose(value, expected, rtol=rtol, atol=atol):
        return Verdict(True, "Correct: every entry matches.")
    error = np.abs(value - expected)
    where = np.unravel_index(int(np.argmax(error)), error.shape)
    return Verdict(
        False,
        f"Not quite: entry {tuple(int(i) for i in where)} is {value[where]:.6g}, "
        f"expected {expected[where]:.6g}. {hint}".strip(),
    )


def record(store: Store, lesson: str, key: str, verdict: Verdict) -> bool:
    """Keep a correct answer as progress; returns whether it was kept.

    Side effect: writes the database when ``verdict.correct`` is True.
    """
    if verdict.correct:
        store.mark_done(lesson, f"exercise:{key}")
        return True
    return False


@dataclass(frozen=True)
class Prompt:
    """An "explain it from memory" prompt of a lesson.

    Attributes:
        key: names it within the lesson, e.g. ``"why-sqrt-dk"``.
        prompt: what to explain, e.g. "Why are the scores divided by
            sqrt(d_k)?"
        answer: the reference answer (markdown), shown after recalling.
    """

    key: str
    prompt: str
    answer: str


def make_cards(store: Store, lesson: str, prompts: Sequence[Prompt]) -> int:
    """Make a recall card of each prompt; returns how many were new.

    A prompt that has its card already is skipped, so the lesson's button
    may be pressed again. Side effect: writes the database.

    Raises:
        InvalidArgumentError: the slug names no lesson of the track, the
            prompts are not a list of ``Prompt``, or two share a key;
            nothing is written then.
    """
    track_lesson(lesson)
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, Sequence):
        raise InvalidArgumentError(
            f"expected a list of Prompt, got {type(prompts).__name__}"
        )
    wrong = [type(p).__name__ for p in prompts if not isinstance(p, Prompt)]
    if wrong:
        raise InvalidArgumentError(
            f"expected a list of Prompt, got items of type {', '.join(wrong)}; "
            "make each with Prompt(key, prompt, answer)"
        )
    keys = [p.key for p in prompts]
    if len(set(keys)) != len(keys):
        raise InvalidArgumentError(f"expected prompts with distinct keys, got {keys}")
    before = len(store.list_cards(kind="lesson"))
    with store.transaction():
        for item in prompts:
            store.card_from_lesson(lesson, item.key, item.prompt, item.answer)
    return len(store.list_cards(kind="lesson")) - before
