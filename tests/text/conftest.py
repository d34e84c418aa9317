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


@pytest.fixture(scope="session")
def shakespeare(corpora) -> str:
    """The first 200,000 characters of tinyshakespeare.txt: enough for
    tokenizers to learn real merges in well under a second."""
    return (corpora / "tinyshakespeare.txt").read_text(encoding="utf-8")[:200_000]


@pytest.fixture(scope="session")
def small_bpe(shakespeare):
    """A byte-level BPE of 600 ids (343 merges and <|endoftext|>), trained
    once for the session on Shakespeare."""
    from neuron.text import ByteBPE

    return ByteBPE.train(shakespeare, vocab_size=600)


#: A WordPiece vocabulary small enough to read: BERT's special tokens, a few
#: words, continuations and punctuation.
TINY_WORDPIECE = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "un", "una", "##ff", "##ffa", "##ble", "##s", "cafe", "play",
    "##ing", "##ed", "world", "a", "b", "c", "!", ",", ".", "'", "世", "界",
]  # fmt: skip
