"""Charts of training runs: loss curves overlaid by run, the learning rate
and the throughput.

Each builder takes a frame from ``neuron.lab.tables`` (``metric_frame``,
with the ``smoothed`` column ``smooth`` adds) and returns an Altair chart;
runs are told apart by colour, the raw values drawn faint behind the
smoothed line, as TensorBoard does.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

__all__ = ["labelled", "loss_chart", "metric_chart", "run_charts"]

# Throughput is logged as tokens/s by GPT runs and words/s by word2vec.
_SPEED_NAMES = ("tokens_per_second", "words_per_second")


def labelled(frame: pl.DataFrame, names: Mapping[int, str]) -> pl.DataFrame:
    """``frame`` with a ``label`` column, ``"<id> <name>"`` of each row's
    run, the legend's text."""
    labels = {run: f"{run} {names.get(run, '')}".strip() for run in names}
    return frame.with_columns(
        label=pl.col("run").replace_strict(
            labels, default=pl.col("run").cast(pl.Utf8), return_dtype=pl.Utf8
        )
    )


def loss_chart(
    frame: pl.DataFrame, *, width: int = 640, height: int = 280
) -> alt.LayerChart:
    """Training and validation loss of every run in ``frame``.

    Args:
        frame: ``labelled(smooth(metric_frame(...)))`` rows; only ``loss``
            and ``val_loss`` are drawn.

    Returns:
        Raw training loss (faint), its smoothed line, and validation loss as
        points joined by dashes, coloured by run.
    """
    rows = frame.filter(pl.col("name").is_in(["loss", "val_loss"]))
    base = alt.Chart(rows).encode(
        x=alt.X("step:Q", title="step"),
        color=alt.Color("label:N", title="run"),
    )
    train = base.transform_filter(alt.datum.name == "loss")
    raw = train.mark_line(opacity=0.25).encode(
        y=alt.Y("value:Q", title="loss (nats per token)").scale(zero=False)
    )
    smoothed = train.mark_line().encode(
        y="smoothed:Q",
        tooltip=["label:N", "step:Q", alt.Tooltip("value:Q", format=".4f")],
    )
    validation = (
        base.transform_filter(alt.datum.name == "val_loss")
        .mark_line(point=True, strokeDash=[4, 3])
        .encode(
            y="value:Q",
            tooltip=[
                "label:N",
                "step:Q",
                alt.Tooltip("value:Q", format=".4f", title="val loss"),
            ],
        )
    )
    return alt.layer(raw, smoothed, validation).properties(
        width=width, height=height, title="loss (faint: raw; dashed: validation)"
    )


def metric_chart(
    frame: pl.DataFrame,
    names: str | tuple[str, ...],
    title: str,
    *,
    width: int = 300,
    height: int = 160,
) -> alt.Chart:
    """One metric (or the first of ``names`` each run has) over steps,
    coloured by run, e.g. the learning rate or tokens per second."""
    wanted = (names,) if isinstance(names, str) else names
    rows = frame.filter(pl.col("name").is_in(list(wanted)))
    return (
        alt.Chart(rows)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("value:Q", title=title).scale(zero=False),
            color=alt.Color("label:N", title="run"),
            tooltip=["label:N", "step:Q", alt.Tooltip("value:Q", format=".4g")],
        )
        .properties(width=width, height=height, title=title)
    )


def run_charts(frame: pl.DataFrame) -> alt.VConcatChart:
    """The loss chart above the learning rate and throughput panels."""
    lower = alt.hconcat(
        metric_chart(frame, ("lr", "alpha"), "learning rate"),
        metric_chart(frame, _SPEED_NAMES, "throughput (tokens or words / s)"),
    )
    return alt.vconcat(loss_chart(frame), lower)
