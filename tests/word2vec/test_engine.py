"""The compiled word2vec loops: train_pairs against a NumPy rendering of the
math, train_corpus for determinism, learning, progress, cancellation, the GIL,
SIMD agreement, and every argument check."""

import threading
import time

import numpy as np
import pytest

from neuron import engine as neuron_engine
from neuron.errors import (
    ArrayTypeError,
    DTypeError,
    InvalidArgumentError,
    LayoutError,
    ShapeError,
)
from neuron.text import Corpus, Vocabulary
from neuron.word2vec import engine

# float32 storage, float64 NumPy: a few ulp per update over tens of updates.
TOL = {"rtol": 2e-5, "atol": 2e-7}


# ---- a NumPy rendering of the contract's math ------------------------------


def numpy_train_pairs(w_in, w_out, inputs, outputs, negatives, alphas):
    """The contract's pair update in float64, written out one step at a time.

    Returns updated float64 copies of w_in and w_out and the summed loss.
    """
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)  # (V, D)
    loss = 0.0
    for c, o, negs, alpha in zip(inputs, outputs, negatives, alphas, strict=True):
        v = w_in[c].copy()  # (D,) the centre before this pair
        e = np.zeros_like(v)  # (D,)
        targets = [(o, 1.0)] + [(n, 0.0) for n in negs if n != o]
        for t, label in targets:
            s = v @ w_out[t]
            p = 1.0 / (1.0 + np.exp(-s))
            g = np.float32(alpha) * (label - p)
            loss += -np.log(p) if label else -np.log(1.0 - p)
            e += g * w_out[t]
            w_out[t] += g * v  # the next use of row t sees this update
        w_in[c] += e
    return w_in, w_out, loss


def random_vectors(rng, V, D):
    w_in = ((rng.random((V, D)) - 0.5) / D).astype(np.float32)  # (V, D)
    w_out = ((rng.random((V, D)) - 0.5) / D).astype(np.float32)  # (V, D)
    return w_in, w_out


# ---- train_pairs -----------------------------------------------------------


class TestTrainPairs:
    def test_matches_numpy_on_random_pairs(self, rng):
        V, D, P, k = 50, 37, 200, 5
        w_in, w_out = random_vectors(rng, V, D)
        w_in *= 40  # scores of a few units, so sigmoid is not flat
        inputs = rng.integers(0, V, P).astype(np.int32)
        outputs = rng.integers(0, V, P).astype(np.int32)
        negatives = rng.integers(0, V, (P, k)).astype(np.int32)
        alphas = rng.uniform(0.01, 0.05, P).astype(np.float32)
        expected_in, expected_out, expected_loss = numpy_train_pairs(
            w_in, w_out, inputs, outputs, negatives, alphas
        )

        loss = engine.train_pairs(w_in, w_out, inputs, outputs, negatives, alphas)

        np.testing.assert_allclose(w_in, expected_in, **TOL)
        np.testing.assert_allclose(w_out, expected_out, **TOL)
        assert loss == pytest.approx(expected_loss, rel=1e-6)

    def test_repeated_negative_sees_its_first_update(self, rng):
        w_in, w_out = random_vectors(rng, 6, 9)
        w_in *= 30
        inputs, outputs = np.array([1], np.int32), np.array([2], np.int32)
        negatives = np.array([[4, 4, 5]], np.int32)
        alphas = np.array([0.5], np.float32)  # large: the two uses differ clearly
        expected_in, expected_out, expected_loss = numpy_train_pairs(
            w_in, w_out, inputs, outputs, negatives, alphas
        )

        loss = engine.train_pairs(w_in, w_out, inputs, outputs, negatives, alphas)

        np.testing.assert_allclose(w_in, expected_in, **TOL)
        np.testing.assert_allclose(w_out, expected_out, **TOL)
        assert loss == pytest.approx(expected_loss, rel=1e-6)

    def test_negative_equal_to_the_context_is_skipped(self, rng):
        w_in, w_out = random_vectors(rng, 5, 8)
        inputs, outputs = np.array([0], np.int32), np.array([3], np.int32)
        alphas = np.array([0.1], np.float32)
        with_context = (w_in.copy(), w_out.copy())
        without = (w_in.copy(), w_out.copy())

        loss_a = engine.train_pairs(
            *with_context, inputs, outputs, np.array([[3, 1, 3]], np.int32), alphas
        )
        loss_b = engine.train_pairs(
            *without, inputs, outputs, np.array([[1]], np.int32), alphas
        )

        assert loss_a == loss_b
        np.testing.assert_array_equal(with_context[0], without[0])
        np.testing.assert_array_equal(with_context[1], without[1])

    def test_zero_vectors_give_loss_log2_per_target(self):
        w_in = np.zeros((3, 4), np.float32)
        w_out = np.zeros((3, 4), np.float32)
        loss = engine.train_pairs(
            w_in,
            w_out,
            np.array([0], np.int32),
            np.array([1], np.int32),
            np.array([[2, 2]], np.int32),
            np.array([0.1], np.float32),
        )
        assert loss == pytest.approx(3 * np.log(2.0), rel=1e-12)

    def test_no_pairs_changes_nothing(self, rng):
        w_in, w_out = random_vectors(rng, 4, 3)
        before = w_in.copy(), w_out.copy()
        empty = np.zeros(0, np.int32)
        loss = engine.train_pairs(
            w_in,
            w_out,
            empty,
            empty,
            np.zeros((0, 5), np.int32),
            empty.view(np.float32),
        )
        assert loss == 0.0
        np.testing.assert_array_equal(w_in, before[0])
        np.testing.assert_array_equal(w_out, before[1])


