"""Fixtures for the embeddings tests: random vectors with known geometry,
a small slice of a real novel, and a store holding a recorded word2vec
run."""

from pathlib import Path

import numpy as np
import pytest

from neuron.store import Store
from neuron.text import Corpus
from neuron.word2vec import Vectors, Word2Vec
from neuron.word2vec.record import train_recorded

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"

#: Words of the novel kept for training: enough for a vocabulary, quick.
SLICE_WORDS = 50_000


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1301)


@pytest.fixture
def random_vectors(rng) -> Vectors:
    """500 words in 16 dimensions, standard normal."""
    matrix = rng.standard_normal((500, 16)).astype(np.float32)  # (500, 16)
    return Vectors([f"w{i}" for i in range(500)], matrix)


@pytest.fixture(scope="session")
def novel_slice(tmp_path_factory) -> Path:
    """The first ~50k words of Pride and Prejudice, as a text file."""
    source = CORPORA / "pride_and_prejudice.txt"
    if not source.is_file():
        pytest.skip(f"no corpus at {source}; these tests need real text")
    words = source.read_text(encoding="utf-8").split()[:SLICE_WORDS]
    path = tmp_path_factory.mktemp("corpus") / "slice.txt"
    lines = [" ".join(words[i : i + 20]) for i in range(0, len(words), 20)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path) -> Store:
    with Store.open(tmp_path / "home" / "neuron.db") as opened:
        yield opened


@pytest.fixture
def recorded(store, novel_slice):
    """A finished two-epoch word2vec run in ``store``."""
    model = Word2Vec(vector_size=16, epochs=2, min_count=5, threads=1, seed=3)
    return train_recorded(model, Corpus(novel_slice), store, name="tiny run")
