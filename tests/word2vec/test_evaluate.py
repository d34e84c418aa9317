"""Analogy accuracy and similarity correlation on hand-made vectors and files,
and the project's own evaluation sets."""

import math

import numpy as np
import polars as pl
import pytest

from neuron.errors import DataFileError
from neuron.word2vec import analogy_accuracy, similarity_correlation
from neuron.word2vec.evaluate import (
    ANALOGY_FILE,
    SIMILARITY_FILE,
    rank,
    read_analogies,
    read_similarity,
    spearman,
)

QUESTIONS = """\
: turns
e n w nw
E N W NW
e n w s
e n up nw
: unknown
e n up down
"""


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(QUESTIONS)
    return path


class TestAnalogyAccuracy:
    def test_sections_and_total(self, compass, questions):
        frame = analogy_accuracy(compass, questions)
        assert frame.columns == [
            "section",
            "correct",
            "total",
            "oov",
            "accuracy",
            "oov_share",
        ]
        assert frame.schema["correct"] == pl.Int64
        assert frame.schema["accuracy"] == pl.Float64
        rows = {row["section"]: row for row in frame.iter_rows(named=True)}
        assert list(rows) == ["turns", "unknown", "total"]

        # Two of three answerable "turns" are right (upper case matches too).
        turns = rows["turns"]
        assert (turns["correct"], turns["total"], turns["oov"]) == (2, 3, 1)
        assert turns["accuracy"] == pytest.approx(2 / 3)
        assert turns["oov_share"] == pytest.approx(1 / 4)

        # A section with nothing answerable has no accuracy.
        assert rows["unknown"]["total"] == 0 and math.isnan(rows["unknown"]["accuracy"])
        assert rows["unknown"]["oov_share"] == 1.0

        total = rows["total"]
        assert (total["correct"], total["total"], total["oov"]) == (2, 3, 2)
        assert total["oov_share"] == pytest.approx(2 / 5)

    def test_restrict_vocab_counts_rare_words_as_oov(self, compass, questions):
        # Only e, ne, n, nw are kept: w is outside, so every question is oov.
        frame = analogy_accuracy(compass, questions, restrict_vocab=4)
        total = frame.filter(pl.col("section") == "total").row(0, named=True)
        assert (total["total"], total["oov"]) == (0, 5)

    def test_3cosmul(self, compass, questions):
        frame = analogy_accuracy(compass, questions, method="3cosmul")
        assert frame["correct"][0] == 2

    def test_malformed_file_names_the_line(self, compass, tmp_path):
        path = tmp_path / "bad.txt"
        path.write_text(": s\ne n w\n")
        with pytest.raises(DataFileError, match="bad.txt, line 2: expected four"):
            analogy_accuracy(compass, path)

    def test_default_set_on_vectors_that_know_none_of_it(self, compass):
        frame = analogy_accuracy(compass)
        total = frame.filter(pl.col("section") == "total").row(0, named=True)
        questions = sum(len(q) for _, q in read_analogies(ANALOGY_FILE))
        assert (total["total"], total["oov"], total["oov_share"]) == (0, questions, 1)


class TestSpearman:
    def test_ranks_average_ties(self):
        np.testing.assert_array_equal(rank([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
        np.testing.assert_array_equal(rank([3, 1, 2]), [3, 1, 2])

    def test_by_hand_with_ties(self):
        # ranks x: 1, 2.5, 2.5, 4 and y: 1, 3, 2, 4. Centred on 2.5:
        # x: -1.5, 0, 0, 1.5; y: -1.5, 0.5, -0.5, 1.5.
        # rho = 4.5 / sqrt(4.5 * 5).
        rho = spearman(np.array([1, 2, 2, 3]), np.array([1, 3, 2, 4]))
        assert rho == pytest.approx(4.5 / math.sqrt(22.5))

    def test_is_pearson_of_ranks(self, rng):
        x = rng.integers(0, 5, 50).astype(float)  # many ties
        y = x + rng.standard_normal(50)
        expected = np.corrcoef(rank(x), rank(y))[0, 1]
        assert spearman(x, y) == pytest.approx(expected)

    def test_extremes(self):
        assert spearman(np.arange(5), np.arange(5) ** 3) == pytest.approx(1)
        assert spearman(np.arange(5), -np.arange(5)) == pytest.approx(-1)
        assert math.isnan(spearman(np.ones(4), np.arange(4)))


class TestSimilarityCorrelation:
    def test_csv_with_header_comments_and_oov(self, compass, tmp_path):
        path = tmp_path / "sim.csv"
        path.write_text(
            "# human scores\nword1,word2,score\n"
            "e,ne,9\ne,n,5\ne,w,0\nE,SE,8.5\ne,up,3\n"
        )
        frame = similarity_correlation(compass, path)
        assert frame.columns == ["dataset", "pairs", "oov", "oov_share", "spearman"]
        row = frame.row(0, named=True)
        assert (row["dataset"], row["pairs"], row["oov"]) == ("sim.csv", 4, 1)
        assert row["oov_share"] == pytest.approx(0.2)

        # Human ranks 4, 2, 1, 3; cosine ranks (0.71, 0, -1, 0.71) 3.5, 2, 1, 3.5.
        expected = np.corrcoef([4, 2, 1, 3], [3.5, 2, 1, 3.5])[0, 1]
        assert row["spearman"] == pytest.approx(expected)

    def test_tab_separated_without_header(self, compass, tmp_path):
        path = tmp_path / "sim.tsv"
        path.write_text("e\tne\t9\ne\tw\t1\nn\ts\t0.5\n")
        assert similarity_correlation(compass, path)["pairs"][0] == 3

    def test_malformed_line(self, compass, tmp_path):
        path = tmp_path / "sim.tsv"
        path.write_text("e\tne\t9\ne\tw\tmuch\n")
        with pytest.raises(DataFileError, match="sim.tsv, line 2"):
            similarity_correlation(compass, path)


class TestProjectSets:
    def test_analogy_set(self):
        sections = dict(read_analogies(ANALOGY_FILE))
        assert {"family", "pronouns", "past-tense", "plurals", "comparatives"} <= set(
            sections
        )
        assert sum(len(q) for q in sections.values()) > 1_000
        assert ["king", "queen", "father", "mother"] in sections["family"]
        # b = d would make a question unanswerable (question words are excluded).
        assert all(len(set(q)) == 4 for qs in sections.values() for q in qs)

    def test_similarity_set(self):
        pairs = read_similarity(SIMILARITY_FILE)
        assert 60 <= len(pairs) <= 100
        assert all(0 <= score <= 10 for _, _, score in pairs)
        assert len({(a, b) for a, b, _ in pairs}) == len(pairs)
