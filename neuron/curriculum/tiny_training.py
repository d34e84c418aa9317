"""A transformer trained on characters for a hundred steps, live in a lesson.

``lesson_text`` finds some real text: the shared corpora (``$NEURON_CORPORA``
or the ``shared/corpora`` folder beside a source checkout, as ``neuron
bench`` looks for them), else a text made here, so a lesson always has
something to train on. ``train_characters`` trains a small decoder on it
with ``neuron.transformer.train`` and the schedule of the paper, on the
CPU, with nothing written to disk or to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from neuron import paths
from neuron.transformer.config import TransformerConfig

__all__ = ["lesson_text", "tiny_config", "train_characters"]

#: The corpus file preferred, when there is a folder of them.
_PREFERRED = "tinyshakespeare.txt"

# The fallback: a few sentences repeated with variations, enough for a
# character model to learn spelling and spaces in a hundred steps.
_FALLBACK_WORDS = (
    "the model reads the text one character at a time and guesses the next "
    "one. at first every guess is as good as any other. then it learns that "
    "a space follows a word, that a full stop ends a sentence, and which "
    "letters like to stand together. "
)


def lesson_text(max_chars: int = 200_000) -> tuple[str, str]:
    """Some English text to train on, and where it came from.

    Args:
        max_chars: how much of the file to read at most.

    Returns:
        ``(text, source)``: source names the file, or says the text was
        made here because no corpus was found.
    """
    for folder in _corpus_candidates():
        if folder.is_file():
            return _read(folder, max_chars), folder.name
        files = sorted(folder.glob("*.txt"))
        if files:
            chosen = (
                folder / _PREFERRED if (folder / _PREFERRED).is_file() else files[0]
            )
            return _read(chosen, max_chars), chosen.name
    text = (_FALLBACK_WORDS * (max_chars // len(_FALLBACK_WORDS) + 1))[:max_chars]
    return text, "a paragraph made by neuron (no corpus was found)"


def tiny_config(vocab_size: int, context: int = 64) -> TransformerConfig:
    """A two-block decoder of width 64: about 100 thousand parameters."""
    return TransformerConfig(
        kind="decoder",
        vocab_size=vocab_size,
        context=context,
        d_model=64,
        heads=4,
        layers=2,
        d_ff=256,
        activation="gelu",
        norm="pre",
        tie_embeddings=True,
    )


def train_characters(
    steps: int = 100,
    *,
    warmup: int = 30,
    label_smoothing: float = 0.0,
    batch_size: int = 16,
    context: int = 64,
    max_chars: int = 200_000,
    seed: int = 0,
    progress: Callable | None = None,
):
    """Train ``tiny_config`` on ``lesson_text`` for ``steps`` steps.

    The rate follows the paper's schedule (``neuron.transformer.schedule.
    paper_lr``) with d_model = 64 and ``warmup``; AdamW, gradients clipped
    at 1. Takes a few seconds on two CPU cores for 100 steps.

    Args:
        steps: optimizer updates.
        warmup: warmup steps of the schedule.
        label_smoothing: epsilon of the training loss.
        batch_size, context: sequences per step and characters per sequence.
        max_chars: how much text to read.
        seed: seeds the model and the batches.
        progress: called with a ``StepReport`` every 10 steps.

    Returns:
        ``(result, source)``: the ``TrainResult`` (losses by step,
        validation losses, a sample) and where the text came from.

    Side effects: seeds torch's, NumPy's and Python's global generators
    (``train`` does).
    """
    from neuron.transformer.data import TextData
    from neuron.transformer.settings import TrainSettings
    from neuron.transformer.train import train

    text, source = lesson_text(max_chars)
    data = TextData.from_text(text, "char")
    config = tiny_config(data.tokenizer.vocab_size, context)
    settings = TrainSettings(
        steps=steps,
        batch_size=batch_size,
        context=context,
        schedule="paper",
        warmup=warmup,
        label_smoothing=label_smoothing,
        eval_interval=max(steps // 2, 1),
        eval_batches=4,
        log_interval=10,
        seed=seed,
        device="cpu",
        peak_flops=1e12,
        sample_tokens=120,
    )
    return train(config, settings, data, progress=progress), source


def _corpus_candidates() -> list[Path]:
    found = paths.corpora()
    return [] if found is None else [found]


def _read(path: Path, max_chars: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read(max_chars)
