"""The records the store hands out, and the rules a value must meet to be stored.

Records are frozen dataclasses: reading one never touches the database, and
changing a note goes through the store (``Store.update``), which returns a
new record.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from neuron.errors import InvalidRecordError, TooLargeError

#: Largest note body accepted, in bytes of UTF-8.
MAX_BODY_BYTES = 1024 * 1024

#: Longest title accepted, in characters.
MAX_TITLE_CHARS = 500

#: Longest tag, link label, source reference or anchor, in characters.
MAX_FIELD_CHARS = 2000

#: What a note's source can point at.
SOURCE_KINDS = ("none", "lesson", "paper", "equation", "run", "code", "url", "note")

_TAG_RE = re.compile(r"^[^\W][\w\-./:+]*$")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Every character str.splitlines() breaks at; YAML folds some of them too.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class Source:
    """Where a note comes from: a lesson cell, a passage of a paper, a run...

    Attributes:
        kind: one of ``SOURCE_KINDS``; ``"none"`` for a free-standing note.
        ref: what is pointed at, e.g. ``"05_attention"`` (a lesson slug), an arXiv
            id, a run id or a URL. Empty exactly when ``kind`` is ``"none"``.
        anchor: where inside it, e.g. a cell name, ``"eq. 1"`` or ``"p. 4"``;
            may be empty.
    """

    kind: str = "none"
    ref: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class Note:
    """A markdown note.

    Attributes:
        id: the integer id, local to this store (``neuron notes show 3``).
        uid: a UUID that stays the same across export and import.
        title: one line, never blank.
        body: markdown text, possibly empty.
        source: what the note points at.
        tags: the note's tags, sorted.
        created: UTC time of creation, ISO-8601 (``2024-05-01T12:00:00.000000Z``).
        updated: UTC time of the last change to title, body, source or tags.
    """

    id: int
    uid: str
    title: str
    body: str
    source: Source
    tags: tuple[str, ...]
    created: str
    updated: str


@dataclass(frozen=True)
class Link:
    """A directed link from one note to another.

    Attributes:
        from_id: the id of the note the link starts at.
        to_id: the id of the note it points to.
        label: an optional word for the relation (``"derives"``, ``"cites"``).
        from_title: the title of the starting note, for display.
        to_title: the title of the target note, for display.
        created: UTC time the link was made, ISO-8601.
    """

    from_id: int
    to_id: int
    label: str
    from_title: str
    to_title: str
    created: str


@dataclass(frozen=True)
class SearchHit:
    """One note found by a full-text search.

    Attributes:
        note_id: the note's id.
        uid: the note's uid.
        title: the note's title.
        snippet: a short excerpt with the matched terms between markers.
        score: the BM25 relevance; higher is a better match.
    """

    note_id: int
    uid: str
    title: str
    snippet: str
    score: float


@dataclass(frozen=True)
class ObjectInfo:
    """A workspace object without its data.

    Attributes:
        name: the object's name.
        dtype: the NumPy dtype string, byte order included (``"<f4"``).
        shape: the array's shape.
        version: 1 on the first put, one more on each later put.
        updated: UTC time of the last put, ISO-8601.
        nbytes: the size of the data in bytes.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    version: int
    updated: str
    nbytes: int


@dataclass(frozen=True)
class WorkspaceObject:
    """A named array shared between workbench apps.

    Attributes:
        name: the object's name.
        array: the data, with the dtype and shape it was stored with; a fresh
            writable copy on every read.
        version: 1 on the first put, one more on each later put.
        updated: UTC time of the last put, ISO-8601.
    """

    name: str
    array: np.ndarray = field(compare=False, repr=False)
    version: int
    updated: str


@dataclass(frozen=True)
class Run:
    """A training run: what was trained, how, and how it ended.

    Its metrics, checkpoints and samples are read with ``Store.metrics``,
    ``Store.checkpoints`` and ``Store.samples``.

    Attributes:
        id: the integer id, local to this store (``neuron runs show 3``).
        uid: a UUID naming the run beyond this store.
        name: one line, never blank.
        status: ``"running"`` until finished, then ``"finished"``,
            ``"failed"`` or ``"stopped"``.
        config: the hyperparameters, as given (read back from JSON, so tuples
            come back as lists).
        seed: the random seed the run started from.
        code_revision: the code it ran, such as a git commit; None if unknown.
        environment: the machine and library versions it ran on.
        summary: what the run reported when it finished; empty before.
        created: UTC time the run was created, ISO-8601.
        updated: UTC time of the last record added or of the finish.
    """

    id: int
    uid: str
    name: str
    status: str
    config: dict
    seed: int
    code_revision: str | None
    environment: dict
    summary: dict
    created: str
    updated: str


# ---- time --------------------------------------------------------------


def now() -> str:
    """The current UTC time in the store's ISO-8601 format."""
    return datetime.now(UTC).strftime(_TIME_FORMAT)


