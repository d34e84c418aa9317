"""The Store: notes, tags, links, full-text search, workspace objects,
training runs, imported documents and recall cards in one SQLite file.

Every public method that writes runs as one transaction begun with
``BEGIN IMMEDIATE``: it takes the write lock up front, so two processes
writing at once queue on the busy timeout instead of failing with "database
is locked", and a failure part-way rolls back and leaves the file as it was.

This module holds the connection, the transactions and the query helpers.
The methods users call come from one class per concept, each in its own
module: ``NotesMixin`` (notes), ``TagsMixin`` (tags), ``LinksMixin`` (links),
``SearchMixin`` (full-text search), ``ObjectsMixin`` (workspace objects),
``RunsMixin`` (training runs), ``DocumentsMixin`` (imported papers),
``CardsMixin`` (recall cards), ``ProgressMixin`` (the learner's progress
through the lessons) and ``RefsMixin`` (notes' references to lessons,
equations, runs and documents).
Export and import are in ``neuron.store.exchange``.
"""

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from neuron.errors import StoreClosedError
from neuron.store import schema
from neuron.store.cards import CardsMixin
from neuron.store.documents import DocumentsMixin
from neuron.store.links import LinksMixin
from neuron.store.notes import NotesMixin
from neuron.store.objects import ObjectsMixin
from neuron.store.paths import default_path
from neuron.store.progress import ProgressMixin
from neuron.store.refs import RefsMixin
from neuron.store.runs import RunsMixin
from neuron.store.search import SearchMixin
from neuron.store.tags import TagsMixin

if TYPE_CHECKING:
    from neuron.store.exchange import ExportResult, ImportResult

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another process's write to finish.
DEFAULT_TIMEOUT = 10.0


class Store(
    NotesMixin,
    TagsMixin,
    LinksMixin,
    SearchMixin,
    ObjectsMixin,
    RunsMixin,
    DocumentsMixin,
    CardsMixin,
    ProgressMixin,
    RefsMixin,
):
    """A neuron store: one SQLite file of notes, workspace objects, runs,
    documents and recall cards.

    Open with ``Store.open()`` (the default file) or ``Store.open(path)``, and
    close with ``close()`` or a ``with`` block. Opening an older file migrates
    it to the current schema; a file from a newer neuron is refused untouched.

    Each process opens its own Store; many processes may use one file at once.
    A Store may be shared between threads: its calls are serialized by a lock.

    Attributes:
        path: the absolute path of the SQLite file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Open (creating if needed) the store at ``path``.

        Args:
            path: the SQLite file; ``default_path()`` decides when None.
            timeout: seconds to wait for another process's write lock.

        Side effects: creates the file and its directories if missing,
        switches the file to WAL mode and migrates it to the current schema.

        Raises:
            SchemaVersionError: the file comes from a newer neuron.
            NotAStoreError: the file is not a neuron store.
        """
        self.path: Path = default_path(path)
        self._lock = threading.RLock()
        self._depth = 0
        conn = sqlite3.connect(
            self.path,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            self._db = sqlite_utils.Database(
                conn, recursive_triggers=False, execute_plugins=False
            )
            self._prepare(conn, timeout)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        logger.debug("opened store %s", self.path)

    def _prepare(self, conn: sqlite3.Connection, timeout: float) -> None:
        """Check the file, switch it to WAL and migrate it, retrying while
        other processes do the same.

        Processes opening one new file at once race to switch its journal
        mode and migrate it. SQLite answers one of two such requests "busy"
        at once, without waiting, when waiting could deadlock (one holds a
        read lock and asks to write while the other already holds the write
        lock). The loser retries from the start until ``timeout`` passes,
        by which time the winner has finished and nothing is left to do.
        """
        deadline = time.monotonic() + timeout
        pause = 0.005
        while True:
            try:
                # Check the version before changing anything, even the
                # journal mode.
                schema.read_version(conn, self.path)
                conn.execute("PRAGMA foreign_keys = ON")
                if self._db.journal_mode != "wal":
                    self._db.enable_wal()
                schema.migrate(conn, self.path)
                return
            except sqlite3.OperationalError as err:
                busy = "locked" in str(err) or "busy" in str(err)
                if not busy or time.monotonic() + pause > deadline:
                    raise
                logger.debug("store %s busy while opening; retrying", self.path)
                time.sleep(pause)
                pause = min(pause * 2, 0.1)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> "Store":
        """Open the store at ``path`` (see ``Store.__init__``)."""
        return cls(path, timeout=timeout)

    def close(self) -> None:
        """Close the connection. Calling it again does nothing."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                logger.debug("closed store %s", self.path)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"<Store {str(self.path)!r} {state}>"

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._conn is None

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return self._query_one("PRAGMA user_version")["user_version"]

    # ---- transactions ----------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError(
                f"the store {self.path} is closed; open it again with Store.open"
            )
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Group several writes into one transaction.

        Everything done inside the block commits together at its end, or not
        at all if the block raises. Blocks may nest; an inner block that
        raises undoes only its own writes.

        Yields:
            The store itself.
        """
        with self._lock:
            conn = self._connection()
            if self._depth:
                name = f"nested_{self._depth}"
                conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A consistent snapshot for reads made of several statements."""
        with self._lock:
            conn = self._connection()
            if self._depth or conn.in_transaction:
                yield
                return
            conn.execute("BEGIN")
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            self._connection()
            return list(self._db.query(sql, tuple(params)))

    def _query_one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self._query(sql, params)
        return rows[0] if rows else None

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, tuple(params))

    # ---- export and import -----------------------------------------------

    def export_notes(
        self, folder: str | os.PathLike[str], *, overwrite: bool = False
    ) -> "ExportResult":
        """Write every note to ``folder`` as markdown files plus ``notes.json``.

        Side effect: writes files; refuses a folder that already holds notes
        unless ``overwrite``. See ``neuron.store.exchange.export_notes``.

        Raises:
            ExportError: the folder is a file or already holds notes.
        """
        from neuron.store.exchange import export_notes

        return export_notes(self, folder, overwrite=overwrite)

    def import_notes(self, folder: str | os.PathLike[str]) -> "ImportResult":
        """Read the markdown notes in ``folder`` into the store, in one transaction.

        Notes are matched by uid: known ones are overwritten, others created.
        Side effect: writes the database; a failure changes nothing. See
        ``neuron.store.exchange.import_notes``.

        Raises:
            ImportFormatError: a file is not a valid note (the message names it).
        """
        from neuron.store.exchange import import_notes

        return import_notes(self, folder)
