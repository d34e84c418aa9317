"""Timing nearest-neighbour queries against gensim, on the same vectors.

Both sides answer "the k words nearest by cosine to this word" over the
same seeded random float32 (n, D) vectors: neuron with
``neuron.embeddings.nearest``, gensim with ``KeyedVectors.most_similar``,
the tool a user would otherwise pick. Each is warmed up once first (both
normalise the rows on the first query and keep them), then timed on
``repeats`` different query words; the median is reported, so one slow call
does not move the result. The answers are compared too: a fast wrong answer
is no answer.

The library returns a record; ``neuron bench neighbours`` formats it.
"""

import dataclasses
import functools
import importlib.util
import statistics
import time

import numpy as np

from neuron.embeddings.neighbours import nearest
from neuron.errors import InvalidArgumentError
from neuron.word2vec.vectors import Vectors

__all__ = ["NeighboursBench", "bench_neighbours", "random_vectors"]


@dataclasses.dataclass(frozen=True)
class NeighboursBench:
    """One timing of top-k nearest neighbours.

    Attributes:
        n: words in the table.
        dim: the vector size.
        k: neighbours asked for.
        repeats: timed queries behind each median.
        neuron_ms: median milliseconds of one neuron query.
        gensim_ms: median milliseconds of one gensim query; None when
            gensim is not installed.
        ratio_vs_gensim: gensim_ms / neuron_ms; above 1 means neuron is
            faster. None without gensim.
        same_answers: True when both returned the same words for every
            query (order included), None without gensim.
        seed: the seed of the random vectors and query words.
    """

    n: int
    dim: int
    k: int
    repeats: int
    neuron_ms: float
    gensim_ms: float | None
    ratio_vs_gensim: float | None
    same_answers: bool | None
    seed: int


def random_vectors(n: int, dim: int, seed: int = 0) -> Vectors:
    """Seeded standard-normal float32 vectors named ``w0``, ``w1``, ...

    Raises:
        InvalidArgumentError: n below 2 or dim below 1.
    """
    if n < 2 or dim < 1:
        raise InvalidArgumentError(
            f"expected n >= 2 and dim >= 1, got n={n} and dim={dim}; pass larger sizes"
        )
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, dim), dtype=np.float32)  # (n, dim)
    return Vectors([f"w{i}" for i in range(n)], matrix)


def gensim_available() -> bool:
    """Whether gensim can be imported."""
    return importlib.util.find_spec("gensim") is not None


def bench_neighbours(
    n: int = 100_000, dim: int = 300, k: int = 10, repeats: int = 9, seed: int = 0
) -> NeighboursBench:
    """Time neuron's and gensim's top-k queries on the same vectors.

    Args:
        n: words in the table.
        dim: the vector size.
        k: neighbours per query.
        repeats: timed queries per tool (each a different word).
        seed: seeds the vectors and the choice of query words.

    Returns:
        A ``NeighboursBench``.

    Raises:
        InvalidArgumentError: a size below its minimum.
    """
    if k < 1 or repeats < 1:
        raise InvalidArgumentError(
            f"expected k >= 1 and repeats >= 1, got k={k} and repeats={repeats}"
        )
    vectors = random_vectors(n, dim, seed)
    rng = np.random.default_rng(seed + 1)
    queries = [vectors.words[i] for i in rng.integers(0, n, size=repeats)]

    # Warm-up: both normalise the rows on the first query and keep them.
    ours = functools.partial(nearest, vectors, k=k)
    ours(queries[0])
    if not gensim_available():
        _, (ours_ms,) = _timed([ours], queries)
        return NeighboursBench(n, dim, k, repeats, ours_ms, None, None, None, seed)

    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=dim)
    keyed.add_vectors(vectors.words, vectors.matrix)
    theirs = functools.partial(keyed.most_similar, topn=k)
    theirs(queries[0])

    # Alternate the two on each word, so a busy moment of the machine
    # falls on both alike.
    (answers, peer_answers), (ours_ms, theirs_ms) = _timed([ours, theirs], queries)
    same = all(
        [w for w, _ in a] == [w for w, _ in b]
        for a, b in zip(answers, peer_answers, strict=True)
    )
    ratio = theirs_ms / ours_ms
    return NeighboursBench(n, dim, k, repeats, ours_ms, theirs_ms, ratio, same, seed)


def _timed(tools: list, words: list[str]) -> tuple[list[list], list[float]]:
    """Each tool's answers and median milliseconds, the tools taking turns."""
    answers: list[list] = [[] for _ in tools]
    times: list[list[float]] = [[] for _ in tools]
    for word in words:
        for i, tool in enumerate(tools):
            start = time.perf_counter()
            answers[i].append(tool(word))
            times[i].append(time.perf_counter() - start)
    return answers, [statistics.median(t) * 1e3 for t in times]
