"""Export notes to a folder of markdown files, and import them back.

Each note becomes one markdown file (its layout is described in
``neuron.store.markdown``). ``notes.json`` in the same folder holds the same
notes in one JSON document; import reads only the markdown files, so a user
may edit, add or delete them.
"""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuron.errors import ExportError, ImportFormatError
from neuron.store.markdown import parse_markdown, render_markdown, slug

if TYPE_CHECKING:
    from neuron.store.store import Store

logger = logging.getLogger(__name__)

#: The JSON file written next to the markdown files.
INDEX_NAME = "notes.json"

#: The version of the export format, written into ``notes.json``.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ExportResult:
    """What ``export_notes`` wrote.

    Attributes:
        folder: the folder written to.
        files: the markdown files, one per note.
        index: the ``notes.json`` file.
    """

    folder: Path
    files: tuple[Path, ...]
    index: Path


@dataclass(frozen=True)
class ImportResult:
    """What ``import_notes`` changed.

    Attributes:
        created: uids of notes that were new to the store.
        updated: uids of notes that were already there and were overwritten.
    """

    created: tuple[str, ...]
    updated: tuple[str, ...]


# ---- export ------------------------------------------------------------


def _entries(store: "Store") -> list[dict[str, Any]]:
    """Every note as a plain dict, links by uid, oldest first."""
    with store._reading():
        notes = store.list_notes()
        link_rows = store._query(
            "SELECT a.uid AS from_uid, b.uid AS to_uid, l.label, l.created "
            "FROM links l JOIN notes a ON a.id = l.from_id "
            "JOIN notes b ON b.id = l.to_id ORDER BY b.uid"
        )
    links: dict[str, list[dict[str, str]]] = {}
    for row in link_rows:
        links.setdefault(row["from_uid"], []).append(
            {"to": row["to_uid"], "label": row["label"], "created": row["created"]}
        )
    entries = []
    for note in sorted(notes, key=lambda n: (n.created, n.uid)):
        entries.append(
            {
                "uid": note.uid,
                "title": note.title,
                "tags": list(note.tags),
                "source": {
                    "kind": note.source.kind,
                    "ref": note.source.ref,
                    "anchor": note.source.anchor,
                },
                "created": note.created,
                "updated": note.updated,
                "links": links.get(note.uid, []),
                "body": note.body,
            }
        )
    return entries


