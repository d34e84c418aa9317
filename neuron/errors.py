"""Every exception neuron raises on purpose, in one place.

Each class names one kind of failure. Messages follow one pattern: what was
expected, what was got, and how to fix it, for example
``expected x of dtype float32 or float64, got int64; convert with
x.astype(np.float32)``.

The classes also derive from the closest built-in exception (``ValueError``,
``TypeError``, ``LookupError``), so callers that already catch those keep
working.
"""


class NeuronError(Exception):
    """Base class of every error neuron raises on purpose."""


# ---- input to numerical code -------------------------------------------


class InvalidArgumentError(NeuronError, ValueError):
    """An argument has a value the function cannot accept."""


class ShapeError(InvalidArgumentError):
    """An array has the wrong number of dimensions or the wrong sizes."""


class DTypeError(InvalidArgumentError, TypeError):
    """An array has a dtype the operation does not support."""


class DeviceError(InvalidArgumentError):
    """An array lives on a device the operation cannot use."""


class LayoutError(InvalidArgumentError):
    """An array's memory layout (strides) is not the one required."""


class CudaUnavailableError(NeuronError, RuntimeError):
    """CUDA work was asked for but the engine was built without CUDA or no
    device is present."""


# ---- the store -----------------------------------------------------------


class StoreError(NeuronError):
    """Base class of errors raised by the SQLite store."""
