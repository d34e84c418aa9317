"""Training data for a language model: one stream of token ids, cut into
random windows.

``TextData`` reads a text file, builds a tokenizer on it (characters, or a
byte-level BPE trained on the same text) or takes one given, encodes the
whole text once, and splits the ids into a training part (the start) and a
validation part (the end).

``Batches`` draws a batch as B windows of T + 1 consecutive ids at offsets
drawn uniformly by a seeded ``torch.Generator``: inputs are the first T ids
of a window, targets the last T, so each position predicts the next token.

In a distributed run every process holds the same generator and draws the
offsets of the whole global batch, then keeps its own contiguous slice: rank
r of N takes windows r * G / N to (r + 1) * G / N. So N processes with
global batch G see, between them, exactly the windows one process with batch
G sees, and the global batch does not depend on N. The generator's state is
the data position: a checkpoint saves it and a resumed run continues with
the very next batch.

Legend:
    G   global batch     B   windows on this process (G / N)
    N   processes        T   positions per window (the context)
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import torch

from neuron.errors import InvalidArgumentError
from neuron.text.bpe import ByteBPE
from neuron.text.simple import CharTokenizer
from neuron.text.tokenizer import Tokenizer

__all__ = ["TOKENIZERS", "Batches", "TextData", "validation_batches"]

log = logging.getLogger(__name__)

#: The tokenizers ``TextData.from_file`` builds by name.
TOKENIZERS = ("char", "bpe")

PathLike = str | os.PathLike[str]


@dataclasses.dataclass
class TextData:
    """A text as token ids, split into training and validation parts.

    Attributes:
        train: the training ids, int64, (n_train,).
        val: the validation ids, int64, (n_val,).
        tokenizer: what turned the text into ids.
        source: the text file the ids came from, or None for a text in memory.
        val_fraction: the share of the ids held out at the end.
    """

    train: torch.Tensor
    val: torch.Tensor
    tokenizer: Tokenizer
    source: Path | None = None
    val_fraction: float = 0.1

    @classmethod
    def from_text(
        cls,
        text: str,
        tokenizer: str | Tokenizer = "char",
        *,
        val_fraction: float = 0.1,
        bpe_vocab_size: int = 512,
        source: PathLike | None = None,
    ) -> TextData:
        """Encode ``text`` and split it.

        Args:
            text: the whole text.
            tokenizer: ``"char"`` (one id per character of the text),
                ``"bpe"`` (a ``ByteBPE`` trained on the text) or a tokenizer
                already built.
            val_fraction: the share of ids, taken from the end, kept for
                validation; in [0, 1).
            bpe_vocab_size: the vocabulary of a ``"bpe"`` tokenizer (256
                bytes, the merges and ``<|endoftext|>``).
            source: the file the text was read from, kept for the record.

        Raises:
            InvalidArgumentError: an unknown tokenizer name, a fraction out of
                range, or a text too short to split.
        """
        if not 0.0 <= val_fraction < 1.0:
            raise InvalidArgumentError(
                f"expected 0 <= val_fraction < 1, got {val_fraction}; 0.1 keeps "
                "the last tenth for validation"
            )
        if tokenizer == "char":
            tokenizer = CharTokenizer.build(text)
        elif tokenizer == "bpe":
            tokenizer = ByteBPE.train(text, vocab_size=bpe_vocab_size)
        elif isinstance(tokenizer, str):
            raise InvalidArgumentError(
                f"expected a tokenizer in {', '.join(map(repr, TOKENIZERS))} or a "
                f"Tokenizer, got {tokenizer!r}"
            )
        ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)  # (n,)
        n_val = int(len(ids) * val_fraction)
        if len(ids) - n_val < 2:
            raise InvalidArgumentError(
                f"expected a text of at least 2 training tokens, got {len(ids)} "
                f"tokens in all ({n_val} for validation); use a longer text"
            )
        log.info(
            "encoded %d tokens with %r: %d train, %d validation",
            len(ids),
            tokenizer,
            len(ids) - n_val,
            n_val,
        )
        return cls(
            train=ids[: len(ids) - n_val],
            val=ids[len(ids) - n_val :],
            tokenizer=tokenizer,
            source=None if source is None else Path(source).absolute(),
            val_fraction=val_fraction,
        )

    @classmethod
    def from_file(
        cls,
        path: PathLike,
        tokenizer: str | Tokenizer = "char",
        *,
        val_fraction: float = 0.1,
        bpe_vocab_size: int = 512,
    ) -> TextData:
        """Read a UTF-8 text file whole and encode it (see ``from_text``)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls.from_text(
            text,
            tokenizer,
            val_fraction=val_fraction,
            bpe_vocab_size=bpe_vocab_size,
            source=path,
        )

    @property
    def vocab_size(self) -> int:
        """The tokenizer's vocabulary size; the model's must be at least this."""
        return self.tokenizer.vocab_size

    def describe(self) -> dict[str, Any]:
        """Where the data came from, as JSON-safe values for a run's record."""
        return {
            "source": None if self.source is None else str(self.source),
            "tokenizer": getattr(self.tokenizer, "KIND", type(self.tokenizer).__name__),
            "vocab_size": self.vocab_size,
            "train_tokens": len(self.train),
            "val_tokens": len(self.val),
            "val_fraction": self.val_fraction,
        }


