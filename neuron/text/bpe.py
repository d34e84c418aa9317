"""Byte-level byte-pair encoding (BPE), the tokenizer of GPT-2 and its heirs.

BPE (Sennrich et al., 2016, "Neural Machine Translation of Rare Words with
Subword Units") starts from an alphabet and learns to join the pair of
adjacent tokens seen most often into one new token, again and again, until
the vocabulary has the size asked for. GPT-2 (Radford et al., 2019) made the
alphabet the 256 byte values, so every string, in every script, has a
tokenization, and no token is ever unknown.

Training, in :meth:`ByteBPE.train`:

1. cut the text into *words* with a regular expression (the pre-tokenizer,
   GPT-2's by default), so that no token ever spans, say, a word and the
   punctuation after it; count each distinct word once, with its frequency;
2. write every word as its UTF-8 bytes: ids 0 to 255;
3. count every adjacent pair of ids in every word, weighted by the word's
   frequency;
4. join the most frequent pair into a new id everywhere it occurs, record
   the merge, update the counts of the words it touched, and repeat.

Encoding a word replays the merges: of the adjacent pairs present, join the
one learned earliest (the lowest *rank*), until no pair has a rank. Decoding
concatenates the tokens' bytes.

Special tokens (``<|endoftext|>``) are cut out of the text before anything
else, so they are never split, never learned from, and always map to their
own id.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path

import regex

from neuron.errors import InvalidArgumentError, UnknownWordError, VocabularyFormatError
from neuron.text.gpt2 import (
    GPT2_PATTERN,
    bytes_to_text,
    read_gpt2_files,
    text_to_bytes,
    write_gpt2_files,
)
from neuron.text.tokenizer import (
    FORMAT_VERSION,
    PathLike,
    TextSource,
    check_id,
    check_special_tokens,
    field,
    iter_texts,
    read_json,
    write_json,
)

__all__ = ["ByteBPE"]

log = logging.getLogger(__name__)

#: Words whose ids are remembered by each tokenizer; the memory is emptied
#: when full. Natural text repeats its words, so most lookups hit.
CACHE_SIZE = 1 << 16

_NO_RANK = float("inf")


class ByteBPE:
    """A byte-level BPE tokenizer: learned merges over the 256 bytes.

    Build one with :meth:`train`, :meth:`load` or :meth:`from_gpt2_files`.
    The constructor takes the parts directly; ids need not follow byte values
    (GPT-2's do not), but together the ordinary and special tokens must use
    each id from 0 to ``vocab_size - 1`` once.

    Args:
        vocab: the bytes of every ordinary token and its id; every single
            byte is one.
        merges: the pairs joined, in rank order; both parts and their join
            must be in ``vocab``.
        special_tokens: the text of each special token and its id.
        pattern: the pre-tokenizer's regular expression (``regex`` syntax,
            no capturing groups).

    Raises:
        InvalidArgumentError: the parts do not fit together as described.

    Example:
        >>> bpe = ByteBPE.train(Corpus("tinyshakespeare.txt"), vocab_size=512)
        >>> ids = bpe.encode("To be, or not to be<|endoftext|>")
        >>> bpe.decode(ids)
        'To be, or not to be<|endoftext|>'
    """

    KIND = "byte_bpe"

    def __init__(
        self,
        vocab: Mapping[bytes, int],
        merges: Sequence[tuple[bytes, bytes]],
        special_tokens: Mapping[str, int] | None = None,
        pattern: str = GPT2_PATTERN,
    ) -> None:
        special_tokens = dict(special_tokens or {})
        check_special_tokens(special_tokens)
        size = len(vocab) + len(special_tokens)
        pieces: list[bytes | None] = [None] * size
        for piece, id in [*vocab.items(), *special_tokens.items()]:
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            if not isinstance(id, int) or not 0 <= id < size or pieces[id] is not None:
                raise InvalidArgumentError(
                    f"expected ids 0 to {size - 1}, each used once, got {id!r} "
                    f"for {piece!r}"
                )
            pieces[id] = piece
        missing = [byte for byte in range(256) if bytes([byte]) not in vocab]
        if missing:
            raise InvalidArgumentError(
                f"expected all 256 single bytes in the vocabulary, got "
                f"{len(missing)} missing (byte {missing[0]} first)"
            )
        self._pattern = _compile(pattern, "pattern")

        # Each merge as a pair of ids, its rank and the id of its result.
        self._ranks: dict[tuple[int, int], int] = {}
        self._joined: dict[tuple[int, int], int] = {}
        for rank, (left, right) in enumerate(merges):
            for part in (left, right, left + right):
                if part not in vocab:
                    raise InvalidArgumentError(
                        f"expected the parts of merge {rank} and their join in "
                        f"the vocabulary, got {part!r}, which is not there"
                    )
            pair = (vocab[left], vocab[right])
            if pair not in self._ranks:  # a repeated merge keeps its first rank
                self._ranks[pair] = rank
                self._joined[pair] = vocab[left + right]

        self.pattern = pattern
        self._pieces: list[bytes] = pieces
        self._vocab = dict(vocab)
        self._merges = [(bytes(left), bytes(right)) for left, right in merges]
        self._byte_ids = [vocab[bytes([byte])] for byte in range(256)]
        self._special_ids = special_tokens
        self._special_texts = {id: text for text, id in special_tokens.items()}
        self._special_split = _special_regex(special_tokens, keep=True)
        self._cache: dict[str, list[int]] = {}

    # ---- training -------------------------------------------------------------

    @classmethod
    def train(
        cls,
        source: TextSource,
        vocab_size: int,
        special_tokens: Iterable[str] = ("<|endoftext|>",),
        pre_tokenizer: str = GPT2_PATTERN,
    ) -> ByteBPE:
        """Learn merges from text until the vocabulary has ``vocab_size`` ids.

        Ids 0 to 255 are the bytes, the merges' results follow in the order
        they were learned, and the special tokens come last. Of pairs seen
        equally often, the one with the smaller ids (left first, then right)
        is merged first, so training is deterministic. Training stops early,
        with a smaller vocabulary, when no pair is left to join.

        Pairs are counted once per distinct word, weighted by its frequency,
        and after a merge only the words holding the merged pair are
        recounted, a heap giving the next most frequent pair. On the 1.1 MB
        ``tinyshakespeare.txt`` (15,057 distinct words), read as a
        :class:`~neuron.text.Corpus`, one core of an AMD EPYC server trains
        767 merges (``vocab_size=1024``) in 0.65 s, 4,096 merges
        (``vocab_size=4353``) in 0.92 s and 9,743 merges (``vocab_size=10000``)
        in 1.07 s, best of three; about 0.3 s of each is counting the words.

        Args:
            source: a text, several texts, or a :class:`~neuron.text.Corpus`,
                whose files are read as raw text.
            vocab_size: the number of ids wanted: 256, plus the merges, plus
                the special tokens.
            special_tokens: tokens cut out of the text before training and
                given ids of their own; GPT-2's one by default.
            pre_tokenizer: the regular expression cutting text into words
                (``regex`` syntax, no capturing groups); GPT-2's by default.
                Characters it matches nowhere become words of their own.

        Raises:
            InvalidArgumentError: ``vocab_size`` is below
                ``256 + len(special_tokens)``, a special token is empty or
                repeated, the pattern fails to compile, or the text holds a
                lone surrogate.
        """
        special_tokens = check_special_tokens(special_tokens)
        smallest = 256 + len(special_tokens)
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise InvalidArgumentError(
                f"expected vocab_size to be an integer, got {vocab_size!r}"
            )
        if vocab_size < smallest:
            raise InvalidArgumentError(
                f"expected vocab_size of at least {smallest} (256 bytes and "
                f"{len(special_tokens)} special tokens), got {vocab_size}; "
                "GPT-2 used 50257"
            )
        pattern = _compile(pre_tokenizer, "pre_tokenizer")

        # Steps 1 and 2: the distinct words as byte ids, with frequencies.
        counts = _count_words(iter_texts(source), pattern, special_tokens)
        words = [list(_utf8(word)) for word in counts]
        frequencies = list(counts.values())
        log.debug("counted %d distinct words", len(words))

        # Steps 3 and 4.
        pieces = [bytes([byte]) for byte in range(256)]
        merges = _learn_merges(words, frequencies, pieces, vocab_size - smallest)
        vocab = {piece: id for id, piece in enumerate(pieces)}
        specials = {text: len(pieces) + i for i, text in enumerate(special_tokens)}
        return cls(
            vocab,
            [(pieces[a], pieces[b]) for a, b in merges],
            specials,
            pre_tokenizer,
        )

    # ---- the vocabulary -----------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """The number of ids, special tokens included."""
        return len(self._pieces)

    @property
    def special_tokens(self) -> dict[str, int]:
        """Each special token's text and its id."""
        return dict(self._special_ids)

    @property
    def merges(self) -> list[tuple[bytes, bytes]]:
        """The merges in rank order, each as the bytes of its two tokens."""
        return list(self._merges)

    def __repr__(self) -> str:
        return (
            f"ByteBPE(vocab_size={self.vocab_size}, {len(self._merges)} merges, "
            f"special_tokens={list(self._special_ids)})"
        )

    def id_to_bytes(self, id: int) -> bytes:
        """The bytes of one token (a special token's in UTF-8)."""
        return self._pieces[check_id(id, self.vocab_size)]

    def id_to_token(self, id: int) -> str:
        """One token as GPT-2's files spell it: its bytes as printable
        characters (a leading space shows as ``Ġ``), or a special token's
        text."""
        id = check_id(id, self.vocab_size)
        if id in self._special_texts:
            return self._special_texts[id]
        return bytes_to_text(self._pieces[id])

    def token_to_id(self, token: str) -> int:
        """The id of a special token's text, or of an ordinary token spelled
        as :meth:`id_to_token` spells it.

        Raises:
            UnknownWordError: no token is spelled so.
        """
        if token in self._special_ids:
            return self._special_ids[token]
        try:
            return self._vocab[text_to_bytes(token)]
        except (InvalidArgumentError, KeyError):
            raise UnknownWordError(
                [token],
                f"expected a token of the vocabulary, got {token!r}; ordinary "
                "tokens are spelled as id_to_token spells them ('Ġthe' for "
                "' the')",
            ) from None

    # ---- encoding and decoding ------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``: special tokens first, then BPE on each word.

        Each distinct word is encoded once and remembered. The time to encode
        a word grows with the square of its length, which only matters for
        runs of tens of thousands of letters without a space.

        Raises:
            InvalidArgumentError: ``text`` holds a lone surrogate, which UTF-8
                cannot encode.
        """
        ids: list[int] = []
        for index, piece in enumerate(self._split_special(text)):
            if index % 2:  # odd pieces are the special tokens matched
                ids.append(self._special_ids[piece])
                continue
            for word in _words(self._pattern, piece):
                ids.extend(self._encode_word(word))
        return ids

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` joined: exactly the UTF-8 of the text encoded."""
        pieces, size = self._pieces, self.vocab_size
        return b"".join([pieces[check_id(id, size)] for id in ids])

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``.

        ``decode(encode(text)) == text`` for every text. A token may hold part
        of a character's UTF-8 bytes, so a slice of ids can cut a character;
        such incomplete bytes decode as U+FFFD (``errors="replace"``). Use
        :meth:`decode_bytes` to see them.
        """
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def _split_special(self, text: str) -> list[str]:
        """Ordinary text and special tokens, alternating, ordinary first."""
        if self._special_split is None:
            return [text]
        return self._special_split.split(text)

    def _encode_word(self, word: str) -> list[int]:
        """BPE on one word: join the lowest-ranked pair until none is left."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids = [self._byte_ids[byte] for byte in _utf8(word)]
        ranks = self._ranks
        # TODO: quadratic in the word's length; a heap of pair positions
        # would make it n log n, if very long words ever matter.
        while len(ids) > 1:
            pair = min(pairwise(ids), key=lambda p: ranks.get(p, _NO_RANK))
            if pair not in ranks:
                break
            ids = _join(ids, pair, self._joined[pair])
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = ids
        return ids

    # ---- files ----------------------------------------------------------------

    def save(self, path: PathLike) -> Path:
        """Write the tokenizer as JSON (kind ``"byte_bpe"``): the pattern, every
        token spelled as :meth:`id_to_token` does, the merges as in
        ``merges.txt``, and the special tokens. Returns the path."""
        data = {
            "kind": self.KIND,
            "version": FORMAT_VERSION,
            "pattern": self.pattern,
            "special_tokens": self._special_ids,
            "tokens": [self.id_to_token(id) for id in range(self.vocab_size)],
            "merges": [
                f"{bytes_to_text(a)} {bytes_to_text(b)}" for a, b in self._merges
            ],
        }
        return write_json(path, data)

    @classmethod
    def load(cls, path: PathLike) -> ByteBPE:
        """Read a tokenizer written by :meth:`save`.

        Raises:
            VocabularyFormatError: the file is missing or not such a tokenizer.
        """
        data = read_json(path, cls.KIND)
        tokens = field(data, "tokens", list, path)
        special_tokens = field(data, "special_tokens", dict, path)
        special_ids = set(special_tokens.values())
        try:
            vocab = {
                text_to_bytes(text): id
                for id, text in enumerate(tokens)
                if id not in special_ids
            }
            merges = []
            for line in field(data, "merges", list, path):
                left, right = line.split(" ")
                merges.append((text_to_bytes(left), text_to_bytes(right)))
            return cls(vocab, merges, special_tokens, field(data, "pattern", str, path))
        except (InvalidArgumentError, ValueError, AttributeError) as exc:
            raise VocabularyFormatError(
                f"{path} holds a broken tokenizer: {exc}"
            ) from None

    @classmethod
    def from_gpt2_files(
        cls, vocab_json: PathLike, merges_txt: PathLike, pattern: str = GPT2_PATTERN
    ) -> ByteBPE:
        """Load a tokenizer from GPT-2's ``vocab.json`` and ``merges.txt``
        (see :mod:`neuron.text.gpt2`), keeping its ids.

        Raises:
            VocabularyFormatError: a file is missing or not in that format.
        """
        vocab, merges, special_tokens = read_gpt2_files(vocab_json, merges_txt)
        try:
            return cls(vocab, merges, special_tokens, pattern)
        except InvalidArgumentError as exc:
            raise VocabularyFormatError(
                f"{vocab_json} and {merges_txt} hold a broken tokenizer: {exc}"
            ) from None

    def save_gpt2_files(self, directory: PathLike) -> tuple[Path, Path]:
        """Write ``vocab.json`` and ``merges.txt`` in GPT-2's format into
        ``directory``, which GPT-2 tokenizers elsewhere read with the same
        ids (the pattern is not saved; those tokenizers use GPT-2's).

        Returns:
            The paths of the two files.
        """
        return write_gpt2_files(directory, self._vocab, self._merges, self._special_ids)


