"""What a configuration costs to train: memory at two dtypes, and how long a
run would take at a measured throughput.

A throughput is measured once, on some model, and carried to another by
FLOPs: at the same hardware utilisation, tokens per second scale inversely
with training FLOPs per token. Two sources are used: the newest finished
GPT run in the store (its ``tokens_per_second`` metric), or a few training
steps timed on the CPU on demand.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time

from neuron.errors import InvalidArgumentError
from neuron.transformer.config import TransformerConfig

__all__ = [
    "MAX_TIMED_PARAMETERS",
    "Estimate",
    "Throughput",
    "format_bytes",
    "format_duration",
    "measure_throughput",
    "memory_table",
    "run_estimate",
    "throughput_from_store",
    "time_training",
]

#: Largest model ``time_training`` trains on the CPU (a few seconds a step).
MAX_TIMED_PARAMETERS = 50_000_000

_MEMORY_PARTS = ("parameters", "gradients", "optimizer_state", "activations")


@dataclasses.dataclass(frozen=True)
class Throughput:
    """A measured training speed, and the work per token it was measured at.

    Attributes:
        tokens_per_second: training tokens per second.
        flops_per_token: training FLOPs per token of the measured model at
            the measured context, the output projection included.
        source: where the number comes from, in a sentence.
    """

    tokens_per_second: float
    flops_per_token: int
    source: str

    def for_config(
        self, config: TransformerConfig, context: int | None = None
    ) -> float:
        """Tokens per second ``config`` would train at on the same hardware.

        Scaled by FLOPs: ``tokens_per_second * measured FLOPs per token /
        config's FLOPs per token`` (training, output projection included), so
        the same fraction of the hardware's peak is assumed. Small models
        usually reach a lower fraction than large ones, so scaling up from a
        small model tends to overestimate the time.

        Args:
            config: the model to estimate for.
            context: its training sequence length; None means its context.
        """
        target = config.flops_per_token(training=True, context=context, logits=True)
        return self.tokens_per_second * self.flops_per_token / target


@dataclasses.dataclass(frozen=True)
class Estimate:
    """How long a training run takes.

    Attributes:
        tokens: training tokens processed.
        tokens_per_second: the rate assumed.
        seconds: tokens / tokens_per_second.
        flops: training FLOPs of the run, tokens * FLOPs per token.
    """

    tokens: int
    tokens_per_second: float
    seconds: float
    flops: int


def run_estimate(
    config: TransformerConfig,
    tokens: int,
    tokens_per_second: float,
    *,
    context: int | None = None,
) -> Estimate:
    """The time and FLOPs of training ``config`` on ``tokens`` tokens.

    Args:
        config: the model.
        tokens: training tokens, steps * batch * context.
        tokens_per_second: this model's rate (``Throughput.for_config``).
        context: the training sequence length; None means the model's.

    Returns:
        The estimate.

    Raises:
        InvalidArgumentError: tokens is not an integer >= 1 or the rate is
            not a finite positive number.
    """
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        raise InvalidArgumentError(
            f"expected tokens to be an integer >= 1, got {tokens!r}; pass steps "
            "* batch * context"
        )
    if (
        isinstance(tokens_per_second, bool)
        or not isinstance(tokens_per_second, (int, float))
        or not math.isfinite(tokens_per_second)
        or tokens_per_second <= 0
    ):
        raise InvalidArgumentError(
            f"expected tokens_per_second to be a finite number > 0, got "
            f"{tokens_per_second!r}; measure a throughput first"
        )
    per_token = config.flops_per_token(training=True, context=context, logits=True)
    return Estimate(
        tokens=tokens,
        tokens_per_second=float(tokens_per_second),
        seconds=tokens / tokens_per_second,
        flops=tokens * per_token,
    )


def memory_table(
    config: TransformerConfig, batch: int, context: int, optimizer: str = "adamw"
) -> list[dict]:
    """Training memory at float32 and bfloat16, and the key/value cache.

    Args:
        config: the model.
        batch: sequences per step.
        context: tokens per sequence.
        optimizer: as ``TransformerConfig.memory`` takes it.

    Returns:
        Rows ``{"part": str, "float32": bytes, "bfloat16": bytes}``:
        parameters, gradients, optimizer state, activations, the training
        total, then the key/value cache for generating ``batch`` sequences of
        ``context`` tokens. bfloat16 is mixed precision (float32 master
        weights and moments; see ``TransformerConfig.memory``).

    Raises:
        InvalidArgumentError: batch or context out of range.
    """
    full = config.memory(batch, context, "float32", optimizer)
    half = config.memory(batch, context, "bfloat16", optimizer)
    rows = [
        {"part": part.replace("_", " "), "float32": full[part], "bfloat16": half[part]}
        for part in (*_MEMORY_PARTS, "total")
    ]
    rows[-1]["part"] = "training total"
    rows.append(
        {
            "part": "key/value cache (generation)",
            "float32": config.kv_cache_bytes(batch, context, "float32"),
            "bfloat16": config.kv_cache_bytes(batch, context, "bfloat16"),
        }
    )
    return rows


def throughput_from_store(store) -> Throughput | None:
    """The throughput of the newest finished GPT run that measured one.

    Args:
        store: an open ``neuron.store.Store``.

    Returns:
        The median of the run's ``tokens_per_second`` metric, with the FLOPs
        per token of its model at its training context; None when no
        finished decoder run has the metric.
    """
    for run in store.list_runs(status="finished"):
        model = run.config.get("model") if isinstance(run.config, dict) else None
        try:
            config = TransformerConfig.from_dict(model)
        except (InvalidArgumentError, TypeError):
            continue  # a word2vec run, or a config from another version
        if config.kind != "decoder":
            continue
        values = [
            value
            for _, _, value in store.metrics(run.id, "tokens_per_second")
            if math.isfinite(value) and value > 0
        ]
        if not values:
            continue
        train = run.config.get("train")
        context = train.get("context") if isinstance(train, dict) else None
        if not isinstance(context, int) or not 1 <= context <= config.context:
            context = config.context
        per_token = config.flops_per_token(training=True, context=context, logits=True)
        return Throughput(
            tokens_per_second=statistics.median(values),
            flops_per_token=per_token,
            source=(
                f"run {run.id} ({run.name}): median of {len(values)} measurements "
                f"of a {config.parameter_count():,}-parameter GPT at context "
                f"{context}"
            ),
        )
    return None


def time_training(
    config: TransformerConfig,
    *,
    batch: int = 4,
    steps: int = 3,
    context: int | None = None,
    max_parameters: int = MAX_TIMED_PARAMETERS,
) -> Throughput:
    """Time a few AdamW training steps of ``config`` with PyTorch on the CPU.

    One untimed step warms up, then ``steps`` steps on random tokens are
    timed. Torch's global random state is left as it was.

    Args:
        config: a decoder of at most ``max_parameters`` parameters.
        batch: sequences per step.
        steps: timed steps, at least 1.
        context: tokens per sequence; None means min(context, 128).
        max_parameters: the refusal limit.

    Returns:
        The measured throughput.

    Raises:
        NotImplementedError: config is not a decoder.
        InvalidArgumentError: the model is larger than ``max_parameters``, or
            batch, steps or context is out of range.
    """
    if config.kind != "decoder":
        raise NotImplementedError(
            f"expected a decoder to time, got kind={config.kind!r}; timing "
            "trains a GPT, so time a decoder of similar size instead"
        )
    count = config.parameter_count()
    if count > max_parameters:
        raise InvalidArgumentError(
            f"expected at most {max_parameters:,} parameters to time on the CPU, "
            f"got {count:,}; time a smaller model (its throughput is scaled by "
            "FLOPs) or record a run of this one"
        )
    for name, value in (("batch", batch), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(
                f"expected {name} to be an integer >= 1, got {value!r}"
            )
    context = min(config.context, 128) if context is None else context
    per_token = config.flops_per_token(training=True, context=context, logits=True)

    import torch
    import torch.nn.functional as F

    from neuron.transformer.model import Transformer

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = Transformer(config)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        ids = torch.randint(0, config.vocab_size, (batch, context + 1))  # (B, T+1)
        inputs, targets = ids[:, :-1], ids[:, 1:]  # (B, T), (B, T)

        def step() -> None:
            logits = model(inputs)  # (B, T, V)
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        step()  # the first step allocates and warms caches up
        begin = time.perf_counter()
        for _ in range(steps):
            step()
        seconds = time.perf_counter() - begin
    return Throughput(
        tokens_per_second=batch * context * steps / seconds,
        flops_per_token=per_token,
        source=(
            f"{steps} training steps of a {count:,}-parameter GPT timed on the "
            f"CPU (batch {batch}, context {context}, {seconds:.2f} s)"
        ),
    )


def measure_throughput(config: TransformerConfig, **timing) -> Throughput:
    """Time training steps of ``config``, or of the tiny preset when
    ``config`` cannot be timed (not a decoder, or too large); either
    throughput carries to ``config`` by ``Throughput.for_config``.

    Args:
        config: the model to estimate for.
        **timing: ``batch``, ``steps``, ``context``, ``max_parameters``, as
            ``time_training`` takes them.

    Returns:
        The measured throughput; its ``source`` says which model was timed.
    """
    from neuron.transformer.builder.fields import PRESETS

    small = config.parameter_count() <= timing.get(
        "max_parameters", MAX_TIMED_PARAMETERS
    )
    if config.kind == "decoder" and small:
        return time_training(config, **timing)
    measured = time_training(PRESETS["tiny"], **timing)
    why = "not a decoder" if config.kind != "decoder" else "too large to time"
    return dataclasses.replace(
        measured, source=f"{measured.source}, the tiny preset (this model is {why})"
    )


def format_bytes(count: int) -> str:
    """``1.5 GiB`` from a byte count (binary units)."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """``3 h 12 min`` from seconds; the two largest units that apply."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts, rest = [], int(round(seconds))
    for unit, size in units:
        if rest >= size or parts:
            parts.append(f"{rest // size} {unit}")
            rest %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
