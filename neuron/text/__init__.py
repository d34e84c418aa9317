"""Text for models: tokenisation, corpora streamed from disk, vocabularies,
and downloads of well-known corpora.

The pieces, in the order a training run meets them::

    from neuron.text import Corpus, Vocabulary, datasets

    path = datasets.get("text8")          # downloaded once, verified
    corpus = Corpus(path)                 # sentences of tokens, streamed
    vocab = Vocabulary.build(corpus, min_count=5)
    for ids in corpus.iter_ids(vocab):    # int32 arrays, one per sentence
        ...
"""

from neuron.text import datasets
from neuron.text.corpus import Corpus
from neuron.text.tokenize import TokenizerOptions, tokenize
from neuron.text.vocab import Vocabulary

__all__ = ["Corpus", "TokenizerOptions", "Vocabulary", "datasets", "tokenize"]
