"""The Tokenizer interface: every tokenizer honours it, saves as one JSON file
and comes back from load_tokenizer with the same ids."""

from __future__ import annotations

import json

import pytest

from neuron.errors import InvalidArgumentError, VocabularyFormatError
from neuron.text import (
    ByteBPE,
    CharTokenizer,
    Tokenizer,
    WordPiece,
    WordTokenizer,
    load_tokenizer,
)
from neuron.text.tokenizer import iter_texts
from tests.text.conftest import TINY_WORDPIECE

TEXT = "The cat played with the world, a b c!"


@pytest.fixture(params=["char", "word", "byte_bpe", "wordpiece"])
def tokenizer(request) -> Tokenizer:
    if request.param == "char":
        return CharTokenizer.build(TEXT, unk_token="<unk>")
    if request.param == "word":
        return WordTokenizer.build(TEXT)
    if request.param == "byte_bpe":
        return ByteBPE.train(TEXT * 3, vocab_size=280)
    return WordPiece(TINY_WORDPIECE)


def test_every_tokenizer_honours_the_interface(tokenizer):
    assert isinstance(tokenizer, Tokenizer)
    ids = tokenizer.encode(TEXT)
    assert ids and all(0 <= id < tokenizer.vocab_size for id in ids)
    assert isinstance(tokenizer.decode(ids), str)
    for token, id in tokenizer.special_tokens.items():
        assert tokenizer.token_to_id(token) == id


def test_every_id_is_spelled_and_looked_up_back(tokenizer):
    for id in range(tokenizer.vocab_size):
        assert tokenizer.token_to_id(tokenizer.id_to_token(id)) == id


def test_load_tokenizer_gives_back_the_same_ids(tokenizer, tmp_path):
    path = tokenizer.save(tmp_path / "tokenizer.json")
    loaded = load_tokenizer(path)
    assert type(loaded) is type(tokenizer)
    assert loaded.vocab_size == tokenizer.vocab_size
    assert loaded.special_tokens == tokenizer.special_tokens
    assert loaded.encode(TEXT) == tokenizer.encode(TEXT)
    assert json.loads(path.read_text(encoding="utf-8"))["kind"] == type(loaded).KIND


@pytest.mark.parametrize("bad", [-1, 10_000, 1.0, "3", True])
def test_bad_ids_are_refused(tokenizer, bad):
    with pytest.raises(InvalidArgumentError, match="expected token ids"):
        tokenizer.decode([0, bad])


class TestLoadTokenizer:
    def test_a_missing_file_says_so(self, tmp_path):
        with pytest.raises(VocabularyFormatError, match="found none"):
            load_tokenizer(tmp_path / "absent.json")

    def test_not_json_is_refused(self, tmp_path):
        (tmp_path / "bad.json").write_text("not json", encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="expected JSON"):
            load_tokenizer(tmp_path / "bad.json")

    def test_an_unknown_kind_lists_the_known_ones(self, tmp_path):
        (tmp_path / "t.json").write_text('{"kind": "sentencepiece"}', "utf-8")
        with pytest.raises(
            VocabularyFormatError, match="'char' or 'word' or .*, got 'sentencepiece'"
        ):
            load_tokenizer(tmp_path / "t.json")

    def test_a_newer_version_is_refused(self, tmp_path):
        path = CharTokenizer.build("abc").save(tmp_path / "t.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(data | {"version": 99}), encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="version 1 .* got 99"):
            load_tokenizer(path)


class TestSources:
    def test_texts_may_be_a_string_a_list_or_a_generator(self):
        assert list(iter_texts("ab")) == ["ab"]
        assert list(iter_texts(["a", "b"])) == ["a", "b"]
        assert list(iter_texts(t for t in ("a", "b"))) == ["a", "b"]

    def test_bytes_and_non_strings_are_refused(self):
        with pytest.raises(InvalidArgumentError, match="pass Corpus"):
            list(iter_texts(b"bytes"))
        with pytest.raises(InvalidArgumentError, match="every text to be a str"):
            list(iter_texts(["a", 3]))
