"""The engine's softmax and log-softmax against the NumPy reference and torch.

Values and gradients, float32 and float64, on every SIMD level this CPU runs.
Ground truth is torch in float64; tolerances are in conftest.TOLERANCES.
"""

import numpy as np
import pytest
import torch

from neuron import engine
from neuron.softmax import reference

from .conftest import TOLERANCES, torch_float64_backward, torch_float64_forward

SHAPES = [
    (1,),
    (7,),
    (3, 1),
    (4, 5),
    (5, 17),  # not a multiple of any vector width
    (3, 33),
    (2, 1000),
    (9, 4099),
    (2, 3, 31),  # leading dimensions are flattened into rows
    (2, 2, 2, 65),
    (0, 8),  # zero rows
    (300, 257),  # big enough to use every thread
]

BACKWARD = {
    "softmax": (engine.softmax_backward, reference.softmax_backward),
    "log_softmax": (engine.log_softmax_backward, reference.log_softmax_backward),
}


class TestForward:
    @pytest.mark.parametrize("shape", SHAPES, ids=str)
    def test_three_paths_agree(self, op, dtype, shape, simd, rng):
        name, fast, ref, _ = op
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        expected = torch_float64_forward(name, x)

        np.testing.assert_allclose(fast(x), expected, **TOLERANCES[dtype])
        np.testing.assert_allclose(ref(x), expected, **TOLERANCES[dtype])

    def test_large_logits_do_not_overflow(self, op, dtype, simd):
        name, fast, ref, _ = op
        x = np.array([[1000.0, 999.0, -1000.0], [-3e4, -3e4 + 1, -3e4 + 2]], dtype)
        expected = torch_float64_forward(name, x)
        for got in (fast(x), ref(x)):
            assert np.all(np.isfinite(got))
            np.testing.assert_allclose(got, expected, **TOLERANCES[dtype])

    def test_masked_entries_are_exactly_zero(self, dtype, simd, rng):
        x = rng.standard_normal((6, 37)).astype(dtype)
        x[:, ::3] = -np.inf
        for got in (engine.softmax(x), reference.softmax(x)):
            assert np.all(got[:, ::3] == 0.0)
            np.testing.assert_allclose(got.sum(-1), 1.0, rtol=1e-6)
        for got in (engine.log_softmax(x), reference.log_softmax(x)):
            assert np.all(got[:, ::3] == -np.inf)
        np.testing.assert_allclose(
            engine.softmax(x), torch_float64_forward("softmax", x), **TOLERANCES[dtype]
        )

    def test_fully_masked_row_is_nan_on_every_path(self, op, dtype, simd):
        name, fast, ref, torch_fn = op
        x = np.array([[-np.inf] * 19, [0.0] * 19], dtype)
        for got in (fast(x), ref(x), torch_fn(torch.from_numpy(x), -1).numpy()):
            assert np.all(np.isnan(got[0]))
            assert np.all(np.isfinite(got[1]))

    def test_very_negative_logits_underflow_to_zero(self, dtype, simd):
        x = np.array([[0.0, -200.0, -1e4, -1e30] + [0.0] * 13], dtype)
        got = engine.softmax(x)
        assert np.all(got[0, 2:4] == 0.0)
        np.testing.assert_allclose(got.sum(), 1.0, rtol=1e-6)
        # log_softmax keeps the exact distance instead of log(0) = -inf.
        np.testing.assert_allclose(
            engine.log_softmax(x)[0, :3],
            [-np.log(14), -200 - np.log(14), -1e4 - np.log(14)],
            rtol=1e-6,
        )

    def test_single_column_gives_one_and_zero(self, dtype, simd, rng):
        x = rng.standard_normal((11, 1)).astype(dtype) * 100
        assert np.all(engine.softmax(x) == 1.0)
        assert np.all(engine.log_softmax(x) == 0.0)


class TestBackward:
    @pytest.mark.parametrize("shape", SHAPES, ids=str)
    def test_three_paths_agree(self, op, dtype, shape, simd, rng):
        name, fast, _, _ = op
        fast_backward, ref_backward = BACKWARD[name]
        x = (rng.standard_normal(shape) * 3).astype(dtype)
        dy = rng.standard_normal(shape).astype(dtype)
        y = fast(x)
        expected = torch_float64_backward(name, x, dy)
        tol = {
            "rtol": 50 * TOLERANCES[dtype]["rtol"],
            "atol": 50 * TOLERANCES[dtype]["atol"],
        }

        np.testing.assert_allclose(fast_backward(y, dy), expected, **tol)
        np.testing.assert_allclose(ref_backward(y, dy), expected, **tol)

    def test_masked_entries_pass_gradient_as_torch_does(self, op, dtype, simd, rng):
        name, fast, _, _ = op
        fast_backward, ref_backward = BACKWARD[name]
        x = rng.standard_normal((4, 21)).astype(dtype)
        x[:, 1::4] = -np.inf
        dy = rng.standard_normal(x.shape).astype(dtype)
        y = fast(x)
        expected = torch_float64_backward(name, x, dy)
        tol = {
            "rtol": 50 * TOLERANCES[dtype]["rtol"],
            "atol": 50 * TOLERANCES[dtype]["atol"],
        }
        np.testing.assert_allclose(fast_backward(y, dy), expected, **tol)
        np.testing.assert_allclose(ref_backward(y, dy), expected, **tol)


