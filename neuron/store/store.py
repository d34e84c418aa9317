"""The Store: notes, tags, links, full-text search and workspace objects in one
SQLite file.

Every public method that writes runs as one transaction begun with
``BEGIN IMMEDIATE``: it takes the write lock up front, so two processes
writing at once queue on the busy timeout instead of failing with "database
is locked", and a failure part-way rolls back and leaves the file as it was.
"""

import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlite_utils

from neuron.errors import (
    AmbiguousReferenceError,
    InvalidRecordError,
    NotFoundError,
    StoreClosedError,
)
from neuron.store import objects, schema, search
from neuron.store.paths import default_path
from neuron.store.records import (
    Link,
    Note,
    ObjectInfo,
    SearchHit,
    Source,
    WorkspaceObject,
    check_body,
    check_id,
    check_label,
    check_source,
    check_tag,
    check_title,
    check_uid,
    now,
)

if TYPE_CHECKING:
    from neuron.store.exchange import ExportResult, ImportResult

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another process's write to finish.
DEFAULT_TIMEOUT = 10.0

_NOTE_SELECT = """
SELECT n.id, n.uid, n.title, n.body, n.source_kind, n.source_ref,
       n.source_anchor, n.created, n.updated,
       (SELECT json_group_array(name) FROM (
            SELECT t.name AS name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id
            WHERE nt.note_id = n.id ORDER BY t.name)) AS tags
FROM notes n
"""

_LINK_SELECT = """
SELECT l.from_id, l.to_id, l.label, a.title AS from_title, b.title AS to_title,
       l.created
FROM links l JOIN notes a ON a.id = l.from_id JOIN notes b ON b.id = l.to_id
"""


def _note(row: dict[str, Any]) -> Note:
    return Note(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        body=row["body"],
        source=Source(row["source_kind"], row["source_ref"], row["source_anchor"]),
        tags=tuple(json.loads(row["tags"])),
        created=row["created"],
        updated=row["updated"],
    )


