import math

import numpy as np
import pytest

from neuron.attention.scaling import (
    dot_product_variance,
    sample_dot_products,
    saturation_row,
    softmax_jacobian_norm,
)
from neuron.errors import InvalidArgumentError
from neuron.softmax.reference import softmax


class TestDotProductVariance:
    def test_is_width_times_both_variances(self):
        assert dot_product_variance(64) == 64.0
        assert dot_product_variance(16, 2.0, 0.5) == 16.0

    @pytest.mark.parametrize("bad", [0, -3, 2.5, True])
    def test_refuses_a_width_that_is_not_a_positive_integer(self, bad):
        with pytest.raises(InvalidArgumentError, match="d_k"):
            dot_product_variance(bad)

    def test_refuses_a_negative_variance(self):
        with pytest.raises(InvalidArgumentError, match="var_q"):
            dot_product_variance(4, -1.0)


class TestSampleDotProducts:
    @pytest.mark.parametrize("d_k", [1, 16, 256])
    def test_sample_variance_matches_the_formula(self, d_k):
        found = sample_dot_products(d_k, samples=20000, seed=1)
        assert found.dots.shape == (20000,)
        assert found.predicted == d_k
        assert found.variance == pytest.approx(d_k, rel=0.06)
        assert abs(found.mean) < 4 * math.sqrt(d_k / 20000)

    def test_scaled_variance_stays_near_one(self):
        for d_k in (4, 512):
            found = sample_dot_products(d_k, samples=20000, scaled=True, seed=2)
            assert found.predicted == 1.0
            assert found.variance == pytest.approx(1.0, rel=0.06)

    def test_entry_variances_multiply(self):
        found = sample_dot_products(32, samples=20000, var_q=2.0, var_k=3.0)
        assert found.predicted == 192.0
        assert found.variance == pytest.approx(192.0, rel=0.06)

    def test_same_seed_gives_same_samples(self):
        a = sample_dot_products(8, samples=50, seed=3)
        b = sample_dot_products(8, samples=50, seed=3)
        np.testing.assert_array_equal(a.dots, b.dots)

    def test_refuses_a_single_sample(self):
        with pytest.raises(InvalidArgumentError, match="samples >= 2"):
            sample_dot_products(8, samples=1)


class TestSoftmaxJacobianNorm:
    def test_matches_the_jacobian_built_column_by_column(self):
        p = softmax(np.array([0.3, -1.0, 2.0, 0.5]))
        J = np.diag(p) - np.outer(p, p)
        assert softmax_jacobian_norm(p) == pytest.approx(np.linalg.norm(J))

    def test_uniform_weights_give_sqrt_s_minus_one_over_s(self):
        S = 8
        assert softmax_jacobian_norm(np.full(S, 1 / S)) == pytest.approx(
            math.sqrt(S - 1) / S
        )

    def test_one_hot_passes_no_gradient(self):
        assert softmax_jacobian_norm(np.array([0.0, 1.0, 0.0])) == 0.0

    def test_refuses_a_matrix(self):
        with pytest.raises(InvalidArgumentError, match=r"\(S,\)"):
            softmax_jacobian_norm(np.ones((2, 2)) / 2)


class TestSaturationRow:
    def test_rows_are_softmaxes_of_the_scores(self):
        row = saturation_row(64, keys=6, seed=0)
        assert row.scores.shape == (6,)
        np.testing.assert_allclose(row.unscaled, softmax(row.scores))
        np.testing.assert_allclose(row.scaled, softmax(row.scores / 8.0))

    def test_large_width_saturates_only_without_the_scale(self):
        rows = [saturation_row(1024, keys=8, seed=s) for s in range(20)]
        assert np.mean([r.unscaled.max() for r in rows]) > 0.9
        assert np.mean([r.scaled.max() for r in rows]) < 0.6
        assert np.mean([r.jacobian_unscaled for r in rows]) < np.mean(
            [r.jacobian_scaled for r in rows]
        )

    def test_refuses_a_single_key(self):
        with pytest.raises(InvalidArgumentError, match="keys >= 2"):
            saturation_row(4, keys=1)
