"""The curriculum: the track of lessons, their exercises and prompts, and
the learner's progress.

``track`` lists the lessons in order; ``exercises`` checks answers and
turns prompts into recall cards; the learner's finished items live in the
store (``Store.mark_done``, ``Store.progress``).

The names below are imported on first use, so that reading the track (as
``neuron.paths`` does for every page title) does not load NumPy.
"""

from importlib import import_module

_HOMES = {
    "TRACK": "track",
    "Lesson": "track",
    "lesson": "track",
    "UNANSWERED": "exercises",
    "Prompt": "exercises",
    "Verdict": "exercises",
    "check_array": "exercises",
    "check_number": "exercises",
    "make_cards": "exercises",
    "record": "exercises",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'neuron.curriculum' has no attribute {name!r}")
    return getattr(import_module(f"neuron.curriculum.{module}"), name)
