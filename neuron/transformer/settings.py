"""What a training run is asked to do, what it reports as it goes, and what
it returns: ``TrainSettings``, ``StepReport`` and ``TrainResult``.

The model's shape is a ``TransformerConfig``; everything else about a run
(how long, how big a batch, how fast, how often to evaluate and save) is a
``TrainSettings``, validated on construction.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from neuron.errors import InvalidArgumentError
from neuron.transformer.model import ATTENTION_PATHS
from neuron.transformer.schedule import SCHEDULES, _check_rate
from neuron.transformer.schedule import _check_count as _check_int

__all__ = ["DTYPES", "StepReport", "TrainResult", "TrainSettings"]

#: The compute dtypes a run accepts; "bfloat16" is autocast with float32
#: weights and optimizer state.
DTYPES = ("float32", "bfloat16", "float16")


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """How to train: steps, batch, learning rate, intervals.

    Attributes:
        steps: optimizer updates, counted from 1.
        batch_size: the global batch G: sequences per update over all
            processes; the number of processes must divide it.
        context: T, tokens per sequence; at most the model's context.
        lr: the peak learning rate (``"cosine"``) or the rate
            (``"constant"``); ``"paper"`` sets its own (see
            ``neuron.transformer.schedule``).
        schedule: ``"cosine"``, ``"paper"`` or ``"constant"``.
        warmup: steps of warmup (cosine, paper).
        min_lr: the cosine schedule's final rate; None means lr / 10.
        weight_decay: AdamW's decoupled decay of the matrices (biases, norms
            and embeddings are not decayed: ``optim.decay_groups``).
        clip: the largest global gradient norm; None or 0 clips nothing
            (the norm is still measured and reported).
        label_smoothing: epsilon of the training loss; validation losses
            are always plain cross-entropy.
        eval_interval: steps between validation losses (and samples); 0 for
            none. The last step is always evaluated when this is not 0.
        eval_batches: validation batches of ``batch_size`` per evaluation,
            the same windows every time.
        checkpoint_interval: steps between checkpoints; 0 saves only at the
            end. Checkpoints are written only when the run has an out_dir.
        log_interval: steps between progress reports.
        seed: seeds the model's initialisation, the batches, dropout and
            the samples.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        attention: ``"torch"`` (SDPA) or ``"engine"`` (neuron's kernels).
        dtype: ``"float32"`` or ``"bfloat16"`` (autocast); ``"float16"``
            is refused until there is a gradient scaler.
        peak_flops: the FLOP/s of one process's device that MFU is measured
            against; None measures a float32 matmul at the start
            (``runtime.measure_peak_flops``).
        sample_tokens: tokens generated at each evaluation; 0 for none.
        sample_prompt: the text samples start from; when empty or not
            encodable, the first training token.

    Raises:
        InvalidArgumentError: a field is out of range or unknown.
    """

    steps: int = 1000
    batch_size: int = 32
    context: int = 128
    lr: float = 1e-3
    schedule: str = "cosine"
    warmup: int = 100
    min_lr: float | None = None
    weight_decay: float = 0.1
    clip: float | None = 1.0
    label_smoothing: float = 0.0
    eval_interval: int = 250
    eval_batches: int = 10
    checkpoint_interval: int = 0
    log_interval: int = 10
    seed: int = 0
    device: str = "auto"
    attention: str = "torch"
    dtype: str = "float32"
    peak_flops: float | None = None
    sample_tokens: int = 200
    sample_prompt: str = "\n"

    def __post_init__(self) -> None:
        for name, minimum in (
            ("steps", 1),
            ("batch_size", 1),
            ("context", 1),
            ("warmup", 0),
            ("eval_interval", 0),
            ("eval_batches", 1),
            ("checkpoint_interval", 0),
            ("log_interval", 1),
            ("seed", 0),
            ("sample_tokens", 0),
        ):
            _check_int(name, getattr(self, name), minimum)
        for name in ("lr", "weight_decay", "label_smoothing"):
            _check_rate(name, getattr(self, name))
        for name in ("min_lr", "clip"):
            if getattr(self, name) is not None:
                _check_rate(name, getattr(self, name))
        if (
            self.peak_flops is not None
            and _check_rate("peak_flops", self.peak_flops) == 0
        ):
            raise InvalidArgumentError(
                "expected peak_flops > 0, got 0; pass None to measure it"
            )
        if self.label_smoothing >= 1:
            raise InvalidArgumentError(
                f"expected label_smoothing < 1, got {self.label_smoothing}; 0.1 "
                "is the paper's"
            )
        if self.min_lr is not None and self.min_lr > self.lr:
            raise InvalidArgumentError(
                f"expected min_lr <= lr, got min_lr={self.min_lr} and lr={self.lr}"
            )
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_choice("device", self.device, ("auto", "cpu", "cuda"))
        _check_choice("attention", self.attention, ATTENTION_PATHS)
        _check_choice("dtype", self.dtype, DTYPES)
        if not isinstance(self.sample_prompt, str):
            raise InvalidArgumentError(
                f"expected sample_prompt to be a str, got {self.sample_prompt!r}"
            )

    @property
    def floor(self) -> float:
        """The cosine schedule's final rate: ``min_lr``, else lr / 10."""
        return self.lr / 10 if self.min_lr is None else self.min_lr


@dataclasses.dataclass(frozen=True)
class StepReport:
    """Progress at one reporting step, for the ``progress`` callback.

    Loss, gradient norm and throughput are over the steps since the previous
    report; the learning rate is that of this step.

    Attributes:
        step: the optimizer step just taken.
        steps: the run's last step.
        loss: mean training loss (label smoothing included), nats per token.
        lr: this step's learning rate.
        grad_norm: mean global gradient norm, before clipping.
        tokens_per_second: training tokens per second over all processes
            (evaluation, sampling and checkpoints not counted).
        mfu: model FLOPs utilisation, a fraction; None without a peak.
        val_loss: validation cross-entropy, when this step evaluated.
        sample: generated text, when this step evaluated.
        elapsed: seconds since training began.
    """

    step: int
    steps: int
    loss: float
    lr: float
    grad_norm: float
    tokens_per_second: float
    mfu: float | None
    val_loss: float | None = None
    sample: str | None = None
    elapsed: float = 0.0

    def metrics(self) -> dict[str, float | None]:
        """The numbers the store keeps for this step."""
        return {
            "loss": self.loss,
            "val_loss": self.val_loss,
            "lr": self.lr,
            "grad_norm": self.grad_norm,
            "tokens_per_second": self.tokens_per_second,
            "mfu": self.mfu,
        }


@dataclasses.dataclass
class TrainResult:
    """What a training run returns.

    Attributes:
        model: the trained ``Transformer`` (not the distributed wrapper).
        run_id: the run's id in the store, or None.
        losses: step -> training loss of that step, averaged over processes.
        val_losses: step -> validation loss (rank 0 only).
        samples: step -> generated text (rank 0 only).
        checkpoints: the files written, in order (rank 0 only).
        peak_flops: the FLOP/s MFU is measured against, over all processes.
        parameters: the model's parameter count.
        context: tokens per training sequence (for the FLOPs per token).
        tokens: training tokens processed in this call, over all processes.
        train_seconds: seconds spent in training steps.
        seconds: seconds of the whole loop (evaluation and saving included).
    """

    model: Any = None
    run_id: int | None = None
    losses: dict[int, float] = dataclasses.field(default_factory=dict)
    val_losses: dict[int, float] = dataclasses.field(default_factory=dict)
    samples: dict[int, str] = dataclasses.field(default_factory=dict)
    checkpoints: list[Path] = dataclasses.field(default_factory=list)
    peak_flops: float | None = None
    parameters: int = 0
    context: int | None = None
    tokens: int = 0
    train_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Training tokens per second over the whole call."""
        return self.tokens / self.train_seconds if self.train_seconds else 0.0

    @property
    def mfu(self) -> float | None:
        """Model FLOPs utilisation over the whole call, or None."""
        if not self.peak_flops or not self.tokens_per_second:
            return None
        config = self.model.config
        flops = config.flops_per_token(training=True, context=self.context)
        return self.tokens_per_second * flops / self.peak_flops

    @property
    def final_val_loss(self) -> float | None:
        """The last validation loss, or None."""
        return self.val_losses[max(self.val_losses)] if self.val_losses else None

    def summary(self) -> dict[str, Any]:
        """The run's outcome as JSON-safe values, for the store."""
        last = max(self.losses) if self.losses else None
        return {
            "steps": last,
            "loss": None if last is None else self.losses[last],
            "val_loss": self.final_val_loss,
            "tokens_per_second": self.tokens_per_second,
            "mfu": self.mfu,
            "peak_flops": self.peak_flops,
            "parameters": self.parameters,
            "train_seconds": self.train_seconds,
            "seconds": self.seconds,
            "checkpoints": [str(path) for path in self.checkpoints],
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything but the model, as JSON-safe values (step keys become
        strings in JSON)."""
        return {
            "run_id": self.run_id,
            **self.summary(),
            "losses": self.losses,
            "val_losses": self.val_losses,
            "samples": self.samples,
        }


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidArgumentError(
            f"expected {name} to be one of {', '.join(map(repr, allowed))}, got "
            f"{value!r}"
        )
