"""Notes, tags and links through the Store API, with every bad input refused
clearly and without a change to the file."""

import re
import uuid

import pytest

from neuron.errors import (
    AmbiguousReferenceError,
    InvalidRecordError,
    NotFoundError,
    StoreClosedError,
    TooLargeError,
)
from neuron.store import MAX_BODY_BYTES, Source, Store

from .conftest import snapshot

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class TestCreate:
    def test_create_returns_the_stored_note(self, store):
        source = Source("lesson", "lessons/03_attention.py", "cell softmax")

        note = store.create(
            "Softmax", "$e^x / \\sum e^x$", source=source, tags=["b", "a"]
        )

        assert note.id == 1
        assert str(uuid.UUID(note.uid)) == note.uid
        assert (note.title, note.body, note.source) == (
            "Softmax",
            "$e^x / \\sum e^x$",
            source,
        )
        assert note.tags == ("a", "b")
        assert TIME_RE.match(note.created) and note.created == note.updated
        assert store.get(note.id) == note

    def test_unicode_and_empty_body(self, store):
        note = store.create("Ωmega — 注意力 🧠")

        assert store.get(note.id).title == "Ωmega — 注意力 🧠"
        assert note.body == ""
        assert note.source == Source()

    def test_body_at_the_limit_is_accepted(self, store):
        note = store.create("big", "x" * MAX_BODY_BYTES)

        assert len(store.get(note.id).body) == MAX_BODY_BYTES

    def test_oversized_body_is_refused_with_limit_and_size(self, store):
        body = "é" * (MAX_BODY_BYTES // 2 + 1)

        with pytest.raises(TooLargeError, match=r"at most 1048576 bytes.*got 1048578"):
            store.create("big", body)
        assert store.count_notes() == 0

    @pytest.mark.parametrize(
        ("title", "match"),
        [
            ("", "expected a title with some text"),
            ("   \t", "expected a title with some text"),
            ("two\nlines", "on one line"),
            ("line\u2028separator", "on one line"),
            (None, "expected a title as a string, got NoneType"),
            (42, "expected a title as a string, got int"),
            ("x" * 501, "at most 500 characters, got 501"),
            ("bad \ud800", "unpaired surrogate"),
        ],
    )
    def test_bad_title_is_refused(self, store, title, match):
        with pytest.raises(InvalidRecordError, match=match):
            store.create(title)
        assert store.count_notes() == 0

    @pytest.mark.parametrize(
        ("source", "match"),
        [
            (Source("podcast", "x"), "expected a source kind in none, lesson"),
            (Source("none", "somewhere"), "no ref or anchor for source kind 'none'"),
            (Source("paper", ""), "expected a ref for source kind 'paper'"),
            (Source("url", "https://x\ny"), "on one line"),
            ({"kind": "paper"}, "expected source as a neuron.store.Source, got dict"),
        ],
    )
    def test_bad_source_is_refused(self, store, source, match):
        with pytest.raises(InvalidRecordError, match=match):
            store.create("t", source=source)

    @pytest.mark.parametrize(
        ("tags", "match"),
        [
            ("math", "expected tags as a list of strings, got the string 'math'"),
            (["two words"], "expected a tag of letters"),
            (["-leading"], "expected a tag of letters"),
            ([3], "expected a tag as a string, got int"),
        ],
    )
    def test_bad_tags_are_refused(self, store, tags, match):
        with pytest.raises(InvalidRecordError, match=match):
            store.create("t", tags=tags)
        assert store.count_notes() == 0

    def test_bad_body_type_is_refused(self, store):
        with pytest.raises(InvalidRecordError, match="body as a string, got bytes"):
            store.create("t", b"bytes")


class TestGetAndFind:
    def test_unknown_id_names_the_id(self, store):
        with pytest.raises(NotFoundError, match="got 99: no note has it"):
            store.get(99)

    @pytest.mark.parametrize("bad", ["1", 1.0, True, None])
    def test_non_int_id_is_refused(self, store, bad):
        with pytest.raises(InvalidRecordError, match="expected a note id as an int"):
            store.get(bad)

    def test_get_by_uid(self, store):
        note = store.create("t")

        assert store.get_by_uid(note.uid.upper()) == note
        with pytest.raises(NotFoundError, match="uid"):
            store.get_by_uid(str(uuid.uuid4()))
        with pytest.raises(InvalidRecordError, match="expected a uid such as"):
            store.get_by_uid("not-a-uid")

    def test_find_by_id_digits_and_uid_prefix(self, store):
        note = store.create("t")
        store.create("u")

        assert store.find(note.id) == note
        assert store.find(f" {note.id} ") == note
        assert store.find(note.uid[:8]) == note
        assert store.find(note.uid.upper()) == note

    def test_find_takes_digits_as_a_uid_prefix_when_no_id_matches(
        self, store, monkeypatch
    ):
        uid = uuid.UUID("12345678-9abc-4def-8123-456789abcdef")
        monkeypatch.setattr("neuron.store.notes.uuid.uuid4", lambda: uid)
        note = store.create("digits first")

        assert store.find("12345678") == note
        assert store.find(str(note.id)) == note
        with pytest.raises(NotFoundError, match="starts with 87654321"):
            store.find("87654321")

    def test_find_refuses_short_or_unknown_references(self, store):
        store.create("t")

        with pytest.raises(InvalidRecordError, match="at least 4 characters"):
            store.find("ab")
        with pytest.raises(InvalidRecordError, match="at least 4 characters"):
            store.find("title")
        with pytest.raises(NotFoundError, match="starts with ffffffff-0000"):
            store.find("ffffffff-0000")

    def test_find_ambiguous_prefix(self, store, tmp_path):
        folder = tmp_path / "notes"
        folder.mkdir()
        for suffix in ("1", "2"):
            uid = f"abcd000{suffix}-0000-4000-8000-000000000000"
            (folder / f"{suffix}.md").write_text(
                f"---\nuid: {uid}\ntitle: n{suffix}\n---\n"
            )
        store.import_notes(folder)

        with pytest.raises(AmbiguousReferenceError, match="give more characters"):
            store.find("abcd")
        assert store.find("abcd0002").title == "n2"


class TestListNotes:
    def test_most_recently_updated_first(self, store):
        first, second, third = (store.create(t) for t in ("one", "two", "three"))

        assert [n.id for n in store.list_notes()] == [third.id, second.id, first.id]
        store.update(first.id, body="edited")
        assert [n.id for n in store.list_notes()] == [first.id, third.id, second.id]

    def test_tag_filter_limit_and_offset(self, store):
        for i in range(5):
            store.create(f"n{i}", tags=["even"] if i % 2 == 0 else [])

        assert [n.title for n in store.list_notes(tag="even")] == ["n4", "n2", "n0"]
        assert [n.title for n in store.list_notes(limit=2)] == ["n4", "n3"]
        assert [n.title for n in store.list_notes(limit=2, offset=2)] == ["n2", "n1"]
        assert store.list_notes(tag="missing") == []
        assert store.count_notes() == 5


class TestUpdate:
    def test_update_changes_only_what_is_given_and_bumps_updated(self, store):
        note = store.create("t", "body", source=Source("run", "run-7"), tags=["x"])

        changed = store.update(note.id, title="new title")

        assert changed.title == "new title"
        assert (changed.body, changed.source, changed.tags) == (
            "body",
            note.source,
            ("x",),
        )
        assert changed.created == note.created
        assert changed.updated > note.updated

    def test_update_source_and_body(self, store):
        note = store.create("t", "old")

        changed = store.update(
            note.id, body="", source=Source("url", "https://arxiv.org")
        )

        assert changed.body == ""
        assert changed.source == Source("url", "https://arxiv.org")

    def test_update_with_nothing_returns_note_unchanged(self, store):
        note = store.create("t")

        assert store.update(note.id) == note

    def test_failed_update_leaves_the_file_as_it_was(self, store):
        note = store.create("t", "body", tags=["a"])
        before = snapshot(store.path)

        with pytest.raises(InvalidRecordError, match="title with some text"):
            store.update(note.id, title=" ", body="would be lost")
        with pytest.raises(TooLargeError):
            store.update(note.id, body="x" * (MAX_BODY_BYTES + 1))
        with pytest.raises(NotFoundError, match="got 42"):
            store.update(42, body="nothing")

        assert snapshot(store.path) == before
        assert store.get(note.id) == note


class TestDelete:
    def test_delete_cascades_tags_and_links(self, store):
        a, b, c = (
            store.create("a", tags=["t", "only-a"]),
            store.create("b"),
            store.create("c"),
        )
        store.link(a.id, b.id)
        store.link(c.id, a.id)
        store.tag(b.id, "t")

        store.delete(a.id)

        with pytest.raises(NotFoundError):
            store.get(a.id)
        assert store.backlinks(b.id) == []
        assert store.links(c.id) == []
        assert store.list_tags() == {"t": 1}
        assert store._query_one("SELECT count(*) AS n FROM note_tags")["n"] == 1

    def test_delete_unknown_id(self, store):
        with pytest.raises(NotFoundError, match="got 7"):
            store.delete(7)


class TestTags:
    def test_tag_and_untag(self, store):
        note = store.create("t", tags=["a"])

        tagged = store.tag(note.id, "c", "b", "a")
        assert tagged.tags == ("a", "b", "c")
        assert tagged.updated > note.updated
        assert store.untag(note.id, "a", "not-there").tags == ("b", "c")
        assert store.list_tags() == {"b": 1, "c": 1}

    def test_unused_tags_disappear(self, store):
        note = store.create("t", tags=["a"])

        store.untag(note.id, "a")

        assert store.list_tags() == {}
        assert store._query_one("SELECT count(*) AS n FROM tags")["n"] == 0

    def test_tag_unknown_note_changes_nothing(self, store):
        before = snapshot(store.path)

        with pytest.raises(NotFoundError, match="got 3"):
            store.tag(3, "x")
        assert snapshot(store.path) == before

    def test_list_tags_counts_notes(self, store):
        store.create("a", tags=["x", "y"])
        store.create("b", tags=["x"])

        assert store.list_tags() == {"x": 2, "y": 1}


class TestLinks:
    def test_links_and_backlinks(self, store):
        a, b, c = (store.create(t) for t in "abc")

        link = store.link(a.id, b.id, "derives")
        store.link(c.id, b.id)
        store.link(a.id, c.id)

        assert (link.from_id, link.to_id, link.label) == (a.id, b.id, "derives")
        assert (link.from_title, link.to_title) == ("a", "b")
        assert [x.to_id for x in store.links(a.id)] == [b.id, c.id]
        assert [x.from_id for x in store.backlinks(b.id)] == [a.id, c.id]
        assert store.links(b.id) == []

    def test_relinking_changes_the_label(self, store):
        a, b = store.create("a"), store.create("b")
        store.link(a.id, b.id, "cites")

        store.link(a.id, b.id, "refutes")

        assert [x.label for x in store.links(a.id)] == ["refutes"]

    def test_link_to_missing_note_changes_nothing(self, store):
        a = store.create("a")
        before = snapshot(store.path)

        with pytest.raises(NotFoundError, match="got 9"):
            store.link(a.id, 9)
        with pytest.raises(NotFoundError, match="got 9"):
            store.backlinks(9)
        assert snapshot(store.path) == before

    def test_self_link_and_bad_label_are_refused(self, store):
        a, b = store.create("a"), store.create("b")

        with pytest.raises(InvalidRecordError, match="two different notes"):
            store.link(a.id, a.id)
        with pytest.raises(InvalidRecordError, match="link label on one line"):
            store.link(a.id, b.id, "x\ny")
        with pytest.raises(InvalidRecordError, match="from-note id as an int"):
            store.link("1", b.id)

    def test_unlink(self, store):
        a, b = store.create("a"), store.create("b")
        store.link(a.id, b.id)

        store.unlink(a.id, b.id)

        assert store.links(a.id) == []
        with pytest.raises(
            NotFoundError, match=f"link from note {a.id} to note {b.id}"
        ):
            store.unlink(a.id, b.id)


class TestTransactions:
    def test_a_group_commits_together(self, store):
        with store.transaction():
            a = store.create("a")
            store.create("b")
            store.link(a.id, 2)

        assert store.count_notes() == 2

    def test_a_failing_group_changes_nothing(self, store):
        store.create("kept")
        before = snapshot(store.path)

        with pytest.raises(NotFoundError), store.transaction():
            store.create("lost")
            store.tag(1, "lost")
            store.link(1, 99)

        assert snapshot(store.path) == before

    def test_inner_failure_undoes_only_the_inner_write(self, store):
        with store.transaction():
            store.create("outer")
            with pytest.raises(InvalidRecordError), store.transaction():
                store.create("inner")
                store.create("")

        assert [n.title for n in store.list_notes()] == ["outer"]

    def test_closed_store_refuses_calls(self, db_path):
        store = Store.open(db_path)
        store.close()
        store.close()

        assert store.closed
        with pytest.raises(StoreClosedError, match="closed; open it again"):
            store.create("t")
        with pytest.raises(StoreClosedError):
            store.list_notes()
