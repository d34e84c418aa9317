"""Workspace objects: NumPy arrays stored by name, and their encoding.

An array is stored as its dtype string (byte order included, ``"<f4"``), its
shape as JSON and its C-order bytes, so that reading it back gives the same
dtype and shape exactly, 0-d and empty arrays included.

``ObjectsMixin`` is one of the classes ``Store`` is built from; it relies on
the store's transaction and query helpers.
"""

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from neuron.errors import InvalidRecordError, NotFoundError, TooLargeError
from neuron.store.records import ObjectInfo, WorkspaceObject, now

#: Largest workspace object accepted, in bytes of array data.
MAX_OBJECT_BYTES = 256 * 1024 * 1024

#: Dtype kinds that round-trip through raw bytes: bool, integers, floats,
#: complex, datetimes, timedeltas, bytes and unicode strings.
_STORABLE_KINDS = "biufcmMSU"

logger = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")


def workspace_stamp(db_path: str | os.PathLike[str]) -> Path:
    """The file whose change says "a workspace object changed" for the store
    at ``db_path``: ``neuron.db.workspace`` beside ``neuron.db``.

    Every ``put_object`` and ``delete_object`` rewrites it after its
    transaction commits, so an app in another process that watches it
    (``mo.watch.file(workspace_stamp(path))``) reloads the objects when one
    changes, without polling the database. It holds the name, version and
    time of the last change, for people reading it.
    """
    path = Path(db_path)
    return path.with_name(path.name + ".workspace")


def check_name(name: object) -> str:
    """Return ``name`` if it can name a workspace object.

    Raises:
        InvalidRecordError: not a string of 1-128 letters, digits, ``_ . -``
            starting with a letter or underscore.
    """
    if not isinstance(name, str):
        raise InvalidRecordError(
            f"expected an object name as a string, got {type(name).__name__}"
        )
    if not _NAME_RE.match(name):
        raise InvalidRecordError(
            "expected an object name of 1-128 letters, digits and _.- starting "
            f"with a letter or underscore (e.g. 'query_vector'), got {name!r}"
        )
    return name


def encode(array: object) -> tuple[str, str, bytes]:
    """Turn an array into the (dtype, shape, data) triple the table stores.

    Args:
        array: a NumPy array or NumPy scalar.

    Returns:
        The dtype string, the shape as JSON, and the C-order bytes.

    Raises:
        InvalidRecordError: not a NumPy array, or a dtype that cannot be
            stored as raw bytes (object, structured, zero-width).
        TooLargeError: the data is over ``MAX_OBJECT_BYTES``.
    """
    if isinstance(array, np.generic):
        array = np.asarray(array)
    if not isinstance(array, np.ndarray):
        raise InvalidRecordError(
            f"expected a NumPy array, got {type(array).__name__}; convert with "
            "np.asarray(value) (or tensor.numpy() for a PyTorch tensor)"
        )
    dtype = array.dtype
    if dtype.kind not in _STORABLE_KINDS or dtype.itemsize == 0:
        raise InvalidRecordError(
            f"expected an array of numbers, booleans, times or fixed-width "
            f"strings, got dtype {dtype}; object and structured arrays cannot "
            "be stored, convert with array.astype(...) first"
        )
    if array.nbytes > MAX_OBJECT_BYTES:
        raise TooLargeError(
            f"expected a workspace object of at most {MAX_OBJECT_BYTES} bytes, "
            f"got {array.nbytes} bytes; store a smaller slice or save it to a file"
        )
    return dtype.str, json.dumps(list(array.shape)), array.tobytes(order="C")


def decode(dtype: str, shape: str, data: bytes) -> np.ndarray:
    """Rebuild the array that ``encode`` turned into ``(dtype, shape, data)``.

    Returns:
        A new writable array owning its memory.
    """
    array = np.frombuffer(bytearray(data), dtype=np.dtype(dtype))
    return array.reshape(tuple(json.loads(shape)))


