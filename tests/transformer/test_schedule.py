"""Learning-rate schedules: each one's formula at the steps where it is
easy to work out by hand, and its shape in between."""

import math

import pytest

from neuron.errors import InvalidArgumentError
from neuron.transformer.schedule import (
    constant_lr,
    cosine_lr,
    learning_rate,
    paper_lr,
)


class TestPaper:
    def test_first_step_is_the_warmup_branch(self):
        # d^-0.5 * min(1, 1 * w^-1.5) = d^-0.5 * w^-1.5
        assert paper_lr(1, 512, 4000) == pytest.approx(512**-0.5 * 4000**-1.5)

    def test_peak_at_warmup_is_one_over_root_of_width_times_warmup(self):
        assert paper_lr(4000, 512, 4000) == pytest.approx((512 * 4000) ** -0.5)
        assert paper_lr(4000, 512, 4000) == pytest.approx(6.9877e-4, rel=1e-4)

    def test_linear_before_warmup_and_inverse_root_after(self):
        d, w = 128, 100
        assert paper_lr(50, d, w) == pytest.approx(paper_lr(25, d, w) * 2)
        assert paper_lr(400, d, w) == pytest.approx(paper_lr(100, d, w) / 2)
        rates = [paper_lr(step, d, w) for step in range(1, 1000)]
        peak = rates.index(max(rates)) + 1
        assert peak == w

    def test_step_zero_is_refused_because_steps_count_from_one(self):
        with pytest.raises(InvalidArgumentError, match="counted from 1"):
            paper_lr(0, 512, 4000)


class TestCosine:
    KNOBS = {"peak": 1e-3, "warmup": 10, "total": 110, "floor": 1e-4}

    def test_linear_warmup_from_zero_to_the_peak(self):
        assert cosine_lr(1, **self.KNOBS) == pytest.approx(1e-4)
        assert cosine_lr(5, **self.KNOBS) == pytest.approx(5e-4)
        assert cosine_lr(10, **self.KNOBS) == pytest.approx(1e-3)

    def test_halfway_through_the_decay_is_the_midpoint(self):
        assert cosine_lr(60, **self.KNOBS) == pytest.approx((1e-3 + 1e-4) / 2)

    def test_reaches_the_floor_at_the_last_step_and_stays(self):
        assert cosine_lr(110, **self.KNOBS) == pytest.approx(1e-4)
        assert cosine_lr(500, **self.KNOBS) == 1e-4

    def test_decays_monotonically_after_warmup(self):
        rates = [cosine_lr(step, **self.KNOBS) for step in range(10, 111)]
        assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))

    def test_hand_computed_quarter(self):
        # progress 1/4: floor + (peak - floor) * (1 + cos(pi / 4)) / 2
        expected = 1e-4 + 9e-4 * (1 + math.cos(math.pi / 4)) / 2
        assert cosine_lr(35, **self.KNOBS) == pytest.approx(expected)

    def test_no_warmup_starts_near_the_peak(self):
        knobs = {**self.KNOBS, "warmup": 0}
        assert 0.99e-3 < cosine_lr(1, **knobs) < 1e-3

    def test_a_floor_above_the_peak_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="floor <= peak"):
            cosine_lr(1, peak=1e-4, warmup=0, total=10, floor=1e-3)


class TestByName:
    def test_each_name_picks_its_function(self):
        knobs = {"lr": 1e-3, "warmup": 10, "total": 100, "floor": 0.0}
        assert learning_rate("constant", 7, d_model=64, **knobs) == constant_lr(
            7, rate=1e-3
        )
        assert learning_rate("paper", 7, d_model=64, **knobs) == paper_lr(7, 64, 10)
        assert learning_rate("cosine", 7, d_model=64, **knobs) == cosine_lr(
            7, peak=1e-3, warmup=10, total=100, floor=0.0
        )

    def test_unknown_name_lists_the_known_ones(self):
        with pytest.raises(InvalidArgumentError, match="'cosine', 'paper'"):
            learning_rate("linear", 1, lr=1e-3, warmup=0, total=1, floor=0.0, d_model=8)
