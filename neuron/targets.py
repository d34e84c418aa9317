"""What a note can point at, named for people and for links.

A note links to other notes (``Store.link``) and refers to lessons,
equations, runs and documents (``Store.refer``). The Reader offers each kind
of target as a list to choose from and shows every link as a title and, when
the target has a page, an address. Both come from here, so the Reader, the
home page and the API name things the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from neuron import paper, paths
from neuron.errors import InvalidArgumentError, NotFoundError
from neuron.viz import nav

if TYPE_CHECKING:
    from neuron.store import Store

#: The kinds of target, in the order the Reader offers them.
TARGET_KINDS = ("note", "lesson", "equation", "run", "document")


@dataclass(frozen=True)
class Target:
    """One thing a note can point at.

    Attributes:
        kind: one of ``TARGET_KINDS``.
        ref: its key: a note or run id as text, a lesson slug, an equation
            id, a document uid.
        title: what a person reads.
        href: the page showing it, or ``""`` when it has none.
    """

    kind: str
    ref: str
    title: str
    href: str = ""


def _check_kind(kind: object) -> str:
    if kind not in TARGET_KINDS:
        raise InvalidArgumentError(
            f"expected a target kind in {', '.join(TARGET_KINDS)}, got {kind!r}"
        )
    return kind


def _href(slug: str) -> str:
    return nav.href(slug)


def _note(note) -> Target:
    return Target("note", str(note.id), f"{note.id}: {note.title}")


def _run(run) -> Target:
    return Target(
        "run", str(run.id), f"run {run.id}: {run.name} ({run.status})", _href("codelab")
    )


def _document(document) -> Target:
    return Target("document", document.uid, document.title, _href("reader"))


def choices(store: Store, kind: str, *, limit: int | None = 200) -> list[Target]:
    """The targets of one kind a note could point at, newest first where
    the kind has an order in time.

    Raises:
        InvalidArgumentError: an unknown kind.
    """
    kind = _check_kind(kind)
    if kind == "note":
        return [_note(n) for n in store.list_notes(limit=limit)]
    if kind == "lesson":
        return [
            Target("lesson", page.slug, page.title, _href(page.slug))
            for page in paths.lessons()
        ]
    if kind == "equation":
        return [
            Target("equation", eq.id, f"{eq.section}: {eq.title}", _href("reader"))
            for eq in paper.EQUATIONS
        ]
    if kind == "run":
        return [_run(run) for run in store.list_runs()[:limit]]
    return [_document(doc) for doc in store.list_documents(limit=limit)]


def describe(store: Store, kind: str, ref: str) -> Target:
    """Name one target; a target that is gone says so in its title.

    Notes and runs are read by id, however many the store holds; lessons,
    equations and documents (a few dozen at most) are looked up in their
    list.

    Raises:
        InvalidArgumentError: an unknown kind.
    """
    kind = _check_kind(kind)
    if kind in ("note", "run"):
        try:
            if kind == "note":
                return _note(store.get(int(ref)))
            return _run(store.get_run(int(ref)))
        except (ValueError, NotFoundError):
            pass
    else:
        for target in choices(store, kind, limit=None):
            if target.ref == ref:
                return target
    return Target(kind, ref, f"{kind} {ref} (gone)")


def links_of(store: Store, note_id: int) -> list[Target]:
    """Everything a note points at: its links to notes, then its references.

    Raises:
        NotFoundError: no note has that id.
    """
    out = [
        Target("note", str(link.to_id), f"{link.to_id}: {link.to_title}")
        for link in store.links(note_id)
    ]
    out += [describe(store, ref.kind, ref.ref) for ref in store.refs(note_id)]
    return out


def backlinks_of(store: Store, kind: str, ref: str) -> list[Target]:
    """The notes pointing at a target: at a note through links, at anything
    else through references.

    Raises:
        InvalidArgumentError: an unknown kind.
        NotFoundError: a note target that does not exist.
    """
    kind = _check_kind(kind)
    if kind == "note":
        return [
            Target("note", str(link.from_id), f"{link.from_id}: {link.from_title}")
            for link in store.backlinks(int(ref))
        ]
    return [
        Target("note", str(n.id), f"{n.id}: {n.title}")
        for n in store.referring_notes(kind, ref)
    ]


def point(store: Store, note_id: int, kind: str, ref: str) -> None:
    """Make note ``note_id`` point at a target of any kind.

    Side effect: writes the database.

    Raises:
        InvalidArgumentError: an unknown kind.
        NotFoundError, InvalidRecordError: as ``Store.link`` and
            ``Store.refer``.
    """
    kind = _check_kind(kind)
    if kind == "note":
        try:
            to_id = int(ref)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"expected a note id, got {ref!r}") from None
        store.link(note_id, to_id)
    else:
        store.refer(note_id, kind, ref)


@dataclass(frozen=True)
class Found:
    """One hit of ``search``: a note, a passage of a paper or a run.

    Attributes:
        kind: ``"note"``, ``"passage"`` or ``"run"``.
        title: what a person reads.
        snippet: the text around the match, the matched words between the
            markers given to ``search``.
        href: the page showing it, or ``""``.
    """

    kind: str
    title: str
    snippet: str
    href: str = ""


def search(
    store: Store,
    query: str,
    *,
    limit: int = 20,
    before: str = "<b>",
    after: str = "</b>",
) -> list[Found]:
    """One search over notes, papers and runs: the best full-text matches
    among notes and passages (``Store.search_all``), then the runs whose
    name or configuration holds every word of the query.

    Raises:
        InvalidArgumentError: an empty query.
        QueryError: a query full-text search cannot parse.
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidArgumentError(f"expected words to search for, got {query!r}")
    found = [
        Found(
            hit.kind,
            hit.title if hit.kind == "note" else f"{hit.title}, {hit.anchor}",
            hit.snippet,
            _href("reader"),
        )
        for hit in store.search_all(query, limit=limit, before=before, after=after)
    ]
    words = [word.casefold() for word in query.split()]
    for run in store.list_runs():
        text = f"{run.name} {run.config}".casefold()
        if all(word in text for word in words):
            found.append(
                Found("run", f"run {run.id}: {run.name}", run.status, _href("codelab"))
            )
    return found
