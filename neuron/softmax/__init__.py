"""Softmax and log-softmax on three paths that are checked against each other.

- ``neuron.softmax.reference``: NumPy, written from scratch to be read, with
  the stability tricks and the gradients derived in comments.
- ``neuron.engine``: the compiled C++/CUDA kernels (SIMD, threads, GIL free).
- PyTorch: ``torch.softmax``, the tool a user would otherwise pick.

``softmax`` and ``log_softmax`` here pick a path by name and work along any
axis; for PyTorch tensors the engine path records autograd through
``EngineSoftmax`` / ``EngineLogSoftmax``.

Masking rule, the same on every path: -inf entries give probability 0
(log-probability -inf); a row that is entirely -inf gives NaN.
"""

from typing import Any, Literal

import numpy as np

from neuron.errors import ArrayTypeError, InvalidArgumentError
from neuron.softmax import reference

__all__ = ["Backend", "log_softmax", "reference", "softmax"]

Backend = Literal["engine", "reference", "torch"]
_BACKENDS = ("engine", "reference", "torch")


def softmax(x: Any, dim: int = -1, backend: Backend = "engine") -> Any:
    """Softmax along ``dim``: probabilities that sum to 1.

    Args:
        x: a NumPy array or PyTorch tensor, float32 or float64, any shape with
            at least one dimension.
        dim: the axis to normalise. Axes other than the last are moved to the
            end and back, which copies.
        backend: ``"engine"`` (compiled kernels; autograd for tensors),
            ``"reference"`` (NumPy, no autograd) or ``"torch"``.

    Returns:
        An array of the kind, shape and dtype of x.

    Raises:
        InvalidArgumentError: unknown backend. The engine's errors (see
            ``neuron.engine.softmax``) for bad inputs.
    """
    return _apply(x, dim, backend, log=False)


def log_softmax(x: Any, dim: int = -1, backend: Backend = "engine") -> Any:
    """Log-softmax along ``dim``: x - logsumexp(x). Same arguments as ``softmax``."""
    return _apply(x, dim, backend, log=True)


def _apply(x: Any, dim: int, backend: str, log: bool) -> Any:
    if backend not in _BACKENDS:
        raise InvalidArgumentError(
            f"expected backend of {', '.join(_BACKENDS)}, got {backend!r}; "
            "pass one of those names"
        )
    if isinstance(x, np.ndarray):
        return _apply_numpy(x, dim, backend, log)

    import torch

    if not isinstance(x, torch.Tensor):
        raise ArrayTypeError(
            f"expected x to be a numpy.ndarray or torch.Tensor, got "
            f"{type(x).__name__}; convert with np.asarray(x, dtype=np.float32)"
        )
    return _apply_torch(x, dim, backend, log)


def _apply_numpy(x: np.ndarray, dim: int, backend: str, log: bool) -> np.ndarray:
    last = dim in (-1, x.ndim - 1)
    moved = x if last else np.ascontiguousarray(np.moveaxis(x, dim, -1))
    if backend == "reference":
        out = reference.log_softmax(moved) if log else reference.softmax(moved)
    elif backend == "engine":
        from neuron import engine

        out = engine.log_softmax(moved) if log else engine.softmax(moved)
    else:
        import torch

        t = torch.from_numpy(moved)
        out = (torch.log_softmax(t, -1) if log else torch.softmax(t, -1)).numpy()
    return out if last else np.moveaxis(out, -1, dim)


def _apply_torch(x: Any, dim: int, backend: str, log: bool) -> Any:
    import torch

    if backend == "torch":
        return torch.log_softmax(x, dim) if log else torch.softmax(x, dim)
    last = dim in (-1, x.dim() - 1)
    moved = x if last else x.movedim(dim, -1).contiguous()
    if backend == "engine":
        from neuron.softmax.autograd import EngineLogSoftmax, EngineSoftmax

        out = (EngineLogSoftmax if log else EngineSoftmax).apply(moved)
    else:
        arr = moved.detach().cpu().numpy()
        fn = reference.log_softmax if log else reference.softmax
        out = torch.from_numpy(fn(arr)).to(x.device)
    return out if last else out.movedim(-1, dim)
