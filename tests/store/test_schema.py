"""Versioned schema: new files, migrations that keep every row, and files
from a newer neuron refused without a byte changed."""

import sqlite3

import numpy as np
import pytest

from neuron.errors import NotAStoreError, SchemaVersionError
from neuron.store import SCHEMA_VERSION, Store, schema

from .conftest import file_digest

V1_NOTES = [
    # (id, uid, title, body, kind, ref, anchor, created, updated)
    (
        1,
        "11111111-1111-4111-8111-111111111111",
        "Softmax is shift invariant",
        "softmax(x + c) = softmax(x) for every constant c",
        "equation",
        "softmax",
        "eq. 3",
        "2024-01-01T10:00:00.000000Z",
        "2024-01-02T10:00:00.000000Z",
    ),
    (
        2,
        "22222222-2222-4222-8222-222222222222",
        "Über Aufmerksamkeit",
        "",
        "none",
        "",
        "",
        "2024-01-03T10:00:00.000000Z",
        "2024-01-03T10:00:00.000000Z",
    ),
    (
        5,
        "55555555-5555-4555-8555-555555555555",
        "Attention paper",
        "---\nnot front matter\n---\n",
        "paper",
        "1706.03762",
        "",
        "2024-01-04T10:00:00.000000Z",
        "2024-01-05T10:00:00.000000Z",
    ),
]


def make_old_file(path, version):
    """A file at schema ``version`` holding V1_NOTES, tags and links."""
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, path, target=version)
    conn.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", V1_NOTES)
    conn.execute("INSERT INTO tags (id, name) VALUES (1, 'softmax'), (2, 'math')")
    conn.execute("INSERT INTO note_tags VALUES (1, 1), (1, 2), (5, 2)")
    conn.execute(
        "INSERT INTO links VALUES (1, 5, 'cites', '2024-01-06T00:00:00.000000Z'), "
        "(2, 1, '', '2024-01-06T00:00:00.000000Z')"
    )
    conn.close()


def table_rows(path, table):
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
    finally:
        conn.close()


def header(path):
    """Bytes 18-19 of the SQLite header: 1 for a rollback journal, 2 for WAL."""
    return path.read_bytes()[18:20]


class TestNewFile:
    def test_new_file_has_the_latest_schema(self, store):
        assert store.schema_version == SCHEMA_VERSION == len(schema.MIGRATIONS)

    def test_new_file_is_in_wal_mode_with_foreign_keys(self, store):
        assert store._query_one("PRAGMA journal_mode")["journal_mode"] == "wal"
        assert store._query_one("PRAGMA foreign_keys")["foreign_keys"] == 1
        assert store._query_one("PRAGMA busy_timeout")["timeout"] == 10_000

    def test_reopening_keeps_version_and_rows(self, db_path):
        with Store.open(db_path) as store:
            note = store.create("kept", "body")
        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
            assert store.get(note.id) == note


