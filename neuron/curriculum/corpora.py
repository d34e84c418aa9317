"""Text for the lessons: a slice of a real corpus, or generated text when
no corpus is on disk.

The lessons train on real English (the public-domain corpora that sit in
``shared/corpora`` beside a source checkout, or in ``$NEURON_CORPORA``), but
must still run where none is present, as in a bare install. Then they fall
back to ``generated_sentences``: sentences from a handful of templates in
which royal and common, male and female words share contexts the way they
do in real text, so that word2vec still has something to find. Every
result says where its text came from, so a lesson can tell the learner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuron import paths
from neuron.errors import InvalidArgumentError
from neuron.text import Corpus

__all__ = [
    "CORPORA_ENV",
    "LessonText",
    "corpora_dir",
    "corpus_file",
    "generated_sentences",
    "lesson_sentences",
]

CORPORA_ENV = paths.CORPORA_ENV


@dataclass(frozen=True)
class LessonText:
    """Sentences of tokens for a lesson, and where they came from.

    Attributes:
        sentences: lists of lower-case tokens.
        source: a sentence for the learner, e.g. "the first 120,000 words
            of tinyshakespeare.txt".
        real: True for a corpus read from disk, False for generated text.
    """

    sentences: list[list[str]]
    source: str
    real: bool

    @property
    def words(self) -> int:
        """The number of tokens in all the sentences."""
        return sum(len(sentence) for sentence in self.sentences)


def corpora_dir() -> Path | None:
    """The folder of corpora: ``$NEURON_CORPORA`` when set, else
    ``shared/corpora`` beside a source checkout; None when neither exists."""
    found = paths.corpora()
    return found if found is not None and found.is_dir() else None


def corpus_file(name: str) -> Path | None:
    """The path of one corpus file (``"tinyshakespeare.txt"``), or None when
    it is not on disk."""
    folder = corpora_dir()
    if folder is None:
        return None
    path = folder / name
    return path if path.is_file() else None


def lesson_sentences(
    name: str = "tinyshakespeare.txt", max_words: int = 100_000, seed: int = 0
) -> LessonText:
    """The first ``max_words`` tokens of a corpus, or generated sentences.

    Args:
        name: the corpus file, looked up with ``corpus_file``.
        max_words: stop after the sentence that reaches this many tokens.
        seed: seeds the generated text, when it is needed.

    Returns:
        A ``LessonText``; ``real`` says which of the two it is.

    Raises:
        InvalidArgumentError: ``max_words`` is below 1.
    """
    if max_words < 1:
        raise InvalidArgumentError(
            f"expected max_words >= 1, got {max_words}; ask for some text"
        )
    path = corpus_file(name)
    if path is None:
        sentences = generated_sentences(max_words, seed)
        return LessonText(
            sentences,
            f"{sum(map(len, sentences)):,} words of generated sentences "
            f"({name} was not found on disk)",
            real=False,
        )
    sentences, count = [], 0
    for sentence in Corpus(path, errors="replace"):
        sentences.append(sentence)
        count += len(sentence)
        if count >= max_words:
            break
    return LessonText(sentences, f"the first {count:,} words of {name}", real=True)


# The generated text. Each role is a (male, female) pair of nouns; royal
# and common contexts, and male and female pronouns, are what word2vec can
# learn them from.
_ROLES = {
    "royal": [("king", "queen"), ("prince", "princess"), ("lord", "lady")],
    "common": [("man", "woman"), ("boy", "girl"), ("father", "mother")],
}
_PRONOUNS = {0: ("he", "his"), 1: ("she", "her")}
_TEMPLATES = {
    "royal": [
        "the {noun} sat upon the throne and {he} wore the crown",
        "the {noun} ruled the realm from the castle",
        "all the court bowed before the {noun} and {his} crown",
        "the {noun} spoke to the knights of {his} kingdom",
        "a herald proclaimed the reign of the {noun}",
    ],
    "common": [
        "the {noun} worked in the field until {he} was tired",
        "the {noun} sold bread at the market in the village",
        "the {noun} walked home to {his} cottage by the river",
        "a {noun} from the village carried water from the well",
        "the {noun} mended {his} cart before the harvest",
    ],
}


def generated_sentences(max_words: int, seed: int = 0) -> list[list[str]]:
    """Sentences from fixed templates, about ``max_words`` tokens in all.

    Each sentence puts one noun (king, queen, man, woman, ...) in a royal or
    common template, with the pronoun of its gender, so the nouns of a role
    share their contexts, and the nouns of a gender share their pronouns.

    Args:
        max_words: stop after the sentence that reaches this many tokens.
        seed: seeds the choices; the same seed gives the same sentences.

    Returns:
        Lists of lower-case tokens.
    """
    rng = np.random.default_rng(seed)
    kinds = list(_ROLES)
    sentences: list[list[str]] = []
    count = 0
    while count < max_words:
        kind = kinds[rng.integers(len(kinds))]
        pair = _ROLES[kind][rng.integers(len(_ROLES[kind]))]
        gender = int(rng.integers(2))
        he, his = _PRONOUNS[gender]
        template = _TEMPLATES[kind][rng.integers(len(_TEMPLATES[kind]))]
        sentence = template.format(noun=pair[gender], he=he, his=his).split()
        sentences.append(sentence)
        count += len(sentence)
    return sentences
