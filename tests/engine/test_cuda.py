"""The CUDA kernels: against the reference where a GPU exists; on a machine
without one, the CUDA build must say so instead of failing."""

import numpy as np
import pytest
import torch

from neuron import engine
from neuron.errors import CudaUnavailableError, DTypeError
from neuron.softmax import reference

HAS_DEVICE = engine.info()["cuda"]["device"] is not None and torch.cuda.is_available()
needs_gpu = pytest.mark.skipif(
    not HAS_DEVICE,
    reason=f"no CUDA device: {engine.info()['cuda']['reason'] or 'torch has no CUDA'}",
)


def test_module_loads_and_reports_no_device_without_one():
    cuda = engine.info()["cuda"]
    if cuda["device"] is None:
        assert cuda["reason"]
        with pytest.raises(
            CudaUnavailableError, match="expected a CUDA device, got none"
        ):
            engine.cuda_self_test()


def test_cuda_build_reports_missing_driver_as_a_reason():
    cuda = engine.info()["cuda"]
    if not cuda["compiled"] or cuda["device"] is not None:
        pytest.skip("needs a CUDA build on a machine without a device")
    assert "no CUDA" in cuda["reason"] or "driver" in cuda["reason"]


@pytest.mark.gpu
@needs_gpu
def test_self_test_errors_are_small():
    for kernel, error in engine.cuda_self_test().items():
        assert error < 1e-5, kernel


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize(
    "shape", [(1,), (3, 1), (5, 17), (64, 1000), (2, 3, 4099), (0, 5)]
)
@pytest.mark.parametrize("log", [False, True])
def test_kernels_match_reference(shape, log):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    x_gpu, dy_gpu = torch.from_numpy(x).cuda(), torch.from_numpy(dy).cuda()

    forward = engine.log_softmax if log else engine.softmax
    backward = engine.log_softmax_backward if log else engine.softmax_backward
    ref_forward = reference.log_softmax if log else reference.softmax
    ref_backward = reference.log_softmax_backward if log else reference.softmax_backward

    y_gpu = forward(x_gpu)
    assert y_gpu.is_cuda
    y_ref = ref_forward(x.astype(np.float64))
    np.testing.assert_allclose(y_gpu.cpu().numpy(), y_ref, rtol=1e-5, atol=1e-6)
    dx_gpu = backward(y_gpu, dy_gpu)
    dx_ref = ref_backward(y_ref, dy.astype(np.float64))
    np.testing.assert_allclose(dx_gpu.cpu().numpy(), dx_ref, rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
@needs_gpu
def test_masks_and_fully_masked_rows():
    x = torch.tensor([[0.0, -float("inf"), 1.0], [-float("inf")] * 3], device="cuda")
    y = engine.softmax(x).cpu()
    assert y[0, 1] == 0.0
    assert torch.isnan(y[1]).all()


@pytest.mark.gpu
@needs_gpu
def test_float64_on_cuda_is_refused():
    with pytest.raises(DTypeError, match="float32"):
        engine.softmax(torch.ones(2, 3, dtype=torch.float64, device="cuda"))
