"""Section 3.2: scaled dot-product attention, why it is scaled, and
multi-head attention.

The checkers run ``neuron.attention.reference.attention_forward`` and
``neuron.attention.heads.multi_head_attention`` and compare them with the
formulas written out again here, as plainly as possible.

Legend:
    B   batch size         H   heads            T   queries      S   keys
    D   head size d_k      Dv  value size d_v   C   model width H * D
    q, k, v   queries (..., T, D), keys (..., S, D), values (..., S, Dv)
    s   scores (..., T, S); p their softmax along each row
"""

from __future__ import annotations

import math

import numpy as np

from neuron.paper.record import CheckResult, Equation, Properties, checker

__all__ = ["ATTENTION", "MULTI_HEAD", "SCALING"]

_LESSON = "lessons/05_attention.py"


def _reference_attention(q, k, v, mask=None):
    from neuron.attention.reference import attention_forward

    return attention_forward(q, k, v, mask=mask)


def _softmax_attention(q, k, v, scale, mask=None):
    """The paper's formula, softmax(q k^T * scale + mask) v, spelled out."""
    s = q @ np.swapaxes(k, -1, -2) * scale  # (..., T, S)
    if mask is not None:
        s = s + mask  # (..., T, S)
    e = np.exp(s - s.max(axis=-1, keepdims=True))  # (..., T, S)
    p = e / e.sum(axis=-1, keepdims=True)  # (..., T, S)
    return p @ v, p  # (..., T, Dv), (..., T, S)


# ---- equation (1) ----------------------------------------------------------


