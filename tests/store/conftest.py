"""Fixtures for the store tests: a real SQLite file on tmp_path, snapshots of
a file's content, and paragraphs of a real novel."""

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from neuron.store import Store

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's store file goes; nothing is created."""
    return tmp_path / "neuron.db"


@pytest.fixture
def store(db_path: Path):
    """A fresh, empty store, closed after the test."""
    with Store.open(db_path) as opened:
        yield opened


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(path: Path) -> list[str]:
    """Every row of every table (FTS shadow tables included) as SQL text.

    Compares what a file holds, whether it sits in the main file or the WAL.
    """
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def run_python(script: str, *args: str, timeout: float = 60) -> subprocess.Popen:
    """Start ``python -c script args...`` with pipes for stdout and stderr."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def austen_paragraphs() -> list[str]:
    """Paragraphs of Pride and Prejudice, read in place from shared/corpora."""
    path = CORPORA / "pride_and_prejudice.txt"
    if not path.exists():
        pytest.skip(f"corpus not found at {path}")
    text = path.read_text(encoding="utf-8-sig")
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if len(p) > 100]
