"""Charts of samples and of curves for the lessons: a histogram of several
samples on one axis, and lines of a few functions of one variable.

Like every builder in ``neuron.viz``, each takes arrays and labels and
returns an Altair chart with its data inline (``alt.InlineData``), so it
renders offline.
"""

from collections.abc import Mapping

import altair as alt
import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = ["histogram", "line_chart"]


def histogram(
    samples: Mapping[str, np.ndarray],
    *,
    bins: int = 40,
    title: str = "",
    x_title: str = "value",
    width: int = 420,
) -> alt.Chart:
    """Overlaid histograms of named samples, on shared bins.

    The bins span the smallest to the largest value of all samples, so two
    samples of very different spread are seen on one axis.

    Args:
        samples: name -> values, each 1-D and non-empty.
        bins: the number of bins, >= 1.
        title: the chart's title.
        x_title: the title of the value axis.
        width: the chart's width in pixels.

    Returns:
        A bar chart with one record per sample and bin (fields ``series``,
        ``start``, ``end``, ``count``).

    Raises:
        InvalidArgumentError: no sample, or bins < 1.
        ShapeError: a sample is not a non-empty 1-D array.
    """
    if not samples:
        raise InvalidArgumentError(
            "expected at least one sample to draw, got none; pass {'name': values}"
        )
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidArgumentError(f"expected bins to be an integer >= 1, got {bins!r}")
    arrays = {}
    for name, values in samples.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ShapeError(
                f"expected sample {name!r} of shape (N,) with N >= 1, got "
                f"{values.shape}; pass a flat array of values"
            )
        arrays[name] = values
    joined = np.concatenate(list(arrays.values()))  # (sum N,)
    edges = np.histogram_bin_edges(joined, bins=bins)  # (bins + 1,)
    records = []
    for name, values in arrays.items():
        counts, _ = np.histogram(values, bins=edges)  # (bins,)
        records += [
            {
                "series": name,
                "start": float(edges[i]),
                "end": float(edges[i + 1]),
                "count": int(counts[i]),
            }
            for i in range(len(counts))
        ]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X("start:Q", bin="binned", title=x_title),
            x2="end:Q",
            y=alt.Y("count:Q", stack=None, title="count"),
            color=alt.Color("series:N", title=None),
            tooltip=["series:N", "start:Q", "end:Q", "count:Q"],
        )
        .properties(title=title, width=width, height=180)
    )


def line_chart(
    x: np.ndarray,
    series: Mapping[str, np.ndarray],
    *,
    title: str = "",
    x_title: str = "x",
    y_title: str = "y",
    width: int = 420,
) -> alt.Chart:
    """Lines of named series against one shared x.

    Args:
        x: the N x values, (N,).
        series: name -> y values, each (N,).
        title, x_title, y_title: titles of the chart and its axes.
        width: the chart's width in pixels.

    Returns:
        A line chart with one record per series and x (fields ``x``, ``y``,
        ``series``).

    Raises:
        InvalidArgumentError: no series.
        ShapeError: a series does not have the shape of x.
    """
    if not series:
        raise InvalidArgumentError(
            "expected at least one series to draw, got none; pass {'name': y}"
        )
    x = np.asarray(x, dtype=np.float64)
    records = []
    for name, y in series.items():
        y = np.asarray(y, dtype=np.float64)
        if x.ndim != 1 or y.shape != x.shape:
            raise ShapeError(
                f"expected series {name!r} of shape {x.shape} like x, got "
                f"{y.shape}; pass one y per x"
            )
        records += [
            {"x": float(a), "y": float(b), "series": name}
            for a, b in zip(x, y, strict=True)
        ]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_line()
        .encode(
            x=alt.X("x:Q", title=x_title),
            y=alt.Y("y:Q", title=y_title),
            color=alt.Color("series:N", title=None),
            tooltip=["series:N", "x:Q", alt.Tooltip("y:Q", format=".4f")],
        )
        .properties(title=title, width=width, height=200)
    )
