"""Training processes started from Code Lab: launch, liveness, stop.

A job runs as its own process, never inside the notebook's kernel, so the
app stays responsive and training runs as fast as it does from a shell.
``start_process`` starts the command detached, in a new session (its own
process group, so a stop reaches torchrun's workers too), with its output
in ``<folder>/output.log``, and writes ``<folder>/process.json``:

    {"pid": 4242, "argv": [...], "kind": "gpt", "host": "box",
     "started": "2025-...Z", "start_ticks": 123456, "log": ".../output.log"}

``start_ticks`` is the process's start time as the kernel counts it
(``/proc/<pid>/stat``, field 22), so a pid the system has since given to
another process is not mistaken for the run's. ``process_alive`` answers
from the pid and those ticks; a zombie (exited, not yet reaped) is dead.

``stop_process`` sends SIGINT to the group, which training turns into
KeyboardInterrupt and records as a stopped run; it escalates to SIGTERM and
then SIGKILL if the process has not exited in time.

Linux is assumed for the start-time check; elsewhere only the pid is used.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from neuron.errors import InvalidArgumentError
from neuron.store.records import now

__all__ = [
    "LOG_FILE",
    "PROCESS_FILE",
    "ProcessInfo",
    "log_tail",
    "process_alive",
    "read_process",
    "start_process",
    "stop_process",
]

log = logging.getLogger(__name__)

#: The sidecar naming the process that trains in a folder.
PROCESS_FILE = "process.json"

#: The process's standard output and error.
LOG_FILE = "output.log"

# The processes this interpreter started, kept so they are reaped and never
# linger as zombies.
_CHILDREN: dict[int, subprocess.Popen] = {}


@dataclasses.dataclass(frozen=True)
class ProcessInfo:
    """A launched training process, as ``process.json`` records it.

    Attributes:
        pid: the process id; also its process group id.
        argv: the command it runs.
        kind: ``"gpt"`` or ``"word2vec"``.
        host: the machine it runs on.
        started: when it was launched (UTC, ISO 8601).
        start_ticks: its start time in clock ticks since boot, or None
            where ``/proc`` is missing.
        folder: the run folder holding ``process.json``.
        log: the file receiving its output.
    """

    pid: int
    argv: tuple[str, ...]
    kind: str
    host: str
    started: str
    start_ticks: int | None
    folder: Path
    log: Path

    def to_dict(self) -> dict:
        """The JSON-ready form ``process.json`` holds."""
        return {
            "pid": self.pid,
            "argv": list(self.argv),
            "kind": self.kind,
            "host": self.host,
            "started": self.started,
            "start_ticks": self.start_ticks,
            "folder": str(self.folder),
            "log": str(self.log),
        }


def start_process(
    argv: Sequence[str],
    folder: str | os.PathLike,
    *,
    kind: str,
    env: Mapping[str, str] | None = None,
) -> ProcessInfo:
    """Start ``argv`` detached, logging to ``folder``, and record it there.

    The process inherits this one's environment (thread settings included,
    so it trains as the same command typed in a shell would), plus
    ``PYTHONUNBUFFERED=1`` so its log grows line by line, plus ``env``.

    Args:
        argv: the command, e.g. ``GptJob.argv(...)``.
        folder: the run folder; created if missing.
        kind: what it trains, ``"gpt"`` or ``"word2vec"``.
        env: extra environment variables.

    Returns:
        The ``ProcessInfo`` written to ``<folder>/process.json``.

    Raises:
        InvalidArgumentError: ``folder`` already holds a process.
        OSError: the command cannot be started.

    Side effects: starts a process in a new session; writes the folder.
    """
    folder = Path(folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / PROCESS_FILE).exists():
        raise InvalidArgumentError(
            f"expected a fresh run folder, got {folder}, which already has a "
            f"{PROCESS_FILE}; launch each run into a folder of its own"
        )
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path = folder / LOG_FILE
    with open(log_path, "ab") as output:
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=folder,
            start_new_session=True,
        )
    _CHILDREN[child.pid] = child
    info = ProcessInfo(
        pid=child.pid,
        argv=tuple(argv),
        kind=kind,
        host=socket.gethostname(),
        started=now(),
        start_ticks=_start_ticks(child.pid),
        folder=folder,
        log=log_path,
    )
    temporary = folder / (PROCESS_FILE + ".tmp")
    temporary.write_text(json.dumps(info.to_dict(), indent=1) + "\n")
    temporary.replace(folder / PROCESS_FILE)
    log.info("started %s process %d in %s", kind, child.pid, folder)
    return info


def read_process(folder: str | os.PathLike) -> ProcessInfo | None:
    """The process recorded in ``folder``, or None when it has none (or an
    unreadable one)."""
    path = Path(folder) / PROCESS_FILE
    try:
        data = json.loads(path.read_text())
        return ProcessInfo(
            pid=int(data["pid"]),
            argv=tuple(data["argv"]),
            kind=str(data["kind"]),
            host=str(data["host"]),
            started=str(data["started"]),
            start_ticks=data.get("start_ticks"),
            folder=Path(data.get("folder") or folder),
            log=Path(data["log"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def process_alive(info: ProcessInfo) -> bool | None:
    """Whether the process is still running.

    Returns:
        True or False; None when it runs on another host and cannot be
        checked from here.
    """
    if info.host != socket.gethostname():
        return None
    _reap(info.pid)
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    state, ticks = _stat(info.pid)
    if state == "Z":
        return False
    if info.start_ticks is not None and ticks is not None:
        return ticks == info.start_ticks
    return True


def stop_process(
    info: ProcessInfo, *, timeout: float = 15.0, poll: float = 0.05
) -> str | None:
    """Stop the process and its group, gently first.

    SIGINT lets training record the run as stopped; if the process is still
    there after ``timeout`` seconds, SIGTERM, and after as long again,
    SIGKILL.

    Args:
        info: the process, from ``read_process`` or ``start_process``.
        timeout: seconds to wait after each signal.
        poll: seconds between checks.

    Returns:
        The name of the last signal sent (``"SIGINT"``...), or None when the
        process had already exited.

    Raises:
        InvalidArgumentError: the process runs on another host.
    """
    alive = process_alive(info)
    if alive is None:
        raise InvalidArgumentError(
            f"expected a process on this host, got pid {info.pid} on "
            f"{info.host}; stop it there"
        )
    if not alive:
        return None
    sent = None
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(info.pid, signum)
        except ProcessLookupError:
            return sent
        sent = signum.name
        log.info("sent %s to process group %d", sent, info.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process_alive(info):
                return sent
            time.sleep(poll)
    return sent


def log_tail(info: ProcessInfo, lines: int = 20) -> str:
    """The last ``lines`` lines of the process's output ("" when none)."""
    try:
        with open(info.log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _reap(pid: int) -> None:
    """Collect the exit status of a child of ours that has exited."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]


def _stat(pid: int) -> tuple[str | None, int | None]:
    """The process's state letter and start ticks from ``/proc``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None, None
    # The command name (field 2) is in parentheses and may hold spaces.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def _start_ticks(pid: int) -> int | None:
    return _stat(pid)[1]
