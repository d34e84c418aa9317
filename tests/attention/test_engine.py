"""The compiled attention kernels against the NumPy reference and PyTorch.

Three paths, one answer: for each shape the engine's forward (out and lse),
backward (dq, dk, dv) and probabilities are compared with
``neuron.attention.reference`` and with torch's scaled_dot_product_attention.
Tolerances: float64 1e-12 (the kernels and the reference differ only in the
order of their sums); float32 2e-5 absolute on unit-scale inputs (a float32
dot product of 128 terms carries about 1e-6 of rounding, the polynomial exp
about 2e-7 relative).
"""

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuron import engine as neuron_engine
from neuron.attention import attention, engine, reference
from neuron.errors import (
    ArrayTypeError,
    DeviceError,
    DTypeError,
    InvalidArgumentError,
    LayoutError,
    ShapeError,
)

TOL = {np.float64: 1e-12, np.float32: 2e-5}

# (leading axes, T, S, D): T = 1, odd T, T not a multiple of the 64-query tile,
# T != S both ways, head dimensions from 1 to 128, batch and heads of 1.
SHAPES = [
    ((), 1, 1, 1),
    ((1, 1), 1, 9, 32),
    ((2, 3), 67, 67, 64),
    ((1, 2), 130, 67, 32),
    ((3,), 5, 200, 3),
    ((1, 1), 129, 129, 128),
    ((2, 1), 64, 128, 96),
    ((1, 2), 200, 70, 100),
]


@pytest.fixture(params=neuron_engine.available_simd())
def simd(request):
    neuron_engine.set_simd(request.param)
    yield request.param
    neuron_engine.set_simd(None)


def inputs(rng, lead, T, S, D, dtype):
    q = rng.standard_normal((*lead, T, D)).astype(dtype)  # (..., T, D)
    k = rng.standard_normal((*lead, S, D)).astype(dtype)  # (..., S, D)
    v = rng.standard_normal((*lead, S, D)).astype(dtype)  # (..., S, D)
    dout = rng.standard_normal((*lead, T, D)).astype(dtype)  # (..., T, D)
    return q, k, v, dout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_forward_and_backward_match_the_reference(rng, simd, shape, causal, dtype):
    q, k, v, dout = inputs(rng, *shape, dtype)
    tol = TOL[dtype]
    expected = reference.attention_forward(
        *(a.astype(np.float64) for a in (q, k, v)), causal=causal
    )
    grads = reference.attention_backward(
        dout.astype(np.float64),
        *(a.astype(np.float64) for a in (q, k, v)),
        expected.probs,
    )

    out, lse = engine.forward(q, k, v, causal=causal)
    assert out.dtype == lse.dtype == dtype
    np.testing.assert_allclose(out, expected.out, rtol=0, atol=tol)
    np.testing.assert_allclose(lse, expected.lse, rtol=tol, atol=tol)

    dq, dk, dv = engine.backward(q, k, v, out, dout, lse, causal=causal)
    # Gradients sum over up to S (or T) products of unit-scale numbers.
    gtol = tol * 10
    np.testing.assert_allclose(dq, grads.dq, rtol=0, atol=gtol)
    np.testing.assert_allclose(dk, grads.dk, rtol=0, atol=gtol)
    np.testing.assert_allclose(dv, grads.dv, rtol=0, atol=gtol)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SHAPES[1:], ids=str)
def test_autograd_matches_torch_sdpa(rng, shape, causal):
    q, k, v, dout = (torch.from_numpy(a) for a in inputs(rng, *shape, np.float32))
    ours = [a.clone().requires_grad_() for a in (q, k, v)]
    theirs = [a.clone().requires_grad_() for a in (q, k, v)]

    out = attention(*ours, causal=causal)
    expected = F.scaled_dot_product_attention(*theirs, is_causal=causal)
    out.backward(dout)
    expected.backward(dout)

    torch.testing.assert_close(out, expected, rtol=0, atol=2e-5)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=2e-4)


