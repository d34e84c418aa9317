"""Notes point at notes, lessons, equations, runs and documents; each target
lists the notes pointing back at it."""

import pytest

from neuron import paper, targets
from neuron.errors import InvalidArgumentError, NotFoundError
from neuron.store import Store


@pytest.fixture
def store(neuron_home):
    with Store.open() as opened:
        yield opened


def test_a_note_points_at_every_kind_and_each_target_points_back(store, tmp_path):
    a = store.create("why scale", "variance grows like d_k")
    b = store.create("softmax", "")
    run = store.create_run("tiny", {"layers": 1}, seed=0)
    paper_file = tmp_path / "p.md"
    paper_file.write_text("# Attention\n\nQueries and keys.\n", encoding="utf-8")
    doc = store.import_document(paper_file, root=tmp_path)
    equation = paper.EQUATIONS[0].id

    targets.point(store, a.id, "note", str(b.id))
    targets.point(store, a.id, "lesson", "05_attention")
    targets.point(store, a.id, "equation", equation)
    targets.point(store, a.id, "run", str(run.id))
    targets.point(store, a.id, "document", doc.uid)

    kinds = [t.kind for t in targets.links_of(store, a.id)]
    assert kinds == ["note", "document", "equation", "lesson", "run"]
    named = {t.kind: t.title for t in targets.links_of(store, a.id)}
    assert named["equation"].endswith(paper.get(equation).title)
    assert named["run"].startswith(f"run {run.id}: tiny")
    assert named["document"] == doc.title
    for kind, ref in [
        ("note", str(b.id)),
        ("lesson", "05_attention"),
        ("equation", equation),
        ("run", str(run.id)),
        ("document", doc.uid),
    ]:
        assert [t.ref for t in targets.backlinks_of(store, kind, ref)] == [str(a.id)]


def test_a_target_that_is_gone_says_so(store):
    a = store.create("a", "")
    store.refer(a.id, "run", 99)
    assert targets.links_of(store, a.id)[0].title == "run 99 (gone)"


def test_describe_names_each_kind_by_its_key(store):
    # Read by key, not found in a list of the newest: the first of 250
    # notes is named, as is a run; what does not exist is gone.
    first = store.create("the first note", "")
    for number in range(249):
        store.create(f"note {number}", "")
    run = store.create_run("tiny", {"layers": 1}, seed=0)
    assert targets.describe(store, "note", str(first.id)).title == (
        f"{first.id}: the first note"
    )
    assert targets.describe(store, "run", str(run.id)).title.startswith("run ")
    assert targets.describe(store, "lesson", "05_attention").href
    for kind, ref in [("note", "9999"), ("note", "x"), ("lesson", "99_none")]:
        assert targets.describe(store, kind, ref).title == f"{kind} {ref} (gone)"


def test_choices_list_the_equations_and_notes(store):
    note = store.create("n", "")
    assert [t.ref for t in targets.choices(store, "equation")] == [
        eq.id for eq in paper.EQUATIONS
    ]
    assert [t.ref for t in targets.choices(store, "note")] == [str(note.id)]


def test_bad_kinds_and_refs_are_refused_and_write_nothing(store):
    a = store.create("a", "")
    with pytest.raises(InvalidArgumentError, match="target kind"):
        targets.point(store, a.id, "tweet", "1")
    with pytest.raises(InvalidArgumentError, match="note id"):
        targets.point(store, a.id, "note", "abc")
    with pytest.raises(NotFoundError):
        targets.point(store, a.id, "note", "404")
    assert targets.links_of(store, a.id) == []


def test_one_search_finds_notes_passages_and_runs(store, tmp_path):
    store.create("scaling", "divide the scores by sqrt of d_k")
    paper_file = tmp_path / "p.md"
    paper_file.write_text("# Scores\n\nThe scores are scaled.\n", encoding="utf-8")
    store.import_document(paper_file, root=tmp_path)
    store.create_run("scores probe", {"layers": 2}, seed=0)
    store.create_run("other", {"layers": 2}, seed=0)

    found = targets.search(store, "scores")

    assert sorted(f.kind for f in found) == ["note", "passage", "run"]
    assert [f.title for f in found if f.kind == "run"][0].endswith("scores probe")
    with pytest.raises(InvalidArgumentError, match="words to search"):
        targets.search(store, "  ")
