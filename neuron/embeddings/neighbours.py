"""Nearest neighbours by cosine similarity, and analogies built on them.

Every query goes through one kernel, ``top_k``: a matrix-vector product over
the unit rows (float32, one BLAS call), then ``np.argpartition`` to find the
k best in linear time, and a sort of those k only. On 100,000 x 300 vectors
that is one pass over 120 MB of memory; no Python loop touches the rows.

A query is a word, several words (their unit vectors summed, as in
``Vectors.most_similar``), or a raw vector of the right size, for example
one saved from Canvas as a workspace object.

Legend: V words, D vector size, k neighbours asked for.
"""

from collections.abc import Iterable, Sequence

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.word2vec.vectors import Vectors

__all__ = ["analogy", "nearest", "query_vector", "top_k"]


def top_k(
    unit: np.ndarray, query: np.ndarray, k: int, exclude: Iterable[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of ``unit`` most similar to ``query``, best first.

    Args:
        unit: float32 (V, D) rows of length 1 (zero rows allowed).
        query: (D,) a query of length 1, so the scores are cosines; any
            other length scales every score alike and keeps the order.
        k: how many rows to return (fewer when there are not enough).
        exclude: row ids never returned (the query words themselves).

    Returns:
        ``(ids, scores)``: int64 (k,) row ids and float32 (k,) scores,
        the best first; ties keep the lower row id first.

    Raises:
        InvalidArgumentError: k below 1.
        ShapeError: the query is not (D,).
    """
    if k < 1:
        raise InvalidArgumentError(f"expected k >= 1, got {k}; ask for 1 or more")
    query = np.asarray(query, dtype=np.float32)
    if query.shape != (unit.shape[1],):
        raise ShapeError(
            f"expected a query of shape ({unit.shape[1]},), got {query.shape}; "
            "pass one vector of the embeddings' size"
        )

    # One product gives every cosine; excluded rows drop to -inf.
    scores = unit @ query  # (V,)
    excluded = np.fromiter(exclude, dtype=np.int64)
    if excluded.size:
        scores[excluded] = -np.inf
    k = min(k, len(scores) - len(np.unique(excluded)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)

    # Partition to the k best (linear time), then sort only those.
    best = np.argpartition(-scores, k - 1)[:k]  # (k,) unordered
    order = np.lexsort((best, -scores[best]))  # by score, then by row id
    best = best[order]  # (k,)
    return best.astype(np.int64), scores[best]


def query_vector(
    vectors: Vectors,
    positive: str | Sequence[str] | np.ndarray,
    negative: Sequence[str] = (),
) -> tuple[np.ndarray, list[int]]:
    """The unit query vector of words or of a raw vector.

    Args:
        vectors: the embeddings.
        positive: a word, several words (their unit vectors are added), or a
            (D,) array used as it is.
        negative: words whose unit vectors are subtracted.

    Returns:
        ``(query, ids)``: float32 (D,) of length 1 (zero stays zero), and
        the row ids of the words used, to exclude from the answers.

    Raises:
        UnknownWordError: a word is not in the vocabulary.
        ShapeError: a raw vector of the wrong size.
        InvalidArgumentError: no word and no vector.
    """
    if isinstance(positive, np.ndarray):
        raw = positive.astype(np.float32).reshape(-1)  # (D,)
        if positive.ndim != 1 or raw.shape[0] != vectors.vector_size:
            raise ShapeError(
                f"expected a query vector of shape ({vectors.vector_size},), got "
                f"{positive.shape}; pick a 1-D vector of the embeddings' size"
            )
        ids: list[int] = []
        query = raw  # (D,)
    else:
        words = [positive] if isinstance(positive, str) else list(positive)
        if not words and not negative:
            raise InvalidArgumentError(
                "expected at least one query word, got none; type a word"
            )
        ids = vectors.ids([*words, *negative]).tolist()
        signs = np.array([1.0] * len(words) + [-1.0] * len(negative))  # (n,)
        query = (signs[:, None] * vectors.unit[ids]).sum(axis=0)  # (D,)

    norm = float(np.linalg.norm(query))
    return (query / max(norm, 1e-12)).astype(np.float32), ids


def nearest(
    vectors: Vectors,
    query: str | Sequence[str] | np.ndarray,
    k: int = 10,
    *,
    negative: Sequence[str] = (),
    exclude: Iterable[str] = (),
) -> list[tuple[str, float]]:
    """The k words nearest by cosine to a word, words or a vector.

    Args:
        vectors: the embeddings.
        query: a word, words (summed unit vectors) or a (D,) vector.
        k: how many neighbours.
        negative: words subtracted from the query.
        exclude: more words never to return (unknown ones are ignored);
            the query words are always excluded.

    Returns:
        (word, cosine) pairs, the nearest first.

    Raises:
        UnknownWordError: a query word is not in the vocabulary.
        ShapeError: a raw vector of the wrong size.
        InvalidArgumentError: k below 1, or an empty query.
    """
    unit_query, ids = query_vector(vectors, query, negative)
    skip = ids + [vectors.index[w] for w in exclude if w in vectors.index]
    best, scores = top_k(vectors.unit, unit_query, k, skip)
    return [(vectors.words[i], float(s)) for i, s in zip(best, scores, strict=True)]


def analogy(
    vectors: Vectors, a: str, b: str, c: str, k: int = 10
) -> list[tuple[str, float]]:
    """The words nearest to a - b + c (king - man + woman ~ queen).

    The query is unit(a) - unit(b) + unit(c), normalised; the score of a
    word is its cosine with that query, as gensim's ``most_similar(
    positive=[a, c], negative=[b])`` reports it. The ranking is that of the
    3CosAdd objective cos(x, a) - cos(x, b) + cos(x, c) (Mikolov et al.,
    2013), since both differ by the query's length only. a, b and c are
    never returned.

    Args:
        vectors: the embeddings.
        a, b, c: the words of a - b + c.
        k: how many answers.

    Returns:
        (word, cosine) pairs, the best first.

    Raises:
        UnknownWordError: naming every unknown word among a, b and c.
    """
    return nearest(vectors, [a, c], k, negative=[b])
