"""HeatmapTables: what ``show`` sends the browser, and what it refuses."""

import numpy as np
import pytest

from neuron.errors import ShapeError
from neuron.widgets.heatmaps import HeatmapTables

TRAITS = ["matrices", "rows", "columns", "captions"]


def test_show_sends_matrices_labels_and_captions_in_one_update():
    tables = HeatmapTables(element_id="weights")
    sent = []
    tables.observe(lambda change: sent.append(change["name"]), names=TRAITS)

    weights = np.array([[[0.25, 0.75], [1.0, 0.0]]])  # (1, 2, 2)
    tables.show(weights, ["a", "b"], ["a", "b"])

    assert tables.matrices == [[[0.25, 0.75], [1.0, 0.0]]]
    assert tables.rows == ["a", "b"] and tables.columns == ["a", "b"]
    assert tables.captions == ["head 0"]
    assert set(sent) == {"matrices", "rows", "columns", "captions"}


def test_masked_scores_travel_as_null_because_json_has_no_infinity():
    tables = HeatmapTables()
    scores = np.array([[[0.5, -np.inf], [0.1, 0.2]]])
    tables.show(scores, ["x", "y"], ["x", "y"], ["scores"], probabilities=False)
    assert tables.matrices == [[[0.5, None], [0.1, 0.2]]]
    assert tables.probabilities is False


def test_the_script_draws_one_table_per_matrix_into_the_named_div():
    script = HeatmapTables._esm
    assert "holder.id = model.get('element_id')" in script
    assert "table.dataset.head = String(index)" in script
    assert "v.toFixed(digits)" in script


@pytest.mark.parametrize(
    ("matrices", "rows", "columns", "message"),
    [
        (np.zeros((2, 2)), ["a", "b"], ["a", "b"], r"expected matrices of shape"),
        (np.zeros((1, 2, 3)), ["a", "b"], ["a", "b"], r"expected 2 row labels, 3"),
    ],
)
def test_shapes_that_do_not_match_are_refused(matrices, rows, columns, message):
    with pytest.raises(ShapeError, match=message):
        HeatmapTables().show(matrices, rows, columns)
