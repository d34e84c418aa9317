"""Tags: giving them to notes, taking them away and counting them.

A tag exists in the ``tags`` table only while some note carries it.
``TagsMixin`` is one of the classes ``Store`` is built from; it relies on the
store's transaction and query helpers, and on ``NotesMixin`` to read notes.
"""

from collections.abc import Iterable

from neuron.errors import InvalidRecordError
from neuron.store.records import Note, check_id, check_tag, now

#: A WHERE condition keeping the notes ``n`` that carry the tag bound to ``?``.
TAGGED_CONDITION = (
    "n.id IN (SELECT nt.note_id FROM note_tags nt "
    "JOIN tags t ON t.id = nt.tag_id WHERE t.name = ?)"
)


def check_tags(tags: Iterable[str]) -> list[str]:
    """The distinct valid tags in ``tags``, sorted.

    Raises:
        InvalidRecordError: ``tags`` is a string, or a tag is not valid.
    """
    if isinstance(tags, str):
        raise InvalidRecordError(
            f"expected tags as a list of strings, got the string {tags!r}; "
            f"write [{tags!r}]"
        )
    return sorted({check_tag(tag) for tag in tags})


class TagsMixin:
    """The tag methods of ``Store``."""

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
        names = check_tags(tags)
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
        names = check_tags(tags)
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