def normalize_time(value: object, what: str) -> str:
    """Bring a timestamp into the store's format.

    Args:
        value: an ISO-8601 string with a time zone, or an aware ``datetime``.
        what: the field's name, for the error message.

    Returns:
        The same instant as a UTC string such as ``2024-05-01T12:00:00.000000Z``.

    Raises:
        InvalidRecordError: the value is not a time with a zone.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidRecordError(
                f"expected {what} as an ISO-8601 time such as "
                f"2024-05-01T12:00:00Z, got {value!r}"
            ) from None
    if not isinstance(value, datetime):
        raise InvalidRecordError(
            f"expected {what} as an ISO-8601 string, got {type(value).__name__}"
        )
    if value.tzinfo is None:
        raise InvalidRecordError(
            f"expected {what} with a time zone, got {value.isoformat()}; "
            "add Z (UTC) or an offset such as +02:00"
        )
    return value.astimezone(UTC).strftime(_TIME_FORMAT)


# ---- validation --------------------------------------------------------


def _single_line(value: object, what: str, *, limit: int = MAX_FIELD_CHARS) -> str:
    if not isinstance(value, str):
        raise InvalidRecordError(
            f"expected {what} as a string, got {type(value).__name__}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidRecordError(
            f"expected {what} of valid Unicode text, got an unpaired surrogate "
            f"at character {err.start}"
        ) from None
    if any(char in _LINE_BREAKS for char in value):
        raise InvalidRecordError(
            f"expected {what} on one line, got a line break in {value[:40]!r}"
        )
    if len(value) > limit:
        raise InvalidRecordError(
            f"expected {what} of at most {limit} characters, got {len(value)}"
        )
    return value


def check_title(title: object) -> str:
    """Return ``title`` if it can be stored, else raise InvalidRecordError."""
    _single_line(title, "a title", limit=MAX_TITLE_CHARS)
    if not title.strip():
        raise InvalidRecordError(
            f"expected a title with some text, got {title!r}; give the note a name"
        )
    return title


def check_body(body: object) -> str:
    """Return ``body`` if it can be stored, else raise InvalidRecordError.

    Raises:
        TooLargeError: the body is over ``MAX_BODY_BYTES`` in UTF-8.
    """
    if not isinstance(body, str):
        raise InvalidRecordError(
            f"expected a body as a string, got {type(body).__name__}"
        )
    try:
        size = len(body.encode("utf-8"))
    except UnicodeEncodeError as err:
        raise InvalidRecordError(
            f"expected a body of valid Unicode text, got an unpaired surrogate "
            f"at character {err.start}"
        ) from None
    if size > MAX_BODY_BYTES:
        raise TooLargeError(
            f"expected a body of at most {MAX_BODY_BYTES} bytes (1 MiB), got "
            f"{size} bytes; split the note or link to a file instead"
        )
    return body


def check_source(source: object) -> Source:
    """Return ``source`` as a Source if it can be stored.

    Args:
        source: a ``Source``, or ``None`` for no source.

    Raises:
        InvalidRecordError: wrong type, unknown kind, or a ref that does not
            fit the kind.
    """
    if source is None:
        return Source()
    if not isinstance(source, Source):
        raise InvalidRecordError(
            f"expected source as a neuron.store.Source, got {type(source).__name__}"
        )
    if source.kind not in SOURCE_KINDS:
        raise InvalidRecordError(
            f"expected a source kind in {', '.join(SOURCE_KINDS)}, got {source.kind!r}"
        )
    _single_line(source.ref, "a source ref")
    _single_line(source.anchor, "a source anchor")
    if source.kind == "none" and (source.ref or source.anchor):
        raise InvalidRecordError(
            f"expected no ref or anchor for source kind 'none', got ref "
            f"{source.ref!r} and anchor {source.anchor!r}; name the kind"
        )
    if source.kind != "none" and not source.ref.strip():
        raise InvalidRecordError(
            f"expected a ref for source kind {source.kind!r}, got an empty one; "
            "say what the note points at"
        )
    return source


def check_tag(tag: object) -> str:
    """Return ``tag`` if it is a valid tag, else raise InvalidRecordError.

    A tag is one word: letters, digits and ``_ - . / : +``, starting with a
    letter, digit or underscore.
    """
    _single_line(tag, "a tag", limit=100)
    if not _TAG_RE.match(tag):
        raise InvalidRecordError(
            f"expected a tag of letters, digits and _-./:+ starting with a letter "
            f"or digit, got {tag!r}"
        )
    return tag


def check_label(label: object) -> str:
    """Return ``label`` if it can label a link, else raise InvalidRecordError."""
    return _single_line(label, "a link label", limit=200)


def check_uid(uid: object) -> str:
    """Return ``uid`` in canonical form (lowercase, hyphenated) if it is a UUID."""
    if not isinstance(uid, str):
        raise InvalidRecordError(
            f"expected a uid as a string, got {type(uid).__name__}"
        )
    try:
        return str(uuid.UUID(uid))
    except ValueError:
        raise InvalidRecordError(
            f"expected a uid such as {uuid.uuid4()}, got {uid!r}"
        ) from None


def check_id(note_id: object, what: str = "a note id") -> int:
    """Return ``note_id`` if it is an int (and not a bool)."""
    if isinstance(note_id, bool) or not isinstance(note_id, int):
        raise InvalidRecordError(
            f"expected {what} as an int, got {type(note_id).__name__} "
            f"{note_id!r}; look notes up by uid with Store.find"
        )
    return note_id
