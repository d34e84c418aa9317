"""Where a training run executes: one process or many, which device, and how
fast that device multiplies matrices.

A run launched by ``torchrun`` finds ``RANK``, ``LOCAL_RANK`` and
``WORLD_SIZE`` in its environment; ``start`` then joins the process group,
over gloo on the CPU and NCCL on CUDA GPUs, and gives each process its own
device (``cuda:LOCAL_RANK``). Without those variables the run is a single
process and no process group is made. The training code is the same either
way.

``measure_peak_flops`` times a large float32 matrix product on the device;
training reports its model FLOPs utilisation against that measured rate
(see ``neuron.transformer.train``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

import neuron
from neuron.errors import DeviceError, InvalidArgumentError

__all__ = [
    "Runtime",
    "code_revision",
    "environment",
    "measure_peak_flops",
    "seed_everything",
    "start",
    "stop",
]

log = logging.getLogger(__name__)

#: The environment variables torchrun sets in each process it launches.
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE")


@dataclasses.dataclass(frozen=True)
class Runtime:
    """One process of a run.

    Attributes:
        rank: this process's index, 0 to world_size - 1.
        world_size: the number of processes.
        device: the device this process computes on.
        owns_group: whether ``start`` made the process group (and ``stop``
            should end it).
    """

    rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")
    owns_group: bool = False

    @property
    def distributed(self) -> bool:
        """Whether gradients are averaged across processes."""
        return self.world_size > 1 or dist.is_initialized()

    @property
    def is_main(self) -> bool:
        """Whether this process logs, evaluates and writes (rank 0)."""
        return self.rank == 0


def start(device: str = "auto") -> Runtime:
    """Join the process group if launched by torchrun, and pick the device.

    Args:
        device: ``"auto"`` (CUDA when available, else the CPU), ``"cpu"`` or
            ``"cuda"``. Under torchrun on CUDA, process r uses
            ``cuda:LOCAL_RANK``.

    Returns:
        The runtime of this process.

    Raises:
        DeviceError: ``"cuda"`` asked for where no CUDA device is.
        InvalidArgumentError: an unknown device name.
    """
    chosen = _device(device)
    launched = all(name in os.environ for name in LAUNCH_VARIABLES)
    if not launched and not dist.is_initialized():
        return Runtime(device=chosen)

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if chosen.type == "cuda":
        chosen = torch.device("cuda", local_rank)
        torch.cuda.set_device(chosen)
    owns = False
    if not dist.is_initialized():
        backend = "nccl" if chosen.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
        owns = True
        log.info(
            "joined process group: rank %d of %d over %s",
            dist.get_rank(),
            dist.get_world_size(),
            backend,
        )
    return Runtime(
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        device=chosen,
        owns_group=owns,
    )


def stop(runtime: Runtime) -> None:
    """Leave the process group, if ``start`` made it."""
    if runtime.owns_group and dist.is_initialized():
        dist.destroy_process_group()


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                "expected a CUDA device for device='cuda', got none (torch "
                f"{torch.__version__}, CUDA available: False); use device='cpu'"
            )
        return torch.device("cuda")
    raise InvalidArgumentError(f"expected device 'auto', 'cpu' or 'cuda', got {name!r}")


def measure_peak_flops(
    device: torch.device | str = "cpu", size: int | None = None, repeats: int = 3
) -> float:
    """The float32 FLOP/s of a large square matrix product on ``device``.

    A (n, n) @ (n, n) product costs 2 n^3 FLOPs; the best of ``repeats``
    timed products, after one untimed warm-up, gives the rate. This is the
    machine's practical peak for the work a transformer mostly does, not the
    vendor's datasheet figure: model FLOPs utilisation against it says how
    much of the achievable matrix throughput the training loop uses, on any
    machine, without a table of chips. On CUDA, TF32 follows PyTorch's
    current setting (off by default), as in training.

    Args:
        device: where to multiply.
        size: n; None picks 2048 on the CPU (about 0.1 to 1 s per product on
            a laptop) and 8192 on CUDA.
        repeats: timed products, at least 1.

    Returns:
        FLOP/s, a float.
    """
    device = torch.device(device)
    n = size or (8192 if device.type == "cuda" else 2048)
    generator = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, generator=generator)  # (n, n)
    b = torch.randn(n, n, device=device, generator=generator)  # (n, n)
    best = float("inf")
    for attempt in range(max(repeats, 1) + 1):
        _synchronize(device)
        begin = time.perf_counter()
        torch.mm(a, b)
        _synchronize(device)
        elapsed = time.perf_counter() - begin
        if attempt > 0:  # the first product warms caches and libraries up
            best = min(best, elapsed)
    flops = 2.0 * n**3 / best
    log.info("measured %.3g FLOP/s (float32 %d x %d matmul on %s)", flops, n, n, device)
    return flops


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def code_revision() -> str | None:
    """The git commit of the neuron source (``git rev-parse HEAD``), or None
    when neuron is not run from a git checkout or git is missing."""
    root = Path(neuron.__file__).resolve().parent.parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    revision = result.stdout.strip()
    return revision if result.returncode == 0 and revision else None


def environment(runtime: Runtime) -> dict[str, Any]:
    """What a run's numbers depend on, as JSON-safe values: versions, the
    device, threads and processes."""
    device = runtime.device
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = platform.processor() or platform.machine()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "neuron": neuron.__version__,
        "device": str(device),
        "device_name": name,
        "threads": torch.get_num_threads(),
        "world_size": runtime.world_size,
        "platform": platform.platform(),
    }


def seed_everything(seed: int) -> None:
    """Seed torch's (CPU and CUDA), NumPy's and Python's global generators.

    Side effect: replaces the state of all four.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