@checker
def check_attention(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check equation (1) on seeded random q, k, v.

    Args:
        implementation: ``f(q, k, v, mask) -> (out, probs, ...)`` with a float
            mask added to the scores; None means ``attention_forward``.
        seed: seeds the random inputs.
    """
    attend = implementation or _reference_attention
    rng = np.random.default_rng(seed)
    B, H, T, S, D, Dv = 2, 3, 5, 7, 16, 6
    q = rng.standard_normal((B, H, T, D))  # (B, H, T, D)
    k = rng.standard_normal((B, H, S, D))  # (B, H, S, D)
    v = rng.standard_normal((B, H, S, Dv))  # (B, H, S, Dv)
    props = Properties()

    got = attend(q, k, v, None)
    out, p = np.asarray(got[0]), np.asarray(got[1])  # (B, H, T, Dv), (B, H, T, S)
    want, want_p = _softmax_attention(q, k, v, 1 / math.sqrt(D))

    row_error = float(np.max(np.abs(p.sum(axis=-1) - 1)))
    props.expect(
        "each row of weights sums to one",
        row_error < 1e-12,
        f"max |row sum - 1| = {row_error:.1e}",
    )
    props.expect("every weight is non-negative", bool(np.all(p >= 0)))
    error = float(np.max(np.abs(out - want)))
    props.expect(
        "the output is softmax(q k^T / sqrt(d_k)) v",
        error < 1e-12,
        f"max error {error:.1e}",
    )
    props.expect(
        "the output is the weights times v", np.allclose(out, p @ v, atol=1e-12)
    )

    # A constant added to a whole row of scores cancels in the softmax.
    shift = rng.uniform(-50, 50, size=(B, H, T, 1))  # (B, H, T, 1)
    shifted = np.asarray(attend(q, k, v, shift)[0])  # (B, H, T, Dv)
    shift_error = float(np.max(np.abs(shifted - out)))
    props.expect(
        "adding a constant to a row of scores changes nothing",
        shift_error < 1e-10,
        f"max change {shift_error:.1e}",
    )

    # Each output is a weighted average of the values, so it lies between
    # their smallest and largest entry in every column.
    low, high = v.min(axis=-2, keepdims=True), v.max(axis=-2, keepdims=True)
    props.expect(
        "each output lies within the range of the values",
        np.all((out >= low - 1e-12) & (out <= high + 1e-12)),
    )
    props.measure(
        max_row_sum_error=row_error,
        max_output_error=error,
        max_shift_change=shift_error,
        d_k=D,
    )
    return props.result()


ATTENTION = Equation(
    id="eq1-attention",
    title="Scaled dot-product attention",
    latex=r"\mathrm{Attention}(Q, K, V) = "
    r"\mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V",
    explanation=(
        "Every query is compared with every key by a dot product; the scores "
        "of one query, divided by the square root of the key width, go "
        "through a softmax and become weights that sum to one; the output "
        "for that query is the weighted average of the value rows. Adding "
        "the same number to all scores of one query changes nothing, which "
        "is what lets the code subtract the row maximum for stability."
    ),
    section="3.2.1",
    code=(
        "neuron.attention.reference.attention_forward",
        "neuron.attention.reference.attention_backward",
        "neuron.attention.flash",
    ),
    lesson=_LESSON,
    check=check_attention,
)


# ---- why 1 / sqrt(d_k) -----------------------------------------------------


@checker
def check_scaling(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check the claim behind the scale: q . k has variance d_k.

    Args:
        implementation: ``f(q, k, v, scale) -> (out, probs, ...)``; None
            means ``attention_forward``.
        seed: seeds the random inputs.
    """
    from neuron.attention.reference import attention_forward

    attend = implementation or (
        lambda q, k, v, scale: attention_forward(q, k, v, scale=scale)
    )
    rng = np.random.default_rng(seed)
    props = Properties()

    # Entries with mean 0 and variance 1: q . k is a sum of D products of
    # variance 1 each, so its variance is D; divided by sqrt(D), it is 1.
    for D in (16, 512):
        q = rng.standard_normal((4000, D))  # (N, D)
        k = rng.standard_normal((4000, D))  # (N, D)
        dots = np.einsum("nd,nd->n", q, k)  # (N,)
        ratio = float(dots.var() / D)
        scaled = float((dots / math.sqrt(D)).var())
        props.expect(
            f"var(q . k) is d_k for d_k = {D}",
            abs(ratio - 1) < 0.1,
            f"var / d_k = {ratio:.3f}",
        )
        props.expect(
            f"var(q . k / sqrt(d_k)) is 1 for d_k = {D}",
            abs(scaled - 1) < 0.1,
            f"{scaled:.3f}",
        )
        props.measure(**{f"variance_over_dk_{D}": ratio})

    # Unscaled, large scores push the softmax to a near one-hot row, where
    # its gradient vanishes; scaled, the weights stay spread.
    D, T, S = 512, 64, 64
    q = rng.standard_normal((T, D))  # (T, D)
    k = rng.standard_normal((S, D))  # (S, D)
    v = rng.standard_normal((S, 8))  # (S, 8)
    unscaled = float(np.asarray(attend(q, k, v, 1.0)[1]).max(axis=-1).mean())
    scaled = float(np.asarray(attend(q, k, v, 1 / math.sqrt(D))[1]).max(axis=-1).mean())
    props.expect(
        "without the scale the softmax saturates (mean max weight > 0.8)",
        unscaled > 0.8,
        f"{unscaled:.3f}",
    )
    props.expect(
        "with the scale it does not (mean max weight < 0.5)",
        scaled < 0.5,
        f"{scaled:.3f}",
    )
    props.measure(mean_max_weight_unscaled=unscaled, mean_max_weight_scaled=scaled)
    return props.result()


SCALING = Equation(
    id="s3.2.1-scaling",
    title="Why the scores are divided by sqrt(d_k)",
    latex=r"q \cdot k = \sum_{i=1}^{d_k} q_i k_i,\quad "
    r"\mathrm{Var}(q \cdot k) = d_k \text{ when } q_i, k_i "
    r"\text{ are independent with mean } 0 \text{ and variance } 1",
    explanation=(
        "A dot product of two random vectors adds up d_k terms, so its spread "
        "grows like the square root of d_k. Large scores make the softmax "
        "almost one-hot, where its gradient is tiny. Dividing by sqrt(d_k) "
        "brings the variance back to one whatever the width."
    ),
    section="3.2.1",
    code=("neuron.attention.reference.attention_forward",),
    lesson=_LESSON,
    check=check_scaling,
)


# ---- multi-head attention --------------------------------------------------


def _reference_multi_head(x, w_q, w_k, w_v, w_o, heads):
    from neuron.attention.heads import multi_head_attention

    return multi_head_attention(x, w_q, w_k, w_v, w_o, heads)


@checker
def check_multi_head(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check multi-head attention against the per-head formula.

    Args:
        implementation: ``f(x, w_q, w_k, w_v, w_o, heads) -> (out, probs)``;
            None means ``multi_head_attention``.
        seed: seeds the random inputs.
    """
    from neuron.attention.heads import merge_heads, split_heads

    run = implementation or _reference_multi_head
    rng = np.random.default_rng(seed)
    B, T, C, H = 2, 6, 24, 4
    D = C // H
    x = rng.standard_normal((B, T, C))  # (B, T, C)
    w_q, w_k, w_v, w_o = (rng.standard_normal((C, C)) / math.sqrt(C) for _ in "qkvo")
    props = Properties()

    got = run(x, w_q, w_k, w_v, w_o, H)
    out, probs = np.asarray(got[0]), np.asarray(got[1])  # (B, T, C), (B, H, T, T)

    # head_i = Attention(x W_i^Q, x W_i^K, x W_i^V), with W_i^Q the columns
    # i D to (i + 1) D of W^Q; then Concat(head_1..head_H) W^O.
    heads = []
    for i in range(H):
        cols = slice(i * D, (i + 1) * D)
        q, k, v = x @ w_q[:, cols], x @ w_k[:, cols], x @ w_v[:, cols]  # (B, T, D)
        heads.append(_softmax_attention(q, k, v, 1 / math.sqrt(D))[0])
    want = np.concatenate(heads, axis=-1) @ w_o  # (B, T, C)
    error = float(np.max(np.abs(out - want)))
    props.expect(
        "the output is Concat(head_1, ..., head_h) W^O",
        error < 1e-12,
        f"max error {error:.1e}",
    )
    props.expect(
        "each head's weights sum to one per row",
        np.allclose(probs.sum(axis=-1), 1, atol=1e-12),
    )
    props.expect(
        "splitting into heads and merging back is the identity",
        np.array_equal(merge_heads(split_heads(x, H)), x),
    )

    # The cost claim: h heads of width d_model / h project with the same
    # number of multiply-adds as one head of width d_model, and their score
    # matrices together cost what one full-width score matrix costs.
    per_head = 3 * T * C * D + T * T * D * 2
    single = 3 * T * C * C + T * T * C * 2
    props.expect(
        "h heads cost what one full-width head costs",
        H * per_head == single,
        f"{H * per_head} vs {single}",
    )
    props.measure(
        max_output_error=error,
        heads=H,
        head_width=D,
        multiply_adds_all_heads=H * per_head,
        multiply_adds_one_wide_head=single,
    )
    return props.result()


MULTI_HEAD = Equation(
    id="s3.2.2-multi-head",
    title="Multi-head attention",
    latex=r"\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, "
    r"\dots, \mathrm{head}_h) W^O,\quad \mathrm{head}_i = "
    r"\mathrm{Attention}(Q W_i^Q, K W_i^K, V W_i^V)",
    explanation=(
        "Instead of one attention over the full width, the model projects "
        "queries, keys and values h times into narrower spaces of width "
        "d_model / h (64 in the base model, with h = 8), attends in each, "
        "puts the h results side by side and mixes them with W^O. Each head "
        "can look for a different relation. Because every head is h times "
        "narrower, the total cost matches a single full-width head."
    ),
    section="3.2.2",
    code=(
        "neuron.attention.heads.multi_head_attention",
        "neuron.attention.heads.split_heads",
        "neuron.attention.heads.merge_heads",
    ),
    lesson="lessons/06_transformer_block.py",
    check=check_multi_head,
)
