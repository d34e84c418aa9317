"""Runs as tables: metric curves, their smoothing, the run list, and the
difference of two configs.

Frames are polars DataFrames, ready for ``mo.ui.table`` and for the charts
of ``neuron.viz.lab``. Reading them only reads the store, so it is safe
while a training process writes to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from neuron.errors import InvalidArgumentError
from neuron.lab.runs import run_kind, run_state

__all__ = [
    "METRIC_SCHEMA",
    "RUN_TABLE_SCHEMA",
    "config_diff",
    "ema",
    "metric_frame",
    "run_table",
    "smooth",
    "thin",
]

#: The columns of ``metric_frame``.
METRIC_SCHEMA = {
    "run": pl.Int64,
    "step": pl.Int64,
    "name": pl.Utf8,
    "value": pl.Float64,
}

#: The columns of ``run_table``.
RUN_TABLE_SCHEMA = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "kind": pl.Utf8,
    "status": pl.Utf8,
    "steps": pl.Int64,
    "loss": pl.Float64,
    "val_loss": pl.Float64,
    "tokens_per_second": pl.Float64,
    "created": pl.Utf8,
}


def metric_frame(
    store, run_ids: Iterable[int], names: Sequence[str] | None = None
) -> pl.DataFrame:
    """The metrics of some runs, one row per value.

    Args:
        store: an open store.
        run_ids: the runs, in the order wanted; unknown ids are skipped.
        names: only these metrics (e.g. ``["loss", "val_loss"]``); all when
            None.

    Returns:
        Columns ``run``, ``step``, ``name``, ``value`` (see
        ``METRIC_SCHEMA``), by run, then step, then name.
    """
    wanted = None if names is None else set(names)
    rows: dict[str, list] = {column: [] for column in METRIC_SCHEMA}
    for run_id in run_ids:
        try:
            values = store.metrics(int(run_id))
        except LookupError:  # deleted meanwhile
            continue
        for step, name, value in values:
            if wanted is not None and name not in wanted:
                continue
            rows["run"].append(int(run_id))
            rows["step"].append(step)
            rows["name"].append(name)
            rows["value"].append(value)
    return pl.DataFrame(rows, schema=METRIC_SCHEMA)


def ema(values: Sequence[float], weight: float) -> np.ndarray:
    """Exponential moving average with bias correction, as TensorBoard draws.

    ``s_t = weight * s_(t-1) + (1 - weight) * v_t`` from ``s_0 = 0``, then
    divided by ``1 - weight^n`` (n the finite values so far), so the first
    point is its own value rather than pulled towards 0. A non-finite value
    is passed through and leaves the average unchanged.

    Args:
        values: (n,) values in step order.
        weight: in [0, 1); 0 returns the values, 0.99 is very smooth.

    Returns:
        (n,) float64.

    Raises:
        InvalidArgumentError: weight outside [0, 1).
    """
    if not 0 <= weight < 1:
        raise InvalidArgumentError(
            f"expected a smoothing weight in [0, 1), got {weight}; 0 draws the "
            "raw values, 0.9 a smooth line"
        )
    out = np.empty(len(values), dtype=np.float64)  # (n,)
    last, count = 0.0, 0
    for i, value in enumerate(values):
        value = float(value)
        if not math.isfinite(value):
            out[i] = value
            continue
        last = weight * last + (1 - weight) * value
        count += 1
        out[i] = last / (1 - weight**count)
    return out


def smooth(frame: pl.DataFrame, weight: float) -> pl.DataFrame:
    """``frame`` (from ``metric_frame``) with a ``smoothed`` column: ``ema``
    of each run's metric over its steps."""
    frame = frame.sort("run", "name", "step")
    smoothed = np.empty(frame.height, dtype=np.float64)
    start = 0
    for part in frame.partition_by("run", "name", maintain_order=True):
        stop = start + part.height
        smoothed[start:stop] = ema(part["value"].to_numpy(), weight)
        start = stop
    return frame.with_columns(smoothed=pl.Series(smoothed, dtype=pl.Float64))


def run_table(store, *, mark: bool = False, cache: dict | None = None) -> pl.DataFrame:
    """Every run in the store, newest first, with its state and last metrics.

    Args:
        store: an open store.
        mark: mark runs whose process died as failed (see ``run_state``).
        cache: a dict kept between calls (one per store); the rows of runs
            that have ended are kept in it and not read again, so polling
            costs little more than the running runs' metrics.

    Returns:
        Columns ``id``, ``name``, ``kind`` (gpt, word2vec, other),
        ``status`` (``run_state``: running, finished, failed, stopped or
        died), ``steps`` (the last step with a metric), ``loss``,
        ``val_loss``, ``tokens_per_second`` (word2vec: words per second)
        last logged, and ``created``; missing values are null.
    """
    cache = {} if cache is None else cache
    rows = []
    for run in store.list_runs():
        key = (run.id, run.updated)
        row = cache.get(key)
        if row is None:
            row = _run_row(store, run, mark)
            if row["status"] != "running":
                cache[key] = row
        rows.append(row)
    return pl.DataFrame(rows, schema=RUN_TABLE_SCHEMA, orient="row")


def _run_row(store, run, mark: bool) -> dict[str, Any]:
    last: dict[str, float] = {}
    steps = None
    for step, name, value in store.metrics(run.id):
        steps = step if steps is None else max(steps, step)
        if math.isfinite(value):
            last[name] = value
    return {
        "id": run.id,
        "name": run.name,
        "kind": run_kind(run),
        "status": run_state(store, run, mark=mark),
        "steps": steps,
        "loss": last.get("loss"),
        "val_loss": last.get("val_loss"),
        "tokens_per_second": last.get(
            "tokens_per_second", last.get("words_per_second")
        ),
        "created": run.created,
    }


def thin(frame: pl.DataFrame, max_points: int = 1000) -> pl.DataFrame:
    """At most about ``max_points`` rows of each run's metric, evenly spaced
    by row and always with the last, so long runs draw quickly.

    Args:
        frame: a frame from ``metric_frame`` (or ``smooth``; smooth first,
            so the smoothed line is that of every value).
        max_points: the most rows kept per run and metric, >= 2.
    """
    if max_points < 2:
        raise InvalidArgumentError(
            f"expected max_points >= 2 (the first and last), got {max_points}"
        )
    groups = ["run", "name"]
    frame = frame.sort("run", "name", "step")
    index = pl.int_range(pl.len()).over(groups)
    size = pl.len().over(groups)
    stride = (size / max_points).ceil().cast(pl.Int64).clip(lower_bound=1)
    keep = (index % stride == 0) | (index == size - 1)
    return frame.filter(keep)


_MISSING = object()


def config_diff(
    a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """The settings where two nested configs differ.

    Args:
        a, b: configs (dicts of dicts, lists and values), such as two runs'
            ``Run.config``.

    Returns:
        ``(path, value in a, value in b)`` for each differing leaf, sorted
        by path; a path is the keys joined by dots (``"train.lr"``), and a
        key missing on one side has the value None there.
    """
    rows: list[tuple[str, Any, Any]] = []
    _diff(a, b, "", rows)
    return sorted(rows, key=lambda row: row[0])


def _diff(a: Any, b: Any, path: str, rows: list) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in set(a) | set(b):
            where = f"{path}.{key}" if path else str(key)
            _diff(a.get(key, _MISSING), b.get(key, _MISSING), where, rows)
    elif a != b:
        rows.append((path, None if a is _MISSING else a, None if b is _MISSING else b))
