"""``neuron data ...``: the corpora neuron can fetch, and fetching them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from neuron.cli.console import err, out

data = typer.Typer(
    help="List and download corpora (text8, tiny shakespeare).",
    no_args_is_help=True,
)

DestOption = Annotated[
    Path | None,
    typer.Option(
        "--dest",
        help="The folder to keep datasets in (default: datasets/ under "
        "$NEURON_HOME, else the user data directory).",
        file_okay=False,
    ),
]


def _size(count: int | None) -> str:
    if count is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


@data.command("list")
def list_(dest: DestOption = None) -> None:
    """List the datasets neuron knows, and whether each is downloaded."""
    from neuron.text import datasets

    folder = dest.expanduser().absolute() if dest else datasets.datasets_dir()
    table = Table("name", "size", "here", "description", box=None)
    for entry in datasets.REGISTRY.values():
        table.add_row(
            entry.name,
            _size(entry.download.size),
            "yes" if datasets.is_present(entry, folder) else "no",
            entry.description,
        )
    out.print(table)
    out.print(f"folder: {folder}")


@data.command()
def get(
    name: Annotated[str, typer.Argument(help="A name from `neuron data list`.")],
    dest: DestOption = None,
    url: Annotated[
        str | None,
        typer.Option(help="Download from this address (a mirror) instead."),
    ] = None,
) -> None:
    """Download a dataset (resuming a partial download), verify it, and print
    its path. A dataset already there is verified and printed at once."""
    from neuron.text import datasets

    entry = datasets.dataset(name)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(entry.name, total=entry.download.size, visible=False)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        path = datasets.get(entry, dest, url=url, progress=progress)
    out.print(str(path))
