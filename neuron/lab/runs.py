"""Runs launched from Code Lab: start, find their process, say their state,
stop and resume them.

Each launch gets a run folder, ``<store folder>/runs/<kind>-<time>-<id>/``,
holding the checkpoints, the output log and ``process.json`` (see
``neuron.lab.process``). A run finds its folder from its record: a GPT
run's config names its tokenizer file, written into the folder by
training; a word2vec job writes ``run.json`` with the run's id there.

The store alone cannot tell a live run from a dead one: a process killed
with SIGKILL (or by the machine going down) never gets to mark its run, so
the run stays ``"running"`` in the store forever. ``run_state`` asks the
process, and calls such a run ``"died"``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import uuid
from pathlib import Path

from neuron.errors import InvalidArgumentError, RunStateError
from neuron.lab.jobs import GptJob, Word2vecJob
from neuron.lab.process import (
    ProcessInfo,
    process_alive,
    read_process,
    start_process,
    stop_process,
)
from neuron.lab.word2vec_job import RUN_FILE

__all__ = [
    "DIED",
    "DIED_ERROR",
    "Launch",
    "launch_gpt",
    "launch_word2vec",
    "new_run_folder",
    "resume_run",
    "run_folder",
    "run_kind",
    "run_process",
    "run_state",
    "stop_run",
]

log = logging.getLogger(__name__)

#: The state of a run whose process is gone while the store says running.
DIED = "died"

#: The summary error a died run is marked failed with.
DIED_ERROR = "process died"


@dataclasses.dataclass(frozen=True)
class Launch:
    """A training process started from Code Lab.

    Attributes:
        process: the process (pid, argv, folder, log file).
        command: the shell line that runs the same training by hand.
    """

    process: ProcessInfo
    command: str

    @property
    def pid(self) -> int:
        """The process id (and process group id)."""
        return self.process.pid

    @property
    def folder(self) -> Path:
        """The run folder: checkpoints, log and ``process.json``."""
        return self.process.folder

    @property
    def log_path(self) -> Path:
        """The file receiving the process's output."""
        return self.process.log


def new_run_folder(store_path: str | Path, kind: str) -> Path:
    """A fresh folder name for a run, beside the store
    (``<store folder>/runs/gpt-20250101-120000-1a2b3c``); not created."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    unique = uuid.uuid4().hex[:6]
    return Path(store_path).absolute().parent / "runs" / f"{kind}-{stamp}-{unique}"


def launch_gpt(
    job: GptJob,
    store_path: str | Path,
    *,
    processes: int = 1,
    out_dir: str | Path | None = None,
    resume: str | Path | None = None,
) -> Launch:
    """Start training ``job`` in a background process.

    Runs ``python -m neuron.transformer.train ...`` (or, for several
    processes, the same module under ``python -m torch.distributed.run
    --standalone --nproc_per_node N``), detached, with this interpreter's
    environment.

    Args:
        job: what to train.
        store_path: the store the run is recorded in.
        processes: local processes, N >= 1; N must divide the batch.
        out_dir: the run folder; a fresh one beside the store when None.
        resume: a checkpoint to continue from.

    Returns:
        The ``Launch``. The run appears in the store once the process has
        read its data and built its model (a second or more).

    Raises:
        InvalidArgumentError: a bad number of processes, a folder in use.
        OSError: the process cannot be started.
    """
    folder = Path(out_dir) if out_dir else new_run_folder(store_path, "gpt")
    where = dict(store_path=store_path, out_dir=folder, resume=resume)
    argv = job.argv(processes=processes, **where)
    info = start_process(argv, folder, kind="gpt")
    return Launch(info, job.torchrun_command(processes=processes, **where))


def launch_word2vec(
    job: Word2vecJob, store_path: str | Path, *, out_dir: str | Path | None = None
) -> Launch:
    """Start training a word2vec ``job`` in a background process
    (``python -m neuron.lab.word2vec_job``); see ``launch_gpt``."""
    import shlex

    folder = Path(out_dir) if out_dir else new_run_folder(store_path, "word2vec")
    argv = job.argv(store_path=store_path, out_dir=folder)
    info = start_process(argv, folder, kind="word2vec")
    return Launch(info, shlex.join(["python", *argv[1:]]))


def run_kind(run) -> str:
    """``"gpt"``, ``"word2vec"`` or ``"other"``, from the run's config."""
    config = run.config
    if config.get("kind") == "word2vec":
        return "word2vec"
    if "model" in config and "train" in config:
        return "gpt"
    return "other"


