"""The NumPy reference against torch, and the properties any softmax must have."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuron.errors import DTypeError, ShapeError
from neuron.softmax import reference


class TestAgainstTorch:
    @pytest.mark.parametrize(
        "shape", [(1,), (4, 1), (3, 7), (2, 3, 5), (0, 4)], ids=str
    )
    def test_forward_values(self, shape, rng):
        x = rng.standard_normal(shape) * 10
        xt = torch.from_numpy(x)
        np.testing.assert_allclose(
            reference.softmax(x), torch.softmax(xt, -1), rtol=1e-12
        )
        np.testing.assert_allclose(
            reference.log_softmax(x), torch.log_softmax(xt, -1), rtol=1e-12, atol=1e-12
        )

    @pytest.mark.parametrize("log", [False, True])
    def test_backward_is_torch_autograd(self, log, rng):
        x = rng.standard_normal((4, 9))
        dy = rng.standard_normal((4, 9))
        xt = torch.from_numpy(x).requires_grad_(True)
        (torch.log_softmax if log else torch.softmax)(xt, -1).backward(
            torch.from_numpy(dy)
        )
        forward = reference.log_softmax if log else reference.softmax
        backward = reference.log_softmax_backward if log else reference.softmax_backward
        np.testing.assert_allclose(
            backward(forward(x), dy), xt.grad, rtol=1e-10, atol=1e-12
        )

    def test_fully_masked_row_is_nan_without_warnings(self):
        x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = reference.softmax(x)
            log_y = reference.log_softmax(x)
        assert np.isnan(y[0]).all() and np.isnan(log_y[0]).all()
        np.testing.assert_array_equal(y[1], [1.0, 0.0])
        np.testing.assert_array_equal(log_y[1], [0.0, -np.inf])
        assert torch.softmax(torch.from_numpy(x), -1)[0].isnan().all()

    def test_keeps_float32(self):
        x = np.ones((2, 3), np.float32)
        assert reference.softmax(x).dtype == np.float32
        assert reference.log_softmax(x).dtype == np.float32


class TestRejections:
    def test_integer_input(self):
        with pytest.raises(
            DTypeError, match="expected x of dtype float32 or float64, got int64"
        ):
            reference.softmax(np.ones(3, np.int64))

    def test_zero_dimensional_input(self):
        with pytest.raises(ShapeError, match="at least 1 dimension"):
            reference.log_softmax(np.float64(1.0))

    def test_mismatched_gradient(self):
        with pytest.raises(ShapeError, match=r"expected dy of shape \(2, 3\) like y"):
            reference.softmax_backward(np.ones((2, 3)), np.ones((3, 2)))


finite_rows = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 40)),
    elements=st.floats(-1e3, 1e3, allow_nan=False),
)


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(finite_rows)
    def test_rows_are_probabilities(self, x):
        y = reference.softmax(x)
        assert np.all(y >= 0) and np.all(y <= 1)
        np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-12)

    @settings(max_examples=60, deadline=None)
    @given(finite_rows)
    def test_log_softmax_is_log_of_softmax(self, x):
        y = reference.softmax(x)
        log_y = reference.log_softmax(x)
        keep = y > 1e-300  # where log(softmax) has not underflowed
        np.testing.assert_allclose(log_y[keep], np.log(y[keep]), rtol=1e-9, atol=1e-12)

    @settings(max_examples=60, deadline=None)
    @given(finite_rows, st.floats(-1e3, 1e3))
    def test_shift_invariance(self, x, shift):
        np.testing.assert_allclose(
            reference.softmax(x + shift), reference.softmax(x), rtol=1e-9, atol=1e-15
        )

    @settings(max_examples=40, deadline=None)
    @given(finite_rows)
    def test_gradient_of_a_constant_direction_is_zero(self, x):
        # Adding c to every logit changes nothing, so dx sums to 0 along a row.
        dy = np.cos(np.arange(x.size)).reshape(x.shape)
        dx = reference.softmax_backward(reference.softmax(x), dy)
        np.testing.assert_allclose(dx.sum(-1), 0.0, atol=1e-9)
