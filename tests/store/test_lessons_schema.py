"""Migration 7 and what it adds: lesson cards, progress, note references."""

import sqlite3

import pytest

from neuron.errors import InvalidRecordError, NotFoundError
from neuron.store import Store, schema

from .test_schema import table_rows


def make_v6_file_with_a_reviewed_card(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    schema.migrate(conn, path, target=6)
    conn.execute(
        "INSERT INTO cards VALUES (3, 'u-3', 'equation', 'attention', "
        "'Explain from memory: attention', 'softmax', '{}', "
        "'2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', "
        "'2026-01-01T00:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO reviews VALUES (7, 3, 3, '2026-01-01T00:00:00.000000Z', '{}', "
        "'2026-01-01T00:00:00.000000Z', '2026-01-04T00:00:00.000000Z')"
    )
    conn.close()


class TestMigrationSeven:
    def test_cards_and_reviews_survive_the_rebuild(self, db_path):
        make_v6_file_with_a_reviewed_card(db_path)
        cards, reviews = table_rows(db_path, "cards"), table_rows(db_path, "reviews")

        with Store.open(db_path) as store:
            assert store.schema_version == schema.SCHEMA_VERSION
            assert table_rows(db_path, "cards") == cards
            assert table_rows(db_path, "reviews") == reviews
            # The rebuilt reviews still cascade from their card.
            store.delete_card(3)
            assert table_rows(db_path, "reviews") == []

    def test_the_rebuilt_tables_keep_their_rules(self, store):
        sql = store._query_one("SELECT sql FROM sqlite_master WHERE name = 'reviews'")[
            "sql"
        ]
        assert 'REFERENCES "cards"' in sql or "REFERENCES cards" in sql
        indexes = {
            row["name"]
            for row in store._query("SELECT name FROM sqlite_master WHERE type='index'")
        }
        assert {"cards_due", "cards_source", "reviews_card"} <= indexes


class TestLessonCards:
    def test_a_prompt_makes_one_card(self, store):
        card = store.card_from_lesson(
            "05_attention", "why-sqrt-dk", "Why scale?", "var"
        )
        again = store.card_from_lesson("05_attention", "why-sqrt-dk", "Other", "x")
        assert again == card
        assert card.kind == "lesson" and card.ref == "05_attention#why-sqrt-dk"
        assert card.prompt == "Explain from memory: Why scale?"
        assert [c.id for c in store.list_cards(kind="lesson")] == [card.id]

    @pytest.mark.parametrize(
        ("lesson", "key"), [("", "k"), ("05#x", "k"), ("05", " "), ("05", "a\nb")]
    )
    def test_bad_slug_or_key_is_refused(self, store, lesson, key):
        with pytest.raises(InvalidRecordError, match="lesson slug|prompt key"):
            store.card_from_lesson(lesson, key, "p", "a")
        assert store.list_cards() == []


class TestProgress:
    def test_done_once_keeps_the_first_time(self, store):
        first = store.mark_done(
            "01_vectors", "exercise:dot", now="2026-01-01T00:00:00Z"
        )
        again = store.mark_done(
            "01_vectors", "exercise:dot", now="2026-02-01T00:00:00Z"
        )
        assert again == first and first.done.startswith("2026-01-01")

    def test_progress_by_lesson_and_reset(self, store):
        store.mark_done("01_vectors", "a")
        store.mark_done("02_word2vec", "b")
        assert [p.item for p in store.progress("01_vectors")] == ["a"]
        assert len(store.progress()) == 2
        assert store.reset_progress("01_vectors") == 1
        assert [p.lesson for p in store.progress()] == ["02_word2vec"]

    @pytest.mark.parametrize(("lesson", "item"), [("", "a"), ("a", ""), ("a", None)])
    def test_bad_names_are_refused(self, store, lesson, item):
        with pytest.raises(InvalidRecordError):
            store.mark_done(lesson, item)
        assert store.progress() == []


class TestRefs:
    def test_refs_and_the_way_back(self, store):
        a = store.create("attention", "the weights sum to one")
        b = store.create("schedule", "")
        store.refer(a.id, "equation", "scaled-dot-product-attention")
        store.refer(a.id, "run", 4)
        store.refer(b.id, "equation", "scaled-dot-product-attention")
        store.refer(a.id, "run", "4")  # again: nothing changes

        assert [(r.kind, r.ref) for r in store.refs(a.id)] == [
            ("equation", "scaled-dot-product-attention"),
            ("run", "4"),
        ]
        notes = store.referring_notes("equation", "scaled-dot-product-attention")
        assert {n.id for n in notes} == {a.id, b.id}
        assert [n.id for n in store.referring_notes("run", 4)] == [a.id]

        store.unrefer(a.id, "run", 4)
        assert store.referring_notes("run", 4) == []
        with pytest.raises(NotFoundError, match="no such reference"):
            store.unrefer(a.id, "run", 4)

    def test_deleting_the_note_deletes_its_refs(self, store):
        a = store.create("a", "")
        store.refer(a.id, "lesson", "05_attention")
        store.delete(a.id)
        assert store.referring_notes("lesson", "05_attention") == []

    @pytest.mark.parametrize(("kind", "ref"), [("note", "1"), ("run", ""), ("x", "y")])
    def test_bad_refs_are_refused(self, store, kind, ref):
        a = store.create("a", "")
        with pytest.raises(InvalidRecordError, match="reference"):
            store.refer(a.id, kind, ref)
        assert store.refs(a.id) == []

    def test_missing_note_is_not_found(self, store):
        with pytest.raises(NotFoundError):
            store.refer(99, "lesson", "01_vectors")
