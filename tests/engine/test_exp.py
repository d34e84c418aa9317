"""Accuracy of the kernels' polynomial exp, on every SIMD level this CPU runs.

Measured against NumPy's exp in float64 (for float32) and in long double (for
float64). Stated bounds: 2 ulp (float32), 2 ulp (float64) over the normal
range; 0 below the smallest normal; inf above the largest reachable input.
"""

import numpy as np
import pytest

from neuron import engine


def ulp_error(got: np.ndarray, exact: np.ndarray, dtype) -> float:
    """Largest error in units of the last place of the exact result."""
    spacing = np.spacing(exact.astype(dtype)).astype(np.longdouble)
    return float(np.max(np.abs(got.astype(np.longdouble) - exact) / spacing))


def test_float32_within_two_ulp(simd):
    # Every float in (-87, 88] would be too many; a dense grid plus randoms.
    x = np.concatenate(
        [
            np.linspace(-87.0, 88.0, 200_003),
            np.random.default_rng(0).uniform(-1, 1, 10_001),
        ]
    ).astype(np.float32)
    exact = np.exp(x.astype(np.float64)).astype(np.longdouble)
    assert ulp_error(engine.vector_exp(x), exact, np.float32) <= 2.0


def test_float64_within_two_ulp(simd):
    x = np.concatenate(
        [
            np.linspace(-708.0, 709.0, 200_003),
            np.random.default_rng(0).uniform(-1, 1, 10_001),
        ]
    )
    exact = np.exp(x.astype(np.longdouble))
    if np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps:
        pytest.skip("long double is no wider than double here; no exact reference")
    assert ulp_error(engine.vector_exp(x), exact, np.float64) <= 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edges(simd, dtype):
    x = np.array([0.0, -np.inf, np.inf, np.nan, -1e4, 1e4] + [0.5] * 11, dtype)
    got = engine.vector_exp(x)
    assert got[0] == 1.0
    assert got[1] == 0.0
    assert got[2] == np.inf
    assert np.isnan(got[3])
    assert got[4] == 0.0
    assert got[5] == np.inf


def test_exp_of_zero_is_exactly_one_on_every_lane(simd):
    assert np.all(engine.vector_exp(np.zeros(37, np.float32)) == 1.0)
