"""Skip-gram with negative sampling in NumPy, one pair at a time, to be read.

This is the lesson and the yardstick: the compiled engine
(``neuron.word2vec.engine``) computes exactly these updates, and the tests
compare the two. Nothing here is fast; everything here is visible.

Legend:
    V   vocabulary size (rows of both matrices)
    D   vector size
    k   negatives drawn per pair
    W_in    (V, D) input vectors: the word vectors a user keeps
    W_out   (V, D) output vectors: only used for training
    w   the input word's id: the row of W_in a pair trains; v = W_in[w], (D,)
    o   the output word's id: the word w should predict (the "positive" target)
    n_j the negative ids, drawn from the noise distribution
    t   one target (o or a kept negative), u_t = W_out[t], shape (D,)
    l_t its label: 1 for o, 0 for a negative
    s_t the score v . u_t, p_t = sigmoid(s_t)

The model. Skip-gram asks "is o a word seen near w?" as a logistic
regression on s = v . u: P(yes) = sigmoid(s). Negative sampling turns the
V-way softmax into k + 1 binary questions, one true (the real neighbour) and
k false (random words), so one pair costs O(k D) instead of O(V D):

    loss = -log sigmoid(v . u_o) - sum_j log sigmoid(-v . u_j)

The gradients, by hand. For one target with label l and score s, the term is
-log sigmoid(s) if l = 1 and -log sigmoid(-s) = -log(1 - sigmoid(s)) if l = 0.
Since d/ds log sigmoid(s) = 1 - sigmoid(s) and d/ds log(1 - sigmoid(s)) =
-sigmoid(s), both cases collapse to

    d loss / d s = sigmoid(s) - l = p - l.

With s = v . u, ds/dv = u and ds/du = v, so by the chain rule

    d loss / d v   = sum_t (p_t - l_t) u_t        (D,)
    d loss / d u_t = (p_t - l_t) v                (D,)

and no other row of W_in or W_out has a gradient: a pair touches 1 row of
W_in and k + 1 rows of W_out.

The SGD step. With g_t = alpha (l_t - p_t) = -alpha (p_t - l_t), a step
downhill is W_in[w] += sum_t g_t u_t and W_out[t] += g_t v. word2vec applies
it target by target: W_out[t] changes at once (so a negative drawn twice
sees its own first update), while the change to v is accumulated in e and
added at the end, so every target is scored against the same v.

Why W_out starts at zero. Then every score starts at 0, every p at 1/2, and
the first loss of a pair is exactly (k + 1) log 2: a known starting point.
Random W_in already breaks the symmetry between words, so W_out needs no
noise of its own; W_out rows grow along the v's of the words they follow.
(Both at zero would never move: every gradient would be zero.)

The learning rate decays linearly over the whole run,
alpha = max(alpha0 (1 - progress), min_alpha), progress = words done / all
words of all epochs: big steps while vectors are random, small ones at the
end so the last sentences do not undo the rest.
"""

import math
from typing import NamedTuple

import numpy as np

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "PairGradients",
    "learning_rate",
    "log_sigmoid",
    "pair_loss_and_gradients",
    "sigmoid",
    "train_pair",
    "train_pairs",
]


def _as_floating(s) -> np.ndarray:
    # Python floats and integers are computed in float64, arrays keep theirs.
    s = np.asarray(s)
    return s if s.dtype.kind == "f" else s.astype(np.float64)


