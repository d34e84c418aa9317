"""CharTokenizer and WordTokenizer: building, ids, unknown input, files."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuron.errors import (
    EmptyVocabularyError,
    InvalidArgumentError,
    UnknownWordError,
    VocabularyFormatError,
)
from neuron.text import CharTokenizer, Corpus, TokenizerOptions, WordTokenizer

ALPHABET = "abcdefghij ,.!\n\téü中🤖"


class TestCharTokenizer:
    def test_build_sorts_the_characters_by_code_point(self):
        chars = CharTokenizer.build("hello")
        assert chars.chars == ["e", "h", "l", "o"]
        assert chars.encode("hole") == [1, 3, 2, 0]
        assert chars.vocab_size == 4 and chars.special_tokens == {}

    @settings(max_examples=100)
    @given(text=st.text(alphabet=ALPHABET, max_size=100))
    def test_decode_gives_back_any_text_over_the_alphabet(self, text):
        chars = CharTokenizer.build(ALPHABET)
        ids = chars.encode(text)
        assert len(ids) == len(text)
        assert chars.decode(ids) == text

    def test_unknown_characters_are_listed(self):
        chars = CharTokenizer.build("abc")
        with pytest.raises(UnknownWordError, match="unknown 'x', 'z'; .* unk_token"):
            chars.encode("zaxz")

    def test_the_unknown_token_comes_last(self):
        chars = CharTokenizer.build("abc", unk_token="<unk>")
        assert chars.vocab_size == 4
        assert chars.special_tokens == {"<unk>": 3}
        assert chars.encode("axb") == [0, 3, 1]
        assert chars.decode([0, 3, 1]) == "a<unk>b"
        assert chars.token_to_id("<unk>") == 3

    def test_a_corpus_gives_the_characters_of_its_raw_text(self, corpora):
        path = corpora / "tinyshakespeare.txt"
        from_corpus = CharTokenizer.build(Corpus(path, block_size=4096))
        from_text = CharTokenizer.build(path.read_text(encoding="utf-8"))
        assert from_corpus.chars == from_text.chars
        assert from_corpus.vocab_size == 65  # nanoGPT's Shakespeare alphabet
        assert "A" in from_corpus.chars  # case is kept, unlike word tokens

    @pytest.mark.parametrize(
        ("chars", "unk_token", "error", "message"),
        [
            ([], None, EmptyVocabularyError, "at least one character"),
            (["ab"], None, InvalidArgumentError, "single characters, got 'ab'"),
            (["a", "a"], None, InvalidArgumentError, "distinct characters"),
            (["a", "?"], "?", InvalidArgumentError, "not in the alphabet"),
        ],
    )
    def test_bad_alphabets_are_refused(self, chars, unk_token, error, message):
        with pytest.raises(error, match=message):
            CharTokenizer(chars, unk_token)

    def test_save_and_load_give_the_same_ids(self, tmp_path):
        chars = CharTokenizer.build("hello world", unk_token="<unk>")
        loaded = CharTokenizer.load(chars.save(tmp_path / "chars.json"))
        assert loaded.chars == chars.chars and loaded.unk_token == "<unk>"
        assert loaded.encode("low, lord") == chars.encode("low, lord")

    def test_loading_another_kind_is_refused(self, tmp_path):
        WordTokenizer.build("a b").save(tmp_path / "words.json")
        with pytest.raises(VocabularyFormatError, match="kind 'char', got 'word'"):
            CharTokenizer.load(tmp_path / "words.json")


class TestWordTokenizer:
    def test_ids_follow_the_vocabulary_and_unknown_words_come_last(self):
        words = WordTokenizer.build("the cat and the hat")
        assert words.vocab.words == ["the", "and", "cat", "hat"]
        assert words.encode("The bat and the cat!") == [0, 4, 1, 0, 2]
        assert words.special_tokens == {"<unk>": 4}
        assert words.vocab_size == 5

    def test_decode_gives_the_words_not_the_text(self):
        words = WordTokenizer.build("the cat and the hat")
        assert words.decode(words.encode("The bat, and THE cat!")) == (
            "the <unk> and the cat"
        )

    def test_min_count_and_max_size_limit_the_vocabulary(self):
        text = "a a a b b c"
        assert WordTokenizer.build(text, min_count=2).vocab.words == ["a", "b"]
        assert WordTokenizer.build(text, max_size=1).vocab.words == ["a"]

    def test_options_decide_the_words(self):
        options = TokenizerOptions(lowercase=False, punctuation="keep")
        words = WordTokenizer.build("Hi, hi!", options=options)
        assert [words.id_to_token(i) for i in words.encode("Hi, hi!")] == [
            "Hi",
            ",",
            "hi",
            "!",
        ]

    def test_a_corpus_uses_its_own_options(self, corpora):
        corpus = Corpus(corpora / "pride_and_prejudice.txt")
        words = WordTokenizer.build(corpus, min_count=5)
        assert words.options == corpus.options
        assert words.encode("Elizabeth smiled")[0] == words.token_to_id("elizabeth")
        with pytest.raises(InvalidArgumentError, match="options=None for a Corpus"):
            WordTokenizer.build(corpus, options=TokenizerOptions(lowercase=False))

    def test_an_unk_token_that_is_a_word_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="not a word of the vocab"):
            WordTokenizer.build("the cat", unk_token="cat")

    def test_an_unknown_word_lookup_says_which(self):
        words = WordTokenizer.build("the cat")
        with pytest.raises(UnknownWordError, match="'dog'"):
            words.token_to_id("dog")

    def test_save_and_load_keep_words_counts_and_options(self, tmp_path):
        options = TokenizerOptions(numbers="replace", punctuation="keep")
        words = WordTokenizer.build("It cost 42 pounds, 17 shillings.", options=options)
        loaded = WordTokenizer.load(words.save(tmp_path / "words.json"))
        assert loaded.vocab == words.vocab
        assert loaded.options == options
        text = "It cost 99 pence!"
        assert loaded.encode(text) == words.encode(text)
