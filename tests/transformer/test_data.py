"""Training data: the token stream and its split, batches as shifted
windows, the seeded draw, its resumable position, and the split of a global
batch across processes."""

import pytest
import torch

from neuron.errors import InvalidArgumentError
from neuron.text import CharTokenizer
from neuron.transformer.data import Batches, TextData, validation_batches

TEXT = "the quick brown fox jumps over the lazy dog. " * 20


class TestTextData:
    def test_characters_split_into_train_then_validation(self):
        data = TextData.from_text(TEXT, "char", val_fraction=0.1)
        n = len(TEXT)
        assert len(data.val) == n // 10 and len(data.train) == n - n // 10
        assert data.tokenizer.decode(data.train.tolist()) == TEXT[: n - n // 10]
        assert data.tokenizer.decode(data.val.tolist()) == TEXT[n - n // 10 :]
        assert data.train.dtype == torch.long

    def test_bpe_is_trained_on_the_text(self):
        data = TextData.from_text(TEXT, "bpe", bpe_vocab_size=270)
        assert data.vocab_size == 270
        ids = torch.cat([data.train, data.val]).tolist()
        assert data.tokenizer.decode(ids) == TEXT
        assert len(ids) < len(TEXT)  # merges shorten the stream

    def test_a_tokenizer_given_is_used(self):
        tokenizer = CharTokenizer.build(TEXT + "XYZ")
        data = TextData.from_text(TEXT, tokenizer)
        assert data.tokenizer is tokenizer and data.vocab_size == tokenizer.vocab_size

    def test_from_file_records_the_source(self, tmp_path):
        path = tmp_path / "t.txt"
        path.write_text(TEXT, encoding="utf-8")
        data = TextData.from_file(path)
        assert data.source == path.absolute()
        assert data.describe()["source"] == str(path.absolute())
        assert data.describe()["tokenizer"] == "char"

    def test_an_unknown_tokenizer_name_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="'char', 'bpe'"):
            TextData.from_text(TEXT, "words")


class TestBatches:
    tokens = torch.arange(1000)

    def test_targets_are_the_inputs_shifted_by_one(self):
        inputs, targets = Batches(self.tokens, 4, 16, seed=0).next()
        assert inputs.shape == targets.shape == (4, 16)
        assert torch.equal(inputs[:, 1:], targets[:, :-1])
        # arange: each window is consecutive ids
        assert torch.equal(targets, inputs + 1)

    def test_windows_stay_inside_the_stream(self):
        batches = Batches(torch.arange(20), 64, 19, seed=0)
        inputs, targets = batches.next()
        assert int(inputs.min()) == 0 and int(targets.max()) == 19

    def test_equal_seeds_equal_batches(self):
        a, b = Batches(self.tokens, 4, 8, seed=3), Batches(self.tokens, 4, 8, seed=3)
        for _ in range(3):
            assert all(
                torch.equal(x, y) for x, y in zip(a.next(), b.next(), strict=True)
            )
        assert not torch.equal(
            Batches(self.tokens, 4, 8, seed=4).next()[0], a.next()[0]
        )

    @pytest.mark.parametrize("world_size", [2, 4])
    def test_processes_split_the_global_batch_one_process_draws(self, world_size):
        single = Batches(self.tokens, 8, 5, seed=1)
        ranks = [
            Batches(self.tokens, 8, 5, seed=1, rank=r, world_size=world_size)
            for r in range(world_size)
        ]
        for _ in range(3):
            whole = single.next()[0]
            parts = [batches.next()[0] for batches in ranks]
            assert all(part.shape == (8 // world_size, 5) for part in parts)
            assert torch.equal(torch.cat(parts), whole)

    def test_a_saved_position_continues_with_the_next_batch(self):
        batches = Batches(self.tokens, 4, 8, seed=0)
        batches.next()
        state = batches.state_dict()
        expected = [batches.next()[0] for _ in range(2)]
        resumed = Batches(self.tokens, 4, 8, seed=99)
        resumed.load_state_dict(state)
        assert resumed.drawn == 1
        assert all(torch.equal(resumed.next()[0], x) for x in expected)

    def test_a_batch_the_processes_cannot_share_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="multiple of 3"):
            Batches(self.tokens, 8, 4, seed=0, world_size=3)

    def test_a_stream_shorter_than_a_window_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="more than context = 16"):
            Batches(torch.arange(16), 2, 16, seed=0)

    def test_validation_batches_are_the_same_every_time(self):
        first = validation_batches(self.tokens, 3, 4, 8, seed=5)
        again = validation_batches(self.tokens, 3, 4, 8, seed=5)
        assert len(first) == 3
        assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again, strict=True))
