"""Notes: creating, reading, finding, listing, changing and deleting them.

``NotesMixin`` is one of the classes ``Store`` is built from; it relies on the
store's transaction and query helpers, and on ``TagsMixin`` for tags.
"""

import json
import uuid
from collections.abc import Iterable
from typing import Any

from neuron.errors import AmbiguousReferenceError, InvalidRecordError, NotFoundError
from neuron.store.records import (
    Note,
    Source,
    check_body,
    check_id,
    check_source,
    check_tag,
    check_title,
    check_uid,
    now,
)
from neuron.store.tags import TAGGED_CONDITION, check_tags

_NOTE_SELECT = """
SELECT n.id, n.uid, n.title, n.body, n.source_kind, n.source_ref,
       n.source_anchor, n.created, n.updated,
       (SELECT json_group_array(name) FROM (
            SELECT t.name AS name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id
            WHERE nt.note_id = n.id ORDER BY t.name)) AS tags
FROM notes n
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


class NotesMixin:
    """The note methods of ``Store``."""

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
        source, tags = check_source(source), check_tags(tags)
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
                four characters (``"3f2a9c"``). A string of digits is an id
                when a note has that id, else the start of a uid (uids are
                hexadecimal, so about one in forty starts with eight digits).

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
            try:
                return self.get(int(text))
            except NotFoundError:
                if len(text) < 4:
                    raise
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
            sql += " WHERE " + TAGGED_CONDITION
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
