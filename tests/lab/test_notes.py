"""Notes on a run live with the other notes."""

from __future__ import annotations

import pytest

from neuron.errors import NotFoundError
from neuron.lab import add_run_note, run_notes
from neuron.store import Source


def test_a_run_note_round_trips_and_points_at_its_run(store):
    run = store.create_run("r", {}, seed=0)
    other = store.create_run("s", {}, seed=0)

    note = add_run_note(store, run.id, "warmup matters", "Loss *spiked* at 40.")
    add_run_note(store, other.id, "other run", "")

    assert note.source == Source("run", str(run.id))
    assert "run" in note.tags
    assert [n.body for n in run_notes(store, run.id)] == ["Loss *spiked* at 40."]


def test_run_notes_are_found_by_the_stores_search(store):
    run = store.create_run("r", {}, seed=0)
    store.create("unrelated", "about attention")
    add_run_note(store, run.id, "observation", "the gradient norm exploded")

    hits = store.search("exploded")

    assert [hit.title for hit in hits] == ["observation"]


def test_a_note_on_a_missing_run_is_refused(store):
    with pytest.raises(NotFoundError):
        add_run_note(store, 99, "nothing", "")
