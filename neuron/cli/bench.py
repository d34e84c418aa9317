"""``neuron bench ...``: the engine against its peers, measured in one run."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer
from rich.table import Table

from neuron.cli.console import err, fail, out

bench = typer.Typer(
    help="Measure the engine against NumPy and PyTorch in the same run.",
    no_args_is_help=True,
)


@bench.command()
def softmax(
    rows: Annotated[int, typer.Option(min=1, help="Rows of the input.")] = 4096,
    cols: Annotated[int, typer.Option(min=1, help="Columns, the softmax axis.")] = 4096,
    dtype: Annotated[str, typer.Option(help="float32 or float64.")] = "float32",
    repeats: Annotated[int, typer.Option(min=1, help="Timed runs per backend.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Softmax forward on the CPU: rows per second and the ratio to PyTorch.

    Each backend is timed allocating a new output per call, and writing into
    one allocated beforehand (out=); the ratio compares like with like.
    """
    from neuron.softmax.bench import bench_softmax

    if dtype not in ("float32", "float64"):
        raise fail(f"expected --dtype float32 or float64, got {dtype!r}")
    with err.status(f"timing softmax on {rows} x {cols} {dtype}..."):
        results = bench_softmax(shape=(rows, cols), dtype=dtype, repeats=repeats)
    records = [dataclasses.asdict(result) for result in results]
    if as_json:
        out.print_json(json.dumps(records))
        return
    table = Table(
        "output",
        "backend",
        "median ms",
        "rows/s",
        "threads",
        "torch time / this",
        title=f"softmax forward, {rows} x {cols} {dtype}, median of {repeats}",
        title_justify="left",
    )
    for record in records:
        table.add_row(
            record["output"],
            record["backend"],
            f"{record['seconds'] * 1e3:.2f}",
            f"{record['rows_per_second']:,.0f}",
            str(record["threads"]),
            f"{record['ratio_vs_torch']:.2f}",
        )
    out.print(table)
