"""Lesson text: a slice of a corpus on disk, or generated sentences."""

from pathlib import Path

import pytest

from neuron.curriculum.corpora import (
    CORPORA_ENV,
    corpora_dir,
    corpus_file,
    generated_sentences,
    lesson_sentences,
)
from neuron.errors import InvalidArgumentError


@pytest.fixture
def corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "corpora"
    folder.mkdir()
    text = "\n\n".join("the king spoke to the queen and the court" for _ in range(50))
    (folder / "royal.txt").write_text(text, encoding="utf-8")
    monkeypatch.setenv(CORPORA_ENV, str(folder))
    return folder


def test_reads_the_first_words_of_a_corpus(corpora):
    assert corpora_dir() == corpora
    assert corpus_file("royal.txt") == corpora / "royal.txt"
    text = lesson_sentences("royal.txt", max_words=25)
    assert text.real and text.words == 27  # three whole sentences of 9
    assert text.sentences[0][:2] == ["the", "king"]
    assert "royal.txt" in text.source


def test_falls_back_to_generated_sentences(corpora):
    text = lesson_sentences("missing.txt", max_words=500, seed=2)
    assert not text.real and "not found" in text.source
    assert text.words >= 500
    assert text.sentences == generated_sentences(500, seed=2)


def test_no_corpora_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(CORPORA_ENV, str(tmp_path / "nowhere"))
    assert corpora_dir() is None and corpus_file("royal.txt") is None


def test_generated_sentences_share_contexts():
    words = {w for sentence in generated_sentences(3000) for w in sentence}
    assert {"king", "queen", "man", "woman", "he", "she", "crown"} <= words


def test_rejects_an_empty_request():
    with pytest.raises(InvalidArgumentError):
        lesson_sentences(max_words=0)
