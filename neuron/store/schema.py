"""The store's schema, as an ordered list of migrations.

Migration ``n`` takes a file from schema version ``n - 1`` to ``n``. The
version lives in ``PRAGMA user_version``; ``PRAGMA application_id`` marks the
file as neuron's so that another program's database is never altered.

To change the schema, append a migration; never edit one that has shipped,
since files in users' hands were made by it.
"""

import logging
import sqlite3
from collections.abc import Sequence

from neuron.errors import NotAStoreError, SchemaVersionError

logger = logging.getLogger(__name__)

#: ``PRAGMA application_id`` of a neuron store ("nRON" in ASCII).
APPLICATION_ID = 0x6E524F4E

# Migration 1: notes, tags and links between notes.
_NOTES = (
    """
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        source_kind TEXT NOT NULL DEFAULT 'none',
        source_ref TEXT NOT NULL DEFAULT '',
        source_anchor TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )
    """,
    "CREATE INDEX notes_updated ON notes (updated)",
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    """
    CREATE TABLE note_tags (
        note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        PRIMARY KEY (note_id, tag_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX note_tags_tag ON note_tags (tag_id)",
    """
    CREATE TABLE links (
        from_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
        to_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        PRIMARY KEY (from_id, to_id),
        CHECK (from_id != to_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX links_to ON links (to_id)",
    f"PRAGMA application_id = {APPLICATION_ID}",
)

# Migration 2: a full-text index over title, body and tags, kept in sync by
# triggers. It stores its own copy of the text (not external content) because
# the tags column is not a column of notes.
_FULL_TEXT = (
    """
    CREATE VIRTUAL TABLE notes_fts USING fts5 (
        title, body, tags, tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    INSERT INTO notes_fts (rowid, title, body, tags)
    SELECT n.id, n.title, n.body, coalesce(
        (SELECT group_concat(t.name, ' ') FROM note_tags nt
         JOIN tags t ON t.id = nt.tag_id WHERE nt.note_id = n.id), '')
    FROM notes n
    """,
    """
    CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
        INSERT INTO notes_fts (rowid, title, body, tags)
        VALUES (new.id, new.title, new.body, '');
    END
    """,
    """
    CREATE TRIGGER notes_fts_update AFTER UPDATE OF title, body ON notes BEGIN
        UPDATE notes_fts SET title = new.title, body = new.body
        WHERE rowid = new.id;
    END
    """,
    """
    CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
        DELETE FROM notes_fts WHERE rowid = old.id;
    END
    """,
    """
    CREATE TRIGGER notes_fts_tag AFTER INSERT ON note_tags BEGIN
        UPDATE notes_fts SET tags = (
            SELECT group_concat(t.name, ' ') FROM note_tags nt
            JOIN tags t ON t.id = nt.tag_id WHERE nt.note_id = new.note_id)
        WHERE rowid = new.note_id;
    END
    """,
    """
    CREATE TRIGGER notes_fts_untag AFTER DELETE ON note_tags BEGIN
        UPDATE notes_fts SET tags = coalesce((
            SELECT group_concat(t.name, ' ') FROM note_tags nt
            JOIN tags t ON t.id = nt.tag_id WHERE nt.note_id = old.note_id), '')
        WHERE rowid = old.note_id;
    END
    """,
)

# Migration 3: workspace objects, named arrays shared between apps.
_WORKSPACE = (
    """
    CREATE TABLE workspace_objects (
        name TEXT PRIMARY KEY,
        dtype TEXT NOT NULL,
        shape TEXT NOT NULL,
        data BLOB NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        updated TEXT NOT NULL
    )
    """,
)

# Migration 4: training runs, with their metrics by step, checkpoints and
# text samples. Deleting a run deletes everything recorded under it. A metric
# value is a REAL; NaN is stored as NULL (SQLite has no NaN), infinities as
# themselves.
_RUNS = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL CHECK (trim(name) != ''),
        status TEXT NOT NULL DEFAULT 'running'
            CHECK (status IN ('running', 'finished', 'failed', 'stopped')),
        config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
        seed INTEGER NOT NULL CHECK (typeof(seed) = 'integer'),
        code_revision TEXT,
        environment TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(environment)),
        summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )
    """,
    "CREATE INDEX runs_created ON runs (created)",
    """
    CREATE TABLE run_metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (typeof(step) = 'integer' AND step >= 0),
        name TEXT NOT NULL CHECK (name != ''),
        value REAL CHECK (value IS NULL OR typeof(value) = 'real'),
        PRIMARY KEY (run_id, step, name)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX run_metrics_name ON run_metrics (run_id, name, step)",
    """
    CREATE TABLE run_checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (typeof(step) = 'integer' AND step >= 0),
        path TEXT NOT NULL CHECK (path != ''),
        metrics TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
        created TEXT NOT NULL
    )
    """,
    "CREATE INDEX run_checkpoints_run ON run_checkpoints (run_id, step)",
    """
    CREATE TABLE run_samples (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (typeof(step) = 'integer' AND step >= 0),
        prompt TEXT NOT NULL,
        text TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
        created TEXT NOT NULL
    )
    """,
    "CREATE INDEX run_samples_run ON run_samples (run_id, step)",
)

