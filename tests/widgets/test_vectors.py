"""The vector widget's math against NumPy, and its traits."""

import math

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.widgets import VectorPair, relations
from neuron.widgets.vectors import VECTORS_ESM


class TestRelations:
    def test_matches_direct_numpy(self):
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal(5), rng.standard_normal(5)
        found = relations(a, b, alpha=0.5, beta=-2.0)
        assert found.dot == pytest.approx(np.dot(a, b), rel=1e-12)
        assert found.norm_a == pytest.approx(np.linalg.norm(a), rel=1e-12)
        assert found.cosine == pytest.approx(
            np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), rel=1e-12
        )
        np.testing.assert_allclose(
            found.projection, np.dot(a, b) / np.dot(b, b) * b, rtol=1e-12
        )
        np.testing.assert_allclose(found.combination, 0.5 * a - 2.0 * b)

    def test_the_rest_of_a_is_orthogonal_to_b(self):
        a, b = np.array([2.0, 1.0]), np.array([0.5, 2.0])
        found = relations(a, b)
        assert np.dot(a - found.projection, b) == pytest.approx(0.0, abs=1e-12)

    def test_a_zero_vector_has_no_cosine_and_no_projection(self):
        found = relations(np.array([1.0, 1.0]), np.zeros(2))
        assert math.isnan(found.cosine)
        np.testing.assert_array_equal(found.projection, [0.0, 0.0])

    def test_vectors_of_different_lengths_are_refused(self):
        with pytest.raises(ShapeError, match="of the same length"):
            relations(np.ones(2), np.ones(3))

    def test_a_nan_weight_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="alpha to be a finite"):
            relations(np.ones(2), np.ones(2), alpha=math.nan)


class TestVectorPair:
    def test_traits_round_trip_as_floats(self):
        widget = VectorPair(vectors=[[1, 2], [3, 4]], alpha=0.5)
        assert widget.vectors == [[1.0, 2.0], [3.0, 4.0]]
        state = widget.get_state()
        assert state["vectors"] == [[1.0, 2.0], [3.0, 4.0]]
        assert state["alpha"] == 0.5
        widget.set_state({"vectors": [[0.1, -0.2], [3.0, 0.0]]})
        assert widget.vectors == [[0.1, -0.2], [3.0, 0.0]]
        assert widget.relations().dot == pytest.approx(0.3)

    def test_three_vectors_are_refused(self):
        with pytest.raises(ShapeError, match=r"vectors of shape \(2, 2\)"):
            VectorPair(vectors=[[1, 2], [3, 4], [5, 6]])

    def test_a_nan_coordinate_is_refused(self):
        widget = VectorPair()
        with pytest.raises(InvalidArgumentError, match="finite coordinates"):
            widget.vectors = [[math.nan, 0], [1, 1]]
        assert widget.vectors == [[2.0, 1.0], [0.5, 2.0]]

    def test_a_non_positive_extent_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="extent > 0"):
            VectorPair(extent=0.0)

    def test_the_script_imports_nothing(self):
        # The app must work offline: no CDN, no import of any module.
        assert "import " not in VECTORS_ESM
        assert "http" not in VECTORS_ESM.replace("http://www.w3.org/2000/svg", "")
        assert "export default { render }" in VECTORS_ESM

    def test_marimo_wraps_it(self):
        mo = pytest.importorskip("marimo")
        wrapped = mo.ui.anywidget(VectorPair(vectors=[[1, 0], [0, 1]]))
        assert wrapped.value["vectors"] == [[1.0, 0.0], [0.0, 1.0]]
