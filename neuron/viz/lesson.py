"""The small pieces every lesson repeats: an exercise's verdict, the
"explain it from memory" prompts and their recall cards, a NumPy exercise
written from memory, and the button that marks the lesson finished.

A marimo UI element is reactive only when a cell assigns it to a global
name, so the helpers that make buttons and editors return them for the
lesson's cell to assign, return and show; the views that act on a press
(``made_cards_view``, ``finished_view``) are called by the next cell,
after its ``mo.stop(not button.value)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import marimo as mo

from neuron import capstone
from neuron.curriculum.exercises import Prompt, Verdict, make_cards
from neuron.curriculum.track import TRACK, Lesson, lesson
from neuron.errors import InvalidArgumentError
from neuron.store import Store

__all__ = [
    "recall_cards_button",
    "code_exercise",
    "finish_lesson_button",
    "finished_message",
    "finished_view",
    "made_cards_message",
    "made_cards_view",
    "next_lesson",
    "prompts_view",
    "verdict_view",
]

FINISHED = "finished"
"""The progress item ``finished_view`` records for a finished lesson."""


def verdict_view(verdict: Verdict) -> mo.Html:
    """A callout: green when correct, red when wrong, plain before an answer."""
    kind = {True: "success", False: "danger", None: "neutral"}[verdict.correct]
    return mo.callout(mo.md(verdict.message), kind=kind)


def prompts_view(prompts: list[Prompt]) -> mo.Html:
    """The prompts as a list, each answer folded until the learner opens it."""
    return mo.accordion(
        {f"{i}. {item.prompt}": mo.md(item.answer) for i, item in enumerate(prompts, 1)}
    )


# ---- recall cards ----------------------------------------------------------


def recall_cards_button() -> mo.ui.run_button:
    """The "Make recall cards" button shown under a lesson's prompts."""
    return mo.ui.run_button(label="Make recall cards")


def made_cards_message(made: int, existed: int) -> str:
    """The sentence after the cards button, e.g. "Made 3 new recall cards
    (2 existed already)."

    Args:
        made: how many cards were new.
        existed: how many of the prompts had their card already.

    Raises:
        InvalidArgumentError: a count that is not a whole number >= 0.
    """
    for name, count in (("made", made), ("existed", existed)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidArgumentError(
                f"expected {name} to be a whole number >= 0, got {count!r}"
            )
    cards = "no" if made == 0 else str(made)
    sentence = f"Made {cards} new recall card{'' if made == 1 else 's'}"
    if existed:
        sentence += f" ({existed} existed already)"
    return sentence + "."


def made_cards_view(
    store: Store, lesson_slug: str, prompts: Sequence[Prompt]
) -> mo.Html:
    """Make the lesson's recall cards and say how many were new.

    A prompt that has its card already is skipped, so the button may be
    pressed again: the second press makes none.

    Args:
        store: the learner's store.
        lesson_slug: the lesson the prompts belong to, e.g. ``"05_attention"``.
        prompts: the lesson's "explain it from memory" prompts.

    Returns:
        The sentence of ``made_cards_message`` as markdown.

    Raises:
        InvalidArgumentError: ``store`` is not a ``Store``, the slug names no
            lesson of the track, the prompts are not ``Prompt`` objects or
            two share a key; nothing is written then.

    Side effects:
        Writes a card of each new prompt to the store.
    """
    _check_store(store)
    made = make_cards(store, lesson_slug, prompts)
    return mo.md(made_cards_message(made, len(prompts) - made))


# ---- finishing a lesson ------------------------------------------------------


def finish_lesson_button() -> mo.ui.run_button:
    """The "Mark this lesson finished" button that ends a lesson."""
    return mo.ui.run_button(label="Mark this lesson finished")


def next_lesson(lesson_slug: str) -> Lesson | None:
    """The lesson after this one in the track, or None after the last.

    Raises:
        InvalidArgumentError: the slug names no lesson of the track.
    """
    index = TRACK.index(lesson(lesson_slug))
    return TRACK[index + 1] if index + 1 < len(TRACK) else None


def finished_message(lesson_slug: str) -> str:
    """What a lesson says once finished: "Attention marked finished. Next:
    Multi-head attention and the block."; the last lesson names no next.

    Raises:
        InvalidArgumentError: the slug names no lesson of the track.
    """
    title = lesson(lesson_slug).title
    following = next_lesson(lesson_slug)
    if following is None:
        return f"{title} marked finished. That was the last lesson of the track."
    return f"{title} marked finished. Next: {following.title}."


def finished_view(store: Store, lesson_slug: str) -> mo.Html:
    """Mark the lesson finished and say which lesson comes next.

    Pressing again changes nothing: a lesson keeps the time it was first
    finished.

    Args:
        store: the learner's store.
        lesson_slug: the lesson to mark, e.g. ``"05_attention"``.

    Returns:
        The sentence of ``finished_message`` as markdown.

    Raises:
        InvalidArgumentError: ``store`` is not a ``Store`` or the slug names
            no lesson of the track; nothing is written then.

    Side effects:
        Records the progress item ``"finished"`` of the lesson in the store.
    """
    _check_store(store)
    message = finished_message(lesson_slug)
    store.mark_done(lesson_slug, FINISHED)
    return mo.md(message)


# ---- a NumPy exercise from memory ------------------------------------------


def code_exercise(
    exercise_id: str, label: str = ""
) -> tuple[mo.ui.code_editor, mo.ui.run_button, mo.Html]:
    """An editor for a capstone exercise, its "Check my code" button, and
    the view that shows the exercise's prompt above the two.

    The cell assigns and returns the editor and the button (so that they
    are reactive) and shows the view; the next cell checks the answer,
    e.g. ``verdict_of(capstone.check_answer(exercise_id, editor.value))``.

    Args:
        exercise_id: a capstone exercise, e.g. ``"eq1-attention"``.
        label: the editor's label; the exercise's title when empty.

    Raises:
        UnknownExerciseError: no exercise has that id (the message lists
            them).
    """
    exercise = capstone.exercise(exercise_id)
    editor = mo.ui.code_editor(
        value="", language="python", label=label or exercise.title
    )
    button = mo.ui.run_button(label="Check my code")
    view = mo.vstack([mo.plain_text(exercise.prompt()), editor, button])
    return editor, button, view


# ---- argument checks -------------------------------------------------------


def _check_store(store: object) -> None:
    if not isinstance(store, Store):
        raise InvalidArgumentError(
            f"expected a neuron.store.Store, got {type(store).__name__}; "
            "open one with Store.open(default_path())"
        )
