"""``neuron notes ...``: the notes in the store, from the terminal."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from neuron.cli.console import db_path, fail, out

notes = typer.Typer(
    help="Write, find, tag, link, export and import notes.",
    no_args_is_help=True,
)

# Markers the store puts around matched terms in snippets; control
# characters, so they never collide with a note's own text.
_HIT_START, _HIT_END = "\x02", "\x03"

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store(ctx: typer.Context):
    from neuron.store import Store

    return Store.open(db_path(ctx))


def _json(value: object) -> None:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    elif isinstance(value, list):
        value = [dataclasses.asdict(item) for item in value]
    out.print_json(json.dumps(value, ensure_ascii=False))


def _source(text: str | None, anchor: str):
    """Parse ``--source KIND:REF`` into a Source (None when not given)."""
    from neuron.store import SOURCE_KINDS, Source

    if text is None:
        return None
    kind, sep, ref = text.partition(":")
    if not sep or kind not in SOURCE_KINDS:
        raise fail(
            f"expected --source KIND:REF with KIND one of "
            f"{', '.join(SOURCE_KINDS)}, got {text!r}; "
            "for example --source paper:1706.03762"
        )
    return Source(kind, ref, anchor)


def _body(body: str | None, file: Path | None) -> str | None:
    """The body from --body, or from --file ('-' reads standard input)."""
    if body is not None and file is not None:
        raise fail("expected --body or --file, not both")
    if file is None:
        return body
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            f"expected UTF-8 text in {file}, got an invalid byte at position "
            f"{exc.start}; convert the file to UTF-8"
        ) from None
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None


@notes.command()
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="One line.")],
    body: Annotated[str | None, typer.Option(help="Markdown text.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Read the body from a file; '-' reads standard input."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag; repeatable.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="What the note points at, KIND:REF (paper:1706.03762)."),
    ] = None,
    anchor: Annotated[
        str, typer.Option(help="Where inside the source (a cell, 'eq. 1').")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Add a note and print its id."""
    text = _body(body, file) or ""
    with _store(ctx) as store:
        note = store.create(title, text, source=_source(source, anchor), tags=tag or [])
    if as_json:
        _json(note)
    else:
        out.print(f"added note {note.id} ({note.uid})")


