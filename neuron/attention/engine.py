"""The compiled attention kernels from Python: FlashAttention forward and
backward on the CPU (float32, float64) and CUDA (float16, bfloat16, float32).

Legend: B batch, H heads, T queries, S keys, D head dimension. q is
(..., T, D); k and v are (..., S, D) with the same leading axes (usually
(B, H)). ``lse`` is the log-sum-exp of each row of scaled scores, (..., T),
saved by the forward so the backward can recompute the probabilities tile by
tile instead of storing them (``neuron.attention.reference`` derives both).

Arguments may be NumPy arrays (CPU) or PyTorch tensors (CPU or CUDA); every
function checks them here, with messages that say the fix, and the C++
binding checks again for any other caller. Nothing is copied: arrays must be
C-contiguous. Every call releases the GIL.
"""

import math
from typing import Any, NamedTuple

import numpy as np

from neuron.engine import _engine
from neuron.engine._arrays import is_tensor, loaded_torch, stream_of
from neuron.errors import (
    ArrayTypeError,
    CudaUnavailableError,
    DeviceError,
    DTypeError,
    InvalidArgumentError,
    LayoutError,
    ShapeError,
)

__all__ = [
    "CPU_HEAD_DIMS",
    "CUDA_HEAD_DIMS",
    "MAX_PROBABILITY_ENTRIES",
    "backward",
    "forward",
    "forward_with_probabilities",
]

#: Head dimensions the CPU kernels take: any from 1 to 512.
CPU_HEAD_DIMS = range(1, 513)
#: Head dimensions the CUDA kernels are compiled for.
CUDA_HEAD_DIMS = (32, 64, 96, 128)
#: The most score entries (T x S per head, times the heads) whose explicit
#: probabilities ``forward_with_probabilities`` will build: 64 MiB of float32.
MAX_PROBABILITY_ENTRIES = 1 << 24

ArrayLike = Any


class Forward(NamedTuple):
    """What the forward kernel returns."""

    out: ArrayLike  # (..., T, D) like q
    lse: ArrayLike  # (..., T); float32 on CUDA, q's dtype on the CPU


def _dtype_name(a: ArrayLike) -> str:
    return str(a.dtype).removeprefix("torch.")


def _check(a: object, name: str, like: ArrayLike | None) -> ArrayLike:
    """One argument: an array of the kind, dtype and device the kernels take."""
    if isinstance(a, np.ndarray):
        if like is not None and not isinstance(like, np.ndarray):
            raise ArrayTypeError(
                f"expected {name} to be a torch.Tensor like q, got numpy.ndarray; "
                f"convert it with torch.from_numpy({name})"
            )
        if a.dtype not in (np.float32, np.float64):
            raise DTypeError(
                f"expected {name} of dtype float32 or float64 on the CPU, got "
                f"{a.dtype}; convert it with {name}.astype(np.float32)"
            )
        if not a.flags.c_contiguous:
            raise LayoutError(
                f"expected {name} to be C-contiguous, got strides {a.strides}; "
                f"make a copy with np.ascontiguousarray({name})"
            )
        return a
    if not is_tensor(a):
        raise ArrayTypeError(
            f"expected {name} to be a numpy.ndarray or torch.Tensor, got "
            f"{type(a).__name__}; convert it with np.asarray({name})"
        )
    torch = loaded_torch()
    if like is not None and not is_tensor(like):
        raise ArrayTypeError(
            f"expected {name} to be a numpy.ndarray like q, got torch.Tensor; "
            f"convert it with {name}.numpy()"
        )
    if a.device.type not in ("cpu", "cuda"):
        raise DeviceError(
            f"expected {name} on the CPU or a CUDA device, got {a.device}; "
            f"move it with {name}.cpu()"
        )
    if like is not None and a.device != like.device:
        raise DeviceError(
            f"expected {name} on {like.device} like q, got {a.device}; move it "
            f"with {name}.to({str(like.device)!r})"
        )
    if a.is_cuda:
        allowed = (torch.float16, torch.bfloat16, torch.float32)
        if a.dtype not in allowed:
            raise DTypeError(
                f"expected {name} of dtype float16, bfloat16 or float32 on CUDA, "
                f"got {_dtype_name(a)}; convert it with {name}.bfloat16()"
            )
        if not _engine.build_info()["cuda_compiled"]:
            raise CudaUnavailableError(
                f"expected {name} on the CPU for this CPU-only engine build, got "
                f"{a.device}; move it with {name}.cpu() or reinstall neuron with "
                "the CUDA toolkit on PATH"
            )
    elif a.dtype not in (torch.float32, torch.float64):
        raise DTypeError(
            f"expected {name} of dtype float32 or float64 on the CPU, got "
            f"{_dtype_name(a)} (float16 and bfloat16 run on CUDA); convert it "
            f"with {name}.float()"
        )
    if a.layout != torch.strided or not a.is_contiguous():
        raise LayoutError(
            f"expected {name} to be a contiguous tensor, got strides "
            f"{tuple(a.stride())} for shape {tuple(a.shape)}; make a copy with "
            f"{name}.contiguous()"
        )
    # DLPack refuses tensors that require grad; the kernels record no graph.
    return a.detach()


