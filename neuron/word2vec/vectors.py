"""Trained word vectors and the questions asked of them.

A ``Vectors`` object holds words and a float32 matrix whose row i is the
vector of ``words[i]``; for a trained model the words are ordered from the
most to the least frequent, so "the first n words" means "the n most
frequent". Every similarity here is the cosine, computed from unit vectors
kept in a cache.

Legend: V words, D vector size, Q questions answered in one batch.
"""

from collections.abc import Iterable, Sequence

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError, UnknownWordError

__all__ = ["Vectors"]

# 3CosMul divides by a shifted cosine that can reach 0; Levy and Goldberg
# (2014) add this epsilon to the denominator.
COSMUL_EPSILON = 1e-3


class Vectors:
    """Words and their vectors, with similarity and analogy queries.

    Args:
        words: the words, unique, in row order.
        matrix: the vectors, (V, D); stored as float32 (copied if needed).

    Raises:
        ShapeError: the matrix is not (len(words), D).
        InvalidArgumentError: a word appears twice.
    """

    def __init__(self, words: Sequence[str], matrix: np.ndarray) -> None:
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)  # (V, D)
        words = list(words)
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise ShapeError(
                f"expected a matrix of shape ({len(words)}, D) for {len(words)} "
                f"words, got {matrix.shape}; give one row per word"
            )
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        if len(self.index) != len(words):
            seen: set[str] = set()
            twice = [w for w in words if w in seen or seen.add(w)]
            raise InvalidArgumentError(
                f"expected unique words, got {twice[:5]} more than once; "
                "remove the duplicates"
            )
        self.matrix = matrix
        self._unit: np.ndarray | None = None

    # ---- basics --------------------------------------------------------

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, {self.vector_size} dimensions)"

    @property
    def vector_size(self) -> int:
        """D, the number of dimensions."""
        return self.matrix.shape[1]

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """The vector of a word, (D,), or of a list of words, (n, D) (copies)."""
        if isinstance(word, str):
            return self.matrix[self.ids([word])[0]].copy()  # (D,)
        return self.matrix[self.ids(word)]  # (n, D)

    def ids(self, words: Iterable[str]) -> np.ndarray:
        """Row numbers of words, int64 (n,).

        Raises:
            UnknownWordError: naming every word not in the vectors.
        """
        words = list(words)
        unknown = [w for w in words if w not in self.index]
        if unknown:
            raise UnknownWordError(unknown)
        return np.array([self.index[w] for w in words], dtype=np.int64)  # (n,)

    @property
    def unit(self) -> np.ndarray:
        """The rows scaled to length 1 (zero rows stay zero), (V, D) float32."""
        if self._unit is None:
            norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)  # (V, 1)
            self._unit = self.matrix / np.maximum(norms, 1e-12)  # (V, D)
        return self._unit

    def restrict(self, n: int) -> "Vectors":
        """A new Vectors holding the first n words (the most frequent ones)."""
        return Vectors(self.words[:n], self.matrix[:n])

    # ---- similarity ------------------------------------------------------

    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        i, j = self.ids([word1, word2])
        return float(self.unit[i] @ self.unit[j])

    def most_similar(
        self,
        positive: str | Sequence[str] = (),
        negative: str | Sequence[str] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The words nearest by cosine to the mean of some unit vectors.

        The query is sum(unit(positive)) - sum(unit(negative)); the query words
        themselves are never returned.

        Args:
            positive: a word or words pulling towards them.
            negative: a word or words pushing away.
            topn: how many words to return.
            restrict_vocab: only consider the first n words.

        Returns:
            (word, cosine) pairs, the most similar first.

        Raises:
            UnknownWordError: naming every query word not in the vectors.
            InvalidArgumentError: no query words at all.
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise InvalidArgumentError(
                "expected at least one word in positive or negative, got none; "
                "pass positive=['word']"
            )
        ids = self.ids(positive + negative)  # (n,)
        signs = np.array([1.0] * len(positive) + [-1.0] * len(negative))  # (n,)
        query = (signs[:, None] * self.unit[ids]).sum(axis=0)  # (D,)
        query /= max(np.linalg.norm(query), 1e-12)

        scores = self._candidates(restrict_vocab) @ query  # (V',)
        return self._top(scores, set(ids.tolist()), topn)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word least like the others: the one farthest from their mean.

        Raises:
            UnknownWordError: naming every word not in the vectors.
        """
        words = list(words)
        unit = self.unit[self.ids(words)]  # (n, D)
        mean = unit.mean(axis=0)  # (D,)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # ---- analogies -------------------------------------------------------

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "3cosadd",
        topn: int = 1,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Answer "a is to b as c is to ?" (the ? is near b - a + c).

        Two objectives (Levy and Goldberg, 2014), over candidates x other than
        a, b and c, with cos the cosine similarity:

        - ``"3cosadd"``: cos(x, b) - cos(x, a) + cos(x, c) (Mikolov et al.).
        - ``"3cosmul"``: cos'(x, b) cos'(x, c) / (cos'(x, a) + 0.001), with
          cos' = (cos + 1) / 2 shifted to [0, 1]; one large term can no longer
          outvote the other two.

        Args:
            a, b, c: the three known words.
            method: ``"3cosadd"`` or ``"3cosmul"``.
            topn: how many candidates to return.
            restrict_vocab: only consider the first n words as answers.

        Returns:
            (word, objective) pairs, the best first.

        Raises:
            UnknownWordError: naming every unknown word among a, b and c.
            InvalidArgumentError: an unknown method.
        """
        ids = self.ids([a, b, c])  # (3,)
        scores = self.analogy_scores(ids[None, :], method, restrict_vocab)[0]
        return self._top(scores, set(ids.tolist()), topn)

    def analogy_scores(
        self,
        questions: np.ndarray,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> np.ndarray:
        """The analogy objective of every candidate for a batch of questions.

        Args:
            questions: row ids of (a, b, c), int (Q, 3).
            method: ``"3cosadd"`` or ``"3cosmul"``.
            restrict_vocab: score only the first n words.

        Returns:
            float32 (Q, V') scores, V' = min(V, restrict_vocab). The question
            words are not excluded here; callers do that.
        """
        if method not in ("3cosadd", "3cosmul"):
            raise InvalidArgumentError(
                f"expected method '3cosadd' or '3cosmul', got {method!r}; "
                "pass one of those"
            )
        candidates = self._candidates(restrict_vocab)  # (V', D)
        a, b, c = (self.unit[questions[:, j]] for j in range(3))  # (Q, D) each
        cos_a = a @ candidates.T  # (Q, V')
        cos_b = b @ candidates.T  # (Q, V')
        cos_c = c @ candidates.T  # (Q, V')
        if method == "3cosadd":
            return cos_b - cos_a + cos_c  # (Q, V')

        # Shift to [0, 1] so that products and ratios of cosines make sense.
        shifted_a, shifted_b, shifted_c = ((x + 1) / 2 for x in (cos_a, cos_b, cos_c))
        return shifted_b * shifted_c / (shifted_a + COSMUL_EPSILON)  # (Q, V')

    # ---- helpers ---------------------------------------------------------

    def _candidates(self, restrict_vocab: int | None) -> np.ndarray:
        if restrict_vocab is None:
            return self.unit  # (V, D)
        return self.unit[:restrict_vocab]  # (V', D)

    def _top(
        self, scores: np.ndarray, exclude: set[int], topn: int
    ) -> list[tuple[str, float]]:
        scores = scores.astype(np.float64)  # (V',)
        for i in exclude:
            if i < len(scores):
                scores[i] = -np.inf
        n = min(topn, len(scores) - sum(i < len(scores) for i in exclude))
        if n <= 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]  # (n,) unordered
        best = best[np.argsort(-scores[best], kind="stable")]  # (n,)
        return [(self.words[i], float(scores[i])) for i in best]
