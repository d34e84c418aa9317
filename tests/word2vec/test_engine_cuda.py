"""train_pairs_cuda: against the CPU train_pairs where a GPU exists; without
one, a clear CudaUnavailableError."""

import numpy as np
import pytest
import torch

from neuron import engine as neuron_engine
from neuron.errors import ArrayTypeError, CudaUnavailableError, InvalidArgumentError
from neuron.word2vec import engine

HAS_DEVICE = (
    neuron_engine.info()["cuda"]["device"] is not None and torch.cuda.is_available()
)
needs_gpu = pytest.mark.skipif(
    not HAS_DEVICE,
    reason="no CUDA device: "
    f"{neuron_engine.info()['cuda']['reason'] or 'torch has no CUDA'}",
)


def distinct_row_batch(rng, V=4000, D=100, P=500, k=5):
    """Pairs whose inputs are all different and whose targets (outputs and
    negatives) are all different, so no two pairs share a row: the GPU's
    concurrent pairs then cannot race and must match the sequential CPU."""
    inputs = rng.permutation(V)[:P].astype(np.int32)  # (P,)
    targets = rng.permutation(V)[: P * (k + 1)].astype(np.int32)  # (P (k+1),)
    outputs = targets[:P].copy()  # (P,)
    negatives = targets[P:].reshape(P, k).copy()  # (P, k)
    alphas = rng.uniform(0.01, 0.05, P).astype(np.float32)  # (P,)
    w_in = ((rng.random((V, D)) - 0.5) * 0.5).astype(np.float32)  # (V, D)
    w_out = ((rng.random((V, D)) - 0.5) * 0.5).astype(np.float32)  # (V, D)
    return w_in, w_out, inputs, outputs, negatives, alphas


def to_gpu(arrays):
    return [torch.from_numpy(a).cuda() for a in arrays]


def test_without_a_device_it_says_so():
    if HAS_DEVICE:
        pytest.skip("this machine has a CUDA device")
    arrays = distinct_row_batch(np.random.default_rng(0), V=20, D=4, P=2, k=2)
    with pytest.raises(CudaUnavailableError, match="expected"):
        engine.train_pairs_cuda(*(torch.from_numpy(a) for a in arrays))


@pytest.mark.gpu
@needs_gpu
def test_matches_cpu_train_pairs_on_distinct_rows():
    rng = np.random.default_rng(7)
    cpu = distinct_row_batch(rng)
    gpu = to_gpu(cpu)

    w_in_cpu, w_out_cpu = cpu[0].copy(), cpu[1].copy()
    loss_cpu = engine.train_pairs(w_in_cpu, w_out_cpu, *cpu[2:])
    loss_gpu = engine.train_pairs_cuda(*gpu)
    torch.cuda.synchronize()

    np.testing.assert_allclose(gpu[0].cpu().numpy(), w_in_cpu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gpu[1].cpu().numpy(), w_out_cpu, rtol=1e-5, atol=1e-6)
    assert loss_gpu == pytest.approx(loss_cpu, rel=1e-5)


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("D", [1, 31, 33, 300])
def test_odd_vector_sizes_match_cpu(D):
    rng = np.random.default_rng(D)
    cpu = distinct_row_batch(rng, V=700, D=D, P=100, k=3)
    gpu = to_gpu(cpu)
    w_in_cpu, w_out_cpu = cpu[0].copy(), cpu[1].copy()
    engine.train_pairs(w_in_cpu, w_out_cpu, *cpu[2:])
    engine.train_pairs_cuda(*gpu)
    np.testing.assert_allclose(gpu[0].cpu().numpy(), w_in_cpu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gpu[1].cpu().numpy(), w_out_cpu, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@needs_gpu
def test_repeated_rows_still_train():
    # Every pair shares one centre and one context: the updates race, but all
    # of them land (atomics), so the loss of a second pass is lower.
    V, D, P = 10, 16, 2000
    w_in = torch.rand(V, D, device="cuda") - 0.5
    w_out = torch.zeros(V, D, device="cuda")
    inputs = torch.zeros(P, dtype=torch.int32, device="cuda")
    outputs = torch.ones(P, dtype=torch.int32, device="cuda")
    negatives = torch.randint(2, V, (P, 5), dtype=torch.int32, device="cuda")
    alphas = torch.full((P,), 0.01, device="cuda")
    first = engine.train_pairs_cuda(w_in, w_out, inputs, outputs, negatives, alphas)
    second = engine.train_pairs_cuda(w_in, w_out, inputs, outputs, negatives, alphas)
    assert np.isfinite(first) and second < first


@pytest.mark.gpu
@needs_gpu
def test_bad_ids_are_named_and_numpy_is_refused():
    rng = np.random.default_rng(1)
    cpu = distinct_row_batch(rng, V=100, D=8, P=10, k=2)
    gpu = to_gpu(cpu)
    gpu[4][3, 1] = 100
    with pytest.raises(InvalidArgumentError, match="pair 3"):
        engine.train_pairs_cuda(*gpu)
    with pytest.raises(ArrayTypeError, match="torch.Tensor"):
        engine.train_pairs_cuda(*cpu)