def _check_qkv(q, k, v) -> tuple[ArrayLike, ArrayLike, ArrayLike]:
    q = _check(q, "q", None)
    k = _check(k, "k", q)
    v = _check(v, "v", q)
    if q.ndim < 2:
        raise ShapeError(
            f"expected q of shape (..., T, D), got {tuple(q.shape)}; add the "
            "sequence axis"
        )
    lead, D = tuple(q.shape[:-2]), q.shape[-1]
    for name, a in (("k", k), ("v", v)):
        if a.dtype != q.dtype:
            raise DTypeError(
                f"expected {name} of dtype {_dtype_name(q)} like q, got "
                f"{_dtype_name(a)}; convert one of them"
            )
        if a.ndim != q.ndim or tuple(a.shape[:-2]) != lead or a.shape[-1] != D:
            want = "(" + "".join(f"{n}, " for n in lead) + f"S, {D})"
            raise ShapeError(
                f"expected {name} of shape {want} to match q {tuple(q.shape)}, "
                f"got {tuple(a.shape)}"
            )
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"expected k and v with the same number of keys, got k "
            f"{tuple(k.shape)} and v {tuple(v.shape)}"
        )
    if q.shape[-2] > 0 and k.shape[-2] == 0:
        raise ShapeError(
            f"expected at least one key, got k of shape {tuple(k.shape)}; "
            "attention over no keys is undefined"
        )
    cuda = is_tensor(q) and q.is_cuda
    if cuda and D not in CUDA_HEAD_DIMS:
        raise InvalidArgumentError(
            f"expected head dimension 32, 64, 96 or 128 on CUDA, got {D}; pad "
            "the heads or run on the CPU, which takes 1 to 512"
        )
    if not cuda and D not in CPU_HEAD_DIMS:
        raise InvalidArgumentError(
            f"expected head dimension 1 to 512 on the CPU, got {D}; use more, "
            "smaller heads"
        )
    return q, k, v


