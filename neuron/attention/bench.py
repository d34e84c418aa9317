"""Timing attention: the engine against PyTorch and NumPy on the same inputs.

Four paths compute softmax(q k^T * scale + mask) v on the same float32 CPU
tensors, q, k and v of shape (B, H, T, D) with scale = 1 / sqrt(D):

- ``engine``: ``neuron.attention.attention``, the autograd function over the
  compiled FlashAttention kernels.
- ``sdpa``: ``torch.nn.functional.scaled_dot_product_attention``, the tool a
  user would otherwise pick.
- ``explicit``: the formula written out in PyTorch, holding the (T, T)
  scores; the causal mask is an additive -inf mask made once beforehand, as a
  model keeps it in a buffer.
- ``numpy``: ``neuron.attention.reference``, the readable NumPy version. It
  is slow, so it is timed only up to ``numpy_max_length`` and once.

Each runs ``forward`` (under ``torch.no_grad``) and ``forward+backward``
(the forward, then the backward of a gradient of ones, which is what
``out.sum().backward()`` does). Every timing comes after one untimed warm-up
call and is the best of at least ``repeats`` calls, the paths taking turns,
so a slow call (another process, a page fault storm) does not move it; short
calls are repeated for at least ``MIN_SECONDS``. The first timed call also
measures the resident memory the call adds at its peak
(``peak_extra_memory``).

On a CUDA device, ``bench_attention_cuda`` times the engine against SDPA in
bfloat16, forward only. The library returns records; ``neuron bench
attention`` formats them.

Legend: B batch, H heads, T queries (and keys: S = T), D head dimension.

Example:
    >>> from neuron.attention import bench
    >>> rows = bench.bench_attention(lengths=(256,), repeats=1)
    >>> {(r.path, r.mode) for r in rows} >= {("engine", "forward")}
    True
"""

import ctypes
import dataclasses
import functools
import gc
import itertools
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from neuron.attention import reference
from neuron.errors import CudaUnavailableError, InvalidArgumentError

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LENGTHS",
    "MODES",
    "PATHS",
    "AttentionTiming",
    "bench_attention",
    "bench_attention_cuda",
    "cuda_unavailable_reason",
    "default_threads",
    "make_call",
    "make_inputs",
    "peak_extra_cuda_memory",
    "peak_extra_memory",
]

PATHS = ("engine", "sdpa", "explicit", "numpy")
MODES = ("forward", "forward+backward")
DEFAULT_LENGTHS = (128, 256, 512, 1024, 2048, 4096)
#: Short calls are repeated until the fastest path has run this long in all.
MIN_SECONDS = 0.3
#: ... but never more than this many calls per path.
MAX_ROUNDS = 50

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclasses.dataclass(frozen=True)
class AttentionTiming:
    """One path's timing of attention on one configuration.

    Attributes:
        path: ``engine``, ``sdpa``, ``explicit`` or ``numpy``.
        mode: ``forward`` or ``forward+backward``.
        device: ``cpu`` or ``cuda``.
        dtype: ``float32`` (CPU) or ``bfloat16`` (CUDA).
        batch, heads, length, head_dim: B, H, T (= S) and D.
        causal: whether query i saw only keys j <= i.
        seconds: the best wall time of one call; None when the path was not
            timed (numpy beyond its length limit).
        repeats: timed calls behind ``seconds`` (0 when not timed).
        threads: CPU threads of torch and the engine; None for numpy, whose
            matrix products use BLAS's own thread pool, and on CUDA.
        flops: operations counted by ``reference.flops``.
        gflop_per_second: flops / seconds / 1e9, or None.
        ratio_vs_sdpa: SDPA's seconds divided by this path's, in the same
            configuration; above 1 means faster than SDPA. None when either
            was not timed.
        peak_mib: memory one call added at its peak, in MiB (resident memory
            on the CPU, allocated device memory on CUDA); None where it cannot
            be measured (``peak_extra_memory``).
    """

    path: str
    mode: str
    device: str
    dtype: str
    batch: int
    heads: int
    length: int
    head_dim: int
    causal: bool
    seconds: float | None
    repeats: int
    threads: int | None
    flops: int
    gflop_per_second: float | None
    ratio_vs_sdpa: float | None
    peak_mib: float | None

    def as_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return dataclasses.asdict(self)


