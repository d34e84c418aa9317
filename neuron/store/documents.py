"""Documents: papers imported from PDF, markdown or plain text, split into
passages with stable anchors and indexed for full-text search.

Importing reads a file from inside a folder the user chose, never outside
it, refuses files over ``MAX_DOCUMENT_BYTES`` before reading them, parses
them (``neuron.store.parse``) before touching the database, and stores the
document with all its passages in one transaction, so a file that cannot be
read stores nothing.

A file is identified by the SHA-256 of its bytes: importing the same bytes
again, under any name, returns the document already stored and changes
nothing.

A note cites a passage with ``Source("paper", document.uid, passage.anchor)``;
``document_notes`` lists the notes that cite a document.

``DocumentsMixin`` is one of the classes ``Store`` is built from; it relies on
the store's transaction and query helpers and on ``SearchMixin``.
"""

import hashlib
import json
import os
import sqlite3
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuron.errors import (
    InvalidDocumentError,
    NotFoundError,
    TooLargeError,
    UnsafePathError,
)
from neuron.store.parse import Passage, kind_of, parse_document
from neuron.store.records import Note, check_id, check_title, now
from neuron.store.search import check_query, is_query_error, query_error

#: Largest file accepted for import, in bytes (50 MiB).
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

_DOCUMENT_SELECT = (
    "SELECT d.id, d.uid, d.title, d.kind, d.filename, d.sha256, d.size, "
    "d.imported, d.metadata, "
    "(SELECT count(*) FROM passages p WHERE p.document_id = d.id) AS passages "
    "FROM documents d"
)
_PASSAGE_SELECT = "SELECT anchor, ordinal, page, heading, text FROM passages"


@dataclass(frozen=True)
class Document:
    """An imported paper; its text is in its passages (``Store.passages``).

    Attributes:
        id: the integer id, local to this store.
        uid: a UUID naming the document beyond this store; notes cite it.
        title: one line: the title given at import, else the document's own.
        kind: ``"pdf"``, ``"markdown"`` or ``"text"``.
        filename: the file's path relative to the folder it was imported
            from, with ``/`` separators.
        sha256: the SHA-256 of the file's bytes, in hex.
        size: the file's size in bytes.
        imported: UTC time of the import, ISO-8601.
        metadata: facts read from the file (a PDF's page count, author).
        passage_count: how many passages it has.
    """

    id: int
    uid: str
    title: str
    kind: str
    filename: str
    sha256: str
    size: int
    imported: str
    metadata: dict
    passage_count: int


@dataclass(frozen=True)
class PassageHit:
    """A passage found by a full-text search of documents.

    Attributes:
        document_id: the id of the passage's document.
        document_uid: that document's uid.
        title: that document's title.
        anchor: the passage's anchor.
        page: the passage's page (PDFs), else None.
        heading: the headings it sits under (markdown), else empty.
        snippet: a short excerpt with the matched terms between markers.
        score: the BM25 relevance; higher is a better match.
    """

    document_id: int
    document_uid: str
    title: str
    anchor: str
    page: int | None
    heading: str
    snippet: str
    score: float


@dataclass(frozen=True)
class Hit:
    """A note or a passage found by ``Store.search_all``.

    Attributes:
        kind: ``"note"`` or ``"passage"``.
        note_id: the note's id; None for a passage.
        document_id: the passage's document id; None for a note.
        uid: the uid of the note, or of the passage's document.
        title: the note's title, or the document's.
        anchor: the passage's anchor; empty for a note.
        page: the passage's page (PDFs); None otherwise.
        snippet: a short excerpt with the matched terms between markers.
        score: the BM25 relevance; higher is a better match.
    """

    kind: str
    note_id: int | None
    document_id: int | None
    uid: str
    title: str
    anchor: str
    page: int | None
    snippet: str
    score: float


# ---- reading files -------------------------------------------------------


