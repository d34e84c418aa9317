"""neuron's own interactive widgets, built on anywidget.

Each widget is a Python class with synced traitlets and its JavaScript as a
string constant (plain ES module, SVG, no imports), so it works offline and
ships inside the package without data files. Wrap one for marimo with
``mo.ui.anywidget(widget)``.

- ``neuron.widgets.vectors``: two draggable 2-D vectors with their dot
  product, cosine, norms, projection and a linear combination, and
  ``relations``, the same numbers computed in NumPy.
- ``neuron.widgets.heatmaps``: ``HeatmapTables``, coloured tables of numbers
  that redraw in place when a notebook sends new ones (the live views).
"""

from neuron.widgets.heatmaps import HeatmapTables
from neuron.widgets.vectors import VectorPair, VectorRelations, relations

__all__ = ["HeatmapTables", "VectorPair", "VectorRelations", "relations"]
