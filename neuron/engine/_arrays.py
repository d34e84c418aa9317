"""Checking the arrays handed to the engine, with messages that say how to fix.

The engine accepts NumPy arrays and PyTorch tensors and never copies them, so
every argument must already have the dtype, layout and device the kernels
need. The C++ side checks again (for any caller); the checks here know whether
the user holds NumPy or PyTorch and can name the exact fix.

PyTorch is imported only if the caller already imported it.
"""

import sys
from typing import Any

import numpy as np

from neuron.engine import _engine
from neuron.errors import (
    ArrayTypeError,
    CudaUnavailableError,
    DeviceError,
    DTypeError,
    InvalidArgumentError,
    LayoutError,
    ShapeError,
)

# A NumPy array or a PyTorch tensor (typed loosely so torch stays optional).
ArrayLike = Any

_NUMPY_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def loaded_torch():
    """The torch module if it is loaded, else None."""
    return sys.modules.get("torch")


def is_tensor(a: object) -> bool:
    torch = loaded_torch()
    return torch is not None and isinstance(a, torch.Tensor)


def _kind(a: object) -> str:
    if isinstance(a, np.ndarray):
        return "numpy.ndarray"
    if is_tensor(a):
        return "torch.Tensor"
    return type(a).__name__


def prepare(
    a: object, name: str, like: ArrayLike | None = None, writable: bool = False
) -> ArrayLike:
    """Check one argument and return it ready for the engine (tensors detached).

    Args:
        a: the argument.
        name: its name in messages (``x``, ``dy``, ``out``).
        like: an already prepared array this one must match in kind and device.
        writable: whether the engine will write into it.

    Raises:
        ArrayTypeError: not a NumPy array or PyTorch tensor, or not the kind of
            ``like``.
        DTypeError, ShapeError, LayoutError, DeviceError, CudaUnavailableError.
    """
    if like is not None and _kind(a) != _kind(like):
        raise ArrayTypeError(
            f"expected {name} to be a {_kind(like)} like the first argument, got "
            f"{_kind(a)}; pass arrays of one kind"
        )
    if isinstance(a, np.ndarray):
        return _prepare_numpy(a, name, writable)
    if is_tensor(a):
        return _prepare_tensor(a, name, like)
    raise ArrayTypeError(
        f"expected {name} to be a numpy.ndarray or torch.Tensor, got "
        f"{type(a).__name__}; convert with np.asarray({name}, dtype=np.float32)"
    )


def _prepare_numpy(a: np.ndarray, name: str, writable: bool) -> np.ndarray:
    if a.dtype not in _NUMPY_FLOATS:
        raise DTypeError(
            f"expected {name} of dtype float32 or float64, got {a.dtype}; "
            f"convert with {name}.astype(np.float32)"
        )
    _check_ndim(a.ndim, name)
    return check_layout(a, name, writable)


def check_layout(a: np.ndarray, name: str, writable: bool = False) -> np.ndarray:
    """Check that a NumPy array can be handed to the engine without a copy.

    Raises:
        LayoutError: ``a`` is not C-contiguous.
        InvalidArgumentError: ``writable`` and ``a`` is read-only.
    """
    if not a.flags.c_contiguous:
        raise LayoutError(
            f"expected {name} to be C-contiguous, got strides {a.strides} for shape "
            f"{a.shape}; make a copy with np.ascontiguousarray({name})"
        )
    if writable and not a.flags.writeable:
        raise InvalidArgumentError(
            f"expected {name} to be writable (the engine writes into it), got a "
            f"read-only array; pass a writable copy such as {name}.copy()"
        )
    return a


def _prepare_tensor(a: Any, name: str, like: Any) -> Any:
    torch = loaded_torch()
    allowed = (torch.float32,) if a.is_cuda else (torch.float32, torch.float64)
    if a.dtype not in allowed:
        where = "CUDA kernels take" if a.is_cuda else "engine takes"
        wanted = " or ".join(str(d).removeprefix("torch.") for d in allowed)
        raise DTypeError(
            f"expected {name} of dtype {wanted} (the {where} no other), got "
            f"{str(a.dtype).removeprefix('torch.')}; convert with {name}.float()"
        )
    _check_ndim(a.dim(), name)
    if a.layout != torch.strided:
        raise LayoutError(
            f"expected {name} to be a dense (strided) tensor, got layout {a.layout}; "
            f"convert with {name}.to_dense()"
        )
    if not a.is_contiguous():
        raise LayoutError(
            f"expected {name} to be contiguous, got strides {tuple(a.stride())} for "
            f"shape {tuple(a.shape)}; make a copy with {name}.contiguous()"
        )
    if a.device.type not in ("cpu", "cuda"):
        raise DeviceError(
            f"expected {name} on the CPU or a CUDA device, got {a.device}; "
            f"move it with {name}.cpu()"
        )
    if a.is_cuda and not _engine.build_info()["cuda_compiled"]:
        raise CudaUnavailableError(
            f"expected {name} on the CPU for this CPU-only engine build, got "
            f"{a.device}; move it with {name}.cpu() or reinstall neuron with the "
            "CUDA toolkit on PATH"
        )
    if like is not None and a.device != like.device:
        raise DeviceError(
            f"expected {name} on {like.device} like the first argument, got "
            f"{a.device}; move it with {name}.to({str(like.device)!r})"
        )
    # DLPack refuses tensors that require grad; the engine never records graphs.
    return a.detach()


def _check_ndim(ndim: int, name: str) -> None:
    if ndim < 1:
        raise ShapeError(
            f"expected {name} with at least 1 dimension, got a 0-d array; "
            f"reshape it with {name}.reshape(1)"
        )


def empty_like(a: ArrayLike) -> ArrayLike:
    """A new C-contiguous array of the kind, shape, dtype and device of ``a``."""
    if isinstance(a, np.ndarray):
        return np.empty(a.shape, dtype=a.dtype)
    torch = loaded_torch()
    return torch.empty(a.shape, dtype=a.dtype, device=a.device)


def stream_of(a: ArrayLike) -> int:
    """The CUDA stream PyTorch uses now for ``a``'s device (0 for CPU arrays)."""
    if is_tensor(a) and a.is_cuda:
        return loaded_torch().cuda.current_stream(a.device).cuda_stream
    return 0