def resolve_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> Path:
    """The real path of ``path``, refused if it lies outside ``root``.

    Symbolic links are followed, in ``root`` as in ``path``, before the
    check, so neither ``..`` nor a link nor an absolute path can reach a
    file elsewhere.

    Args:
        path: a file, relative to ``root`` or absolute.
        root: the folder the user chose to import from.

    Returns:
        The resolved path of the file, inside the resolved ``root``.

    Raises:
        UnsafePathError: the path leads outside ``root``.
        InvalidDocumentError: ``root`` is not a folder, or the file is
            missing or not a regular file.
    """
    base = Path(root).expanduser()
    if not base.is_dir():
        raise InvalidDocumentError(
            f"expected the folder to import from, got {str(base)!r}, which is "
            "not a folder; pass the folder that holds the file"
        )
    base = base.resolve(strict=True)
    target = (base / Path(path).expanduser()).resolve()
    if not target.is_relative_to(base):
        raise UnsafePathError(
            f"expected a file inside {base}, got {str(path)!r}, which leads to "
            f"{target} outside it; copy the file into {base} or import from a "
            "folder that holds it"
        )
    if not target.is_file():
        what = "nothing" if not target.exists() else "something that is not a file"
        raise InvalidDocumentError(
            f"expected a file at {target}, found {what}; check the name"
        )
    return target


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of the file at ``path``, refused if over ``max_bytes``.

    The size is checked before reading, on the same open file that is read,
    and reading stops one byte past the limit should the file grow
    meanwhile. The last part of the path is not followed if it became a
    symbolic link after ``resolve_inside``.

    Raises:
        TooLargeError: the file is larger than ``max_bytes``.
        InvalidDocumentError: the file cannot be opened or is not a regular
            file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise InvalidDocumentError(
            f"expected a readable file at {path}, got {err.strerror}; check its "
            "permissions"
        ) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidDocumentError(
                f"expected a regular file at {path}, got something else"
            )
        if info.st_size > max_bytes:
            raise TooLargeError(_too_large(path, info.st_size, max_bytes))
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLargeError(_too_large(path, len(data), max_bytes))
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> str:
    return (
        f"expected a file of at most {max_bytes} bytes "
        f"({max_bytes / 2**20:g} MiB), got {path} of {size} bytes; split it "
        "or import the chapters you need"
    )


# ---- reading rows --------------------------------------------------------


def _document(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        kind=row["kind"],
        filename=row["filename"],
        sha256=row["sha256"],
        size=row["size"],
        imported=row["imported"],
        metadata=json.loads(row["metadata"]),
        passage_count=row["passages"],
    )


