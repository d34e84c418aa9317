"""The command lines Code Lab builds for GPT and word2vec runs."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from neuron.errors import InvalidArgumentError
from neuron.lab import GptJob, Word2vecJob, torchrun_command
from neuron.lab.jobs import TRAIN_DEFAULTS
from neuron.transformer.config import TransformerConfig
from neuron.transformer.train import TrainSettings

TEXT = Path("/data/shakespeare.txt")
WHERE = dict(store_path="/home/me/neuron.db", out_dir="/home/me/runs/a")


def job(**train) -> GptJob:
    return GptJob(TEXT, layers=2, d_model=64, heads=4, context=32, train=train)


def test_train_defaults_match_train_settings():
    defaults = {
        field.name: field.default for field in dataclasses.fields(TrainSettings)
    }
    defaults.pop("context")
    assert defaults == TRAIN_DEFAULTS


def test_one_process_runs_the_training_module_with_this_python():
    argv = job(steps=50).argv(**WHERE)

    assert argv == [
        sys.executable,
        "-m",
        "neuron.transformer.train",
        *["--text", "/data/shakespeare.txt", "--tokenizer", "char"],
        *["--layers", "2", "--d-model", "64", "--heads", "4", "--context", "32"],
        *["--steps", "50"],
        *["--out", "/home/me/runs/a", "--db", "/home/me/neuron.db"],
    ]


def test_several_processes_run_under_torch_distributed_run():
    argv = job().argv(processes=4, **WHERE)

    assert argv[:7] == [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "4",
        "-m",
    ]
    assert argv[7] == "neuron.transformer.train"


def test_torchrun_command_is_the_exact_shell_line():
    line = torchrun_command(job(lr=3e-4, sample_prompt="ROMEO:"), processes=2, **WHERE)

    assert line == (
        "torchrun --standalone --nproc_per_node 2 -m neuron.transformer.train "
        "--text /data/shakespeare.txt --tokenizer char --layers 2 --d-model 64 "
        "--heads 4 --context 32 --lr 0.0003 --prompt ROMEO: "
        "--out /home/me/runs/a --db /home/me/neuron.db"
    )


def test_arguments_leave_out_defaults_and_say_no_clipping_as_zero():
    args = job(steps=1000, clip=None).arguments(**WHERE)

    assert "--steps" not in args
    assert args[args.index("--clip") + 1] == "0.0"


def test_name_and_resume_are_passed_on():
    named = dataclasses.replace(job(), name="my run")
    args = named.arguments(resume="/ckpt/checkpoint-000010.pt", **WHERE)

    assert args[-4:] == ["--name", "my run", "--resume", "/ckpt/checkpoint-000010.pt"]


def test_processes_must_divide_the_batch():
    with pytest.raises(InvalidArgumentError, match="multiple of 3"):
        job(batch_size=32).argv(processes=3, **WHERE)


def test_unknown_settings_are_refused():
    with pytest.raises(InvalidArgumentError, match="unknown learning_rate"):
        job(learning_rate=0.1)


def builder_payload(**model) -> dict:
    config = TransformerConfig(
        kind="decoder",
        vocab_size=65,
        context=64,
        d_model=32,
        heads=2,
        layers=3,
        d_ff=96,
        **model,
    )
    return {"model": config.to_dict(), "train": {"steps": 7, "lr": 0.01}, "name": "b"}


def test_builder_config_becomes_the_commands_flags():
    built = GptJob.from_builder(builder_payload(dropout=0.1), text=TEXT)

    assert (built.layers, built.d_model, built.heads, built.d_ff) == (3, 32, 2, 96)
    assert (built.context, built.dropout, built.name) == (64, 0.1, "b")
    assert built.train == {"steps": 7, "lr": 0.01}


def test_builder_config_the_command_cannot_build_is_refused():
    payload = builder_payload(norm="post", final_norm=False)

    with pytest.raises(NotImplementedError, match="norm='pre'"):
        GptJob.from_builder(payload, text=TEXT)


def test_builder_encoder_is_refused():
    payload = builder_payload()
    payload["model"]["kind"] = "encoder"

    with pytest.raises(NotImplementedError, match="kind='decoder'"):
        GptJob.from_builder(payload, text=TEXT)


def test_builder_run_needs_a_text():
    with pytest.raises(InvalidArgumentError, match="text file"):
        GptJob.from_builder(builder_payload())


def test_a_recorded_run_config_gives_back_the_same_job():
    original = job(steps=50, lr=0.002, checkpoint_interval=5)
    settings = {**TRAIN_DEFAULTS, **original.train, "context": 32}
    config = {
        "model": TransformerConfig(
            kind="decoder",
            vocab_size=30,
            context=32,
            d_model=64,
            heads=4,
            layers=2,
            d_ff=256,
        ).to_dict(),
        "train": settings,
        "data": {"source": str(TEXT), "tokenizer": "char", "val_fraction": 0.1},
    }

    again = GptJob.from_run(config)

    assert again.arguments(**WHERE) == original.arguments(**WHERE)


def test_word2vec_job_argv_names_every_setting():
    argv = Word2vecJob("/c/emma.txt", epochs=2, min_count=1).argv(**WHERE)

    assert argv[:3] == [sys.executable, "-m", "neuron.lab.word2vec_job"]
    assert argv[argv.index("--epochs") + 1] == "2"
    assert argv[argv.index("--min-count") + 1] == "1"
    assert "--threads" not in argv
