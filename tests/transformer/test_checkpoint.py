"""Checkpoint files: every generator's state round-trips, and a bad file is
refused with a message that says what it is."""

import random

import numpy as np
import pytest
import torch

from neuron.errors import CheckpointError
from neuron.transformer.checkpoint import (
    FORMAT_VERSION,
    capture_rng,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)


def draws() -> tuple:
    return (
        torch.rand(3).tolist(),
        np.random.rand(3).tolist(),
        np.random.standard_normal(),
        random.random(),
        random.gauss(0, 1),
    )


def test_restoring_a_captured_state_repeats_every_generators_draws():
    torch.manual_seed(1)
    np.random.seed(1)
    random.seed(1)
    draws()  # leave NumPy and Python with a cached Gaussian half-way
    state = capture_rng()
    expected = draws()
    draws()
    restore_rng(state)
    assert draws() == expected


def test_a_checkpoint_round_trips_with_weights_only_loading(tmp_path):
    path = save_checkpoint(
        tmp_path / "sub" / "c.pt",
        {
            "step": 3,
            "model": {"w": torch.ones(2)},
            "optimizer": {},
            "rng": [capture_rng()],
            "data": {"drawn": 3, "generator": torch.Generator().get_state()},
            "config": {"kind": "decoder"},
        },
    )
    contents = load_checkpoint(path)
    assert contents["format"] == FORMAT_VERSION and contents["step"] == 3
    assert torch.equal(contents["model"]["w"], torch.ones(2))
    assert not list(path.parent.glob("*.part"))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="found none"):
        load_checkpoint(tmp_path / "nope.pt")


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="unreadable"):
        load_checkpoint(path)


def test_another_format_or_missing_fields_are_refused(tmp_path):
    torch.save({"format": 99}, tmp_path / "new.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "new.pt")
    torch.save({"format": FORMAT_VERSION, "step": 1}, tmp_path / "part.pt")
    with pytest.raises(CheckpointError, match="model, optimizer"):
        load_checkpoint(tmp_path / "part.pt")
