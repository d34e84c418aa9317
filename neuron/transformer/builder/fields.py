"""The Builder's form: presets, and which field breaks which rule.

A form holds raw values (numbers that may be floats or text, an empty field
as None). ``check_fields`` says, field by field, which rule of
``TransformerConfig`` each value breaks, using the config's own validation:
every field is first tried alone in a config where it can conflict with
nothing, then the whole form is built and a rule that ties fields together
is shown beside the field that usually needs to change (heads, when d_model
is not a multiple of it).

Fields the form does not show follow the form: ``final_norm`` is on for
pre-LN and off for post-LN, the pooler exists only for encoders and token
types not for encoder-decoders; every other field comes from the base
config (a preset).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

from neuron.errors import InvalidArgumentError
from neuron.transformer.config import TransformerConfig

__all__ = [
    "FORM_FIELDS",
    "GENERAL",
    "PRESETS",
    "check_fields",
    "config_from_fields",
    "form_values",
]

#: The fields the Builder's form shows, in order, with their labels.
FORM_FIELDS: dict[str, str] = {
    "kind": "kind",
    "vocab_size": "vocabulary",
    "context": "context",
    "d_model": "d_model",
    "layers": "layers",
    "heads": "heads",
    "d_ff": "d_ff",
    "norm": "norm",
    "positional": "positional",
    "tie_embeddings": "tied embeddings",
    "activation": "activation",
    "dropout": "dropout",
}

#: The key ``check_fields`` uses for a broken rule it cannot pin on a field.
GENERAL = "config"

_INT_FIELDS = ("vocab_size", "context", "d_model", "heads", "layers", "d_ff")
_INT_FIELDS += ("type_vocab_size",)
_REAL_FIELDS = ("dropout", "layer_norm_eps")

# A config in which any one field can change without meeting a rule that
# ties it to another: one head, learned positions, nothing tied or pooled.
_NEUTRAL: dict[str, Any] = {
    "kind": "decoder",
    "vocab_size": 1,
    "context": 1,
    "d_model": 2,
    "heads": 1,
    "layers": 1,
    "d_ff": 1,
    "activation": "gelu",
    "norm": "post",
    "positional": "learned",
    "tie_embeddings": False,
    "bias": True,
    "type_vocab_size": 0,
    "embedding_norm": False,
    "final_norm": False,
    "pooler": False,
    "layer_norm_eps": 1e-5,
    "dropout": 0.0,
}

# Each rule that ties fields together in TransformerConfig: a phrase of its
# message; the fields the Builder shows the message beside (the first choice
# present in the form; a pair shows it beside both); and values that keep
# the rule from firing, to look past it for the next broken rule.
_RULES: tuple[tuple[str, tuple[tuple[str, ...], ...], dict[str, Any]], ...] = (
    ("divisible by heads", (("heads",), ("d_model",)), {"heads": 1}),
    (
        "sinusoidal positions",
        (("d_model", "positional"), ("d_model",), ("positional",)),
        {"positional": "learned"},
    ),
    (
        "for kind='encoder'",
        (("tie_embeddings",), ("kind",)),
        {"tie_embeddings": False},
    ),
    ("expected pooler=False", (("pooler",), ("kind",)), {"pooler": False}),
    (
        "expected type_vocab_size=0",
        (("type_vocab_size",), ("kind",)),
        {"type_vocab_size": 0},
    ),
    ("expected final_norm=False", (("final_norm",), ("norm",)), {"final_norm": False}),
)


def _tiny() -> TransformerConfig:
    # A character-level GPT that trains in minutes on a laptop's CPU.
    return TransformerConfig(
        kind="decoder",
        vocab_size=65,
        context=128,
        d_model=128,
        heads=4,
        layers=4,
        d_ff=512,
        activation="gelu",
        norm="pre",
        positional="learned",
        tie_embeddings=True,
        final_norm=True,
        dropout=0.1,
    )


#: The Builder's starting points: a tiny character-level GPT, GPT-2 small,
#: and the base and big models of "Attention Is All You Need".
PRESETS: dict[str, TransformerConfig] = {
    "tiny": _tiny(),
    "GPT-2 small": TransformerConfig.gpt2_small(),
    "Transformer base (2017)": TransformerConfig.transformer_base(),
    "Transformer big (2017)": TransformerConfig.transformer_big(),
}


def form_values(config: TransformerConfig) -> dict[str, Any]:
    """The form's fields of ``config``, to fill the form from a preset.

    Returns:
        Field name -> value, for the names of ``FORM_FIELDS``, in order.
    """
    return {name: getattr(config, name) for name in FORM_FIELDS}


def check_fields(
    fields: Mapping[str, Any], base: TransformerConfig | None = None
) -> dict[str, str]:
    """Which rule each field of a form breaks.

    Args:
        fields: config field name -> raw value, as a form holds it: integers
            may come as integral floats or digit strings, and None is an
            empty field. Usually the names of ``FORM_FIELDS``; any other
            ``TransformerConfig`` field is accepted too.
        base: the config the form started from (a preset); fields not in
            ``fields`` come from it. None means ``PRESETS["tiny"]``.

    Returns:
        Field name -> the message of the rule it breaks, in the config's
        own words; a rule that cannot be pinned on a field is under
        ``GENERAL``. Empty when the form makes a valid config.

    Raises:
        InvalidArgumentError: ``fields`` names something that is not a
            config field (a programming error, not a bad value).
    """
    base = PRESETS["tiny"] if base is None else base
    values = _parse(fields)
    errors = {name: _alone(name, value) for name, value in values.items()}
    errors = {name: message for name, message in errors.items() if message}

    # The rules between fields: build the form from the fields that pass
    # alone; each broken rule is shown, then set aside to find the next.
    trial = {name: value for name, value in values.items() if name not in errors}
    for _ in range(len(_RULES)):
        try:
            TransformerConfig(**_complete(trial, base, values))
            break
        except InvalidArgumentError as exc:
            blamed, repair = _blame(str(exc), values)
            for name in blamed:
                errors.setdefault(name, str(exc))
            if not repair:
                break
            trial.update(repair)
    return errors


def config_from_fields(
    fields: Mapping[str, Any], base: TransformerConfig | None = None
) -> TransformerConfig:
    """Build the config a form describes.

    Args:
        fields: as for ``check_fields``.
        base: as for ``check_fields``.

    Returns:
        The config.

    Raises:
        InvalidArgumentError: a field breaks a rule; the message lists every
            field's message (``check_fields`` gives them one by one).
    """
    base = PRESETS["tiny"] if base is None else base
    errors = check_fields(fields, base)
    if errors:
        listed = "; ".join(f"{name}: {message}" for name, message in errors.items())
        raise InvalidArgumentError(
            f"expected a form that makes a valid config, got {len(errors)} "
            f"broken rule(s): {listed}"
        )
    values = _parse(fields)
    return TransformerConfig(**_complete(values, base, values))


# ---- helpers ---------------------------------------------------------------


def _parse(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values with lossless conversions made (2.0 -> 2, "64" ->
    64, "0.1" -> 0.1); anything else is left for the config to refuse."""
    if not isinstance(fields, Mapping):
        raise InvalidArgumentError(
            f"expected a dict of field name -> value, got {type(fields).__name__}"
        )
    known = [field.name for field in dataclasses.fields(TransformerConfig)]
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise InvalidArgumentError(
            f"expected TransformerConfig field names, got {', '.join(unknown)}; "
            f"the fields are {', '.join(known)}"
        )
    parsed = {}
    for name, value in fields.items():
        if name in _INT_FIELDS:
            value = _as_int(value)
        elif name in _REAL_FIELDS:
            value = _as_real(value)
        parsed[name] = value
    return parsed


