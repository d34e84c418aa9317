"""word2vec: skip-gram with negative sampling, from the math to fast training.

- ``reference``: the NumPy lesson, one pair at a time, gradients by hand.
- ``pairs``: sentences of ids to (centre, context, negatives, rate) pairs.
- ``engine``: the compiled C++/CUDA training loops.
- ``model``: ``Word2Vec``, which trains on a streamed corpus with any of them.
- ``vectors``: ``Vectors``, nearest words and analogies.
- ``formats``: word2vec text/binary files and TensorBoard projector files.
- ``evaluate``: analogy accuracy and similarity correlation, as DataFrames.

Example:
    >>> from neuron.text import Corpus
    >>> from neuron.word2vec import Word2Vec
    >>> model = Word2Vec(vector_size=100, epochs=5).fit(Corpus("novels/"))
    >>> model.vectors.most_similar("sister")
"""

from neuron.word2vec.evaluate import analogy_accuracy, similarity_correlation
from neuron.word2vec.formats import export_projector, read_word2vec, write_word2vec
from neuron.word2vec.model import TrainingProgress, Word2Vec
from neuron.word2vec.vectors import Vectors

__all__ = [
    "TrainingProgress",
    "Vectors",
    "Word2Vec",
    "analogy_accuracy",
    "export_projector",
    "read_word2vec",
    "similarity_correlation",
    "write_word2vec",
]
