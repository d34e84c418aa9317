"""Two draggable 2-D vectors and everything that follows from them.

``VectorPair`` is an anywidget: an SVG plane with vectors a and b whose tips
can be dragged. While dragging it draws, in the browser, the projection of a
on b, the combination alpha a + beta b, and the numbers (dot product,
cosine, norms); the coordinates are synced back to Python, where
``relations`` computes the same numbers with NumPy for the rest of a
notebook to use.

The formulas, for vectors a and b in the plane:

    a . b = a_x b_x + a_y b_y              |a| = sqrt(a . a)
    cos(a, b) = a . b / (|a| |b|)          (undefined if either is 0)
    proj_b(a) = (a . b / b . b) b          (the shadow of a on b's line)
    c = alpha a + beta b
"""

import math
from dataclasses import dataclass

import anywidget
import numpy as np
import traitlets

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = ["VectorPair", "VectorRelations", "relations"]


@dataclass(frozen=True)
class VectorRelations:
    """What two vectors are to each other.

    Attributes:
        dot: a . b.
        norm_a, norm_b: the Euclidean lengths |a| and |b|.
        cosine: a . b / (|a| |b|); NaN when a or b is the zero vector.
        projection: proj_b(a), the projection of a on the line of b, (N,);
            zeros when b is the zero vector.
        combination: alpha a + beta b, (N,).
    """

    dot: float
    norm_a: float
    norm_b: float
    cosine: float
    projection: np.ndarray
    combination: np.ndarray


def relations(
    a: np.ndarray, b: np.ndarray, alpha: float = 1.0, beta: float = 1.0
) -> VectorRelations:
    """Dot product, norms, cosine, projection and a combination of a and b.

    Args:
        a: a vector, (N,), real.
        b: a vector of the same length, (N,).
        alpha: the weight of a in the combination.
        beta: the weight of b in the combination.

    Returns:
        A ``VectorRelations``.

    Raises:
        ShapeError: a and b are not vectors of the same length.
        InvalidArgumentError: an entry or a weight is not finite.
    """
    a = _vector(a, "a")
    b = _vector(b, "b")
    if a.shape != b.shape:
        raise ShapeError(
            f"expected a and b of the same length, got {a.shape} and {b.shape}; "
            "pass two vectors of one space"
        )
    for name, weight in (("alpha", alpha), ("beta", beta)):
        if not math.isfinite(weight):
            raise InvalidArgumentError(
                f"expected {name} to be a finite number, got {weight!r}"
            )
    dot = float(a @ b)
    norm_a, norm_b = float(np.sqrt(a @ a)), float(np.sqrt(b @ b))
    cosine = dot / (norm_a * norm_b) if norm_a > 0 and norm_b > 0 else math.nan
    bb = float(b @ b)
    projection = (dot / bb) * b if bb > 0 else np.zeros_like(b)  # (N,)
    combination = alpha * a + beta * b  # (N,)
    return VectorRelations(dot, norm_a, norm_b, cosine, projection, combination)


