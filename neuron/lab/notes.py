"""Markdown notes on a run, kept with the other notes.

A run's note is an ordinary note whose source is ``Source("run", "<id>")``
and which carries the tag ``run``: it shows in ``neuron notes``, is found by
``store.search`` with every other note, and exports like them.
"""

from __future__ import annotations

from neuron.store import Source

__all__ = ["RUN_TAG", "add_run_note", "run_notes"]

#: The tag every run note carries.
RUN_TAG = "run"


def add_run_note(store, run_id: int, title: str, body: str = ""):
    """Write a note about run ``run_id``.

    Args:
        store: an open store.
        run_id: the run the note is about; it must exist.
        title: one line, not blank.
        body: markdown.

    Returns:
        The new ``Note``. Side effect: writes the database.

    Raises:
        NotFoundError: no run has that id.
        InvalidRecordError: a blank title or a bad body.
    """
    store.get_run(run_id)
    source = Source("run", str(int(run_id)))
    return store.create(title, body, source=source, tags=(RUN_TAG,))


def run_notes(store, run_id: int) -> list:
    """The notes about run ``run_id``, most recently updated first."""
    ref = str(int(run_id))
    return [
        note
        for note in store.list_notes(tag=RUN_TAG)
        if note.source.kind == "run" and note.source.ref == ref
    ]
