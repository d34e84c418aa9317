"""Training: the loss falls, a stopped run resumes bit for bit, the run is
recorded in the store, and two processes under torchrun take the steps one
process takes with the same global batch."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest
import torch

from neuron.errors import CheckpointError, InvalidArgumentError
from neuron.store import Store
from neuron.transformer.checkpoint import load_trained
from neuron.transformer.config import TransformerConfig
from neuron.transformer.data import TextData
from neuron.transformer.train import StepReport, TrainSettings, train

from ..conftest import REPO

TEXT = "To be, or not to be, that is the question. " * 40

# A peak given, so no test spends a second timing a matmul.
SETTINGS = TrainSettings(
    steps=8,
    batch_size=4,
    context=16,
    lr=3e-3,
    warmup=2,
    eval_interval=4,
    eval_batches=2,
    log_interval=1,
    device="cpu",
    peak_flops=1e10,
    sample_tokens=8,
)


def model_config(data: TextData, **changes) -> TransformerConfig:
    fields = {
        "kind": "decoder",
        "vocab_size": data.vocab_size,
        "context": 16,
        "d_model": 16,
        "heads": 2,
        "layers": 2,
        "d_ff": 32,
        **changes,
    }
    return TransformerConfig(**fields)


@pytest.fixture(scope="module")
def data() -> TextData:
    return TextData.from_text(TEXT, "char")


class Stop(Exception):
    """Raised from the progress callback to stop a run part-way."""


def stop_after(step: int):
    def progress(report: StepReport) -> None:
        if report.step == step:
            raise Stop(f"stopped after step {step}")

    return progress


@pytest.fixture(autouse=True)
def one_thread():
    """Run these tiny models on one thread: more threads only add waiting,
    and on a busy two-core machine OpenMP's waits make a step ten times
    slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_the_loss_falls_on_a_repeated_text(data):
    settings = dataclasses.replace(
        SETTINGS, steps=60, batch_size=8, lr=2e-2, warmup=5, eval_interval=0
    )
    result = train(model_config(data), settings, data)
    first = sum(result.losses[step] for step in range(1, 6)) / 5
    last = sum(result.losses[step] for step in range(56, 61)) / 5
    assert first > 2.5  # about ln(vocab) at the start
    assert last < 0.5 * first


def test_reports_come_at_each_interval_with_every_field(data):
    reports: list[StepReport] = []
    settings = dataclasses.replace(SETTINGS, log_interval=3)
    result = train(model_config(data), settings, data, progress=reports.append)
    assert [r.step for r in reports] == [3, 4, 6, 8]  # every 3, evals at 4 and 8
    assert [r.step for r in reports if r.val_loss is not None] == [4, 8]
    assert all(r.sample is not None for r in reports if r.val_loss is not None)
    assert all(r.tokens_per_second > 0 and r.mfu > 0 for r in reports)
    assert result.val_losses.keys() == {4, 8} and result.samples.keys() == {4, 8}
    assert result.tokens == 8 * 4 * 16
    assert reports[-1].lr == pytest.approx(3e-4)  # the cosine floor, lr / 10


class TestResume:
    @pytest.mark.parametrize("dropout", [0.0, 0.2])
    def test_stopping_and_resuming_gives_the_same_run_bit_for_bit(
        self, tmp_path, data, dropout
    ):
        config = model_config(data, dropout=dropout)
        settings = dataclasses.replace(SETTINGS, checkpoint_interval=4)
        straight = train(config, settings, data, out_dir=tmp_path / "straight")

        with pytest.raises(Stop):
            train(
                config, settings, data, out_dir=tmp_path / "b", progress=stop_after(5)
            )
        checkpoint = tmp_path / "b" / "checkpoint-000004.pt"
        resumed = train(
            config, settings, data, out_dir=tmp_path / "b", resume=checkpoint
        )

        assert list(resumed.losses) == [5, 6, 7, 8]
        assert [resumed.losses[s] for s in range(5, 9)] == [
            straight.losses[s] for s in range(5, 9)
        ]
        assert resumed.val_losses[8] == straight.val_losses[8]
        assert resumed.samples[8] == straight.samples[8]
        for name, value in straight.model.state_dict().items():
            assert torch.equal(value, resumed.model.state_dict()[name]), name

    def test_the_checkpoint_holds_what_resuming_needs(self, tmp_path, data):
        config = model_config(data)
        result = train(config, SETTINGS, data, out_dir=tmp_path)
        assert [p.name for p in result.checkpoints] == ["checkpoint-000008.pt"]
        model, tokenizer = load_trained(result.checkpoints[0])
        assert tokenizer.encode("To be") == data.tokenizer.encode("To be")
        for name, value in result.model.state_dict().items():
            assert torch.equal(value, model.state_dict()[name])

    def test_another_model_or_batch_is_refused(self, tmp_path, data):
        config = model_config(data)
        path = train(config, SETTINGS, data, out_dir=tmp_path).checkpoints[0]
        with pytest.raises(CheckpointError, match="another config"):
            train(model_config(data, d_model=32), SETTINGS, data, resume=path)
        changed = dataclasses.replace(SETTINGS, batch_size=8)
        with pytest.raises(CheckpointError, match="batch_size=4"):
            train(config, changed, data, resume=path)


