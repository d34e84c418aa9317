"""The softmax benchmark returns one well-formed record per backend."""

import pytest

from neuron.errors import InvalidArgumentError
from neuron.softmax.bench import BenchRecord, bench_softmax


def test_records_for_every_backend_and_output_on_a_small_input():
    records = bench_softmax(shape=(64, 128), repeats=3, warmup=1)
    assert [(r.output, r.backend) for r in records] == [
        ("new", "engine"),
        ("new", "reference"),
        ("new", "torch"),
        ("given", "engine"),
        ("given", "torch"),
    ]
    for record in records:
        assert isinstance(record, BenchRecord)
        assert record.seconds > 0
        assert record.rows_per_second == pytest.approx(64 / record.seconds)
        assert record.shape == (64, 128) and record.dtype == "float32"
        assert record.as_dict()["backend"] == record.backend
    for torch_record in (records[2], records[4]):
        assert torch_record.ratio_vs_torch == pytest.approx(1.0)


def test_without_torch_there_is_no_ratio():
    (record,) = bench_softmax(
        shape=(8, 16), dtype="float64", repeats=1, backends=["engine"], outputs=["new"]
    )
    assert record.ratio_vs_torch is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": (0, 4)},
        {"dtype": "int8"},
        {"repeats": 0},
        {"backends": ["jax"]},
        {"outputs": ["donated"]},
    ],
    ids=str,
)
def test_bad_arguments(kwargs):
    with pytest.raises(InvalidArgumentError, match="expected"):
        bench_softmax(**kwargs)