class TestMigration:
    @pytest.mark.parametrize("start", range(1, SCHEMA_VERSION))
    def test_migration_keeps_every_row(self, db_path, start):
        make_old_file(db_path, start)
        before = {t: table_rows(db_path, t) for t in ("notes", "tags", "note_tags")}
        links_before = table_rows(db_path, "links")

        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
            after = {t: table_rows(db_path, t) for t in before}
            assert after == before
            assert table_rows(db_path, "links") == links_before

            note = store.get(1)
            assert note.title == "Softmax is shift invariant"
            assert note.source.anchor == "eq. 3"
            assert note.tags == ("math", "softmax")
            assert store.get(5).body == "---\nnot front matter\n---\n"
            assert [link.to_id for link in store.links(1)] == [5]
            assert [link.from_id for link in store.backlinks(1)] == [2]

    def test_migrated_file_gets_full_text_search_over_old_rows(self, db_path):
        make_old_file(db_path, 1)

        with Store.open(db_path) as store:
            assert [hit.note_id for hit in store.search("constant")] == [1]
            assert {hit.note_id for hit in store.search("math")} == {1, 5}
            assert [hit.note_id for hit in store.search("aufmerksamkeit")] == [2]

    def test_migrated_file_accepts_new_writes(self, db_path):
        make_old_file(db_path, 1)

        with Store.open(db_path) as store:
            new = store.create("After the migration", tags=["math"])
            assert new.id == 6
            store.update(2, body="now with a body about transformers")
            store.link(new.id, 2)
            store.put_object("w", np.eye(2))

            assert store.get_object("w").version == 1
            assert [hit.note_id for hit in store.search("transformers")] == [2]
            assert store.list_tags() == {"math": 3, "softmax": 1}

    def test_version_3_file_migrates_to_4_keeping_every_row(self, db_path):
        make_old_file(db_path, 3)
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute(
            "INSERT INTO workspace_objects VALUES "
            "('w_q', '<f4', '[2]', x'0000803f00000040', 3, "
            "'2024-01-07T00:00:00.000000Z')"
        )
        conn.close()
        old_tables = [
            "notes",
            "tags",
            "note_tags",
            "links",
            "notes_fts",
            "workspace_objects",
        ]
        before = {t: table_rows(db_path, t) for t in old_tables}

        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
            assert {t: table_rows(db_path, t) for t in old_tables} == before
            for table in ("runs", "run_metrics", "run_checkpoints", "run_samples"):
                assert table_rows(db_path, table) == []
            obj = store.get_object("w_q")
            assert (obj.array.tolist(), obj.version) == ([1.0, 2.0], 3)

            run = store.create_run("after the migration", {"lr": 0.1}, seed=0)
            store.log_metrics(run.id, 0, {"loss": 2.0})
            assert store.metrics(run.id) == [(0, "loss", 2.0)]

    def test_version_4_file_migrates_to_5_keeping_every_row(self, db_path, tmp_path):
        make_old_file(db_path, 4)
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute(
            "INSERT INTO runs (id, uid, name, seed, created, updated) VALUES "
            "(1, '33333333-3333-4333-8333-333333333333', 'old run', 7, "
            "'2024-01-07T00:00:00.000000Z', '2024-01-07T00:00:00.000000Z')"
        )
        conn.execute("INSERT INTO run_metrics VALUES (1, 0, 'loss', 2.5)")
        conn.close()
        old_tables = ["notes", "tags", "note_tags", "links", "notes_fts", "runs"]
        before = {t: table_rows(db_path, t) for t in [*old_tables, "run_metrics"]}

        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
            assert {t: table_rows(db_path, t) for t in before} == before
            for table in ("documents", "passages"):
                assert table_rows(db_path, table) == []
            assert store.metrics(1) == [(0, "loss", 2.5)]

            paper = tmp_path / "paper.md"
            paper.write_text("# Old notes\n\nsoftmax over the keys\n")
            doc = store.import_document(paper, root=tmp_path)
            assert [h.anchor for h in store.search_documents("keys")] == ["old-notes-1"]
            assert {h.kind for h in store.search_all("softmax")} == {
                "note",
                "passage",
            }
            store.delete_document(doc.id)

    def test_version_5_file_migrates_to_6_keeping_every_row(self, db_path):
        make_old_file(db_path, 5)
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute(
            "INSERT INTO documents (id, uid, title, kind, filename, sha256, size, "
            "imported) VALUES (1, '44444444-4444-4444-8444-444444444444', "
            "'Old paper', 'text', 'old.txt', ?, 3, "
            "'2024-01-08T00:00:00.000000Z')",
            ["a" * 64],
        )
        conn.execute(
            "INSERT INTO passages (document_id, anchor, ordinal, text) "
            "VALUES (1, 'para-1', 0, 'keys and queries')"
        )
        conn.close()
        old_tables = ["notes", "tags", "note_tags", "links", "notes_fts"]
        before = {t: table_rows(db_path, t) for t in [*old_tables, "passages"]}

        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
            assert {t: table_rows(db_path, t) for t in before} == before
            for table in ("cards", "reviews"):
                assert table_rows(db_path, table) == []
            assert [h.anchor for h in store.search_documents("queries")] == ["para-1"]

            card = store.card_from_passage(1, "para-1", now="2024-02-01T00:00:00Z")
            assert card.answer == "keys and queries"
            store.card_from_note(1, now="2024-02-01T00:00:00Z")
            store.review(card.id, 3, now="2024-02-01T00:00:00Z")
            assert [r.rating for r in store.reviews(card.id)] == [3]

    def test_failed_migration_changes_nothing(self, db_path, monkeypatch):
        make_old_file(db_path, 1)
        before = table_rows(db_path, "notes")
        broken = (*schema.MIGRATIONS[1:2], ("CREATE TABLE oops (", "nonsense"))
        monkeypatch.setattr(schema, "MIGRATIONS", (schema.MIGRATIONS[0], *broken))
        monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)

        with pytest.raises(sqlite3.OperationalError):
            Store.open(db_path)

        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
        assert "notes_fts" not in names
        assert table_rows(db_path, "notes") == before


class TestRefusal:
    @pytest.mark.parametrize("journal_mode", ["delete", "wal"])
    def test_newer_file_is_refused_and_left_untouched(self, db_path, journal_mode):
        with Store.open(db_path) as store:
            store.create("from the future", "body")
        conn = sqlite3.connect(db_path)
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()
        digest, mode = file_digest(db_path), header(db_path)
        siblings = sorted(p.name for p in db_path.parent.iterdir())

        message = (
            rf"schema version {SCHEMA_VERSION + 1}.*up to {SCHEMA_VERSION}; "
            "upgrade neuron"
        )
        with pytest.raises(SchemaVersionError, match=message):
            Store.open(db_path)

        assert file_digest(db_path) == digest
        assert header(db_path) == mode
        assert sorted(p.name for p in db_path.parent.iterdir()) == siblings

    def test_text_file_is_refused_and_left_untouched(self, db_path):
        db_path.write_text("these are my notes, not a database\n" * 10)
        digest = file_digest(db_path)

        with pytest.raises(NotAStoreError, match="expected a neuron store"):
            Store.open(db_path)

        assert file_digest(db_path) == digest

    def test_another_programs_database_is_refused(self, db_path):
        conn = sqlite3.connect(db_path)
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
        conn.commit()
        conn.close()
        digest = file_digest(db_path)

        with pytest.raises(NotAStoreError, match="made by another program"):
            Store.open(db_path)

        assert file_digest(db_path) == digest

    def test_empty_file_becomes_a_store(self, db_path):
        db_path.touch()

        with Store.open(db_path) as store:
            assert store.schema_version == SCHEMA_VERSION
