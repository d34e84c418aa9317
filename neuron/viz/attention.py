"""Charts of attention: heatmaps of any matrix, a head view, a model view of
every layer and head, next-token probabilities, softmax saturation, and the
attention weights as an HTML table a test can read.

Every builder takes arrays and labels and returns an Altair chart whose data
is inline (``alt.InlineData``), so it renders offline and is not subject to
Altair's 5,000-row limit for data frames. Rows and columns are labelled
``"i token"``: the position first, so that a word that occurs twice keeps two
rows.
"""

from collections.abc import Sequence
from html import escape

import altair as alt
import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = [
    "attention_heatmap",
    "HEATMAP_CSS",
    "heatmap",
    "heatmap_html",
    "model_view",
    "probability_bars",
    "saturation_chart",
    "slice_matrix",
    "token_labels",
    "weights_html",
]


def token_labels(tokens: Sequence[str]) -> list[str]:
    """Unique axis labels for tokens: ``"0 the"``, ``"1 cat"``, ...

    Args:
        tokens: the tokens, in order.

    Returns:
        One label per token, the position first.
    """
    return [f"{i} {token}" for i, token in enumerate(tokens)]


def _labelled(
    matrix: np.ndarray,
    rows: Sequence[str] | None,
    columns: Sequence[str] | None,
) -> tuple[np.ndarray, list[str], list[str]]:
    """A 2-D float64 matrix with one string label per row and per column
    (numbers where None); raises ShapeError when they do not fit."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ShapeError(
            f"expected a 2-D matrix, got shape {matrix.shape}; pick a slice "
            "with slice_matrix(value, index)"
        )
    R, K = matrix.shape
    rows = [str(i) for i in range(R)] if rows is None else [str(r) for r in rows]
    columns = (
        [str(j) for j in range(K)] if columns is None else [str(c) for c in columns]
    )
    if len(rows) != R or len(columns) != K:
        raise ShapeError(
            f"expected {R} row labels and {K} column labels for a matrix of shape "
            f"{matrix.shape}, got {len(rows)} and {len(columns)}; pass one label "
            "per row and per column"
        )
    return matrix, rows, columns


def heatmap(
    matrix: np.ndarray,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    *,
    title: str = "",
    row_title: str = "row",
    column_title: str = "column",
    probabilities: bool = False,
    numbers: bool = True,
    size: int = 18,
) -> alt.LayerChart:
    """A heatmap of a 2-D array, one cell per entry.

    Args:
        matrix: the values, (R, K), real; -inf (a masked score) is drawn as an
            empty cell.
        rows: R labels, unique; None numbers the rows.
        columns: K labels, unique; None numbers the columns.
        title: the chart's title.
        row_title, column_title: the axis titles.
        probabilities: colour 0 to 1 in one hue (for weights); otherwise a
            diverging scheme centred on 0.
        numbers: print each value in its cell (two decimals).
        size: the side of a cell in pixels.

    Returns:
        A layered chart; its data has R * K records with fields ``row``,
        ``column``, ``value`` (and ``r``, ``c``, the indices).

    Raises:
        ShapeError: matrix is not 2-D, or the labels do not match its shape.
    """
    matrix, rows, columns = _labelled(matrix, rows, columns)
    R, K = matrix.shape
    records = [
        {
            "r": i,
            "c": j,
            "row": rows[i],
            "column": columns[j],
            "value": float(matrix[i, j]) if np.isfinite(matrix[i, j]) else None,
        }
        for i in range(R)
        for j in range(K)
    ]
    finite = matrix[np.isfinite(matrix)]
    if probabilities:
        scale = alt.Scale(scheme="blues", domain=[0, 1])
    else:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        scale = alt.Scale(scheme="redblue", domain=[-bound, bound], reverse=True)
    base = alt.Chart(alt.InlineData(values=records)).encode(
        x=alt.X("column:O", sort=columns, title=column_title),
        y=alt.Y("row:O", sort=rows, title=row_title),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=scale, title=None),
        tooltip=["row:O", "column:O", alt.Tooltip("value:Q", format=".4f")],
    )
    layers = [cells]
    if numbers:
        layers.append(
            base.mark_text(fontSize=max(7, size // 2 - 1)).encode(
                text=alt.Text("value:Q", format=".2f"),
                color=alt.condition(
                    "abs(datum.value) > 0.6", alt.value("white"), alt.value("black")
                )
                if probabilities
                else alt.value("black"),
            )
        )
    return alt.layer(*layers).properties(title=title, width=size * K, height=size * R)


def attention_heatmap(
    weights: np.ndarray, tokens: Sequence[str], *, title: str = "", size: int = 26
) -> alt.LayerChart:
    """One head's attention weights: queries down, keys across.

    Args:
        weights: (T, T), rows summing to 1 (or 0 where every key is masked).
        tokens: the T tokens.
        title: the chart's title.
        size: the side of a cell in pixels.

    Returns:
        A heatmap with T * T records, coloured 0 to 1.
    """
    labels = token_labels(tokens)
    return heatmap(
        weights,
        labels,
        labels,
        title=title,
        row_title="query (attends from)",
        column_title="key (attends to)",
        probabilities=True,
        size=size,
    )


def model_view(probs: np.ndarray, tokens: Sequence[str], *, size: int = 6) -> alt.Chart:
    """Every layer and head at once, a grid of small heatmaps.

    Args:
        probs: the attention weights, (L, H, T, T).
        tokens: the T tokens (shown in the tooltip).
        size: the side of a cell in pixels.

    Returns:
        A faceted chart, layers down and heads across, with L * H * T * T
        records (fields ``layer``, ``head``, ``query``, ``key``, ``weight``).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 4 or probs.shape[-1] != probs.shape[-2]:
        raise ShapeError(
            f"expected probs of shape (L, H, T, T), got {probs.shape}; pass "
            "SentenceAttention.probs"
        )
    L, H, T, _ = probs.shape
    if len(tokens) != T:
        raise ShapeError(
            f"expected {T} tokens for maps of shape {probs.shape}, got "
            f"{len(tokens)}; pass the tokens the maps were computed for"
        )
    labels = token_labels(tokens)
    records = [
        {
            "layer": layer,
            "head": head,
            "query": labels[i],
            "key": labels[j],
            "q": i,
            "k": j,
            "weight": float(probs[layer, head, i, j]),
        }
        for layer in range(L)
        for head in range(H)
        for i in range(T)
        for j in range(T)
    ]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_rect()
        .encode(
            x=alt.X("k:O", axis=None),
            y=alt.Y("q:O", axis=None),
            color=alt.Color("weight:Q", scale=alt.Scale(scheme="blues", domain=[0, 1])),
            tooltip=["layer:O", "head:O", "query:N", "key:N", "weight:Q"],
        )
        .properties(width=size * T, height=size * T)
        .facet(row=alt.Row("layer:O"), column=alt.Column("head:O"))
        .properties(title="attention of every layer (rows) and head (columns)")
    )


