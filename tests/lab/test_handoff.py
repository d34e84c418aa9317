"""Reading the run Builder hands over."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError
from neuron.lab import read_pending_run
from neuron.lab.handoff import PENDING_RUN


def test_no_pending_run_reads_as_none(store):
    assert read_pending_run(store) is None


def test_the_pending_run_reads_back_as_its_json(store):
    payload = {"model": {"layers": 2}, "train": {"steps": 5}, "name": "mine"}
    store.put_object(PENDING_RUN, np.array(json.dumps(payload)))

    assert read_pending_run(store) == payload


def test_a_pending_run_that_is_not_json_is_refused(store):
    store.put_object(PENDING_RUN, np.array("{not json"))

    with pytest.raises(InvalidArgumentError, match="send the config again"):
        read_pending_run(store)
