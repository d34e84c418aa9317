"""Top-k cosine neighbours against a brute-force NumPy answer, raw vector
queries, exclusions, analogies, and refused input."""

import numpy as np
import pytest

from neuron.embeddings import analogy, nearest, query_vector, top_k
from neuron.embeddings.bench import random_vectors as bench_vectors
from neuron.errors import InvalidArgumentError, ShapeError, UnknownWordError


def brute_force(matrix: np.ndarray, query: np.ndarray, k: int, skip: set[int]):
    """Every cosine in float64, a full sort, the excluded rows dropped."""
    rows = matrix.astype(np.float64)
    cosines = rows @ query / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    order = [i for i in np.argsort(-cosines, kind="stable") if i not in skip]
    return order[:k], cosines[order[:k]]


class TestNearest:
    @pytest.mark.parametrize("k", [1, 10, 499])
    def test_matches_brute_force_for_a_word(self, random_vectors, k):
        found = nearest(random_vectors, "w7", k)
        ids, cosines = brute_force(
            random_vectors.matrix, random_vectors.matrix[7], k, {7}
        )
        assert [w for w, _ in found] == [f"w{i}" for i in ids]
        np.testing.assert_allclose([s for _, s in found], cosines, atol=1e-5)

    def test_a_raw_vector_excludes_nothing(self, random_vectors, rng):
        query = rng.standard_normal(16)  # (16,)
        found = nearest(random_vectors, query, 5)
        ids, cosines = brute_force(random_vectors.matrix, query, 5, set())
        assert [w for w, _ in found] == [f"w{i}" for i in ids]
        np.testing.assert_allclose([s for _, s in found], cosines, atol=1e-5)

    def test_a_vector_of_a_word_finds_the_word_first(self, random_vectors):
        found = nearest(random_vectors, random_vectors["w3"], 1)
        assert found[0][0] == "w3"
        assert found[0][1] == pytest.approx(1.0, abs=1e-6)

    def test_several_words_query_their_summed_unit_vectors(self, random_vectors):
        found = nearest(random_vectors, ["w1", "w2"], 5, negative=["w3"])
        expected = random_vectors.most_similar(["w1", "w2"], ["w3"], topn=5)
        assert [w for w, _ in found] == [w for w, _ in expected]
        np.testing.assert_allclose(
            [s for _, s in found], [s for _, s in expected], atol=1e-5
        )

    def test_excluded_words_are_never_returned(self, random_vectors):
        first = [w for w, _ in nearest(random_vectors, "w0", 3)]
        again = nearest(random_vectors, "w0", 3, exclude=[first[0], "not-a-word"])
        assert first[0] not in [w for w, _ in again]
        assert [w for w, _ in again][:2] == first[1:]

    def test_k_larger_than_the_vocabulary_returns_every_other_word(
        self, random_vectors
    ):
        assert len(nearest(random_vectors, "w0", 10_000)) == 499

    def test_rejects_an_unknown_word(self, random_vectors):
        with pytest.raises(UnknownWordError, match="'nope'"):
            nearest(random_vectors, "nope")

    def test_rejects_a_vector_of_the_wrong_size(self, random_vectors):
        with pytest.raises(
            ShapeError, match=r"expected a query vector of shape \(16,\)"
        ):
            nearest(random_vectors, np.zeros(5))

    def test_rejects_an_empty_query_and_k_below_one(self, random_vectors):
        with pytest.raises(InvalidArgumentError, match="at least one query word"):
            nearest(random_vectors, [])
        with pytest.raises(InvalidArgumentError, match="k >= 1"):
            nearest(random_vectors, "w0", 0)


def test_top_k_breaks_ties_by_row_id():
    unit = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=np.float32)  # (4, 2)
    ids, scores = top_k(unit, np.array([1, 0], dtype=np.float32), 3, exclude=[0])
    assert ids.tolist() == [2, 3, 1]
    assert scores.tolist() == [1.0, 1.0, 0.0]


def test_query_vector_has_length_one(random_vectors):
    query, ids = query_vector(random_vectors, ["w1", "w2"])
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-6)
    assert ids == [1, 2]


class TestAnalogy:
    def test_is_a_minus_b_plus_c_as_gensim_scores_it(self, random_vectors):
        found = analogy(random_vectors, "w1", "w2", "w3", k=5)
        expected = random_vectors.most_similar(["w1", "w3"], ["w2"], topn=5)
        assert [w for w, _ in found] == [w for w, _ in expected]
        np.testing.assert_allclose(
            [s for _, s in found], [s for _, s in expected], atol=1e-5
        )

    def test_ranks_as_three_cos_add(self, random_vectors):
        # Vectors.analogy(b, a, c) answers "b is to a as c is to ?": a - b + c.
        found = analogy(random_vectors, "w1", "w2", "w3", k=5)
        objective = random_vectors.analogy("w2", "w1", "w3", topn=5)
        assert [w for w, _ in found] == [w for w, _ in objective]

    def test_finds_queen_on_hand_made_vectors(self):
        from neuron.word2vec import Vectors

        # Axes: royalty, maleness, and a third for unrelated words.
        words = ["king", "queen", "man", "woman", "apple"]
        matrix = [[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]]
        found = analogy(Vectors(words, np.array(matrix)), "king", "man", "woman")
        assert found[0][0] == "queen"

    def test_names_every_unknown_word(self, random_vectors):
        with pytest.raises(UnknownWordError, match="'x'.*'y'"):
            analogy(random_vectors, "x", "w1", "y")


@pytest.mark.slow
def test_neighbours_of_100k_by_300_match_a_full_sort():
    # The size of the Explorer's target (its speed is measured by
    # `neuron bench neighbours`, never asserted in a test).
    vectors = bench_vectors(100_000, 300, seed=0)
    found = nearest(vectors, "w1", 10)

    unit = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    scores = unit @ unit[vectors.ids(["w1"])[0]]  # (N,)
    scores[vectors.ids(["w1"])[0]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:10]
    assert [word for word, _ in found] == [vectors.words[i] for i in order]
    np.testing.assert_allclose([s for _, s in found], scores[order], rtol=1e-5)
