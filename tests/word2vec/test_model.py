"""Word2Vec end to end: initialisation, the three backends, progress and
cancelling, saving, and training on real text followed by evaluation."""

import numpy as np
import polars as pl
import pytest
import torch

from neuron.errors import CudaUnavailableError, DataFileError, InvalidArgumentError
from neuron.text import Corpus
from neuron.word2vec import (
    TrainingProgress,
    Word2Vec,
    analogy_accuracy,
    similarity_correlation,
)
from tests.word2vec.conftest import engine_word2vec

needs_engine = pytest.mark.skipif(
    engine_word2vec() is None, reason="engine word2vec not built yet"
)


def test_initial_matrices_follow_the_contract():
    # One-word sentences form no pairs, so training leaves the start untouched.
    model = Word2Vec(vector_size=8, min_count=1, backend="reference", seed=5)
    model.fit([["a"], ["b"], ["a"]])
    expected = np.random.default_rng(5).uniform(-1 / 8, 1 / 8, size=(2, 8))
    np.testing.assert_array_equal(model.w_in, expected.astype(np.float32))
    np.testing.assert_array_equal(model.w_out, 0)
    assert model.w_in.dtype == model.w_out.dtype == np.float32
    assert model.vectors.words == ["a", "b"]


class TestReferenceBackend:
    def test_trains_reproducibly(self, novel_sentences):
        settings = dict(vector_size=10, min_count=3, epochs=2, backend="reference")
        first = Word2Vec(**settings).fit(novel_sentences)
        second = Word2Vec(**settings).fit(novel_sentences)
        np.testing.assert_array_equal(first.w_in, second.w_in)
        assert first.loss_history == second.loss_history
        assert len(first.loss_history) == 2
        # The first epoch starts at (k + 1) log 2 = 4.16 and learns from there.
        assert 0 < first.loss_history[1] < 6 * np.log(2)

    def test_progress_can_stop_the_run(self, novel_sentences):
        seen: list[TrainingProgress] = []

        def stop(record: TrainingProgress) -> bool:
            seen.append(record)
            return False

        model = Word2Vec(vector_size=10, min_count=3, epochs=3, backend="reference")
        model.fit(novel_sentences, progress=stop)
        assert model.cancelled and len(model.loss_history) == 1
        assert len(seen) == 1 and seen[0].epoch == 1
        assert 0 < seen[0].fraction <= 1 / 3 + 1e-9


@needs_engine
def test_engine_exact_ends_the_first_epoch_with_the_reference_vectors(
    novel_sentences,
):
    # The deterministic mode: the same seed gives the same pair stream, fed to
    # the NumPy reference and to the compiled engine (one thread, exact
    # sigmoid); float32 arithmetic in a different order may differ slightly.
    settings = dict(vector_size=24, window=4, min_count=2, epochs=1, seed=7)
    numpy_model = Word2Vec(backend="reference", **settings).fit(novel_sentences)
    engine_model = Word2Vec(backend="engine-exact", **settings).fit(novel_sentences)

    assert numpy_model.vocabulary.words == engine_model.vocabulary.words
    np.testing.assert_allclose(
        engine_model.w_in, numpy_model.w_in, rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        engine_model.w_out, numpy_model.w_out, rtol=1e-4, atol=1e-6
    )
    assert engine_model.loss_history[0] == pytest.approx(
        numpy_model.loss_history[0], rel=1e-5
    )
    # Not trivially equal: training moved the vectors away from their start.
    start = np.random.default_rng(7).uniform(-0.5 / 24, 0.5 / 24, (1, 24))
    assert not np.allclose(numpy_model.w_in[0], start[0])