def export_notes(
    store: "Store", folder: str | os.PathLike[str], *, overwrite: bool = False
) -> ExportResult:
    """Write every note in ``store`` to ``folder``.

    Args:
        store: the store to read.
        folder: created if missing. It must hold no ``*.md`` files and no
            ``notes.json`` unless ``overwrite`` is true.
        overwrite: delete the ``*.md`` files and ``notes.json`` already in
            the folder first (other files are left alone).

    Returns:
        The files written. Side effect: writes and deletes files in
        ``folder``; the database is only read, in one snapshot.

    Raises:
        ExportError: the folder is a file, or holds notes and not
            ``overwrite``.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"expected a folder to export into, got the file {folder}")
    index = folder / INDEX_NAME
    existing = sorted(folder.glob("*.md")) if folder.exists() else []
    if index.exists():
        existing.append(index)
    if existing and not overwrite:
        raise ExportError(
            f"expected an empty folder to export into, got {folder} holding "
            f"{len(existing)} note files (e.g. {existing[0].name}); choose another "
            "folder or pass overwrite=True to replace them"
        )
    entries = _entries(store)

    folder.mkdir(parents=True, exist_ok=True)
    for path in existing:
        path.unlink()
    files, used = [], set()
    for entry in entries:
        name = f"{slug(entry['title'])}-{entry['uid'][:8]}.md"
        if name in used:
            name = f"{slug(entry['title'])}-{entry['uid']}.md"
        used.add(name)
        path = folder / name
        # newline="" keeps the body's line endings byte for byte.
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(render_markdown(entry))
        files.append(path)
    document = {"format": "neuron-notes", "version": FORMAT_VERSION, "notes": entries}
    with open(index, "w", encoding="utf-8", newline="") as file:
        json.dump(document, file, ensure_ascii=False, indent=2)
        file.write("\n")
    logger.info("exported %d notes to %s", len(files), folder)
    return ExportResult(folder, tuple(files), index)


# ---- import ------------------------------------------------------------


def import_notes(store: "Store", folder: str | os.PathLike[str]) -> ImportResult:
    """Read every ``*.md`` note in ``folder`` into ``store``.

    A note whose uid the store has is overwritten (title, body, source,
    tags, times and outgoing links); any other is created with its uid.
    Every file is read and checked before anything is written, and all
    writes are one transaction: a failure changes nothing.

    Returns:
        The uids created and updated. Side effect: writes the database.

    Raises:
        ImportFormatError: the folder is missing, or a file is not a valid
            note (the message names the file), two files share a uid, or a
            link points at a uid found neither in the folder nor the store.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFormatError(
            f"expected a folder of exported notes, got {folder}, which is not a folder",
            file=folder,
        )
    parsed: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.md")):
        entry = parse_markdown(path.read_bytes(), path)
        if entry["uid"] in parsed:
            raise ImportFormatError(
                f"{path}: has uid {entry['uid']}, as does {parsed[entry['uid']][0]}; "
                "remove one of the two files",
                file=path,
            )
        parsed[entry["uid"]] = (path, entry)
    ordered = sorted(
        parsed.values(), key=lambda item: (item[1]["created"], item[1]["uid"])
    )

    created, updated, ids = [], [], {}
    with store.transaction():
        for _, entry in ordered:
            ids[entry["uid"]] = _write_note(store, entry, created, updated)
        for path, entry in ordered:
            _write_links(store, ids, path, entry)
    logger.info(
        "imported %s: %d created, %d updated", folder, len(created), len(updated)
    )
    return ImportResult(tuple(created), tuple(updated))


def _write_note(
    store: "Store", entry: dict[str, Any], created: list[str], updated: list[str]
) -> int:
    source = entry["source"]
    row = store._query_one("SELECT id FROM notes WHERE uid = ?", [entry["uid"]])
    if row is None:
        note_id = store._insert_note(
            entry["uid"],
            entry["title"],
            entry["body"],
            source,
            entry["created"],
            entry["updated"],
        )
        created.append(entry["uid"])
    else:
        note_id = row["id"]
        store._execute(
            "UPDATE notes SET title = ?, body = ?, source_kind = ?, source_ref = ?, "
            "source_anchor = ?, created = ?, updated = ? WHERE id = ?",
            [
                entry["title"],
                entry["body"],
                source.kind,
                source.ref,
                source.anchor,
                entry["created"],
                entry["updated"],
                note_id,
            ],
        )
        updated.append(entry["uid"])
    store._set_tags(note_id, entry["tags"], touch=False)
    return note_id


def _write_links(
    store: "Store", ids: dict[str, int], path: Path, entry: dict[str, Any]
) -> None:
    from_id = ids[entry["uid"]]
    store._execute("DELETE FROM links WHERE from_id = ?", [from_id])
    for link in entry["links"]:
        to_id = ids.get(link["to"])
        if to_id is None:
            row = store._query_one("SELECT id FROM notes WHERE uid = ?", [link["to"]])
            if row is None:
                raise ImportFormatError(
                    f"{path}: links to note {link['to']}, which is neither in "
                    f"{path.parent} nor in the store; remove the link or add "
                    "that note's file",
                    file=path,
                )
            to_id = row["id"]
        if to_id == from_id:
            raise ImportFormatError(f"{path}: links to itself", file=path)
        store._execute(
            "INSERT INTO links (from_id, to_id, label, created) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (from_id, to_id) DO UPDATE SET label = excluded.label",
            [from_id, to_id, link["label"], link["created"]],
        )
