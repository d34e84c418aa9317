"""``TrainSettings``' defaults, but ``context``, as plain data.

Written out here so that code which only builds a command line (``neuron
train --help``, Code Lab's jobs) needs no torch, which
``neuron.transformer.settings`` imports; tests check that the two agree.
"""

from typing import Any

__all__ = ["TRAIN_DEFAULTS"]

TRAIN_DEFAULTS: dict[str, Any] = {
    "steps": 1000,
    "batch_size": 32,
    "lr": 1e-3,
    "schedule": "cosine",
    "warmup": 100,
    "min_lr": None,
    "weight_decay": 0.1,
    "clip": 1.0,
    "label_smoothing": 0.0,
    "eval_interval": 250,
    "eval_batches": 10,
    "checkpoint_interval": 0,
    "log_interval": 10,
    "seed": 0,
    "device": "auto",
    "attention": "torch",
    "dtype": "float32",
    "peak_flops": None,
    "sample_tokens": 200,
    "sample_prompt": "\n",
}
