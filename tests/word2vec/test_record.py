"""A word2vec run recorded in the store: config, metrics, a snapshot per
epoch, and how it ends; and the ``on_epoch`` hook it relies on."""

import json

import numpy as np
import pytest

from neuron.errors import DataFileError
from neuron.store import Store
from neuron.word2vec import Word2Vec
from neuron.word2vec.record import RUN_KIND, read_snapshot, train_recorded


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home" / "neuron.db") as opened:
        yield opened


def small_model(**settings) -> Word2Vec:
    defaults = dict(vector_size=8, min_count=3, epochs=2, backend="reference", seed=4)
    return Word2Vec(**(defaults | settings))


class TestOnEpoch:
    def test_receives_a_copy_of_the_vectors_after_each_epoch(self, novel_sentences):
        seen = []
        model = small_model()
        model.fit(novel_sentences, on_epoch=lambda e, v: seen.append((e, v)))
        assert [e for e, _ in seen] == [1, 2]
        first, last = seen[0][1], seen[1][1]
        assert first.words == model.vectors.words
        np.testing.assert_array_equal(last.matrix, model.w_in)
        assert last.matrix is not model.w_in
        assert not np.array_equal(first.matrix, last.matrix)

    def test_leaves_training_unchanged(self, novel_sentences):
        plain = small_model().fit(novel_sentences)
        hooked = small_model().fit(novel_sentences, on_epoch=lambda e, v: None)
        np.testing.assert_array_equal(plain.w_in, hooked.w_in)
        assert plain.loss_history == hooked.loss_history

    def test_is_not_called_for_an_epoch_a_cancel_cut_short(self, novel_sentences):
        seen = []
        model = small_model(epochs=3)
        model.fit(novel_sentences, progress=lambda r: False, on_epoch=seen.append)
        assert model.cancelled and seen == []


class TestTrainRecorded:
    def test_records_config_metrics_and_a_snapshot_per_epoch(
        self, store, novel_sentences
    ):
        result = train_recorded(small_model(), novel_sentences, store, name="tiny")
        run = store.get_run(result.run_id)
        assert run.name == "tiny" and run.status == "finished"
        assert run.config["kind"] == RUN_KIND
        assert run.config["vector_size"] == 8 and run.seed == 4
        assert run.environment["backend"] == "reference"
        assert run.summary["epochs_done"] == 2
        assert run.summary["vocabulary"] == len(result.model.vocabulary)

        names = {name for _, name, _ in store.metrics(result.run_id)}
        assert {"words_per_second", "alpha", "progress", "loss", "epoch"} <= names
        steps = [step for step, _, _ in store.metrics(result.run_id)]
        assert steps == sorted(steps)

        checkpoints = store.checkpoints(result.run_id)
        assert [c["step"] for c in checkpoints] == [1, 2]
        assert checkpoints[1]["metrics"]["epoch"] == 2.0
        last = read_snapshot(checkpoints[-1]["path"])
        assert last.words == result.model.vectors.words
        np.testing.assert_array_equal(last.matrix, result.model.w_in)

    def test_puts_files_beside_the_store_unless_told(
        self, store, novel_sentences, tmp_path
    ):
        result = train_recorded(small_model(epochs=1), novel_sentences, store)
        run = store.get_run(result.run_id)
        assert result.folder == store.path.parent / "runs" / run.uid
        assert (result.folder / "model.npz").is_file()
        assert Word2Vec.load(result.folder / "model.npz").loss_history == (
            result.model.loss_history
        )

        elsewhere = train_recorded(
            small_model(epochs=1), novel_sentences, store, out_dir=tmp_path / "out"
        )
        assert (tmp_path / "out" / "epoch-001.npy").is_file()
        assert elsewhere.folder == tmp_path / "out"

    def test_records_words_as_json_so_any_token_survives(self, store):
        sentences = [["naïve", "café", "a b"], ["naïve", "café", "a b"]] * 5
        result = train_recorded(small_model(min_count=1, epochs=1), sentences, store)
        words = json.loads((result.folder / "words.json").read_text(encoding="utf-8"))
        assert set(words) == {"naïve", "café", "a b"}

    def test_a_cancelled_run_is_marked_stopped(self, store, novel_sentences):
        result = train_recorded(
            small_model(epochs=3), novel_sentences, store, progress=lambda r: False
        )
        assert store.get_run(result.run_id).status == "stopped"
        assert store.checkpoints(result.run_id) == []

    def test_a_failing_run_is_marked_failed_and_the_error_raised(self, store):
        def broken():
            yield ["a", "b", "a", "b"]
            raise OSError("disk gone")

        class Corpus:
            def __iter__(self):
                return broken()

        with pytest.raises(OSError, match="disk gone"):
            train_recorded(small_model(min_count=1), Corpus(), store)
        (run,) = store.list_runs()
        assert run.status == "failed"
        assert "disk gone" in run.summary["error"]


def test_read_snapshot_refuses_a_file_without_its_words(tmp_path):
    np.save(tmp_path / "epoch-001.npy", np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(DataFileError, match="words.json"):
        read_snapshot(tmp_path / "epoch-001.npy")
