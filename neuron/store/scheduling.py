"""Spaced repetition for recall cards, by FSRS (the ``fsrs`` package).

FSRS (the Free Spaced Repetition Scheduler) models how well a card is
remembered by its stability and difficulty, and schedules the next review
for when the chance of recalling it falls to the desired retention (90%).
A new card is in the learning state and due at once; its first reviews step
through short learning intervals (1 and 10 minutes), after which reviews
are days apart and grow with every successful recall.

Everything here uses the scheduler's default parameters with fuzzing off:
the package would otherwise add a random day or two to long intervals to
spread reviews out, and the store wants the same review at the same time
to give the same schedule, so tests (and users comparing notes) see
reproducible dates.

The scheduler's card is stored as JSON text (``Card.to_json``); this module
is the only place that knows its shape.
"""

import json
from datetime import UTC, datetime
from functools import cache

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from neuron.errors import InvalidRecordError
from neuron.store.records import normalize_time

#: The four answers to "how well did you recall it?", by their number.
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


@cache
def scheduler() -> Scheduler:
    """The FSRS scheduler the store uses: default parameters, no fuzz."""
    return Scheduler(enable_fuzzing=False)


def instant(value: object = None) -> datetime:
    """A time as an aware UTC ``datetime``; the current time when None.

    Args:
        value: None, an aware ``datetime``, or an ISO-8601 string with a
            time zone.

    Raises:
        InvalidRecordError: the value is not a time with a zone.
    """
    if value is None:
        return datetime.now(UTC)
    text = normalize_time(value, "now")
    return datetime.fromisoformat(text)


def stamp(moment: datetime) -> str:
    """``moment`` in the store's sortable UTC format."""
    return normalize_time(moment, "a time")


def check_rating(rating: object) -> int:
    """Return ``rating`` if it is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).

    Raises:
        InvalidRecordError: anything else, bools included.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        names = ", ".join(f"{number} {name}" for number, name in RATINGS.items())
        raise InvalidRecordError(
            f"expected a rating of {names}, got {type(rating).__name__} "
            f"{rating!r}; rate how well you recalled the answer"
        )
    return rating


def new_state(card_id: int, created: datetime) -> str:
    """The JSON state of a card never reviewed, due at ``created``.

    Args:
        card_id: the store's id of the card, kept in the state.
        created: an aware UTC time (see ``instant``).
    """
    return FsrsCard(card_id=card_id, due=created).to_json()


def due_of(state: str) -> datetime:
    """When the card whose JSON state is ``state`` is due."""
    return FsrsCard.from_json(state).due


def review(state: dict, rating: int, moment: datetime) -> tuple[str, str]:
    """Schedule a card after a review.

    Args:
        state: the card's state before the review, as ``loads`` reads it.
        rating: 1 (Again) to 4 (Easy), already checked by ``check_rating``.
        moment: when the review happened, an aware UTC time.

    Returns:
        The card's new JSON state and the scheduler's review log as JSON.
    """
    card, log = scheduler().review_card(
        FsrsCard.from_dict(state), Rating(rating), review_datetime=moment
    )
    return card.to_json(), log.to_json()


def loads(text: str) -> dict:
    """A stored JSON state or log as a dict, for records."""
    return json.loads(text)
