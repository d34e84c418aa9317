"""Text for models: tokenisation, corpora streamed from disk, vocabularies,
tokenizers, and downloads of well-known corpora.

The pieces, in the order a training run meets them::

    from neuron.text import Corpus, Vocabulary, datasets

    path = datasets.get("text8")          # downloaded once, verified
    corpus = Corpus(path)                 # sentences of tokens, streamed
    vocab = Vocabulary.build(corpus, min_count=5)
    for ids in corpus.iter_ids(vocab):    # int32 arrays, one per sentence
        ...

Tokenizers for language models share one interface, :class:`Tokenizer`::

    from neuron.text import ByteBPE, Corpus, load_tokenizer

    bpe = ByteBPE.train(Corpus("tinyshakespeare.txt"), vocab_size=1024)
    ids = bpe.encode("To be, or not to be")
    bpe.save("bpe.json")
    assert load_tokenizer("bpe.json").encode("To be") == bpe.encode("To be")
"""

from neuron.text import datasets
from neuron.text.bpe import ByteBPE
from neuron.text.corpus import Corpus
from neuron.text.gpt2 import GPT2_PATTERN
from neuron.text.simple import CharTokenizer, WordTokenizer
from neuron.text.tokenize import TokenizerOptions, tokenize
from neuron.text.tokenizer import Tokenizer, load_tokenizer
from neuron.text.vocab import Vocabulary
from neuron.text.wordpiece import WordPiece

__all__ = [
    "GPT2_PATTERN",
    "ByteBPE",
    "CharTokenizer",
    "Corpus",
    "Tokenizer",
    "TokenizerOptions",
    "Vocabulary",
    "WordPiece",
    "WordTokenizer",
    "datasets",
    "load_tokenizer",
    "tokenize",
]
