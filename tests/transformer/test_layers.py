"""Layer norm, the activations and sinusoidal positions against PyTorch.

Tolerances: float64 1e-12 for forward values and 1e-10 for gradients (the
same formulas, summed in another order); float32 1e-6 on unit-scale inputs.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.transformer.layers import (
    ACTIVATIONS,
    activation,
    activation_backward,
    activation_equation,
    layer_norm,
    layer_norm_backward,
    sinusoidal_positions,
)


def torch_activation(name: str, x: torch.Tensor) -> torch.Tensor:
    if name == "relu":
        return F.relu(x)
    return F.gelu(x, approximate="tanh" if name == "gelu_tanh" else "none")


class TestLayerNorm:
    @pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no-bias"])
    def test_forward_and_backward_match_torch(self, with_bias, rng):
        x = rng.standard_normal((3, 5, 8)) * 2 + 0.5
        w = 1 + 0.1 * rng.standard_normal(8)
        b = 0.1 * rng.standard_normal(8) if with_bias else None
        dy = rng.standard_normal(x.shape)

        tx, tw = (torch.from_numpy(a).requires_grad_(True) for a in (x, w))
        tb = torch.from_numpy(b).requires_grad_(True) if with_bias else None
        expected = F.layer_norm(tx, (8,), tw, tb, eps=1e-5)
        expected.backward(torch.from_numpy(dy))

        y = layer_norm(x, w, b, 1e-5)
        np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        dx, dw, db = layer_norm_backward(dy, x, w, 1e-5)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)
        if with_bias:
            np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-10)

    def test_float32_keeps_the_spread_under_a_large_mean(self, rng):
        # mean(x^2) - mean^2 would subtract two numbers near 1e6 in float32
        # and keep about one digit of a variance near 1.
        x = (1000 + rng.standard_normal((4, 64))).astype(np.float32)
        y = layer_norm(x, np.ones(64, np.float32), None, 1e-12)
        exact = layer_norm(x.astype(np.float64), np.ones(64), None, 1e-12)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, exact, atol=1e-3)

    def test_rejects_a_weight_of_another_width(self, rng):
        with pytest.raises(ShapeError, match=r"expected w of shape \(8,\)"):
            layer_norm(rng.standard_normal((2, 8)), np.ones(7), None, 1e-5)


class TestActivations:
    @pytest.mark.parametrize("name", ACTIVATIONS)
    def test_forward_and_backward_match_torch(self, name, rng):
        x = rng.standard_normal((4, 33)) * 3
        x[0, :3] = [0.0, -0.0, 1e-9]
        dy = rng.standard_normal(x.shape)
        tx = torch.from_numpy(x).requires_grad_(True)
        expected = torch_activation(name, tx)
        expected.backward(torch.from_numpy(dy))

        y = activation(name, x)
        np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        dx = activation_backward(name, x, dy)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)

    @pytest.mark.parametrize("name", ACTIVATIONS)
    def test_float32_stays_float32(self, name, rng):
        x = rng.standard_normal(50).astype(np.float32)
        y = activation(name, x)
        assert y.dtype == np.float32
        expected = torch_activation(name, torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
        assert activation_backward(name, x, np.ones_like(x)).dtype == np.float32

    def test_each_has_an_equation(self):
        assert activation_equation("relu") == "G = max(U, 0)"
        assert all(activation_equation(name).startswith("G = ") for name in ACTIVATIONS)

    def test_rejects_an_unknown_name(self):
        with pytest.raises(InvalidArgumentError, match="got 'swish'"):
            activation("swish", np.zeros(3))


class TestSinusoidalPositions:
    def test_follows_the_formula(self):
        P = sinusoidal_positions(50, 16)
        assert P.shape == (50, 16) and P.dtype == np.float64
        for t, i in [(0, 0), (7, 0), (7, 3), (49, 7)]:
            angle = t / 10000 ** (2 * i / 16)
            assert P[t, 2 * i] == pytest.approx(math.sin(angle), abs=1e-15)
            assert P[t, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-15)

    def test_an_offset_is_a_rotation_of_each_pair(self):
        # P[t + k] is P[t] with pair i rotated by the angle k * omega_i.
        P = sinusoidal_positions(40, 8)
        k, omega = 5, 1 / 10000 ** (np.arange(0, 8, 2) / 8)
        c, s = np.cos(k * omega), np.sin(k * omega)
        sin_t, cos_t = P[10, 0::2], P[10, 1::2]
        np.testing.assert_allclose(P[15, 0::2], sin_t * c + cos_t * s, atol=1e-12)
        np.testing.assert_allclose(P[15, 1::2], cos_t * c - sin_t * s, atol=1e-12)

    def test_odd_width_ends_in_a_sine(self):
        P = sinusoidal_positions(3, 5, np.float32)
        assert P.dtype == np.float32
        assert P[2, 4] == pytest.approx(math.sin(2 / 10000 ** (4 / 5)))

    def test_rejects_zero_positions(self):
        with pytest.raises(InvalidArgumentError, match="expected T to be an integer"):
            sinusoidal_positions(0, 4)
