"""The engine inside PyTorch autograd: gradcheck, and agreement with torch."""

import numpy as np
import pytest
import torch

from neuron import softmax as nsoftmax
from neuron.errors import ArrayTypeError, InvalidArgumentError
from neuron.softmax.autograd import EngineLogSoftmax, EngineSoftmax

FUNCTIONS = {
    "softmax": (EngineSoftmax, torch.softmax),
    "log_softmax": (EngineLogSoftmax, torch.log_softmax),
}


@pytest.fixture(params=sorted(FUNCTIONS))
def pair(request):
    return FUNCTIONS[request.param]


@pytest.mark.parametrize("shape", [(1,), (3, 1), (4, 7), (2, 3, 17)], ids=str)
def test_gradcheck_float64(pair, shape):
    function, _ = pair
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(function.apply, (x,), eps=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_values_and_gradients_match_torch(pair, dtype):
    function, torch_fn = pair
    torch.manual_seed(0)
    x = (torch.randn(5, 33, dtype=dtype) * 3).requires_grad_(True)
    x_ref = x.detach().clone().requires_grad_(True)
    weights = torch.randn(5, 33, dtype=dtype)

    (function.apply(x) * weights).sum().backward()
    (torch_fn(x_ref, -1) * weights).sum().backward()

    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == torch.float32 else {}
    torch.testing.assert_close(function.apply(x), torch_fn(x_ref, -1), **tol)
    torch.testing.assert_close(x.grad, x_ref.grad, **tol)


def test_broadcast_gradient_from_sum_is_accepted(pair):
    function, torch_fn = pair
    x = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    function.apply(x).sum().backward()  # autograd hands in a stride-0 gradient
    x_ref = x.detach().clone().requires_grad_(True)
    torch_fn(x_ref, -1).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad)


class TestConvenienceApi:
    @pytest.mark.parametrize("backend", ["engine", "reference", "torch"])
    @pytest.mark.parametrize("dim", [-1, 0, 1])
    def test_every_backend_and_axis_agree_on_numpy(self, backend, dim, rng):
        x = rng.standard_normal((4, 6, 5))
        expected = torch.softmax(torch.from_numpy(x), dim).numpy()
        np.testing.assert_allclose(
            nsoftmax.softmax(x, dim, backend), expected, rtol=1e-12
        )
        expected_log = torch.log_softmax(torch.from_numpy(x), dim).numpy()
        np.testing.assert_allclose(
            nsoftmax.log_softmax(x, dim, backend), expected_log, rtol=1e-12, atol=1e-12
        )

    @pytest.mark.parametrize("backend", ["engine", "reference", "torch"])
    def test_tensors_stay_tensors(self, backend):
        x = torch.randn(3, 4, 5, dtype=torch.float64)
        got = nsoftmax.softmax(x, dim=1, backend=backend)
        assert isinstance(got, torch.Tensor)
        torch.testing.assert_close(got, torch.softmax(x, 1))

    def test_engine_backend_records_autograd_along_any_axis(self):
        x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
        nsoftmax.log_softmax(x, dim=0)[1].sum().backward()
        x_ref = x.detach().clone().requires_grad_(True)
        torch.log_softmax(x_ref, 0)[1].sum().backward()
        torch.testing.assert_close(x.grad, x_ref.grad)

    def test_unknown_backend(self):
        with pytest.raises(InvalidArgumentError, match="expected backend of engine"):
            nsoftmax.softmax(np.ones(3), backend="jax")

    def test_non_array(self):
        with pytest.raises(ArrayTypeError, match="got list"):
            nsoftmax.softmax([1.0, 2.0])
