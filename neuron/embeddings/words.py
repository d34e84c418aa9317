"""Word lists as people type them, checked against a vocabulary.

Explorer's inputs are free text ("king, queen man"); these helpers split it,
find each word in the vocabulary (falling back to its lower case, since
most vocabularies here are lower-cased), and say which were not found
instead of failing on the first.
"""

import re
from collections.abc import Sequence

from neuron.embeddings.neighbours import nearest
from neuron.word2vec.vectors import Vectors

__all__ = ["known_words", "split_words", "with_neighbours"]

_SEPARATORS = re.compile(r"[,\s]+")


def split_words(text: str) -> list[str]:
    """The words of ``text`` split at commas and whitespace, each once, in
    order of first appearance."""
    return list(dict.fromkeys(w for w in _SEPARATORS.split(text) if w))


def known_words(vectors: Vectors, words: str | Sequence[str]) -> tuple[list, list]:
    """Split words into those in the vocabulary and those not.

    Args:
        vectors: the embeddings.
        words: a typed text (split by ``split_words``) or a list of words.

    Returns:
        ``(known, unknown)``: the known words as the vocabulary spells them
        (the lower case where only that is in it), each once, in order; and
        the unknown ones as typed.
    """
    typed = split_words(words) if isinstance(words, str) else list(words)
    known, unknown = [], []
    for word in typed:
        spelled = word if word in vectors else word.lower()
        if spelled not in vectors:
            unknown.append(word)
        elif spelled not in known:
            known.append(spelled)
    return known, unknown


def with_neighbours(
    vectors: Vectors, words: Sequence[str], k: int
) -> tuple[list[str], list[str]]:
    """The words and each one's k nearest neighbours, for a map.

    Args:
        vectors: the embeddings.
        words: known words.
        k: neighbours added per word (0 adds none).

    Returns:
        ``(words, groups)``: every word once (the typed ones first), and for
        each its group: the typed word itself, or the typed word it was
        found near.
    """
    found = {w: w for w in words}
    if k > 0:
        for word in words:
            for neighbour, _ in nearest(vectors, word, k):
                found.setdefault(neighbour, word)
    return list(found), list(found.values())
