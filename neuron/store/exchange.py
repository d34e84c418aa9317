"""Export notes to a folder of markdown files, and import them back.

Each note becomes one file, ``<slug of title>-<first 8 of uid>.md``::

    ---
    uid: 0b6f3c1e-8d0a-4a57-9f1e-2c4d5e6f7a8b
    title: Scaled dot-product attention
    tags:
    - attention
    source:
      kind: paper
      ref: '1706.03762'
      anchor: eq. 1
    created: '2024-05-01T12:00:00.000000Z'
    updated: '2024-05-02T08:30:00.000000Z'
    links:
    - to: 5c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e
      label: derives
      created: '2024-05-02T08:31:00.000000Z'
    ---
    The body, exactly as stored, byte for byte.

The front matter ends at the first line that is exactly ``---``; the body
may contain such lines. ``notes.json`` in the same folder holds the same
notes in one JSON document; import reads only the markdown files, so a user
may edit, add or delete them.
"""

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from neuron.errors import ExportError, ImportFormatError, InvalidRecordError
from neuron.store.records import (
    Source,
    check_body,
    check_label,
    check_source,
    check_tag,
    check_title,
    check_uid,
    normalize_time,
    now,
)

if TYPE_CHECKING:
    from neuron.store.store import Store

logger = logging.getLogger(__name__)

#: The JSON file written next to the markdown files.
INDEX_NAME = "notes.json"

#: The version of the export format, written into ``notes.json``.
FORMAT_VERSION = 1

_FRONT_MATTER = re.compile(r"---\r?\n(.*?\r?\n)?---(?:\r?\n|\Z)", re.DOTALL)


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


def slug(title: str, limit: int = 60) -> str:
    """A filename-safe ASCII form of ``title``: ``"Q·K / √d"`` gives ``"q-k-d"``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.decode().lower()).strip("-")
    return words[:limit].rstrip("-") or "note"


def render_markdown(entry: dict[str, Any]) -> str:
    """The markdown file for one exported note (an entry of ``notes.json``)."""
    meta = {key: value for key, value in entry.items() if key != "body"}
    front = yaml.safe_dump(
        meta,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=float("inf"),
    )
    return f"---\n{front}---\n{entry['body']}"


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


def _byte_offset(text: str, char_index: int) -> int:
    return len(text[:char_index].encode("utf-8"))


def parse_markdown(data: bytes, file: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one exported note file.

    Args:
        data: the file's bytes.
        file: its path, for messages.

    Returns:
        A dict with the keys of a ``notes.json`` entry, values checked and
        times normalized to UTC.

    Raises:
        ImportFormatError: invalid UTF-8 (with the byte position), missing or
            malformed front matter, or a field that breaks a rule.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ImportFormatError(
            f"{file}: invalid UTF-8 at byte {err.start} ({err.reason}); "
            "re-save the file as UTF-8",
            file=file,
            position=err.start,
        ) from None
    offset = 1 if text.startswith("\ufeff") else 0
    match = _FRONT_MATTER.match(text, offset)
    if match is None:
        first = text[offset:].split("\n", 1)[0][:40]
        raise ImportFormatError(
            f"{file}: expected front matter between two '---' lines at the top "
            f"of the file, got {first!r}; see an exported note for the layout",
            file=file,
            position=_byte_offset(text, offset),
        )
    front, body = match.group(1) or "", text[match.end() :]
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = ""
        position = None
        if mark is not None:
            where = f" at line {mark.line + 2}, column {mark.column + 1}"
            position = _byte_offset(text, match.start(1) + mark.index)
        problem = getattr(err, "problem", None) or str(err)
        raise ImportFormatError(
            f"{file}: malformed front matter{where}: {problem}; fix the YAML "
            "between the '---' lines",
            file=file,
            position=position,
        ) from None
    if not isinstance(meta, dict):
        raise ImportFormatError(
            f"{file}: expected front matter of 'key: value' lines, got "
            f"{type(meta).__name__}",
            file=file,
        )
    try:
        return _check_entry(meta, body)
    except InvalidRecordError as err:
        raise ImportFormatError(f"{file}: {err}", file=file) from None


def _check_entry(meta: dict[str, Any], body: str) -> dict[str, Any]:
    for key in ("uid", "title"):
        if key not in meta:
            raise InvalidRecordError(f"expected a '{key}:' line in the front matter")
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise InvalidRecordError(f"expected tags as a list, got {tags!r}")
    source = meta.get("source") or {}
    if not isinstance(source, dict):
        raise InvalidRecordError(f"expected source as a mapping, got {source!r}")
    links = meta.get("links") or []
    if not isinstance(links, list) or not all(isinstance(x, dict) for x in links):
        raise InvalidRecordError(
            f"expected links as a list of {{to: uid, label: text}}, got {links!r}"
        )
    stamp = now()
    created = normalize_time(meta.get("created", stamp), "created")
    return {
        "uid": check_uid(meta["uid"]),
        "title": check_title(meta["title"]),
        "tags": sorted({check_tag(tag) for tag in tags}),
        "source": check_source(
            Source(
                kind=source.get("kind", "none"),
                ref=source.get("ref", ""),
                anchor=source.get("anchor", ""),
            )
        ),
        "created": created,
        "updated": normalize_time(meta.get("updated", created), "updated"),
        "links": [
            {
                "to": check_uid(link.get("to")),
                "label": check_label(link.get("label", "") or ""),
                "created": normalize_time(link.get("created", stamp), "link created"),
            }
            for link in links
        ],
        "body": check_body(body),
    }


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