def _vector(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ShapeError(
            f"expected {name} to be a vector of shape (N,), got {x.shape}; "
            f"flatten it with {name}.ravel()"
        )
    if not np.all(np.isfinite(x)):
        raise InvalidArgumentError(
            f"expected finite entries in {name}, got {x}; replace NaN and inf"
        )
    return x


# The browser side: an ES module with anywidget's render(model, el). Plain
# SVG and pointer events; nothing is imported, so it works offline.
VECTORS_ESM = r"""
const NS = "http://www.w3.org/2000/svg";
const SIZE = 360;
const COLORS = { a: "#1f77b4", b: "#ff7f0e", proj: "#7f7f7f", comb: "#2ca02c" };

function el(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function fmt(x) {
  return Number.isFinite(x) ? x.toFixed(3) : "undefined";
}

function math(a, b, alpha, beta) {
  const dot = a[0] * b[0] + a[1] * b[1];
  const na = Math.hypot(a[0], a[1]);
  const nb = Math.hypot(b[0], b[1]);
  const cos = na > 0 && nb > 0 ? dot / (na * nb) : NaN;
  const bb = b[0] * b[0] + b[1] * b[1];
  const t = bb > 0 ? dot / bb : 0;
  return {
    dot, na, nb, cos,
    proj: [t * b[0], t * b[1]],
    comb: [alpha * a[0] + beta * b[0], alpha * a[1] + beta * b[1]],
  };
}

function render({ model, el: root }) {
  const svg = el("svg", { width: SIZE, height: SIZE, viewBox: `0 0 ${SIZE} ${SIZE}` });
  svg.style.touchAction = "none";
  svg.style.userSelect = "none";
  root.appendChild(svg);
  const readout = document.createElement("pre");
  readout.className = "neuron-vectors-readout";
  readout.style.margin = "4px 0";
  root.appendChild(readout);

  const defs = el("defs", {}, svg);
  for (const [name, color] of Object.entries(COLORS)) {
    const marker = el("marker", {
      id: `arrow-${name}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse",
    }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }, marker);
  }
  const grid = el("g", {}, svg);
  const layer = el("g", {}, svg);

  let vectors = model.get("vectors").map((v) => v.slice());
  let dragging = null;
  let lastSave = 0;

  const extent = () => model.get("extent");
  const toPx = ([x, y]) => [
    SIZE / 2 + (x / extent()) * (SIZE / 2),
    SIZE / 2 - (y / extent()) * (SIZE / 2),
  ];
  const fromPx = (px, py) => [
    Math.round(((px - SIZE / 2) / (SIZE / 2)) * extent() * 10) / 10,
    Math.round(((SIZE / 2 - py) / (SIZE / 2)) * extent() * 10) / 10,
  ];

  function drawGrid() {
    grid.replaceChildren();
    const e = extent();
    for (let i = Math.ceil(-e); i <= Math.floor(e); i++) {
      const [x] = toPx([i, 0]);
      const [, y] = toPx([0, i]);
      const stroke = i === 0 ? "#999" : "#eee";
      el("line", { x1: x, y1: 0, x2: x, y2: SIZE, stroke }, grid);
      el("line", { x1: 0, y1: y, x2: SIZE, y2: y, stroke }, grid);
    }
  }

  function arrow(to, name, dashed, from = [0, 0]) {
    const [x1, y1] = toPx(from);
    const [x2, y2] = toPx(to);
    el("line", {
      x1, y1, x2, y2, stroke: COLORS[name], "stroke-width": 2.5,
      "stroke-dasharray": dashed ? "5 4" : "none",
      "marker-end": `url(#arrow-${name})`,
    }, layer);
  }

  function draw() {
    const [a, b] = vectors;
    const alpha = model.get("alpha");
    const beta = model.get("beta");
    const m = math(a, b, alpha, beta);
    layer.replaceChildren();
    arrow(m.comb, "comb", true);
    arrow(m.proj, "proj", true);
    arrow(m.proj, "proj", true, a);  // the drop from a's tip to b's line
    arrow(a, "a", false);
    arrow(b, "b", false);
    for (const [i, name] of [[0, "a"], [1, "b"]]) {
      const [x, y] = toPx(vectors[i]);
      const handle = el("circle", {
        cx: x, cy: y, r: 9, fill: COLORS[name], "fill-opacity": 0.25,
        stroke: COLORS[name], "data-vector": name,
      }, layer);
      handle.style.cursor = "grab";
      handle.addEventListener("pointerdown", (event) => {
        dragging = i;
        svg.setPointerCapture(event.pointerId);
      });
      const label = el("text", { x: x + 10, y: y - 10, fill: COLORS[name] }, layer);
      label.textContent = name;
    }
    readout.textContent =
      `a = (${a[0]}, ${a[1]})   b = (${b[0]}, ${b[1]})\n` +
      `a.b = ${fmt(m.dot)}   |a| = ${fmt(m.na)}   |b| = ${fmt(m.nb)}   ` +
      `cos = ${fmt(m.cos)}\n` +
      `proj_b(a) = (${fmt(m.proj[0])}, ${fmt(m.proj[1])})   ` +
      `${alpha}a + ${beta}b = (${fmt(m.comb[0])}, ${fmt(m.comb[1])})`;
  }

  function save() {
    model.set("vectors", vectors.map((v) => v.slice()));
    model.save_changes();
    lastSave = Date.now();
  }

  svg.addEventListener("pointermove", (event) => {
    if (dragging === null) return;
    const box = svg.getBoundingClientRect();
    vectors[dragging] = fromPx(
      ((event.clientX - box.left) / box.width) * SIZE,
      ((event.clientY - box.top) / box.height) * SIZE,
    );
    draw();
    if (Date.now() - lastSave > 60) save();
  });
  const release = () => {
    if (dragging === null) return;
    dragging = null;
    save();
  };
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);

  const sync = () => {
    if (dragging === null) vectors = model.get("vectors").map((v) => v.slice());
    drawGrid();
    draw();
  };
  model.on("change:vectors", sync);
  model.on("change:alpha", sync);
  model.on("change:beta", sync);
  model.on("change:extent", sync);
  sync();
  return () => {
    model.off("change:vectors", sync);
    model.off("change:alpha", sync);
    model.off("change:beta", sync);
    model.off("change:extent", sync);
  };
}

export default { render };
"""


class VectorPair(anywidget.AnyWidget):
    """Vectors a and b in the plane, draggable by their tips.

    Synced traits (Python <-> browser):
        vectors: ``[[a_x, a_y], [b_x, b_y]]``, finite numbers; the browser
            writes it while a tip is dragged.
        alpha, beta: the weights of the combination alpha a + beta b it
            draws.
        extent: half the width of the visible plane; coordinates are drawn
            from -extent to extent on both axes.

    Dragging snaps to steps of 0.1 and saves at most every 60 ms, then once
    more on release, so Python sees the final position exactly.

    Example:
        >>> widget = mo.ui.anywidget(VectorPair(vectors=[[2, 1], [1, 2]]))
        >>> a, b = widget.value["vectors"]
    """

    _esm = VECTORS_ESM
    vectors = traitlets.List(default_value=[[2.0, 1.0], [0.5, 2.0]]).tag(sync=True)
    alpha = traitlets.Float(1.0).tag(sync=True)
    beta = traitlets.Float(1.0).tag(sync=True)
    extent = traitlets.Float(4.0).tag(sync=True)

    @traitlets.validate("vectors")
    def _check_vectors(self, proposal):
        value = proposal["value"]
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ShapeError(
                f"expected vectors as [[a_x, a_y], [b_x, b_y]], got {value!r}; "
                "pass two pairs of numbers"
            ) from error
        if array.shape != (2, 2):
            raise ShapeError(
                f"expected vectors of shape (2, 2), [[a_x, a_y], [b_x, b_y]], got "
                f"shape {array.shape}; pass exactly two 2-D vectors"
            )
        if not np.all(np.isfinite(array)):
            raise InvalidArgumentError(
                f"expected finite coordinates, got {value!r}; replace NaN and inf"
            )
        return array.tolist()

    @traitlets.validate("alpha", "beta")
    def _check_weight(self, proposal):
        if not math.isfinite(proposal["value"]):
            raise InvalidArgumentError(
                f"expected {proposal['trait'].name} to be a finite number, got "
                f"{proposal['value']!r}"
            )
        return proposal["value"]

    @traitlets.validate("extent")
    def _check_extent(self, proposal):
        value = proposal["value"]
        if not (math.isfinite(value) and value > 0):
            raise InvalidArgumentError(
                f"expected extent > 0, got {value!r}; pass the half-width of the "
                "plane, e.g. 4.0"
            )
        return value

    def relations(self) -> VectorRelations:
        """The numbers for the current vectors and weights, from NumPy."""
        a, b = self.vectors
        return relations(np.array(a), np.array(b), self.alpha, self.beta)