def _scale(scale: float | None, D: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(D)
    if isinstance(scale, bool) or not isinstance(scale, int | float):
        raise InvalidArgumentError(
            f"expected scale to be a number or None (1/sqrt(D)), got "
            f"{type(scale).__name__}"
        )
    if not math.isfinite(scale):
        raise InvalidArgumentError(f"expected a finite scale, got {scale}")
    return float(scale)


def _empty(like: ArrayLike, shape: tuple[int, ...], dtype=None) -> ArrayLike:
    if isinstance(like, np.ndarray):
        return np.empty(shape, dtype=like.dtype if dtype is None else dtype)
    torch = loaded_torch()
    return torch.empty(
        shape, dtype=like.dtype if dtype is None else dtype, device=like.device
    )


def _lse_dtype(q: ArrayLike):
    if is_tensor(q) and q.is_cuda:
        return loaded_torch().float32
    return None  # q's own dtype


def forward(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, *, causal: bool = False, scale=None
) -> Forward:
    """FlashAttention forward: out = softmax(scale q k^T, causal) v, tiled.

    The T x S scores are never held in memory: keys are visited a tile at a
    time with the online softmax (``neuron.attention.flash``).

    Args:
        q: (..., T, D); CPU float32/float64 or CUDA float16/bfloat16/float32.
        k, v: (..., S, D), same kind, dtype and device as q.
        causal: query i sees keys j <= i (counted from the top-left corner, as
            ``torch.nn.functional.scaled_dot_product_attention``).
        scale: multiplies the scores; None means 1 / sqrt(D).

    Returns:
        ``Forward(out, lse)``: out (..., T, D) like q; lse (..., T), float32
        on CUDA and q's dtype on the CPU.

    Raises:
        ArrayTypeError, DTypeError, ShapeError, LayoutError, DeviceError,
        CudaUnavailableError, InvalidArgumentError: messages say the fix.
    """
    q, k, v = _check_qkv(q, k, v)
    scale = _scale(scale, q.shape[-1])
    out = _empty(q, tuple(q.shape))  # (..., T, D)
    lse = _empty(q, tuple(q.shape[:-1]), _lse_dtype(q))  # (..., T)
    _engine.attention_forward(q, k, v, out, lse, scale, bool(causal), stream_of(q))
    return Forward(out, lse)


def backward(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    out: ArrayLike,
    dout: ArrayLike,
    lse: ArrayLike,
    *,
    causal: bool = False,
    scale=None,
) -> tuple[ArrayLike, ArrayLike, ArrayLike]:
    """FlashAttention-2 backward: dq, dk, dv from the forward's out and lse.

    The probabilities are recomputed tile by tile from lse
    (``neuron.attention.flash`` shows the steps).

    Args:
        q, k, v, causal, scale: as given to ``forward``.
        out, lse: what ``forward`` returned for them.
        dout: the gradient of the loss with respect to out, (..., T, D).

    Returns:
        ``(dq, dk, dv)`` shaped like q, k and v.

    Raises:
        The errors of ``forward``; ShapeError when out, dout or lse do not
        match q.
    """
    q, k, v = _check_qkv(q, k, v)
    out = _check(out, "out", q)
    dout = _check(dout, "dout", q)
    for name, a in (("out", out), ("dout", dout)):
        if tuple(a.shape) != tuple(q.shape) or a.dtype != q.dtype:
            raise ShapeError(
                f"expected {name} of shape {tuple(q.shape)} and dtype "
                f"{_dtype_name(q)} like q, got {tuple(a.shape)} {_dtype_name(a)}"
            )
    if not (is_tensor(lse) or isinstance(lse, np.ndarray)) or tuple(lse.shape) != tuple(
        q.shape[:-1]
    ):
        raise ShapeError(
            f"expected lse of shape {tuple(q.shape[:-1])} from forward(), got "
            f"{tuple(getattr(lse, 'shape', ()))}"
        )
    scale = _scale(scale, q.shape[-1])
    if is_tensor(lse):
        lse = lse.detach()
    dq = _empty(q, tuple(q.shape))  # (..., T, D)
    dk = _empty(q, tuple(k.shape))  # (..., S, D)
    dv = _empty(q, tuple(v.shape))  # (..., S, D)
    _engine.attention_backward(
        q, k, v, out, dout, lse, dq, dk, dv, scale, bool(causal), stream_of(q)
    )
    return dq, dk, dv


def forward_with_probabilities(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, *, causal: bool = False, scale=None
) -> tuple[ArrayLike, ArrayLike]:
    """The forward plus the explicit attention probabilities, for plots.

    The probabilities are recomputed from the forward's lse, so they are
    exactly the weights the output was made with. Meant for short sequences:
    the (..., T, S) result is refused beyond ``MAX_PROBABILITY_ENTRIES``.
    CUDA tensors are computed on the CPU and the results moved back.

    Args:
        q, k, v, causal, scale: as ``forward``.

    Returns:
        ``(out, probs)``: out (..., T, D) and probs (..., T, S) like q, each
        row of probs summing to 1 (zeros where the causal mask hides a key).

    Raises:
        The errors of ``forward``; InvalidArgumentError when the
        probabilities would be too large to plot.
    """
    q, k, v = _check_qkv(q, k, v)
    entries = math.prod(q.shape[:-1]) * k.shape[-2]
    if entries > MAX_PROBABILITY_ENTRIES:
        raise InvalidArgumentError(
            f"expected at most {MAX_PROBABILITY_ENTRIES:,} probabilities "
            f"(heads x T x S), got {entries:,} for q {tuple(q.shape)} and k "
            f"{tuple(k.shape)}; plot a shorter sequence or fewer heads"
        )
    device = q.device if is_tensor(q) and q.is_cuda else None
    dtype = q.dtype
    if device is not None:
        q, k, v = (a.float().cpu() for a in (q, k, v))
    scale = _scale(scale, q.shape[-1])
    out, lse = forward(q, k, v, causal=causal, scale=scale)
    probs = _empty(q, (*q.shape[:-1], k.shape[-2]))  # (..., T, S)
    _engine.attention_probabilities(q, k, lse, probs, scale, bool(causal))
    if device is not None:
        return out.to(device, dtype), probs.to(device, dtype)
    return out, probs
