"""Text sampled from a GPT checkpoint."""

from __future__ import annotations

from pathlib import Path

from neuron.errors import CheckpointError

__all__ = ["sample_checkpoint"]


def sample_checkpoint(
    path: str | Path,
    prompt: str = "\n",
    tokens: int = 200,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
) -> str:
    """Continue ``prompt`` with a checkpoint's model.

    Args:
        path: a checkpoint written by ``neuron train``; its tokenizer file
            must still exist.
        prompt: where the text starts; characters the tokenizer lacks are
            refused by it.
        tokens: how many tokens to generate.
        temperature: 0 is greedy; higher is more varied.
        top_k: keep the k most likely tokens (None or 0: all).
        top_p: keep the nucleus of mass p (None or 1: all).
        seed: seeds the draws, so a sample can be repeated.

    Returns:
        The generated text, without the prompt.

    Raises:
        CheckpointError: the checkpoint or its tokenizer cannot be read.
    """
    import torch

    from neuron.transformer.checkpoint import load_trained
    from neuron.transformer.sampling import generate

    model, tokenizer = load_trained(path)
    if tokenizer is None:
        raise CheckpointError(
            f"expected the tokenizer file named in {path}, got none on disk; "
            "the run folder was moved or deleted, so sampling cannot decode"
        )
    prompt_ids = tokenizer.encode(prompt) if prompt else []
    if not prompt_ids:
        prompt_ids = [0]
    generator = torch.Generator().manual_seed(seed)
    ids = generate(
        model,
        prompt_ids,
        tokens,
        temperature=temperature,
        top_k=top_k or None,
        top_p=None if top_p is None or top_p >= 1 else top_p,
        generator=generator,
    )
    return tokenizer.decode(ids[len(prompt_ids) :].tolist())
