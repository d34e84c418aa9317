"""Timing softmax forward on the CPU: the engine, the NumPy reference, torch.

Each backend runs on the same input, two ways:

- ``new``: a new output array on every call, as ``softmax(x)`` is written in
  user code. For large inputs this includes the operating system's cost of
  handing out fresh memory, which differs between allocators.
- ``given``: into an output allocated once beforehand (``out=``), which times
  the kernel alone. The NumPy reference has no such form and is skipped;
  torch runs its ``aten::_softmax.out`` kernel.

Each is warmed up, then timed ``repeats`` times; the median is reported, so
one slow run (a page fault storm, another process) does not move the result.
The ratio compares each backend with torch in the same way of output. The
library returns records; the ``neuron bench`` command formats them.
"""

import dataclasses
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np

from neuron.errors import InvalidArgumentError

__all__ = ["BenchRecord", "bench_softmax"]

_BACKENDS = ("engine", "reference", "torch")
_OUTPUTS = ("new", "given")


@dataclasses.dataclass(frozen=True)
class BenchRecord:
    """One backend's timing of softmax forward.

    Attributes:
        backend: ``engine``, ``reference`` or ``torch``.
        output: ``new`` (allocated by each call) or ``given`` (``out=``).
        seconds: median wall time of one call.
        rows_per_second: rows of the input softmax-ed per second.
        ratio_vs_torch: torch's seconds divided by this backend's, with the
            same kind of output; above 1 means faster than torch. None when
            torch was not timed.
        shape: the input shape, (rows, cols).
        dtype: ``float32`` or ``float64``.
        repeats: timed calls behind the median.
        threads: threads the backend could use (engine pool, torch intra-op;
            the reference is NumPy, single-threaded).
    """

    backend: str
    output: str
    seconds: float
    rows_per_second: float
    ratio_vs_torch: float | None
    shape: tuple[int, int]
    dtype: str
    repeats: int
    threads: int

    def as_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return dataclasses.asdict(self)


def bench_softmax(
    shape: tuple[int, int] = (4096, 4096),
    dtype: str = "float32",
    repeats: int = 10,
    warmup: int = 2,
    backends: Sequence[str] = _BACKENDS,
    seed: int = 0,
    outputs: Sequence[str] = _OUTPUTS,
) -> list[BenchRecord]:
    """Time softmax forward over the last axis for each backend.

    Args:
        shape: (rows, cols) of the input.
        dtype: ``float32`` or ``float64``.
        repeats: timed calls per backend (the median is reported), at least 1.
        warmup: untimed calls per backend before timing.
        backends: which of ``engine``, ``reference``, ``torch`` to run.
        seed: seed of the standard normal input.
        outputs: which of ``new`` and ``given`` to time (module docstring).

    Returns:
        One record per output and backend, in the order asked; none for the
        reference with a given output.

    Raises:
        InvalidArgumentError: bad shape, dtype, repeats or backend name.
    """
    _check_arguments(shape, dtype, repeats, warmup, backends, outputs)
    import torch

    from neuron import engine
    from neuron.softmax import reference

    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)  # (rows, cols)
    x_torch = torch.from_numpy(x)  # shares x's memory
    out = np.empty_like(x)  # (rows, cols), for the given-output runs
    out_torch = torch.from_numpy(out)

    calls: dict[tuple[str, str], Callable[[], object]] = {
        ("new", "engine"): lambda: engine.softmax(x),
        ("new", "reference"): lambda: reference.softmax(x),
        ("new", "torch"): lambda: torch.softmax(x_torch, dim=-1),
        ("given", "engine"): lambda: engine.softmax(x, out=out),
        ("given", "torch"): lambda: torch.ops.aten._softmax.out(
            x_torch, -1, False, out=out_torch
        ),
    }
    threads = {
        "engine": engine.num_threads(),
        "reference": 1,
        "torch": torch.get_num_threads(),
    }

    records = []
    for output in outputs:
        seconds = {
            name: _median_seconds(calls[output, name], repeats, warmup)
            for name in backends
            if (output, name) in calls
        }
        torch_seconds = seconds.get("torch")
        records += [
            BenchRecord(
                backend=name,
                output=output,
                seconds=took,
                rows_per_second=shape[0] / took,
                ratio_vs_torch=None if torch_seconds is None else torch_seconds / took,
                shape=(int(shape[0]), int(shape[1])),
                dtype=dtype,
                repeats=repeats,
                threads=threads[name],
            )
            for name, took in seconds.items()
        ]
    return records


def _median_seconds(call: Callable[[], object], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _check_arguments(
    shape: tuple[int, int],
    dtype: str,
    repeats: int,
    warmup: int,
    backends: Sequence[str],
    outputs: Sequence[str],
) -> None:
    if len(shape) != 2 or any(int(n) < 1 for n in shape):
        raise InvalidArgumentError(
            f"expected shape of two positive sizes (rows, cols), got {shape}; "
            "pass for example (4096, 4096)"
        )
    if dtype not in ("float32", "float64"):
        raise InvalidArgumentError(
            f"expected dtype float32 or float64, got {dtype!r}; pass one of those"
        )
    if repeats < 1 or warmup < 0:
        raise InvalidArgumentError(
            f"expected repeats >= 1 and warmup >= 0, got {repeats} and {warmup}; "
            "pass for example repeats=10, warmup=2"
        )
    unknown = [b for b in backends if b not in _BACKENDS]
    if unknown or not backends:
        raise InvalidArgumentError(
            f"expected backends among {', '.join(_BACKENDS)}, got {list(backends)}; "
            "pass a non-empty list of those names"
        )
    if not outputs or any(o not in _OUTPUTS for o in outputs):
        raise InvalidArgumentError(
            f"expected outputs among {', '.join(_OUTPUTS)}, got {list(outputs)}; "
            "pass a non-empty list of those names"
        )
