"""Fixtures for the word2vec tests: random generators, real text, a tiny
hand-made embedding whose answers are known exactly."""

from pathlib import Path

import numpy as np
import pytest

from neuron.text import Corpus
from neuron.word2vec import Vectors

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def engine_word2vec():
    """The compiled word2vec module, or None while it is not built."""
    try:
        from neuron.word2vec import engine
    except ImportError:
        return None
    return engine if hasattr(engine, "train_corpus") else None


def engine_pairs():
    """engine.train_pairs when the compiled module has it, else None."""
    engine = engine_word2vec()
    return getattr(engine, "train_pairs", None) if engine else None


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2013)


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The folder of public-domain novels shared by tests and benchmarks."""
    if not CORPORA.is_dir():
        pytest.skip(f"no corpora at {CORPORA}; the word2vec tests need real text")
    return CORPORA


@pytest.fixture(scope="session")
def novel(corpora) -> Corpus:
    """One novel (Pride and Prejudice, ~120k words), streamed from disk."""
    return Corpus(corpora / "pride_and_prejudice.txt")


@pytest.fixture(scope="session")
def novel_sentences(novel) -> list[list[str]]:
    """The first ~3,000 words of the novel as token lists, for slow paths."""
    sentences, size = [], 0
    for sentence in novel:
        sentences.append(sentence)
        size += len(sentence)
        if size > 3_000:
            break
    return sentences


@pytest.fixture
def compass() -> Vectors:
    """Eight unit vectors in 2-D at 45 degree steps, named for the compass:
    every cosine is 1, sqrt(2)/2, 0, -sqrt(2)/2 or -1."""
    angles = np.arange(8) * np.pi / 4  # (8,)
    matrix = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (8, 2)
    words = ["e", "ne", "n", "nw", "w", "sw", "s", "se"]
    return Vectors(words, matrix)
