"""Pairs for the reference and CUDA backends: reproducible, with the window,
subsampling, noise and learning-rate statistics the definition implies."""

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.text import Vocabulary
from neuron.word2vec.pairs import PairStream

UNIFORM = np.full(10, 0.1)


def stream(**settings) -> PairStream:
    options = dict(window=5, negative=3, total_words=10_000, seed=7) | settings
    noise = options.pop("noise", UNIFORM)
    return PairStream(noise, **options)


def concatenated(chunks):
    chunks = list(chunks)
    return {
        name: np.concatenate([getattr(c, name) for c in chunks])
        for name in ("inputs", "outputs", "negatives", "alphas")
    }


def test_same_seed_same_pairs_other_seed_other_pairs(rng):
    sentences = [rng.integers(0, 10, 30) for _ in range(20)]
    keep = np.full(10, 0.7)
    a = concatenated(stream(keep_prob=keep).chunks(sentences))
    b = concatenated(stream(keep_prob=keep).chunks(sentences))
    c = concatenated(stream(keep_prob=keep, seed=8).chunks(sentences))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["inputs"], c["inputs"])


def test_dtypes_and_shapes():
    (chunk,) = stream().chunks([np.arange(8)])
    P = len(chunk)
    assert chunk.inputs.dtype == chunk.outputs.dtype == np.int32
    assert chunk.negatives.dtype == np.int32 and chunk.negatives.shape == (P, 3)
    assert chunk.alphas.dtype == np.float32 and chunk.alphas.shape == (P,)
    assert chunk.words == 8


def test_chunks_hold_at_least_chunk_pairs_and_count_every_word():
    sentences = [np.arange(10) for _ in range(50)]
    chunks = list(stream(chunk_pairs=100).chunks(sentences))
    assert all(len(c) >= 100 for c in chunks[:-1])
    assert sum(c.words for c in chunks) == 500


class TestWindow:
    # One long sentence of distinct ids: an id is its own position, so a
    # pair's distance is |context - centre|.
    sentence = np.arange(20_000)

    def test_every_context_is_within_the_window_and_the_sentence(self):
        inputs, outputs, _ = stream(window=4).sentence_pairs(self.sentence[:50])
        distance = np.abs(outputs.astype(int) - inputs)
        assert distance.min() == 1 and distance.max() == 4
        assert outputs.min() >= 0 and outputs.max() < 50

    def test_distances_follow_the_dynamic_window(self):
        W = 5
        inputs, outputs, _ = stream(window=W).sentence_pairs(self.sentence)
        distance = np.abs(outputs.astype(int) - inputs)
        counts = np.bincount(distance, minlength=W + 1)[1:]  # (W,)

        # Distance d is used when b >= d: probability (W - d + 1) / W, so the
        # counts fall linearly from distance 1, the most frequent.
        expected = (W - np.arange(W)) / W  # (W,)
        np.testing.assert_allclose(counts / counts[0], expected, atol=0.02)

    def test_sentences_do_not_mix(self):
        chunk = next(stream(window=5).chunks([np.arange(5), np.arange(5, 10)]))
        same = (chunk.inputs < 5) == (chunk.outputs < 5)
        assert same.all()


class TestSubsampling:
    def test_drops_at_the_keep_probability(self):
        keep = np.array([0.25] + [1.0] * 9)
        ids = np.tile(np.arange(2), 50_000)  # (100_000,) words 0 and 1
        kept = ids[stream(keep_prob=keep).subsample(ids)]
        assert np.sum(kept == 1) == 50_000  # word 1 is never dropped
        assert np.sum(kept == 0) / 50_000 == pytest.approx(0.25, abs=0.01)

    def test_frequent_real_words_are_dropped_at_the_formulas_rate(self, novel):
        vocab = Vocabulary.build(novel, min_count=5)
        sample = 1e-3
        keep = vocab.keep_probabilities(sample)

        # The formula for "the", the most frequent word.
        f = vocab.counts[0] / vocab.total
        expected = (np.sqrt(f / sample) + 1) * sample / f
        assert keep[0] == pytest.approx(expected, rel=1e-6) and expected < 0.5

        ids = np.zeros(40_000, dtype=np.int32)  # 40k occurrences of vocab.words[0]
        pairs = PairStream(vocab.noise_distribution(), keep, total_words=1, seed=3)
        share = len(pairs.subsample(ids)) / len(ids)
        assert share == pytest.approx(keep[0], abs=0.01)


def test_negatives_follow_the_noise_distribution():
    noise = np.array([0.4, 0.3, 0.15, 0.1, 0.05])
    draws = stream(noise=noise).draw_negatives((40_000, 5)).ravel()
    observed = np.bincount(draws, minlength=5)
    expected = noise * len(draws)

    # Pearson's chi-square with 4 degrees of freedom: 18.5 is its 99.9%
    # quantile; a wrong distribution gives thousands.
    chi_square = np.sum((observed - expected) ** 2 / expected)
    assert chi_square < 25
    assert draws.min() >= 0 and draws.max() < 5


def test_alphas_decay_linearly_across_epochs():
    sentence = np.arange(1_000)
    pairs = stream(alpha=0.02, total_words=2_000, window=2)
    first = concatenated(list(pairs.chunks([sentence])))
    second = concatenated(list(pairs.chunks([sentence])))

    # An id is its position, and a pair takes the rate at its centre (the
    # output): alpha = alpha0 (1 - (words before + position) / total).
    np.testing.assert_allclose(
        first["alphas"], 0.02 * (1 - first["outputs"] / 2_000), rtol=1e-6
    )
    np.testing.assert_allclose(
        second["alphas"], 0.02 * (1 - (1_000 + second["outputs"]) / 2_000), rtol=1e-5
    )
    assert first["alphas"][0] == pytest.approx(0.02)
    assert second["alphas"].min() >= 0.02 * 1e-4


def test_rejects_bad_settings():
    with pytest.raises(InvalidArgumentError, match="window >= 1"):
        stream(window=0)
    with pytest.raises(ShapeError, match="one length V"):
        stream(keep_prob=np.ones(3))