# ---- the training steps ------------------------------------------------------


def _special_regex(special_tokens: Iterable[str], keep: bool) -> re.Pattern | None:
    """A regex matching any special token, longest first, so that one token
    that starts another does not win; a capturing group keeps the tokens in
    ``split``'s result."""
    tokens = sorted(special_tokens, key=len, reverse=True)
    if not tokens:
        return None
    alternatives = "|".join(map(re.escape, tokens))
    return re.compile(f"({alternatives})" if keep else alternatives)


def _count_words(
    texts: Iterable[str], pattern: regex.Pattern, special_tokens: Sequence[str]
) -> Counter[str]:
    """How often each word occurs, special tokens cut out first."""
    counts: Counter[str] = Counter()
    special = _special_regex(special_tokens, keep=False)
    for text in texts:
        for piece in special.split(text) if special else (text,):
            counts.update(_words(pattern, piece))
    return counts


def _compile(pattern: str, name: str) -> regex.Pattern:
    """The pre-tokenizer's pattern compiled, or an error saying why not."""
    try:
        compiled = regex.compile(pattern)
    except (regex.error, TypeError) as exc:
        raise InvalidArgumentError(
            f"expected a regular expression as {name}, got {pattern!r}, which "
            f"fails to compile: {exc}"
        ) from None
    if compiled.groups:
        raise InvalidArgumentError(
            f"expected a {name} without capturing groups, got {pattern!r}; "
            "write (?:...) instead of (...)"
        )
    return compiled