# ---- train_corpus: exact cases ---------------------------------------------


def corpus_args(tokens, offsets, V, keep=None, noise=None):
    keep = np.ones(V, np.float32) if keep is None else keep
    noise = np.full(V, 1.0 / V) if noise is None else noise
    return (
        np.asarray(tokens, np.int32),
        np.asarray(offsets, np.int64),
        keep,
        noise,
    )


class TestTrainCorpusExact:
    """With keep_prob 1, window 1 and all noise on one word, the corpus loop
    has no randomness left, so it must equal the pair math exactly."""

    @pytest.mark.parametrize("negative", [0, 1, 3])
    @pytest.mark.parametrize("simd", neuron_engine.available_simd())
    def test_equals_pair_math(self, rng, negative, simd, request):
        V, D, noise_word = 7, 13, 2
        tokens = rng.integers(0, V, 60)
        offsets = [0, 25, 25, 41, 60]  # an empty sentence too
        w_in, w_out = random_vectors(rng, V, D)
        w_in *= 30
        noise = np.zeros(V)
        noise[noise_word] = 1.0

        # The pairs the loop forms: for each centre in order, each neighbour
        # from left to right predicts it.
        inputs, outputs = [], []
        for a, b in zip(offsets[:-1], offsets[1:], strict=True):
            for i in range(a, b):
                for j in (i - 1, i + 1):
                    if a <= j < b:
                        inputs.append(tokens[j])
                        outputs.append(tokens[i])
        P = len(inputs)
        negatives = np.full((P, negative), noise_word, np.int32)
        alphas = np.full(P, 0.05, np.float32)
        expected_in, expected_out, expected_loss = numpy_train_pairs(
            w_in, w_out, inputs, outputs, negatives, alphas
        )

        neuron_engine.set_simd(simd)
        request.addfinalizer(lambda: neuron_engine.set_simd(None))
        stats = engine.train_corpus(
            w_in,
            w_out,
            *corpus_args(tokens, offsets, V, noise=noise),
            window=1,
            negative=negative,
            alpha_start=0.05,
            alpha_end=0.05,
            seed=3,
            threads=1,
        )

        # The table sigmoid is within 3.2e-6 of the exact one.
        np.testing.assert_allclose(w_in, expected_in, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(w_out, expected_out, rtol=1e-4, atol=1e-5)
        assert stats.loss == pytest.approx(expected_loss, rel=1e-5)
        assert (stats.pairs, stats.words, stats.effective_words) == (P, 60, 60)
        assert not stats.cancelled

    def test_keep_prob_zero_trains_nothing(self, rng):
        w_in, w_out = random_vectors(rng, 5, 4)
        before = w_in.copy()
        keep = np.zeros(5, np.float32)
        stats = engine.train_corpus(
            w_in,
            w_out,
            *corpus_args(rng.integers(0, 5, 100), [0, 100], 5, keep=keep),
            window=5,
            negative=5,
            alpha_start=0.025,
            alpha_end=0.0,
            seed=1,
            threads=2,
        )
        assert (stats.pairs, stats.words, stats.effective_words) == (0, 100, 0)
        np.testing.assert_array_equal(w_in, before)

    def test_empty_corpus(self, rng):
        w_in, w_out = random_vectors(rng, 5, 4)
        stats = engine.train_corpus(
            w_in,
            w_out,
            *corpus_args([], [0], 5),
            window=5,
            negative=5,
            alpha_start=0.025,
            alpha_end=0.0,
            seed=1,
            threads=4,
        )
        assert stats == engine.TrainStats(0.0, 0, 0, False, 0)


# ---- train_corpus on real text ---------------------------------------------


@pytest.fixture(scope="module")
def austen(corpora):
    """Two Austen novels as (tokens, offsets, keep_prob, noise, vocab)."""
    corpus = Corpus([corpora / "pride_and_prejudice.txt", corpora / "emma.txt"])
    vocab = Vocabulary.build(corpus, min_count=5)
    sentences = list(corpus.iter_ids(vocab))
    tokens = np.concatenate(sentences)  # (N,)
    offsets = np.zeros(len(sentences) + 1, np.int64)  # (S+1,)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    keep = vocab.keep_probabilities(1e-3).astype(np.float32)
    noise = vocab.noise_distribution().astype(np.float64)
    return tokens, offsets, keep, noise, vocab


def fresh_vectors(V, D=100, seed=1):
    rng = np.random.default_rng(seed)
    w_in = ((rng.random((V, D), dtype=np.float32) - 0.5) / D).astype(np.float32)
    return w_in, np.zeros((V, D), np.float32)


def train(vectors, data, epochs=1, threads=1, seed=1, control=None):
    tokens, offsets, keep, noise, _ = data
    stats = []
    for epoch in range(epochs):
        alpha = 0.025 * (1 - epoch / epochs)
        stats.append(
            engine.train_corpus(
                *vectors,
                tokens,
                offsets,
                keep,
                noise,
                window=5,
                negative=5,
                alpha_start=alpha,
                alpha_end=max(0.025 * (1 - (epoch + 1) / epochs), 0.025e-4),
                seed=seed + epoch,
                threads=threads,
                control=control,
            )
        )
    return stats


def cosine(w, a, b):
    return w[a] @ w[b] / np.linalg.norm(w[a]) / np.linalg.norm(w[b])


class TestTrainCorpusText:
    def test_one_thread_is_reproducible_bit_for_bit(self, austen):
        V = len(austen[4])
        first, second = fresh_vectors(V), fresh_vectors(V)
        a = train(first, austen)[0]
        b = train(second, austen)[0]
        assert a == b
        np.testing.assert_array_equal(first[0], second[0])
        np.testing.assert_array_equal(first[1], second[1])

    def test_two_threads_learn_related_words(self, austen):
        vocab = austen[4]
        vectors = fresh_vectors(len(vocab))
        stats = train(vectors, austen, epochs=3, threads=2)

        per_pair = [s.loss / s.pairs for s in stats]
        assert per_pair[2] < per_pair[0]
        assert all(s.words == len(austen[0]) for s in stats)
        assert 0.5 * stats[0].words < stats[0].effective_words < stats[0].words

        # Characters of one novel end closer to each other than to function
        # words or to the other novel's characters.
        w = vectors[0]
        ids = {word: vocab.id(word) for word in ("darcy", "bingley", "the", "emma")}
        assert cosine(w, ids["darcy"], ids["bingley"]) > cosine(
            w, ids["darcy"], ids["the"]
        )
        assert cosine(w, ids["darcy"], ids["bingley"]) > cosine(
            w, ids["darcy"], ids["emma"]
        )

    @pytest.mark.parametrize("D", [1, 7, 8, 13, 100])
    def test_simd_levels_agree(self, austen, D, request):
        # The random draws do not depend on the vectors, so every SIMD level
        # trains the same pairs; only FMA rounding differs.
        tokens, offsets, keep, noise, vocab = austen
        short = (tokens[:5000], np.array([0, 5000]), keep, noise, vocab)
        results = []
        request.addfinalizer(lambda: neuron_engine.set_simd(None))
        for level in neuron_engine.available_simd():
            neuron_engine.set_simd(level)
            vectors = fresh_vectors(len(vocab), D)
            results.append((train(vectors, short)[0], vectors))
        for stats, (w_in, w_out) in results[1:]:
            assert stats.pairs == results[0][0].pairs
            assert stats.loss == pytest.approx(results[0][0].loss, rel=1e-4)
            np.testing.assert_allclose(w_in, results[0][1][0], rtol=1e-3, atol=1e-5)
            np.testing.assert_allclose(w_out, results[0][1][1], rtol=1e-3, atol=1e-5)


class TestTrainCorpusSeeds:
    def test_nearby_seeds_draw_independent_streams(self):
        # Subsampling with keep 1/2 keeps Binomial(N, 1/2) words per call, so
        # across seeds the kept counts vary with variance N/4. Seeds once set
        # the generator's state to seed * (its increment): seed s + 1 replayed
        # seed s's stream one draw later, the calls fell into step and kept
        # the same words (every epoch of a run the same subsampling, windows
        # and negatives: 3-epoch analogy accuracy 12-14% instead of 16%).
        V, N, length = 20, 20_000, 10
        tokens = np.arange(N) % V
        offsets = np.arange(0, N + 1, length)
        args = corpus_args(tokens, offsets, V, keep=np.full(V, 0.5, np.float32))
        kept = []
        for seed in range(1, 41):
            w_in, w_out = fresh_vectors(V, 4)
            stats = engine.train_corpus(
                w_in,
                w_out,
                *args,
                window=1,
                negative=0,
                alpha_start=0.0,
                alpha_end=0.0,
                seed=seed,
                threads=1,
            )
            kept.append(stats.effective_words)
        # Sample variance over N/4: chi-square(39) / 39, below 0.4 with
        # probability about 1e-5; the step-locked seeds gave about 0.01.
        ratio = np.var(kept, ddof=1) / (N / 4)
        assert 0.4 < ratio < 2.5


# ---- progress, cancellation, the GIL ---------------------------------------


def run_in_thread(fn):
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", fn()))
    thread.start()
    return thread, box


class TestControl:
    def test_progress_rises_while_running_and_python_runs_meanwhile(self, austen):
        vectors = fresh_vectors(len(austen[4]))
        control = engine.new_control()
        thread, box = run_in_thread(
            lambda: train(vectors, austen, epochs=2, threads=1, control=control)
        )
        seen, python_steps = [], 0
        while thread.is_alive():
            python_steps += 1  # only possible if the engine released the GIL
            if len(seen) < 1000:
                seen.append(int(control[engine.CONTROL_WORDS]))
            time.sleep(0.001)
        thread.join()

        stats = box["result"]
        assert len(set(seen)) >= 5, "control[0] did not move while the call ran"
        assert seen == sorted(seen), "control[0] went backwards"
        assert python_steps > 20
        assert control[engine.CONTROL_WORDS] == sum(s.words for s in stats)
        assert control[engine.CONTROL_PAIRS] == sum(s.pairs for s in stats)

    def test_cancel_flag_stops_the_call_early(self, austen):
        vectors = fresh_vectors(len(austen[4]))
        control = engine.new_control()
        thread, box = run_in_thread(
            lambda: train(vectors, austen, threads=2, control=control)[0]
        )
        while control[engine.CONTROL_WORDS] < 20_000 and thread.is_alive():
            time.sleep(0.0005)
        control[engine.CONTROL_CANCEL] = 1
        thread.join()

        stats = box["result"]
        assert stats.cancelled
        # Each thread stops within about 20k words of the flag.
        assert stats.words < len(austen[0]) - 50_000

    def test_cancel_before_the_call_trains_nothing(self, austen):
        w_in, w_out = fresh_vectors(len(austen[4]))
        before = w_in.copy()
        control = engine.new_control()
        control[engine.CONTROL_CANCEL] = 1
        stats = train((w_in, w_out), austen, control=control)[0]
        assert stats.cancelled
        assert stats.words <= 2 * 10_000
        assert np.count_nonzero((w_in != before).any(axis=1)) < 5_000


# ---- argument checks -------------------------------------------------------


def valid_corpus_call(**change):
    V, D = 6, 4
    args = {
        "w_in": np.zeros((V, D), np.float32),
        "w_out": np.zeros((V, D), np.float32),
        "tokens": np.array([0, 1, 2, 3, 4, 5], np.int32),
        "offsets": np.array([0, 3, 6], np.int64),
        "keep_prob": np.ones(V, np.float32),
        "noise": np.full(V, 1 / V),
        "window": 2,
        "negative": 2,
        "alpha_start": 0.025,
        "alpha_end": 0.0001,
        "seed": 1,
        "threads": 1,
    }
    args.update(change)
    positional = [
        args.pop(n)
        for n in ("w_in", "w_out", "tokens", "offsets", "keep_prob", "noise")
    ]
    return engine.train_corpus(*positional, **args)


V6 = np.zeros((6, 4), np.float32)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            {"w_in": V6.astype(np.float64)},
            DTypeError,
            "w_in of dtype float32, got float64",
        ),
        ({"w_in": [[0.0]]}, ArrayTypeError, "w_in to be a numpy.ndarray, got list"),
        (
            {"w_out": np.zeros((5, 4), np.float32)},
            ShapeError,
            r"w_out of shape \(6, 4\)",
        ),
        ({"w_in": np.zeros((4, 6), np.float32).T}, LayoutError, "w_in to be C-contig"),
        ({"w_out": V6}, InvalidArgumentError, "separate arrays"),  # w_in is V6 too
        ({"tokens": np.zeros(3, np.int64)}, DTypeError, "tokens of dtype int32"),
        ({"tokens": np.array([0, 9], np.int32)}, InvalidArgumentError, r"\[0, 6\).*9"),
        ({"tokens": np.array([0, -1], np.int32)}, InvalidArgumentError, "got -1"),
        (
            {"offsets": np.array([0, 3, 6], np.int32)},
            DTypeError,
            "offsets of dtype int64",
        ),
        ({"offsets": np.array([0, 3], np.int64)}, InvalidArgumentError, "end at len"),
        ({"offsets": np.array([0, 4, 3, 6])}, InvalidArgumentError, "non-decreasing"),
        ({"offsets": np.zeros(0, np.int64)}, ShapeError, "S\\+1 >= 1"),
        ({"keep_prob": np.ones(5, np.float32)}, ShapeError, "keep_prob of length 6"),
        ({"keep_prob": np.full(6, 1.5, np.float32)}, InvalidArgumentError, r"\[0, 1\]"),
        (
            {"noise": np.full(6, 1 / 6, np.float32)},
            DTypeError,
            "noise of dtype float64",
        ),
        ({"noise": np.zeros(6)}, InvalidArgumentError, "positive sum"),
        ({"noise": np.full(6, -1.0)}, InvalidArgumentError, "non-negative"),
        ({"window": 0}, InvalidArgumentError, "window >= 1, got 0"),
        ({"window": 2.0}, InvalidArgumentError, "window to be an int, got float"),
        ({"negative": -1}, InvalidArgumentError, "negative >= 0, got -1"),
        ({"threads": 0}, InvalidArgumentError, "threads >= 1, got 0"),
        ({"threads": True}, InvalidArgumentError, "threads to be an int, got bool"),
        ({"alpha_start": -0.1}, InvalidArgumentError, "alpha_start finite and >= 0"),
        ({"alpha_end": float("nan")}, InvalidArgumentError, "alpha_end finite"),
        ({"seed": "1"}, InvalidArgumentError, "seed to be an int, got str"),
        ({"control": np.zeros(3, np.int64)}, ShapeError, "control of length 4"),
        ({"control": np.zeros(4, np.int32)}, DTypeError, "control of dtype int64"),
    ],
)
def test_train_corpus_rejects(change, error, match):
    if "w_out" in change and change["w_out"] is V6:
        change["w_in"] = V6
    with pytest.raises(error, match=match):
        valid_corpus_call(**change)