def _object_info(row: dict[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        name=row["name"],
        dtype=row["dtype"],
        shape=tuple(json.loads(row["shape"])),
        version=row["version"],
        updated=row["updated"],
        nbytes=row["nbytes"],
    )


class ObjectsMixin:
    """The workspace-object methods of ``Store``."""

    def put_object(self, name: str, array: np.ndarray) -> ObjectInfo:
        """Store an array under ``name``, replacing any earlier one.

        Args:
            name: 1-128 letters, digits and ``_.-``, starting with a letter or
                underscore.
            array: a NumPy array of any shape (0-d and empty included) and a
                numeric, boolean, time or fixed-width string dtype.

        Returns:
            The object's description; ``version`` is 1 for a new name and
            one more than before otherwise. Side effect: writes the database.

        Raises:
            InvalidRecordError: a bad name, not an array, or an object dtype.
            TooLargeError: the array is over ``MAX_OBJECT_BYTES``.
        """
        name = check_name(name)
        dtype, shape, data = encode(array)
        with self.transaction():
            self._execute(
                "INSERT INTO workspace_objects (name, dtype, shape, data, version, "
                "updated) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (name) DO UPDATE SET "
                "dtype = excluded.dtype, shape = excluded.shape, data = excluded.data, "
                "version = version + 1, updated = excluded.updated",
                [name, dtype, shape, data, now()],
            )
            info = self.object_info(name)
        self._announce_change(f"put {name} {info.version} {info.updated}")
        return info

    def get_object(self, name: str) -> WorkspaceObject:
        """Read the array stored under ``name``, with its version.

        Raises:
            NotFoundError: no object has that name.
        """
        name = check_name(name)
        row = self._query_one(
            "SELECT name, dtype, shape, data, version, updated "
            "FROM workspace_objects WHERE name = ?",
            [name],
        )
        if row is None:
            raise self._no_object(name)
        array = decode(row["dtype"], row["shape"], row["data"])
        return WorkspaceObject(row["name"], array, row["version"], row["updated"])

    def object_info(self, name: str) -> ObjectInfo:
        """Describe the object under ``name`` without reading its data.

        Cheap enough to poll: an app watching an object compares ``version``.

        Raises:
            NotFoundError: no object has that name.
        """
        name = check_name(name)
        row = self._query_one(
            "SELECT name, dtype, shape, version, updated, length(data) AS nbytes "
            "FROM workspace_objects WHERE name = ?",
            [name],
        )
        if row is None:
            raise self._no_object(name)
        return _object_info(row)

    def list_objects(self) -> list[ObjectInfo]:
        """Every workspace object, by name, without data."""
        rows = self._query(
            "SELECT name, dtype, shape, version, updated, length(data) AS nbytes "
            "FROM workspace_objects ORDER BY name"
        )
        return [_object_info(row) for row in rows]

    def delete_object(self, name: str) -> None:
        """Delete the object under ``name``. Side effect: writes the database.

        Raises:
            NotFoundError: no object has that name.
        """
        name = check_name(name)
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM workspace_objects WHERE name = ?", [name]
            )
            if cursor.rowcount == 0:
                raise self._no_object(name)
        self._announce_change(f"delete {name} {now()}")

    def _announce_change(self, line: str) -> None:
        # After the commit, never inside it: a watcher woken by the stamp
        # must find the change in the database. The stamp is a hint, so a
        # failure to write it is logged, not raised: the data is safe.
        try:
            workspace_stamp(self.path).write_text(line + "\n", encoding="utf-8")
        except OSError as exc:
            logger.warning("could not write the workspace stamp: %s", exc)

    def _no_object(self, name: str) -> NotFoundError:
        known = ", ".join(info.name for info in self.list_objects()[:10]) or "none"
        return NotFoundError(
            f"expected an existing workspace object name, got {name!r}; "
            f"known objects: {known}"
        )
