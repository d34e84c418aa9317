"""The NumPy reference: hand-derived gradients against finite differences
and torch autograd, and the sequential update rule of the shared contract."""

import warnings

import numpy as np
import pytest
import torch

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.word2vec import reference
from tests.word2vec.conftest import engine_pairs

V, D, K = 12, 6, 4


def matrices(rng, dtype=np.float64, scale=0.5):
    """Random W_in and W_out, both non-zero so every gradient term shows."""
    w_in = (rng.standard_normal((V, D)) * scale).astype(dtype)  # (V, D)
    w_out = (rng.standard_normal((V, D)) * scale).astype(dtype)  # (V, D)
    return w_in, w_out


def dense_gradients(w_in, w_out, c, o, negatives):
    """The reference's gradients scattered into full (V, D) matrices."""
    result = reference.pair_loss_and_gradients(w_in, w_out, c, o, negatives)
    d_in = np.zeros_like(w_in)  # (V, D)
    d_in[c] = result.d_input
    d_out = np.zeros_like(w_out)  # (V, D)
    np.add.at(d_out, result.targets, result.d_targets)
    return result.loss, d_in, d_out


class TestSigmoid:
    def test_matches_the_definition(self):
        s = np.linspace(-30, 30, 61)
        np.testing.assert_allclose(reference.sigmoid(s), 1 / (1 + np.exp(-s)))
        np.testing.assert_allclose(
            reference.log_sigmoid(s), torch.nn.functional.logsigmoid(torch.tensor(s))
        )

    @pytest.mark.parametrize("s", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
    def test_scalars_and_arrays_agree_without_warnings(self, s):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert reference.sigmoid(s) == reference.sigmoid(np.array([s]))[0]
            assert reference.log_sigmoid(s) == pytest.approx(
                reference.log_sigmoid(np.array([s]))[0], abs=1e-300
            )
        # Far from zero, the log stays finite: log sigmoid(-1000) = -1000.
        assert np.isfinite(reference.log_sigmoid(s))

    def test_keeps_float32(self):
        s = np.zeros(3, np.float32)
        assert reference.sigmoid(s).dtype == np.float32
        assert reference.log_sigmoid(s).dtype == np.float32


class TestGradients:
    @pytest.mark.parametrize("negatives", [[3, 5, 7, 9], [3, 3, 5, 1]])
    def test_against_central_differences(self, rng, negatives):
        w_in, w_out = matrices(rng)
        c, o = 2, 1
        _, d_in, d_out = dense_gradients(w_in, w_out, c, o, negatives)

        def loss(a, b):
            return reference.pair_loss_and_gradients(a, b, c, o, negatives).loss

        # Central differences in float64: error O(h^2), about 1e-10 here.
        h = 1e-5
        for W, analytic, which in ((w_in, d_in, 0), (w_out, d_out, 1)):
            numeric = np.zeros_like(W)  # (V, D)
            for index in np.ndindex(W.shape):
                saved = W[index]
                W[index] = saved + h
                up = loss(w_in, w_out)
                W[index] = saved - h
                down = loss(w_in, w_out)
                W[index] = saved
                numeric[index] = (up - down) / (2 * h)
            np.testing.assert_allclose(analytic, numeric, atol=1e-8, err_msg=which)

    def test_against_torch_autograd(self, rng):
        w_in, w_out = matrices(rng)
        c, o, negatives = 4, 7, [0, 11, 7, 2]  # 7 is the context: skipped
        loss, d_in, d_out = dense_gradients(w_in, w_out, c, o, negatives)

        t_in = torch.tensor(w_in, requires_grad=True)
        t_out = torch.tensor(w_out, requires_grad=True)
        v = t_in[c]
        kept = torch.tensor([n for n in negatives if n != o])
        t_loss = -torch.nn.functional.logsigmoid(t_out[o] @ v)
        t_loss = t_loss - torch.nn.functional.logsigmoid(-(t_out[kept] @ v)).sum()
        t_loss.backward()

        assert loss == pytest.approx(t_loss.item(), rel=1e-12)
        np.testing.assert_allclose(d_in, t_in.grad, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(d_out, t_out.grad, rtol=1e-10, atol=1e-14)

    def test_first_loss_is_k_plus_one_log_two_with_zero_w_out(self, rng):
        w_in, _ = matrices(rng)
        w_out = np.zeros_like(w_in)
        result = reference.pair_loss_and_gradients(w_in, w_out, 0, 1, [2, 3, 4])
        assert result.loss == pytest.approx(4 * np.log(2))
        # Every u is zero, so v gets no gradient yet; each u moves along v.
        np.testing.assert_array_equal(result.d_input, 0)
        np.testing.assert_allclose(result.d_targets[0], -0.5 * w_in[0])


class TestTrainPair:
    def test_distinct_targets_take_one_plain_sgd_step(self, rng):
        w_in, w_out = matrices(rng)
        c, o, negatives, alpha = 1, 2, [3, 4, 5, 6], 0.1
        loss, d_in, d_out = dense_gradients(w_in, w_out, c, o, negatives)
        expected_in, expected_out = w_in - alpha * d_in, w_out - alpha * d_out

        got = reference.train_pair(w_in, w_out, c, o, negatives, alpha)
        assert got == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(w_in, expected_in, rtol=1e-12)
        np.testing.assert_allclose(w_out, expected_out, rtol=1e-12)

    def test_a_negative_equal_to_the_context_is_skipped(self, rng):
        w_in, w_out = matrices(rng)
        a_in, a_out = w_in.copy(), w_out.copy()
        loss_with = reference.train_pair(w_in, w_out, 0, 5, [5, 6, 5, 7], 0.05)
        loss_without = reference.train_pair(a_in, a_out, 0, 5, [6, 7], 0.05)
        assert loss_with == loss_without
        np.testing.assert_array_equal(w_in, a_in)
        np.testing.assert_array_equal(w_out, a_out)

    def test_a_repeated_negative_sees_its_own_first_update(self, rng):
        w_in, w_out = matrices(rng)
        v = w_in[0].copy()
        u = w_out[3].copy()
        alpha = 0.5
        reference.train_pair(w_in, w_out, 0, 1, [3, 3], alpha)

        # By hand: the second use of row 3 scores the updated row.
        g1 = -alpha * reference.sigmoid(float(v @ u))
        u1 = u + g1 * v
        g2 = -alpha * reference.sigmoid(float(v @ u1))
        np.testing.assert_allclose(w_out[3], u1 + g2 * v, rtol=1e-12)

    def test_loss_falls_when_one_pair_is_repeated(self, rng):
        w_in, w_out = matrices(rng, np.float32, scale=0.1)
        losses = [
            reference.train_pair(w_in, w_out, 0, 1, [2, 3, 4], 0.5) for _ in range(50)
        ]
        assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
        assert losses[-1] < 0.5 * losses[0]


class TestTrainPairs:
    def pairs(self, rng, P=40):
        inputs = rng.integers(0, V, P).astype(np.int32)  # (P,)
        outputs = rng.integers(0, V, P).astype(np.int32)  # (P,)
        negatives = rng.integers(0, V, (P, K)).astype(np.int32)  # (P, K)
        alphas = np.linspace(0.05, 0.01, P).astype(np.float32)  # (P,)
        return inputs, outputs, negatives, alphas

    def test_equals_a_loop_of_train_pair(self, rng):
        w_in, w_out = matrices(rng, np.float32)
        a_in, a_out = w_in.copy(), w_out.copy()
        inputs, outputs, negatives, alphas = self.pairs(rng)

        total = reference.train_pairs(w_in, w_out, inputs, outputs, negatives, alphas)
        expected = sum(
            reference.train_pair(a_in, a_out, c, o, n, a)
            for c, o, n, a in zip(inputs, outputs, negatives, alphas, strict=True)
        )
        assert isinstance(total, float)
        assert total == expected
        np.testing.assert_array_equal(w_in, a_in)
        np.testing.assert_array_equal(w_out, a_out)

    @pytest.mark.skipif(engine_pairs() is None, reason="engine word2vec not built yet")
    def test_engine_matches_the_reference(self, rng):
        w_in, w_out = matrices(rng, np.float32, scale=0.1)
        e_in, e_out = w_in.copy(), w_out.copy()
        arrays = self.pairs(rng, P=500)
        loss = reference.train_pairs(w_in, w_out, *arrays)
        engine_loss = engine_pairs()(e_in, e_out, *arrays)
        assert engine_loss == pytest.approx(loss, rel=1e-5)
        np.testing.assert_allclose(e_in, w_in, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(e_out, w_out, rtol=1e-4, atol=1e-6)

    def test_rejects_bad_input(self, rng):
        w_in, w_out = matrices(rng, np.float32)
        inputs, outputs, negatives, alphas = self.pairs(rng)
        with pytest.raises(DTypeError, match="expected W_in as a float32"):
            reference.train_pairs(
                w_in.astype(int), w_out, inputs, outputs, negatives, alphas
            )
        with pytest.raises(ShapeError, match=r"negatives \(P, k\)"):
            reference.train_pairs(w_in, w_out, inputs, outputs, negatives[:-1], alphas)
        with pytest.raises(InvalidArgumentError, match=r"inputs in \[0, 12\)"):
            reference.train_pairs(w_in, w_out, inputs + V, outputs, negatives, alphas)


def test_learning_rate_decays_linearly_to_a_floor():
    assert reference.learning_rate(0.025, 0.0) == 0.025
    assert reference.learning_rate(0.025, 0.5) == pytest.approx(0.0125)
    assert reference.learning_rate(0.025, 1.0) == pytest.approx(0.025e-4)
    assert reference.learning_rate(0.1, 0.99, min_alpha=0.01) == 0.01
