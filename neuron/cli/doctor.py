"""``neuron doctor``: what is installed, what was built, what is missing."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from neuron.cli.console import db_path, out


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print versions, the engine's build, the store, and what is missing."""
    from neuron.doctor import collect

    report = collect(db_path(ctx))
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
        return

    versions = Table(title="versions", show_header=False, title_justify="left")
    for name, version in report.versions.items():
        versions.add_row(name, version or "not installed")
    out.print(versions)

    engine = Table(title="engine", show_header=False, title_justify="left")
    for key, value in report.engine.items():
        engine.add_row(key, _show(value))
    out.print(engine)

    store = Table(title="store", show_header=False, title_justify="left")
    for key, value in report.store.items():
        store.add_row(key, _show(value))
    out.print(store)

    if not report.problems:
        out.print("Nothing is missing.")
        return
    out.print(f"{len(report.problems)} thing(s) missing:")
    for missing, fix in report.problems:
        out.print(f"  - {missing}\n      fix: {fix}")


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
    if value is None:
        return "none"
    return str(value)
