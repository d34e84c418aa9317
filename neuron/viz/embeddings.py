"""Charts of embeddings: a 2-D map of words, a similarity heatmap, words on a
direction axis, and words drifting across epochs.

Each builder takes arrays and words (computed by ``neuron.embeddings``) and
returns an Altair chart; the map carries an interval selection so that
``mo.ui.altair_chart`` hands back the selected rows as a data frame.
"""

import html
from collections.abc import Sequence

import altair as alt
import numpy as np
import polars as pl

from neuron.errors import ShapeError

__all__ = [
    "SELECTION",
    "axis_strip",
    "drift_chart",
    "map_frame",
    "results_html",
    "scatter_map",
    "similarity_heatmap",
]

#: The name of the map's interval selection parameter.
SELECTION = "brush"


def map_frame(
    words: Sequence[str],
    coordinates: np.ndarray,
    groups: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The rows of a word map: word, x, y and group.

    Args:
        words: one per row.
        coordinates: (n, 2) positions.
        groups: a label per word for the colour (e.g. "query", "neighbour");
            "word" for all when None.

    Raises:
        ShapeError: coordinates are not (len(words), 2), or groups are of
            another length.
    """
    coordinates = np.asarray(coordinates, dtype=np.float64)
    if coordinates.shape != (len(words), 2):
        raise ShapeError(
            f"expected coordinates of shape ({len(words)}, 2), got "
            f"{coordinates.shape}; project to 2 components, one row per word"
        )
    groups = ["word"] * len(words) if groups is None else list(groups)
    if len(groups) != len(words):
        raise ShapeError(
            f"expected {len(words)} groups, one per word, got {len(groups)}"
        )
    return pl.DataFrame(
        {
            "word": list(words),
            "x": coordinates[:, 0],
            "y": coordinates[:, 1],
            "group": groups,
        }
    )


def scatter_map(frame: pl.DataFrame, title: str = "") -> alt.LayerChart:
    """Words as labelled points, with an interval selection named ``brush``.

    Args:
        frame: rows from ``map_frame`` (word, x, y, group).
        title: the chart's title.

    Returns:
        Points and their labels layered over the frame; selected points stay
        coloured and the others fade.
    """
    brush = alt.selection_interval(name=SELECTION, encodings=["x", "y"])
    base = alt.Chart().encode(
        x=alt.X("x:Q", title="component 1", axis=alt.Axis(grid=False)),
        y=alt.Y("y:Q", title="component 2", axis=alt.Axis(grid=False)),
    )
    points = (
        base.mark_circle(size=70)
        .encode(
            color=alt.condition(
                brush, alt.Color("group:N", title=None), alt.value("lightgray")
            ),
            tooltip=[
                "word:N",
                "group:N",
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("y:Q", format=".3f"),
            ],
        )
        .add_params(brush)
    )
    labels = base.mark_text(align="left", dx=6, dy=-4, fontSize=11).encode(
        text="word:N"
    )
    return alt.layer(points, labels, data=frame).properties(
        title=title, width="container", height=420
    )


def similarity_heatmap(words: Sequence[str], matrix: np.ndarray) -> alt.Chart:
    """Cosine similarities of word pairs as coloured cells, values written in.

    Args:
        words: the n words, in the rows' order.
        matrix: (n, n) similarities in [-1, 1].

    Raises:
        ShapeError: the matrix is not (n, n).
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    n = len(words)
    if matrix.shape != (n, n):
        raise ShapeError(
            f"expected a ({n}, {n}) matrix for {n} words, got {matrix.shape}"
        )
    frame = pl.DataFrame(
        {
            "row": [w for w in words for _ in words],
            "column": [w for _ in words for w in words],
            "cosine": matrix.reshape(-1),
        }
    )
    order = list(words)
    base = alt.Chart(frame).encode(
        x=alt.X("column:N", sort=order, title=None),
        y=alt.Y("row:N", sort=order, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "cosine:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True)
        ),
        tooltip=["row:N", "column:N", alt.Tooltip("cosine:Q", format=".4f")],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("cosine:Q", format=".2f"),
        color=alt.condition(
            "abs(datum.cosine) > 0.6", alt.value("white"), alt.value("black")
        ),
    )
    size = max(160, 34 * n)
    return (cells + text).properties(width=size, height=size)


def axis_strip(
    words: Sequence[str], positions: np.ndarray, start: str, end: str
) -> alt.LayerChart:
    """Words as labelled ticks on one line, from ``start`` (left) to ``end``.

    Args:
        words: the n words.
        positions: (n,) signed positions (``neuron.embeddings.direction_axis``).
        start, end: the words naming the two ends.
    """
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape != (len(words),):
        raise ShapeError(
            f"expected ({len(words)},) positions, one per word, got {positions.shape}"
        )
    frame = pl.DataFrame(
        {
            "word": list(words),
            "position": positions,
            "lane": np.arange(len(words)) % 3,  # staggers the labels
        }
    )
    base = alt.Chart(frame).encode(
        x=alt.X("position:Q", title=f"{start}  <-  ->  {end}"),
        y=alt.Y("lane:O", axis=None),
    )
    ticks = base.mark_tick(thickness=2, size=18).encode(
        color=alt.Color(
            "position:Q", scale=alt.Scale(scheme="purpleorange"), legend=None
        ),
        tooltip=["word:N", alt.Tooltip("position:Q", format=".4f")],
    )
    labels = base.mark_text(dy=-14, fontSize=11).encode(text="word:N")
    return (ticks + labels).properties(width="container", height=120)


def drift_chart(
    epochs: Sequence[int],
    words: Sequence[str],
    coordinates: np.ndarray,
    current: int,
) -> alt.LayerChart:
    """Words' paths across epochs on fixed axes, the current epoch labelled.

    Args:
        epochs: the E epoch numbers.
        words: the n words.
        coordinates: (E, n, 2) positions (``neuron.embeddings.drift``).
        current: the epoch to mark; its points are labelled, the earlier
            path drawn as a faint trail and later epochs hidden.

    Raises:
        ShapeError: coordinates are not (E, n, 2).
    """
    coordinates = np.asarray(coordinates, dtype=np.float64)
    E, n = len(epochs), len(words)
    if coordinates.shape != (E, n, 2):
        raise ShapeError(
            f"expected coordinates of shape ({E}, {n}, 2), got {coordinates.shape}"
        )
    frame = pl.DataFrame(
        {
            "epoch": np.repeat(np.asarray(epochs), n),
            "word": list(words) * E,
            "x": coordinates[:, :, 0].reshape(-1),
            "y": coordinates[:, :, 1].reshape(-1),
        }
    )

    # Fixed scales: the axes must not move as the slider steps.
    pad = 0.05 * float(np.ptp(coordinates) or 1.0)
    x = alt.X(
        "x:Q",
        title="component 1",
        scale=alt.Scale(domain=_domain(coordinates[..., 0], pad)),
    )
    y = alt.Y(
        "y:Q",
        title="component 2",
        scale=alt.Scale(domain=_domain(coordinates[..., 1], pad)),
    )
    shown = frame.filter(pl.col("epoch") <= current)
    trail = (
        alt.Chart(shown)
        .mark_line(opacity=0.35, point=alt.OverlayMarkDef(size=15, opacity=0.35))
        .encode(
            x=x,
            y=y,
            color=alt.Color("word:N", legend=None),
            order="epoch:O",
            detail="word:N",
        )
    )
    now = alt.Chart(shown.filter(pl.col("epoch") == current))
    points = now.mark_circle(size=80).encode(
        x=x, y=y, color="word:N", tooltip=["word:N", "epoch:O"]
    )
    labels = now.mark_text(align="left", dx=7, dy=-5, fontSize=11).encode(
        x=x, y=y, text="word:N"
    )
    return (trail + points + labels).properties(
        title=f"epoch {current}", width="container", height=420
    )


def results_html(
    element_id: str,
    pairs: Sequence[tuple[str, float]],
    *,
    caption: str = "",
    error: str = "",
) -> str:
    """(word, cosine) pairs as an HTML table inside ``<div id=element_id>``.

    Cosines are written with 4 decimals (``f"{score:.4f}"``); the columns
    are rank, word and cosine. An ``error`` replaces the table with a
    paragraph, so the element is always there for a page to find.

    Args:
        element_id: the ``id`` of the wrapping ``div``.
        pairs: the answers, the best first.
        caption: a line above the table (escaped).
        error: a message to show instead of the table (escaped).
    """
    parts = [f'<div id="{html.escape(element_id)}">']
    if caption:
        parts.append(f"<p>{html.escape(caption)}</p>")
    if error:
        parts.append(f'<p class="error">{html.escape(error)}</p>')
    else:
        parts.append(
            "<table><thead><tr><th>#</th><th>word</th><th>cosine</th></tr>"
            "</thead><tbody>"
        )
        parts += [
            f"<tr><td>{rank}</td><td>{html.escape(word)}</td><td>{score:.4f}</td></tr>"
            for rank, (word, score) in enumerate(pairs, start=1)
        ]
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "".join(parts)


def _domain(values: np.ndarray, pad: float) -> list[float]:
    return [float(values.min()) - pad, float(values.max()) + pad]
