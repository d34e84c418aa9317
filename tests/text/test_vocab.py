"""Vocabulary: counting, ordering, lookups, word2vec's two distributions, and
the file format."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuron.errors import (
    EmptyVocabularyError,
    InvalidArgumentError,
    UnknownWordError,
    VocabularyFormatError,
)
from neuron.text import Corpus, Vocabulary

SENTENCES = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat"],
    ["a", "cat", "and", "a", "dog"],
]
# the 3; a, cat, dog, sat 2; and, mat, on 1


class TestBuild:
    def test_orders_by_count_then_word(self):
        vocab = Vocabulary.build(SENTENCES, min_count=1)
        assert vocab.words == ["the", "a", "cat", "dog", "sat", "and", "mat", "on"]
        assert vocab.counts.tolist() == [3, 2, 2, 2, 2, 1, 1, 1]
        assert vocab.counts.dtype == np.int64
        assert vocab.total == 14

    def test_min_count_drops_rare_words_and_their_counts(self):
        vocab = Vocabulary.build(SENTENCES, min_count=2)
        assert vocab.words == ["the", "a", "cat", "dog", "sat"]
        assert vocab.total == 11

    def test_max_size_keeps_the_most_frequent_breaking_ties_by_word(self):
        vocab = Vocabulary.build(SENTENCES, min_count=1, max_size=3)
        assert vocab.words == ["the", "a", "cat"]

    def test_counts_a_real_novel(self, corpora):
        corpus = Corpus(corpora / "pride_and_prejudice.txt")
        vocab = Vocabulary.build(corpus, min_count=5)
        expected = Counter(token for sentence in corpus for token in sentence)

        assert vocab.words[:3] == ["the", "to", "of"]
        assert len(vocab) == sum(1 for n in expected.values() if n >= 5)
        assert vocab.counts[vocab.id("elizabeth")] == expected["elizabeth"]
        assert "darcy" in vocab and "zyzzyva" not in vocab

    def test_from_counts_sorts_any_order(self):
        vocab = Vocabulary.from_counts({"b": 2, "c": 5, "a": 2})
        assert vocab.words == ["c", "a", "b"]

    def test_a_string_instead_of_token_lists_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="lists of tokens, got a str"):
            Vocabulary.build(["the cat sat"])

    def test_nothing_left_says_how_to_fix(self):
        with pytest.raises(EmptyVocabularyError, match="lower min_count"):
            Vocabulary.build(SENTENCES, min_count=10)
        with pytest.raises(EmptyVocabularyError, match="none among 0 distinct"):
            Vocabulary.build([])

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"min_count": 0}, "min_count to be an integer of at least 1, got 0"),
            ({"min_count": 2.5}, "min_count to be an integer"),
            ({"max_size": 0}, "max_size to be a positive integer or None, got 0"),
        ],
    )
    def test_bad_arguments_are_refused(self, arguments, message):
        with pytest.raises(InvalidArgumentError, match=message):
            Vocabulary.build(SENTENCES, **arguments)

    @pytest.mark.parametrize(
        ("words", "counts", "message"),
        [
            (["a", "b"], [1], "one count per word"),
            (["a", "a"], [2, 2], "distinct words"),
            (["a", "b"], [1, 2], "descending count"),
            (["b", "a"], [2, 2], "ties by word"),
            (["a"], [0], "counts of at least 1"),
        ],
    )
    def test_constructor_checks_its_input(self, words, counts, message):
        with pytest.raises(InvalidArgumentError, match=message):
            Vocabulary(words, counts)


class TestLookup:
    @pytest.fixture
    def vocab(self) -> Vocabulary:
        return Vocabulary.build(SENTENCES, min_count=1)

    def test_ids_are_positions(self, vocab):
        assert [vocab.id(word) for word in vocab.words] == list(range(len(vocab)))
        ids = vocab.ids(["cat", "the", "cat"])
        assert ids.dtype == np.int32
        assert ids.tolist() == [2, 0, 2]

    def test_unknown_word_is_named(self, vocab):
        with pytest.raises(UnknownWordError, match="unknown 'zebra'") as caught:
            vocab.id("zebra")
        assert caught.value.words == ["zebra"]

    def test_every_unknown_word_is_named_once(self, vocab):
        with pytest.raises(UnknownWordError, match="'zebra', 'yak'") as caught:
            vocab.ids(["cat", "zebra", "yak", "zebra"])
        assert caught.value.words == ["zebra", "yak"]

    def test_unknown_word_error_is_a_key_error(self, vocab):
        with pytest.raises(KeyError):
            vocab.id("zebra")

    def test_encode_drops_unknown_tokens(self, vocab):
        encoded = vocab.encode(["the", "zebra", "dog", "", "a"])
        assert encoded.dtype == np.int32
        assert encoded.tolist() == [0, 3, 1]
        assert vocab.encode([]).tolist() == []

    def test_len_contains_iter_and_equality(self, vocab):
        assert len(vocab) == 8
        assert "mat" in vocab and "zebra" not in vocab and 3 not in vocab
        assert list(vocab) == vocab.words
        assert vocab == Vocabulary(vocab.words, vocab.counts)
        assert vocab != Vocabulary.build(SENTENCES, min_count=2)

    def test_counts_cannot_be_changed_in_place(self, vocab):
        with pytest.raises(ValueError, match="read-only"):
            vocab.counts[0] = 99


class TestDistributions:
    def test_keep_probabilities_match_a_hand_computation(self):
        # total 1000: f = 0.6, 0.3, 0.1; sample s = 0.1
        vocab = Vocabulary(["a", "b", "c"], [600, 300, 100])
        keep = vocab.keep_probabilities(0.1)
        # a: (sqrt(6) + 1) * 0.1 / 0.6 = 3.449489743 / 6 = 0.574914957
        # b: (sqrt(3) + 1) * 0.1 / 0.3 = 2.732050808 / 3 = 0.910683603
        # c: (sqrt(1) + 1) * 0.1 / 0.1 = 2, capped at 1
        assert keep.dtype == np.float32
        np.testing.assert_allclose(keep, [0.574914957, 0.910683603, 1.0], rtol=1e-6)

    def test_keep_probabilities_thin_the_frequent_words(self, corpora):
        vocab = Vocabulary.build(Corpus(corpora / "emma.txt"), min_count=5)
        keep = vocab.keep_probabilities(1e-3)
        assert keep[vocab.id("the")] < 0.25
        assert keep[-1] == 1.0
        assert np.all(np.diff(keep) >= 0)  # rarer words are kept more

    def test_sample_zero_keeps_everything(self):
        vocab = Vocabulary(["a", "b"], [10, 1])
        assert vocab.keep_probabilities(0).tolist() == [1.0, 1.0]

    @pytest.mark.parametrize("sample", [-1e-3, float("nan"), float("inf"), "1e-3"])
    def test_bad_sample_is_refused(self, sample):
        vocab = Vocabulary(["a"], [1])
        with pytest.raises(InvalidArgumentError, match="sample"):
            vocab.keep_probabilities(sample)

    def test_noise_follows_count_to_the_three_quarters(self):
        vocab = Vocabulary(["a", "b", "c"], [81, 16, 1])
        noise = vocab.noise_distribution()
        # 81^0.75 = 27, 16^0.75 = 8, 1^0.75 = 1
        assert noise.dtype == np.float64
        np.testing.assert_allclose(noise, np.array([27, 8, 1]) / 36, rtol=1e-12)
        assert noise.sum() == pytest.approx(1.0, abs=1e-12)

    def test_noise_of_a_real_vocabulary_sums_to_one(self, corpora):
        vocab = Vocabulary.build(Corpus(corpora / "emma.txt"), min_count=1)
        noise = vocab.noise_distribution()
        assert noise.sum() == pytest.approx(1.0, abs=1e-9)
        ratio = noise[0] / noise[-1]
        counts = vocab.counts
        assert ratio == pytest.approx((counts[0] / counts[-1]) ** 0.75, rel=1e-9)

    def test_noise_powers_one_and_zero(self):
        vocab = Vocabulary(["a", "b"], [3, 1])
        np.testing.assert_allclose(vocab.noise_distribution(1.0), [0.75, 0.25])
        np.testing.assert_allclose(vocab.noise_distribution(0.0), [0.5, 0.5])

    def test_bad_power_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="power to be a finite"):
            Vocabulary(["a"], [1]).noise_distribution(float("nan"))


class TestFiles:
    def test_round_trip_is_exact(self, tmp_path, corpora):
        vocab = Vocabulary.build(Corpus(corpora / "little_women.txt"), min_count=2)
        path = vocab.save(tmp_path / "vocab.tsv")
        assert Vocabulary.load(path) == vocab

    def test_file_is_plain_text_with_a_header(self, tmp_path):
        path = Vocabulary(["the", "café"], [5, 2]).save(tmp_path / "v.tsv")
        assert path.read_text(encoding="utf-8") == (
            "# neuron vocabulary v1\n# words=2 total=7\nthe\t5\ncafé\t2\n"
        )
        assert not (tmp_path / "v.tsv.part").exists()

    def test_odd_words_round_trip(self, tmp_path):
        words = ["tab\there", "new\nline", "back\\slash", "\\t", "# hash", " ", ""]
        words += ["\r", "ελλάδα", "\u2028sep", "emoji🙂", "a\tb\\n"]
        vocab = Vocabulary.from_counts({word: i + 1 for i, word in enumerate(words)})
        path = vocab.save(tmp_path / "odd.tsv")
        assert Vocabulary.load(path) == vocab

    @settings(
        max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(counts=st.dictionaries(st.text(), st.integers(1, 10**12), min_size=1))
    def test_any_words_round_trip(self, tmp_path, counts):
        vocab = Vocabulary.from_counts(counts)
        assert Vocabulary.load(vocab.save(tmp_path / "any.tsv")) == vocab

    def test_missing_file(self, tmp_path):
        with pytest.raises(VocabularyFormatError, match="found none"):
            Vocabulary.load(tmp_path / "nope.tsv")

    def test_not_a_vocabulary(self, tmp_path):
        path = tmp_path / "other.txt"
        path.write_text("word,count\nthe,5\n")
        with pytest.raises(VocabularyFormatError, match="start with"):
            Vocabulary.load(path)

    def test_bad_line_is_named(self, tmp_path):
        path = tmp_path / "bad.tsv"
        path.write_text("# neuron vocabulary v1\n# words=2\nthe\t5\ncat five\n")
        with pytest.raises(VocabularyFormatError, match="line 4 of .*'cat five'"):
            Vocabulary.load(path)

    def test_out_of_order_file_is_refused(self, tmp_path):
        path = tmp_path / "order.tsv"
        path.write_text("# neuron vocabulary v1\n# words=2\ncat\t1\nthe\t5\n")
        with pytest.raises(VocabularyFormatError, match="descending count"):
            Vocabulary.load(path)

    def test_unencodable_word_is_refused(self, tmp_path):
        vocab = Vocabulary(["bad\ud800"], [1])
        with pytest.raises(InvalidArgumentError, match="UTF-8 cannot encode"):
            vocab.save(tmp_path / "v.tsv")
