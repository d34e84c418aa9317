"""ByteBPE: training against a naive trainer, encoding against a naive
encoder, lossless round trips, special tokens, files and errors."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuron.errors import InvalidArgumentError, UnknownWordError, VocabularyFormatError
from neuron.text import GPT2_PATTERN, ByteBPE, Corpus, load_tokenizer
from neuron.text.gpt2 import bytes_to_text

# Any text UTF-8 can encode (hypothesis leaves out lone surrogates already).
TEXT = st.text(max_size=200)
FIXTURES = [HealthCheck.function_scoped_fixture]


def naive_train(text: str, merges: int) -> list[tuple[bytes, bytes]]:
    """The reference: recount every pair of every word before each merge."""
    counts = Counter(regex.findall(GPT2_PATTERN, text))
    words = {word: [bytes([b]) for b in word.encode()] for word in counts}
    ids = {bytes([b]): b for b in range(256)}
    learned = []
    for _ in range(merges):
        pairs = Counter()
        for word, pieces in words.items():
            for pair in pairwise(pieces):
                pairs[pair] += counts[word]
        if not pairs:
            break
        # The most frequent pair; ties to the smaller ids.
        left, right = min(pairs, key=lambda p: (-pairs[p], ids[p[0]], ids[p[1]]))
        ids.setdefault(left + right, len(ids))
        learned.append((left, right))
        for word, pieces in words.items():
            joined, i = [], 0
            while i < len(pieces):
                if pieces[i : i + 2] == [left, right]:
                    joined.append(left + right)
                    i += 2
                else:
                    joined.append(pieces[i])
                    i += 1
            words[word] = joined
    return learned


def naive_encode(bpe: ByteBPE, text: str) -> list[int]:
    """The reference: apply every merge in rank order to every word."""
    ids = []
    for word in regex.findall(GPT2_PATTERN, text):
        pieces = [bytes([b]) for b in word.encode()]
        for left, right in bpe.merges:
            i = 0
            while i < len(pieces) - 1:
                if pieces[i] == left and pieces[i + 1] == right:
                    pieces[i : i + 2] = [left + right]
                i += 1
        ids += [bpe.token_to_id(bytes_to_text(piece)) for piece in pieces]
    return ids


class TestTrain:
    def test_learns_the_merges_of_a_naive_trainer(self, shakespeare):
        text = shakespeare[:20_000]
        bpe = ByteBPE.train(text, vocab_size=256 + 150, special_tokens=())
        assert bpe.merges == naive_train(text, 150)

    def test_first_merges_on_shakespeare_are_common_english_pairs(self, small_bpe):
        first = [left + right for left, right in small_bpe.merges[:4]]
        assert first == [b" t", b"he", b"ou", b" a"]

    def test_ids_are_bytes_then_merges_then_special_tokens(self, small_bpe):
        assert small_bpe.vocab_size == 600
        assert [small_bpe.id_to_bytes(i) for i in (0, 65, 255)] == [
            b"\x00",
            b"A",
            b"\xff",
        ]
        left, right = small_bpe.merges[0]
        assert small_bpe.id_to_bytes(256) == left + right
        assert small_bpe.special_tokens == {"<|endoftext|>": 599}

    def test_is_deterministic_whatever_the_order_of_the_texts(self, shakespeare):
        paragraphs = shakespeare[:50_000].split("\n\n")
        forward = ByteBPE.train(paragraphs, vocab_size=400)
        backward = ByteBPE.train(paragraphs[::-1], vocab_size=400)
        again = ByteBPE.train(paragraphs, vocab_size=400)
        assert forward.merges == backward.merges == again.merges

    def test_ties_go_to_the_pair_of_smaller_ids(self):
        # " ab" and "ba" hold (32, 97), (97, 98) and (98, 97), once each.
        bpe = ByteBPE.train("ba ab", vocab_size=257, special_tokens=())
        assert bpe.merges == [(b" ", b"a")]

    def test_a_corpus_streamed_in_small_blocks_gives_the_text_merges(
        self, corpora, tmp_path
    ):
        text = (corpora / "tinyshakespeare.txt").read_text(encoding="utf-8")[:60_000]
        path = tmp_path / "part.txt"
        path.write_text(text, encoding="utf-8")
        streamed = ByteBPE.train(Corpus(path, block_size=997), vocab_size=500)
        assert streamed.merges == ByteBPE.train(text, vocab_size=500).merges

    def test_merges_shorten_unseen_real_text(self, corpora, shakespeare):
        austen = (corpora / "pride_and_prejudice.txt").read_text(encoding="utf-8")
        austen = austen[50_000:100_000]
        small = ByteBPE.train(shakespeare, vocab_size=300)
        large = ByteBPE.train(shakespeare, vocab_size=1000)
        n_bytes = len(austen.encode())
        n_small, n_large = len(small.encode(austen)), len(large.encode(austen))
        assert n_large < n_small < n_bytes
        assert n_bytes / n_large > 2  # 2.1 bytes per token

    def test_stops_early_when_no_pair_is_left(self):
        bpe = ByteBPE.train("aaaa", vocab_size=1000)
        assert bpe.merges == [(b"a", b"a"), (b"aa", b"aa")]
        assert bpe.vocab_size == 256 + 2 + 1
        assert bpe.encode("aaaa") == [257]

    def test_special_tokens_are_cut_out_before_counting(self):
        bpe = ByteBPE.train("<|endoftext|>xy" * 50, vocab_size=300)
        assert bpe.merges == [(b"x", b"y")]

    def test_a_custom_pre_tokenizer_bounds_the_merges(self):
        # One word per character leaves no pair to merge.
        bpe = ByteBPE.train("hello hello", vocab_size=300, pre_tokenizer=r".")
        assert bpe.merges == []

    def test_text_a_custom_pre_tokenizer_skips_is_kept(self):
        # The spaces and newlines between the words are words too.
        bpe = ByteBPE.train("ab ab\n\nab", vocab_size=300, pre_tokenizer=r"\w+")
        assert bpe.merges == [(b"a", b"b"), (b"\n", b"\n")]
        assert bpe.decode(bpe.encode("ab ab\n")) == "ab ab\n"

    def test_capturing_groups_are_refused(self):
        with pytest.raises(InvalidArgumentError, match=r"write \(\?:\.\.\.\)"):
            ByteBPE.train("text", vocab_size=300, pre_tokenizer=r"(\w)+")

    @pytest.mark.parametrize(
        ("vocab_size", "message"),
        [
            (100, "vocab_size of at least 257 .* got 100"),
            (256, "at least 257 \\(256 bytes and 1 special tokens\\), got 256"),
            (300.0, "vocab_size to be an integer, got 300.0"),
            (True, "vocab_size to be an integer"),
        ],
    )
    def test_bad_vocab_size_is_refused(self, vocab_size, message):
        with pytest.raises(InvalidArgumentError, match=message):
            ByteBPE.train("some text", vocab_size=vocab_size)

    @pytest.mark.parametrize(
        ("special_tokens", "message"),
        [
            (("",), "non-empty str, got ''"),
            (("<a>", "<a>"), "distinct special tokens"),
            ("<|endoftext|>", "as a list of strings, got the str"),
        ],
    )
    def test_bad_special_tokens_are_refused(self, special_tokens, message):
        with pytest.raises(InvalidArgumentError, match=message):
            ByteBPE.train("text", vocab_size=300, special_tokens=special_tokens)

    def test_bad_pattern_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="fails to compile"):
            ByteBPE.train("text", vocab_size=300, pre_tokenizer="(")

    def test_a_path_is_refused_with_the_fix(self, corpora):
        with pytest.raises(InvalidArgumentError, match=r"pass Corpus\(path\)"):
            ByteBPE.train(corpora / "emma.txt", vocab_size=300)


class TestEncode:
    @settings(max_examples=150, suppress_health_check=FIXTURES)
    @given(text=TEXT)
    def test_decode_gives_back_any_text(self, small_bpe, text):
        ids = small_bpe.encode(text)
        assert small_bpe.decode(ids) == text
        assert small_bpe.decode_bytes(ids) == text.encode()

    @settings(max_examples=100, suppress_health_check=FIXTURES)
    @given(text=st.text(alphabet="the quick,brown fox's\n é!", max_size=80))
    def test_lowest_rank_first_equals_every_merge_in_order(self, small_bpe, text):
        assert small_bpe.encode(text) == naive_encode(small_bpe, text)

    @settings(max_examples=100, suppress_health_check=FIXTURES)
    @given(before=TEXT, after=TEXT)
    def test_special_tokens_are_never_split(self, small_bpe, before, after):
        eot = small_bpe.special_tokens["<|endoftext|>"]
        ids = small_bpe.encode(before + "<|endoftext|>" + after)
        assert eot in ids
        assert ids[: ids.index(eot) + 1] == small_bpe.encode(before) + [eot]

    def test_the_longest_special_token_wins(self):
        bpe = ByteBPE.train("abc", vocab_size=300, special_tokens=["<|a|>", "<|a|>b"])
        assert bpe.encode("x<|a|>b<|a|>") == [ord("x"), 259, 258]

    def test_special_tokens_in_training_text_are_learned_as_nothing(self, small_bpe):
        assert small_bpe.encode("<|endoftext|>") == [599]
        assert small_bpe.decode([599]) == "<|endoftext|>"

    def test_a_space_starts_the_next_word_as_in_gpt2(self, small_bpe):
        tokens = [small_bpe.id_to_token(i) for i in small_bpe.encode("and the king")]
        assert tokens == ["and", "Ġthe", "Ġk", "ing"]

    def test_a_slice_that_cuts_a_character_decodes_to_a_replacement(self):
        bpe = ByteBPE.train("plain", vocab_size=257)  # no merge touches é
        ids = bpe.encode("é")
        assert ids == [0xC3, 0xA9]
        assert bpe.decode(ids[:1]) == "\ufffd"
        assert bpe.decode_bytes(ids[:1]) == b"\xc3"

    def test_lone_surrogates_are_refused(self, small_bpe):
        with pytest.raises(InvalidArgumentError, match="lone surrogate"):
            small_bpe.encode("a\ud800b")

    @pytest.mark.parametrize("bad", [-1, 600, 10**9])
    def test_ids_outside_the_vocabulary_are_refused(self, small_bpe, bad):
        with pytest.raises(InvalidArgumentError, match=r"ids in \[0, 600\)"):
            small_bpe.decode([5, bad])

    def test_every_token_is_spelled_and_looked_up_back(self, small_bpe):
        for id in range(small_bpe.vocab_size):
            assert small_bpe.token_to_id(small_bpe.id_to_token(id)) == id
        assert small_bpe.id_to_token(32) == "Ġ"

    @pytest.mark.parametrize("token", [" zzzzz", "<|pad|>"])
    def test_an_unknown_token_says_how_tokens_are_spelled(self, small_bpe, token):
        with pytest.raises(UnknownWordError, match="'Ġthe' for ' the'"):
            small_bpe.token_to_id(token)


class TestFiles:
    @settings(max_examples=50, suppress_health_check=FIXTURES)
    @given(text=TEXT)
    def test_a_saved_tokenizer_gives_the_same_ids(self, small_bpe, tmp_path, text):
        path = small_bpe.save(tmp_path / "bpe.json")
        loaded = ByteBPE.load(path)
        assert loaded.encode(text) == small_bpe.encode(text)
        assert loaded.merges == small_bpe.merges

    def test_load_tokenizer_reads_it_back(self, small_bpe, tmp_path):
        small_bpe.save(tmp_path / "bpe.json")
        loaded = load_tokenizer(tmp_path / "bpe.json")
        assert isinstance(loaded, ByteBPE)
        assert loaded.special_tokens == small_bpe.special_tokens
        assert loaded.pattern == small_bpe.pattern
        assert not list(tmp_path.glob("*.part"))

    def test_a_missing_file_says_so(self, tmp_path):
        with pytest.raises(VocabularyFormatError, match="found none"):
            ByteBPE.load(tmp_path / "absent.json")

    def test_a_damaged_file_is_refused(self, small_bpe, tmp_path):
        path = small_bpe.save(tmp_path / "bpe.json")
        text = path.read_text(encoding="utf-8")
        Path(path).write_text(text.replace('"Ġ t"', '"Ġ zz"', 1), encoding="utf-8")
        with pytest.raises(VocabularyFormatError, match="broken tokenizer"):
            ByteBPE.load(path)
