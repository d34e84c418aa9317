"""neuron's compiled engine: C++ CPU kernels and CUDA kernels behind NumPy and
PyTorch arrays.

The functions here take NumPy arrays or PyTorch tensors (CPU, or CUDA when the
engine was built with CUDA and a device exists), work on the last axis, and
return the same kind of array they were given. Nothing is copied: inputs must
be C-contiguous, and an ``out`` array, when given, is written in place.

Environment:
    NEURON_NUM_THREADS: threads for the CPU kernels (default: the cores this
        process may use). Also ``set_num_threads``.
    NEURON_SIMD: force a SIMD level, ``scalar``, ``neon``, ``avx2`` or
        ``avx512`` (default: the best this CPU supports). Also ``set_simd``.
"""

import logging
import os
from typing import Any

from neuron.engine import _engine
from neuron.engine._arrays import ArrayLike, empty_like, prepare, stream_of

__all__ = [
    "ArrayLike",
    "available_simd",
    "cuda_self_test",
    "info",
    "log_softmax",
    "log_softmax_backward",
    "num_threads",
    "require_cuda",
    "set_num_threads",
    "set_simd",
    "simd_level",
    "softmax",
    "softmax_backward",
    "vector_exp",
]

logger = logging.getLogger(__name__)


# ---- configuration -------------------------------------------------------


def num_threads() -> int:
    """The number of threads the CPU kernels use."""
    return _engine.num_threads()


def set_num_threads(n: int) -> None:
    """Set the number of threads the CPU kernels use.

    Args:
        n: at least 1. Results do not depend on it: rows are split into
            contiguous chunks and each row is computed the same way.

    Raises:
        InvalidArgumentError: n is not a positive integer.

    Not thread-safe with respect to calls running at the same moment: it waits
    for a running kernel to finish, then rebuilds the pool.
    """
    from neuron.errors import InvalidArgumentError

    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidArgumentError(
            f"expected an int number of threads, got {type(n).__name__}; "
            "pass for example set_num_threads(2)"
        )
    _engine.set_num_threads(n)


def simd_level() -> str:
    """The SIMD level the CPU kernels use now: avx512, avx2, neon or scalar."""
    return _engine.simd_level()


def available_simd() -> list[str]:
    """SIMD levels compiled into this build and supported by this CPU, best last."""
    return list(_engine.available_simd_levels())


def set_simd(level: str | None) -> None:
    """Force the CPU kernels onto one SIMD level, or back to the best with None.

    Meant for tests and comparisons: every level computes the same formulas.

    Raises:
        InvalidArgumentError: the level is unknown or not available here.
    """
    _engine.set_simd_level(level if level is not None else available_simd()[-1])


def _apply_environment() -> None:
    threads = os.environ.get("NEURON_NUM_THREADS")
    if threads:
        try:
            _engine.set_num_threads(int(threads))
        except (ValueError, TypeError):
            logger.warning(
                "ignoring NEURON_NUM_THREADS=%r: expected a positive integer", threads
            )
    simd = os.environ.get("NEURON_SIMD")
    if simd:
        try:
            _engine.set_simd_level(simd.strip().lower())
        except ValueError as error:
            logger.warning("ignoring NEURON_SIMD=%r: %s", simd, error)


_apply_environment()


# ---- what was built and what was found -----------------------------------


def info() -> dict[str, Any]:
    """What the engine was built with and what it found on this machine.

    Never raises, with or without a GPU.

    Returns:
        A dict with keys ``compiler``, ``build_type``, ``target_processor``,
        ``simd`` (the level in use), ``simd_available``, ``simd_compiled``,
        ``cpu_features`` (feature name -> bool, as detected at run time),
        ``num_threads``, and ``cuda``: a dict with ``compiled``,
        ``architectures`` (list of int), ``version`` (the toolkit that built
        the kernels), ``runtime_version``, ``driver_version`` (None without a
        driver), ``devices`` (list of dicts with ``index``, ``name``,
        ``compute_capability``, ``total_memory_bytes``, ``multiprocessors``),
        ``device`` (the first of those, or None) and ``reason`` (why there is
        no device, or None).
    """
    build = _engine.build_info()
    report = _engine.cuda_report()
    archs = [a for a in build["cuda_architectures"].split(",") if a]
    devices = list(report["devices"])
    return {
        "compiler": build["compiler"],
        "build_type": build["build_type"],
        "target_processor": build["target_processor"],
        "simd": simd_level(),
        "simd_available": available_simd(),
        "simd_compiled": list(build["compiled_simd"]),
        "cpu_features": dict(_engine.cpu_features()),
        "num_threads": num_threads(),
        "cuda": {
            "compiled": bool(build["cuda_compiled"]),
            "architectures": [int(a.split("-")[0]) for a in archs],
            "version": build["cuda_version"] or None,
            "runtime_version": _version(report["runtime_version"]),
            "driver_version": _version(report["driver_version"]),
            "devices": devices,
            "device": devices[0] if devices else None,
            "reason": report["reason"] or None,
        },
    }


