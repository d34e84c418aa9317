"""The reversal task: its data, its training, and the anti-diagonal that
cross-attention learns."""

import dataclasses

import numpy as np
import pytest
import torch

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer import reference
from neuron.transformer.model import Transformer
from neuron.transformer.seq2seq_task import (
    BOS,
    PAD,
    VOCAB_SIZE,
    greedy_decode,
    reversal_attention,
    reversal_batch,
    symbol_text,
    teacher_forcing,
    train_reversal,
)

from .conftest import DECODER, F64


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Every test on one torch thread, as on one core; a tiny model runs
    fastest so, and a loaded machine does not make it crawl."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained():
    """One run with the defaults, on one thread (about 12 s on a loaded
    two-core machine)."""
    return train_reversal(seed=0)


class TestData:
    def test_targets_are_the_reversed_sources(self):
        data = reversal_batch(32, seed=3, min_length=2, max_length=9)
        for b in range(32):
            n = data.lengths[b]
            np.testing.assert_array_equal(data.labels[b, :n], data.source[b, :n][::-1])
        assert data.lengths.min() >= 2 and data.lengths.max() <= 9
        assert data.source.shape == (32, 9) and data.source.dtype == np.int64

    def test_teacher_forcing_reads_bos_then_the_target_shifted_by_one(self):
        data = reversal_batch(16, seed=4)
        for b in range(16):
            n = data.lengths[b]
            assert data.decoder_input[b, 0] == BOS
            np.testing.assert_array_equal(
                data.decoder_input[b, 1:n], data.labels[b, : n - 1]
            )

    def test_padding_is_masked_everywhere(self):
        data = reversal_batch(64, seed=5, min_length=1, max_length=7)
        expected = np.arange(7) < data.lengths[:, None]  # (B, S)
        np.testing.assert_array_equal(data.source_mask, expected)
        np.testing.assert_array_equal(data.target_mask, expected)
        for array in (data.source, data.labels, data.decoder_input):
            assert np.all(array[~expected] == PAD)
            assert np.all(array[expected] != PAD)
        assert data.source[expected].min() >= 2
        assert data.source[expected].max() < VOCAB_SIZE

    def test_a_seed_gives_one_batch(self):
        a, b = reversal_batch(8, seed=7), reversal_batch(8, seed=7)
        np.testing.assert_array_equal(a.source, b.source)
        assert not np.array_equal(a.source, reversal_batch(8, seed=8).source)

    def test_teacher_forcing_by_hand(self):
        labels = np.array([[5, 6, 7], [8, 9, PAD]])
        mask = np.array([[1, 1, 1], [1, 1, 0]])
        np.testing.assert_array_equal(
            teacher_forcing(labels, mask), [[BOS, 5, 6], [BOS, 8, PAD]]
        )

    def test_symbols_read_as_letters(self):
        assert symbol_text([2, 3, 17, PAD, BOS]) == ["a", "b", "p", "_", "<s>"]


