"""The Explorer's chart builders and result tables (``neuron.viz.embeddings``)."""

import numpy as np
import pytest

from neuron.errors import ShapeError
from neuron.viz import embeddings as charts


def test_results_html_writes_words_and_cosines_to_four_decimals():
    page = charts.results_html("analogy-result", [("queen", 0.50153), ("<b>", -0.1)])
    assert page.startswith('<div id="analogy-result">')
    assert "<td>queen</td><td>0.5015</td>" in page
    assert "<td>&lt;b&gt;</td><td>-0.1000</td>" in page


def test_results_html_keeps_the_element_when_there_is_an_error():
    page = charts.results_html(
        "neighbours-result", [], error="not in the vocabulary: x"
    )
    assert '<div id="neighbours-result">' in page and "<table>" not in page


def test_scatter_map_carries_the_brush_selection():
    frame = charts.map_frame(["a", "b", "c"], np.arange(6.0).reshape(3, 2))
    spec = charts.scatter_map(frame).to_dict()
    assert frame.columns == ["word", "x", "y", "group"]
    assert [p["name"] for p in spec["params"]] == [charts.SELECTION]


def test_the_other_charts_build(rng):
    words = ["a", "b", "c"]
    charts.similarity_heatmap(words, np.eye(3)).to_dict()
    charts.axis_strip(words, np.array([-0.2, 0.0, 0.3]), "a", "c").to_dict()
    spec = charts.drift_chart(
        [1, 2], words, rng.standard_normal((2, 3, 2)), 2
    ).to_dict()
    assert spec["title"] == "epoch 2"


def test_builders_refuse_mismatched_shapes():
    with pytest.raises(ShapeError, match=r"\(2, 2\)"):
        charts.map_frame(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ShapeError, match=r"\(2, 2\) matrix"):
        charts.similarity_heatmap(["a", "b"], np.zeros((3, 3)))
    with pytest.raises(ShapeError, match=r"\(1, 2, 2\)"):
        charts.drift_chart([1], ["a", "b"], np.zeros((2, 2, 2)), 1)
