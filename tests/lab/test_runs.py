"""Real training runs launched in the background: they record, stop,
die, resume, and say which of these they did."""

from __future__ import annotations

import os
import signal

import pytest

from neuron.errors import InvalidArgumentError
from neuron.lab import (
    Word2vecJob,
    launch_gpt,
    launch_word2vec,
    resume_run,
    run_state,
    run_table,
    stop_run,
)
from neuron.lab.process import log_tail
from neuron.lab.runs import DIED_ERROR, run_process

from .conftest import tiny_job, wait_for

pytestmark = pytest.mark.slow  # each test starts Python and torch (seconds)


def only_run(store):
    runs = store.list_runs()
    return runs[0] if runs else None


def ended(store, run_id):
    run = store.get_run(run_id)
    return run if run.status != "running" else None


def losses(store, run_id):
    return [step for step, _, _ in store.metrics(run_id, "loss")]


def test_a_launched_gpt_run_trains_and_records(store, store_path, text_file):
    launch = launch_gpt(tiny_job(text_file), store_path)

    run = wait_for(lambda: only_run(store), what="the run to appear")
    run = wait_for(lambda: ended(store, run.id), what=log_tail(launch.process))

    assert run.status == "finished", log_tail(launch.process)
    assert run_state(store, run) == "finished"
    assert losses(store, run.id) == list(range(2, 21, 2))
    assert [c["step"] for c in store.checkpoints(run.id)] == [10, 20]
    assert run_process(store, run).pid == launch.pid
    assert "recorded as run" in log_tail(launch.process)


def test_stop_marks_the_run_stopped_and_resume_continues_it(
    store, store_path, text_file
):
    job = tiny_job(text_file, steps=100_000, log_interval=1, checkpoint_interval=5)
    launch_gpt(job, store_path)
    run = wait_for(lambda: only_run(store), what="the run to appear")
    wait_for(lambda: store.checkpoints(run.id), what="a checkpoint")

    assert run_state(store, run) == "running"
    assert stop_run(store, run, timeout=10) == "stopped"

    last = store.checkpoints(run.id)[-1]["step"]
    resumed = resume_run(store, store.get_run(run.id), steps=last + 6)
    wait_for(lambda: len(store.list_runs()) == 2, what="the new run")
    new = store.list_runs()[0]
    again = wait_for(lambda: ended(store, new.id), what=log_tail(resumed.process))
    assert again.status == "finished", log_tail(resumed.process)
    assert again.config["resumed_from"].endswith(f"checkpoint-{last:06d}.pt")
    assert losses(store, again.id) == list(range(last + 1, last + 7))


def test_a_killed_run_is_shown_died_and_can_be_marked(store, store_path, text_file):
    launch = launch_gpt(tiny_job(text_file, steps=100_000), store_path)
    run = wait_for(lambda: only_run(store), what="the run to appear")
    wait_for(lambda: store.metrics(run.id), what="a first metric")

    os.killpg(launch.pid, signal.SIGKILL)
    wait_for(lambda: run_state(store, run) == "died", what="the run to die")

    assert store.get_run(run.id).status == "running"  # nobody closed it
    assert run_table(store)["status"].to_list() == ["died"]
    assert run_state(store, run, mark=True) == "died"
    closed = store.get_run(run.id)
    assert (closed.status, closed.summary["error"]) == ("failed", DIED_ERROR)
    assert run_state(store, closed) == "died"


def test_a_running_run_cannot_be_resumed(store, store_path, text_file):
    launch = launch_gpt(tiny_job(text_file, steps=100_000), store_path)
    try:
        run = wait_for(lambda: only_run(store), what="the run to appear")
        with pytest.raises(InvalidArgumentError, match="stop it first"):
            resume_run(store, run)
    finally:
        os.killpg(launch.pid, signal.SIGKILL)


def test_a_word2vec_job_trains_and_records(store, store_path, text_file):
    job = Word2vecJob(text_file, vector_size=8, min_count=1, epochs=2, threads=1)
    launch = launch_word2vec(job, store_path)

    run = wait_for(lambda: only_run(store), what="the run to appear")
    run = wait_for(lambda: ended(store, run.id), what=log_tail(launch.process))

    assert run.status == "finished", log_tail(launch.process)
    assert run.config["kind"] == "word2vec"
    assert [c["step"] for c in store.checkpoints(run.id)] == [1, 2]
    assert run_process(store, run).pid == launch.pid
    assert run_table(store)["kind"].to_list() == ["word2vec"]
