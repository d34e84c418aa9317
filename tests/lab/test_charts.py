"""The run charts draw what the frames hold."""

from __future__ import annotations

import polars as pl

from neuron.lab import smooth
from neuron.viz.lab import labelled, loss_chart, run_charts


def frame() -> pl.DataFrame:
    rows = [
        (run, step, name, value)
        for run in (1, 2)
        for step in (1, 2, 3)
        for name, value in (("loss", 3.0 / step), ("lr", 0.1), ("val_loss", 2.0))
    ]
    raw = pl.DataFrame(rows, schema=["run", "step", "name", "value"], orient="row")
    return labelled(smooth(raw, 0.6), {1: "small", 2: "wide"})


def test_labels_name_each_run():
    assert sorted(set(frame()["label"])) == ["1 small", "2 wide"]


def test_loss_chart_layers_raw_smoothed_and_validation():
    spec = loss_chart(frame()).to_dict()

    assert len(spec["layer"]) == 3
    assert spec["layer"][1]["encoding"]["y"]["field"] == "smoothed"


def test_run_charts_render_to_a_spec_with_every_panel():
    spec = run_charts(frame()).to_dict()

    titles = [panel["title"] for panel in spec["vconcat"][1]["hconcat"]]
    assert titles == ["learning rate", "throughput (tokens or words / s)"]