def _as_int(value: Any) -> Any:
    if isinstance(value, str):
        value = _as_real(value)
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, numbers.Integral))
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return int(value)
    return value


def _as_real(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


def _alone(name: str, value: Any) -> str | None:
    """The message of the rule ``value`` breaks on its own, or None."""
    if value is None:
        label = FORM_FIELDS.get(name, name)
        return f"expected a value for {label}, got an empty field; fill it in"
    trial = {**_NEUTRAL, name: value}
    # Partners that keep a rule between fields from firing.
    if name == "heads" and isinstance(value, int) and value >= 1:
        trial["d_model"] = value
    elif name == "pooler":
        trial["kind"] = "encoder"
    elif name == "final_norm":
        trial["norm"] = "pre"
    try:
        TransformerConfig(**trial)
    except InvalidArgumentError as exc:
        return str(exc)
    return None


def _complete(
    trial: Mapping[str, Any], base: TransformerConfig, given: Mapping[str, Any]
) -> dict[str, Any]:
    """Every config field: the trial's, then the ones that follow the form
    (unless the form gives them), then the base's."""
    values = {**base.to_dict(), **trial}
    if "final_norm" not in given:
        values["final_norm"] = values["norm"] == "pre"
    if "pooler" not in given and values["kind"] != "encoder":
        values["pooler"] = False
    if "type_vocab_size" not in given and values["kind"] == "encoder-decoder":
        values["type_vocab_size"] = 0
    return values


def _blame(
    message: str, given: Mapping[str, Any]
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The fields a rule's message is shown beside, and the values that keep
    the rule from firing (empty for a rule this module does not know)."""
    for phrase, choices, repair in _RULES:
        if phrase in message:
            for names in choices:
                present = tuple(name for name in names if name in given)
                if present:
                    return present, repair
            return (GENERAL,), repair
    return (GENERAL,), {}