class Batches:
    """Random windows of a token stream, drawn by a seeded generator.

    Args:
        tokens: the ids to draw from, int64, (n,), n > context.
        batch_size: the global batch G, windows per step over all processes.
        context: T, the positions of an input.
        seed: seeds the generator; equal seeds give equal batches.
        rank: this process's index r in [0, N).
        world_size: the number of processes N; it must divide G.

    Raises:
        InvalidArgumentError: the stream is too short for one window, or N
            does not divide G.
    """

    def __init__(
        self,
        tokens: torch.Tensor,
        batch_size: int,
        context: int,
        seed: int,
        *,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        _check_windows(tokens, batch_size, context, world_size)
        self.tokens = tokens
        self.batch_size = batch_size
        self.context = context
        self.rank = rank
        self.world_size = world_size
        self.drawn = 0
        self.generator = torch.Generator().manual_seed(seed)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch of this process: inputs and targets, int64 on the
        CPU, each (B, T) with B = G / N."""
        G, T = self.batch_size, self.context
        B = G // self.world_size
        high = len(self.tokens) - T  # the last offset whose window fits, plus one
        offsets = torch.randint(0, high, (G,), generator=self.generator)  # (G,)
        mine = offsets[self.rank * B : (self.rank + 1) * B]  # (B,)
        windows = self.tokens[mine[:, None] + torch.arange(T + 1)]  # (B, T + 1)
        self.drawn += 1
        return windows[:, :-1], windows[:, 1:]

    def state_dict(self) -> dict[str, Any]:
        """The data position: batches drawn and the generator's state."""
        return {"drawn": self.drawn, "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a position saved by ``state_dict``."""
        self.drawn = int(state["drawn"])
        self.generator.set_state(state["generator"])


def validation_batches(
    tokens: torch.Tensor, count: int, batch_size: int, context: int, seed: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A fixed set of ``count`` batches for evaluation, the same every time
    it is asked for with the same arguments, so validation losses at
    different steps are measured on the same windows.

    Returns:
        ``count`` pairs of inputs and targets, each (G, T).
    """
    batches = Batches(tokens, batch_size, context, seed)
    return [batches.next() for _ in range(count)]


def _check_windows(
    tokens: torch.Tensor, batch_size: int, context: int, world_size: int
) -> None:
    if len(tokens) <= context:
        raise InvalidArgumentError(
            f"expected more than context = {context} tokens to draw windows of "
            f"{context + 1} from, got {len(tokens)}; use a longer text, a "
            "smaller context or a smaller validation fraction"
        )
    if batch_size < 1 or batch_size % world_size:
        raise InvalidArgumentError(
            f"expected a global batch divisible by the {world_size} processes, "
            f"got batch_size={batch_size}; use a multiple of {world_size}"
        )