@notes.command("list")
def list_(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option(help="Only notes with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List notes, most recently updated first."""
    with _store(ctx) as store:
        found = store.list_notes(tag=tag, limit=limit)
    if as_json:
        _json(found)
        return
    if not found:
        out.print("No notes yet." if tag is None else f"No notes tagged {tag}.")
        return
    table = Table("id", "title", "tags", "updated")
    for note in found:
        table.add_row(str(note.id), note.title, ", ".join(note.tags), note.updated)
    out.print(table)


@notes.command()
def show(
    ctx: typer.Context,
    note: Annotated[str, typer.Argument(help="An id, or the start of a uid.")],
    as_json: JsonOption = False,
) -> None:
    """Show one note with its tags, source, links and backlinks."""
    with _store(ctx) as store:
        found = store.find(note)
        links, backlinks = store.links(found.id), store.backlinks(found.id)
    if as_json:
        record = dataclasses.asdict(found)
        record["links"] = [dataclasses.asdict(link) for link in links]
        record["backlinks"] = [dataclasses.asdict(link) for link in backlinks]
        _json(record)
        return
    out.print(Text(found.title, style="bold"))
    out.print(f"id {found.id}  uid {found.uid}")
    out.print(f"created {found.created}  updated {found.updated}")
    if found.tags:
        out.print("tags: " + ", ".join(found.tags))
    if found.source.kind != "none":
        anchor = f" ({found.source.anchor})" if found.source.anchor else ""
        out.print(f"source: {found.source.kind} {found.source.ref}{anchor}")
    if found.body:
        out.print()
        out.print(found.body)
    for heading, rows, other in (
        ("links to", links, "to"),
        ("linked from", backlinks, "from"),
    ):
        if rows:
            out.print()
            out.print(f"{heading}:")
            for link in rows:
                note_id = getattr(link, f"{other}_id")
                title = getattr(link, f"{other}_title")
                label = f" [{link.label}]" if link.label else ""
                out.print(f"  {note_id}  {title}{label}")


@notes.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "a phrase", OR, NOT, pre*.')],
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 20,
    tag: Annotated[str | None, typer.Option(help="Only notes with this tag.")] = None,
    literal: Annotated[
        bool, typer.Option(help="Search the text as typed, operators included.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Search titles, bodies and tags; best match first."""
    from neuron.store import quote_query

    if literal:
        query = quote_query(query)
    with _store(ctx) as store:
        hits = store.search(
            query, limit=limit, tag=tag, before=_HIT_START, after=_HIT_END
        )
    if as_json:
        _json([dataclasses.replace(hit, snippet=_plain(hit.snippet)) for hit in hits])
        return
    if not hits:
        out.print("No matches.")
        return
    for hit in hits:
        out.print(Text(f"{hit.note_id}  ", style="dim") + Text(hit.title, "bold"))
        out.print(Text("    ") + _highlighted(hit.snippet))


def _plain(snippet: str) -> str:
    return snippet.replace(_HIT_START, "**").replace(_HIT_END, "**")


def _highlighted(snippet: str) -> Text:
    text = Text()
    for i, part in enumerate(snippet.replace(_HIT_END, _HIT_START).split(_HIT_START)):
        text.append(part.replace("\n", " "), style="bold yellow" if i % 2 else "")
    return text


@notes.command()
def tag(
    ctx: typer.Context,
    note: Annotated[str, typer.Argument(help="An id, or the start of a uid.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add (or remove).")],
    remove: Annotated[bool, typer.Option(help="Remove the tags instead.")] = False,
) -> None:
    """Add tags to a note, or remove them with --remove."""
    with _store(ctx) as store:
        found = store.find(note)
        changed = (store.untag if remove else store.tag)(found.id, *tags)
    out.print(f"note {changed.id} tags: {', '.join(changed.tags) or 'none'}")


@notes.command()
def link(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The note the link starts at.")],
    target: Annotated[str, typer.Argument(help="The note it points to.")],
    label: Annotated[str, typer.Option(help="A word for the relation.")] = "",
) -> None:
    """Link one note to another (the other shows it as a backlink)."""
    with _store(ctx) as store:
        made = store.link(store.find(source).id, store.find(target).id, label)
    out.print(f"linked {made.from_id} -> {made.to_id}")


@notes.command()
def edit(
    ctx: typer.Context,
    note: Annotated[str, typer.Argument(help="An id, or the start of a uid.")],
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    body: Annotated[str | None, typer.Option(help="A new body.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Read the new body from a file; '-' reads stdin."),
    ] = None,
) -> None:
    """Change a note's title or body."""
    text = _body(body, file)
    with _store(ctx) as store:
        changed = store.update(store.find(note).id, title=title, body=text)
    out.print(f"updated note {changed.id}")


@notes.command()
def delete(
    ctx: typer.Context,
    note: Annotated[str, typer.Argument(help="An id, or the start of a uid.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete a note with its tags and links."""
    with _store(ctx) as store:
        found = store.find(note)
        if not yes and not typer.confirm(f"Delete note {found.id} {found.title!r}?"):
            raise typer.Exit(1)
        store.delete(found.id)
    out.print(f"deleted note {found.id}")


@notes.command("export")
def export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Where to write the files.")],
    overwrite: Annotated[
        bool, typer.Option(help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Write every note as markdown with front matter, plus notes.json."""
    with _store(ctx) as store:
        result = store.export_notes(folder, overwrite=overwrite)
    out.print(f"exported {len(result.files)} notes to {result.folder}")


@notes.command("import")
def import_(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A folder written by export.")],
) -> None:
    """Read a folder of markdown notes back; all of it or nothing."""
    with _store(ctx) as store:
        result = store.import_notes(folder)
    out.print(
        f"imported {len(result.created)} new and "
        f"{len(result.updated)} updated notes from {folder}"
    )