# Migration 5: imported documents (papers) and their passages, with a
# full-text index over the passages. A document's bytes are identified by
# their SHA-256, so one file is stored once. A passage's anchor comes from
# the document's content and is unique within it. The index is an external
# content table over passages (it keeps no second copy of the text), kept in
# sync by triggers; deleting a document deletes its passages, and their
# index entries with them.
_DOCUMENTS = (
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL CHECK (trim(title) != ''),
        kind TEXT NOT NULL CHECK (kind IN ('pdf', 'markdown', 'text')),
        filename TEXT NOT NULL CHECK (filename != ''),
        sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (typeof(size) = 'integer' AND size >= 0),
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        imported TEXT NOT NULL
    )
    """,
    "CREATE INDEX documents_imported ON documents (imported)",
    """
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        anchor TEXT NOT NULL CHECK (anchor != ''),
        ordinal INTEGER NOT NULL CHECK (typeof(ordinal) = 'integer' AND ordinal >= 0),
        page INTEGER CHECK (page IS NULL OR (typeof(page) = 'integer' AND page >= 1)),
        heading TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        UNIQUE (document_id, anchor),
        UNIQUE (document_id, ordinal)
    )
    """,
    """
    CREATE VIRTUAL TABLE passages_fts USING fts5 (
        heading, text, content = 'passages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
        INSERT INTO passages_fts (rowid, heading, text)
        VALUES (new.id, new.heading, new.text);
    END
    """,
    """
    CREATE TRIGGER passages_fts_update AFTER UPDATE OF heading, text ON passages
    BEGIN
        INSERT INTO passages_fts (passages_fts, rowid, heading, text)
        VALUES ('delete', old.id, old.heading, old.text);
        INSERT INTO passages_fts (rowid, heading, text)
        VALUES (new.id, new.heading, new.text);
    END
    """,
    """
    CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
        INSERT INTO passages_fts (passages_fts, rowid, heading, text)
        VALUES ('delete', old.id, old.heading, old.text);
    END
    """,
)

# Migration 6: recall cards, scheduled by FSRS, and their review history. A
# card's kind says what it was made from and its ref which one: a note's
# uid, "<document uid>#<anchor>" for a passage, an equation id; a free card
# has no ref. A source makes at most one card. ``state`` is the scheduler's
# card as JSON; ``due`` repeats its due time in the store's sortable UTC
# format, so due cards are found by the index. Each review keeps the rating,
# the scheduler's log and the due times before and after; deleting a card
# deletes its reviews.
_CARDS = (
    """
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL
            CHECK (kind IN ('note', 'passage', 'equation', 'free')),
        ref TEXT NOT NULL DEFAULT '',
        prompt TEXT NOT NULL CHECK (trim(prompt) != ''),
        answer TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (json_valid(state)),
        due TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        CHECK ((kind = 'free') = (ref = ''))
    )
    """,
    "CREATE INDEX cards_due ON cards (due)",
    "CREATE UNIQUE INDEX cards_source ON cards (kind, ref) WHERE kind != 'free'",
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        card_id INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating IN (1, 2, 3, 4)),
        reviewed TEXT NOT NULL,
        log TEXT NOT NULL CHECK (json_valid(log)),
        due_before TEXT NOT NULL,
        due_after TEXT NOT NULL
    )
    """,
    "CREATE INDEX reviews_card ON reviews (card_id, reviewed)",
)

