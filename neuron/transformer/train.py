"""Training a decoder on a text, in one process or many.

``train(config, settings, data)`` trains a ``Transformer`` as a causal
language model with AdamW, a learning-rate schedule, gradient clipping and
optional label smoothing, evaluates it on held-out text, samples from it,
writes checkpoints that resume exactly and records the run in the store.

One process or many, the same code: launched by ``torchrun`` (``RANK`` and
``WORLD_SIZE`` in the environment), every process joins the process group
(gloo on the CPU, NCCL on CUDA), the model is wrapped in
``DistributedDataParallel``, and each process takes its slice of the global
batch (``neuron.transformer.data.Batches``), so the gradients averaged over
processes are those of the whole batch. Only rank 0 evaluates, samples,
writes checkpoints, records and reports progress.

The library prints nothing: progress goes to the ``progress`` callback, as
a ``StepReport`` per interval, and to ``logging``. The command line
(``python -m neuron.transformer.train`` or ``neuron train``) prints one
fixed-format line per report.

Model FLOPs utilisation (MFU) is reported against the float32 matrix
product rate measured on the device at the start
(``runtime.measure_peak_flops``), times the number of processes, unless a
peak is given: it answers "how much of what this machine's matmuls achieve
does training use", on any machine. FLOPs per token follow
``TransformerConfig.flops_per_token(training=True)`` (Kaplan et al., 2020:
the output projection and the causal mask are not credited).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from neuron.errors import CheckpointError, DivergenceError, InvalidArgumentError
from neuron.transformer import runtime as runtimes
from neuron.transformer.checkpoint import (
    capture_rng,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)
from neuron.transformer.config import TransformerConfig
from neuron.transformer.data import Batches, TextData, validation_batches
from neuron.transformer.model import Transformer
from neuron.transformer.optim import clip_gradients, language_model_loss, make_optimizer
from neuron.transformer.record import Recorder
from neuron.transformer.sampling import generate
from neuron.transformer.schedule import learning_rate
from neuron.transformer.settings import StepReport, TrainResult, TrainSettings

__all__ = ["StepReport", "TrainResult", "TrainSettings", "train"]

log = logging.getLogger(__name__)

_DTYPES = {"float32": None, "bfloat16": torch.bfloat16}


def train(
    config: TransformerConfig,
    settings: TrainSettings,
    data: TextData,
    *,
    store=None,
    run_name: str | None = None,
    out_dir: str | Path | None = None,
    progress: Callable[[StepReport], None] | None = None,
    resume: str | Path | None = None,
) -> TrainResult:
    """Train a decoder on ``data`` as ``settings`` say.

    Args:
        config: the model; kind ``"decoder"``, vocab_size at least the
            tokenizer's, context at least ``settings.context``.
        settings: steps, batch, rates and intervals (``TrainSettings``).
        data: the token stream and its tokenizer (``TextData``).
        store: a ``neuron.store.Store`` to record the run in, or None.
        run_name: the run's name in the store; None derives one from the
            data and the model.
        out_dir: the folder for checkpoints and the tokenizer file; None
            writes nothing.
        progress: called on rank 0 with a ``StepReport`` every
            ``log_interval`` steps, at every evaluation and at the last step.
        resume: a checkpoint to continue from; the run goes on from its step
            to ``settings.steps`` with the same batches, random draws and
            optimizer state as if it had never stopped.

    Returns:
        A ``TrainResult`` (on every rank; only rank 0's holds validation
        losses, samples, checkpoints and the run id).

    Raises:
        InvalidArgumentError: the config, settings and data do not fit.
        CheckpointError: ``resume`` names an unusable checkpoint.
        DivergenceError: the loss became NaN or infinite.

    Side effects: seeds torch's, NumPy's and Python's global generators;
    under torchrun, joins (and at the end leaves) the process group; writes
    ``out_dir`` and the store. On any exception the run is marked failed
    (stopped, for Ctrl-C) in the store and the exception is raised again.
    """
    _check_fit(config, settings, data)
    runtime = runtimes.start(settings.device)
    try:
        run = _Run(config, settings, data, runtime, out_dir)
        recorder = Recorder(store if runtime.is_main else None)
        return run.execute(recorder, run_name, progress, resume)
    finally:
        runtimes.stop(runtime)


class _Run:
    """The state of one process's training run, and its steps."""

    def __init__(self, config, settings, data, runtime, out_dir) -> None:
        self.config = config
        self.settings = settings
        self.data = data
        self.runtime = runtime
        self.out_dir = None if out_dir is None else Path(out_dir)
        device = runtime.device

        # The same seed on every process builds the same model; dropout then
        # draws from a stream of its own per process.
        runtimes.seed_everything(settings.seed)
        self.model = Transformer(config, attention=settings.attention).to(device)
        torch.manual_seed(settings.seed + runtime.rank)
        self.optimizer = make_optimizer(self.model, settings.lr, settings.weight_decay)
        self.network = self.model
        if runtime.distributed:
            ids = [device.index] if device.type == "cuda" else None
            self.network = DistributedDataParallel(self.model, device_ids=ids)

        self.batches = Batches(
            data.train,
            settings.batch_size,
            settings.context,
            settings.seed,
            rank=runtime.rank,
            world_size=runtime.world_size,
        )
        self.validation = []
        if runtime.is_main and settings.eval_interval and len(data.val):
            self.validation = validation_batches(
                data.val,
                settings.eval_batches,
                settings.batch_size,
                settings.context,
                settings.seed + 1,
            )
        _autocast(settings.dtype, device)  # refuses an unsupported dtype now
        self.result = TrainResult(model=self.model)
        self.step = 0

    # ---- the run -------------------------------------------------------------

    def execute(self, recorder, run_name, progress, resume) -> TrainResult:
        settings, runtime = self.settings, self.runtime
        if resume is not None:
            self._resume(resume)
        tokenizer_file = self._save_tokenizer()
        peak = settings.peak_flops
        if peak is None and runtime.is_main:
            peak = runtimes.measure_peak_flops(runtime.device)
        self.result.peak_flops = None if peak is None else peak * runtime.world_size
        self.result.parameters = self.config.parameter_count()
        self.result.context = settings.context

        recorder.start(
            run_name or _default_name(self.config, self.data),
            {
                "model": self.config.to_dict(),
                "train": dataclasses.asdict(settings),
                "data": self.data.describe(),
                "tokenizer_file": tokenizer_file,
                "resumed_from": None if resume is None else str(resume),
            },
            seed=settings.seed,
            code_revision=runtimes.code_revision(),
            environment=runtimes.environment(runtime),
        )
        self.result.run_id = recorder.run_id
        self.tokenizer_file = tokenizer_file
        log.info(
            "training %s parameters for steps %d to %d on %s x %d",
            f"{self.result.parameters:,}",
            self.step + 1,
            settings.steps,
            runtime.device,
            runtime.world_size,
        )
        try:
            self._loop(recorder, progress)
        except BaseException as exc:
            recorder.fail(exc, self.step)
            raise
        recorder.finish(self.result.summary())
        return self.result

    def _loop(self, recorder, progress) -> None:
        settings = self.settings
        tokens_per_step = settings.batch_size * settings.context
        interval = _Interval()
        started = time.perf_counter()
        while self.step < settings.steps:
            begin = time.perf_counter()
            loss, grad_norm, lr = self._train_step(self.step + 1)
            elapsed = time.perf_counter() - begin
            self.step += 1
            step = self.step
            self.result.losses[step] = loss
            self.result.train_seconds += elapsed
            self.result.tokens += tokens_per_step
            interval.add(loss, grad_norm, elapsed, tokens_per_step)

            last = step == settings.steps
            evaluate = bool(self.validation) and (
                last or _due(step, settings.eval_interval)
            )
            report = evaluate or last or _due(step, settings.log_interval)
            save = self.out_dir is not None and (
                last or _due(step, settings.checkpoint_interval)
            )
            val_loss = sample = None
            if evaluate:
                val_loss = self._evaluate()
                self.result.val_losses[step] = val_loss
                sample = self._sample(step, recorder)
            if report and self.runtime.is_main:
                line = self._report(step, interval, lr, val_loss, sample, started)
                recorder.metrics(step, line.metrics())
                if progress is not None:
                    progress(line)
                interval = _Interval()
            if save:
                self._checkpoint(step, recorder)
        self.result.seconds = time.perf_counter() - started

    def _train_step(self, step: int) -> tuple[float, float, float]:
        """One optimizer update; returns the loss (averaged over processes),
        the gradient norm before clipping and the learning rate."""
        settings, device = self.settings, self.runtime.device
        inputs, targets = self.batches.next()  # (B, T), (B, T)
        inputs, targets = inputs.to(device), targets.to(device)
        lr = learning_rate(
            settings.schedule,
            step,
            lr=settings.lr,
            warmup=settings.warmup,
            total=settings.steps,
            floor=settings.floor,
            d_model=self.config.d_model,
        )
        for group in self.optimizer.param_groups:
            group["lr"] = lr

        with _autocast(self.settings.dtype, self.runtime.device):
            logits = self.network(inputs)  # (B, T, V)
            loss = language_model_loss(logits, targets, settings.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = clip_gradients(self.model.parameters(), settings.clip)
        self.optimizer.step()

        value = self._mean_over_processes(loss.detach())
        if not math.isfinite(value):
            raise DivergenceError(
                f"expected a finite training loss, got {value} at step {step} "
                f"(learning rate {lr:.3g}, gradient norm {grad_norm:.3g}); lower "
                "the learning rate, lengthen the warmup or clip gradients"
            )
        return value, grad_norm, lr

    def _mean_over_processes(self, value: torch.Tensor) -> float:
        # Every process's loss is a mean over B * T tokens, equal in count,
        # so the mean of the means is the mean over the global batch.
        if self.runtime.distributed:
            value = value.float().clone()
            dist.all_reduce(value, op=dist.ReduceOp.SUM)
            value /= self.runtime.world_size
        return float(value)

    # ---- evaluation, samples, reports -------------------------------------

    @torch.no_grad()
    def _evaluate(self) -> float:
        """Plain cross-entropy (no label smoothing) on the fixed validation
        batches, in nats per token."""
        device = self.runtime.device
        self.model.eval()
        total = 0.0
        for inputs, targets in self.validation:
            with _autocast(self.settings.dtype, self.runtime.device):
                logits = self.model(inputs.to(device))  # (G, T, V)
            total += float(language_model_loss(logits, targets.to(device)))
        self.model.train()
        return total / len(self.validation)

    def _sample(self, step: int, recorder: Recorder) -> str | None:
        settings = self.settings
        if not settings.sample_tokens:
            return None
        tokenizer = self.data.tokenizer
        prompt = settings.sample_prompt
        try:
            prompt_ids = tokenizer.encode(prompt) if prompt else []
        except (KeyError, ValueError):  # a character the tokenizer lacks
            prompt_ids = []
        if not prompt_ids:
            prompt_ids = [int(self.data.train[0])]
            prompt = tokenizer.decode(prompt_ids)
        # A generator of its own, so sampling leaves training's draws alone.
        generator = torch.Generator(self.runtime.device)
        generator.manual_seed(settings.seed + step)
        knobs = {"temperature": 1.0, "max_new_tokens": settings.sample_tokens}
        ids = generate(
            self.model,
            prompt_ids,
            settings.sample_tokens,
            temperature=1.0,
            generator=generator,
        )
        text = tokenizer.decode(ids[len(prompt_ids) :].tolist())
        self.result.samples[step] = text
        recorder.sample(step, prompt, text, {**knobs, "seed": settings.seed + step})
        return text

    def _report(self, step, interval, lr, val_loss, sample, started) -> StepReport:
        tokens_per_second = interval.tokens / max(interval.seconds, 1e-9)
        mfu = None
        if self.result.peak_flops:
            mfu = self.config.model_flops_utilisation(
                tokens_per_second, self.result.peak_flops, context=self.settings.context
            )
        return StepReport(
            step=step,
            steps=self.settings.steps,
            loss=interval.mean_loss,
            lr=lr,
            grad_norm=interval.mean_grad_norm,
            tokens_per_second=tokens_per_second,
            mfu=mfu,
            val_loss=val_loss,
            sample=sample,
            elapsed=time.perf_counter() - started,
        )

    # ---- checkpoints ---------------------------------------------------------

    def _checkpoint(self, step: int, recorder: Recorder) -> None:
        # Every process's generators, gathered so a resumed run of the same
        # size restores each one.
        rng = [capture_rng()]
        if self.runtime.distributed:
            rng = [None] * self.runtime.world_size
            dist.all_gather_object(rng, capture_rng())
        if not self.runtime.is_main:
            return
        metrics = {
            "loss": self.result.losses.get(step),
            "val_loss": self.result.val_losses.get(step),
        }
        path = save_checkpoint(
            self.out_dir / f"checkpoint-{step:06d}.pt",
            {
                "step": step,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "rng": rng,
                "data": self.batches.state_dict(),
                "config": self.config.to_dict(),
                "settings": dataclasses.asdict(self.settings),
                "tokenizer": self.tokenizer_file
                and {"kind": _kind(self.data.tokenizer), "path": self.tokenizer_file},
                "data_source": self.data.describe(),
                "metrics": metrics,
            },
        )
        self.result.checkpoints.append(path)
        recorder.checkpoint(step, path, metrics)

    def _resume(self, path) -> None:
        contents = load_checkpoint(path)
        if contents["config"] != self.config.to_dict():
            raise CheckpointError(
                f"expected a checkpoint of this model, got one of another config "
                f"in {path}; build the config with TransformerConfig.from_dict("
                "checkpoint['config'])"
            )
        saved = contents.get("settings", {})
        for name in ("batch_size", "context", "seed"):
            if saved.get(name) != getattr(self.settings, name):
                raise CheckpointError(
                    f"expected {name}={saved.get(name)} as in {path} (the data "
                    f"position depends on it), got {getattr(self.settings, name)}; "
                    "resume with the settings the run started with"
                )
        self.model.load_state_dict(contents["model"])
        self.optimizer.load_state_dict(contents["optimizer"])
        self.batches.load_state_dict(contents["data"])
        self.step = int(contents["step"])
        rng = contents["rng"]
        if len(rng) == self.runtime.world_size:
            restore_rng(rng[self.runtime.rank])
        else:
            log.warning(
                "checkpoint %s was written by %d processes, this run has %d: "
                "random draws (dropout) will not continue exactly",
                path,
                len(rng),
                self.runtime.world_size,
            )
        log.info("resumed from %s at step %d", path, self.step)

    def _save_tokenizer(self) -> str | None:
        if self.out_dir is None:
            return None
        path = self.out_dir / "tokenizer.json"
        if self.runtime.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.data.tokenizer.save(path)
        return str(path.absolute())


class _Interval:
    """Sums over the steps since the last report."""

    def __init__(self) -> None:
        self.steps = 0
        self.loss = self.grad_norm = self.seconds = 0.0
        self.tokens = 0

    def add(self, loss: float, grad_norm: float, seconds: float, tokens: int) -> None:
        self.steps += 1
        self.loss += loss
        self.grad_norm += grad_norm
        self.seconds += seconds
        self.tokens += tokens

    @property
    def mean_loss(self) -> float:
        return self.loss / max(self.steps, 1)

    @property
    def mean_grad_norm(self) -> float:
        return self.grad_norm / max(self.steps, 1)


def _due(step: int, interval: int) -> bool:
    """Whether an every-``interval``-steps action falls on ``step`` (never,
    for interval 0)."""
    return interval > 0 and step % interval == 0


def _check_fit(config: TransformerConfig, settings: TrainSettings, data) -> None:
    if config.kind != "decoder":
        raise InvalidArgumentError(
            f"expected a config of kind 'decoder' (training predicts the next "
            f"token), got {config.kind!r}; use kind='decoder'"
        )
    if settings.context > config.context and config.positional == "learned":
        raise InvalidArgumentError(
            f"expected settings.context <= config.context = {config.context} "
            f"(the learned positions), got {settings.context}; shorten it"
        )
    if data.vocab_size > config.vocab_size:
        raise InvalidArgumentError(
            f"expected config.vocab_size >= the tokenizer's {data.vocab_size}, "
            f"got {config.vocab_size}; build the config with "
            "vocab_size=data.vocab_size"
        )


def _autocast(dtype: str, device: torch.device):
    if dtype == "float16":
        raise NotImplementedError(
            "float16 training needs a gradient scaler, which neuron does not "
            "have yet; use dtype='bfloat16' or 'float32'"
        )
    if _DTYPES[dtype] is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=_DTYPES[dtype])


def _kind(tokenizer) -> str:
    return getattr(tokenizer, "KIND", type(tokenizer).__name__)


def _default_name(config: TransformerConfig, data: TextData) -> str:
    stem = data.source.stem if data.source is not None else "text"
    return (
        f"{stem} {_kind(data.tokenizer)} L{config.layers} d{config.d_model} "
        f"h{config.heads}"
    )


def _main() -> None:
    # ``python -m neuron.transformer.train`` runs the command line, which
    # lives with the rest of neuron's commands.
    from neuron.cli.train import main

    main()


if __name__ == "__main__":
    _main()
