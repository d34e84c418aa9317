"""Training runs through the Store API: config, metrics by step, checkpoints
and samples; non-finite values only when asked for; every bad input refused
clearly with the file left as it was."""

import math
import re
import signal
import uuid
from pathlib import Path

import numpy as np
import pytest

from neuron.errors import (
    InvalidRecordError,
    NotFoundError,
    RunStateError,
    TooLargeError,
)
from neuron.store import MAX_BODY_BYTES, Run, Store, json_number

from .conftest import run_python, snapshot

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

CONFIG = {"d_model": 64, "lr": 3e-4, "betas": [0.9, 0.95], "tied": True, "x": None}


@pytest.fixture
def run(store) -> Run:
    """A running run with a small config."""
    return store.create_run("baseline", CONFIG, seed=1337)


class TestCreateRun:
    def test_create_returns_the_stored_run(self, store):
        made = store.create_run(
            "tiny shakespeare",
            CONFIG,
            seed=1337,
            code_revision="c2326a4",
            environment={"torch": "2.13.0", "cuda": None},
        )

        assert made.id == 1
        assert str(uuid.UUID(made.uid)) == made.uid
        assert (made.name, made.status, made.seed) == (
            "tiny shakespeare",
            "running",
            1337,
        )
        assert made.config == CONFIG
        assert made.code_revision == "c2326a4"
        assert made.environment == {"torch": "2.13.0", "cuda": None}
        assert made.summary == {}
        assert TIME_RE.match(made.created) and made.created == made.updated
        assert store.get_run(made.id) == made

    def test_defaults_and_json_conversions(self, store):
        config = {"betas": (0.9, 0.95), "steps": np.int64(10), "lr": np.float32(0.5)}

        made = store.create_run("r", config, seed=-3)

        assert made.config == {"betas": [0.9, 0.95], "steps": 10, "lr": 0.5}
        assert (made.seed, made.code_revision, made.environment) == (-3, None, {})

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"name": ""}, "a run name with some text"),
            ({"name": "two\nlines"}, "on one line"),
            ({"name": 7}, "a run name as a string, got int"),
            ({"config": [1, 2]}, "config as a dict, got list"),
            ({"config": {"lr": math.nan}}, r"finite numbers in config\['lr'\]"),
            ({"config": {1: "a"}}, "string keys in config, got int 1"),
            ({"config": {"f": Path("x")}}, r"config\['f'\] to hold JSON values"),
            ({"config": {"a": [1, {"b": object()}]}}, r"config\['a'\]\[1\]\['b'\]"),
            ({"seed": 1.5}, "a seed as an int, got float"),
            ({"seed": True}, "a seed as an int, got bool"),
            ({"seed": 2**63}, "a seed from"),
            ({"code_revision": ""}, "a code revision with some text"),
            ({"environment": "linux"}, "environment as a dict, got str"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_written(
        self, store, db_path, kwargs, match
    ):
        before = snapshot(db_path)
        args = {"name": "r", "config": {}, "seed": 0, **kwargs}

        with pytest.raises(InvalidRecordError, match=match):
            store.create_run(args.pop("name"), args.pop("config"), **args)

        assert snapshot(db_path) == before

    def test_seed_is_required(self, store):
        with pytest.raises(TypeError, match="seed"):
            store.create_run("r", {})


class TestLogMetrics:
    def test_metrics_come_back_by_step_then_name(self, store, run):
        store.log_metrics(run.id, 10, {"loss": 2.5, "lr": 1e-3})
        store.log_metrics(run.id, 0, {"loss": 4.0})
        store.log_metrics(run.id, 5, {"val_loss": np.float32(3.0), "tokens": 4096})

        assert store.metrics(run.id) == [
            (0, "loss", 4.0),
            (5, "tokens", 4096.0),
            (5, "val_loss", 3.0),
            (10, "loss", 2.5),
            (10, "lr", 1e-3),
        ]
        assert store.metrics(run.id, "loss") == [(0, "loss", 4.0), (10, "loss", 2.5)]
        assert store.metrics(run.id, "unknown") == []

    def test_values_are_float64_exactly(self, store, run):
        value = 0.1 + 0.2

        store.log_metrics(run.id, 0, {"x": value, "tiny": 5e-324, "big": 1.7e308})

        got = {name: v for _, name, v in store.metrics(run.id)}
        assert got == {"x": value, "tiny": 5e-324, "big": 1.7e308}
        assert all(type(v) is float for v in got.values())

    def test_logging_bumps_updated(self, store, run):
        store.log_metrics(run.id, 1, {"loss": 1.0})

        assert store.get_run(run.id).updated > run.updated

    def test_empty_mapping_writes_no_values(self, store, run):
        store.log_metrics(run.id, 0, {})

        assert store.metrics(run.id) == []

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_non_finite_is_refused_by_default(self, store, run, db_path, value):
        before = snapshot(db_path)

        with pytest.raises(InvalidRecordError, match="allow_nonfinite=True"):
            store.log_metrics(run.id, 3, {"loss": value})

        assert snapshot(db_path) == before

    def test_non_finite_is_recorded_when_allowed(self, store, run):
        # inf stays a REAL; NaN is stored as NULL and reads back as NaN.
        values = {"grad_norm": math.inf, "loss": math.nan, "neg": -math.inf}

        store.log_metrics(run.id, 7, values, allow_nonfinite=True)

        got = store.metrics(run.id)
        assert [(step, name) for step, name, _ in got] == [
            (7, "grad_norm"),
            (7, "loss"),
            (7, "neg"),
        ]
        assert got[0][2] == math.inf and got[2][2] == -math.inf
        assert math.isnan(got[1][2])
        stored = store._query(
            "SELECT name, value, typeof(value) AS kind FROM run_metrics ORDER BY name"
        )
        assert [row["kind"] for row in stored] == ["real", "null", "real"]

    def test_one_bad_value_among_good_ones_writes_nothing(self, store, run, db_path):
        store.log_metrics(run.id, 0, {"loss": 4.0})
        before = snapshot(db_path)

        with pytest.raises(InvalidRecordError, match="'acc' as a number, got str"):
            store.log_metrics(run.id, 1, {"loss": 3.0, "acc": "0.5", "lr": 1e-3})

        assert snapshot(db_path) == before
        assert store.metrics(run.id) == [(0, "loss", 4.0)]

    def test_a_failure_halfway_through_writes_nothing(self, store, run, db_path):
        # "lr" is inserted before "loss" collides with the value already at
        # step 1, so the transaction must undo a write it has made.
        store.log_metrics(run.id, 1, {"loss": 3.0})
        before = snapshot(db_path)

        with pytest.raises(InvalidRecordError, match="'loss' again at step 1"):
            store.log_metrics(run.id, 1, {"lr": 1e-3, "loss": 2.9, "acc": 0.1})

        assert snapshot(db_path) == before
        assert store.metrics(run.id) == [(1, "loss", 3.0)]

    @pytest.mark.parametrize(
        ("step", "metrics", "match"),
        [
            (-1, {"loss": 1.0}, "from 0 to"),
            (1.0, {"loss": 1.0}, "a step .* as an int, got float"),
            ("3", {"loss": 1.0}, "as an int, got str"),
            (0, [("loss", 1.0)], "metrics as a mapping"),
            (0, {"": 1.0}, "a metric name with some text"),
            (0, {3: 1.0}, "a metric name as a string, got int"),
            (0, {"loss": None}, "'loss' as a number, got NoneType"),
            (0, {"loss": True}, "'loss' as a number, got bool"),
            (0, {"loss": 10**400}, "within float64 range"),
            (0, {"loss": np.array([1.0, 2.0])}, r"got ndarray.*tensor\.item\(\)"),
        ],
    )
    def test_bad_input_is_refused(self, store, run, db_path, step, metrics, match):
        before = snapshot(db_path)

        with pytest.raises(InvalidRecordError, match=match):
            store.log_metrics(run.id, step, metrics)

        assert snapshot(db_path) == before

    def test_unknown_run_is_not_found(self, store):
        with pytest.raises(NotFoundError, match="got 9: no run has it"):
            store.log_metrics(9, 0, {"loss": 1.0})

    def test_logging_to_a_finished_run_is_refused(self, store, run, db_path):
        store.finish_run(run.id)
        before = snapshot(db_path)

        with pytest.raises(RunStateError, match="whose status is finished"):
            store.log_metrics(run.id, 1, {"loss": 1.0})

        assert snapshot(db_path) == before


class TestCheckpointsAndSamples:
    def test_checkpoints_come_back_by_step(self, store, run):
        later = store.add_checkpoint(run.id, 200, Path("out/ckpt_200.pt"))
        first = store.add_checkpoint(
            run.id, 100, "out/ckpt_100.pt", metrics={"val_loss": 2.25}
        )

        got = store.checkpoints(run.id)

        assert [c["id"] for c in got] == [first, later]
        assert got[0]["path"] == "out/ckpt_100.pt"
        assert got[0]["metrics"] == {"val_loss": 2.25}
        assert (got[1]["path"], got[1]["metrics"]) == ("out/ckpt_200.pt", {})
        assert got[0]["run_id"] == run.id and TIME_RE.match(got[0]["created"])

    def test_samples_come_back_by_step_with_settings(self, store, run):
        sample = store.add_sample(
            run.id, 50, "ROMEO:", " O, she doth 🕯", settings={"temperature": 0.8}
        )
        store.add_sample(run.id, 100, "", "unconditional")

        got = store.samples(run.id)

        assert got[0]["id"] == sample
        assert (got[0]["prompt"], got[0]["text"]) == ("ROMEO:", " O, she doth 🕯")
        assert got[0]["settings"] == {"temperature": 0.8}
        assert (got[1]["prompt"], got[1]["settings"]) == ("", {})

    @pytest.mark.parametrize(
        ("call", "error", "match"),
        [
            (lambda s, r: s.add_checkpoint(r, -1, "p"), InvalidRecordError, "from 0"),
            (lambda s, r: s.add_checkpoint(r, 1, ""), InvalidRecordError, "path"),
            (
                lambda s, r: s.add_checkpoint(r, 1, "p", metrics={"v": math.nan}),
                InvalidRecordError,
                "checkpoint metrics are JSON",
            ),
            (lambda s, r: s.add_sample(r, 1, None, "t"), InvalidRecordError, "prompt"),
            (
                lambda s, r: s.add_sample(r, 1, "", "x" * (MAX_BODY_BYTES + 1)),
                TooLargeError,
                "sample text of at most",
            ),
            (
                lambda s, r: s.add_sample(r, 1, "", "t", settings={"k": {1, 2}}),
                InvalidRecordError,
                r"settings\['k'\]",
            ),
        ],
    )
    def test_bad_input_is_refused(self, store, run, db_path, call, error, match):
        before = snapshot(db_path)

        with pytest.raises(error, match=match):
            call(store, run.id)

        assert snapshot(db_path) == before

    def test_a_finished_run_takes_neither(self, store, run):
        store.finish_run(run.id, "stopped")

        with pytest.raises(RunStateError, match="add a checkpoint to.*stopped"):
            store.add_checkpoint(run.id, 1, "p")
        with pytest.raises(RunStateError, match="add a sample to.*stopped"):
            store.add_sample(run.id, 1, "", "t")
        assert store.checkpoints(run.id) == [] and store.samples(run.id) == []


class TestFinishAndList:
    @pytest.mark.parametrize("status", ["finished", "failed", "stopped"])
    def test_finish_sets_status_and_summary(self, store, run, status):
        done = store.finish_run(run.id, status, summary={"final_loss": 1.5})

        assert (done.status, done.summary) == (status, {"final_loss": 1.5})
        assert done.updated > run.updated
        assert store.get_run(run.id) == done

    def test_finish_defaults_to_finished_with_empty_summary(self, store, run):
        assert store.finish_run(run.id).status == "finished"
        assert store.get_run(run.id).summary == {}

    def test_finishing_twice_is_refused(self, store, run, db_path):
        store.finish_run(run.id, "failed")
        before = snapshot(db_path)

        with pytest.raises(RunStateError, match="whose status is already failed"):
            store.finish_run(run.id)

        assert snapshot(db_path) == before

    @pytest.mark.parametrize(
        ("status", "summary", "match"),
        [
            ("running", None, "one of finished, failed, stopped, got 'running'"),
            ("done", None, "got 'done'"),
            ("failed", {"loss": math.inf}, r"finite numbers in summary\['loss'\]"),
            ("failed", ["diverged"], "summary as a dict"),
        ],
    )
    def test_bad_finish_is_refused(self, store, run, db_path, status, summary, match):
        before = snapshot(db_path)

        with pytest.raises(InvalidRecordError, match=match):
            store.finish_run(run.id, status, summary=summary)

        assert snapshot(db_path) == before
        assert store.get_run(run.id).status == "running"

    def test_list_is_newest_first_and_filters_by_status(self, store):
        ids = [store.create_run(f"run {i}", {}, seed=i).id for i in range(3)]
        store.finish_run(ids[1])

        assert [r.id for r in store.list_runs()] == ids[::-1]
        assert [r.id for r in store.list_runs(status="running")] == [ids[2], ids[0]]
        assert [r.id for r in store.list_runs(status="finished")] == [ids[1]]
        assert store.list_runs(status="failed") == []

    def test_list_refuses_an_unknown_status(self, store):
        with pytest.raises(InvalidRecordError, match="one of running, finished"):
            store.list_runs(status="done")

    @pytest.mark.parametrize(
        "read", ["get_run", "metrics", "checkpoints", "samples", "delete_run"]
    )
    def test_unknown_run_is_not_found_everywhere(self, store, read):
        with pytest.raises(NotFoundError, match="no run has it"):
            getattr(store, read)(42)

    def test_non_int_id_is_refused(self, store):
        with pytest.raises(InvalidRecordError, match="a run id as an int, got str"):
            store.get_run("1")


class TestDelete:
    def test_delete_cascades_and_leaves_other_runs(self, store, run):
        other = store.create_run("other", {}, seed=0)
        for target in (run.id, other.id):
            store.log_metrics(target, 0, {"loss": 1.0})
            store.add_checkpoint(target, 0, "c.pt")
            store.add_sample(target, 0, "", "t")

        store.delete_run(run.id)

        with pytest.raises(NotFoundError):
            store.get_run(run.id)
        for table in ("run_metrics", "run_checkpoints", "run_samples"):
            rows = store._query(f"SELECT run_id FROM {table}")
            assert [row["run_id"] for row in rows] == [other.id]
        assert store.metrics(other.id) == [(0, "loss", 1.0)]


class TestTransactions:
    def test_calls_inside_a_failing_group_are_undone(self, store, run):
        with pytest.raises(RuntimeError), store.transaction():
            store.log_metrics(run.id, 0, {"loss": 1.0})
            store.add_sample(run.id, 0, "", "t")
            raise RuntimeError("the trainer crashed")

        assert store.metrics(run.id) == [] and store.samples(run.id) == []

    def test_a_failing_call_in_a_group_undoes_only_itself(self, store, run):
        with store.transaction():
            store.log_metrics(run.id, 0, {"loss": 1.0})
            with pytest.raises(InvalidRecordError):
                store.log_metrics(run.id, 0, {"acc": 0.5, "loss": 0.9})

        assert store.metrics(run.id) == [(0, "loss", 1.0)]


def test_json_number_spells_out_non_finite_values():
    assert [json_number(v) for v in (1.5, math.nan, math.inf, -math.inf)] == [
        1.5,
        "nan",
        "inf",
        "-inf",
    ]


TRAINER = """
import sys
from neuron.store import Store

store = Store.open(sys.argv[1])
run = store.create_run("killed", {"lr": 0.1}, seed=0)
step = 0
while True:
    store.log_metrics(run.id, step, {f"m{i}": step + i / 10 for i in range(20)})
    print(step, flush=True)
    step += 1
"""


def test_killed_trainer_keeps_every_reported_step_whole(db_path):
    Store.open(db_path).close()
    trainer = run_python(TRAINER, str(db_path))
    reported = []
    for line in trainer.stdout:
        reported.append(int(line))
        if len(reported) >= 30:
            break
    trainer.send_signal(signal.SIGKILL)
    trainer.wait(timeout=30)
    trainer.stdout.close()
    trainer.stderr.close()

    with Store.open(db_path) as store:
        [run] = store.list_runs()
        values = store.metrics(run.id)
        steps = sorted({step for step, _, _ in values})
        assert steps[: len(reported)] == reported
        # Every step is all twenty metrics or none of them.
        assert len(values) == 20 * len(steps)
        assert (5, "m3", 5 + 3 / 10) in values
