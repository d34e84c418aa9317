"""GPT-2's file format: the byte table, writing and reading vocab.json and
merges.txt, and the same ids as the GPT-2 tokenizer of transformers."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuron.errors import InvalidArgumentError, VocabularyFormatError
from neuron.text import ByteBPE
from neuron.text.gpt2 import bytes_to_text, text_to_bytes

FIXTURES = [HealthCheck.function_scoped_fixture]

#: Text that exercises the pre-tokenizer: contractions, runs of spaces,
#: digits, punctuation, other scripts, emoji, control characters.
VARIED = [
    "Hello world",
    "  two leading spaces, two trailing  ",
    "It's we'll they've I'm you'd she's THEY'RE",
    "ROMEO:\nWhat, ho! apothecary!\r\n\r\nJULIET:\tO happy dagger!",
    "numbers 1234567 3.14159 -5e10 1,000,000 ²³ ٣",
    "naïve café — “quotes” «guillemets» …",
    "東京タワー 서울 Ελληνικά русский עברית العربية हिन्दी",
    "emoji 🤖👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "zero\u200bwidth\u00a0nbsp\u2003em\u3000ideographic space",
    "ligature ﬁ ǅ ß ẞ İ",
    "x" * 300,
    "a<|endoftext|>b <|endoftext|> c<|endoftext|>",
    "",
    " ",
    "\n\n\n",
]


@pytest.fixture
def gpt2_files(small_bpe, tmp_path):
    return small_bpe.save_gpt2_files(tmp_path / "gpt2")


@pytest.fixture
def transformers_gpt2(gpt2_files):
    """transformers' GPT-2 tokenizer reading the files neuron wrote."""
    transformers = pytest.importorskip("transformers")
    return transformers.GPT2Tokenizer.from_pretrained(gpt2_files[0].parent)


class TestByteTable:
    def test_visible_bytes_stand_for_themselves_and_the_rest_are_shifted(self):
        assert bytes_to_text(b"Az~!\xa1\xff") == "Az~!¡ÿ"
        assert bytes_to_text(b" \n\x00") == "ĠĊĀ"
        assert len({bytes_to_text(bytes([b])) for b in range(256)}) == 256

    @given(data=st.binary(max_size=50))
    def test_text_to_bytes_inverts_bytes_to_text(self, data):
        text = bytes_to_text(data)
        assert text_to_bytes(text) == data
        assert " " not in text  # so merges.txt can separate tokens by a space

    def test_a_character_that_stands_for_no_byte_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="'€' stands for no byte"):
            text_to_bytes("a€")


class TestFiles:
    def test_writes_a_version_line_and_one_merge_per_line(self, small_bpe, gpt2_files):
        vocab_json, merges_txt = gpt2_files
        lines = merges_txt.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "#version: 0.2"
        assert lines[1:3] == ["Ġ t", "h e"]
        assert len(lines) == 1 + len(small_bpe.merges)
        vocab = json.loads(vocab_json.read_text(encoding="utf-8"))
        assert vocab["<|endoftext|>"] == 599 and vocab["Ġt"] == 256
        assert sorted(vocab.values()) == list(range(600))

    @settings(max_examples=60, suppress_health_check=FIXTURES)
    @given(text=st.text(max_size=200))
    def test_read_back_gives_the_same_ids(self, small_bpe, gpt2_files, text):
        loaded = ByteBPE.from_gpt2_files(*gpt2_files)
        assert loaded.encode(text) == small_bpe.encode(text)

    def test_ids_need_not_follow_byte_values(self, tmp_path):
        # Number the tokens backwards, as GPT-2's own file does not follow
        # byte order either.
        (tmp_path / "vocab.json").write_text(
            json.dumps(
                {bytes_to_text(bytes([b])): 256 - b for b in range(256)}
                | {"ab": 0, "<|endoftext|>": 257}
            ),
            encoding="utf-8",
        )
        (tmp_path / "merges.txt").write_text("#version: 0.2\na b\n", encoding="utf-8")
        bpe = ByteBPE.from_gpt2_files(tmp_path / "vocab.json", tmp_path / "merges.txt")
        assert bpe.encode("abc<|endoftext|>") == [0, 256 - ord("c"), 257]
        assert bpe.special_tokens == {"<|endoftext|>": 257}
        assert bpe.decode([0, 256 - ord("c")]) == "abc"

    def test_a_missing_file_says_which(self, gpt2_files, tmp_path):
        with pytest.raises(VocabularyFormatError, match="absent.txt, found none"):
            ByteBPE.from_gpt2_files(gpt2_files[0], tmp_path / "absent.txt")

    def test_merges_of_another_vocabulary_are_refused(self, gpt2_files):
        vocab_json, merges_txt = gpt2_files
        with open(merges_txt, "a", encoding="utf-8") as stream:
            stream.write("Ġqu ux\n")
        with pytest.raises(VocabularyFormatError, match="do not belong together"):
            ByteBPE.from_gpt2_files(vocab_json, merges_txt)

    def test_a_malformed_merge_line_names_it(self, gpt2_files):
        vocab_json, merges_txt = gpt2_files
        merges_txt.write_text("#version: 0.2\nĠ t h\n", encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="line 2 .* two tokens"):
            ByteBPE.from_gpt2_files(vocab_json, merges_txt)

    def test_a_vocab_that_is_not_a_mapping_to_ids_is_refused(self, gpt2_files):
        vocab_json, merges_txt = gpt2_files
        vocab_json.write_text('{"a": "zero"}', encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="integer ids"):
            ByteBPE.from_gpt2_files(vocab_json, merges_txt)


class TestAgainstTransformers:
    @pytest.mark.parametrize("text", VARIED)
    def test_same_ids_as_transformers_gpt2_tokenizer(
        self, small_bpe, transformers_gpt2, text
    ):
        assert small_bpe.encode(text) == transformers_gpt2(text)["input_ids"]

    def test_same_token_spellings(self, small_bpe, transformers_gpt2):
        ids = small_bpe.encode(VARIED[3] + VARIED[6])
        expected = transformers_gpt2.convert_ids_to_tokens(ids)
        assert [small_bpe.id_to_token(id) for id in ids] == expected

    @settings(max_examples=100, derandomize=True, suppress_health_check=FIXTURES)
    @given(text=st.text(max_size=100))
    def test_same_ids_on_any_text(self, small_bpe, transformers_gpt2, text):
        assert small_bpe.encode(text) == transformers_gpt2(text)["input_ids"]
