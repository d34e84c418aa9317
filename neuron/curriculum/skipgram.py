"""What the word2vec lesson shows besides the model: the pairs of a
window, the hand-derived gradients checked two other ways, and the way
words approach each other during training.

The model and its gradients live in ``neuron.word2vec.reference``; this
module only checks and measures them:

- ``window_pairs``: the (centre, context) pairs of a sentence for a fixed
  window, before word2vec's random shrinking and subsampling;
- ``autograd_gradients``: the same loss differentiated by PyTorch;
- ``numerical_gradient``: central differences on the input vector;
- ``initial_vectors_of``: a trained model's vectors before its first step;
- ``neighbour_rank`` and ``closeness``: how near two words are, as a cosine
  and as a place in the list of nearest words, epoch by epoch.

Legend: V vocabulary size, D vector size, T targets of a pair (the output
word and the kept negatives), E epochs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from neuron.errors import InvalidArgumentError
from neuron.word2vec import reference
from neuron.word2vec.model import Word2Vec, initial_vectors
from neuron.word2vec.vectors import Vectors

__all__ = [
    "autograd_gradients",
    "closeness",
    "initial_vectors_of",
    "neighbour_rank",
    "numerical_gradient",
    "window_pairs",
]


def window_pairs(words: Sequence[str], window: int) -> list[tuple[str, str]]:
    """The (centre, context) pairs of a sentence with a fixed window.

    Every word is a centre; its contexts are the words at most ``window``
    positions away on either side. (word2vec draws a smaller window per
    centre and drops frequent words first; this is the plain definition.)

    Args:
        words: the sentence's tokens.
        window: the largest distance, >= 1.

    Returns:
        The pairs, centre by centre, contexts left to right.

    Raises:
        InvalidArgumentError: ``window`` is below 1.
    """
    if window < 1:
        raise InvalidArgumentError(f"expected window >= 1, got {window}")
    pairs = []
    for i, centre in enumerate(words):
        for j in range(max(0, i - window), min(len(words), i + window + 1)):
            if j != i:
                pairs.append((centre, words[j]))
    return pairs


def autograd_gradients(
    W_in: np.ndarray, W_out: np.ndarray, w: int, o: int, negatives
) -> reference.PairGradients:
    """The loss of one pair and its gradients, by PyTorch autograd.

    The loss is written as in ``reference.pair_loss_and_gradients`` and
    differentiated by torch, in float64, to check the gradients derived by
    hand there: the fields mean the same, row for row.

    Args:
        W_in: input vectors, (V, D).
        W_out: output vectors, (V, D).
        w: the input word's id.
        o: the output word's id.
        negatives: negative ids; any equal to o are skipped.

    Returns:
        A ``reference.PairGradients`` (float64 arrays).
    """
    import torch

    negatives = np.asarray(negatives, dtype=np.int64).reshape(-1)  # (k,)
    targets = np.concatenate([[o], negatives[negatives != o]])  # (T,)
    labels = np.zeros(len(targets))  # (T,)
    labels[0] = 1.0

    # Leaves: the one input row and the T target rows the loss reads.
    v = torch.tensor(W_in[w], dtype=torch.float64, requires_grad=True)  # (D,)
    U = torch.tensor(W_out[targets], dtype=torch.float64, requires_grad=True)
    s = U @ v  # (T,)
    sign = torch.tensor(2 * labels - 1)  # +1 for the output word, -1 else
    loss = -torch.nn.functional.logsigmoid(sign * s).sum()
    loss.backward()
    return reference.PairGradients(
        float(loss.detach()),
        v.grad.numpy(),  # (D,)
        targets,
        labels,
        U.grad.numpy(),  # (T, D)
    )


def numerical_gradient(
    W_in: np.ndarray,
    W_out: np.ndarray,
    w: int,
    o: int,
    negatives,
    eps: float = 1e-6,
) -> np.ndarray:
    """d loss / d W_in[w] by central differences, one coordinate at a time.

    (loss(v + eps e_i) - loss(v - eps e_i)) / (2 eps) for each coordinate i;
    its error shrinks as eps squared, until rounding takes over near 1e-8.

    Args:
        W_in, W_out: the matrices, (V, D); float64 for a close match.
        w, o, negatives: the pair, as in ``reference.pair_loss_and_gradients``.
        eps: the step.

    Returns:
        The gradient, float64 (D,).
    """
    W_in = np.array(W_in, dtype=np.float64)  # (V, D), a copy to nudge
    W_out = np.asarray(W_out, dtype=np.float64)
    grad = np.zeros(W_in.shape[1])  # (D,)
    for i in range(W_in.shape[1]):
        saved = W_in[w, i]
        W_in[w, i] = saved + eps
        up = reference.pair_loss_and_gradients(W_in, W_out, w, o, negatives).loss
        W_in[w, i] = saved - eps
        down = reference.pair_loss_and_gradients(W_in, W_out, w, o, negatives).loss
        W_in[w, i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def initial_vectors_of(model: Word2Vec) -> Vectors:
    """A trained model's word vectors as they were before training.

    ``Word2Vec.fit`` draws W_in first from a Generator seeded with the
    model's seed; the same draw is made again here.

    Raises:
        InvalidArgumentError: the model has not been trained.
    """
    if model.vocabulary is None:
        raise InvalidArgumentError(
            "expected a trained model, got one before fit; call model.fit first"
        )
    words = model.vocabulary.words
    rng = np.random.default_rng(model.seed)
    w_in, _ = initial_vectors(len(words), model.vector_size, rng)  # (V, D)
    return Vectors(words, w_in)


def neighbour_rank(vectors: Vectors, word: str, other: str) -> int:
    """Where ``other`` comes in the list of ``word``'s nearest words.

    1 means it is the nearest (by cosine); ``word`` itself is not counted.
    Words of equal cosine are counted as nearer, so the rank never flatters.

    Raises:
        UnknownWordError: either word is not in the vocabulary.
    """
    ids = vectors.ids([word, other])
    unit = vectors.unit  # (V, D)
    cosines = unit @ unit[ids[0]]  # (V,)
    nearer = int(np.sum(cosines >= cosines[ids[1]]))
    return nearer - 1  # minus the word itself


def closeness(
    snapshots: Sequence[tuple[int, Vectors]], pairs: Sequence[tuple[str, str]]
) -> pl.DataFrame:
    """How close each pair of words is at each epoch of a run.

    Args:
        snapshots: (epoch, vectors) pairs, in order.
        pairs: the (word, other) pairs to follow.

    Returns:
        A DataFrame, one row per epoch and pair: ``epoch``, ``pair``
        (``"king / queen"``), ``cosine``, ``rank`` (``neighbour_rank``) and
        ``typical`` (the mean cosine of ``word`` to every other word, the
        level a cosine must rise above to mean anything).

    Raises:
        UnknownWordError: a word is missing from a snapshot.
    """
    rows = []
    for epoch, vectors in snapshots:
        unit = vectors.unit  # (V, D)
        for word, other in pairs:
            cosines = unit @ unit[vectors.ids([word])[0]]  # (V,)
            rows.append(
                {
                    "epoch": int(epoch),
                    "pair": f"{word} / {other}",
                    "cosine": float(vectors.similarity(word, other)),
                    "rank": neighbour_rank(vectors, word, other),
                    "typical": float((cosines.sum() - 1.0) / (len(vectors) - 1)),
                }
            )
    return pl.DataFrame(rows)
