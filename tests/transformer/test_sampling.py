"""Sampling: the top-k and top-p filters on hand-made distributions, and
generate's greedy, filtered and seeded behaviour on a small model."""

import math

import pytest
import torch

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.model import Transformer
from neuron.transformer.sampling import generate, top_k_filter, top_p_filter

from .conftest import DECODER

INF = float("-inf")


def log_probs(*probabilities: float) -> torch.Tensor:
    return torch.tensor([math.log(p) for p in probabilities])


def kept(logits: torch.Tensor) -> list[int]:
    return torch.nonzero(torch.isfinite(logits)).flatten().tolist()


class TestTopK:
    def test_keeps_the_k_largest(self):
        logits = torch.tensor([1.0, 5.0, 3.0, 4.0, 2.0])
        out = top_k_filter(logits, 2)
        assert kept(out) == [1, 3]
        assert out[1] == 5.0 and out[3] == 4.0  # the kept ones are unchanged

    def test_ties_at_the_boundary_are_all_kept(self):
        assert kept(top_k_filter(torch.tensor([1.0, 3.0, 3.0, 0.0]), 1)) == [1, 2]

    def test_each_row_is_filtered_on_its_own(self):
        logits = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
        out = top_k_filter(logits, 1)
        assert torch.isfinite(out).tolist() == [
            [False, False, True],
            [True, False, False],
        ]

    def test_k_of_the_vocabulary_or_more_keeps_everything(self):
        logits = torch.tensor([0.5, -1.0, 2.0])
        assert torch.equal(top_k_filter(logits, 3), logits)
        assert torch.equal(top_k_filter(logits, 10), logits)

    @pytest.mark.parametrize("k", [0, -1, 1.5, True])
    def test_a_k_that_is_not_a_positive_integer_is_refused(self, k):
        with pytest.raises(InvalidArgumentError, match="top_k"):
            top_k_filter(torch.zeros(3), k)


class TestTopP:
    # Probabilities 0.5, 0.3, 0.15, 0.05, shuffled so order matters.
    LOGITS = log_probs(0.15, 0.5, 0.05, 0.3)

    @pytest.mark.parametrize(
        ("p", "expected"),
        [
            (0.4, [1]),  # 0.5 alone reaches 0.4
            (0.75, [1, 3]),  # 0.5 + 0.3 = 0.8 reaches 0.75
            (0.85, [0, 1, 3]),  # 0.5 + 0.3 + 0.15 = 0.95
            (0.97, [0, 1, 2, 3]),
            (1.0, [0, 1, 2, 3]),
        ],
    )
    def test_keeps_the_smallest_set_reaching_p(self, p, expected):
        assert kept(top_p_filter(self.LOGITS, p)) == expected

    def test_the_most_likely_token_is_always_kept(self):
        assert kept(top_p_filter(self.LOGITS, 1e-9)) == [1]

    def test_renormalised_probabilities_are_the_kept_ones_scaled(self):
        probabilities = torch.softmax(top_p_filter(self.LOGITS, 0.75), dim=-1)
        torch.testing.assert_close(
            probabilities, torch.tensor([0.0, 0.5 / 0.8, 0.0, 0.3 / 0.8])
        )

    def test_rows_are_independent(self):
        logits = torch.stack([self.LOGITS, self.LOGITS.flip(0)])  # (2, 4)
        out = top_p_filter(logits, 0.75)
        assert kept(out[0]) == [1, 3] and kept(out[1]) == [0, 2]

    @pytest.mark.parametrize("p", [0.0, -0.1, 1.5])
    def test_p_outside_zero_to_one_is_refused(self, p):
        with pytest.raises(InvalidArgumentError, match=r"top_p in \(0, 1\]"):
            top_p_filter(self.LOGITS, p)


@pytest.fixture(scope="module")
def model() -> Transformer:
    torch.manual_seed(0)
    return Transformer(DECODER).eval()


class TestGenerate:
    def test_greedy_picks_the_argmax_at_every_step(self, model):
        prompt = [3, 1, 4]
        out = generate(model, prompt, 6, temperature=0)
        assert out.shape == (9,) and out[:3].tolist() == prompt
        ids = torch.tensor([prompt])
        with torch.no_grad():
            for _ in range(6):
                new = model(ids)[:, -1].argmax(-1, keepdim=True)
                ids = torch.cat([ids, new], dim=1)
        assert out.tolist() == ids[0].tolist()

    def test_top_k_of_one_is_greedy(self, model):
        greedy = generate(model, [5], 8, temperature=0)
        sampled = generate(
            model, [5], 8, top_k=1, generator=torch.Generator().manual_seed(1)
        )
        assert torch.equal(greedy, sampled)

    def test_equal_generator_seeds_give_equal_samples(self, model):
        def sample(seed):
            generator = torch.Generator().manual_seed(seed)
            return generate(model, [1, 2], 20, generator=generator, top_p=0.9)

        assert torch.equal(sample(7), sample(7))
        assert not torch.equal(sample(7), sample(8))

    def test_every_new_token_is_among_the_top_k(self, model):
        out = generate(
            model, [2], 12, top_k=3, generator=torch.Generator().manual_seed(0)
        )
        with torch.no_grad():
            logits = model(out[None, :-1])[0]  # (T, V)
        for position in range(len(out) - 1):
            top = torch.topk(logits[position], 3).indices.tolist()
            assert out[position + 1].item() in top

    def test_a_batch_of_prompts_and_a_prompt_longer_than_the_context(self, model):
        prompts = torch.randint(0, DECODER.vocab_size, (2, DECODER.context + 5))
        out = generate(model, prompts, 4, generator=torch.Generator().manual_seed(0))
        assert out.shape == (2, DECODER.context + 9)
        assert torch.equal(out[:, : DECODER.context + 5], prompts)

    def test_leaves_the_model_in_the_mode_it_was_in(self, model):
        model.train()
        generate(model, [1], 2, temperature=0)
        assert model.training
        model.eval()

    def test_an_empty_prompt_is_refused(self, model):
        with pytest.raises(ShapeError, match="at least one token"):
            generate(model, [], 3)

    def test_negative_temperature_is_refused(self, model):
        with pytest.raises(InvalidArgumentError, match="0 is greedy"):
            generate(model, [1], 3, temperature=-1.0)
