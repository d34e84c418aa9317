"""The learner's progress through the lessons.

Progress is a set of finished items, one row per ``(lesson, item)``: an
exercise answered correctly, a lesson read to its end. Marking an item done
again keeps its first time. The curriculum (``neuron.curriculum``) turns
these rows into a lesson's share done and the week of the plan reached.

``ProgressMixin`` is one of the classes ``Store`` is built from; it relies on
the store's transaction and query helpers.
"""

from dataclasses import dataclass
from datetime import datetime

from neuron.errors import InvalidRecordError
from neuron.store import scheduling
from neuron.store.records import _single_line


@dataclass(frozen=True)
class Progress:
    """One finished item of a lesson.

    Attributes:
        lesson: the lesson's slug, e.g. ``"05_attention"``.
        item: what was finished, e.g. ``"exercise:scores"``.
        done: UTC time it was first finished, ISO-8601.
    """

    lesson: str
    item: str
    done: str


def _check_name(value: object, what: str, example: str) -> str:
    text = _single_line(value, what).strip()
    if not text:
        raise InvalidRecordError(f"expected {what} like {example!r}, got {value!r}")
    return text


class ProgressMixin:
    """The progress methods of ``Store``."""

    def mark_done(
        self, lesson: str, item: str, *, now: datetime | str | None = None
    ) -> Progress:
        """Record that ``item`` of ``lesson`` is finished.

        Returns the row; an item already done keeps its first time and
        nothing is written. Side effect: writes the database.

        Raises:
            InvalidRecordError: an empty or multi-line lesson or item.
        """
        lesson = _check_name(lesson, "a lesson slug", "05_attention")
        item = _check_name(item, "an item", "exercise:scores")
        done = scheduling.stamp(scheduling.instant(now))
        with self.transaction():
            self._execute(
                "INSERT INTO progress (lesson, item, done) VALUES (?, ?, ?) "
                "ON CONFLICT (lesson, item) DO NOTHING",
                [lesson, item, done],
            )
            row = self._query_one(
                "SELECT lesson, item, done FROM progress WHERE lesson = ? AND item = ?",
                [lesson, item],
            )
        return Progress(**row)

    def progress(self, lesson: str | None = None) -> list[Progress]:
        """The finished items, of one lesson or of all, by lesson then time."""
        if lesson is None:
            rows = self._query(
                "SELECT lesson, item, done FROM progress ORDER BY lesson, done, item"
            )
        else:
            lesson = _check_name(lesson, "a lesson slug", "05_attention")
            rows = self._query(
                "SELECT lesson, item, done FROM progress WHERE lesson = ? "
                "ORDER BY done, item",
                [lesson],
            )
        return [Progress(**row) for row in rows]

    def reset_progress(self, lesson: str) -> int:
        """Forget every finished item of ``lesson``; returns how many.

        Side effect: writes the database.
        """
        lesson = _check_name(lesson, "a lesson slug", "05_attention")
        with self.transaction():
            cursor = self._execute("DELETE FROM progress WHERE lesson = ?", [lesson])
        return cursor.rowcount
