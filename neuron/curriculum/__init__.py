"""The curriculum: the track of lessons, their exercises and prompts, and
the learner's progress.

``track`` lists the lessons in order; ``exercises`` checks answers and
turns prompts into recall cards; the learner's finished items live in the
store (``Store.mark_done``, ``Store.progress``).
"""

from neuron.curriculum.exercises import (
    UNANSWERED,
    Prompt,
    Verdict,
    check_array,
    check_number,
    make_cards,
    record,
)
from neuron.curriculum.track import TRACK, Lesson, lesson

__all__ = [
    "TRACK",
    "UNANSWERED",
    "Lesson",
    "Prompt",
    "Verdict",
    "check_array",
    "check_number",
    "lesson",
    "make_cards",
    "record",
]
