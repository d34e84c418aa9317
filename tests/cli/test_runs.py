"""`neuron runs ...` on a real store file, through the real command."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from neuron.cli import app
from neuron.store import Store


@pytest.fixture
def neuron(neuron_home):
    """Run `neuron ARGS...` in-process; returns the result."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def diverged(neuron_home) -> int:
    """A failed run in the default store, with metrics, a checkpoint and
    samples; returns its id."""
    with Store.open() as store:
        store.create_run("earlier", {}, seed=0)
        run = store.create_run(
            "lr too high", {"lr": 10.0, "d_model": 64}, seed=7, code_revision="c2326a4"
        )
        store.log_metrics(run.id, 0, {"loss": 4.25, "lr": 10.0})
        store.log_metrics(run.id, 10, {"loss": 2.5})
        store.log_metrics(run.id, 20, {"loss": math.nan}, allow_nonfinite=True)
        store.add_checkpoint(run.id, 10, "out/ckpt_10.pt", metrics={"val_loss": 2.75})
        store.add_sample(run.id, 0, "ROMEO:", " zzq")
        store.add_sample(run.id, 10, "ROMEO:", " O, she doth [teach]")
        store.finish_run(run.id, "failed", summary={"reason": "loss became nan"})
        return run.id


def test_list_is_newest_first_and_filters_by_status(neuron, diverged):
    listed = neuron("runs", "list").output
    assert listed.index("lr too high") < listed.index("earlier")

    failed = json.loads(neuron("runs", "list", "--status", "failed", "--json").output)
    assert [(r["id"], r["status"]) for r in failed] == [(diverged, "failed")]
    assert "No stopped runs." in neuron("runs", "list", "--status", "stopped").output


def test_list_says_when_empty(neuron):
    assert "No runs yet." in neuron("runs", "list").output


def test_show_prints_config_metrics_checkpoints_and_latest_sample(neuron, diverged):
    shown = neuron("runs", "show", str(diverged)).output

    assert "lr too high" in shown
    assert "status failed  seed 7" in shown
    assert "code revision c2326a4" in shown
    assert '"d_model": 64' in shown
    assert "loss became nan" in shown
    # loss: three points, the last NaN, the range over the finite ones.
    assert "loss" in shown and "nan" in shown and "4.25" in shown
    assert "step 10  out/ckpt_10.pt  val_loss 2.75" in shown
    assert "2 in all" in shown
    assert "ROMEO: O, she doth [teach]" in shown


def test_show_json_has_every_metric_with_nan_spelled_out(neuron, diverged):
    record = json.loads(neuron("runs", "show", str(diverged), "--json").output)

    assert record["config"] == {"lr": 10.0, "d_model": 64}
    assert record["metrics"] == [
        {"step": 0, "name": "loss", "value": 4.25},
        {"step": 0, "name": "lr", "value": 10.0},
        {"step": 10, "name": "loss", "value": 2.5},
        {"step": 20, "name": "loss", "value": "nan"},
    ]
    assert [c["path"] for c in record["checkpoints"]] == ["out/ckpt_10.pt"]
    assert [s["step"] for s in record["samples"]] == [0, 10]


def test_unknown_run_and_status_are_clear_errors(neuron):
    missing = neuron("runs", "show", "42", ok=False)
    assert missing.exit_code == 1
    assert "42" in missing.output and "no run has it" in missing.output

    bad = neuron("runs", "list", "--status", "done", ok=False)
    assert bad.exit_code == 1
    assert "one of running, finished, failed, stopped" in bad.output
