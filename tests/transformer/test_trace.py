"""The Trace container: order, lookup by name and position, no copies."""

import numpy as np
import pytest

from neuron.transformer.trace import Step, Trace


class TestTrace:
    def test_record_keeps_the_order_and_hands_the_value_back(self):
        trace = Trace()
        a, b = np.zeros((2, 3)), np.ones(4)
        assert trace.record("a", a, "A = 0") is a
        trace.record("b", b, "B = 1", ("w",))
        assert trace.names() == ["a", "b"] and len(trace) == 2
        assert [step.name for step in trace] == ["a", "b"]

    def test_lookup_by_name_and_by_position(self):
        trace = Trace()
        value = np.arange(6).reshape(2, 3)
        trace.record("x", value, "X", ("p.weight", "p.bias"))
        step = trace["x"]
        assert step is trace[0] and step.value is value
        assert step.shape == (2, 3) and step.parameters == ("p.weight", "p.bias")
        assert "x" in trace and "y" not in trace

    def test_an_unknown_name_says_where_to_look(self):
        with pytest.raises(KeyError, match="trace.names"):
            Trace()["missing"]

    def test_a_step_is_frozen(self):
        step = Step("x", np.zeros(1), "X")
        with pytest.raises(AttributeError):
            step.name = "y"