class DocumentsMixin:
    """The document methods of ``Store``."""

    def import_document(
        self,
        path: str | os.PathLike[str],
        *,
        root: str | os.PathLike[str],
        title: str | None = None,
        max_bytes: int | None = None,
    ) -> Document:
        """Import a PDF, markdown or text file as a document with passages.

        The same bytes imported again return the document already stored,
        unchanged (its title included), without writing anything.

        Args:
            path: the file, relative to ``root`` or absolute; its suffix
                (``.pdf``, ``.md``, ``.markdown``, ``.txt``) says how to
                read it.
            root: the folder the user chose; nothing outside it is read.
            title: the document's title; by default its own (a PDF's
                /Title, a markdown file's first heading) or the file name.
            max_bytes: the largest file accepted; ``MAX_DOCUMENT_BYTES``
                when None.

        Returns:
            The document. Side effect: writes the database in one
            transaction; a failure writes nothing.

        Raises:
            UnsafePathError: the path leads outside ``root``.
            TooLargeError: the file is over ``max_bytes``.
            InvalidDocumentError: a missing file, an unknown suffix, a
                malformed or password-protected PDF, text that is not UTF-8,
                or a file without text.
            InvalidRecordError: ``title`` is blank or not one line.
        """
        if title is not None:
            title = check_title(title)
        limit = MAX_DOCUMENT_BYTES if max_bytes is None else int(max_bytes)
        target = resolve_inside(path, root)
        filename = target.relative_to(Path(root).expanduser().resolve()).as_posix()
        kind_of(filename)  # an unknown suffix is refused before reading
        data = read_limited(target, limit)
        digest = hashlib.sha256(data).hexdigest()
        parsed = parse_document(data, filename)

        with self.transaction():
            row = self._query_one("SELECT id FROM documents WHERE sha256 = ?", [digest])
            if row is not None:
                return self.get_document(row["id"])
            cursor = self._execute(
                "INSERT INTO documents (uid, title, kind, filename, sha256, size, "
                "metadata, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    str(uuid.uuid4()),
                    title or parsed.title,
                    parsed.kind,
                    filename,
                    digest,
                    len(data),
                    json.dumps(parsed.metadata),
                    now(),
                ],
            )
            document_id = cursor.lastrowid
            self._db.conn.executemany(
                "INSERT INTO passages (document_id, anchor, ordinal, page, heading, "
                "text) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (document_id, p.anchor, p.ordinal, p.page, p.heading, p.text)
                    for p in parsed.passages
                ],
            )
            return self.get_document(document_id)

    def get_document(self, document_id: int) -> Document:
        """Return the document with id ``document_id``.

        Raises:
            NotFoundError: no document has that id.
        """
        check_id(document_id, "a document id")
        row = self._query_one(_DOCUMENT_SELECT + " WHERE d.id = ?", [document_id])
        if row is None:
            raise NotFoundError(
                f"expected an existing document id, got {document_id}: no "
                "document has it; list them with Store.list_documents"
            )
        return _document(row)

    def list_documents(self, *, limit: int | None = None) -> list[Document]:
        """Documents, most recently imported first.

        Args:
            limit: at most this many; all when None.
        """
        sql = _DOCUMENT_SELECT + " ORDER BY d.imported DESC, d.id DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [_document(row) for row in self._query(sql, params)]

    def passages(self, document_id: int) -> list[Passage]:
        """The passages of a document, in reading order.

        Raises:
            NotFoundError: no document has that id.
        """
        with self._reading():
            self.get_document(document_id)
            rows = self._query(
                _PASSAGE_SELECT + " WHERE document_id = ? ORDER BY ordinal",
                [document_id],
            )
        return [Passage(**row) for row in rows]

    def passage(self, document_id: int, anchor: str) -> Passage:
        """The passage of a document at ``anchor``.

        Raises:
            NotFoundError: no such document, or no passage at that anchor.
        """
        with self._reading():
            document = self.get_document(document_id)
            row = self._query_one(
                _PASSAGE_SELECT + " WHERE document_id = ? AND anchor = ?",
                [document_id, str(anchor)],
            )
        if row is None:
            raise NotFoundError(
                f"expected an anchor of document {document_id} "
                f"({document.title!r}), got {anchor!r}; list its anchors with "
                "Store.passages"
            )
        return Passage(**row)

    def delete_document(self, document_id: int) -> None:
        """Delete a document with its passages and their index entries.

        Notes citing it keep their source. Side effect: writes the database.

        Raises:
            NotFoundError: no document has that id.
        """
        with self.transaction():
            self.get_document(document_id)
            self._execute("DELETE FROM documents WHERE id = ?", [document_id])

    def document_notes(self, document_id: int) -> list[Note]:
        """The notes citing a document: those whose source is
        ``Source("paper", document.uid, ...)``, most recently updated first.

        Raises:
            NotFoundError: no document has that id.
        """
        with self._reading():
            uid = self.get_document(document_id).uid
            rows = self._query(
                "SELECT id FROM notes WHERE source_kind = 'paper' AND source_ref = ? "
                "ORDER BY updated DESC, id DESC",
                [uid],
            )
            return [self.get(row["id"]) for row in rows]

    def search_documents(
        self,
        query: str,
        *,
        limit: int = 20,
        before: str = "**",
        after: str = "**",
    ) -> list[PassageHit]:
        """Full-text search over the passages of every document.

        Args:
            query: an SQLite FTS5 query, as for ``Store.search``; use
                ``quote_query`` to search free text literally.
            limit: at most this many hits.
            before: the marker put before each matched term in snippets.
            after: the marker put after it.

        Returns:
            Hits ordered by BM25 relevance, a heading match weighing more
            than a text match.

        Raises:
            QueryError: the query is empty or malformed.
        """
        query = check_query(query)
        sql = (
            "SELECT d.id AS document_id, d.uid AS document_uid, d.title, "
            "p.anchor, p.page, p.heading, "
            "snippet(passages_fts, 1, ?, ?, '…', 16) AS snippet, "
            "-bm25(passages_fts, 2.0, 1.0) AS score "
            "FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid "
            "JOIN documents d ON d.id = p.document_id "
            "WHERE passages_fts MATCH ? ORDER BY score DESC, p.id LIMIT ?"
        )
        try:
            rows = self._query(sql, [before, after, query, int(limit)])
        except sqlite3.OperationalError as err:
            if is_query_error(err):
                raise query_error(query, err) from None
            raise
        return [PassageHit(**row) for row in rows]

    def search_all(
        self,
        query: str,
        *,
        limit: int = 20,
        before: str = "**",
        after: str = "**",
    ) -> list[Hit]:
        """One full-text search over notes and document passages together.

        Scores are BM25 from two indexes (notes, passages) and so only
        roughly comparable; hits are merged by score, best first.

        Args:
            query: an SQLite FTS5 query, as for ``Store.search``.
            limit: at most this many hits in all.
            before: the marker put before each matched term in snippets.
            after: the marker put after it.

        Raises:
            QueryError: the query is empty or malformed.
        """
        with self._reading():
            notes = self.search(query, limit=limit, before=before, after=after)
            passages = self.search_documents(
                query, limit=limit, before=before, after=after
            )
        hits = [
            Hit("note", h.note_id, None, h.uid, h.title, "", None, h.snippet, h.score)
            for h in notes
        ] + [
            Hit(
                "passage",
                None,
                h.document_id,
                h.document_uid,
                h.title,
                h.anchor,
                h.page,
                h.snippet,
                h.score,
            )
            for h in passages
        ]
        hits.sort(key=lambda hit: -hit.score)
        return hits[: int(limit)]