@pytest.mark.parametrize("causal", [False, True])
def test_gradcheck_in_float64(rng, causal):
    q, k, v, _ = (torch.from_numpy(a) for a in inputs(rng, (1, 2), 7, 7, 5, np.float64))
    args = [a.requires_grad_() for a in (q, k, v)]
    assert torch.autograd.gradcheck(
        lambda q, k, v: attention(q, k, v, causal=causal, scale=0.7), args
    )


def test_scale_is_applied(rng):
    q, k, v, _ = inputs(rng, (2,), 10, 12, 16, np.float64)
    out, _ = engine.forward(q, k, v, scale=0.3)
    expected = reference.attention_forward(q, k, v, scale=0.3).out
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_large_scores_do_not_overflow(rng):
    q, k, v, _ = inputs(rng, (1,), 70, 70, 32, np.float32)
    out, lse = engine.forward(q * 30, k * 30, v, causal=True)
    expected = reference.attention_forward(
        *(a.astype(np.float64) for a in (q * 30, k * 30, v)), causal=True
    )
    assert np.isfinite(out).all() and np.isfinite(lse).all()
    np.testing.assert_allclose(out, expected.out, rtol=0, atol=1e-4)


@pytest.mark.parametrize("causal", [False, True])
def test_probabilities_match_the_reference(rng, simd, causal):
    q, k, v, _ = inputs(rng, (2, 2), 70, 70, 16, np.float64)
    out, probs = engine.forward_with_probabilities(q, k, v, causal=causal)
    expected = reference.attention_forward(q, k, v, causal=causal)
    np.testing.assert_allclose(probs, expected.probs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out, expected.out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=0, atol=1e-12)
    if causal:
        assert (np.triu(probs, k=1) == 0).all()


def test_results_do_not_depend_on_the_thread_count(rng):
    q, k, v, dout = inputs(rng, (2, 3), 130, 130, 32, np.float32)
    results = []
    before = neuron_engine.num_threads()
    for threads in (1, 3):
        neuron_engine.set_num_threads(threads)
        try:
            out, lse = engine.forward(q, k, v, causal=True)
            grads = engine.backward(q, k, v, out, dout, lse, causal=True)
        finally:
            neuron_engine.set_num_threads(before)
        results.append((out, lse, *grads))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_torch_tensors_are_not_copied(rng):
    q, k, v, _ = (torch.from_numpy(a) for a in inputs(rng, (1,), 8, 8, 4, np.float32))
    out, lse = engine.forward(q, k, v)
    assert isinstance(out, torch.Tensor) and out.shape == (1, 8, 4)
    assert lse.shape == (1, 8) and lse.dtype == torch.float32


