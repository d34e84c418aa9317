"""Fixtures for the text tests: the shared public-domain corpora (read in
place, never copied into the repository) and a loopback file server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.text.servers import FileServer

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The folder of real English texts, or a skip saying where it should be."""
    if not (CORPORA / "pride_and_prejudice.txt").is_file():
        pytest.skip(f"the shared corpora are not at {CORPORA}")
    return CORPORA


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    """A real HTTP server on 127.0.0.1 serving what the test puts in it."""
    server = FileServer().start()
    yield server
    server.stop()
