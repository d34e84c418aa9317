"""`neuron train` through the real command: the fixed-format progress lines,
the run it records, and its options' agreement with TrainSettings."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch
from typer.testing import CliRunner

from neuron.cli import app
from neuron.cli.train import _DEFAULTS, format_report
from neuron.store import Store
from neuron.transformer.train import StepReport, TrainSettings

LINE = re.compile(
    r"^step +\d+ \| loss \d+\.\d{4} \| val ( +-|\d+\.\d{4}) \| lr \d\.\de[-+]\d\d "
    r"\| grad \d+\.\d{3} \| [\d,]+ tok/s \| mfu +(-|\d+\.\d%)$"
)


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("All the world's a stage. " * 60, encoding="utf-8")
    return path


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_the_line_format():
    report = StepReport(
        step=100,
        steps=1000,
        loss=2.34561,
        lr=3e-4,
        grad_norm=0.8123,
        tokens_per_second=12345.4,
        mfu=0.0412,
        val_loss=2.40012,
    )
    assert format_report(report) == (
        "step   100 | loss 2.3456 | val 2.4001 | lr 3.0e-04 | grad 0.812 | "
        "12,345 tok/s | mfu 4.1%"
    )
    blank = dataclasses.replace(report, val_loss=None, mfu=None)
    assert format_report(blank) == (
        "step   100 | loss 2.3456 | val      - | lr 3.0e-04 | grad 0.812 | "
        "12,345 tok/s | mfu    -"
    )
    assert len(format_report(blank)) == len(format_report(report))


def test_option_defaults_are_the_settings_defaults():
    defaults = TrainSettings()
    for name, value in _DEFAULTS.items():
        assert getattr(defaults, name) == value, name


def test_trains_prints_a_line_per_interval_and_records_the_run(
    neuron_home, text, tmp_path, one_thread
):
    result_file = tmp_path / "result.json"
    arguments = [
        "train", "--text", str(text), "--layers", "1", "--d-model", "16",
        "--heads", "2", "--context", "16", "--steps", "6", "--batch-size", "4",
        "--eval-interval", "3", "--eval-batches", "1", "--log-interval", "2",
        "--peak-flops", "1e10", "--sample-tokens", "5", "--device", "cpu",
        "--out", str(tmp_path / "out"), "--name", "stage",
        "--result-json", str(result_file),
    ]  # fmt: skip
    result = CliRunner().invoke(app, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output

    lines = result.output.splitlines()
    steps = [line for line in lines if line.startswith("step ")]
    assert [int(line.split()[1]) for line in steps] == [2, 3, 4, 6]
    assert all(LINE.match(line) for line in steps), steps
    assert lines[0].startswith("model: 1 layers, d_model 16")
    assert any(line.startswith("done: 6 steps") for line in lines)

    with Store.open() as store:
        (run,) = store.list_runs()
        assert run.name == "stage" and run.status == "finished"
        assert [c["step"] for c in store.checkpoints(run.id)] == [6]
    saved = json.loads(result_file.read_text())
    assert saved["run_id"] == run.id and sorted(saved["losses"], key=int) == [
        str(step) for step in range(1, 7)
    ]


def test_a_bad_option_is_one_error_line(neuron_home, text):
    result = CliRunner().invoke(
        app, ["train", "--text", str(text), "--tokenizer", "words", "--no-record"]
    )
    assert result.exit_code == 1
    assert "expected a tokenizer in 'char', 'bpe'" in result.output