def valid_pairs_call(**change):
    args = {
        "w_in": np.zeros((6, 4), np.float32),
        "w_out": np.zeros((6, 4), np.float32),
        "inputs": np.array([0, 1], np.int32),
        "outputs": np.array([2, 3], np.int32),
        "negatives": np.array([[4, 5], [5, 4]], np.int32),
        "alphas": np.array([0.1, 0.1], np.float32),
    }
    args.update(change)
    return engine.train_pairs(**args)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            {"inputs": np.array([0, 1])},
            DTypeError,
            "inputs of dtype int32, got int64",
        ),
        ({"outputs": np.array([2], np.int32)}, ShapeError, "outputs of length 2"),
        ({"negatives": np.array([4, 5], np.int32)}, ShapeError, "negatives with 2 dim"),
        (
            {"negatives": np.zeros((3, 2), np.int32)},
            ShapeError,
            "negatives of length 2",
        ),
        ({"alphas": np.array([0.1, 0.1])}, DTypeError, "alphas of dtype float32"),
        (
            {"inputs": np.array([0, 6], np.int32)},
            InvalidArgumentError,
            r"inputs.*got 6",
        ),
        (
            {"negatives": np.array([[4, 5], [5, -3]], np.int32)},
            InvalidArgumentError,
            r"negatives.*got -3 at flat index 3",
        ),
        ({"w_in": np.zeros((6, 4), np.float16)}, DTypeError, "w_in of dtype float32"),
        (
            {"w_in": np.zeros((3, 6), np.float32)},
            ShapeError,
            r"w_out of shape \(3, 6\)",
        ),
    ],
)
def test_train_pairs_rejects(change, error, match):
    with pytest.raises(error, match=match):
        valid_pairs_call(**change)


def test_read_only_vectors_are_rejected():
    w_in = np.zeros((6, 4), np.float32)
    w_in.flags.writeable = False
    with pytest.raises(InvalidArgumentError, match="w_in to be writable"):
        valid_pairs_call(w_in=w_in)


# ---- the fast sigmoid ------------------------------------------------------


def test_fast_sigmoid_is_within_its_stated_error():
    s = np.linspace(-40, 40, 400_001).astype(np.float32)  # (n,)
    x = s.astype(np.float64)
    sigmoid, log_sigmoid = engine.fast_sigmoid(s)
    assert np.abs(sigmoid - 1 / (1 + np.exp(-x))).max() < 3.2e-6
    assert np.abs(log_sigmoid - -np.logaddexp(0, -x)).max() < 8.2e-6
