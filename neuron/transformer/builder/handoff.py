"""The Builder's hand-off to Code Lab: a config to train, left in the store.

The Builder writes one workspace object, ``builder.pending_run``: a 0-d
NumPy unicode array holding the JSON text

    {"model": TransformerConfig.to_dict(), "train": {TrainSettings fields},
     "name": "run name"}

where ``train`` holds only the settings the Builder chose (Code Lab fills
the rest with ``TrainSettings`` defaults). Writing it rewrites the store's
workspace stamp, so Code Lab, watching the stamp, sees the new run at once.
Code Lab reads it with ``read_pending_run`` and, once it has started the
run, removes it with ``clear_pending_run``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from neuron.errors import InvalidArgumentError, NotFoundError
from neuron.transformer.config import TransformerConfig

__all__ = ["PENDING_RUN", "clear_pending_run", "read_pending_run", "send_to_codelab"]

#: The workspace object the Builder leaves for Code Lab.
PENDING_RUN = "builder.pending_run"


def send_to_codelab(
    store,
    config: TransformerConfig,
    settings: Any = None,
    *,
    name: str | None = None,
) -> dict[str, Any]:
    """Leave ``config`` in the store for Code Lab to train.

    Args:
        store: an open ``neuron.store.Store``.
        config: a decoder (Code Lab trains GPTs).
        settings: a ``TrainSettings``, a mapping of some of its fields, or
            None for Code Lab's defaults. A mapping is checked by building a
            ``TrainSettings`` from it; only its own keys are sent.
        name: the run's name; None names it after the model's shape.

    Returns:
        The payload written: ``{"model", "train", "name"}``.

    Side effects: writes the workspace object ``PENDING_RUN``, replacing an
    earlier one, and rewrites the workspace stamp.

    Raises:
        InvalidArgumentError: config is not a decoder, a setting is unknown
            or out of range, the training context is longer than the model's,
            or the name is blank.
    """
    if not isinstance(config, TransformerConfig):
        raise InvalidArgumentError(
            f"expected a TransformerConfig, got {type(config).__name__}"
        )
    if config.kind != "decoder":
        raise InvalidArgumentError(
            f"expected kind='decoder' to train in Code Lab, got {config.kind!r}; "
            "Code Lab trains GPT-style decoders, so pick kind 'decoder'"
        )
    train = _settings(settings)
    context = train.get("context")
    if context is not None and context > config.context:
        raise InvalidArgumentError(
            f"expected a training context <= the model's {config.context}, got "
            f"{context}; shorten the sequences or raise the model's context"
        )
    if name is None:
        name = (
            f"Builder GPT: {config.layers} layers, d_model {config.d_model}, "
            f"{config.parameter_count():,} parameters"
        )
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"expected a run name with some text, got {name!r}")
    payload = {"model": config.to_dict(), "train": train, "name": name.strip()}
    store.put_object(PENDING_RUN, np.array(json.dumps(payload)))
    return payload


def read_pending_run(store) -> dict[str, Any] | None:
    """The run the Builder left for Code Lab, or None.

    Args:
        store: an open ``neuron.store.Store``.

    Returns:
        ``{"model": dict, "train": dict, "name": str}`` as
        ``send_to_codelab`` wrote it; None when there is none. Rebuild the
        model with ``TransformerConfig.from_dict(run["model"])`` and the
        settings with ``TrainSettings(**run["train"])``.

    Raises:
        InvalidArgumentError: the object is not what the Builder writes.
    """
    try:
        stored = store.get_object(PENDING_RUN)
    except NotFoundError:
        return None
    array = stored.array
    if array.shape != () or array.dtype.kind != "U":
        raise InvalidArgumentError(
            f"expected {PENDING_RUN} to be a 0-d unicode array, got dtype "
            f"{array.dtype} and shape {array.shape}; send the config again from "
            "the Builder"
        )
    try:
        payload = json.loads(str(array[()]))
    except json.JSONDecodeError as exc:
        raise InvalidArgumentError(
            f"expected JSON in {PENDING_RUN}, got text that does not parse "
            f"({exc}); send the config again from the Builder"
        ) from exc
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("model"), dict)
        or not isinstance(payload.get("train"), dict)
        or not isinstance(payload.get("name"), str)
    ):
        raise InvalidArgumentError(
            f"expected {PENDING_RUN} to hold model, train and name, got "
            f"{str(array[()])[:80]!r}; send the config again from the Builder"
        )
    return payload


def clear_pending_run(store) -> bool:
    """Remove the pending run, once Code Lab has started it.

    Returns:
        True if there was one. Side effect: writes the store.
    """
    try:
        store.delete_object(PENDING_RUN)
    except NotFoundError:
        return False
    return True


def _settings(settings: Any) -> dict[str, Any]:
    # TrainSettings imports PyTorch, so only when a run is sent.
    from neuron.transformer.settings import TrainSettings

    if settings is None:
        return {}
    if isinstance(settings, TrainSettings):
        return dataclasses.asdict(settings)
    if not isinstance(settings, Mapping):
        raise InvalidArgumentError(
            f"expected a TrainSettings or a dict of its fields, got "
            f"{type(settings).__name__}"
        )
    known = [field.name for field in dataclasses.fields(TrainSettings)]
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise InvalidArgumentError(
            f"expected TrainSettings fields, got {', '.join(map(repr, unknown))}; "
            f"the fields are {', '.join(known)}"
        )
    TrainSettings(**settings)  # raises with the rule a value breaks
    return dict(settings)
