"""Fixtures for the engine tests: inputs, the three paths, SIMD levels, threads."""

import numpy as np
import pytest
import torch

from neuron import engine
from neuron.softmax import reference

# Tolerances of the engine against a float64 torch result, per dtype: float32
# keeps ~7 digits, and a row sum of a few thousand terms loses about one more.
TOLERANCES = {
    np.float32: {"rtol": 2e-5, "atol": 2e-6},
    np.float64: {"rtol": 1e-12, "atol": 1e-13},
}

OPS = {
    "softmax": (engine.softmax, reference.softmax, torch.softmax),
    "log_softmax": (engine.log_softmax, reference.log_softmax, torch.log_softmax),
}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


@pytest.fixture(params=sorted(OPS))
def op(request):
    """(name, engine function, reference function, torch function)."""
    return (request.param, *OPS[request.param])


@pytest.fixture(params=engine.available_simd())
def simd(request):
    """Each SIMD level this machine can run, restored to the best afterwards."""
    engine.set_simd(request.param)
    yield request.param
    engine.set_simd(None)


@pytest.fixture
def restore_threads():
    """Put the thread count back after a test changes it."""
    before = engine.num_threads()
    yield
    engine.set_num_threads(before)


def torch_float64_forward(name: str, x: np.ndarray) -> np.ndarray:
    """torch's answer computed in float64, the ground truth for both dtypes."""
    fn = torch.softmax if name == "softmax" else torch.log_softmax
    return fn(torch.from_numpy(x.astype(np.float64)), dim=-1).numpy()


def torch_float64_backward(name: str, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """The gradient of sum(dy * op(x)) with respect to x, by torch autograd."""
    fn = torch.softmax if name == "softmax" else torch.log_softmax
    xt = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
    fn(xt, dim=-1).backward(torch.from_numpy(dy.astype(np.float64)))
    return xt.grad.numpy()
