"""``neuron runs ...``: the training runs in the store, from the terminal."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from neuron.cli.console import db_path, out

runs = typer.Typer(
    help="List training runs and show one with its metrics.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store(ctx: typer.Context):
    from neuron.store import Store

    return Store.open(db_path(ctx))


def _print_json(value: object) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _number(value: float) -> str:
    return f"{value:.6g}"


@runs.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="Only runs with this status (running, finished...)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List training runs, newest first."""
    with _store(ctx) as store:
        found = store.list_runs(status=status)
    if as_json:
        _print_json([dataclasses.asdict(run) for run in found])
        return
    if not found:
        out.print("No runs yet." if status is None else f"No {status} runs.")
        return
    table = Table("id", "name", "status", "seed", "created")
    for run in found:
        table.add_row(str(run.id), run.name, run.status, str(run.seed), run.created)
    out.print(table)


@runs.command()
def show(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(metavar="ID", help="The run's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one run with its metrics, checkpoints and latest sample."""
    from neuron.store import json_number

    with _store(ctx) as store:
        run = store.get_run(run_id)
        values = store.metrics(run.id)
        checkpoints = store.checkpoints(run.id)
        samples = store.samples(run.id)
    if as_json:
        record = dataclasses.asdict(run)
        record["metrics"] = [
            {"step": step, "name": name, "value": json_number(value)}
            for step, name, value in values
        ]
        record["checkpoints"] = checkpoints
        record["samples"] = samples
        _print_json(record)
        return

    out.print(Text(run.name, style="bold"))
    out.print(f"id {run.id}  uid {run.uid}")
    out.print(f"status {run.status}  seed {run.seed}")
    if run.code_revision is not None:
        out.print(f"code revision {run.code_revision}")
    out.print(f"created {run.created}  updated {run.updated}")
    for heading, mapping in (
        ("config", run.config),
        ("environment", run.environment),
        ("summary", run.summary),
    ):
        if mapping:
            out.print(f"{heading}: {json.dumps(mapping, ensure_ascii=False)}")

    if values:
        out.print()
        out.print(_metrics_table(values))
    if checkpoints:
        out.print()
        out.print("checkpoints:")
        for checkpoint in checkpoints:
            shown = ", ".join(
                f"{name} {_number(value)}"
                for name, value in checkpoint["metrics"].items()
            )
            out.print(f"  step {checkpoint['step']}  {checkpoint['path']}  {shown}")
    if samples:
        latest = samples[-1]
        out.print()
        out.print(
            f"latest sample (step {latest['step']}, {len(samples)} in all; "
            "--json shows them all):"
        )
        out.print(Text(latest["prompt"], style="dim") + Text(latest["text"]))


def _metrics_table(values: list[tuple[int, str, float]]) -> Table:
    """One row per metric: how many points, the last one, and the range of
    the finite values."""
    by_name: dict[str, list[tuple[int, float]]] = {}
    for step, name, value in values:
        by_name.setdefault(name, []).append((step, value))
    table = Table("metric", "points", "last step", "last value", "min", "max")
    for name in sorted(by_name):
        points = by_name[name]
        last_step, last_value = points[-1]
        finite = [value for _, value in points if math.isfinite(value)]
        low, high = (
            (_number(min(finite)), _number(max(finite))) if finite else ("-", "-")
        )
        table.add_row(
            name, str(len(points)), str(last_step), _number(last_value), low, high
        )
    return table