class TestRecording:
    def test_config_metrics_checkpoints_samples_and_summary(self, tmp_path, data):
        config = model_config(data)
        settings = dataclasses.replace(SETTINGS, log_interval=2)
        with Store.open(tmp_path / "neuron.db") as store:
            result = train(
                config, settings, data, store=store, run_name="tiny", out_dir=tmp_path
            )
            run = store.get_run(result.run_id)
            metrics = store.metrics(run.id)
            checkpoints = store.checkpoints(run.id)
            samples = store.samples(run.id)

        assert run.name == "tiny" and run.status == "finished" and run.seed == 0
        assert run.config["model"] == config.to_dict()
        assert run.config["train"]["batch_size"] == 4
        assert run.config["data"]["tokenizer"] == "char"
        assert run.environment["world_size"] == 1
        assert run.environment["torch"] == torch.__version__
        assert run.summary["val_loss"] == result.final_val_loss
        assert run.summary["steps"] == 8

        by_step: dict[int, dict[str, float]] = {}
        for step, name, value in metrics:
            by_step.setdefault(step, {})[name] = value
        assert sorted(by_step) == [2, 4, 6, 8]
        assert set(by_step[2]) == {
            "loss",
            "lr",
            "grad_norm",
            "tokens_per_second",
            "mfu",
        }
        assert by_step[8]["val_loss"] == result.val_losses[8]
        assert [c["step"] for c in checkpoints] == [8]
        assert checkpoints[0]["path"] == str(result.checkpoints[0])
        assert [s["step"] for s in samples] == [4, 8]
        assert samples[1]["text"] == result.samples[8]

    def test_a_failed_run_is_marked_failed_and_the_error_raised(self, tmp_path, data):
        with Store.open(tmp_path / "neuron.db") as store:
            with pytest.raises(Stop):
                train(
                    model_config(data),
                    SETTINGS,
                    data,
                    store=store,
                    progress=stop_after(3),
                )
            (run,) = store.list_runs()
        assert run.status == "failed"
        assert run.summary["error"] == "Stop: stopped after step 3"
        assert run.summary["step"] == 3

    def test_ctrl_c_marks_the_run_stopped(self, tmp_path, data):
        def interrupt(report):
            raise KeyboardInterrupt

        with Store.open(tmp_path / "neuron.db") as store:
            with pytest.raises(KeyboardInterrupt):
                train(
                    model_config(data), SETTINGS, data, store=store, progress=interrupt
                )
            assert store.list_runs()[0].status == "stopped"


class TestChecks:
    def test_an_encoder_is_refused(self, data):
        encoder = TransformerConfig(
            kind="encoder",
            vocab_size=data.vocab_size,
            context=16,
            d_model=16,
            heads=2,
            layers=1,
            d_ff=32,
            tie_embeddings=False,
        )
        with pytest.raises(InvalidArgumentError, match="kind 'decoder'"):
            train(encoder, SETTINGS, data)

    def test_a_vocabulary_smaller_than_the_tokenizers_is_refused(self, data):
        config = model_config(data, vocab_size=data.vocab_size - 1)
        with pytest.raises(InvalidArgumentError, match="vocab_size=data.vocab_size"):
            train(config, SETTINGS, data)

    def test_a_context_beyond_the_positions_is_refused(self, data):
        settings = dataclasses.replace(SETTINGS, context=32)
        with pytest.raises(InvalidArgumentError, match="learned positions"):
            train(model_config(data), settings, data)

    def test_settings_check_their_fields(self):
        with pytest.raises(InvalidArgumentError, match="schedule"):
            TrainSettings(schedule="linear")
        with pytest.raises(InvalidArgumentError, match="min_lr <= lr"):
            TrainSettings(lr=1e-3, min_lr=1e-2)
        with pytest.raises(InvalidArgumentError, match="steps >= 1"):
            TrainSettings(steps=0)

    def test_float16_says_what_to_use_instead(self, data):
        settings = dataclasses.replace(SETTINGS, dtype="float16")
        with pytest.raises(NotImplementedError, match="bfloat16"):
            train(model_config(data), settings, data)


# Two processes average their gradients (summing in another order than one
# process does) and run their matmuls on one thread each; after 6 AdamW steps
# the losses agree to about 1e-7 relative. The bound leaves room for that.
DISTRIBUTED_RTOL = 1e-5


@pytest.mark.slow  # about 10 s: three Python processes load torch
def test_two_processes_under_torchrun_take_one_processs_steps(tmp_path, data):
    text = tmp_path / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    result_file = tmp_path / "result.json"
    settings = dataclasses.replace(
        SETTINGS, steps=6, batch_size=8, eval_interval=3, sample_tokens=0
    )
    command = [
        sys.executable, "-m", "torch.distributed.run",
        "--standalone", "--nproc_per_node", "2",
        "-m", "neuron.transformer.train",
        "--text", str(text), "--val-fraction", "0.1", "--tokenizer", "char",
        "--layers", "2", "--d-model", "16", "--heads", "2", "--d-ff", "32",
        "--context", "16", "--steps", "6", "--batch-size", "8",
        "--lr", "3e-3", "--warmup", "2", "--eval-interval", "3",
        "--eval-batches", "2", "--log-interval", "1", "--device", "cpu",
        "--peak-flops", "1e10", "--sample-tokens", "0", "--no-record",
        "--result-json", str(result_file),
    ]  # fmt: skip
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")
    }
    completed = subprocess.run(
        command,
        cwd=REPO,
        env={**environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.count("| loss ") == 6  # only rank 0 prints
    distributed = json.loads(result_file.read_text())

    single = train(model_config(data), settings, TextData.from_file(text, "char"))
    losses = [distributed["losses"][str(step)] for step in range(1, 7)]
    expected = [single.losses[step] for step in range(1, 7)]
    assert losses == pytest.approx(expected, rel=DISTRIBUTED_RTOL, abs=0)
    val = [distributed["val_losses"][str(step)] for step in (3, 6)]
    assert val == pytest.approx([single.val_losses[3], single.val_losses[6]], 1e-5)
