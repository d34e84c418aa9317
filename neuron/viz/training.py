"""Charts of the lesson on training: distributions side by side, optimiser
paths over a loss surface, a learning-rate schedule and a loss curve.

Each builder takes arrays the lesson computed with ``neuron.curriculum``
(``information``, ``optimisers``) or ``neuron.transformer.schedule`` and
returns an Altair chart; none computes anything a reader should learn from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import polars as pl

__all__ = ["distribution_chart", "loss_curve", "schedule_chart", "surface_chart"]


def distribution_chart(
    labels: Sequence[str],
    distributions: Mapping[str, np.ndarray],
    *,
    width: int = 360,
    height: int = 200,
) -> alt.Chart:
    """Bars of several distributions over the same outcomes, side by side.

    Args:
        labels: the outcomes' names, (V,).
        distributions: name -> probabilities (V,), e.g. {"p (true)": p,
            "q (model)": q}.
    """
    rows = [
        {"outcome": label, "distribution": name, "probability": float(value)}
        for name, values in distributions.items()
        for label, value in zip(labels, values, strict=True)
    ]
    return (
        alt.Chart(pl.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("outcome:N", sort=list(labels), title=None),
            xOffset="distribution:N",
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("distribution:N", title=None),
            tooltip=[
                "distribution:N",
                "outcome:N",
                alt.Tooltip("probability:Q", format=".3f"),
            ],
        )
        .properties(width=width, height=height)
    )


def surface_chart(
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
    paths: Mapping[str, np.ndarray],
    minimum: tuple[float, float],
    *,
    size: int = 420,
) -> alt.LayerChart:
    """A loss surface as a heatmap of log(1 + loss), with optimiser paths.

    Args:
        grid: ``(x, y, loss)`` from ``optimisers.surface_grid``, each (n * n,).
        paths: optimiser name -> the points it visited, (k, 2).
        minimum: where the loss is lowest, drawn as a cross.
    """
    x, y, z = grid
    n = int(round(np.sqrt(x.size)))
    xs, ys = np.unique(x), np.unique(y)
    dx = float(xs[1] - xs[0]) if n > 1 else 1.0
    dy = float(ys[1] - ys[0]) if n > 1 else 1.0
    cells = pl.DataFrame(
        {
            "x": x - dx / 2,
            "x2": x + dx / 2,
            "y": y - dy / 2,
            "y2": y + dy / 2,
            "level": np.log1p(z),
        }
    )
    x_scale = alt.Scale(domain=[float(xs[0] - dx / 2), float(xs[-1] + dx / 2)])
    y_scale = alt.Scale(domain=[float(ys[0] - dy / 2), float(ys[-1] + dy / 2)])
    heat = (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("x:Q", scale=x_scale, title="w1"),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, title="w2"),
            y2="y2:Q",
            color=alt.Color(
                "level:Q", scale=alt.Scale(scheme="greys"), title="log(1 + loss)"
            ),
        )
    )
    rows = []
    for name, points in paths.items():
        for step, (px, py) in enumerate(np.asarray(points)):
            inside = xs[0] <= px <= xs[-1] and ys[0] <= py <= ys[-1]
            if inside:
                rows.append({"optimiser": name, "step": step, "w1": px, "w2": py})
    lines = (
        alt.Chart(pl.DataFrame(rows, schema=["optimiser", "step", "w1", "w2"]))
        .mark_line(point=alt.OverlayMarkDef(size=14), strokeWidth=1.5)
        .encode(
            x=alt.X("w1:Q", scale=x_scale),
            y=alt.Y("w2:Q", scale=y_scale),
            order="step:Q",
            color=alt.Color("optimiser:N", title="optimiser"),
            tooltip=[
                "optimiser:N",
                "step:Q",
                alt.Tooltip("w1:Q", format=".3f"),
                alt.Tooltip("w2:Q", format=".3f"),
            ],
        )
    )
    goal = (
        alt.Chart(pl.DataFrame({"w1": [minimum[0]], "w2": [minimum[1]]}))
        .mark_point(shape="cross", size=160, color="red", filled=True)
        .encode(x=alt.X("w1:Q", scale=x_scale), y=alt.Y("w2:Q", scale=y_scale))
    )
    return (
        alt.layer(heat, lines, goal)
        .resolve_scale(color="independent")
        .properties(width=size, height=size)
    )


def schedule_chart(
    steps: np.ndarray,
    rates: Mapping[str, np.ndarray],
    *,
    peak_step: int | None = None,
    width: int = 560,
    height: int = 220,
) -> alt.LayerChart:
    """Learning rate against step, one line per schedule, and a rule at the
    peak.

    Args:
        steps: (n,) step numbers.
        rates: schedule name -> (n,) rates.
        peak_step: where to draw a vertical rule; None for none.
    """
    rows = pl.DataFrame(
        {
            "step": np.tile(np.asarray(steps), len(rates)),
            "rate": np.concatenate(
                [np.asarray(r, dtype=np.float64) for r in rates.values()]
            ),
            "schedule": np.repeat(list(rates), len(steps)),
        }
    )
    line = (
        alt.Chart(rows)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("rate:Q", title="learning rate", axis=alt.Axis(format=".1e")),
            color=alt.Color("schedule:N", title=None),
            tooltip=["schedule:N", "step:Q", alt.Tooltip("rate:Q", format=".3e")],
        )
    )
    layers = [line]
    if peak_step is not None:
        layers.append(
            alt.Chart(pl.DataFrame({"step": [peak_step]}))
            .mark_rule(strokeDash=[4, 3], color="gray")
            .encode(x="step:Q")
        )
    return alt.layer(*layers).properties(width=width, height=height)


def loss_curve(
    losses: Mapping[int, float],
    val_losses: Mapping[int, float] | None = None,
    *,
    width: int = 560,
    height: int = 220,
) -> alt.LayerChart:
    """Training loss by step as a line, validation loss as points.

    Args:
        losses: step -> training loss (nats per token).
        val_losses: step -> validation loss, or None.
    """
    rows = [{"step": s, "loss": v, "split": "training"} for s, v in losses.items()]
    rows += [
        {"step": s, "loss": v, "split": "validation"}
        for s, v in (val_losses or {}).items()
    ]
    base = alt.Chart(pl.DataFrame(rows)).encode(
        x=alt.X("step:Q"),
        y=alt.Y("loss:Q", title="loss (nats per character)").scale(zero=False),
        color=alt.Color("split:N", title=None),
        tooltip=["split:N", "step:Q", alt.Tooltip("loss:Q", format=".3f")],
    )
    train = base.transform_filter(alt.datum.split == "training").mark_line()
    val = base.transform_filter(alt.datum.split == "validation").mark_point(
        size=60, filled=True
    )
    return alt.layer(train, val).properties(width=width, height=height)
