"""Byte-level BPE training traced step by step, for reading and for lessons.

``ByteBPE.train`` (``neuron.text.bpe``) is built for speed: it counts pairs
once and updates the counts incrementally with a heap. This module learns
the same merges the plain way, recounting every pair before each merge, so
that each step can be shown: the pair chosen, how often it occurred, the
token it made, and how many tokens the text takes afterwards.

The algorithm, on a text cut into words by the pre-tokenizer:

1. write each distinct word as its UTF-8 bytes, one token per byte, and
   remember how often the word occurs;
2. count every adjacent pair of tokens in every word, weighted by the
   word's frequency;
3. join the most frequent pair everywhere (ties: the pair of smaller ids,
   left first, exactly as ``ByteBPE.train`` breaks them); repeat from 2.

``truncated`` rebuilds a trained ``ByteBPE`` with only its first merges, to
show how a text is cut after any step, and ``pieces`` spells the tokens.

Legend: W distinct words, n merges asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import regex

from neuron.errors import InvalidArgumentError
from neuron.text.bpe import ByteBPE
from neuron.text.gpt2 import GPT2_PATTERN

__all__ = ["MergeStep", "merge_steps", "pair_counts", "pieces", "truncated", "words_of"]


@dataclass(frozen=True)
class MergeStep:
    """One merge of a BPE training run.

    Attributes:
        rank: the merge's place, from 0 (the first learned).
        left: the bytes of the pair's left token.
        right: the bytes of the right token.
        count: how often the pair occurred in the text when it was chosen.
        new_id: the id of the joined token (256 for the first new token).
        tokens: the number of tokens of the whole text after this merge.
    """

    rank: int
    left: bytes
    right: bytes
    count: int
    new_id: int
    tokens: int

    @property
    def joined(self) -> bytes:
        """The bytes of the new token, ``left + right``."""
        return self.left + self.right


def words_of(text: str, pre_tokenizer: str = GPT2_PATTERN) -> Counter[str]:
    """The words the pre-tokenizer cuts ``text`` into, with their counts.

    Args:
        text: any text.
        pre_tokenizer: the regular expression (``regex`` syntax) that cuts
            it; GPT-2's by default, so " the" (with its space) is one word.

    Returns:
        A Counter from word to occurrences, in order of first appearance.
    """
    return Counter(regex.findall(pre_tokenizer, text))


def pair_counts(
    words: dict[tuple[int, ...], int],
) -> Counter[tuple[int, int]]:
    """Count adjacent pairs of tokens, each word weighted by its frequency.

    Args:
        words: each distinct word as a tuple of token ids, and its count.

    Returns:
        A Counter from (left id, right id) to occurrences. Overlapping pairs
        count twice: the word ``aaa`` holds ``(a, a)`` twice.
    """
    counts: Counter[tuple[int, int]] = Counter()
    for ids, frequency in words.items():
        for pair in pairwise(ids):
            counts[pair] += frequency
    return counts


def merge_steps(
    text: str, merges: int, pre_tokenizer: str = GPT2_PATTERN
) -> list[MergeStep]:
    """Learn up to ``merges`` BPE merges from ``text``, recording each step.

    Gives the merges ``ByteBPE.train(text, 256 + merges, special_tokens=())``
    learns, in the same order; it stops early when no pair is left.

    Args:
        text: the training text (a paragraph or a few pages: every step
            recounts all pairs, O(n W) in all).
        merges: how many merges to learn, >= 0.
        pre_tokenizer: the regular expression cutting the text into words.

    Returns:
        The steps, in order.

    Raises:
        InvalidArgumentError: ``merges`` is negative.
    """
    if isinstance(merges, bool) or not isinstance(merges, int) or merges < 0:
        raise InvalidArgumentError(
            f"expected merges to be an integer >= 0, got {merges!r}"
        )

    # Step 1: distinct words as byte ids, with their frequencies.
    words: dict[tuple[int, ...], int] = Counter()
    for word, frequency in words_of(text, pre_tokenizer).items():
        words[tuple(word.encode("utf-8"))] += frequency
    pieces = [bytes([byte]) for byte in range(256)]
    ids_of = {piece: id for id, piece in enumerate(pieces)}

    steps: list[MergeStep] = []
    for rank in range(merges):
        # Step 2: count the pairs as the words stand now.
        counts = pair_counts(words)
        if not counts:
            break

        # Step 3: the most frequent pair; ties go to the smaller ids.
        pair = min(counts, key=lambda p: (-counts[p], p))
        joined = pieces[pair[0]] + pieces[pair[1]]
        new = ids_of.get(joined)
        if new is None:  # a+bc and ab+c spell one token: they share its id
            new = ids_of[joined] = len(pieces)
            pieces.append(joined)
        words = _join_all(words, pair, new)
        steps.append(
            MergeStep(
                rank=rank,
                left=pieces[pair[0]],
                right=pieces[pair[1]],
                count=counts[pair],
                new_id=new,
                tokens=sum(len(ids) * f for ids, f in words.items()),
            )
        )
    return steps


def truncated(bpe: ByteBPE, merges: int) -> ByteBPE:
    """The tokenizer ``bpe`` was after its first ``merges`` merges.

    Special tokens are dropped; ids are 0-255 for the bytes, then the new
    tokens in the order learned, as ``ByteBPE.train`` numbers them.

    Args:
        bpe: a trained tokenizer.
        merges: how many of its merges to keep, 0 to ``len(bpe.merges)``.

    Raises:
        InvalidArgumentError: ``merges`` is out of that range.
    """
    learned = bpe.merges
    if isinstance(merges, bool) or not isinstance(merges, int):
        raise InvalidArgumentError(f"expected an integer, got {merges!r}")
    if not 0 <= merges <= len(learned):
        raise InvalidArgumentError(
            f"expected merges from 0 to {len(learned)}, got {merges}; the "
            "tokenizer learned no more"
        )
    vocab = {bytes([byte]): byte for byte in range(256)}
    for left, right in learned[:merges]:
        vocab.setdefault(left + right, len(vocab))
    return ByteBPE(vocab, learned[:merges], pattern=bpe.pattern)


def pieces(bpe: ByteBPE, ids: list[int]) -> list[str]:
    """Each token of ``ids`` as text, for display.

    A token holding part of a character's UTF-8 bytes shows the bytes in
    hex (``<e2 80>``) rather than a replacement character.
    """
    out = []
    for id in ids:
        raw = bpe.id_to_bytes(id)
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append("<" + raw.hex(" ") + ">")
    return out


def _join_all(
    words: dict[tuple[int, ...], int], pair: tuple[int, int], new: int
) -> dict[tuple[int, ...], int]:
    """Every word with each occurrence of ``pair``, scanned left to right,
    replaced by ``new``."""
    left, right = pair
    joined: dict[tuple[int, ...], int] = Counter()
    for ids, frequency in words.items():
        out: list[int] = []
        i = 0
        while i < len(ids):
            if i + 1 < len(ids) and ids[i] == left and ids[i + 1] == right:
                out.append(new)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        joined[tuple(out)] += frequency
    return joined