def _version(code: int) -> str | None:
    """13000 -> '13.0'; 0 (unknown) -> None."""
    return f"{code // 1000}.{(code % 1000) // 10}" if code else None


def require_cuda() -> dict[str, Any]:
    """The first CUDA device, or CudaUnavailableError saying why there is none."""
    _engine.cuda_require_device()
    return info()["cuda"]["device"]


def cuda_self_test(device: int = 0) -> dict[str, float]:
    """Run the four CUDA kernels on small inputs against a float64 host result.

    Args:
        device: the CUDA device index.

    Returns:
        The largest absolute error per kernel (``softmax_fwd``, ...).

    Raises:
        CudaUnavailableError: no CUDA build or no device.
    """
    return dict(_engine.cuda_self_test(device))


# ---- softmax -------------------------------------------------------------


def softmax(x: ArrayLike, out: ArrayLike | None = None) -> ArrayLike:
    """Softmax over the last axis, y_j = exp(x_j - m) / sum_k exp(x_k - m).

    Args:
        x: logits, shape (..., C), float32 or float64 (CUDA: float32), a
            C-contiguous NumPy array or PyTorch tensor.
        out: optional array of the same kind, shape, dtype and device to write
            into (may be x itself).

    Returns:
        ``out`` if given, else a new array of the kind of x. Entries of -inf
        give 0; a row of only -inf gives NaN.

    Raises:
        ArrayTypeError, DTypeError, ShapeError, LayoutError, DeviceError,
        CudaUnavailableError: see neuron.errors; messages say how to fix.
    """
    return _forward(x, out, log=False)


def log_softmax(x: ArrayLike, out: ArrayLike | None = None) -> ArrayLike:
    """Log-softmax over the last axis, y_j = (x_j - m) - log sum_k exp(x_k - m).

    Same arguments, result kinds and errors as ``softmax``. Entries of -inf
    stay -inf; a row of only -inf gives NaN.
    """
    return _forward(x, out, log=True)


def softmax_backward(
    y: ArrayLike, dy: ArrayLike, out: ArrayLike | None = None
) -> ArrayLike:
    """Gradient of softmax with respect to its input: dx = y * (dy - sum(dy * y)).

    Args:
        y: the softmax output, shape (..., C).
        dy: gradient of the loss with respect to y, same shape, dtype, kind.
        out: optional array to write dx into (may be y or dy).

    Returns:
        dx, ``out`` if given, else a new array of the kind of y.
    """
    return _backward(y, dy, out, log=False)


def log_softmax_backward(
    y: ArrayLike, dy: ArrayLike, out: ArrayLike | None = None
) -> ArrayLike:
    """Gradient of log-softmax with respect to its input: dx = dy - exp(y) * sum(dy).

    Same arguments and results as ``softmax_backward``, with y the log_softmax
    output.
    """
    return _backward(y, dy, out, log=True)


def vector_exp(x: ArrayLike, out: ArrayLike | None = None) -> ArrayLike:
    """exp(x) elementwise with the CPU kernels' polynomial, at the active SIMD level.

    Exposed so its accuracy can be tested: at most a few ulp from the true
    exp over the normal range; results below the smallest normal number are 0.
    """
    x_arr = prepare(x, "x")
    result = empty_like(x_arr) if out is None else out
    out_arr = prepare(result, "out", like=x_arr, writable=True)
    _engine.vector_exp(x_arr, out_arr)
    return result


def _forward(x: ArrayLike, out: ArrayLike | None, log: bool) -> ArrayLike:
    x_arr = prepare(x, "x")
    result = empty_like(x_arr) if out is None else out
    out_arr = prepare(result, "out", like=x_arr, writable=True)
    _engine.softmax_forward(x_arr, out_arr, log, stream_of(x_arr))
    return result


def _backward(
    y: ArrayLike, dy: ArrayLike, out: ArrayLike | None, log: bool
) -> ArrayLike:
    y_arr = prepare(y, "y")
    dy_arr = prepare(dy, "dy", like=y_arr)
    result = empty_like(y_arr) if out is None else out
    out_arr = prepare(result, "out", like=y_arr, writable=True)
    _engine.softmax_backward(y_arr, dy_arr, out_arr, log, stream_of(y_arr))
    return result
