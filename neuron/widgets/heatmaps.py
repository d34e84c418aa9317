"""Heatmap tables that redraw in the browser when their numbers change.

``HeatmapTables`` is an anywidget for the views that must answer an edit at
once (Canvas's attention weights). A notebook makes it once and then sets
its ``matrices`` trait from the cell that computes them; only the numbers
travel (a few kilobytes of JSON), and the browser rebuilds the tables with
DOM calls. The alternative, a new HTML output per edit, makes marimo's page
parse and reconcile every cell of every table through React, which on a
two-core machine costs more than the whole kernel round trip.

Each matrix becomes one ``<table data-head="i">`` inside
``<div id="{element_id}">``: a header row of column labels, then one row per
row label, each cell coloured by its value (the shades of
``neuron.viz.attention.heatmap_html``) and holding it with ``digits``
decimals. Tests and benchmarks read those tables.
"""

import math

import anywidget
import numpy as np
import traitlets

from neuron.errors import ShapeError
from neuron.viz.attention import HEATMAP_CSS

__all__ = ["HeatmapTables"]

# Shades per ramp; the CSS classes (w0..w15, p0..p15, n0..n15, x) come from
# neuron.viz.attention.HEATMAP_CSS so that both kinds of table look alike.
_SHADES = 16

HEATMAPS_ESM = """
const SHADES = %(shades)d;

function shade(value, probabilities, bound) {
  if (value === null || !Number.isFinite(value)) return 'x';
  if (probabilities) {
    const t = Math.min(Math.max(value, 0), 1);
    return 'w' + Math.min(Math.floor(t * SHADES), SHADES - 1);
  }
  const t = bound > 0 ? Math.min(Math.abs(value) / bound, 1) : 0;
  return (value > 0 ? 'p' : 'n') + Math.min(Math.floor(t * SHADES), SHADES - 1);
}

function cell(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function draw(model, root) {
  const matrices = model.get('matrices');
  const rows = model.get('rows');
  const columns = model.get('columns');
  const captions = model.get('captions');
  const digits = model.get('digits');
  const probabilities = model.get('probabilities');
  const holder = document.createElement('div');
  holder.id = model.get('element_id');
  matrices.forEach((matrix, index) => {
    let bound = 0;
    for (const row of matrix) for (const v of row) {
      if (v !== null && Number.isFinite(v)) bound = Math.max(bound, Math.abs(v));
    }
    const table = document.createElement('table');
    table.className = 'neuron-heatmap';
    table.dataset.head = String(index);
    table.appendChild(cell('caption', captions[index] ?? ''));
    const head = document.createElement('tr');
    head.appendChild(cell('th', ''));
    columns.forEach((label) => head.appendChild(cell('th', label)));
    table.appendChild(document.createElement('thead')).appendChild(head);
    const body = table.appendChild(document.createElement('tbody'));
    matrix.forEach((values, r) => {
      const line = body.appendChild(document.createElement('tr'));
      line.appendChild(cell('th', rows[r] ?? String(r)));
      values.forEach((v) => line.appendChild(cell(
        'td',
        v === null ? '-inf' : v.toFixed(digits),
        shade(v, probabilities, bound))));
    });
    holder.appendChild(table);
  });
  root.replaceChildren(holder);
}

function render({ model, el }) {
  const style = document.createElement('div');
  style.innerHTML = %(css)s;
  const root = document.createElement('div');
  el.replaceChildren(style, root);
  const redraw = () => draw(model, root);
  model.on('change:matrices', redraw);
  model.on('change:rows', redraw);
  model.on('change:columns', redraw);
  model.on('change:captions', redraw);
  model.on('change:probabilities', redraw);
  redraw();
}

export default { render };
"""


class HeatmapTables(anywidget.AnyWidget):
    """Coloured tables of numbers, one per matrix, redrawn on every change.

    Synced traits (Python -> browser):
        matrices: a list of M matrices, each R rows of K numbers; None
            stands for -inf (a masked score), shown grey.
        rows, columns: the R row labels and K column labels.
        captions: one caption per matrix.
        digits: decimals shown in each cell.
        probabilities: colour 0 to 1 in one hue; otherwise blue below 0 and
            red above, scaled by each matrix's largest magnitude.
        element_id: the id of the ``<div>`` holding the tables.

    Set them together with ``show``, which checks the shapes and sends one
    update.

    Example:
        >>> tables = HeatmapTables(element_id="attention-weights", digits=4)
        >>> view = mo.ui.anywidget(tables)         # display once
        >>> tables.show(weights, tokens, tokens)   # from the computing cell
    """

    _esm = HEATMAPS_ESM % {"shades": _SHADES, "css": repr(HEATMAP_CSS)}
    matrices = traitlets.List(default_value=[]).tag(sync=True)
    rows = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    columns = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    captions = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    digits = traitlets.Int(4).tag(sync=True)
    probabilities = traitlets.Bool(True).tag(sync=True)
    element_id = traitlets.Unicode("heatmaps").tag(sync=True)

    def show(
        self,
        matrices: np.ndarray,
        rows: list[str],
        columns: list[str],
        captions: list[str] | None = None,
        *,
        probabilities: bool | None = None,
    ) -> None:
        """Replace what the tables show, in one update.

        Args:
            matrices: (M, R, K) real values; -inf is shown as a masked cell.
            rows: R labels.
            columns: K labels.
            captions: M captions; None captions them "head 0", "head 1", ...
            probabilities: the colouring (see the trait); None keeps it.

        Raises:
            ShapeError: the labels or captions do not match the matrices.
        """
        values = np.asarray(matrices, dtype=np.float64)
        if values.ndim != 3:
            raise ShapeError(
                f"expected matrices of shape (M, R, K), got {values.shape}; "
                "stack the matrices, e.g. the weights of every head"
            )
        M, R, K = values.shape
        captions = [f"head {m}" for m in range(M)] if captions is None else captions
        if len(rows) != R or len(columns) != K or len(captions) != M:
            raise ShapeError(
                f"expected {R} row labels, {K} column labels and {M} captions for "
                f"matrices of shape {values.shape}, got {len(rows)}, "
                f"{len(columns)} and {len(captions)}"
            )
        # JSON has no infinity: -inf (masked) travels as null.
        listed = [
            [[v if math.isfinite(v) else None for v in row] for row in matrix]
            for matrix in values.tolist()
        ]
        with self.hold_sync():
            if probabilities is not None:
                self.probabilities = bool(probabilities)
            self.rows = [str(r) for r in rows]
            self.columns = [str(c) for c in columns]
            self.captions = [str(c) for c in captions]
            self.matrices = listed
