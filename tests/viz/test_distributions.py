import numpy as np
import pytest

from neuron.errors import InvalidArgumentError, ShapeError
from neuron.viz.distributions import histogram, line_chart


def _records(chart) -> list[dict]:
    """The inline data of a chart, wherever Vega-Lite put it."""
    spec = chart.to_dict()
    if "values" in spec.get("data", {}):
        return spec["data"]["values"]
    (values,) = spec["datasets"].values()
    return values


class TestHistogram:
    def test_one_record_per_sample_and_bin_on_shared_edges(self):
        chart = histogram({"a": np.arange(10.0), "b": np.arange(100.0)}, bins=5)
        records = _records(chart)
        assert len(records) == 10
        a = [r for r in records if r["series"] == "a"]
        b = [r for r in records if r["series"] == "b"]
        assert [r["start"] for r in a] == [r["start"] for r in b]
        assert sum(r["count"] for r in a) == 10
        assert sum(r["count"] for r in b) == 100

    def test_refuses_no_sample(self):
        with pytest.raises(InvalidArgumentError, match="at least one sample"):
            histogram({})

    def test_refuses_a_matrix(self):
        with pytest.raises(ShapeError, match="'a'"):
            histogram({"a": np.ones((2, 2))})


class TestLineChart:
    def test_one_record_per_series_and_x(self):
        x = np.linspace(0, 1, 7)
        chart = line_chart(x, {"x": x, "x^2": x**2})
        records = _records(chart)
        assert len(records) == 14
        assert records[-1] == {"x": 1.0, "y": 1.0, "series": "x^2"}

    def test_refuses_a_series_of_another_length(self):
        with pytest.raises(ShapeError, match="'y'"):
            line_chart(np.arange(3), {"y": np.arange(4)})