def _words(pattern: regex.Pattern, text: str) -> list[str]:
    """The words the pre-tokenizer cuts ``text`` into. Characters a pattern
    skips (GPT-2's skips none) become words of their own, so no text is
    lost."""
    words = pattern.findall(text)
    if sum(map(len, words)) == len(text):
        return words
    words, end = [], 0
    for match in pattern.finditer(text):
        if match.start() > end:
            words.append(text[end : match.start()])
        words.append(match.group())
        end = match.end()
    if end < len(text):
        words.append(text[end:])
    return words


def _learn_merges(
    words: list[list[int]],
    frequencies: list[int],
    pieces: list[bytes],
    wanted: int,
) -> list[tuple[int, int]]:
    """Learn merges until ``wanted`` new tokens exist or no pair is left.

    Args:
        words: each distinct word as ids; rewritten in place as merges apply.
        frequencies: how often each word occurs.
        pieces: the bytes of each id; new tokens are appended.
        wanted: how many tokens to add.

    Returns:
        The merges learned, as pairs of ids, in order.
    """
    # Pair counts, and which words hold each pair. A word stays listed under
    # a pair it lost; rejoining it below then changes nothing.
    counts: defaultdict[tuple[int, int], int] = defaultdict(int)
    holders: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for w, (ids, frequency) in enumerate(zip(words, frequencies, strict=True)):
        for pair in pairwise(ids):
            counts[pair] += frequency
            holders[pair].add(w)

    # A max-heap of (count, pair) through negated counts; ties pop the smaller
    # pair. Entries are never updated in place: a changed count pushes a new
    # entry, and a popped entry whose count is out of date is skipped.
    heap = [(-count, *pair) for pair, count in counts.items()]
    heapq.heapify(heap)

    ids_of = {piece: id for id, piece in enumerate(pieces)}
    target = len(pieces) + wanted
    merges: list[tuple[int, int]] = []
    while len(pieces) < target and heap:
        negated, left, right = heapq.heappop(heap)
        pair = (left, right)
        if counts.get(pair, 0) != -negated:
            continue  # out of date

        # The new token. Two different merges can spell the same bytes
        # (a+bc, ab+c); they share one id.
        joined = pieces[left] + pieces[right]
        new = ids_of.get(joined)
        if new is None:
            new = ids_of[joined] = len(pieces)
            pieces.append(joined)
        merges.append(pair)

        # Rewrite the words holding the pair: remove their old pairs from the
        # counts, add their new ones.
        changed: set[tuple[int, int]] = set()
        for w in holders.pop(pair):
            old = words[w]
            ids = _join(old, pair, new)
            if len(ids) == len(old):
                continue
            frequency = frequencies[w]
            for gone in pairwise(old):
                counts[gone] -= frequency
                changed.add(gone)
            for made in pairwise(ids):
                counts[made] += frequency
                changed.add(made)
                holders[made].add(w)
            words[w] = ids

        # Push the new counts; pairs that vanished leave the tables.
        for changed_pair in changed:
            count = counts[changed_pair]
            if count > 0:
                heapq.heappush(heap, (-count, *changed_pair))
            else:
                del counts[changed_pair]
                holders.pop(changed_pair, None)
    return merges


def _utf8(word: str) -> bytes:
    try:
        return word.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            f"expected text UTF-8 can encode, got {word!r}, holding the lone "
            f"surrogate {exc.object[exc.start : exc.end]!r}; remove it"
        ) from None


def _join(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """``ids`` with every occurrence of ``pair`` replaced by ``new``, scanning
    left to right (``a a a`` with pair ``(a, a)`` gives ``aa a``)."""
    left, right = pair
    out: list[int] = []
    i, n = 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == left and ids[i + 1] == right:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
