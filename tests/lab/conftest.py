"""Fixtures for Code Lab: a small text, a store, tiny GPT jobs, and a wait
for the background processes they start."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from neuron.lab import GptJob
from neuron.store import Store

WORDS = ("the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far", "birds")


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    """About 16 KB of seeded word soup to train on."""
    chooser = random.Random(0)
    path = tmp_path / "soup.txt"
    path.write_text(" ".join(chooser.choice(WORDS) for _ in range(4000)))
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A new store's file; the launched processes open it themselves."""
    return tmp_path / "lab" / "neuron.db"


@pytest.fixture
def store(store_path: Path):
    with Store.open(store_path) as opened:
        yield opened


def tiny_job(text: Path, **train) -> GptJob:
    """A GPT small enough to take a few ms per step on the CPU."""
    settings = dict(
        steps=20,
        batch_size=4,
        warmup=2,
        log_interval=2,
        eval_interval=10,
        eval_batches=1,
        checkpoint_interval=10,
        sample_tokens=5,
        peak_flops=1e9,  # skips measuring the machine's matmul rate
        device="cpu",
    )
    return GptJob(
        text, layers=1, d_model=16, heads=2, context=16, train={**settings, **train}
    )


def wait_for(
    condition: Callable[[], object], *, timeout: float = 60.0, what: str = "it"
):
    """Poll ``condition`` until it returns something truthy, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
