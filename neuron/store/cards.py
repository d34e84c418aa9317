"""Recall cards: "explain it from memory" prompts, scheduled by FSRS.

A card asks the learner to explain something without looking, then shows
the reference answer; the learner rates how well they recalled it (1 Again,
2 Hard, 3 Good, 4 Easy) and the scheduler (``neuron.store.scheduling``)
sets when it is due next. Every review is kept with its rating, the
scheduler's log and the due times before and after.

A card is made from a source, or is free-standing:

    kind        ref                          made by
    note        the note's uid               ``card_from_note``
    passage     "<document uid>#<anchor>"    ``card_from_passage``
    equation    the paper equation's id      ``card_from_equation``
    lesson      "<lesson slug>#<prompt key>"  ``card_from_lesson``
    free        "" (none)                    ``create_card``

A source makes one card: asking again for a card from the same source
returns the card already stored, unchanged, and writes nothing, so "make
cards from ..." can be run any number of times. A card keeps a copy of its
prompt and answer: editing or deleting the note, document or equation later
leaves the card as it was.

Times are passed in (``now``, an aware ``datetime`` or an ISO-8601 string
with a zone; the current time when None), so a review replayed at the same
time gives the same schedule.

``CardsMixin`` is one of the classes ``Store`` is built from; it relies on
the store's transaction and query helpers and on the notes and documents
mixins.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neuron.errors import InvalidArgumentError, InvalidRecordError, NotFoundError
from neuron.store import scheduling
from neuron.store.records import _single_line
from neuron.store.runs import _check_text

#: What a card can be made from; ``"free"`` is a card with no source.
CARD_KINDS = ("note", "passage", "equation", "lesson", "free")

#: The words every card made from a source asks with.
PROMPT_PREFIX = "Explain from memory: "

_CARD_SELECT = (
    "SELECT id, uid, kind, ref, prompt, answer, state, due, created, updated FROM cards"
)


@dataclass(frozen=True)
class Card:
    """A recall card.

    Attributes:
        id: the integer id, local to this store.
        uid: a UUID naming the card beyond this store.
        kind: one of ``CARD_KINDS``.
        ref: which source it was made from (see the module docstring);
            empty for a free card.
        prompt: the question, "Explain from memory: ...".
        answer: the reference text shown after recalling.
        state: the FSRS scheduler's card (state, step, stability,
            difficulty, due, last_review), as stored.
        due: UTC time the card is next due, ISO-8601.
        created: UTC time the card was made.
        updated: UTC time of its last review (or its creation).
    """

    id: int
    uid: str
    kind: str
    ref: str
    prompt: str
    answer: str
    state: dict
    due: str
    created: str
    updated: str


@dataclass(frozen=True)
class Review:
    """One review of a card.

    Attributes:
        id: the integer id, local to this store.
        card_id: the card reviewed.
        rating: 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).
        reviewed: UTC time of the review, ISO-8601.
        log: the FSRS scheduler's review log, as stored.
        due_before: when the card was due before this review.
        due_after: when this review made it due next.
    """

    id: int
    card_id: int
    rating: int
    reviewed: str
    log: dict
    due_before: str
    due_after: str


def _card(row: dict[str, Any]) -> Card:
    return Card(**{**row, "state": scheduling.loads(row["state"])})


def _check_card_id(card_id: object) -> int:
    if isinstance(card_id, bool) or not isinstance(card_id, int):
        raise InvalidRecordError(
            f"expected a card id as an int, got {type(card_id).__name__} "
            f"{card_id!r}; list cards with Store.list_cards"
        )
    if not 0 <= card_id < 2**63:
        raise InvalidRecordError(
            f"expected a card id from 0 to {2**63 - 1}, got {card_id}; list "
            "cards with Store.list_cards"
        )
    return card_id


def _check_limit(limit: object) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidRecordError(
            f"expected limit as a non-negative int or None, got {limit!r}"
        )
    return limit


def _check_card(kind: object, ref: object, prompt: object, answer: object) -> None:
    if kind not in CARD_KINDS:
        raise InvalidRecordError(
            f"expected a card kind in {', '.join(CARD_KINDS)}, got {kind!r}"
        )
    _single_line(ref, "a card ref")
    if kind == "free" and ref:
        raise InvalidRecordError(
            f"expected no ref for a free card, got {ref!r}; name the kind of "
            "source it points at"
        )
    if kind != "free" and not ref.strip():
        raise InvalidRecordError(
            f"expected a ref for a {kind} card, got an empty one; say which "
            f"{kind} it was made from"
        )
    _check_text(prompt, "a prompt")
    if not prompt.strip():
        raise InvalidRecordError(
            f"expected a prompt with some text, got {prompt!r}; ask a question"
        )
    _check_text(answer, "an answer")


class CardsMixin:
    """The recall-card methods of ``Store``."""

    def create_card(
        self,
        kind: str,
        ref: str,
        prompt: str,
        answer: str,
        *,
        now: datetime | str | None = None,
    ) -> Card:
        """Make a recall card, due at once.

        For a source kind (not ``"free"``) whose ``(kind, ref)`` already has
        a card, returns that card unchanged and writes nothing.

        Args:
            kind: one of ``CARD_KINDS``.
            ref: one line naming the source; empty exactly for ``"free"``.
            prompt: the question, not blank (at most 1 MiB).
            answer: the reference answer (at most 1 MiB), may be empty.
            now: the creation time; the current time when None.

        Returns:
            The card. Side effect: writes the database.

        Raises:
            InvalidRecordError: a value breaks a rule (see its message).
        """
        _check_card(kind, ref, prompt, answer)
        moment = scheduling.instant(now)
        created = scheduling.stamp(moment)
        with self.transaction():
            if kind != "free":
                row = self._query_one(
                    "SELECT id FROM cards WHERE kind = ? AND ref = ?", [kind, ref]
                )
                if row is not None:
                    return self.get_card(row["id"])
            cursor = self._execute(
                "INSERT INTO cards (uid, kind, ref, prompt, answer, state, due, "
                "created, updated) VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?)",
                [str(uuid.uuid4()), kind, ref, prompt, answer, created] + [created] * 2,
            )
            card_id = cursor.lastrowid
            # The scheduler's card carries the store's id, known only now.
            self._execute(
                "UPDATE cards SET state = ? WHERE id = ?",
                [scheduling.new_state(card_id, moment), card_id],
            )
            return self.get_card(card_id)

    def card_from_note(
        self, note_id: int, *, now: datetime | str | None = None
    ) -> Card:
        """The card for a note: its title asked, its body (or, if empty, its
        title) the answer. Returns the note's card if it has one already.

        Raises:
            NotFoundError: no note has that id.
        """
        with self.transaction():
            note = self.get(note_id)
            return self.create_card(
                "note",
                note.uid,
                PROMPT_PREFIX + note.title,
                note.body or note.title,
                now=now,
            )

    def card_from_passage(
        self, document_id: int, anchor: str, *, now: datetime | str | None = None
    ) -> Card:
        """The card for a passage of a document: the passage's heading (or
        the document's title) asked, its text the answer. Returns the
        passage's card if it has one already.

        Raises:
            NotFoundError: no such document, or no passage at that anchor.
        """
        with self.transaction():
            document = self.get_document(document_id)
            passage = self.passage(document_id, anchor)
            topic = passage.heading or document.title
            return self.create_card(
                "passage",
                f"{document.uid}#{passage.anchor}",
                f"{PROMPT_PREFIX}{topic} ({document.title}, {passage.anchor})",
                passage.text,
                now=now,
            )

    def card_from_equation(
        self, equation_id: str, *, now: datetime | str | None = None
    ) -> Card:
        """The card for an equation of "Attention Is All You Need"
        (``neuron.paper``): its title asked, its LaTeX and explanation the
        answer. Returns the equation's card if it has one already.

        Raises:
            NotFoundError: no equation has that id (the message lists them).
        """
        # Imported here: the paper's checkers pull in numerical code that
        # the store does not otherwise need.
        from neuron import paper

        try:
            equation = paper.get(equation_id)
        except InvalidArgumentError as err:
            raise NotFoundError(str(err)) from None
        return self.create_card(
            "equation",
            equation.id,
            PROMPT_PREFIX + equation.title,
            f"$$\n{equation.latex}\n$$\n\n{equation.explanation}",
            now=now,
        )

    def card_from_lesson(
        self,
        lesson: str,
        key: str,
        prompt: str,
        answer: str,
        *,
        now: datetime | str | None = None,
    ) -> Card:
        """The card for one of a lesson's "explain it from memory" prompts.

        Returns the prompt's card if it has one already, unchanged, so a
        lesson may offer its prompts every time it runs.

        Args:
            lesson: the lesson's slug, e.g. ``"05_attention"``.
            key: names the prompt within the lesson, e.g. ``"why-sqrt-dk"``.
            prompt: what to explain, without the "Explain from memory: "
                every card starts with.
            answer: the reference answer (markdown).
            now: the creation time; the current time when None.

        Raises:
            InvalidRecordError: an empty or multi-line slug or key, a ``#`` in
                the slug, or a blank prompt.
        """
        lesson = _single_line(lesson, "a lesson slug").strip()
        key = _single_line(key, "a prompt key").strip()
        if not lesson or not key or "#" in lesson:
            raise InvalidRecordError(
                f"expected a lesson slug without '#' and a prompt key, got "
                f"{lesson!r} and {key!r}; e.g. '05_attention' and 'why-sqrt-dk'"
            )
        _check_text(prompt, "a prompt")
        if prompt.startswith(PROMPT_PREFIX):
            prompt = prompt[len(PROMPT_PREFIX) :]
        return self.create_card(
            "lesson", f"{lesson}#{key}", PROMPT_PREFIX + prompt, answer, now=now
        )

    def get_card(self, card_id: int) -> Card:
        """Return the card with id ``card_id``.

        Raises:
            NotFoundError: no card has that id.
        """
        _check_card_id(card_id)
        row = self._query_one(_CARD_SELECT + " WHERE id = ?", [card_id])
        if row is None:
            raise NotFoundError(
                f"expected an existing card id, got {card_id}: no card has it; "
                "list them with Store.list_cards"
            )
        return _card(row)

    def list_cards(
        self, *, kind: str | None = None, limit: int | None = None
    ) -> list[Card]:
        """Cards, most recently created first.

        Args:
            kind: only cards of this kind; all when None.
            limit: at most this many; all when None.

        Raises:
            InvalidRecordError: an unknown kind.
        """
        sql = _CARD_SELECT
        params: list[Any] = []
        if kind is not None:
            if kind not in CARD_KINDS:
                raise InvalidRecordError(
                    f"expected a card kind in {', '.join(CARD_KINDS)}, got {kind!r}"
                )
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY created DESC, id DESC"
        if _check_limit(limit) is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_card(row) for row in self._query(sql, params)]

    def due_cards(
        self, now: datetime | str | None = None, *, limit: int | None = None
    ) -> list[Card]:
        """Cards due at ``now`` (the current time when None), the longest
        overdue first; cards due at the same time in the order made.

        Args:
            now: the time to compare due times with.
            limit: at most this many; all when None.
        """
        sql = _CARD_SELECT + " WHERE due <= ? ORDER BY due, id"
        params: list[Any] = [scheduling.stamp(scheduling.instant(now))]
        if _check_limit(limit) is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_card(row) for row in self._query(sql, params)]

    def count_due_cards(self, now: datetime | str | None = None) -> int:
        """How many cards are due at ``now`` (the current time when None)."""
        moment = scheduling.stamp(scheduling.instant(now))
        row = self._query_one(
            "SELECT count(*) AS n FROM cards WHERE due <= ?", [moment]
        )
        return row["n"]

    def review(
        self, card_id: int, rating: int, *, now: datetime | str | None = None
    ) -> Card:
        """Record a review of a card and schedule its next one.

        Args:
            card_id: the card reviewed.
            rating: how well it was recalled: 1 Again, 2 Hard, 3 Good,
                4 Easy.
            now: when it was reviewed; the current time when None.

        Returns:
            The card with its new state and due time. Side effect: writes
            the card and a row of its history in one transaction; a refused
            review writes nothing.

        Raises:
            InvalidRecordError: a rating other than the ints 1 to 4, or a
                time without a zone.
            NotFoundError: no card has that id.
        """
        rating = scheduling.check_rating(rating)
        moment = scheduling.instant(now)
        reviewed = scheduling.stamp(moment)
        with self.transaction():
            card = self.get_card(card_id)
            state, log = scheduling.review(card.state, rating, moment)
            due = scheduling.stamp(scheduling.due_of(state))
            self._execute(
                "UPDATE cards SET state = ?, due = ?, updated = ? WHERE id = ?",
                [state, due, reviewed, card.id],
            )
            self._execute(
                "INSERT INTO reviews (card_id, rating, reviewed, log, due_before, "
                "due_after) VALUES (?, ?, ?, ?, ?, ?)",
                [card.id, rating, reviewed, log, card.due, due],
            )
            return self.get_card(card.id)

    def reviews(self, card_id: int) -> list[Review]:
        """The reviews of a card, oldest first.

        Raises:
            NotFoundError: no card has that id.
        """
        with self._reading():
            self.get_card(card_id)
            rows = self._query(
                "SELECT id, card_id, rating, reviewed, log, due_before, due_after "
                "FROM reviews WHERE card_id = ? ORDER BY reviewed, id",
                [card_id],
            )
        return [Review(**{**row, "log": scheduling.loads(row["log"])}) for row in rows]

    def delete_card(self, card_id: int) -> None:
        """Delete a card with its reviews. Its source is left as it is.

        Side effect: writes the database.

        Raises:
            NotFoundError: no card has that id.
        """
        with self.transaction():
            self.get_card(card_id)
            self._execute("DELETE FROM cards WHERE id = ?", [card_id])
