"""The lesson's hand-derived gradients against PyTorch autograd.

Every check runs in float64, where two correct derivations differ by
rounding only; 1e-12 leaves room for the order of the sums.
"""

import numpy as np
import pytest

from neuron.curriculum import backprop
from neuron.errors import ShapeError

TOL = 1e-12


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def worst(checks):
    return max(check.max_abs_diff for check in checks)


def test_linear_backward_formulas_by_entry(rng):
    x, W, dy = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    grads = backprop.linear_backward(x, W, dy)
    for k in range(2):
        for i in range(3):
            assert grads.dx[k, i] == pytest.approx(
                sum(dy[k, j] * W[i, j] for j in range(4))
            )
    np.testing.assert_allclose(grads.dW, sum(np.outer(x[k], dy[k]) for k in range(2)))
    np.testing.assert_allclose(grads.db, dy.sum(axis=0))


def test_linear_backward_refuses_mismatched_shapes():
    with pytest.raises(ShapeError, match="dy"):
        backprop.linear_backward(np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 3)))


def test_linear_matches_autograd(rng):
    checks = backprop.check_linear(
        rng.normal(size=(5, 3)),
        rng.normal(size=(3, 2)),
        rng.normal(size=2),
        rng.normal(size=(5, 2)),
    )
    assert [c.gradient for c in checks] == ["dx", "dW", "db"]
    assert worst(checks) < TOL


def test_cross_entropy_gradient_is_predicted_minus_true(rng):
    z = rng.normal(size=6)
    dz = backprop.cross_entropy_backward(z, 4)
    onehot = np.eye(6)[4]
    np.testing.assert_allclose(dz, np.exp(z) / np.exp(z).sum() - onehot)
    assert worst(backprop.check_cross_entropy(z, 4)) < TOL


def test_softmax_layer_norm_and_attention_match_autograd(rng):
    assert (
        worst(backprop.check_softmax(rng.normal(size=(3, 5)), rng.normal(size=(3, 5))))
        < TOL
    )
    x, dy = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    w, b = rng.normal(size=6), rng.normal(size=6)
    assert worst(backprop.check_layer_norm(x, w, b, dy)) < TOL
    q, k, v, dout = (rng.normal(size=(2, 5, 4)) for _ in range(4))
    for causal in (False, True):
        assert worst(backprop.check_attention(q, k, v, dout, causal=causal)) < TOL


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "relu"])
def test_block_matches_autograd_for_every_parameter(norm, activation, rng):
    config = backprop.lesson_config(norm, activation)
    params = backprop.lesson_parameters(config, seed=2)
    x = rng.normal(size=(2, 5, config.d_model))
    checks = backprop.check_block(config, params, 0, x, rng.normal(size=x.shape))
    names = [c.gradient for c in checks]
    assert names[0] == "x"
    assert set(names[1:]) == {n for n in params if n.startswith("blocks.0.")}
    assert worst(checks) < 1e-11


def test_key_bias_gets_no_gradient(rng):
    config = backprop.lesson_config()
    params = backprop.lesson_parameters(config, seed=3)
    x = rng.normal(size=(1, 4, config.d_model))
    checks = backprop.check_block(config, params, 0, x, rng.normal(size=x.shape))
    key_bias = next(c for c in checks if c.gradient.endswith("attn.k.bias"))
    assert key_bias.max_abs < 1e-12


def test_table_rows_and_latex_are_text():
    rows = backprop.table_rows([backprop.GradientCheck("dW", (3, 2), 1.5e-16, 2.0)])
    assert rows == [
        {
            "gradient": "dW",
            "shape": "3 x 2",
            "max |hand - autograd|": "1.5e-16",
            "max |gradient|": "2",
        }
    ]
    assert backprop.latex_matrix([[1, 2.5], [3, -4]]) == (
        r"\begin{bmatrix} 1 & 2.5 \\ 3 & -4 \end{bmatrix}"
    )
    assert backprop.latex_matrix([1, 2]) == r"\begin{bmatrix} 1 & 2 \end{bmatrix}"