class TestSimdAndThreads:
    def test_every_simd_level_matches_scalar(self, op, dtype, rng):
        _, fast, _, _ = op
        x = (rng.standard_normal((13, 301)) * 5).astype(dtype)
        engine.set_simd("scalar")
        try:
            scalar = fast(x)
            for level in engine.available_simd():
                engine.set_simd(level)
                np.testing.assert_allclose(fast(x), scalar, **TOLERANCES[dtype])
        finally:
            engine.set_simd(None)

    def test_results_identical_with_one_and_many_threads(self, restore_threads, rng):
        x = rng.standard_normal((257, 1031)).astype(np.float32)
        dy = rng.standard_normal(x.shape).astype(np.float32)
        results = []
        for n in (1, 2, 3, 8):
            engine.set_num_threads(n)
            y = engine.softmax(x)
            results.append((y, engine.log_softmax(x), engine.softmax_backward(y, dy)))
        for other in results[1:]:
            for a, b in zip(results[0], other, strict=True):
                np.testing.assert_array_equal(a, b)


class TestZeroCopy:
    def test_out_is_written_in_place_and_returned(self, rng):
        x = rng.standard_normal((4, 9)).astype(np.float32)
        out = np.full_like(x, np.nan)
        result = engine.softmax(x, out=out)
        assert result is out
        np.testing.assert_allclose(out, reference.softmax(x), rtol=1e-6)

    def test_in_place_on_the_input(self, rng):
        x = rng.standard_normal((4, 9))
        expected = reference.log_softmax(x)
        assert engine.log_softmax(x, out=x) is x
        np.testing.assert_allclose(x, expected, rtol=1e-12)

    def test_backward_out_may_be_dy(self, rng):
        y = reference.softmax(rng.standard_normal((3, 10)))
        dy = rng.standard_normal((3, 10))
        expected = reference.softmax_backward(y, dy)
        engine.softmax_backward(y, dy, out=dy)
        np.testing.assert_allclose(dy, expected, rtol=1e-12)

    def test_torch_input_gives_torch_output_sharing_out(self):
        x = torch.randn(3, 8)
        out = torch.empty(3, 8)
        result = engine.softmax(x, out=out)
        assert result is out
        assert isinstance(engine.softmax(x), torch.Tensor)
        torch.testing.assert_close(out, torch.softmax(x, -1))

    def test_numpy_input_gives_numpy_output(self):
        assert isinstance(engine.softmax(np.ones((2, 3), np.float32)), np.ndarray)

    def test_tensor_that_requires_grad_is_accepted(self):
        x = torch.randn(2, 5, requires_grad=True)
        torch.testing.assert_close(engine.softmax(x), torch.softmax(x, -1).detach())

    def test_out_may_be_a_contiguous_view(self):
        base = np.zeros((2, 4, 6), np.float32)
        engine.softmax(np.ones((4, 6), np.float32), out=base[1])
        np.testing.assert_allclose(base[1], 1 / 6)
        assert np.all(base[0] == 0)


class TestLargeInputs:
    """Outputs of several MiB take the non-temporal store path of the kernels."""

    @pytest.mark.parametrize("shape", [(2048, 1031), (64, 20001)], ids=str)
    def test_streamed_output_matches_reference(self, op, shape, rng):
        name, fast, ref, _ = op
        x = rng.standard_normal(shape).astype(np.float32)
        # One float past an aligned start, so the kernel must peel to align.
        buffer = np.empty(x.size + 1, np.float32)
        out = buffer[1:].reshape(shape)
        fast(x, out=out)
        np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=2e-5, atol=2e-6)

    def test_streamed_float64_matches_reference(self, rng):
        x = rng.standard_normal((700, 1000))
        np.testing.assert_allclose(engine.softmax(x), reference.softmax(x), rtol=1e-12)


def _softmax_in_child(queue) -> None:
    x = np.random.default_rng(5).standard_normal((512, 512)).astype(np.float32)
    queue.put(float(np.abs(engine.softmax(x).sum(-1) - 1).max()))


def test_pool_keeps_working_in_a_forked_child():
    import multiprocessing

    engine.softmax(np.ones((512, 512), np.float32))  # the pool's threads exist now
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_softmax_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        pytest.fail("the engine hung in a forked child")
    assert child.exitcode == 0
    assert queue.get(timeout=5) < 1e-5
