"""Checkers can fail: a wrong implementation passed in is reported, with the
property it broke, and never raises."""

import math

import numpy as np
import pytest

from neuron import paper
from neuron.attention.reference import attention_forward
from neuron.transformer.schedule import paper_lr


def _unscaled_attention(q, k, v, mask):
    return attention_forward(q, k, v, mask=mask, scale=1.0)


def _unnormalised_attention(q, k, v, mask):
    s = q @ np.swapaxes(k, -1, -2) + (0 if mask is None else mask)
    p = np.exp(s - s.max(axis=-1, keepdims=True))
    return p @ v, p


BROKEN = [
    ("eq1-attention", _unscaled_attention, "softmax(q k^T / sqrt(d_k)) v"),
    ("eq1-attention", _unnormalised_attention, "sums to one"),
    (
        "eq3-learning-rate",
        lambda t, d, w: paper_lr(t, d, 2 * w),
        "peaks at step w",
    ),
    (
        "s3.5-positions",
        lambda T, C: np.sin(np.arange(T)[:, None] * np.ones((1, C))),
        "odd columns",
    ),
    (
        "s3.5-relative-positions",
        lambda T, C: np.arange(T)[:, None] * np.ones((1, C)) / T,
        "PE(pos + k) = M_k PE(pos)",
    ),
    (
        "eq2-feed-forward",
        lambda x, w1, b1, w2, b2, act: np.tanh(x @ w1 + b1) @ w2 + b2,
        "max(0, x W1 + b1) W2 + b2",
    ),
    (
        "s5.4-label-smoothing",
        lambda logits, targets, eps: _plain_cross_entropy(logits, targets),
        "(1 - eps) CE",
    ),
    ("t3-parameters", lambda config: config.parameter_count() + 1, "weight by weight"),
    (
        "t1-complexity",
        lambda layer, n, d: n * d * d,
        "counted multiply-adds match",
    ),
    (
        "s3.2.2-multi-head",
        lambda x, wq, wk, wv, wo, h: (x @ wo, np.full((1, h, 1, 2), 0.5)),
        "Concat(head_1, ..., head_h) W^O",
    ),
    (
        "s3.2.1-scaling",
        lambda q, k, v, scale: attention_forward(q, k, v, scale=1.0),
        "with the scale it does not",
    ),
]


def _plain_cross_entropy(logits, targets):
    from neuron.paper.training import smoothed_loss

    return smoothed_loss(logits, targets, 0.0)


@pytest.mark.parametrize(("id", "broken", "property_"), BROKEN)
def test_a_broken_implementation_is_reported_failed(id, broken, property_):
    result = paper.get(id).check(implementation=broken)
    assert not result.passed
    failed = [line for line in result.details.splitlines() if "FAILED" in line]
    assert any(property_ in line for line in failed), result.details


def test_an_implementation_that_raises_is_reported_not_raised():
    def crash(*args):
        raise RuntimeError("out of cheese")

    result = paper.get("eq1-attention").check(implementation=crash)
    assert not result.passed
    assert "RuntimeError: out of cheese" in result.details


def test_a_wrong_argument_to_a_checker_still_raises():
    with pytest.raises(TypeError):
        paper.get("eq1-attention").check(unknown=1)


def test_the_attention_checker_passes_a_correct_reimplementation():
    def plain(q, k, v, mask):
        s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
        s = s if mask is None else s + mask
        p = np.exp(s - s.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        return p @ v, p

    assert paper.get("eq1-attention").check(implementation=plain).passed