# ---- memory ----------------------------------------------------------------


def peak_extra_memory(fn: Callable[[], object]) -> int | None:
    """Bytes of resident memory one call of ``fn`` adds at its peak (Linux).

    Collects garbage and hands freed heap pages back to the system (glibc's
    ``malloc_trim``, where present, so memory a previous call freed but the
    allocator kept does not hide this call's needs), resets the kernel's
    high-water mark of resident memory (writing 5 to
    ``/proc/self/clear_refs`` sets ``VmHWM`` to the current ``VmRSS``), calls
    ``fn`` once and returns ``VmHWM`` minus the ``VmRSS`` before the call.
    What ``fn`` returns is counted, then dropped.

    Other threads that allocate during the call are counted too, so this is
    not meaningful while the process does other work.

    Args:
        fn: called once, with no arguments.

    Returns:
        Bytes (>= 0), or None where these files do not exist or cannot be
        written: on macOS and Windows, and on Linux kernels before 4.0 or
        sandboxes without ``/proc``. ``fn`` is still called once.
    """
    if not (_STATUS.exists() and _CLEAR_REFS.exists()):
        fn()
        return None
    gc.collect()
    _release_free_heap()
    try:
        _CLEAR_REFS.write_text("5")
        before = _status_bytes("VmRSS")
    except (OSError, ValueError) as exc:
        logger.debug("peak memory not measurable: %s", exc)
        fn()
        return None
    fn()
    return max(_status_bytes("VmHWM") - before, 0)


def peak_extra_cuda_memory(fn: Callable[[], object]) -> int:
    """Bytes of CUDA memory one call of ``fn`` allocates at its peak.

    Counted by PyTorch's caching allocator on the current device
    (``torch.cuda.max_memory_allocated`` after resetting the peak, less what
    was allocated before), so only memory torch hands out is seen.
    """
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return max(torch.cuda.max_memory_allocated() - before, 0)


