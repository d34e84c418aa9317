"""Metric frames, smoothing, the run table and config differences."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from neuron.errors import InvalidArgumentError
from neuron.lab import config_diff, metric_frame, run_table, smooth
from neuron.lab.tables import RUN_TABLE_SCHEMA, ema, thin


class TestEma:
    def test_weight_zero_returns_the_values(self):
        np.testing.assert_allclose(ema([3.0, 1.0, 2.0], 0.0), [3.0, 1.0, 2.0])

    def test_first_point_is_its_own_value_thanks_to_the_bias_correction(self):
        assert ema([5.0, 1.0], 0.9)[0] == pytest.approx(5.0)

    def test_matches_the_debiased_recurrence(self):
        values, weight = [4.0, 2.0, 6.0], 0.5
        # s1 = 2, s2 = 2, s3 = 4; divided by 1 - 0.5^n: 0.5, 0.75, 0.875.
        expected = [2.0 / 0.5, 2.0 / 0.75, 4.0 / 0.875]
        np.testing.assert_allclose(ema(values, weight), expected)

    def test_a_constant_stays_constant(self):
        np.testing.assert_allclose(ema([2.5] * 6, 0.99), [2.5] * 6)

    def test_nan_passes_through_and_leaves_the_average_alone(self):
        smoothed = ema([1.0, math.nan, 1.0], 0.6)
        assert math.isnan(smoothed[1])
        assert smoothed[2] == pytest.approx(1.0)

    def test_weight_of_one_is_refused(self):
        with pytest.raises(InvalidArgumentError, match=r"\[0, 1\)"):
            ema([1.0], 1.0)


def test_smooth_averages_each_run_and_metric_on_its_own():
    frame = pl.DataFrame(
        {
            "run": [1, 1, 2, 2],
            "step": [1, 2, 1, 2],
            "name": ["loss"] * 4,
            "value": [4.0, 2.0, 10.0, 10.0],
        }
    )

    smoothed = smooth(frame, 0.5)

    assert smoothed.filter(pl.col("run") == 2)["smoothed"].to_list() == [10.0, 10.0]
    # s1 = 2 and s2 = 0.5 * 2 + 0.5 * 2 = 2, over 0.5 and 0.75.
    first = smoothed.filter(pl.col("run") == 1)["smoothed"].to_list()
    assert first == pytest.approx([4.0, 2.0 / 0.75])


def record_run(store, name, losses, **config):
    run = store.create_run(name, {"model": {}, "train": {}, **config}, seed=0)
    for step, loss in enumerate(losses, start=1):
        store.log_metrics(run.id, step, {"loss": loss, "lr": 0.1})
    return run


def test_metric_frame_holds_the_chosen_metrics_of_the_chosen_runs(store):
    first = record_run(store, "a", [3.0, 2.0])
    record_run(store, "b", [9.0])

    frame = metric_frame(store, [first.id], ["loss"])

    assert frame.columns == ["run", "step", "name", "value"]
    assert frame.rows() == [(first.id, 1, "loss", 3.0), (first.id, 2, "loss", 2.0)]


def test_metric_frame_of_no_runs_is_empty_with_its_columns(store):
    assert metric_frame(store, []).columns == ["run", "step", "name", "value"]


def test_run_table_lists_runs_newest_first_with_last_metrics(store):
    older = record_run(store, "older", [3.0, 2.5])
    newer = record_run(store, "newer", [4.0])
    store.finish_run(older.id)

    table = run_table(store)

    assert dict(table.schema) == RUN_TABLE_SCHEMA
    assert table["id"].to_list() == [newer.id, older.id]
    assert table.row(1, named=True) | {"created": None} == {
        "id": older.id,
        "name": "older",
        "kind": "gpt",
        "status": "finished",
        "steps": 2,
        "loss": 2.5,
        "val_loss": None,
        "tokens_per_second": None,
        "created": None,
    }


def test_run_table_of_an_empty_store_has_its_columns(store):
    assert dict(run_table(store).schema) == RUN_TABLE_SCHEMA


def test_config_diff_lists_differing_leaves_by_dotted_path():
    a = {"model": {"layers": 2, "heads": 4}, "train": {"lr": 0.1}, "only_a": 1}
    b = {"model": {"layers": 3, "heads": 4}, "train": {"lr": 0.1, "warmup": 5}}

    assert config_diff(a, b) == [
        ("model.layers", 2, 3),
        ("only_a", 1, None),
        ("train.warmup", None, 5),
    ]


def test_config_diff_of_equal_configs_is_empty():
    config = {"model": {"layers": [1, 2]}, "seed": 0}
    assert config_diff(config, dict(config)) == []


def test_run_table_reuses_the_rows_of_ended_runs(store):
    run = record_run(store, "done", [3.0])
    store.finish_run(run.id)
    cache = {}
    run_table(store, cache=cache)
    store.log_metrics(record_run(store, "live", [1.0]).id, 5, {"loss": 0.5})

    table = run_table(store, cache=cache)

    assert list(cache) == [(run.id, store.get_run(run.id).updated)]
    assert table["loss"].to_list() == [0.5, 3.0]


def test_thin_keeps_spaced_points_and_the_last():
    frame = pl.DataFrame(
        {
            "run": [1] * 10,
            "step": list(range(1, 11)),
            "name": ["loss"] * 10,
            "value": [float(i) for i in range(10)],
        }
    )

    assert thin(frame, 4)["step"].to_list() == [1, 4, 7, 10]
    assert thin(frame, 100).height == 10