def _object_info(row: dict[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        name=row["name"],
        dtype=row["dtype"],
        shape=tuple(json.loads(row["shape"])),
        version=row["version"],
        updated=row["updated"],
        nbytes=row["nbytes"],
    )


def _check_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        raise InvalidRecordError(
            f"expected tags as a list of strings, got the string {tags!r}; "
            f"write [{tags!r}]"
        )
    return sorted({check_tag(tag) for tag in tags})


class Store:
    """A neuron store: one SQLite file of notes and workspace objects.

    Open with ``Store.open()`` (the default file) or ``Store.open(path)``, and
    close with ``close()`` or a ``with`` block. Opening an older file migrates
    it to the current schema; a file from a newer neuron is refused untouched.

    Each process opens its own Store; many processes may use one file at once.
    A Store may be shared between threads: its calls are serialized by a lock.

    Attributes:
        path: the absolute path of the SQLite file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Open (creating if needed) the store at ``path``.

        Args:
            path: the SQLite file; ``default_path()`` decides when None.
            timeout: seconds to wait for another process's write lock.

        Side effects: creates the file and its directories if missing,
        switches the file to WAL mode and migrates it to the current schema.

        Raises:
            SchemaVersionError: the file comes from a newer neuron.
            NotAStoreError: the file is not a neuron store.
        """
        self.path: Path = default_path(path)
        self._lock = threading.RLock()
        self._depth = 0
        conn = sqlite3.connect(
            self.path,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            # Check the version before changing anything, even the journal mode.
            schema.read_version(conn, self.path)
            conn.execute("PRAGMA foreign_keys = ON")
            self._db = sqlite_utils.Database(
                conn, recursive_triggers=False, execute_plugins=False
            )
            self._db.enable_wal()
            schema.migrate(conn, self.path)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        logger.debug("opened store %s", self.path)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> "Store":
        """Open the store at ``path`` (see ``Store.__init__``)."""
        return cls(path, timeout=timeout)

    def close(self) -> None:
        """Close the connection. Calling it again does nothing."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                logger.debug("closed store %s", self.path)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"<Store {str(self.path)!r} {state}>"

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._conn is None

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return self._query_one("PRAGMA user_version")["user_version"]

    # ---- transactions ----------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError(
                f"the store {self.path} is closed; open it again with Store.open"
            )
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Group several writes into one transaction.

        Everything done inside the block commits together at its end, or not
        at all if the block raises. Blocks may nest; an inner block that
        raises undoes only its own writes.

        Yields:
            The store itself.
        """
        with self._lock:
            conn = self._connection()
            if self._depth:
                name = f"nested_{self._depth}"
                conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A consistent snapshot for reads made of several statements."""
        with self._lock:
            conn = self._connection()
            if self._depth or conn.in_transaction:
                yield
                return
            conn.execute("BEGIN")
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            self._connection()
            return list(self._db.query(sql, tuple(params)))

    def _query_one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self._query(sql, params)
        return rows[0] if rows else None

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, tuple(params))

    # ---- notes -----------------------------------------------------------

    def create(
        self,
        title: str,
        body: str = "",
        *,
        source: Source | None = None,
        tags: Iterable[str] = (),
    ) -> Note:
        """Create a note.

        Args:
            title: one line of text, not blank.
            body: markdown, at most ``MAX_BODY_BYTES`` bytes of UTF-8.
            source: what the note points at; none by default.
            tags: tags to give the note.

        Returns:
            The new note. Side effect: writes the database.

        Raises:
            InvalidRecordError: a value breaks a rule (see its message).
            TooLargeError: the body is too large.
        """
        title, body = check_title(title), check_body(body)
        source, tags = check_source(source), _check_tags(tags)
        stamp = now()
        with self.transaction():
            note_id = self._insert_note(
                str(uuid.uuid4()), title, body, source, stamp, stamp
            )
            self._set_tags(note_id, tags, touch=False)
            return self.get(note_id)

    def _insert_note(
        self,
        uid: str,
        title: str,
        body: str,
        source: Source,
        created: str,
        updated: str,
    ) -> int:
        cursor = self._execute(
            "INSERT INTO notes (uid, title, body, source_kind, source_ref, "
            "source_anchor, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                title,
                body,
                source.kind,
                source.ref,
                source.anchor,
                created,
                updated,
            ),
        )
        return cursor.lastrowid

    def get(self, note_id: int) -> Note:
        """Return the note with id ``note_id``.

        Raises:
            NotFoundError: no note has that id.
        """
        check_id(note_id)
        row = self._query_one(_NOTE_SELECT + " WHERE n.id = ?", (note_id,))
        if row is None:
            raise NotFoundError(
                f"expected an existing note id, got {note_id}: no note has it; "
                "list the notes to see their ids"
            )
        return _note(row)

    def get_by_uid(self, uid: str) -> Note:
        """Return the note whose uid is ``uid`` (the full UUID).

        Raises:
            NotFoundError: no note has that uid.
        """
        uid = check_uid(uid)
        row = self._query_one(_NOTE_SELECT + " WHERE n.uid = ?", (uid,))
        if row is None:
            raise NotFoundError(f"expected an existing note uid, got {uid}")
        return _note(row)

    def find(self, ref: int | str) -> Note:
        """Find a note the way a user names it on the command line.

        Args:
            ref: an id (``3`` or ``"3"``), or the start of a uid of at least
                four characters (``"3f2a9c"``). A string of digits is an id.

        Raises:
            NotFoundError: nothing matches.
            AmbiguousReferenceError: a uid prefix matches several notes.
            InvalidRecordError: ``ref`` is neither.
        """
        if isinstance(ref, int) and not isinstance(ref, bool):
            return self.get(ref)
        if not isinstance(ref, str):
            raise InvalidRecordError(
                f"expected a note id or uid prefix, got {type(ref).__name__}"
            )
        text = ref.strip().lower()
        if text.isdigit():
            return self.get(int(text))
        if len(text) < 4 or any(c not in "0123456789abcdef-" for c in text):
            raise InvalidRecordError(
                f"expected a note id (digits) or at least 4 characters of a uid, "
                f"got {ref!r}"
            )
        rows = self._query(
            "SELECT id FROM notes WHERE uid LIKE ? LIMIT 2", [text + "%"]
        )
        if not rows:
            raise NotFoundError(
                f"expected a note whose uid starts with {text}, found none"
            )
        if len(rows) > 1:
            raise AmbiguousReferenceError(
                f"expected one note whose uid starts with {text}, found several; "
                "give more characters of the uid"
            )
        return self.get(rows[0]["id"])

    def list_notes(
        self,
        *,
        tag: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Note]:
        """List notes, most recently updated first.

        Args:
            tag: only notes with this tag.
            limit: at most this many notes; all when None.
            offset: skip this many first.
        """
        sql, params = _NOTE_SELECT, []
        if tag is not None:
            sql += (
                " WHERE n.id IN (SELECT nt.note_id FROM note_tags nt "
                "JOIN tags t ON t.id = nt.tag_id WHERE t.name = ?)"
            )
            params.append(check_tag(tag))
        sql += " ORDER BY n.updated DESC, n.id DESC LIMIT ? OFFSET ?"
        params += [-1 if limit is None else int(limit), int(offset)]
        return [_note(row) for row in self._query(sql, params)]

    def count_notes(self) -> int:
        """The number of notes in the store."""
        return self._query_one("SELECT count(*) AS n FROM notes")["n"]

    def update(
        self,
        note_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        source: Source | None = None,
    ) -> Note:
        """Change a note's title, body or source; the others stay.

        Returns:
            The changed note, its ``updated`` time set to now. Calling with
            nothing to change returns the note as it is. Side effect: writes
            the database.

        Raises:
            NotFoundError: no note has that id.
            InvalidRecordError, TooLargeError: a new value breaks a rule.
        """
        check_id(note_id)
        changes: dict[str, str] = {}
        if title is not None:
            changes["title"] = check_title(title)
        if body is not None:
            changes["body"] = check_body(body)
        if source is not None:
            source = check_source(source)
            changes.update(
                source_kind=source.kind,
                source_ref=source.ref,
                source_anchor=source.anchor,
            )
        with self.transaction():
            self.get(note_id)
            if changes:
                changes["updated"] = now()
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self._execute(
                    f"UPDATE notes SET {assignments} WHERE id = ?",
                    [*changes.values(), note_id],
                )
            return self.get(note_id)

    def delete(self, note_id: int) -> None:
        """Delete a note with its tags and its links in both directions.

        Side effect: writes the database.

        Raises:
            NotFoundError: no note has that id.
        """
        with self.transaction():
            self.get(note_id)
            self._execute("DELETE FROM notes WHERE id = ?", [note_id])
            self._drop_unused_tags()

    # ---- tags ------------------------------------------------------------

    def tag(self, note_id: int, *tags: str) -> Note:
        """Add tags to a note; tags it already has are kept once.

        Returns:
            The note, its ``updated`` time set to now. Side effect: writes the
            database.

        Raises:
            NotFoundError: no note has that id.
            InvalidRecordError: a tag is not a valid tag.
        """
        check_id(note_id)
        names = _check_tags(tags)
        with self.transaction():
            note = self.get(note_id)
            self._set_tags(note_id, sorted(set(note.tags) | set(names)))
            return self.get(note_id)

    def untag(self, note_id: int, *tags: str) -> Note:
        """Remove tags from a note; tags it does not have are ignored.

        Returns:
            The note, its ``updated`` time set to now. Side effect: writes the
            database.

        Raises:
            NotFoundError: no note has that id.
        """
        check_id(note_id)
        names = _check_tags(tags)
        with self.transaction():
            note = self.get(note_id)
            self._set_tags(note_id, sorted(set(note.tags) - set(names)))
            return self.get(note_id)

    def _set_tags(self, note_id: int, names: list[str], *, touch: bool = True) -> None:
        current = {
            row["name"]
            for row in self._query(
                "SELECT t.name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id "
                "WHERE nt.note_id = ?",
                [note_id],
            )
        }
        if current == set(names):
            return
        self._execute("DELETE FROM note_tags WHERE note_id = ?", [note_id])
        for name in names:
            self._execute(
                "INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
                [name],
            )
            self._execute(
                "INSERT INTO note_tags (note_id, tag_id) "
                "SELECT ?, id FROM tags WHERE name = ?",
                [note_id, name],
            )
        self._drop_unused_tags()
        if touch:
            self._execute("UPDATE notes SET updated = ? WHERE id = ?", [now(), note_id])

    def _drop_unused_tags(self) -> None:
        self._execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM note_tags)")

    def list_tags(self) -> dict[str, int]:
        """Every tag in use, by name, with the number of notes that carry it."""
        rows = self._query(
            "SELECT t.name, count(*) AS n FROM tags t "
            "JOIN note_tags nt ON nt.tag_id = t.id GROUP BY t.name ORDER BY t.name"
        )
        return {row["name"]: row["n"] for row in rows}

    # ---- links -----------------------------------------------------------

    def link(self, from_id: int, to_id: int, label: str = "") -> Link:
        """Link note ``from_id`` to note ``to_id``; relinking changes the label.

        Returns:
            The link. Side effect: writes the database.

        Raises:
            NotFoundError: either note does not exist.
            InvalidRecordError: a note linked to itself, or a bad label.
        """
        check_id(from_id, "a from-note id")
        check_id(to_id, "a to-note id")
        label = check_label(label)
        if from_id == to_id:
            raise InvalidRecordError(
                f"expected two different notes to link, got note {from_id} twice"
            )
        with self.transaction():
            self.get(from_id)
            self.get(to_id)
            self._execute(
                "INSERT INTO links (from_id, to_id, label, created) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (from_id, to_id) DO UPDATE SET label = excluded.label",
                [from_id, to_id, label, now()],
            )
            row = self._query_one(
                _LINK_SELECT + " WHERE l.from_id = ? AND l.to_id = ?", [from_id, to_id]
            )
            return Link(**row)

    def unlink(self, from_id: int, to_id: int) -> None:
        """Remove the link from note ``from_id`` to note ``to_id``.

        Side effect: writes the database.

        Raises:
            NotFoundError: there is no such link.
        """
        check_id(from_id, "a from-note id")
        check_id(to_id, "a to-note id")
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM links WHERE from_id = ? AND to_id = ?", [from_id, to_id]
            )
            if cursor.rowcount == 0:
                raise NotFoundError(
                    f"expected a link from note {from_id} to note {to_id}, "
                    "found none; see Store.links for the note's links"
                )

    def links(self, note_id: int) -> list[Link]:
        """The links going out of a note, by target id.

        Raises:
            NotFoundError: no note has that id.
        """
        with self._reading():
            self.get(note_id)
            rows = self._query(
                _LINK_SELECT + " WHERE l.from_id = ? ORDER BY l.to_id", [note_id]
            )
        return [Link(**row) for row in rows]

    def backlinks(self, note_id: int) -> list[Link]:
        """The links pointing at a note, by source id.

        Raises:
            NotFoundError: no note has that id.
        """
        with self._reading():
            self.get(note_id)
            rows = self._query(
                _LINK_SELECT + " WHERE l.to_id = ? ORDER BY l.from_id", [note_id]
            )
        return [Link(**row) for row in rows]

    # ---- search ----------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        tag: str | None = None,
        before: str = "**",
        after: str = "**",
    ) -> list[SearchHit]:
        """Full-text search over titles, bodies and tags, best match first.

        Args:
            query: an SQLite FTS5 query: words (all must occur), ``"a phrase"``,
                ``OR``, ``NOT``, ``prefix*``, ``title:word``. Use
                ``quote_query`` to search free text literally.
            limit: at most this many hits.
            tag: only notes with this tag.
            before: the marker put before each matched term in snippets.
            after: the marker put after it.

        Returns:
            Hits ordered by BM25 relevance, a title match weighing more than
            a body match.

        Raises:
            QueryError: the query is empty or malformed.
        """
        query = search.check_query(query)
        sql = (
            "SELECT n.id AS note_id, n.uid, n.title, "
            "snippet(notes_fts, -1, ?, ?, '…', 16) AS snippet, "
            "-bm25(notes_fts, 5.0, 1.0, 3.0) AS score "
            "FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid "
            "WHERE notes_fts MATCH ?"
        )
        params: list[Any] = [before, after, query]
        if tag is not None:
            sql += (
                " AND n.id IN (SELECT nt.note_id FROM note_tags nt "
                "JOIN tags t ON t.id = nt.tag_id WHERE t.name = ?)"
            )
            params.append(check_tag(tag))
        sql += " ORDER BY score DESC, n.id LIMIT ?"
        params.append(int(limit))
        try:
            rows = self._query(sql, params)
        except sqlite3.OperationalError as err:
            if search.is_query_error(err):
                raise search.query_error(query, err) from None
            raise
        return [SearchHit(**row) for row in rows]

    # ---- workspace objects -----------------------------------------------

    def put_object(self, name: str, array: np.ndarray) -> ObjectInfo:
        """Store an array under ``name``, replacing any earlier one.

        Args:
            name: 1-128 letters, digits and ``_.-``, starting with a letter or
                underscore.
            array: a NumPy array of any shape (0-d and empty included) and a
                numeric, boolean, time or fixed-width string dtype.

        Returns:
            The object's description; ``version`` is 1 for a new name and
            one more than before otherwise. Side effect: writes the database.

        Raises:
            InvalidRecordError: a bad name, not an array, or an object dtype.
            TooLargeError: the array is over ``MAX_OBJECT_BYTES``.
        """
        name = objects.check_name(name)
        dtype, shape, data = objects.encode(array)
        with self.transaction():
            self._execute(
                "INSERT INTO workspace_objects (name, dtype, shape, data, version, "
                "updated) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (name) DO UPDATE SET "
                "dtype = excluded.dtype, shape = excluded.shape, data = excluded.data, "
                "version = version + 1, updated = excluded.updated",
                [name, dtype, shape, data, now()],
            )
            return self.object_info(name)

    def get_object(self, name: str) -> WorkspaceObject:
        """Read the array stored under ``name``, with its version.

        Raises:
            NotFoundError: no object has that name.
        """
        name = objects.check_name(name)
        row = self._query_one(
            "SELECT name, dtype, shape, data, version, updated "
            "FROM workspace_objects WHERE name = ?",
            [name],
        )
        if row is None:
            raise self._no_object(name)
        array = objects.decode(row["dtype"], row["shape"], row["data"])
        return WorkspaceObject(row["name"], array, row["version"], row["updated"])

    def object_info(self, name: str) -> ObjectInfo:
        """Describe the object under ``name`` without reading its data.

        Cheap enough to poll: an app watching an object compares ``version``.

        Raises:
            NotFoundError: no object has that name.
        """
        name = objects.check_name(name)
        row = self._query_one(
            "SELECT name, dtype, shape, version, updated, length(data) AS nbytes "
            "FROM workspace_objects WHERE name = ?",
            [name],
        )
        if row is None:
            raise self._no_object(name)
        return _object_info(row)

    def list_objects(self) -> list[ObjectInfo]:
        """Every workspace object, by name, without data."""
        rows = self._query(
            "SELECT name, dtype, shape, version, updated, length(data) AS nbytes "
            "FROM workspace_objects ORDER BY name"
        )
        return [_object_info(row) for row in rows]

    def delete_object(self, name: str) -> None:
        """Delete the object under ``name``. Side effect: writes the database.

        Raises:
            NotFoundError: no object has that name.
        """
        name = objects.check_name(name)
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM workspace_objects WHERE name = ?", [name]
            )
            if cursor.rowcount == 0:
                raise self._no_object(name)

    def _no_object(self, name: str) -> NotFoundError:
        known = ", ".join(info.name for info in self.list_objects()[:10]) or "none"
        return NotFoundError(
            f"expected an existing workspace object name, got {name!r}; "
            f"known objects: {known}"
        )

    # ---- export and import -----------------------------------------------

    def export_notes(
        self, folder: str | os.PathLike[str], *, overwrite: bool = False
    ) -> "ExportResult":
        """Write every note to ``folder`` as markdown files plus ``notes.json``.

        Side effect: writes files; refuses a folder that already holds notes
        unless ``overwrite``. See ``neuron.store.exchange.export_notes``.

        Raises:
            ExportError: the folder is a file or already holds notes.
        """
        from neuron.store.exchange import export_notes

        return export_notes(self, folder, overwrite=overwrite)

    def import_notes(self, folder: str | os.PathLike[str]) -> "ImportResult":
        """Read the markdown notes in ``folder`` into the store, in one transaction.

        Notes are matched by uid: known ones are overwritten, others created.
        Side effect: writes the database; a failure changes nothing. See
        ``neuron.store.exchange.import_notes``.

        Raises:
            ImportFormatError: a file is not a valid note (the message names it).
        """
        from neuron.store.exchange import import_notes

        return import_notes(self, folder)
