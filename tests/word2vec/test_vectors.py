"""Vectors on hand-made embeddings whose answers are known exactly."""

import warnings

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError, ShapeError, UnknownWordError
from neuron.word2vec import Vectors

HALF_ROOT2 = np.sqrt(2) / 2


class TestBasics:
    def test_lookup(self, compass):
        assert len(compass) == 8 and compass.vector_size == 2
        assert "ne" in compass and "up" not in compass
        np.testing.assert_allclose(compass["n"], [0, 1], atol=1e-7)
        assert compass[["e", "w"]].shape == (2, 2)

    def test_getitem_returns_a_copy(self, compass):
        compass["e"][0] = 5.0
        assert compass["e"][0] == 1.0

    def test_unknown_words_are_all_named(self, compass):
        with pytest.raises(UnknownWordError, match="'up', 'down'") as caught:
            compass.most_similar(["e", "up", "down"])
        assert caught.value.words == ["up", "down"]
        with pytest.raises(UnknownWordError, match="'x'"):
            compass.analogy("e", "x", "n")
        with pytest.raises(UnknownWordError, match="'up'"):
            compass["up"]

    def test_rejects_bad_construction(self):
        with pytest.raises(ShapeError, match=r"expected a matrix of shape \(2, D\)"):
            Vectors(["a", "b"], np.zeros((3, 4)))
        with pytest.raises(InvalidArgumentError, match="unique words"):
            Vectors(["a", "a"], np.zeros((2, 4)))

    def test_zero_vectors_give_zero_similarity_not_nan(self):
        vectors = Vectors(["a", "b"], np.array([[0.0, 0.0], [1.0, 0.0]]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert vectors.similarity("a", "b") == 0.0

    def test_restrict_keeps_the_first_words(self, compass):
        first = compass.restrict(3)
        assert first.words == ["e", "ne", "n"]
        assert first.matrix.shape == (3, 2)


class TestSimilarity:
    def test_cosines(self, compass):
        assert compass.similarity("e", "ne") == pytest.approx(HALF_ROOT2)
        assert compass.similarity("e", "n") == pytest.approx(0.0, abs=1e-7)
        assert compass.similarity("e", "w") == pytest.approx(-1.0)

    def test_most_similar_excludes_the_query(self, compass):
        (first, score), second = compass.most_similar("e", topn=2)
        assert {first, second[0]} == {"ne", "se"}
        assert score == pytest.approx(HALF_ROOT2)

    def test_most_similar_adds_and_subtracts(self, compass):
        # n + e points north-east exactly.
        word, score = compass.most_similar(positive=["n", "e"], topn=1)[0]
        assert (word, score) == ("ne", pytest.approx(1.0))
        # n - s = 2 n; with n and s excluded, ne and nw tie.
        words = [w for w, _ in compass.most_similar("n", negative="s", topn=2)]
        assert sorted(words) == ["ne", "nw"]

    def test_most_similar_restrict_vocab(self, compass):
        # Only e, ne, n are candidates; e is the query.
        assert [w for w, _ in compass.most_similar("e", restrict_vocab=3)] == [
            "ne",
            "n",
        ]

    def test_topn_larger_than_the_vocabulary(self, compass):
        assert len(compass.most_similar("e", topn=100)) == 7

    def test_doesnt_match(self, compass):
        assert compass.doesnt_match(["e", "ne", "se", "w"]) == "w"


class TestAnalogy:
    def test_3cosadd_by_hand(self, compass):
        # e : n :: w : ?  -> n - e + w = (-2, 1): north-west.
        (word, score), *_ = compass.analogy("e", "n", "w", topn=3)
        assert word == "nw"
        # cos(nw, n) - cos(nw, e) + cos(nw, w) = 3 sqrt(2) / 2.
        assert score == pytest.approx(3 * HALF_ROOT2, rel=1e-6)

    def test_3cosmul_by_hand(self, compass):
        word, score = compass.analogy("e", "n", "w", method="3cosmul")[0]
        shifted = (HALF_ROOT2 + 1) / 2, (-HALF_ROOT2 + 1) / 2
        assert word == "nw"
        assert score == pytest.approx(shifted[0] ** 2 / (shifted[1] + 1e-3), rel=1e-5)

    def test_the_two_methods_can_disagree(self):
        # a, b, c are orthogonal. "twin" has the direction of b (cos 1 with b, 0
        # with c); "both" is half like b and a little less like c. 3CosAdd
        # scores twin 1.0 over both 0.95; 3CosMul scores twin 1 * 0.5 / 0.501
        # under both 0.75 * 0.725 / 0.501, rewarding the balanced candidate.
        rest = np.sqrt(1 - 0.5**2 - 0.45**2)
        matrix = np.array(
            [
                [0, 0, 1, 0],  # a
                [1, 0, 0, 0],  # b
                [0, 1, 0, 0],  # c
                [1, 0, 0, 0],  # twin
                [0.5, 0.45, 0, rest],  # both
            ]
        )
        vectors = Vectors(["a", "b", "c", "twin", "both"], matrix)
        assert vectors.analogy("a", "b", "c")[0][0] == "twin"
        assert vectors.analogy("a", "b", "c", method="3cosmul")[0][0] == "both"

    @pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
    def test_matches_a_word_by_word_loop(self, rng, method):
        vectors = Vectors([f"w{i}" for i in range(30)], rng.standard_normal((30, 5)))
        unit = vectors.unit.astype(np.float64)
        a, b, c = (unit[vectors.index[w]] for w in ("w1", "w2", "w3"))
        best, best_score = None, -np.inf
        for word, x in zip(vectors.words, unit, strict=True):
            if word in ("w1", "w2", "w3"):
                continue
            if method == "3cosadd":
                score = x @ b - x @ a + x @ c
            else:
                score = ((x @ b + 1) / 2) * ((x @ c + 1) / 2) / ((x @ a + 1) / 2 + 1e-3)
            if score > best_score:
                best, best_score = word, score
        word, score = vectors.analogy("w1", "w2", "w3", method=method)[0]
        assert word == best and score == pytest.approx(best_score, rel=1e-5)

    def test_unknown_method(self, compass):
        with pytest.raises(InvalidArgumentError, match="'3cosadd' or '3cosmul'"):
            compass.analogy("e", "n", "w", method="cos")