class TestErrors:
    def test_dtype_not_supported_on_the_cpu(self):
        q = torch.zeros(1, 4, 8, dtype=torch.float16)
        with pytest.raises(DTypeError, match=r"float32 or float64 on the CPU.*float16"):
            attention(q, q, q)

    def test_device_neither_cpu_nor_cuda(self):
        q = torch.zeros(2, 4, 8, device="meta")
        with pytest.raises(DeviceError, match=r"CPU or a CUDA device, got meta"):
            attention(q, q, q)

    def test_integer_arrays(self):
        q = np.zeros((4, 8), np.int64)
        with pytest.raises(DTypeError, match="float32 or float64"):
            engine.forward(q, q, q)

    def test_mixed_dtypes(self):
        q = np.zeros((4, 8), np.float32)
        with pytest.raises(DTypeError, match="expected k of dtype float32 like q"):
            engine.forward(q, q.astype(np.float64), q)

    def test_non_contiguous(self):
        q = torch.zeros(2, 8, 4).transpose(0, 1)
        with pytest.raises(LayoutError, match=r"contiguous.*q\.contiguous\(\)"):
            attention(q, q, q)

    def test_head_dimension_mismatch(self):
        q = np.zeros((2, 8, 10, 64), np.float32)
        k = np.zeros((2, 8, 10, 32), np.float32)
        with pytest.raises(ShapeError, match=r"expected k of shape \(2, 8, S, 64\)"):
            engine.forward(q, k, k)

    def test_key_value_length_mismatch(self):
        q = np.zeros((10, 8), np.float32)
        with pytest.raises(ShapeError, match="same number of keys"):
            engine.forward(q, q, q[:5])

    def test_no_keys(self):
        q = np.zeros((10, 8), np.float32)
        with pytest.raises(ShapeError, match="at least one key"):
            engine.forward(q, q[:0], q[:0])

    def test_unsupported_head_dimension(self):
        q = np.zeros((4, 600), np.float32)
        with pytest.raises(InvalidArgumentError, match="head dimension 1 to 512"):
            engine.forward(q, q, q)

    def test_numpy_and_torch_mixed(self):
        q = np.zeros((4, 8), np.float32)
        with pytest.raises(ArrayTypeError, match="torch.from_numpy"):
            engine.forward(torch.from_numpy(q), q, q)

    def test_not_an_array(self):
        with pytest.raises(ArrayTypeError, match="numpy.ndarray or torch.Tensor"):
            engine.forward([[1.0]], [[1.0]], [[1.0]])

    def test_bad_scale(self):
        q = np.zeros((4, 8), np.float32)
        with pytest.raises(InvalidArgumentError, match="finite scale"):
            engine.forward(q, q, q, scale=float("nan"))

    def test_too_many_probabilities(self):
        q = np.zeros((1, 8192, 1), np.float32)
        with pytest.raises(InvalidArgumentError, match="shorter sequence"):
            engine.forward_with_probabilities(q, q[:, :4096], q[:, :4096])

    def test_binding_refuses_an_output_that_overlaps_an_input(self):
        from neuron.engine import _engine

        q = np.zeros((4, 8), np.float32)
        lse = np.zeros(4, np.float32)
        with pytest.raises(InvalidArgumentError, match="separate buffer from q"):
            _engine.attention_forward(q, q, q, q, lse, 1.0, False)

    def test_binding_checks_the_lse_shape(self):
        from neuron.engine import _engine

        q = np.zeros((4, 8), np.float32)
        with pytest.raises(ShapeError, match=r"expected lse of shape \(4\)"):
            _engine.attention_forward(
                q, q, q, np.zeros_like(q), np.zeros(3, np.float32), 1.0, False
            )


@pytest.mark.parametrize("causal", [False, True])
def test_backward_with_fewer_heads_than_threads(rng, causal):
    # One head on three threads: the head's keys are split into ranges of
    # tiles whose dq parts are summed afterwards.
    q, k, v, dout = inputs(rng, (1, 1), 150, 200, 24, np.float64)
    expected = reference.attention_forward(q, k, v, causal=causal)
    grads = reference.attention_backward(dout, q, k, v, expected.probs)
    before = neuron_engine.num_threads()
    neuron_engine.set_num_threads(3)
    try:
        out, lse = engine.forward(q, k, v, causal=causal)
        dq, dk, dv = engine.backward(q, k, v, out, dout, lse, causal=causal)
    finally:
        neuron_engine.set_num_threads(before)
    for got, want in zip((dq, dk, dv), grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11)


@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="peak memory is read from /proc"
)
def test_extra_memory_grows_with_t_not_t_squared(rng):
    # One head, T = 4096: the T x T float32 scores alone would be 64 MiB. The
    # engine keeps out, lse and per-thread tiles: a few MiB whatever T is.
    from neuron.attention.bench import peak_extra_memory

    T, D = 4096, 64
    q, k, v, dout = inputs(rng, (1, 1), T, T, D, np.float32)
    scores = T * T * 4

    def forward_and_backward():
        out, lse = engine.forward(q, k, v, causal=True)
        engine.backward(q, k, v, out, dout, lse, causal=True)

    extra = peak_extra_memory(forward_and_backward)
    assert extra is not None
    # out, dq, dk, dv (1 MiB each), lse, and the backward's dq parts (threads x 1 MiB).
    assert extra < scores / 4, f"{extra / 2**20:.1f} MiB for T = {T}"
