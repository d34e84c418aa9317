"""The compiled word2vec training loops: skip-gram with negative sampling in C++
and CUDA.

Legend: V vocabulary size, D vector size, k negatives per pair, P pairs, N
tokens, S sentences. ``w_in`` (V, D) holds the input vectors (the word
vectors a user keeps) and ``w_out`` (V, D) the output vectors, both float32
and C-contiguous;
every function here updates them in place and never copies them.

- ``train_pairs``: given pairs, one thread, exact sigmoid, deterministic; the
  same result as ``neuron.word2vec.reference.train_pairs`` to float32
  rounding.
- ``train_corpus``: the whole loop (subsampling, dynamic windows, negatives,
  Hogwild threads) over a chunk of sentences; the fast path.
- ``train_pairs_cuda``: ``train_pairs`` on CUDA tensors, one warp per pair.

The math, per pair (input word w, output word o, negatives n_1..n_k, rate
alpha); in a window the input is a context word and the output its centre,
as in word2vec.c::

    v = w_in[w]; for t in [o, n_1..n_k] (a negative equal to o skipped):
        s = v . w_out[t];  g = alpha (label - sigmoid(s))
        e += g w_out[t];  w_out[t] += g v
    w_in[w] += e
    loss = -log sigmoid(s_o) - sum_n log sigmoid(-s_n)

Every call releases the GIL for its whole duration.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuron.engine import _engine
from neuron.engine._arrays import check_layout, stream_of
from neuron.errors import (
    ArrayTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = [
    "CONTROL_CANCEL",
    "CONTROL_PAIRS",
    "CONTROL_WORDS",
    "TrainStats",
    "fast_sigmoid",
    "new_control",
    "train_corpus",
    "train_pairs",
    "train_pairs_cuda",
]

# Slots of the control array shared with a running train_corpus call.
CONTROL_WORDS = 0
CONTROL_PAIRS = 1
CONTROL_CANCEL = 2


@dataclass(frozen=True)
class TrainStats:
    """What one ``train_corpus`` call did.

    Attributes:
        loss: the summed pair loss, -log sigmoid(s_o) - sum log sigmoid(-s_n),
            accumulated in float64 (per pair: divide by ``pairs``).
        pairs: (centre, context) pairs trained.
        words: corpus words processed, counting those subsampling dropped
            (the measure of progress the learning rate follows).
        cancelled: True when the call stopped early on control[2].
        effective_words: words that survived subsampling and were trained
            as centres, gensim's "effective words".
    """

    loss: float
    pairs: int
    words: int
    cancelled: bool
    effective_words: int = 0


def new_control() -> np.ndarray:
    """A zeroed control array for ``train_corpus``: int64 (4,)."""
    return np.zeros(4, dtype=np.int64)


# ---- argument checks -----------------------------------------------------


def _array(a: Any, name: str, dtype: type, ndim: int, writable: bool = False):
    """Check that ``a`` is a C-contiguous NumPy array of dtype and ndim."""
    if not isinstance(a, np.ndarray):
        raise ArrayTypeError(
            f"expected {name} to be a numpy.ndarray, got {type(a).__name__}; "
            f"convert with np.asarray({name}, dtype=np.{np.dtype(dtype).name})"
        )
    if a.dtype != dtype:
        raise DTypeError(
            f"expected {name} of dtype {np.dtype(dtype).name}, got {a.dtype}; "
            f"convert with {name}.astype(np.{np.dtype(dtype).name})"
        )
    if a.ndim != ndim:
        shape = "(V, D)" if ndim == 2 else "(n,)"
        raise ShapeError(
            f"expected {name} with {ndim} dimension(s), such as {shape}, got shape "
            f"{a.shape}; reshape it"
        )
    return check_layout(a, name, writable)


def _vectors(w_in: Any, w_out: Any) -> tuple[int, int]:
    """Check w_in and w_out: float32 (V, D), same shape, writable."""
    _array(w_in, "w_in", np.float32, 2, writable=True)
    _array(w_out, "w_out", np.float32, 2, writable=True)
    if w_in.shape != w_out.shape:
        raise ShapeError(
            f"expected w_out of shape {w_in.shape} like w_in, got {w_out.shape}; "
            "both are (V, D), one row per word"
        )
    if np.shares_memory(w_in, w_out):
        raise InvalidArgumentError(
            "expected w_in and w_out to be separate arrays, got overlapping ones; "
            "initialise w_out with np.zeros_like(w_in)"
        )
    return w_in.shape


def _length(a: np.ndarray, name: str, n: int, what: str) -> None:
    if a.shape[0] != n:
        raise ShapeError(
            f"expected {name} of length {n} ({what}), got shape {a.shape}; "
            f"pass one entry per {what}"
        )


def _integer(value: Any, name: str, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidArgumentError(
            f"expected {name} to be an int, got {type(value).__name__}; {hint}"
        )
    if value < minimum:
        raise InvalidArgumentError(f"expected {name} >= {minimum}, got {value}; {hint}")
    return int(value)


def _rate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise InvalidArgumentError(
            f"expected {name} to be a float, got {type(value).__name__}; try 0.025"
        )
    if not (np.isfinite(value) and value >= 0):
        raise InvalidArgumentError(
            f"expected {name} finite and >= 0, got {value}; try 0.025"
        )
    return float(value)


def _pairs(inputs, outputs, negatives, alphas) -> None:
    _array(inputs, "inputs", np.int32, 1)
    _array(outputs, "outputs", np.int32, 1)
    _array(negatives, "negatives", np.int32, 2)
    _array(alphas, "alphas", np.float32, 1)
    n = inputs.shape[0]
    _length(outputs, "outputs", n, "pair")
    _length(negatives, "negatives", n, "pair")
    _length(alphas, "alphas", n, "pair")


# ---- the training calls --------------------------------------------------


def train_pairs(
    w_in: np.ndarray,
    w_out: np.ndarray,
    inputs: np.ndarray,
    outputs: np.ndarray,
    negatives: np.ndarray,
    alphas: np.ndarray,
) -> float:
    """One SGD step per pair, in order, with the exact sigmoid.

    Deterministic and single-threaded: the pairs are applied one after another,
    so a row that appears twice sees its first update, exactly as in
    ``neuron.word2vec.reference.train_pairs``.

    Args:
        w_in: input vectors, float32 (V, D), updated in place.
        w_out: output vectors, float32 (V, D), updated in place.
        inputs: input word ids (their w_in rows train), int32 (P,), in [0, V).
        outputs: output word ids (the positive targets), int32 (P,), in [0, V).
        negatives: negative word ids, int32 (P, k); one equal to the pair's
            output word is skipped.
        alphas: learning rate per pair, float32 (P,).

    Returns:
        The summed loss of the pairs (before their updates), float64.

    Raises:
        ArrayTypeError, DTypeError, ShapeError, LayoutError: a bad array.
        InvalidArgumentError: an id outside [0, V), or w_in and w_out overlap.
    """
    _vectors(w_in, w_out)
    _pairs(inputs, outputs, negatives, alphas)
    return float(
        _engine.word2vec_train_pairs(w_in, w_out, inputs, outputs, negatives, alphas)
    )


def train_corpus(
    w_in: np.ndarray,
    w_out: np.ndarray,
    tokens: np.ndarray,
    offsets: np.ndarray,
    keep_prob: np.ndarray,
    noise: np.ndarray,
    *,
    window: int,
    negative: int,
    alpha_start: float,
    alpha_end: float,
    seed: int,
    threads: int,
    control: np.ndarray | None = None,
) -> TrainStats:
    """Train skip-gram with negative sampling over a chunk of sentences.

    Per sentence (word2vec.c's algorithm): each occurrence of word w is kept
    with probability ``keep_prob[w]``; for each kept centre a window b is drawn
    uniformly from 1..window and every kept word within b positions is a
    context; each pair (input = the context word, output = the centre) gets
    ``negative`` negatives drawn from ``noise``. The learning rate falls
    linearly from ``alpha_start`` at the first word of the call to
    ``alpha_end`` at the last.

    Threads split the tokens into contiguous ranges and update the vectors
    without locks (Hogwild), as word2vec.c and gensim do; with ``threads=1``
    and a fixed seed the result is the same run to run. Sentences longer than
    10,000 words are trained in pieces of 10,000 (windows do not cross them).
    The sigmoid comes from an interpolated table, within 3.2e-6 of the exact one
    (``fast_sigmoid``).

    Args:
        w_in: input vectors, float32 (V, D), updated in place.
        w_out: output vectors, float32 (V, D), updated in place.
        tokens: word ids of the sentences concatenated, int32 (N,), in [0, V).
        offsets: sentence boundaries, int64 (S+1,): 0, non-decreasing, N last.
        keep_prob: subsampling keep probability per word, float32 (V,), in
            [0, 1] (``Vocabulary.keep_probabilities``).
        noise: the negative-sampling distribution, float64 (V,), non-negative
            weights (normalised by the engine; ``Vocabulary.noise_distribution``).
        window: the largest window, >= 1.
        negative: negatives per pair, >= 0.
        alpha_start: learning rate at the first word of the call, >= 0.
        alpha_end: learning rate at the last word of the call, >= 0.
        seed: random seed; any int, used modulo 2**64.
        threads: threads to train with, >= 1.
        control: optional int64 (4,) array shared with the running call
            (``new_control``): the engine adds the words done to [0] and the
            pairs done to [1] about every 10,000 words per thread; setting [2]
            to non-zero from another thread stops the call within about 10,000
            words per thread; [3] is reserved. Read it from another thread
            while the call runs (the GIL is released).

    Returns:
        TrainStats(loss, pairs, words, cancelled, effective_words).

    Raises:
        ArrayTypeError, DTypeError, ShapeError, LayoutError: a bad array.
        InvalidArgumentError: a bad scalar, an id outside [0, V), bad offsets,
            keep_prob or noise.
    """
    V, _ = _vectors(w_in, w_out)
    _array(tokens, "tokens", np.int32, 1)
    _array(offsets, "offsets", np.int64, 1)
    _array(keep_prob, "keep_prob", np.float32, 1)
    _array(noise, "noise", np.float64, 1)
    _length(keep_prob, "keep_prob", V, "word, the rows of w_in")
    _length(noise, "noise", V, "word, the rows of w_in")
    if offsets.shape[0] < 1:
        raise ShapeError(
            "expected offsets of length S+1 >= 1 (the sentence boundaries), got "
            "shape (0,); pass np.array([0, len(tokens)]) for one sentence"
        )
    if control is not None:
        _array(control, "control", np.int64, 1, writable=True)
        _length(control, "control", 4, "slot: words, pairs, cancel, reserved")
    window = _integer(window, "window", 1, "try window=5")
    negative = _integer(negative, "negative", 0, "try negative=5")
    threads = _integer(threads, "threads", 1, "try threads=neuron.engine.num_threads()")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidArgumentError(
            f"expected seed to be an int, got {type(seed).__name__}; try seed=1"
        )
    loss, pairs, words, kept, cancelled = _engine.word2vec_train_corpus(
        w_in,
        w_out,
        tokens,
        offsets,
        keep_prob,
        noise,
        window,
        negative,
        _rate(alpha_start, "alpha_start"),
        _rate(alpha_end, "alpha_end"),
        int(seed) % 2**64,
        threads,
        control,
    )
    return TrainStats(loss, pairs, words, cancelled, kept)


def train_pairs_cuda(
    w_in: Any,
    w_out: Any,
    inputs: Any,
    outputs: Any,
    negatives: Any,
    alphas: Any,
) -> float:
    """``train_pairs`` on CUDA tensors: a batch of pairs per launch.

    One warp per pair; the pairs of a batch run at the same time, so two pairs
    that share a row race on it (their updates are added atomically, but each
    may read the row before or after the other's update: Hogwild). A batch
    whose pairs touch distinct rows gives the ``train_pairs`` result to float32
    rounding. Runs on PyTorch's current stream and waits for it to finish.

    Args:
        w_in, w_out: torch.float32 CUDA tensors (V, D), updated in place.
        inputs, outputs: torch.int32 CUDA tensors (P,).
        negatives: torch.int32 CUDA tensor (P, k).
        alphas: torch.float32 CUDA tensor (P,).

    Returns:
        The summed loss of the batch, float64.

    Raises:
        CudaUnavailableError: the engine has no CUDA or there is no device.
        ArrayTypeError, DTypeError, ShapeError, LayoutError, DeviceError,
        InvalidArgumentError: bad arguments (the message names the first pair
            with an id outside [0, V); pairs with bad ids are not trained).
    """
    _engine.cuda_require_device()
    import torch

    arrays = {
        "w_in": w_in,
        "w_out": w_out,
        "inputs": inputs,
        "outputs": outputs,
        "negatives": negatives,
        "alphas": alphas,
    }
    for name, a in arrays.items():
        if not isinstance(a, torch.Tensor):
            raise ArrayTypeError(
                f"expected {name} to be a torch.Tensor on a CUDA device, got "
                f"{type(a).__name__}; convert with torch.from_numpy({name}).cuda()"
            )
    return float(
        _engine.word2vec_train_pairs_cuda(
            *(a.detach() for a in arrays.values()), stream=stream_of(w_in)
        )
    )


def fast_sigmoid(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sigmoid(s) and log sigmoid(s) by the table ``train_corpus`` uses.

    Exposed to test its accuracy: within 3.2e-6 (sigmoid) and 8.2e-6 (log
    sigmoid) of the exact functions.

    Args:
        s: scores, float32 (n,).

    Returns:
        (sigmoid, log_sigmoid), each float32 (n,).
    """
    _array(s, "s", np.float32, 1)
    sigmoid = np.empty_like(s)
    log_sigmoid = np.empty_like(s)
    _engine.word2vec_fast_sigmoid(s, sigmoid, log_sigmoid)
    return sigmoid, log_sigmoid