def _status_bytes(field: str) -> int:
    """A ``kB`` field of /proc/self/status, in bytes."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no {field} in {_STATUS}")


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc


def _release_free_heap() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# ---- the paths -------------------------------------------------------------


def default_threads() -> int:
    """The cores this process may run on (its CPU affinity where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def make_inputs(
    batch: int,
    heads: int,
    length: int,
    head_dim: int,
    *,
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Standard normal q, k and v, contiguous, of shape (B, H, T, D) each."""
    gen = torch.Generator().manual_seed(seed)
    shape = (batch, heads, length, head_dim)
    q, k, v = (torch.randn(shape, generator=gen) for _ in range(3))  # (B, H, T, D)
    return tuple(a.to(device=device, dtype=dtype) for a in (q, k, v))


def make_call(
    path: str,
    mode: str,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool,
) -> Callable[[], object]:
    """A call without arguments that runs one path once on q, k and v.

    Everything a call needs beyond the arithmetic (the causal mask of the
    explicit path, the gradient of ones, NumPy views of the tensors) is made
    here, outside the call.

    Args:
        path: one of ``PATHS``.
        mode: one of ``MODES``.
        q, k, v: (B, H, T, D) tensors from ``make_inputs``; numpy needs them
            in float32 or float64.
        causal: query i sees keys j <= i.

    Returns:
        A function returning the output (B, H, T, D) in ``forward`` mode and
        ``(dq, dk, dv)`` in ``forward+backward`` mode, as tensors (numpy:
        arrays).
    """
    _check_names([path], PATHS, "path")
    _check_names([mode], MODES, "mode")
    if path == "numpy":
        return _numpy_call(mode, q, k, v, causal)
    forward = _torch_forward(path, q, causal)
    if mode == "forward":

        def call():
            with torch.no_grad():
                return forward(q, k, v)

        return call

    leaves = [a.detach().clone().requires_grad_() for a in (q, k, v)]
    ones = torch.ones_like(q)  # (B, H, T, D), the gradient of out.sum()

    def call_with_backward():
        for a in leaves:
            a.grad = None
        forward(*leaves).backward(ones)
        return tuple(a.grad for a in leaves)

    return call_with_backward


def _torch_forward(path: str, q: torch.Tensor, causal: bool) -> Callable:
    if path == "engine":
        from neuron.attention.autograd import attention

        return lambda q, k, v: attention(q, k, v, causal=causal)
    if path == "sdpa":
        sdpa = torch.nn.functional.scaled_dot_product_attention
        return lambda q, k, v: sdpa(q, k, v, is_causal=causal)

    # explicit
    T, D = q.shape[-2], q.shape[-1]
    scale = 1.0 / math.sqrt(D)
    mask = None
    if causal:
        # -inf above the diagonal (keys after the query), 0 on and below it.
        mask = torch.full((T, T), -math.inf, dtype=q.dtype, device=q.device)
        mask = mask.triu(1)  # (T, T)

    def explicit(q, k, v):
        s = (q @ k.transpose(-2, -1)) * scale  # (B, H, T, T)
        if mask is not None:
            s = s + mask  # (B, H, T, T)
        return torch.softmax(s, dim=-1) @ v  # (B, H, T, D)

    return explicit


def _numpy_call(mode: str, q, k, v, causal: bool) -> Callable[[], object]:
    qn, kn, vn = (a.detach().cpu().numpy() for a in (q, k, v))  # (B, H, T, D)
    if mode == "forward":
        return lambda: reference.attention_forward(qn, kn, vn, causal=causal).out

    ones = np.ones_like(qn)  # (B, H, T, D)

    def call():
        fwd = reference.attention_forward(qn, kn, vn, causal=causal)
        return tuple(reference.attention_backward(ones, qn, kn, vn, fwd.probs))

    return call


# ---- timing ----------------------------------------------------------------


def _measure(call: Callable[[], object]) -> tuple[float, int | None]:
    """Seconds of one call and the peak bytes it adds."""
    times = []

    def timed():
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)

    extra = peak_extra_memory(timed)
    return times[0], extra


def _time_cuda(call: Callable[[], object], repeats: int) -> tuple[float, int]:
    """Best seconds of ``repeats`` calls after a warm-up, the device synchronised
    around each, and the peak device bytes of the first."""
    call()  # warm-up
    times = []

    def timed():
        torch.cuda.synchronize()
        start = time.perf_counter()
        call()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)

    extra = peak_extra_cuda_memory(timed)
    for _ in range(repeats - 1):
        timed()
    return min(times), extra


def bench_attention(
    lengths: Sequence[int] = DEFAULT_LENGTHS,
    *,
    batch: int = 1,
    heads: int = 8,
    head_dim: int = 64,
    causal: Sequence[bool] = (False, True),
    modes: Sequence[str] = MODES,
    paths: Sequence[str] = PATHS,
    repeats: int = 3,
    threads: int | None = None,
    numpy_max_length: int = 1024,
    seed: int = 0,
) -> list[AttentionTiming]:
    """Time each path on float32 CPU inputs for every length, mask and mode.

    Sets torch's and the engine's CPU threads to ``threads`` for the run and
    restores both afterwards, and freezes the objects alive at the start
    (``gc.freeze``) until the end; not thread-safe, as other code in the
    process sees both changes meanwhile.

    Args:
        lengths: sequence lengths T (keys S = T).
        batch, heads, head_dim: B, H and D (D from 1 to 512).
        causal: the masks to run, False and/or True.
        modes: among ``forward`` and ``forward+backward``.
        paths: among ``engine``, ``sdpa``, ``explicit`` and ``numpy``.
        repeats: timed calls per row, the best is kept; at least 1.
        threads: CPU threads; None means ``default_threads()``.
        numpy_max_length: numpy runs (once) only up to this T; longer rows
            get a record with ``seconds=None``.
        seed: seed of the standard normal inputs.

    Returns:
        Records ordered by length, causal, mode, then path in the order asked.

    Raises:
        InvalidArgumentError: a size, count or name out of range.
    """
    lengths = _check_sizes(lengths, batch, heads, head_dim, repeats, threads)
    _check_names(modes, MODES, "modes")
    _check_names(paths, PATHS, "paths")
    if not causal:
        raise InvalidArgumentError(
            "expected causal to hold False, True or both, got none; pass "
            "causal=(False, True)"
        )
    threads = default_threads() if threads is None else threads

    from neuron import engine

    saved = torch.get_num_threads(), engine.num_threads()
    torch.set_num_threads(threads)
    engine.set_num_threads(threads)
    # Everything alive now outlives the run: freezing it keeps the collection
    # before each memory measurement from scanning it again (~0.1 s each).
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.collect()
        gc.freeze()
    records = []
    try:
        for T in lengths:
            q, k, v = make_inputs(batch, heads, T, head_dim, seed=seed)  # (B, H, T, D)
            shape = (batch, heads, T, head_dim)
            for is_causal, mode in itertools.product(causal, modes):
                limit = {"numpy": numpy_max_length}
                timed = _time_paths(paths, mode, q, k, v, is_causal, repeats, limit)
                records += _records(
                    timed, "cpu", "float32", shape, is_causal, mode, threads
                )
    finally:
        if freeze:
            gc.unfreeze()
        torch.set_num_threads(saved[0])
        engine.set_num_threads(saved[1])
    return records


def _time_paths(
    paths: Sequence[str],
    mode: str,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool,
    repeats: int,
    max_length: dict[str, int],
) -> dict[str, tuple[float | None, int | None, int]]:
    """Each path's (best seconds, peak bytes, timed calls) on one configuration.

    The paths take turns, one call each per round, so a slow spell of the
    machine falls on all of them rather than on one. Rounds go on until every
    path has ``repeats`` calls and, for calls shorter than ``MIN_SECONDS /
    repeats``, until the fastest path has spent ``MIN_SECONDS`` (at most
    ``MAX_ROUNDS``): short calls are the noisiest. A path with a length limit
    below T is skipped, (None, None, 0); one with a limit at all (numpy) runs
    once.
    """
    T = q.shape[-2]
    calls, best, extra, count = {}, {}, {}, {}
    timed: dict[str, tuple[float | None, int | None, int]] = {}
    for path in paths:
        if path in max_length and max_length[path] < T:
            timed[path] = (None, None, 0)
            continue
        calls[path] = make_call(path, mode, q, k, v, causal=causal)
        calls[path]()  # warm-up
        seconds, extra[path] = _measure(calls[path])
        best[path], count[path] = seconds, 1

    def more(path: str) -> bool:
        if path in max_length:
            return False
        return count[path] < repeats or (
            count[path] < MAX_ROUNDS and min(best.values()) * count[path] < MIN_SECONDS
        )

    while any(more(path) for path in calls):
        for path in calls:
            if more(path):
                start = time.perf_counter()
                calls[path]()
                best[path] = min(best[path], time.perf_counter() - start)
                count[path] += 1
    for path in calls:
        timed[path] = (best[path], extra[path], count[path])
        logger.debug("T=%d causal=%s %s %s: %s", T, causal, mode, path, timed[path])
    return {path: timed[path] for path in paths}


def _records(
    timed: dict[str, tuple[float | None, int | None, int]],
    device: str,
    dtype: str,
    shape: tuple[int, int, int, int],
    causal: bool,
    mode: str,
    threads: int | None,
) -> list[AttentionTiming]:
    B, H, T, D = shape
    backward = mode == "forward+backward"
    flops = reference.flops(B, H, T, T, D, causal=causal, backward=backward)
    sdpa_seconds = timed.get("sdpa", (None,))[0]
    rows = []
    for path, (seconds, extra, repeats) in timed.items():
        rows.append(
            AttentionTiming(
                path=path,
                mode=mode,
                device=device,
                dtype=dtype,
                batch=B,
                heads=H,
                length=T,
                head_dim=D,
                causal=causal,
                seconds=seconds,
                repeats=repeats,
                threads=None if path == "numpy" else threads,
                flops=flops,
                gflop_per_second=None if seconds is None else flops / seconds / 1e9,
                ratio_vs_sdpa=(
                    None
                    if seconds is None or sdpa_seconds is None
                    else sdpa_seconds / seconds
                ),
                peak_mib=None if extra is None else extra / 2**20,
            )
        )
    return rows


# ---- CUDA ------------------------------------------------------------------


def cuda_unavailable_reason() -> str | None:
    """Why the CUDA rows cannot run here, or None when they can."""
    from neuron import engine

    cuda = engine.info()["cuda"]
    if not cuda["compiled"]:
        return "the engine was built without CUDA"
    if not cuda["devices"]:
        return cuda["reason"] or "the engine found no CUDA device"
    if not torch.cuda.is_available():
        return "PyTorch sees no CUDA device (is it a CPU-only build?)"
    return None


def bench_attention_cuda(
    lengths: Sequence[int] = (4096,),
    *,
    batch: int = 1,
    heads: int = 8,
    head_dim: int = 64,
    causal: Sequence[bool] = (False, True),
    repeats: int = 10,
    seed: int = 0,
) -> list[AttentionTiming]:
    """Time the engine against SDPA forward on CUDA, in bfloat16.

    Each call is timed between two ``torch.cuda.synchronize()``, so the time
    is the kernels' and the launch's, not the queueing of work.

    Args:
        lengths: sequence lengths T (keys S = T).
        batch, heads: B and H.
        head_dim: D; the engine's CUDA kernels take 32, 64, 96 or 128.
        causal: the masks to run.
        repeats: timed calls per row, the best is kept.
        seed: seed of the standard normal inputs.

    Returns:
        Records with device ``cuda``: engine then sdpa for each length and
        mask, mode ``forward``.

    Raises:
        CudaUnavailableError: no CUDA device (``cuda_unavailable_reason``).
        InvalidArgumentError: a size or count out of range.
    """
    lengths = _check_sizes(lengths, batch, heads, head_dim, repeats, None)
    reason = cuda_unavailable_reason()
    if reason is not None:
        raise CudaUnavailableError(
            f"expected a CUDA device for the CUDA attention benchmark, got none "
            f"({reason}); run it on a machine with an NVIDIA GPU"
        )
    records = []
    for T in lengths:
        q, k, v = make_inputs(
            batch, heads, T, head_dim, seed=seed, device="cuda", dtype=torch.bfloat16
        )
        for is_causal in causal:
            timed = {}
            for path in ("engine", "sdpa"):
                call = make_call(path, "forward", q, k, v, causal=is_causal)
                timed[path] = (*_time_cuda(call, repeats), repeats)
            shape = (batch, heads, T, head_dim)
            records += _records(
                timed, "cuda", "bfloat16", shape, is_causal, "forward", None
            )
    return records


# ---- argument checks -------------------------------------------------------


def _check_sizes(
    lengths: Sequence[int],
    batch: int,
    heads: int,
    head_dim: int,
    repeats: int,
    threads: int | None,
) -> list[int]:
    lengths = list(lengths)
    if not lengths or any(int(T) < 1 for T in lengths):
        raise InvalidArgumentError(
            f"expected one or more positive lengths, got {lengths}; pass for "
            "example lengths=(256, 1024)"
        )
    for name, value in (("batch", batch), ("heads", heads), ("repeats", repeats)):
        if value < 1:
            raise InvalidArgumentError(
                f"expected {name} >= 1, got {value}; pass for example {name}=1"
            )
    if not 1 <= head_dim <= 512:
        raise InvalidArgumentError(
            f"expected head_dim from 1 to 512, got {head_dim}; pass for example "
            "head_dim=64"
        )
    if threads is not None and threads < 1:
        raise InvalidArgumentError(
            f"expected threads >= 1 or None (every core), got {threads}"
        )
    return [int(T) for T in lengths]


def _check_names(names: Sequence[str], allowed: Sequence[str], what: str) -> None:
    if not names or any(n not in allowed for n in names):
        raise InvalidArgumentError(
            f"expected {what} among {', '.join(allowed)}, got {list(names)}; "
            "pass a non-empty list of those names"
        )