def run_folder(store, run) -> Path | None:
    """The folder of a run's files, when it can be found.

    A GPT run's is where its tokenizer file was written (training records
    that path); a word2vec run's is the folder of its snapshots, or the
    Code Lab folder whose ``run.json`` names it.
    """
    tokenizer_file = run.config.get("tokenizer_file")
    if tokenizer_file:
        return Path(tokenizer_file).parent
    if run_kind(run) != "word2vec":
        return None
    root = Path(store.path).parent / "runs"
    for folder in sorted(root.glob("word2vec-*"), reverse=True):
        try:
            named = json.loads((folder / RUN_FILE).read_text())["run_id"]
        except (OSError, ValueError, KeyError):
            continue
        if named == run.id:
            return folder
    return None


def run_process(store, run) -> ProcessInfo | None:
    """The process Code Lab launched for ``run``, or None (not launched
    from Code Lab, or its folder is gone)."""
    folder = run_folder(store, run)
    return None if folder is None else read_process(folder)


def run_state(store, run, *, mark: bool = False) -> str:
    """Where a run stands: its store status, or ``"died"``.

    Args:
        store: the open store holding the run.
        run: a ``Run`` (as listed; it is read again when it matters).
        mark: also mark a died run failed in the store, with summary
            ``{"error": "process died"}``, so every reader sees it.

    Returns:
        ``"running"``, ``"finished"``, ``"failed"``, ``"stopped"`` or
        ``"died"``: a run the store calls running whose process has exited,
        or one marked failed by ``mark``. A run not launched from Code Lab,
        or running on another host, keeps its store status: nothing here
        can see its process.

    Side effects: with ``mark``, may write the store.
    """
    if run.status != "running":
        return DIED if run.summary.get("error") == DIED_ERROR else run.status
    info = run_process(store, run)
    if info is None or process_alive(info) is not False:
        return "running"

    # The process has exited; it may have closed the run just before.
    fresh = store.get_run(run.id)
    if fresh.status != "running":
        return run_state(store, fresh)
    if mark:
        summary = {"error": DIED_ERROR, "pid": info.pid, "log": str(info.log)}
        try:
            store.finish_run(run.id, "failed", summary=summary)
        except RunStateError:  # closed by its process meanwhile
            return run_state(store, store.get_run(run.id))
        log.info("run %d: process %d died; marked failed", run.id, info.pid)
    return DIED


def stop_run(store, run, *, timeout: float = 15.0) -> str:
    """Stop a running run's process and return the run's state after.

    Sends SIGINT (training records the run as stopped), then SIGTERM and
    SIGKILL if the process outlives ``timeout`` seconds after each. A run
    its process could not close is marked stopped here.

    Raises:
        InvalidArgumentError: the run has no process Code Lab knows of.
    """
    info = run_process(store, run)
    if info is None:
        raise InvalidArgumentError(
            f"expected a run launched from Code Lab, got run {run.id} "
            f"({run.name!r}) with no process.json in its folder; stop it where "
            "it was started (Ctrl-C)"
        )
    signal_sent = stop_process(info, timeout=timeout)
    fresh = store.get_run(run.id)
    if fresh.status == "running" and signal_sent is not None:
        summary = {"error": f"stopped by Code Lab with {signal_sent}"}
        with contextlib.suppress(RunStateError):  # closed meanwhile
            store.finish_run(run.id, "stopped", summary=summary)
    return run_state(store, store.get_run(run.id), mark=True)


def resume_run(store, run, *, processes: int = 1, steps: int | None = None) -> Launch:
    """Continue a GPT run from its last checkpoint, as a new run.

    The new process trains with the run's recorded model, settings and
    data, from the checkpoint's step to the recorded last step; its run
    records ``resumed_from``. A died run is marked failed first.

    Args:
        store: the open store.
        run: a GPT run that is not running.
        processes: local processes for the new run.
        steps: the step to train to; the run's own last step when None
            (a different one also stretches the learning-rate schedule).

    Raises:
        InvalidArgumentError: the run is running, has no checkpoint, or is
            not a GPT run.
        NotImplementedError: a word2vec run (it cannot resume).
    """
    if run_kind(run) == "word2vec":
        raise NotImplementedError(
            "word2vec runs cannot be resumed (training keeps no optimizer "
            "state between epochs); start a new run instead"
        )
    state = run_state(store, run, mark=True)
    if state == "running":
        raise InvalidArgumentError(
            f"expected a run that has ended, got run {run.id} still running; "
            "stop it first"
        )
    checkpoints = store.checkpoints(run.id)
    if not checkpoints:
        raise InvalidArgumentError(
            f"expected a checkpoint to resume run {run.id} from, got none; "
            "start runs with a checkpoint interval so they can be resumed"
        )
    job = GptJob.from_run(run.config, name=run.name)
    if steps is not None:
        job = dataclasses.replace(job, train={**job.train, "steps": steps})
    store_path = store.path
    return launch_gpt(
        job, store_path, processes=processes, resume=checkpoints[-1]["path"]
    )
