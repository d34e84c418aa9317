"""The traced BPE trainer against ByteBPE.train, and the truncated tokenizer."""

import pytest

from neuron.errors import InvalidArgumentError
from neuron.text import ByteBPE
from neuron.text.bpe_steps import merge_steps, pair_counts, pieces, truncated

TEXT = (
    "the cat sat on the mat. the cat ate the rat. aaaa aaa aa "
    "naïve cafés serve thé; 東京 is Tokyo 🙂"
)


def test_merge_steps_learn_the_merges_of_byte_bpe():
    steps = merge_steps(TEXT, 40)
    bpe = ByteBPE.train(TEXT, 256 + 40, special_tokens=())
    assert [(s.left, s.right) for s in steps] == bpe.merges


def test_each_step_counts_the_pair_and_shortens_the_text():
    steps = merge_steps("ab ab ab", 2)
    # Words "ab", " ab", " ab": (a, b) occurs 3 times, ( , a) twice.
    assert (steps[0].left, steps[0].right, steps[0].count) == (b"a", b"b", 3)
    assert steps[0].tokens == 8 - 3
    assert steps[1].count == 2 and steps[1].tokens == 5 - 2
    assert steps[0].new_id == 256 and steps[0].joined == b"ab"


def test_merge_steps_stop_when_no_pair_is_left():
    # Words "a" and " b": one pair to join, then none.
    assert len(merge_steps("a b", 10)) == 1
    assert merge_steps("a", 10) == []
    with pytest.raises(InvalidArgumentError, match="merges"):
        merge_steps("abc", -1)


def test_pair_counts_weight_by_frequency_and_count_overlaps():
    counts = pair_counts({(1, 1, 1): 2, (1, 2): 3})
    assert counts == {(1, 1): 4, (1, 2): 3}


@pytest.mark.parametrize("merges", [0, 5, 20])
def test_truncated_tokenizer_round_trips_and_uses_first_merges(merges):
    bpe = ByteBPE.train(TEXT, 256 + 20, special_tokens=())
    partial = truncated(bpe, merges)
    assert partial.merges == bpe.merges[:merges]
    ids = partial.encode(TEXT)
    assert partial.decode(ids) == TEXT
    assert max(ids) < 256 + merges or merges == 0 and max(ids) < 256


def test_truncated_rejects_more_merges_than_learned():
    bpe = ByteBPE.train("ab ab", 258, special_tokens=())
    with pytest.raises(InvalidArgumentError, match="learned no more"):
        truncated(bpe, len(bpe.merges) + 1)


def test_pieces_show_partial_characters_in_hex():
    bpe = ByteBPE.train("x", 256, special_tokens=())
    assert pieces(bpe, bpe.encode("é")) == ["<c3>", "<a9>"]
