"""The parameters chart: one bar per component with parameters, the shares
in the data, and refusals of bad counts."""

import altair as alt
import pytest

from neuron.errors import InvalidArgumentError
from neuron.transformer.config import TransformerConfig
from neuron.viz.builder import parameter_chart


def records(chart) -> list[dict]:
    return chart.to_dict()["data"]["values"]


def test_one_bar_per_component_with_parameters():
    counts = TransformerConfig.gpt2_small().parameters()
    chart = parameter_chart(counts)
    found = {row["component"]: row for row in records(chart)}

    assert isinstance(chart, alt.Chart)
    assert set(found) == {name.replace("_", " ") for name, n in counts.items() if n}
    assert found["feed forward"]["parameters"] == counts["feed_forward"]
    assert sum(row["share"] for row in found.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("counts", [{"a": -1}, {"a": 1.5}, {"a": 0}, {}])
def test_bad_counts_are_refused(counts):
    with pytest.raises(InvalidArgumentError, match="expected"):
        parameter_chart(counts)
