"""Self-attention of one sentence, every step named, for the Canvas to draw.

``attention_steps`` runs multi-head self-attention on a single sequence and
returns each intermediate array with its equation, so a view can show Q, K,
V, the scores, their scaling and masking, the softmax weights, the weighted
sum and the next-token probabilities side by side. The softmax and the
weighted sum come from ``neuron.attention.reference.attention_forward``; the
head split from ``neuron.attention.heads``. Nothing here is new math: it is
the reference, laid out step by step.

``softmax_saturation`` shows why the scores are scaled by 1 / sqrt(d_k):
without the scale, the dot product of two random vectors with unit-variance
entries has variance d_k, and the softmax of such scores puts almost all of
its weight on one key as d_k grows.

``word_vectors`` and ``seeded_weights`` make the small, reproducible inputs
the Canvas starts from.

Legend:
    T   tokens in the sentence       C   model width (embedding size)
    H   heads                        D   head size C / H (d_k)
    V   vocabulary size (of the unembedding)
    x   the embedding rows, (T, C)
    q, k, v   queries, keys, values, (T, C), then (H, T, D) per head
    s   scores, (H, T, T); p the softmax weights, (H, T, T)
    o   the weighted sums, (H, T, D) per head, (T, C) joined
    z   next-token logits, (T, V)
"""

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from neuron.attention.heads import merge_heads, split_heads
from neuron.attention.reference import (
    _check_like,
    _floating,
    _positive_int,
    attention_forward,
    causal_mask,
)
from neuron.errors import InvalidArgumentError, ShapeError
from neuron.softmax.reference import softmax

__all__ = [
    "STEP_NAMES",
    "AttentionStep",
    "Saturation",
    "attention_steps",
    "seeded_weights",
    "softmax_saturation",
    "split_sentence",
    "word_vectors",
]


#: The names ``attention_steps`` records, in order, when given ``unembed``
#: (without it, the last two are missing).
STEP_NAMES = (
    "x", "q", "k", "v", "scores", "scaled", "masked", "weights",
    "heads_out", "out", "logits", "next",
)  # fmt: skip