# Migration 7: lessons. Cards may now be made from a lesson's "explain it
# from memory" prompts (kind 'lesson', ref "<lesson slug>#<prompt key>"); the
# cards table is rebuilt for its CHECK, keeping every card and review. The
# learner's progress is one row per finished item of a lesson (an exercise
# passed, the lesson read to its end). A note's references point at what it
# is about beyond other notes: lessons, equations, runs and documents.
_LESSONS = (
    """
    CREATE TABLE cards_7 (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL
            CHECK (kind IN ('note', 'passage', 'equation', 'lesson', 'free')),
        ref TEXT NOT NULL DEFAULT '',
        prompt TEXT NOT NULL CHECK (trim(prompt) != ''),
        answer TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (json_valid(state)),
        due TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        CHECK ((kind = 'free') = (ref = ''))
    )
    """,
    "INSERT INTO cards_7 SELECT * FROM cards",
    """
    CREATE TABLE reviews_7 (
        id INTEGER PRIMARY KEY,
        card_id INTEGER NOT NULL REFERENCES cards_7 (id) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating IN (1, 2, 3, 4)),
        reviewed TEXT NOT NULL,
        log TEXT NOT NULL CHECK (json_valid(log)),
        due_before TEXT NOT NULL,
        due_after TEXT NOT NULL
    )
    """,
    "INSERT INTO reviews_7 SELECT * FROM reviews",
    # Reviews first, so dropping the cards cascades to nothing.
    "DROP TABLE reviews",
    "DROP TABLE cards",
    # Renaming rewrites reviews_7's reference to the new name as well.
    "ALTER TABLE cards_7 RENAME TO cards",
    "ALTER TABLE reviews_7 RENAME TO reviews",
    "CREATE INDEX cards_due ON cards (due)",
    "CREATE UNIQUE INDEX cards_source ON cards (kind, ref) WHERE kind != 'free'",
    "CREATE INDEX reviews_card ON reviews (card_id, reviewed)",
    """
    CREATE TABLE progress (
        lesson TEXT NOT NULL CHECK (lesson != ''),
        item TEXT NOT NULL CHECK (item != ''),
        done TEXT NOT NULL,
        PRIMARY KEY (lesson, item)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE note_refs (
        note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
        kind TEXT NOT NULL
            CHECK (kind IN ('lesson', 'equation', 'run', 'document')),
        ref TEXT NOT NULL CHECK (ref != ''),
        created TEXT NOT NULL,
        PRIMARY KEY (note_id, kind, ref)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX note_refs_target ON note_refs (kind, ref)",
)

#: Migration ``i + 1`` is ``MIGRATIONS[i]``: SQL statements run in order.
MIGRATIONS: tuple[Sequence[str], ...] = (
    _NOTES,
    _FULL_TEXT,
    _WORKSPACE,
    _RUNS,
    _DOCUMENTS,
    _CARDS,
    _LESSONS,
)

#: The schema version this code writes and reads.
SCHEMA_VERSION = len(MIGRATIONS)


def read_version(conn: sqlite3.Connection, path: object) -> int:
    """Read a file's schema version and check the file is a neuron store.

    Reads only; changes neither the file nor the connection's settings.

    Args:
        conn: an open connection to the file.
        path: the file's path, for messages.

    Returns:
        The schema version, 0 for a new (empty) file.

    Raises:
        NotAStoreError: the file is not SQLite, or another program's database.
        SchemaVersionError: the file is newer than this code supports.
    """
    try:
        # One statement, so the three values come from one snapshot even
        # while another process commits a migration between our reads.
        version, app_id, tables = conn.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT application_id FROM pragma_application_id),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
    except sqlite3.DatabaseError as err:
        raise NotAStoreError(
            f"expected a neuron store (a SQLite file) at {path}, got a file "
            f"SQLite cannot read ({err}); pass the path of a neuron.db"
        ) from None
    if (version or tables) and app_id != APPLICATION_ID:
        raise NotAStoreError(
            f"expected a neuron store at {path}, got a SQLite database made by "
            f"another program (application_id {app_id}); pass a different path"
        )
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{path} has schema version {version}, but this neuron supports "
            f"versions up to {SCHEMA_VERSION}; upgrade neuron to open it. "
            "The file was not changed."
        )
    return version


def migrate(conn: sqlite3.Connection, path: object, target: int | None = None) -> int:
    """Bring a file up to schema version ``target`` in one transaction.

    Writes the database. The connection must be in autocommit mode
    (``isolation_level=None``) with no transaction open. Two processes may
    open the same old file at once: the second waits for the first and then
    finds nothing left to do.

    Args:
        conn: an open connection to the file.
        path: the file's path, for messages.
        target: the version to reach; the latest when None. Tests use a lower
            target to make files of an older schema.

    Returns:
        The version the file has afterwards.

    Raises:
        NotAStoreError, SchemaVersionError: as ``read_version``.
    """
    target = SCHEMA_VERSION if target is None else target
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = read_version(conn, path)
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            logger.info("migrated %s to schema version %d", path, number)
        if target > version:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(version, target)
