"""References: what a note is about, beyond other notes.

A note links to other notes with ``LinksMixin``; it refers to the rest of
the project with references: a lesson (its slug, ``"05_attention"``), an
equation of the paper (its id in ``neuron.paper``), a training run (its id)
or an imported document (its uid). A note may refer to many things, and the
way back, "which notes refer to this equation?", is one indexed query:
these are the backlinks the Reader shows beside an equation, a lesson or a
run.

``RefsMixin`` is one of the classes ``Store`` is built from; it relies on the
store's transaction and query helpers and on ``NotesMixin``.
"""

from dataclasses import dataclass

from neuron.errors import InvalidRecordError, NotFoundError
from neuron.store.records import Note, _single_line, check_id, now

#: What a note may refer to.
REF_KINDS = ("lesson", "equation", "run", "document")


@dataclass(frozen=True)
class Ref:
    """A note's reference to a lesson, an equation, a run or a document.

    Attributes:
        note_id: the referring note.
        kind: one of ``REF_KINDS``.
        ref: the target: a lesson slug, an equation id, a run id (as text) or
            a document uid.
        created: UTC time the reference was made.
    """

    note_id: int
    kind: str
    ref: str
    created: str


def check_ref(kind: object, ref: object) -> tuple[str, str]:
    """Return ``(kind, ref)`` checked; a run id may be given as an int.

    Raises:
        InvalidRecordError: an unknown kind or an empty or multi-line ref.
    """
    if kind not in REF_KINDS:
        raise InvalidRecordError(
            f"expected a reference kind in {', '.join(REF_KINDS)}, got {kind!r}"
        )
    if kind == "run" and isinstance(ref, int) and not isinstance(ref, bool):
        ref = str(ref)
    text = _single_line(ref, "a reference").strip()
    if not text:
        raise InvalidRecordError(
            f"expected what the {kind} reference points at, got {ref!r}"
        )
    return kind, text


class RefsMixin:
    """The reference methods of ``Store``."""

    def refer(self, note_id: int, kind: str, ref: str | int) -> Ref:
        """Make note ``note_id`` refer to a lesson, equation, run or document.

        Referring again to the same target changes nothing. The target is not
        looked up (a lesson may be renamed, a run deleted); the Reader says
        when one is gone. Side effect: writes the database.

        Raises:
            NotFoundError: no note has that id.
            InvalidRecordError: a bad kind or ref (see ``check_ref``).
        """
        check_id(note_id)
        kind, ref = check_ref(kind, ref)
        with self.transaction():
            self.get(note_id)
            self._execute(
                "INSERT INTO note_refs (note_id, kind, ref, created) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [note_id, kind, ref, now()],
            )
            row = self._query_one(
                "SELECT note_id, kind, ref, created FROM note_refs "
                "WHERE note_id = ? AND kind = ? AND ref = ?",
                [note_id, kind, ref],
            )
        return Ref(**row)

    def unrefer(self, note_id: int, kind: str, ref: str | int) -> None:
        """Remove a note's reference. Side effect: writes the database.

        Raises:
            NotFoundError: the note has no such reference.
        """
        check_id(note_id)
        kind, ref = check_ref(kind, ref)
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM note_refs WHERE note_id = ? AND kind = ? AND ref = ?",
                [note_id, kind, ref],
            )
            if cursor.rowcount == 0:
                raise NotFoundError(
                    f"expected note {note_id} to refer to {kind} {ref!r}, found no "
                    "such reference; see Store.refs for the note's references"
                )

    def refs(self, note_id: int) -> list[Ref]:
        """The references a note makes, by kind then target.

        Raises:
            NotFoundError: no note has that id.
        """
        check_id(note_id)
        with self._reading():
            self.get(note_id)
            rows = self._query(
                "SELECT note_id, kind, ref, created FROM note_refs "
                "WHERE note_id = ? ORDER BY kind, ref",
                [note_id],
            )
        return [Ref(**row) for row in rows]

    def referring_notes(self, kind: str, ref: str | int) -> list[Note]:
        """The notes that refer to a lesson, equation, run or document,
        newest first: the target's backlinks.

        Raises:
            InvalidRecordError: a bad kind or ref (see ``check_ref``).
        """
        kind, ref = check_ref(kind, ref)
        with self._reading():
            rows = self._query(
                "SELECT note_id FROM note_refs WHERE kind = ? AND ref = ? "
                "ORDER BY created DESC, note_id DESC",
                [kind, ref],
            )
            return [self.get(row["note_id"]) for row in rows]
