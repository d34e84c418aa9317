"""The attention benchmark: well-formed records for every path, the FLOP
count of the reference, a peak-memory helper that sees an allocation, and
paths that compute the same thing on the inputs they are timed on.

No assertion is about how fast anything is. The paths agree with the NumPy
reference to 1e-5 (absolute and relative): float32 sums of a few dozen terms.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from neuron import engine
from neuron.attention import bench, reference
from neuron.errors import CudaUnavailableError, InvalidArgumentError

SMALL = {"heads": 2, "head_dim": 8, "repeats": 1}
F32 = {"rtol": 1e-5, "atol": 1e-5}
HAS_PROC_MEMORY = sys.platform == "linux" and Path("/proc/self/clear_refs").exists()


@pytest.fixture(scope="module")
def small_rows() -> list[bench.AttentionTiming]:
    return bench.bench_attention(lengths=(16, 33), **SMALL)


def test_every_path_mode_and_mask_gets_a_finite_positive_time(small_rows):
    assert len(small_rows) == 2 * 2 * 2 * 4
    assert [r.path for r in small_rows[:4]] == ["engine", "sdpa", "explicit", "numpy"]
    for row in small_rows:
        assert math.isfinite(row.seconds) and row.seconds > 0
        assert row.gflop_per_second == pytest.approx(row.flops / row.seconds / 1e9)
        assert row.ratio_vs_sdpa > 0
        assert row.peak_mib is None or row.peak_mib >= 0
        assert (row.device, row.dtype, row.batch, row.heads, row.head_dim) == (
            "cpu",
            "float32",
            1,
            2,
            8,
        )
        # Short calls are repeated up to MAX_ROUNDS; numpy runs once.
        assert row.repeats == 1 if row.path == "numpy" else 1 <= row.repeats <= 50
        assert row.as_dict()["path"] == row.path


def test_flop_counts_are_the_references(small_rows):
    for row in small_rows:
        backward = row.mode == "forward+backward"
        assert row.flops == reference.flops(
            1, 2, row.length, row.length, 8, causal=row.causal, backward=backward
        )


def test_the_ratio_is_sdpa_time_over_the_paths(small_rows):
    for i in range(0, len(small_rows), 4):
        engine_row, sdpa_row = small_rows[i], small_rows[i + 1]
        assert sdpa_row.ratio_vs_sdpa == 1.0
        assert engine_row.ratio_vs_sdpa == pytest.approx(
            sdpa_row.seconds / engine_row.seconds
        )


def test_numpy_beyond_its_length_limit_is_recorded_untimed():
    rows = bench.bench_attention(
        (16, 33), causal=(True,), modes=("forward",), numpy_max_length=20, **SMALL
    )
    numpy_rows = {r.length: r for r in rows if r.path == "numpy"}

    assert numpy_rows[16].seconds > 0 and numpy_rows[16].threads is None
    untimed = numpy_rows[33]
    assert untimed.seconds is None and untimed.repeats == 0
    assert untimed.gflop_per_second is None and untimed.ratio_vs_sdpa is None
    assert untimed.peak_mib is None


def test_threads_are_set_for_the_run_and_restored_after():
    before = torch.get_num_threads(), engine.num_threads()
    only = {"causal": (False,), "modes": ("forward",), "paths": ("engine", "sdpa")}
    rows = bench.bench_attention((8,), threads=1, **only, **SMALL)
    assert [r.threads for r in rows] == [1, 1]
    assert (torch.get_num_threads(), engine.num_threads()) == before


@pytest.mark.skipif(not HAS_PROC_MEMORY, reason="needs Linux's /proc/self/clear_refs")
def test_peak_extra_memory_sees_a_50_mb_allocation():
    size = 50_000_000

    extra = bench.peak_extra_memory(lambda: np.ones(size // 8))  # touches every page

    assert extra is not None and extra > 0
    assert 0.8 * size < extra < 2 * size


@pytest.mark.skipif(not HAS_PROC_MEMORY, reason="needs Linux's /proc/self/clear_refs")
def test_peak_extra_memory_of_a_call_that_allocates_little_is_small():
    extra = bench.peak_extra_memory(lambda: sum(range(1000)))
    assert extra is not None and extra < 10_000_000


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("mode", bench.MODES)
def test_engine_sdpa_and_explicit_agree_with_numpy_on_the_bench_inputs(mode, causal):
    q, k, v = bench.make_inputs(1, 2, 33, 8, seed=3)
    results = {
        path: bench.make_call(path, mode, q, k, v, causal=causal)()
        for path in bench.PATHS
    }
    expected = results.pop("numpy")
    expected = expected if isinstance(expected, tuple) else (expected,)
    for path, got in results.items():
        got = got if isinstance(got, tuple) else (got,)
        assert len(got) == len(expected), path
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a.numpy(), b, **F32, err_msg=path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lengths": ()},
        {"lengths": (0,)},
        {"heads": 0},
        {"head_dim": 513},
        {"repeats": 0},
        {"threads": 0},
        {"modes": ("backward",)},
        {"paths": ("jax",)},
        {"causal": ()},
    ],
    ids=str,
)
def test_bad_arguments_say_what_was_expected(kwargs):
    with pytest.raises(InvalidArgumentError, match="expected"):
        bench.bench_attention(**kwargs)


@pytest.mark.skipif(
    bench.cuda_unavailable_reason() is None, reason="a CUDA device is present"
)
def test_without_a_cuda_device_the_cuda_bench_says_why():
    with pytest.raises(CudaUnavailableError, match="expected a CUDA device"):
        bench.bench_attention_cuda(lengths=(64,), repeats=1)


@pytest.mark.gpu
@pytest.mark.skipif(
    bench.cuda_unavailable_reason() is not None,
    reason=f"no CUDA device: {bench.cuda_unavailable_reason()}",
)
def test_cuda_rows_time_the_engine_and_sdpa_in_bfloat16():
    rows = bench.bench_attention_cuda(lengths=(256,), heads=2, repeats=2)

    assert [(r.path, r.causal) for r in rows] == [
        ("engine", False),
        ("sdpa", False),
        ("engine", True),
        ("sdpa", True),
    ]
    for row in rows:
        assert (row.device, row.dtype, row.mode) == ("cuda", "bfloat16", "forward")
        assert row.seconds > 0 and row.ratio_vs_sdpa > 0 and row.peak_mib >= 0
