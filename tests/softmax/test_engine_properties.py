"""Property tests of the compiled engine: the same laws as the reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuron import engine
from neuron.softmax import reference

rows32 = arrays(
    np.float32,
    st.tuples(st.integers(1, 5), st.integers(1, 70)),
    elements=st.floats(-80, 80, width=32, allow_nan=False),
)


@settings(max_examples=80, deadline=None)
@given(rows32)
def test_rows_sum_to_one(x):
    y = engine.softmax(x)
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(-1, dtype=np.float64), 1.0, rtol=1e-5)


@settings(max_examples=80, deadline=None)
@given(rows32)
def test_log_softmax_is_log_of_softmax(x):
    y = engine.softmax(x.astype(np.float64))
    keep = y > 1e-30
    np.testing.assert_allclose(
        engine.log_softmax(x)[keep], np.log(y[keep]), rtol=1e-5, atol=2e-5
    )


@settings(max_examples=80, deadline=None)
@given(rows32)
def test_matches_reference(x):
    np.testing.assert_allclose(
        engine.softmax(x), reference.softmax(x), rtol=1e-5, atol=1e-7
    )
