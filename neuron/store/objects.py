"""Encoding NumPy arrays as workspace objects.

An array is stored as its dtype string (byte order included, ``"<f4"``), its
shape as JSON and its C-order bytes, so that reading it back gives the same
dtype and shape exactly, 0-d and empty arrays included.
"""

import json
import re

import numpy as np

from neuron.errors import InvalidRecordError, TooLargeError

#: Largest workspace object accepted, in bytes of array data.
MAX_OBJECT_BYTES = 256 * 1024 * 1024

#: Dtype kinds that round-trip through raw bytes: bool, integers, floats,
#: complex, datetimes, timedeltas, bytes and unicode strings.
_STORABLE_KINDS = "biufcmMSU"

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")


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
