"""Run a learner's NumPy answer in a separate, limited process.

The parent (this module) never executes the answer, and never parses it
either: it starts ``neuron/capstone/child.py`` in a fresh interpreter
(``python -I``: no user site, no current directory on the path, no
``PYTHON*`` variables), with a minimal environment, every inherited file
descriptor closed, and its own session so that it can be killed as a whole.
It sends the source and the input arrays, waits at most the wall-clock
limit, and reads back numeric arrays only. ``child.py`` describes the layers
of containment inside the child.

Whatever the answer does (loops forever, allocates 20 GB, raises, tries to
open a file), ``run_answer`` returns an ``Outcome`` saying so; it raises only
for its own misuse.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuron.capstone import child

__all__ = ["Outcome", "run_answer"]

log = logging.getLogger(__name__)

CHILD = Path(child.__file__).resolve()

# Seconds the child may take, beyond the answer's own limit, to start Python,
# import NumPy and send its reply.
STARTUP_GRACE = 3.0

# The most numbers one result may hold, and bytes the reply may take.
MAX_ELEMENTS = 1_000_000
MAX_REPLY = 64 * 2**20


@dataclass
class Outcome:
    """What came back from the child.

    Attributes:
        results: one float64 array per trial, in order; empty on error.
        error: None, or a sentence saying what went wrong.
        kind: None, or one of "refused" (the source breaks a rule of the
            sandbox or does not parse), "timeout", "memory", "runtime" (the
            answer raised), "output" (no result, or not a numeric array),
            "crash" (the child died), "unsupported" (no process limits on
            this platform).
        seconds: wall-clock time from start to reply.
    """

    results: list[np.ndarray] = field(default_factory=list)
    error: str | None = None
    kind: str | None = None
    seconds: float = 0.0


def run_answer(
    source: str, trials: list[dict], *, timeout: float, memory_mb: int
) -> Outcome:
    """Evaluate ``source`` once per trial in a limited child process.

    Args:
        source: the learner's answer, an expression or statements that set
            ``result`` (or end with an expression).
        trials: the inputs of each run, name to NumPy array or Python number.
        timeout: seconds the answer may run, all trials together; the child
            also gets ``STARTUP_GRACE`` seconds to start and reply.
        memory_mb: megabytes the child's address space may grow by once
            NumPy is loaded.

    Returns:
        An ``Outcome``: the results, or the error and its kind.
    """
    request = {
        "source": source,
        "timeout": float(timeout),
        "memory_mb": int(memory_mb),
        "max_elements": MAX_ELEMENTS,
        "trials": [],
    }
    arrays = []
    for trial in trials:
        names, scalars = [], {}
        for name, value in trial.items():
            if isinstance(value, np.ndarray):
                names.append(name)
                arrays.append(value)
            else:
                scalars[name] = value
        request["trials"].append({"arrays": names, "scalars": scalars})
    payload = io.BytesIO()
    child.write_message(payload, request, arrays)

    start = time.perf_counter()
    outcome = _communicate(payload.getvalue(), timeout + STARTUP_GRACE)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _communicate(payload: bytes, deadline: float) -> Outcome:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        # One thread each: BLAS pools would multiply the memory the address
        # space limit has to cover, and the CPU time the answer burns.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-I", str(CHILD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd="/",
        close_fds=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(payload, timeout=deadline)
    except subprocess.TimeoutExpired:
        _kill(process)
        process.communicate()
        return Outcome(
            error=f"time limit: the answer was stopped after {deadline:.1f} s "
            "of wall-clock time",
            kind="timeout",
        )
    return _read_reply(process.returncode, stdout, stderr)


def _kill(process: subprocess.Popen) -> None:
    """Kill the child's whole session (it cannot fork, but be sure)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _read_reply(returncode: int, stdout: bytes, stderr: bytes) -> Outcome:
    if returncode == child.EXIT_TIMEOUT or returncode in (
        -signal.SIGXCPU,
        -signal.SIGKILL,
    ):
        return Outcome(
            error="time limit: the answer used up its time and was stopped; "
            "look for a loop that never ends",
            kind="timeout",
        )
    if returncode != 0 or not stdout:
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        log.debug("sandbox child exited with %s: %s", returncode, tail)
        if any("MemoryError" in line or "memory" in line for line in tail):
            return Outcome(
                error="memory limit: the answer ran out of memory", kind="memory"
            )
        return Outcome(
            error=f"the sandbox process ended abnormally (exit status "
            f"{returncode}); {' '.join(tail) or 'no message'}",
            kind="crash",
        )
    if len(stdout) > MAX_REPLY:
        return Outcome(
            error=f"the reply is {len(stdout)} bytes, over the {MAX_REPLY} allowed",
            kind="output",
        )
    try:
        header, arrays = child.read_message(io.BytesIO(stdout))
    except ValueError as exc:
        return Outcome(error=f"the reply cannot be read ({exc})", kind="crash")
    if header.get("status") != "ok":
        kind = header.get("kind", "crash")
        message = str(header.get("message", "no message"))
        return Outcome(error=_explain(kind, message), kind=kind)
    if any(a.dtype != np.float64 for a in arrays):
        return Outcome(error="the reply holds non-float arrays", kind="crash")
    return Outcome(results=arrays)


def _explain(kind: str, message: str) -> str:
    if kind == "memory":
        return f"memory limit: the answer needed more memory than allowed ({message})"
    prefix = {"refused": "refused: ", "runtime": "error: ", "output": "result: "}
    return prefix.get(kind, "") + message
