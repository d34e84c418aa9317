"""Every input the engine refuses, and the message that says how to fix it."""

import numpy as np
import pytest
import torch

from neuron import engine
from neuron.engine import _engine
from neuron.errors import (
    ArrayTypeError,
    CudaUnavailableError,
    DTypeError,
    InvalidArgumentError,
    LayoutError,
    ShapeError,
)

F32 = np.ones((3, 4), np.float32)


class TestArgumentKind:
    @pytest.mark.parametrize("bad", [[1.0, 2.0], 3.0, "x", None], ids=repr)
    def test_non_array_is_refused(self, bad):
        with pytest.raises(ArrayTypeError, match="expected x to be a numpy.ndarray or"):
            engine.softmax(bad)

    def test_mixed_numpy_and_torch_are_refused(self):
        with pytest.raises(ArrayTypeError, match="expected out to be a numpy.ndarray"):
            engine.softmax(F32, out=torch.ones(3, 4))
        with pytest.raises(ArrayTypeError, match="expected dy to be a torch.Tensor"):
            engine.softmax_backward(torch.ones(3, 4), F32)

    def test_refusals_are_also_builtin_errors(self):
        with pytest.raises(TypeError):
            engine.softmax([1.0])
        with pytest.raises(ValueError):
            engine.softmax(np.ones((), np.float32))


class TestDType:
    @pytest.mark.parametrize(
        "dtype", [np.int64, np.int32, np.float16, np.bool_, np.complex64]
    )
    def test_numpy_dtypes_other_than_float32_and_float64(self, dtype):
        with pytest.raises(
            DTypeError, match=r"expected x of dtype float32 or float64.*astype"
        ):
            engine.softmax(np.ones((2, 3), dtype))

    @pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int64])
    def test_torch_dtypes_other_than_float32_and_float64(self, dtype):
        with pytest.raises(DTypeError, match=r"got (float16|bfloat16|int64); convert"):
            engine.log_softmax(torch.ones(2, 3, dtype=dtype))

    def test_out_of_another_dtype(self):
        with pytest.raises(
            DTypeError, match="expected out of dtype float32 like x, got float64"
        ):
            engine.softmax(F32, out=np.empty((3, 4), np.float64))

    def test_dy_of_another_dtype(self):
        with pytest.raises(DTypeError, match="expected dy of dtype float32 like y"):
            engine.softmax_backward(F32, F32.astype(np.float64))


class TestShape:
    def test_zero_dimensional_input(self):
        with pytest.raises(ShapeError, match="at least 1 dimension, got a 0-d array"):
            engine.softmax(np.array(1.0, np.float32))
        with pytest.raises(ShapeError, match="at least 1 dimension"):
            engine.softmax(torch.tensor(1.0))

    def test_out_of_another_shape(self):
        with pytest.raises(
            ShapeError, match=r"expected out of shape \(3, 4\) like x, got \(4, 3\)"
        ):
            engine.softmax(F32, out=np.empty((4, 3), np.float32))

    def test_mismatched_y_and_dy(self):
        with pytest.raises(
            ShapeError, match=r"expected dy of shape \(3, 4\) like y, got \(3, 5\)"
        ):
            engine.log_softmax_backward(F32, np.ones((3, 5), np.float32))


class TestLayout:
    def test_transposed_numpy_array(self):
        with pytest.raises(
            LayoutError, match=r"C-contiguous.*np.ascontiguousarray\(x\)"
        ):
            engine.softmax(np.ones((4, 5), np.float32).T)

    def test_strided_slice(self):
        with pytest.raises(LayoutError, match="C-contiguous"):
            engine.softmax(np.ones((4, 10), np.float32)[:, ::2])

    def test_non_contiguous_tensor(self):
        with pytest.raises(LayoutError, match=r"contiguous.*x.contiguous\(\)"):
            engine.softmax(torch.ones(4, 5).t())

    def test_non_contiguous_out(self):
        with pytest.raises(LayoutError, match="expected out to be C-contiguous"):
            engine.softmax(
                np.ones((5, 4), np.float32), out=np.empty((4, 5), np.float32).T
            )

    def test_read_only_out(self):
        out = np.empty((3, 4), np.float32)
        out.flags.writeable = False
        with pytest.raises(InvalidArgumentError, match="expected out to be writable"):
            engine.softmax(F32, out=out)

    def test_out_partly_overlapping_the_input(self):
        buffer = np.zeros(20, np.float32)
        with pytest.raises(InvalidArgumentError, match="partly overlaps"):
            engine.softmax(buffer[:15].reshape(3, 5), out=buffer[2:17].reshape(3, 5))


class TestDevice:
    def test_cuda_only_call_without_a_device(self):
        if engine.info()["cuda"]["device"] is not None:
            pytest.skip("a CUDA device is present")
        with pytest.raises(
            CudaUnavailableError, match="expected a CUDA device, got none"
        ):
            engine.require_cuda()

    def test_mixed_devices_are_refused(self):
        if not torch.cuda.is_available():
            pytest.skip("needs a CUDA device to make a CUDA tensor")
        from neuron.errors import DeviceError

        with pytest.raises(DeviceError, match="like the first argument"):
            engine.softmax(torch.ones(2, 3), out=torch.ones(2, 3, device="cuda"))


class TestCppChecks:
    """The compiled module checks too, for callers that skip the wrappers."""

    def test_shape_error_raised_from_cpp(self):
        with pytest.raises(ShapeError, match="expected out of shape"):
            _engine.softmax_forward(F32, np.empty((4, 3), np.float32), False)

    def test_dtype_error_raised_from_cpp(self):
        ints = np.ones((2, 2), np.int32)
        with pytest.raises(DTypeError, match="got int32"):
            _engine.softmax_forward(ints, ints.copy(), False)

    def test_layout_error_raised_from_cpp(self):
        x = np.ones((4, 4), np.float32)[:, :2]
        with pytest.raises(LayoutError, match="C-contiguous"):
            _engine.softmax_forward(x, np.empty((4, 2), np.float32), False)

    def test_unknown_simd_level(self):
        with pytest.raises(
            InvalidArgumentError, match="expected a SIMD level of scalar"
        ):
            engine.set_simd("sse9")

    def test_bad_thread_count(self):
        with pytest.raises(InvalidArgumentError, match="between 1 and 1024, got 0"):
            engine.set_num_threads(0)
        with pytest.raises(InvalidArgumentError, match="expected an int"):
            engine.set_num_threads(2.5)
