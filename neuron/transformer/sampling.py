"""Generating text from a decoder, one token at a time.

Each new token is drawn from the model's distribution over the vocabulary
at the last position, reshaped by three knobs applied in this order:

1. temperature: the logits are divided by it. Below 1 the distribution
   sharpens, above 1 it flattens. Temperature 0 means greedy decoding:
   always the most likely token, no randomness at all.
2. top-k (``top_k_filter``): only the k most likely tokens stay.
3. top-p, or nucleus sampling (Holtzman et al., 2020, ``top_p_filter``):
   only the smallest set of most likely tokens whose probabilities add up
   to at least p stays.

The filters set the logits of the tokens they drop to -inf, so the softmax
gives them probability 0 and renormalises the rest.

The model has no key/value cache: every step runs the whole window again,
cut to the model's context, so generating n tokens costs n forward passes.

Legend:
    B   sequences     T   positions     V   vocabulary size
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = ["generate", "top_k_filter", "top_p_filter"]


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` largest logits of each row; the rest become -inf.

    Tokens whose logit equals the k-th largest are all kept, so a tie at the
    boundary can leave more than k.

    Args:
        logits: (..., V) scores.
        k: how many to keep, >= 1; k >= V keeps everything.

    Returns:
        A new tensor like ``logits``.

    Raises:
        InvalidArgumentError: k is not an integer >= 1.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(
            f"expected top_k to be an integer >= 1, got {k!r}; pass None for no "
            "top-k filter"
        )
    if k >= logits.shape[-1]:
        return logits.clone()
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep, in each row, the smallest set of most likely tokens whose
    probabilities sum to at least ``p``; the rest become -inf.

    The tokens are sorted by probability, largest first, and a token is kept
    when the probabilities before it sum to less than p. The most likely
    token is therefore always kept, and p = 1 keeps every token.

    Args:
        logits: (..., V) scores.
        p: the probability mass to keep, in (0, 1].

    Returns:
        A new tensor like ``logits``.

    Raises:
        InvalidArgumentError: p is outside (0, 1].
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 < p <= 1.0:
        raise InvalidArgumentError(
            f"expected top_p in (0, 1], got {p!r}; pass None for no top-p filter"
        )
    ordered, order = torch.sort(logits, dim=-1, descending=True)  # (..., V)
    probabilities = torch.softmax(ordered.float(), dim=-1)  # (..., V)
    before = torch.cumsum(probabilities, dim=-1) - probabilities  # (..., V)
    drop_sorted = before >= p  # (..., V)
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # (..., V), original order
    return logits.masked_fill(drop, float("-inf"))


@torch.no_grad()
def generate(
    model: nn.Module,
    prompt_ids: Sequence[int] | torch.Tensor,
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Continue ``prompt_ids`` with ``max_new_tokens`` sampled tokens.

    The model runs in eval mode (no dropout) and is put back in the mode it
    was in. Only the last ``model.config.context`` tokens are fed at each
    step.

    Args:
        model: a decoder ``Transformer`` (anything mapping (B, T) ids to
            (B, T, V) logits, with a ``config.context``).
        prompt_ids: the prompt, at least one token: a list of ids, a (T,)
            tensor or a (B, T) tensor of B prompts of equal length.
        max_new_tokens: how many tokens to add, >= 0.
        temperature: divides the logits; 0 is greedy decoding (the most
            likely token every time, ignoring top_k, top_p and generator).
        top_k: keep only the k most likely tokens (``top_k_filter``).
        top_p: keep only the nucleus of mass p (``top_p_filter``).
        generator: the source of randomness, on the model's device; equal
            generator states give equal samples. None uses torch's global
            generator.

    Returns:
        The prompt followed by the new tokens, int64 on the model's device:
        (T + max_new_tokens,) for a 1-D prompt, else (B, T + max_new_tokens).

    Raises:
        ShapeError: an empty prompt, or one of more than two dimensions.
        InvalidArgumentError: a knob out of range.
    """
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int):
        raise InvalidArgumentError(
            f"expected max_new_tokens to be an integer, got {max_new_tokens!r}"
        )
    if max_new_tokens < 0:
        raise InvalidArgumentError(
            f"expected max_new_tokens >= 0, got {max_new_tokens}"
        )
    if not temperature >= 0:
        raise InvalidArgumentError(
            f"expected temperature >= 0, got {temperature}; 0 is greedy decoding"
        )
    device = next(model.parameters()).device
    ids = torch.as_tensor(prompt_ids, dtype=torch.long, device=device)
    single = ids.dim() == 1
    ids = ids[None] if single else ids  # (B, T)
    if ids.dim() != 2 or ids.shape[1] == 0:
        raise ShapeError(
            f"expected a prompt of at least one token, as (T,) or (B, T), got "
            f"shape {tuple(ids.shape)}; start from a newline or a begin token"
        )

    context = model.config.context
    was_training = model.training
    model.eval()
    try:
        for _ in range(max_new_tokens):
            logits = model(ids[:, -context:])[:, -1, :].float()  # (B, V)
            if temperature == 0:
                new = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                logits = logits / temperature
                if top_k is not None:
                    logits = top_k_filter(logits, top_k)
                if top_p is not None:
                    logits = top_p_filter(logits, top_p)
                probabilities = torch.softmax(logits, dim=-1)  # (B, V)
                new = torch.multinomial(probabilities, 1, generator=generator)
            ids = torch.cat([ids, new], dim=1)  # (B, T + 1)
    finally:
        model.train(was_training)
    return ids[0] if single else ids