def sigmoid(s):
    """The logistic function 1 / (1 + exp(-s)), without overflow warnings.

    Args:
        s: a float or an array of floats.

    Returns:
        sigmoid(s), of the same shape and floating dtype (a Python float for a
        Python float).
    """
    if isinstance(s, float):  # the per-pair loop: skip NumPy's overhead
        z = math.exp(-abs(s))
        return 1.0 / (1.0 + z) if s >= 0 else z / (1.0 + z)
    s = _as_floating(s)
    # Why two forms: for s << 0, exp(-s) overflows to inf. 1 / (1 + inf) is
    # still the right answer (0) but NumPy warns; exp(s) / (1 + exp(s)) never
    # overflows there. So use the form whose exponent is <= 0.
    z = np.exp(-np.abs(s))  # in (0, 1]
    out = np.where(s >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(s.dtype)
    return out if out.ndim else out.item()


def log_sigmoid(s):
    """log sigmoid(s) = -log(1 + exp(-s)), accurate for any s.

    Args:
        s: a float or an array of floats.

    Returns:
        log sigmoid(s), same shape and floating dtype.
    """
    if isinstance(s, float):
        # -log(1 + exp(-s)), with the exponent kept <= 0 as in logaddexp.
        return min(s, 0.0) - math.log1p(math.exp(-abs(s)))
    s = _as_floating(s)
    # log(sigmoid(s)) would round sigmoid(-40) = 4e-18 to 0 in float32 and give
    # -inf; logaddexp(0, -s) = log(exp(0) + exp(-s)) is computed stably and
    # gives -40 there, as it should.
    out = -np.logaddexp(0.0, -s).astype(s.dtype)
    return out if out.ndim else out.item()


def learning_rate(alpha: float, progress: float, min_alpha: float | None = None):
    """The linearly decaying learning rate at a point of the run.

    Args:
        alpha: the starting rate alpha0.
        progress: words processed / (epochs * corpus words), in [0, 1].
        min_alpha: the floor; None means alpha * 1e-4 (word2vec's choice).

    Returns:
        max(alpha * (1 - progress), min_alpha) as a float.
    """
    floor = alpha * 1e-4 if min_alpha is None else min_alpha
    return max(alpha * (1.0 - progress), floor)


class PairGradients(NamedTuple):
    """The loss of one (input, output) pair and its gradients.

    Attributes:
        loss: -log sigmoid(v . u_o) - sum over kept negatives log sigmoid(-v . u_j).
        d_input: d loss / d W_in[w], shape (D,).
        targets: the ids the loss depends on, the output word first, then
            kept negatives in order, shape (T,).
        labels: 1.0 for the output word, 0.0 for each negative, shape (T,).
        d_targets: d loss / d W_out[targets[i]] per target, shape (T, D). A
            target listed twice has two rows; the gradient of its W_out row is
            their sum.
    """

    loss: float
    d_input: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    d_targets: np.ndarray


def _targets_and_labels(o: int, negatives) -> tuple[np.ndarray, np.ndarray]:
    # A negative equal to the output word would ask the model to say both "yes"
    # and "no" about the same word; every path skips it.
    negatives = np.asarray(negatives, dtype=np.int64).reshape(-1)  # (k,)
    kept = negatives[negatives != o]  # (k',)
    targets = np.concatenate([[o], kept])  # (T,) with T = 1 + k'
    labels = np.zeros(len(targets))  # (T,)
    labels[0] = 1.0
    return targets, labels


def pair_loss_and_gradients(
    W_in: np.ndarray, W_out: np.ndarray, w: int, o: int, negatives
) -> PairGradients:
    """Loss and exact gradients of one skip-gram pair; changes nothing.

    Args:
        W_in: input vectors, (V, D), float32 or float64.
        W_out: output vectors, (V, D), same dtype.
        w: the input word's id.
        o: the output word's id.
        negatives: k negative ids; any equal to o are skipped.

    Returns:
        A PairGradients; the loss is a float64 Python float.
    """
    targets, labels = _targets_and_labels(o, negatives)
    v = W_in[w]  # (D,)
    U = W_out[targets]  # (T, D)

    # Scores and probabilities, one per target.
    s = U @ v  # (T,)
    p = sigmoid(s.astype(np.float64))  # (T,)

    # The loss: label 1 wants s large, label 0 wants s small (i.e. -s large).
    signed = np.where(labels == 1.0, s, -s).astype(np.float64)  # (T,)
    loss = float(-np.sum(log_sigmoid(signed)))

    # d loss / d s_t = p_t - l_t, then the chain rule through s_t = v . u_t.
    ds = p - labels  # (T,)
    d_input = (ds @ U).astype(W_in.dtype)  # (D,)
    d_targets = np.outer(ds, v).astype(W_out.dtype)  # (T, D)
    return PairGradients(loss, d_input, targets, labels, d_targets)


def train_pair(
    W_in: np.ndarray, W_out: np.ndarray, w: int, o: int, negatives, alpha: float
) -> float:
    """One SGD step on one pair, in place, in word2vec's sequential order.

    Args:
        W_in: input vectors, (V, D), float32 or float64; row w is updated.
        W_out: output vectors, (V, D), same dtype; target rows are updated.
        w: the input word's id.
        o: the output word's id.
        negatives: k negative ids; any equal to o are skipped.
        alpha: the learning rate for this pair.

    Returns:
        The pair's loss (float64), from each target's score before its update.
    """
    targets, labels = _targets_and_labels(o, negatives)
    dtype = W_in.dtype
    alpha = dtype.type(alpha)

    # v is copied: every target is scored against the value before this step.
    v = W_in[w].copy()  # (D,)
    e = np.zeros_like(v)  # (D,) the accumulated update of v

    loss = 0.0  # float64: thousands of small terms per chunk
    for t, label in zip(targets, labels, strict=True):
        u = W_out[t]  # (D,) a view: sees an earlier update of the same row
        s = float(v @ u)
        p = sigmoid(s)
        loss -= log_sigmoid(s if label == 1.0 else -s)

        # g = -alpha * d loss / d s: a step downhill on this target's term.
        g = alpha * dtype.type(label - p)
        e += g * u
        W_out[t] += g * v

    W_in[w] += e
    return loss


def train_pairs(
    W_in: np.ndarray,
    W_out: np.ndarray,
    inputs: np.ndarray,
    outputs: np.ndarray,
    negatives: np.ndarray,
    alphas: np.ndarray,
) -> float:
    """Train on P pairs in order, in place; the semantics every path matches.

    Args:
        W_in: input vectors, (V, D), float32 or float64, C-contiguous.
        W_out: output vectors, (V, D), same dtype and layout.
        inputs: input word ids (their W_in rows train), (P,), in [0, V).
        outputs: output word ids (the positive targets), (P,), in [0, V).
        negatives: negative ids, (P, k), integers in [0, V).
        alphas: the learning rate of each pair, (P,).

    Returns:
        The summed loss of all pairs as a float64 Python float.

    Raises:
        DTypeError: the matrices are not float32/float64 or differ in dtype.
        ShapeError: arrays of inconsistent shapes.
        InvalidArgumentError: an id outside [0, V).
    """
    _check_pairs(W_in, W_out, inputs, outputs, negatives, alphas)
    loss = 0.0
    for i in range(len(inputs)):
        loss += train_pair(
            W_in,
            W_out,
            int(inputs[i]),
            int(outputs[i]),
            negatives[i],
            float(alphas[i]),
        )
    return loss


def _check_pairs(W_in, W_out, inputs, outputs, negatives, alphas) -> None:
    for name, W in (("W_in", W_in), ("W_out", W_out)):
        if not isinstance(W, np.ndarray) or W.dtype not in (np.float32, np.float64):
            got = getattr(W, "dtype", type(W).__name__)
            raise DTypeError(
                f"expected {name} as a float32 or float64 numpy array, got {got}; "
                f"convert with np.asarray({name}, dtype=np.float32)"
            )
    if W_in.dtype != W_out.dtype or W_in.shape != W_out.shape or W_in.ndim != 2:
        raise ShapeError(
            f"expected W_in and W_out of one shape (V, D) and dtype, got "
            f"{W_in.shape} {W_in.dtype} and {W_out.shape} {W_out.dtype}; "
            "create both with the same shape and dtype"
        )
    P = len(inputs)
    shapes = (np.shape(outputs), np.shape(alphas), np.shape(negatives)[:1])
    if np.ndim(inputs) != 1 or np.ndim(negatives) != 2 or shapes != ((P,),) * 3:
        raise ShapeError(
            "expected inputs (P,), outputs (P,), negatives (P, k), alphas (P,), "
            f"got {np.shape(inputs)}, {np.shape(outputs)}, "
            f"{np.shape(negatives)}, {np.shape(alphas)}; "
            "give one row per pair"
        )
    V = W_in.shape[0]
    for name, ids in (("inputs", inputs), ("outputs", outputs)):
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= V):
            raise InvalidArgumentError(
                f"expected {name} in [0, {V}), got values from {ids.min()} to "
                f"{ids.max()}; encode words with the vocabulary used for W_in"
            )
    negatives = np.asarray(negatives)
    if negatives.size and (negatives.min() < 0 or negatives.max() >= V):
        raise InvalidArgumentError(
            f"expected negatives in [0, {V}), got values from {negatives.min()} "
            f"to {negatives.max()}; draw them from the vocabulary's noise table"
        )