@needs_engine
class TestEngineBackend:
    def test_reproducible_with_one_thread(self, novel):
        settings = dict(vector_size=16, epochs=1, threads=1, chunk_words=40_000)
        first = Word2Vec(**settings).fit(novel)
        second = Word2Vec(**settings).fit(novel)
        np.testing.assert_array_equal(first.w_in, second.w_in)
        assert first.loss_history == second.loss_history

    def test_streams_in_bounded_chunks_and_reports_each(self, novel, monkeypatch):
        engine = engine_word2vec()
        real = engine.train_corpus
        sizes: list[int] = []

        def spy(w_in, w_out, tokens, offsets, *args, **kwargs):
            sizes.append(len(tokens))
            assert offsets[0] == 0 and offsets[-1] == len(tokens)
            return real(w_in, w_out, tokens, offsets, *args, **kwargs)

        monkeypatch.setattr(engine, "train_corpus", spy)
        records: list[TrainingProgress] = []
        model = Word2Vec(vector_size=16, epochs=2, chunk_words=30_000)
        model.fit(novel, progress=records.append)

        # Each chunk is cut after the sentence that reaches chunk_words.
        assert len(sizes) >= 6 and max(sizes) < 30_000 + 10_000
        assert sum(sizes) == 2 * model.vocabulary.total
        assert len(records) >= len(sizes)
        assert records[-1].words_done == records[-1].total_words
        assert [r.epoch for r in records] == sorted(r.epoch for r in records)
        assert len(model.loss_history) == 2 and not model.cancelled

    def test_cancel_stops_within_an_epoch(self, novel):
        model = Word2Vec(vector_size=16, epochs=5, chunk_words=20_000)
        model.fit(novel, progress=lambda record: model.cancel())
        assert model.cancelled and len(model.loss_history) == 1


def test_save_and_load_round_trip_exactly(tmp_path, novel_sentences):
    model = Word2Vec(vector_size=6, min_count=3, epochs=1, backend="reference")
    model.fit(novel_sentences)
    path = model.save(tmp_path / "model.npz")
    back = Word2Vec.load(path)
    assert back.settings() == model.settings()
    assert back.vocabulary == model.vocabulary
    np.testing.assert_array_equal(back.w_in, model.w_in)
    np.testing.assert_array_equal(back.w_out, model.w_out)
    assert back.loss_history == model.loss_history


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(DataFileError, match="expected a word2vec model"):
        Word2Vec.load(path)


def test_settings_are_checked():
    with pytest.raises(InvalidArgumentError, match="expected backend of"):
        Word2Vec(backend="gpu")
    with pytest.raises(InvalidArgumentError, match="expected window >= 1"):
        Word2Vec(window=0)
    with pytest.raises(InvalidArgumentError, match="before fit"):
        _ = Word2Vec().vectors


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_backend_without_a_device_says_so():
    with pytest.raises(CudaUnavailableError, match="backend='engine' on CPU"):
        Word2Vec(backend="cuda").fit([["a", "b"]])


@pytest.mark.slow
@needs_engine
def test_trains_on_the_novels_and_evaluates(corpora):
    # All the novels (~1M words), twice: about 10 s on two cores.
    model = Word2Vec(vector_size=50, epochs=2, seed=1).fit(Corpus(corpora))
    assert model.loss_history[1] < model.loss_history[0] < 4 * np.log(2) + 0.5

    analogies = analogy_accuracy(model.vectors)
    assert analogies["section"][-1] == "total"
    assert analogies["total"][-1] > 1_000
    assert analogies["accuracy"][-1] > 0

    similarity = similarity_correlation(model.vectors)
    assert similarity.shape == (1, 5)
    assert similarity["pairs"][0] >= 60
    assert similarity["spearman"][0] > 0
    assert isinstance(similarity, pl.DataFrame)


@needs_engine
def test_bench_mean_quality_averages_models_of_each_seed(novel):
    from neuron.word2vec import bench

    corpus = bench.load_corpus(novel.files)
    one = bench.mean_quality(corpus, "engine", 1, [3], epochs=1, vector_size=20)
    two = bench.mean_quality(corpus, "engine", 1, [3, 4], epochs=1, vector_size=20)
    four = bench.mean_quality(corpus, "engine", 1, [4], epochs=1, vector_size=20)

    for key in ("analogy", "similarity"):
        assert two[key] == pytest.approx((one[key] + four[key]) / 2)
    with pytest.raises(InvalidArgumentError, match="at least one seed"):
        bench.mean_quality(corpus, "engine", 1, [])
