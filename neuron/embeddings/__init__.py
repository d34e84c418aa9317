"""Embeddings: what word vectors and token embedding tables learned.

The questions Explorer asks, as functions over ``neuron.word2vec.Vectors``:

- ``sources``: load vectors from a recorded word2vec run and epoch, a
  model's token embedding table (MiniLM, a GPT checkpoint) or a file.
- ``neighbours``: top-k cosine neighbours of words or of a raw vector, and
  analogies (a - b + c).
- ``geometry``: a similarity matrix of chosen words, words on a direction
  axis (he to she).
- ``projection``: PCA written from scratch, t-SNE from scikit-learn.
- ``drift``: the same words across a run's epochs on fixed axes.
- ``words``: typed word lists checked against a vocabulary.
- ``bench``: neighbours timed against gensim (``neuron bench neighbours``).

Example:
    >>> from neuron.embeddings import analogy, minilm, nearest
    >>> vectors = minilm()
    >>> nearest(vectors, "king", k=5)
    >>> analogy(vectors, "king", "man", "woman")
"""

from neuron.embeddings.drift import Drift, drift
from neuron.embeddings.geometry import Axis, direction_axis, similarity_matrix
from neuron.embeddings.neighbours import analogy, nearest, query_vector, top_k
from neuron.embeddings.projection import PCA, pca, tsne
from neuron.embeddings.sources import (
    Source,
    available_sources,
    from_checkpoint,
    from_file,
    from_pretrained,
    from_run,
    load_source,
    minilm,
    run_epochs,
    run_snapshots,
    word2vec_runs,
)
from neuron.embeddings.words import known_words, split_words, with_neighbours

__all__ = [
    "PCA",
    "Axis",
    "Drift",
    "Source",
    "analogy",
    "available_sources",
    "direction_axis",
    "drift",
    "from_checkpoint",
    "from_file",
    "from_pretrained",
    "from_run",
    "known_words",
    "load_source",
    "minilm",
    "nearest",
    "pca",
    "query_vector",
    "run_epochs",
    "run_snapshots",
    "similarity_matrix",
    "split_words",
    "top_k",
    "tsne",
    "with_neighbours",
    "word2vec_runs",
]
