"""tokenize: English defaults, every option, and properties over any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuron.errors import InvalidArgumentError
from neuron.text import TokenizerOptions, tokenize


class TestDefaults:
    def test_lowercases_and_drops_punctuation(self):
        assert tokenize("It is a truth, universally acknowledged!") == [
            "it",
            "is",
            "a",
            "truth",
            "universally",
            "acknowledged",
        ]

    def test_keeps_word_internal_apostrophes(self):
        text = "Don't say Elizabeth's o'clock rock'n'roll"
        assert tokenize(text) == [
            "don't",
            "say",
            "elizabeth's",
            "o'clock",
            "rock'n'roll",
        ]

    def test_quotes_around_words_are_not_part_of_them(self):
        assert tokenize("'Tis the dogs' 'best' day") == [
            "tis",
            "the",
            "dogs",
            "best",
            "day",
        ]

    @pytest.mark.parametrize("apostrophe", ["\u2019", "\u02bc", "\uff07"])
    def test_curly_apostrophes_read_as_straight(self, apostrophe):
        assert tokenize(f"don{apostrophe}t") == ["don't"]

    def test_numbers_stay_whole(self):
        assert tokenize("In 1813, 3.14 and 1,000 men") == [
            "in",
            "1813",
            "3.14",
            "and",
            "1,000",
            "men",
        ]

    def test_digits_run_into_letters_make_a_word(self):
        assert tokenize("the 19th of May, an mp3") == [
            "the",
            "19th",
            "of",
            "may",
            "an",
            "mp3",
        ]

    def test_letters_of_any_script(self):
        assert tokenize("Café naïve Ελλάδα हिन्दी Москва") == [
            "café",
            "naïve",
            "ελλάδα",
            "हिन्दी",
            "москва",
        ]

    def test_decomposed_accents_match_precomposed(self):
        assert tokenize("cafe\u0301") == tokenize("caf\u00e9") == ["café"]

    def test_underscores_are_punctuation(self):
        # Project Gutenberg marks italics with underscores.
        assert tokenize("_Pride_ and snake_case") == ["pride", "and", "snake", "case"]

    def test_empty_and_blank_text_give_no_tokens(self):
        assert tokenize("") == []
        assert tokenize(" \n\t\u00a0 ") == []


class TestOptions:
    def test_lowercase_off_keeps_case(self):
        options = TokenizerOptions(lowercase=False)
        assert tokenize("Mr. Darcy", options) == ["Mr", "Darcy"]

    def test_apostrophes_split_off_with_what_follows(self):
        options = TokenizerOptions(apostrophes="split")
        assert tokenize("don't Elizabeth's", options) == [
            "don",
            "'t",
            "elizabeth",
            "'s",
        ]

    def test_apostrophes_dropped(self):
        options = TokenizerOptions(apostrophes="drop")
        assert tokenize("don't Elizabeth's", options) == ["dont", "elizabeths"]

    def test_numbers_dropped(self):
        options = TokenizerOptions(numbers="drop")
        assert tokenize("chapter 12 of 61, the 19th", options) == [
            "chapter",
            "of",
            "the",
            "19th",
        ]

    def test_numbers_replaced(self):
        options = TokenizerOptions(numbers="replace", number_token="<n>")
        assert tokenize("3.14 is pi", options) == ["<n>", "is", "pi"]

    def test_punctuation_kept_one_character_each(self):
        options = TokenizerOptions(punctuation="keep")
        assert tokenize('"Yes," she said...', options) == [
            '"',
            "yes",
            ",",
            '"',
            "she",
            "said",
            ".",
            ".",
            ".",
        ]

    def test_kept_quote_survives_dropping_apostrophes(self):
        options = TokenizerOptions(punctuation="keep", apostrophes="drop")
        assert tokenize("'don't'", options) == ["'", "dont", "'"]

    def test_nfkc_folds_compatibility_characters(self):
        options = TokenizerOptions(normalize="NFKC")
        assert tokenize("ﬁne Ｆｕｌｌ", options) == ["fine", "full"]

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("apostrophes", "remove", "apostrophes to be one of 'keep'"),
            ("numbers", "hide", "numbers to be one of 'keep'"),
            ("punctuation", "some", "punctuation to be one of 'drop'"),
            ("normalize", "NFD", "normalize to be one of 'NFC'"),
            ("number_token", "a number", "number_token without whitespace"),
            ("number_token", "", "non-empty number_token"),
        ],
    )
    def test_bad_option_says_what_is_allowed(self, field, value, message):
        with pytest.raises(InvalidArgumentError, match=message):
            TokenizerOptions(**{field: value})


_ANY_OPTIONS = st.builds(
    TokenizerOptions,
    lowercase=st.booleans(),
    apostrophes=st.sampled_from(["keep", "split", "drop"]),
    numbers=st.sampled_from(["keep", "drop", "replace"]),
    punctuation=st.sampled_from(["drop", "keep"]),
    normalize=st.sampled_from(["NFC", "NFKC", None]),
)


class TestProperties:
    @settings(max_examples=300)
    @given(text=st.text(), options=_ANY_OPTIONS)
    def test_any_text_gives_nonempty_tokens_without_whitespace(self, text, options):
        for token in tokenize(text, options):
            assert token
            assert not any(char.isspace() for char in token)

    @given(text=st.text())
    def test_lowercase_option_is_respected(self, text):
        for token in tokenize(text, TokenizerOptions(lowercase=True)):
            assert token == token.lower()

    @given(text=st.text())
    def test_without_lowercasing_tokens_are_pieces_of_the_text(self, text):
        options = TokenizerOptions(lowercase=False, normalize=None)
        # Only apostrophe look-alikes are rewritten when nothing else is.
        for look_alike in ("\u2019", "\u02bc", "\uff07"):
            text = text.replace(look_alike, "'")
        for token in tokenize(text, options):
            assert token in text

    @settings(max_examples=300)
    @given(left=st.text(), right=st.text(), options=_ANY_OPTIONS)
    def test_cutting_at_whitespace_never_changes_tokens(self, left, right, options):
        # The corpus reader relies on this to tokenise block by block.
        whole = tokenize(left + " " + right, options)
        assert whole == tokenize(left, options) + tokenize(right, options)

    @given(
        text=st.text(alphabet=st.characters(max_codepoint=127)),
        options=_ANY_OPTIONS,
    )
    def test_ascii_fast_path_agrees_with_the_general_one(self, text, options):
        # A non-ASCII word after a space sends the text down the general path.
        assert tokenize(text + " é", options)[:-1] == tokenize(text, options)
