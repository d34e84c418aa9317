"""``neuron train``: train a small GPT on a text file, in one process or many.

The same command runs alone or under torchrun::

    neuron train --text tinyshakespeare.txt --steps 2000
    torchrun --standalone --nproc_per_node 2 -m neuron.transformer.train \\
        --text tinyshakespeare.txt --steps 2000

(``python -m neuron.transformer.train`` is this command too.) Rank 0 prints
a short header, one fixed-format line per report, and a summary; the other
processes print nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from neuron.cli.console import db_path, fail, out
from neuron.errors import NeuronError
from neuron.transformer.defaults import TRAIN_DEFAULTS

__all__ = ["format_report", "main", "train"]

# TrainSettings' defaults (the model's context among them), without torch.
_DEFAULTS = {**TRAIN_DEFAULTS, "context": 128}


def format_report(report) -> str:
    """One progress line, always the same fields in the same columns:

    ``step   100 | loss 2.3456 | val 2.4001 | lr 3.0e-04 | grad 0.812 |
    12,345 tok/s | mfu 4.1%``; ``val`` and ``mfu`` show ``-`` when absent.
    """
    val = "     -" if report.val_loss is None else f"{report.val_loss:.4f}"
    mfu = "   -" if report.mfu is None else f"{100 * report.mfu:.1f}%"
    return (
        f"step {report.step:5d} | loss {report.loss:.4f} | val {val} | "
        f"lr {report.lr:.1e} | grad {report.grad_norm:.3f} | "
        f"{report.tokens_per_second:,.0f} tok/s | mfu {mfu}"
    )


def train(
    ctx: typer.Context,
    text: Annotated[
        Path,
        typer.Option(
            help="A UTF-8 text file to train on.", exists=True, dir_okay=False
        ),
    ],
    tokenizer: Annotated[
        str, typer.Option(help="char (one id per character) or bpe (byte BPE).")
    ] = "char",
    bpe_vocab: Annotated[
        int, typer.Option(min=257, help="Vocabulary of a bpe tokenizer.")
    ] = 512,
    val_fraction: Annotated[
        float, typer.Option(help="Share of the text, at its end, for validation.")
    ] = 0.1,
    layers: Annotated[int, typer.Option(min=1, help="Blocks.")] = 4,
    d_model: Annotated[int, typer.Option(min=1, help="Model width.")] = 128,
    heads: Annotated[int, typer.Option(min=1, help="Attention heads.")] = 4,
    d_ff: Annotated[
        int | None, typer.Option(help="Feed-forward width (default 4 d_model).")
    ] = None,
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = 0.0,
    context: Annotated[
        int, typer.Option(min=1, help="Tokens per sequence (the model's context).")
    ] = _DEFAULTS["context"],
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = _DEFAULTS[
        "steps"
    ],
    batch_size: Annotated[
        int, typer.Option(min=1, help="Global batch, over all processes.")
    ] = _DEFAULTS["batch_size"],
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = _DEFAULTS["lr"],
    schedule: Annotated[
        str, typer.Option(help="cosine, paper (Vaswani et al.) or constant.")
    ] = _DEFAULTS["schedule"],
    warmup: Annotated[int, typer.Option(min=0, help="Warmup steps.")] = _DEFAULTS[
        "warmup"
    ],
    min_lr: Annotated[
        float | None, typer.Option(help="Final cosine rate (default lr / 10).")
    ] = None,
    weight_decay: Annotated[
        float, typer.Option(help="AdamW decay of the matrices.")
    ] = _DEFAULTS["weight_decay"],
    clip: Annotated[
        float, typer.Option(help="Largest gradient norm; 0 clips nothing.")
    ] = _DEFAULTS["clip"],
    label_smoothing: Annotated[
        float, typer.Option(help="Epsilon of the training loss.")
    ] = _DEFAULTS["label_smoothing"],
    eval_interval: Annotated[
        int, typer.Option(min=0, help="Steps between evaluations; 0 for none.")
    ] = _DEFAULTS["eval_interval"],
    eval_batches: Annotated[
        int, typer.Option(min=1, help="Validation batches per evaluation.")
    ] = _DEFAULTS["eval_batches"],
    checkpoint_interval: Annotated[
        int, typer.Option(min=0, help="Steps between checkpoints; 0: at the end.")
    ] = _DEFAULTS["checkpoint_interval"],
    log_interval: Annotated[
        int, typer.Option(min=1, help="Steps between printed lines.")
    ] = _DEFAULTS["log_interval"],
    seed: Annotated[int, typer.Option(min=0, help="Seed of everything.")] = _DEFAULTS[
        "seed"
    ],
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = _DEFAULTS[
        "device"
    ],
    attention: Annotated[
        str, typer.Option(help="torch (SDPA) or engine (neuron's kernels).")
    ] = _DEFAULTS["attention"],
    dtype: Annotated[str, typer.Option(help="float32 or bfloat16.")] = _DEFAULTS[
        "dtype"
    ],
    peak_flops: Annotated[
        float | None,
        typer.Option(
            help="FLOP/s of one device for MFU (default: a float32 matmul, "
            "measured at the start)."
        ),
    ] = None,
    sample_tokens: Annotated[
        int, typer.Option(min=0, help="Tokens sampled at each evaluation.")
    ] = _DEFAULTS["sample_tokens"],
    prompt: Annotated[str, typer.Option(help="Where samples start.")] = "\n",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for checkpoints (default: none saved)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="The run's name.")] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the run.")
    ] = True,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", envvar="NEURON_DB", dir_okay=False, help="The store to record in."
        ),
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="A checkpoint to continue from.")
    ] = None,
    result_json: Annotated[
        Path | None,
        typer.Option(help="Write every step's loss and the summary here as JSON."),
    ] = None,
) -> None:
    """Train a GPT-style decoder on a text file; works under torchrun."""
    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.data import TextData
    from neuron.transformer.train import TrainSettings
    from neuron.transformer.train import train as run_training

    main_process = int(os.environ.get("RANK", "0")) == 0
    try:
        data = TextData.from_file(
            text, tokenizer, val_fraction=val_fraction, bpe_vocab_size=bpe_vocab
        )
        config = TransformerConfig(
            kind="decoder",
            vocab_size=data.vocab_size,
            context=context,
            d_model=d_model,
            heads=heads,
            layers=layers,
            d_ff=d_ff or 4 * d_model,
            dropout=dropout,
        )
        settings = TrainSettings(
            steps=steps,
            batch_size=batch_size,
            context=context,
            lr=lr,
            schedule=schedule,
            warmup=warmup,
            min_lr=min_lr,
            weight_decay=weight_decay,
            clip=clip or None,
            label_smoothing=label_smoothing,
            eval_interval=eval_interval,
            eval_batches=eval_batches,
            checkpoint_interval=checkpoint_interval,
            log_interval=log_interval,
            seed=seed,
            device=device,
            attention=attention,
            dtype=dtype,
            peak_flops=peak_flops,
            sample_tokens=sample_tokens,
            sample_prompt=prompt,
        )
        if main_process:
            _header(config, settings, data)
        with _store(ctx, db, record and main_process) as store:
            result = run_training(
                config,
                settings,
                data,
                store=store,
                run_name=name,
                out_dir=out_dir,
                progress=lambda report: out.print(format_report(report)),
                resume=resume,
            )
    except NeuronError as exc:
        raise fail(str(exc)) from None
    if main_process:
        _footer(result, store)
        if result_json is not None:
            result_json.write_text(json.dumps(result.to_dict(), indent=1) + "\n")


@contextlib.contextmanager
def _store(ctx: typer.Context, db: Path | None, record: bool):
    if not record:
        yield None
        return
    from neuron.store import Store

    with Store.open(db or db_path(ctx)) as store:
        if not hasattr(store, "create_run"):
            raise fail(
                "this neuron's store cannot record training runs yet; pass --no-record"
            )
        yield store


def _header(config, settings, data) -> None:
    source = data.source.name if data.source else "text"
    processes = int(os.environ.get("WORLD_SIZE", "1"))
    out.print(
        f"model: {config.layers} layers, d_model {config.d_model}, {config.heads} "
        f"heads, d_ff {config.d_ff}, context {config.context}, vocab "
        f"{config.vocab_size}: {config.parameter_count():,} parameters"
    )
    out.print(
        f"data: {source}, {data.describe()['tokenizer']} tokens, "
        f"{len(data.train):,} train + {len(data.val):,} validation"
    )
    out.print(
        f"run: {settings.steps:,} steps of {settings.batch_size} x "
        f"{settings.context} tokens on {processes} process"
        f"{'es' if processes > 1 else ''}, {settings.schedule} lr {settings.lr:g}"
    )


def _footer(result, store) -> None:
    val = result.final_val_loss
    mfu = result.mfu
    peak = result.peak_flops
    out.print(
        f"done: {len(result.losses):,} steps in {result.seconds:.1f} s | val "
        f"{'-' if val is None else f'{val:.4f}'} | "
        f"{result.tokens_per_second:,.0f} tok/s | mfu "
        f"{'-' if mfu is None else f'{100 * mfu:.1f}%'}"
        + ("" if peak is None else f" of {peak / 1e9:,.1f} GFLOP/s")
    )
    if result.run_id is not None:
        out.print(f"recorded as run {result.run_id} in {store.path}")
    if result.checkpoints:
        out.print(f"last checkpoint: {result.checkpoints[-1]}")
    if result.samples:
        step = max(result.samples)
        out.print(f"sample at step {step}:")
        out.print(result.samples[step])


def main() -> None:
    """``python -m neuron.transformer.train``: this command on its own."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(train)
    app()
