"""Attention chart builders: Altair charts with the expected data, the HTML
weights table a browser test reads, and refusals of bad shapes."""

import re

import altair as alt
import numpy as np
import pytest

from neuron.attention.steps import softmax_saturation
from neuron.errors import InvalidArgumentError, ShapeError
from neuron.viz import attention as viz

TOKENS = ["the", "cat", "saw", "the", "dog"]


def records(chart) -> list[dict]:
    """The inline data of a chart, from its Vega-Lite dict."""
    spec = chart.to_dict()
    if "data" in spec and "values" in spec["data"]:
        return spec["data"]["values"]
    datasets = spec.get("datasets", {})
    assert len(datasets) == 1, spec.keys()
    return next(iter(datasets.values()))


@pytest.fixture
def weights(rng) -> np.ndarray:
    e = np.exp(rng.standard_normal((2, 5, 5)))
    return e / e.sum(axis=-1, keepdims=True)  # (H, T, T)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


class TestHeatmap:
    def test_one_record_per_entry(self, rng):
        chart = viz.heatmap(rng.standard_normal((3, 4)), title="m")
        assert isinstance(chart, alt.LayerChart)
        data = records(chart)
        assert len(data) == 12
        assert {"row", "column", "value", "r", "c"} <= set(data[0])

    def test_masked_scores_become_empty_cells(self):
        matrix = np.array([[0.5, -np.inf], [0.1, 0.2]])
        values = [d["value"] for d in records(viz.heatmap(matrix))]
        assert values == [0.5, None, 0.1, 0.2]

    def test_attention_heatmap_labels_repeated_tokens_apart(self, weights):
        data = records(viz.attention_heatmap(weights[0], TOKENS))
        assert len(data) == 25
        assert {d["row"] for d in data} == {"0 the", "1 cat", "2 saw", "3 the", "4 dog"}

    def test_a_3d_array_is_refused(self, weights):
        with pytest.raises(ShapeError, match="expected a 2-D matrix"):
            viz.heatmap(weights)

    def test_labels_of_the_wrong_length_are_refused(self, weights):
        with pytest.raises(ShapeError, match="expected 5 row labels"):
            viz.heatmap(weights[0], ["a"], TOKENS)


class TestModelView:
    def test_one_record_per_layer_head_query_and_key(self, rng):
        probs = rng.random((3, 2, 5, 5))
        chart = viz.model_view(probs, TOKENS)
        assert isinstance(chart, alt.FacetChart)
        assert len(records(chart)) == 3 * 2 * 5 * 5

    def test_more_than_five_thousand_records_render(self, rng):
        probs = rng.random((6, 12, 14, 14))  # MiniLM on a 12-word sentence
        assert len(records(viz.model_view(probs, [str(i) for i in range(14)]))) > 5000

    def test_tokens_of_the_wrong_length_are_refused(self, rng):
        with pytest.raises(ShapeError, match="expected 5 tokens"):
            viz.model_view(rng.random((1, 1, 5, 5)), TOKENS[:2])


class TestOtherCharts:
    def test_probability_bars_show_the_top_entries_in_order(self):
        chart = viz.probability_bars(np.array([0.1, 0.6, 0.3]), ["a", "b", "c"], top=2)
        assert [d["label"] for d in records(chart)] == ["b", "c"]

    def test_saturation_chart_has_a_record_per_series_and_size(self):
        results = [
            softmax_saturation((1, 4, 16), scaled=True, samples=8),
            softmax_saturation((1, 4, 16), scaled=False, samples=8),
        ]
        chart = viz.saturation_chart(results)
        assert isinstance(chart, alt.HConcatChart)
        data = records(chart)
        assert len(data) == 6
        assert {d["series"] for d in data} == {"q.k / sqrt(d_k)", "q.k (no scale)"}

    def test_saturation_chart_needs_a_series(self):
        with pytest.raises(InvalidArgumentError, match="at least one Saturation"):
            viz.saturation_chart([])


class TestSliceMatrix:
    def test_picks_batch_and_head(self, rng):
        value = rng.random((2, 3, 4, 4))
        np.testing.assert_array_equal(viz.slice_matrix(value, (1, 2)), value[1, 2])

    def test_vectors_become_one_row(self):
        assert viz.slice_matrix(np.arange(3.0)).shape == (1, 3)

    def test_an_index_out_of_range_is_refused(self, rng):
        with pytest.raises(InvalidArgumentError, match="one index per leading axis"):
            viz.slice_matrix(rng.random((2, 3, 4, 4)), (0, 3))


class TestWeightsHtml:
    def test_every_weight_is_written_with_four_decimals(self, weights):
        html = viz.weights_html(weights, TOKENS)
        assert html.startswith(viz.HEATMAP_CSS + '<div id="attention-weights">')
        for h in range(2):
            table = re.search(
                rf'<table data-head="{h}"[^>]*>(.*?)</table>', html, re.S
            ).group(1)
            cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
            assert cells == [f"{w:.4f}" for w in weights[h].ravel()]

    def test_tokens_are_escaped(self, weights):
        html = viz.weights_html(weights[:1], ["<b>", "a", "b", "c", "d"])
        assert "&lt;b&gt;" in html and "<b>" not in html

    def test_cells_darken_with_the_weight(self):
        html = viz.heatmap_html(np.array([[0.0, 0.5, 1.0]]), probabilities=True)
        assert re.findall(r'<td class="(\w+)"', html) == ["w0", "w8", "w15"]
        fills = {
            shade: sum(map(int, rgb))
            for shade, *rgb in re.findall(
                r"td\.(w\d+)\{background:rgb\((\d+), (\d+), (\d+)\)",
                viz.HEATMAP_CSS,
            )
        }
        assert fills["w0"] > fills["w8"] > fills["w15"]

    def test_signed_values_are_blue_below_zero_and_red_above(self):
        html = viz.heatmap_html(np.array([[-2.0, 0.0, 2.0], [1.0, -np.inf, 0.5]]))
        classes = re.findall(r'<td class="(\w+)"', html)
        assert classes == ["n15", "n0", "p15", "p8", "x", "p4"]
        css = viz.HEATMAP_CSS
        red = re.search(r"td\.p15\{background:rgb\((\d+), (\d+), (\d+)\)", css)
        blue = re.search(r"td\.n15\{background:rgb\((\d+), (\d+), (\d+)\)", css)
        assert int(red.group(1)) > int(red.group(3))
        assert int(blue.group(3)) > int(blue.group(1))

    def test_heatmap_html_checks_labels(self):
        with pytest.raises(ShapeError, match="expected 2 row labels"):
            viz.heatmap_html(np.zeros((2, 2)), ["a"], ["b", "c"])

    def test_weights_of_the_wrong_shape_are_refused(self, weights):
        with pytest.raises(ShapeError, match=r"expected weights of shape \(H, 4, 4\)"):
            viz.weights_html(weights, TOKENS[:4])