@dataclass(frozen=True)
class AttentionStep:
    """One step of ``attention_steps``.

    Attributes:
        name: a short key, for example ``"weights"``.
        value: the array the step produced.
        equation: what it computes, as short text, for example
            ``"P_h = softmax(S_h)"``.
        role: one sentence on what the array means.
    """

    name: str
    value: np.ndarray
    equation: str
    role: str

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``value``."""
        return self.value.shape


def attention_steps(
    x: np.ndarray,
    w_q: np.ndarray,
    w_k: np.ndarray,
    w_v: np.ndarray,
    heads: int = 1,
    *,
    causal: bool = False,
    scale: bool = True,
    unembed: np.ndarray | None = None,
) -> dict[str, AttentionStep]:
    """Multi-head self-attention of one sequence, every step on record.

    Equation (1) of Vaswani et al. (2017) in each head h,

        P_h = softmax(Q_h K_h^T / sqrt(d_k)),   O_h = P_h V_h,

    with Q = X W_Q, K = X W_K, V = X W_V cut into H heads of d_k = C / H
    columns. No biases and no output projection, so that every number on
    screen comes from the three matrices a learner edits.

    Args:
        x: the embedding rows, (T, C), float32 or float64.
        w_q: query projection, (C, C), applied as x @ w_q; same dtype as x.
        w_k: key projection, (C, C).
        w_v: value projection, (C, C).
        heads: H, which must divide C.
        causal: if True, token i attends only to tokens j <= i.
        scale: if True, the scores are multiplied by 1 / sqrt(d_k); if False
            they are used as they are (to see the softmax saturate).
        unembed: optional (C, V) matrix mapping each joined output row to
            next-token logits; with it, the steps end with ``"logits"`` and
            ``"next"``.

    Returns:
        An ordered dict name -> ``AttentionStep``: ``"x"`` (T, C), ``"q"``,
        ``"k"``, ``"v"`` (T, C), ``"scores"``, ``"scaled"``, ``"masked"``,
        ``"weights"`` (H, T, T), ``"heads_out"`` (H, T, D), ``"out"`` (T, C),
        and with ``unembed`` also ``"logits"`` and ``"next"`` (T, V). Each
        row of ``"weights"`` and of ``"next"`` sums to 1.

    Raises:
        DTypeError: an input is not float32/float64, or the dtypes differ.
        ShapeError: x is not (T, C), a weight is not (C, C), unembed is not
            (C, V), or H does not divide C.
    """
    x = _floating(x, "x")
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ShapeError(
            f"expected x of shape (T, C) with T, C >= 1, got {x.shape}; pass one "
            "embedding row per token"
        )
    T, C = x.shape
    H = _positive_int(heads, "heads")
    if C % H:
        raise ShapeError(
            f"expected heads to divide the width C = {C}, got heads = {H}; pick "
            f"one of {[h for h in range(1, C + 1) if C % h == 0]}"
        )
    w_q = _check_like(w_q, "w_q", (C, C), x.dtype)
    w_k = _check_like(w_k, "w_k", (C, C), x.dtype)
    w_v = _check_like(w_v, "w_v", (C, C), x.dtype)
    D = C // H
    factor = 1.0 / math.sqrt(D) if scale else 1.0
    steps: dict[str, AttentionStep] = {}

    def record(name: str, value: np.ndarray, equation: str, role: str) -> None:
        steps[name] = AttentionStep(name, value, equation, role)

    record("x", x, "X = E[tokens]", "one embedding row per token")

    # Three projections of the same rows: what each token asks for, what it
    # offers to be matched on, and what it hands over when matched.
    q = x @ w_q  # (T, C)
    k = x @ w_k  # (T, C)
    v = x @ w_v  # (T, C)
    record("q", q, "Q = X W_Q", "queries: what each token looks for")
    record("k", k, "K = X W_K", "keys: what each token is matched on")
    record("v", v, "V = X W_V", "values: what each token passes on")

    # Cut the width into H heads of D columns each.
    qh = split_heads(q[None], H)[0]  # (H, T, D)
    kh = split_heads(k[None], H)[0]  # (H, T, D)
    vh = split_heads(v[None], H)[0]  # (H, T, D)

    # The scores are shown before and after scaling and masking; the
    # reference computes them again inside attention_forward, one extra
    # (T, T) product per head, which is nothing at this size.
    s = qh @ np.swapaxes(kh, -1, -2)  # (H, T, T)
    record("scores", s, "S_h = Q_h K_h^T", "how well query i matches key j")
    s = s * factor  # (H, T, T)
    equation = f"S_h = S_h / sqrt({D})" if scale else "S_h unscaled (scale off)"
    record("scaled", s, equation, "the scores the softmax reads")
    if causal:
        s = np.where(causal_mask(T, T), s, -np.inf)  # (H, T, T)
        record("masked", s, "S_ij = -inf for j > i", "future tokens hidden")
    else:
        record("masked", s, "S unchanged: no mask", "every token sees every token")

    attended = attention_forward(qh, kh, vh, causal=causal, scale=factor)
    record(
        "weights",
        attended.probs,
        "P_h = softmax(S_h) over the keys",
        "how much of token j's value flows to token i; rows sum to 1",
    )
    record("heads_out", attended.out, "O_h = P_h V_h", "each head's weighted sum")
    o = merge_heads(attended.out[None])[0]  # (T, C)
    record("out", o, "O = [O_1 ... O_H]", "the heads side by side")

    if unembed is not None:
        unembed = _floating(unembed, "unembed")
        if unembed.ndim != 2 or unembed.shape[0] != C:
            raise ShapeError(
                f"expected unembed of shape ({C}, V), got {unembed.shape}; pass "
                "the transposed embedding table, E^T"
            )
        unembed = _check_like(unembed, "unembed", unembed.shape, x.dtype)
        z = o @ unembed  # (T, V)
        record("logits", z, "Z = O U", "a score for every word as the next one")
        record("next", softmax(z), "P_next = softmax(Z)", "next-token probabilities")
    return steps


# ---- why the scale -----------------------------------------------------------


@dataclass(frozen=True)
class Saturation:
    """How peaked the softmax of random scores is, by head size.

    Attributes:
        dims: the head sizes d_k, (N,).
        max_weight: the mean over samples of the largest softmax weight, (N,).
        entropy: the mean entropy of the softmax weights in nats, (N,); its
            largest possible value is log(keys).
        scaled: whether the scores were multiplied by 1 / sqrt(d_k).
        keys: the number of keys each query was scored against.
    """

    dims: np.ndarray
    max_weight: np.ndarray
    entropy: np.ndarray
    scaled: bool
    keys: int


def softmax_saturation(
    dims: Iterable[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    *,
    scaled: bool = True,
    keys: int = 16,
    samples: int = 256,
    seed: int = 0,
) -> Saturation:
    """Measure how the softmax of q . k saturates as d_k grows.

    For each head size d_k, draw ``samples`` queries and ``keys`` keys per
    query with independent standard-normal entries, score each key by
    q . k (times 1 / sqrt(d_k) when ``scaled``), take the softmax over the
    keys, and average its largest weight and its entropy over the queries.
    Unscaled, q . k has variance d_k, so the scores spread out and the
    softmax approaches one-hot: the largest weight goes to 1 and the entropy
    to 0. Scaled, the variance stays 1 and so do both measures, roughly.

    Args:
        dims: head sizes to try, each >= 1.
        scaled: multiply the scores by 1 / sqrt(d_k).
        keys: keys per query, >= 2.
        samples: queries per head size, >= 1.
        seed: seeds NumPy's default generator; each d_k draws from it in turn.

    Returns:
        A ``Saturation`` with one entry per head size.
    """
    dims = [_positive_int(d, "d_k") for d in dims]
    if not dims:
        raise InvalidArgumentError(
            "expected at least one head size in dims, got none; pass e.g. (1, 2, 4, 8)"
        )
    keys = _positive_int(keys, "keys")
    if keys < 2:
        raise InvalidArgumentError(
            f"expected keys >= 2, got {keys}; one key always gets all the weight"
        )
    samples = _positive_int(samples, "samples")
    rng = np.random.default_rng(seed)
    max_weight, entropy = [], []
    for d in dims:
        q = rng.standard_normal((samples, 1, d))  # (N, 1, d)
        k = rng.standard_normal((samples, keys, d))  # (N, S, d)
        s = np.sum(q * k, axis=-1)  # (N, S)
        if scaled:
            s = s / math.sqrt(d)  # (N, S)
        p = softmax(s)  # (N, S)

        # 0 log 0 is 0: a weight that underflowed adds nothing to the entropy.
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, -p * np.log(p), 0.0)  # (N, S)
        max_weight.append(float(np.mean(np.max(p, axis=-1))))
        entropy.append(float(np.mean(np.sum(terms, axis=-1))))
    return Saturation(
        np.array(dims), np.array(max_weight), np.array(entropy), bool(scaled), keys
    )


# ---- reproducible starting points -----------------------------------------------


def split_sentence(sentence: str) -> tuple[list[str], list[str], np.ndarray]:
    """Cut a sentence into words at whitespace and number the distinct ones.

    Args:
        sentence: the text.

    Returns:
        ``(tokens, words, ids)``: the T tokens in order, the V distinct words
        in order of first appearance, and each token's index into words,
        (T,) int64. So ``table[ids]`` turns a (V, C) table into (T, C) rows.

    Raises:
        InvalidArgumentError: the sentence is not a string or has no word.
    """
    if not isinstance(sentence, str):
        raise InvalidArgumentError(
            f"expected the sentence as a string, got {type(sentence).__name__}"
        )
    tokens = sentence.split()
    if not tokens:
        raise InvalidArgumentError(
            f"expected a sentence with at least one word, got {sentence!r}; type "
            "a few words separated by spaces"
        )
    words = list(dict.fromkeys(tokens))
    index = {word: i for i, word in enumerate(words)}
    ids = np.array([index[token] for token in tokens], dtype=np.int64)  # (T,)
    return tokens, words, ids


def word_vectors(
    words: Sequence[str], width: int, *, seed: int = 0, decimals: int = 2
) -> np.ndarray:
    """A random embedding row per word, the same row for the same word.

    Each word's row is drawn from ``np.random.default_rng([seed,
    zlib.crc32(word.encode("utf-8"))])``, standard normal, rounded to
    ``decimals`` places so that what an editor shows is exactly the value.
    So "cat" gets the same vector in every sentence.

    Args:
        words: the words, any number, repeats allowed.
        width: C, the length of each row, >= 1.
        seed: mixed into every word's generator.
        decimals: rounding of the entries.

    Returns:
        A float64 array of shape (len(words), width).
    """
    width = _positive_int(width, "width")
    rows = []
    for word in words:
        if not isinstance(word, str):
            raise InvalidArgumentError(
                f"expected words as strings, got {type(word).__name__}; split a "
                "sentence with sentence.split()"
            )
        rng = np.random.default_rng([seed, zlib.crc32(word.encode("utf-8"))])
        rows.append(rng.standard_normal(width))
    table = np.array(rows, dtype=np.float64).reshape(len(rows), width)  # (N, C)
    return np.round(table, decimals)


def seeded_weights(
    width: int, *, seed: int = 0, decimals: int = 2
) -> dict[str, np.ndarray]:
    """W_Q, W_K and W_V to start from: random, scaled, rounded.

    Drawn from ``np.random.default_rng(seed)`` in the order q, k, v, each
    ``standard_normal((width, width)) / sqrt(width)`` (so that x @ W keeps
    unit-variance rows at unit variance), then rounded to ``decimals``
    places so that an editor shows the exact values.

    Args:
        width: C, >= 1.
        seed: the generator's seed.
        decimals: rounding of the entries.

    Returns:
        ``{"w_q": ..., "w_k": ..., "w_v": ...}``, float64, each (C, C).
    """
    width = _positive_int(width, "width")
    rng = np.random.default_rng(seed)
    return {
        name: np.round(rng.standard_normal((width, width)) / math.sqrt(width), decimals)
        for name in ("w_q", "w_k", "w_v")
    }