class TestTraining:
    def test_it_learns_to_reverse_held_out_sequences(self, trained):
        # Measured: exact 1.000 (seed 0), 0.980 and 0.996 (seeds 1, 2).
        assert trained.exact_accuracy >= 0.9
        assert trained.token_accuracy >= 0.95
        assert len(trained.losses) == 600
        assert trained.losses[-20:].mean() < trained.losses[:20].mean() / 10

    def test_greedy_decoding_of_the_numpy_parameters_matches(self, trained):
        sources = trained.held_out.source[:16]
        decoded = greedy_decode(trained.config, trained.params, sources)
        np.testing.assert_array_equal(decoded, trained.predictions[:16])
        one = greedy_decode(trained.config, trained.params, trained.source(0))
        assert one.shape == (trained.held_out.lengths[0],)

    def test_cross_attention_draws_the_anti_diagonal(self, trained):
        # The last decoder block, averaged over heads, peaks on source
        # position n - 1 - t for target position t. Measured: 0.97 to 0.98
        # of the positions over seeds 0 to 2 (the first block: about 0.16).
        hits = []
        for i in range(32):
            seen = reversal_attention(trained.config, trained.params, trained.source(i))
            n = seen.cross.shape[-1]
            assert seen.cross.shape == (2, 4, n, n)
            np.testing.assert_allclose(seen.cross.sum(axis=-1), 1.0, rtol=1e-5)
            peak = seen.cross[-1].mean(axis=0).argmax(axis=-1)  # (n,)
            hits.extend(peak == n - 1 - np.arange(n))
        assert np.mean(hits) >= 0.8

    def test_reference_and_pytorch_agree_on_the_trained_model(self, trained):
        params = {k: v.astype(np.float64) for k, v in trained.params.items()}
        model = Transformer(trained.config).double()
        model.load_numpy(params)
        data = trained.held_out
        with torch.no_grad():
            ours = model(
                torch.from_numpy(data.decoder_input),
                attention_mask=torch.from_numpy(data.target_mask),
                source_ids=torch.from_numpy(data.source),
                source_mask=torch.from_numpy(data.source_mask),
            ).numpy()  # (B, T, V)
        theirs = reference.forward(
            trained.config,
            params,
            data.decoder_input,
            attention_mask=data.target_mask,
            source_ids=data.source,
            source_mask=data.source_mask,
        )  # (B, T, V)
        real = data.target_mask != 0  # (B, T)
        np.testing.assert_allclose(ours[real], theirs[real], **F64)

    def test_progress_follows_the_steps(self):
        calls = []
        result = train_reversal(
            steps=10,
            batch=4,
            held_out=4,
            progress=lambda step, total, loss: calls.append((step, total, loss)),
        )
        assert [c[0] for c in calls] == list(range(1, 11))
        assert all(total == 10 for _, total, _ in calls)
        assert calls[-1][2] == result.losses[-1]
        assert set(result.params) == set(Transformer(result.config).numpy_parameters())


class TestRefusals:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"steps": 0},
            {"batch": 2.5},
            {"lr": 0.0},
            {"lr": float("nan")},
            {"seed": -1},
            {"min_length": 6, "max_length": 3},
            {"progress": "yes"},
            {"config": DECODER},
            {"config": "small"},
            {"threads": 0},
        ],
    )
    def test_bad_training_arguments(self, kwargs):
        with pytest.raises(InvalidArgumentError, match="expected"):
            train_reversal(**kwargs)

    def test_a_config_too_small_for_the_task(self, trained):
        short = dataclasses.replace(trained.config, context=4)
        with pytest.raises(InvalidArgumentError, match="context >= 10"):
            train_reversal(short)

    def test_bad_sources(self, trained):
        config, params = trained.config, trained.params
        with pytest.raises(DTypeError, match="integer dtype"):
            greedy_decode(config, params, np.array([2.0, 3.0]))
        with pytest.raises(InvalidArgumentError, match="followed by PAD"):
            greedy_decode(config, params, np.array([PAD, 3, 4]))
        with pytest.raises(InvalidArgumentError, match="followed by PAD"):
            greedy_decode(config, params, np.array([BOS, 3, 4]))
        with pytest.raises(ShapeError, match="context"):
            greedy_decode(config, params, np.full(11, 3))
        with pytest.raises(ShapeError, match="one source"):
            reversal_attention(config, params, trained.held_out.source[:2])
        with pytest.raises(InvalidArgumentError, match="Transformer or a dict"):
            greedy_decode(config, [1, 2], np.array([3, 4]))

    def test_bad_batches(self):
        with pytest.raises(InvalidArgumentError, match="batch >= 1"):
            reversal_batch(0)
        with pytest.raises(ShapeError, match="one shape"):
            teacher_forcing(np.zeros((2, 3)), np.zeros((2, 4)))
