"""Links: directed, labelled edges from one note to another.

``LinksMixin`` is one of the classes ``Store`` is built from; it relies on the
store's transaction and query helpers, and on ``NotesMixin`` to check that
the notes exist.
"""

from neuron.errors import InvalidRecordError, NotFoundError
from neuron.store.records import Link, check_id, check_label, now

_LINK_SELECT = """
SELECT l.from_id, l.to_id, l.label, a.title AS from_title, b.title AS to_title,
       l.created
FROM links l JOIN notes a ON a.id = l.from_id JOIN notes b ON b.id = l.to_id
"""


class LinksMixin:
    """The link methods of ``Store``."""

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
