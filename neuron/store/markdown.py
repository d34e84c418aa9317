"""The markdown file of one exported note: writing it and reading it back.

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
may contain such lines.
"""

import os
import re
import unicodedata
from typing import Any

import yaml

from neuron.errors import ImportFormatError, InvalidRecordError
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

_FRONT_MATTER = re.compile(r"---\r?\n(.*?\r?\n)?---(?:\r?\n|\Z)", re.DOTALL)


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