def probability_bars(
    probs: np.ndarray, labels: Sequence[str], *, title: str = "", top: int = 12
) -> alt.Chart:
    """The largest probabilities of a distribution as horizontal bars.

    Args:
        probs: (V,), non-negative.
        labels: V labels (the vocabulary).
        title: the chart's title.
        top: how many of the largest to show.

    Returns:
        A bar chart with min(top, V) records (fields ``label``, ``p``).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or len(labels) != probs.shape[0]:
        raise ShapeError(
            f"expected probs of shape (V,) and V labels, got {probs.shape} and "
            f"{len(labels)} labels; pass one row of probabilities"
        )
    order = np.argsort(-probs, kind="stable")[:top]
    records = [{"label": str(labels[i]), "p": float(probs[i])} for i in order]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_bar()
        .encode(
            x=alt.X("p:Q", scale=alt.Scale(domain=[0, 1]), title="probability"),
            y=alt.Y("label:N", sort="-x", title=None),
            tooltip=["label:N", alt.Tooltip("p:Q", format=".4f")],
        )
        .properties(title=title, width=260)
    )


def saturation_chart(results: Sequence) -> alt.HConcatChart:
    """The largest softmax weight and the entropy against d_k, per series.

    Args:
        results: ``neuron.attention.steps.Saturation`` objects (for example
            one with the scale and one without).

    Returns:
        Two line charts side by side on a log2 d_k axis, with one record per
        series and head size (fields ``d_k``, ``max_weight``, ``entropy``,
        ``series``).
    """
    if not results:
        raise InvalidArgumentError(
            "expected at least one Saturation to draw, got none; pass "
            "[softmax_saturation(scaled=True), softmax_saturation(scaled=False)]"
        )
    records = [
        {
            "d_k": int(d),
            "max_weight": float(m),
            "entropy": float(e),
            "series": "q.k / sqrt(d_k)" if result.scaled else "q.k (no scale)",
        }
        for result in results
        for d, m, e in zip(result.dims, result.max_weight, result.entropy, strict=True)
    ]
    base = alt.Chart(alt.InlineData(values=records)).encode(
        x=alt.X("d_k:Q", scale=alt.Scale(type="log", base=2), title="d_k"),
        color=alt.Color("series:N", title=None),
    )
    weight = base.mark_line(point=True).encode(
        y=alt.Y("max_weight:Q", scale=alt.Scale(domain=[0, 1]), title="max weight")
    )
    entropy = base.mark_line(point=True).encode(
        y=alt.Y("entropy:Q", title="entropy (nats)")
    )
    return alt.hconcat(
        weight.properties(title="largest softmax weight", width=240),
        entropy.properties(title="entropy of the softmax", width=240),
    )


def slice_matrix(value: np.ndarray, index: Sequence[int] = ()) -> np.ndarray:
    """A 2-D view of an array of any rank, for a heatmap.

    A 0-d value becomes (1, 1), a vector (1, N); a matrix is itself; for
    more axes, ``index`` picks one entry of every leading axis, e.g.
    ``(0, h)`` takes batch 0, head h of a (B, H, T, T) array.

    Args:
        value: the array.
        index: one index per leading axis (all but the last two).

    Returns:
        A 2-D array.

    Raises:
        InvalidArgumentError: ``index`` has the wrong length or is out of
            range.
    """
    value = np.asarray(value)
    if value.ndim < 2:
        return value.reshape(1, -1)  # (1, N)
    lead = value.shape[:-2]
    index = tuple(int(i) for i in index)
    if len(index) != len(lead) or any(
        not 0 <= i < n for i, n in zip(index, lead, strict=True)
    ):
        raise InvalidArgumentError(
            f"expected one index per leading axis of shape {lead}, got {index}; "
            f"pick e.g. {tuple(0 for _ in lead)}"
        )
    return value[index]  # (R, K)


# The colour ramps of the HTML heatmaps, as RGB end points: weights run
# from near white to deep blue; signed values from blue (negative) through
# white to red (positive).
_PALE = (247, 251, 255)
_BLUE = (8, 48, 107)
_NEGATIVE = (33, 102, 172)
_POSITIVE = (178, 24, 43)
_WHITE = (255, 255, 255)


def _mix(start: tuple[int, ...], end: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))


#: Shades per colour ramp: cells take one of these classes rather than an
#: inline style each, which keeps a live table small to send and quick for
#: the page to build.
_SHADES = 16


def _cell_class(value: float, probabilities: bool, bound: float) -> str:
    """The class of one heatmap cell: ``w<k>`` for a weight, ``p<k>`` or
    ``n<k>`` for a positive or negative value, ``x`` for -inf; k grows with
    the magnitude, 0 to ``_SHADES - 1``."""
    if not np.isfinite(value):
        return "x"
    if probabilities:
        t = min(max(value, 0.0), 1.0)
        return f"w{min(int(t * _SHADES), _SHADES - 1)}"
    t = min(abs(value) / bound, 1.0) if bound > 0 else 0.0
    return ("p" if value > 0 else "n") + str(min(int(t * _SHADES), _SHADES - 1))


def _ramp_css(prefix: str, start: tuple[int, ...], end: tuple[int, ...]) -> str:
    rules = []
    for k in range(_SHADES):
        t = (k + 0.5) / _SHADES
        text = "#fff" if t > 0.55 else "#111"
        rules.append(
            f".neuron-heatmap td.{prefix}{k}{{background:rgb{_mix(start, end, t)};"
            f"color:{text}}}"
        )
    return "".join(rules)


def heatmap_html(
    matrix: np.ndarray,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    *,
    caption: str = "",
    probabilities: bool = False,
    digits: int = 2,
    attributes: str = "",
) -> str:
    """A heatmap as an HTML table: every cell coloured by its value and
    holding the number.

    The live views draw these rather than Vega charts: a browser paints a
    small table in well under a millisecond, where building, sending and
    rendering an Altair heatmap costs tens of milliseconds per chart, too
    much for an edit that should show its consequences at once.

    Args:
        matrix: (R, K) real values; -inf (a masked score) is a grey cell.
        rows: R labels; None numbers the rows.
        columns: K labels; None numbers the columns.
        caption: the table's caption.
        probabilities: colour 0 to 1 in one hue (for weights); otherwise
            blue below 0, red above, scaled by the largest magnitude.
        digits: decimals printed in each cell.
        attributes: extra attributes for the ``<table>`` tag, e.g.
            ``'data-head="0"'``.

    Returns:
        The ``<table>`` as a string; labels are HTML-escaped.

    Raises:
        ShapeError: matrix is not 2-D, or the labels do not match its shape.
    """
    matrix, rows, columns = _labelled(matrix, rows, columns)
    R, K = matrix.shape
    finite = matrix[np.isfinite(matrix)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{escape(rows[i])}</th>"
        + "".join(
            f'<td class="{_cell_class(value, probabilities, bound)}">'
            f"{value:.{digits}f}</td>"
            for value in matrix[i]
        )
        + "</tr>"
        for i in range(R)
    )
    open_tag = f"<table {attributes}".rstrip() + ' class="neuron-heatmap">'
    return (
        f"{open_tag}<caption>{escape(caption)}</caption>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


#: Styles for ``heatmap_html`` tables; include once per page or output.
HEATMAP_CSS = (
    "<style>.neuron-heatmap{border-collapse:collapse;font:11px/1.2 ui-monospace,"
    "monospace;margin:0 12px 12px 0;display:inline-table}"
    ".neuron-heatmap td{padding:3px 4px;text-align:right;min-width:34px}"
    ".neuron-heatmap th{padding:2px 4px;font-weight:normal;color:#555;"
    "white-space:nowrap}.neuron-heatmap caption{text-align:left;"
    "font-weight:600;padding-bottom:2px}"
    ".neuron-heatmap td.x{background:#eee;color:#999}"
    + _ramp_css("w", _PALE, _BLUE)
    + _ramp_css("p", _WHITE, _POSITIVE)
    + _ramp_css("n", _WHITE, _NEGATIVE)
    + "</style>"
)


def weights_html(weights: np.ndarray, tokens: Sequence[str]) -> str:
    """Attention weights as heatmap tables, one per head, every value
    readable.

    The tables sit in ``<div id="attention-weights">``; head h's table has
    ``data-head="h"``, a header row of key tokens, and one row per query
    whose cells hold ``f"{w:.4f}"``, coloured by the weight.

    Args:
        weights: (H, T, T).
        tokens: the T tokens.

    Returns:
        The HTML, as a string.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 3 or weights.shape[1:] != (len(tokens), len(tokens)):
        raise ShapeError(
            f"expected weights of shape (H, {len(tokens)}, {len(tokens)}) for "
            f"{len(tokens)} tokens, got {weights.shape}; pass the 'weights' step"
        )
    tables = [
        heatmap_html(
            matrix,
            tokens,
            tokens,
            caption=f"head {h}",
            probabilities=True,
            digits=4,
            attributes=f'data-head="{h}"',
        )
        for h, matrix in enumerate(weights)
    ]
    return HEATMAP_CSS + '<div id="attention-weights">' + "".join(tables) + "</div>"
