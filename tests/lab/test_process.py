"""Detached processes: their sidecar, their liveness, and stopping them."""

from __future__ import annotations

import json
import os
import signal
import sys

import pytest

from neuron.errors import InvalidArgumentError
from neuron.lab.process import (
    PROCESS_FILE,
    log_tail,
    process_alive,
    read_process,
    start_process,
    stop_process,
)

from .conftest import wait_for

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]

# Ignores SIGINT, so stopping must escalate.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "print('up', flush=True); time.sleep(60)",
]


def test_start_writes_the_sidecar_and_the_log(tmp_path):
    info = start_process(SLEEPER, tmp_path / "run", kind="gpt")
    try:
        recorded = json.loads((tmp_path / "run" / PROCESS_FILE).read_text())
        assert recorded["pid"] == info.pid
        assert recorded["argv"] == SLEEPER
        assert read_process(tmp_path / "run") == info
        wait_for(lambda: "up" in log_tail(info), what="the output")
    finally:
        os.killpg(info.pid, signal.SIGKILL)


def test_a_folder_is_used_by_one_process_only(tmp_path):
    info = start_process(SLEEPER, tmp_path, kind="gpt")
    try:
        with pytest.raises(InvalidArgumentError, match="folder of its own"):
            start_process(SLEEPER, tmp_path, kind="gpt")
    finally:
        os.killpg(info.pid, signal.SIGKILL)


def test_a_killed_process_is_dead_even_before_it_is_reaped(tmp_path):
    info = start_process(SLEEPER, tmp_path, kind="gpt")
    assert process_alive(info) is True

    os.killpg(info.pid, signal.SIGKILL)

    wait_for(lambda: process_alive(info) is False, what="the process to die")


def test_a_reused_pid_is_not_the_process(tmp_path):
    info = start_process(SLEEPER, tmp_path, kind="gpt")
    try:
        recorded = json.loads((tmp_path / PROCESS_FILE).read_text())
        recorded["start_ticks"] += 1
        (tmp_path / PROCESS_FILE).write_text(json.dumps(recorded))
        assert process_alive(read_process(tmp_path)) is False
    finally:
        os.killpg(info.pid, signal.SIGKILL)


def test_a_process_on_another_host_cannot_be_judged(tmp_path):
    info = start_process(SLEEPER, tmp_path, kind="gpt")
    try:
        recorded = json.loads((tmp_path / PROCESS_FILE).read_text())
        recorded["host"] = "elsewhere"
        (tmp_path / PROCESS_FILE).write_text(json.dumps(recorded))
        assert process_alive(read_process(tmp_path)) is None
    finally:
        os.killpg(info.pid, signal.SIGKILL)


def test_stop_sends_sigint_first(tmp_path):
    info = start_process(SLEEPER, tmp_path, kind="gpt")

    assert stop_process(info, timeout=5) == "SIGINT"
    assert process_alive(info) is False


def test_stop_escalates_when_sigint_is_ignored(tmp_path):
    info = start_process(STUBBORN, tmp_path, kind="gpt")
    wait_for(lambda: "up" in log_tail(info), what="the handler to be set")

    assert stop_process(info, timeout=0.5) == "SIGTERM"
    assert process_alive(info) is False


def test_stopping_an_exited_process_sends_nothing(tmp_path):
    info = start_process([sys.executable, "-c", "pass"], tmp_path, kind="gpt")
    wait_for(lambda: process_alive(info) is False, what="the exit")

    assert stop_process(info) is None
