"""The training objective and the optimizer around it.

- ``language_model_loss``: next-token cross-entropy, with optional label
  smoothing (Szegedy et al., 2016; used by Vaswani et al., 2017, section
  5.4, with epsilon = 0.1).
- ``make_optimizer``: AdamW (Loshchilov and Hutter, 2019), PyTorch's
  ``torch.optim.AdamW``, with weight decay on some parameters only (the rule
  is in ``decay_groups``).
- ``clip_gradients``: rescale all gradients together so that their global
  norm is at most a limit, and report the norm they had before.

Legend:
    B   batch size     T   positions     V   vocabulary size
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = [
    "NO_DECAY_PREFIX",
    "clip_gradients",
    "decay_groups",
    "language_model_loss",
    "make_optimizer",
]

#: Parameters under this prefix are embedding tables, never decayed.
NO_DECAY_PREFIX = "embed."


def language_model_loss(
    logits: torch.Tensor, targets: torch.Tensor, label_smoothing: float = 0.0
) -> torch.Tensor:
    """Mean cross-entropy of next-token predictions, in nats per token.

    With label smoothing epsilon, the target of each position is the mixture
    ``(1 - epsilon) * one_hot(y) + epsilon / V`` instead of the one-hot
    vector, so the loss of one position is

        (1 - epsilon) * (-log p_y) + epsilon * mean_j(-log p_j)

    with p the softmax of the logits over the V entries. Epsilon = 0 is
    plain cross-entropy. The sum is taken in float32 whatever the logits'
    dtype.

    Args:
        logits: (B, T, V) scores.
        targets: (B, T) integer ids in [0, V).
        label_smoothing: epsilon, in [0, 1).

    Returns:
        A scalar tensor, the mean over the B * T positions.

    Raises:
        ShapeError: the shapes do not match.
        InvalidArgumentError: label_smoothing is out of range.
    """
    if logits.dim() != 3 or tuple(targets.shape) != tuple(logits.shape[:2]):
        raise ShapeError(
            f"expected logits (B, T, V) and targets (B, T), got "
            f"{tuple(logits.shape)} and {tuple(targets.shape)}; targets are "
            "the inputs shifted left by one"
        )
    if not 0.0 <= label_smoothing < 1.0:
        raise InvalidArgumentError(
            f"expected 0 <= label_smoothing < 1, got {label_smoothing}; the "
            "paper used 0.1"
        )
    V = logits.shape[-1]
    return F.cross_entropy(
        logits.reshape(-1, V).float(),  # (B * T, V)
        targets.reshape(-1),  # (B * T,)
        label_smoothing=label_smoothing,
    )


def decay_groups(
    model: nn.Module, weight_decay: float
) -> list[dict[str, list[nn.Parameter] | float]]:
    """Parameters split into the decayed and the undecayed, for AdamW.

    The rule: weight decay applies to the matrices that multiply activations
    (the attention and feed-forward projections, an untied output head, the
    pooler), that is to every parameter of two or more dimensions outside
    the embeddings. Biases, layer norm gains and biases, and the embedding
    tables (tokens, positions, token types) are not decayed: pulling a
    norm's gain or a bias towards 0 changes what the layer computes rather
    than limiting its size, and an embedding row is only updated when its
    token appears, so decay would shrink rare tokens' rows for no reason.
    A tied output head is the token embedding, so it is not decayed either.

    Args:
        model: a ``Transformer`` (parameter names as in
            ``neuron.transformer.parameters``) or any module.
        weight_decay: the decoupled decay of the decayed group.

    Returns:
        Two parameter groups for ``torch.optim``: decayed first, then the
        rest with ``weight_decay`` 0. Each group also carries the names of
        its parameters under ``"names"``.
    """
    decayed: list[nn.Parameter] = []
    kept: list[nn.Parameter] = []
    decayed_names: list[str] = []
    kept_names: list[str] = []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        if parameter.dim() >= 2 and not name.startswith(NO_DECAY_PREFIX):
            decayed.append(parameter)
            decayed_names.append(name)
        else:
            kept.append(parameter)
            kept_names.append(name)
    return [
        {"params": decayed, "weight_decay": weight_decay, "names": decayed_names},
        {"params": kept, "weight_decay": 0.0, "names": kept_names},
    ]


def make_optimizer(
    model: nn.Module,
    lr: float,
    weight_decay: float = 0.1,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
) -> torch.optim.AdamW:
    """AdamW over ``decay_groups(model, weight_decay)``.

    Args:
        model: the module to train.
        lr: the initial learning rate; a schedule usually sets it per step.
        weight_decay: decoupled weight decay of the matrices (see
            ``decay_groups`` for which parameters).
        betas: the moments' decay rates; (0.9, 0.95) as GPT-3, where the
            paper of 2017 used (0.9, 0.98).
        eps: added to the second moment's root.

    Returns:
        A ``torch.optim.AdamW``. The ``"names"`` entry of each group stays in
        its ``param_groups`` and in its state dict.
    """
    if not (math.isfinite(weight_decay) and weight_decay >= 0):
        raise InvalidArgumentError(
            f"expected weight_decay >= 0, got {weight_decay}; 0.1 is usual"
        )
    groups = decay_groups(model, weight_decay)
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)


def clip_gradients(parameters, max_norm: float | None) -> float:
    """Scale every gradient by one factor so that their global norm is at
    most ``max_norm``, and return the norm before scaling.

    The global norm is the L2 norm of all gradients concatenated into one
    vector. When it exceeds ``max_norm``, each gradient is multiplied by
    ``max_norm / (norm + 1e-6)`` (``torch.nn.utils.clip_grad_norm_``);
    directions are kept, only the step is shortened.

    Args:
        parameters: the parameters whose ``.grad`` to clip.
        max_norm: the limit; None or 0 measures the norm and clips nothing.

    Returns:
        The global gradient norm before clipping, as a float.
    """
    limit = max_norm if max_norm else math.inf
    norm = torch.nn.utils.clip_grad_norm_(parameters, limit)
    return float(norm)
