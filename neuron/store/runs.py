"""Training runs: their config, metrics by step, checkpoints and samples.

A run is created ``"running"``; while it runs it takes metrics, checkpoints
and samples, and ``finish_run`` closes it as ``"finished"``, ``"failed"`` or
``"stopped"``, after which it takes nothing more. Config, environment,
summary, checkpoint metrics and sample settings are stored as JSON text.

Metric values are float64. A non-finite value is refused unless the caller
passes ``allow_nonfinite=True`` (a diverging run must still be recordable);
then ``inf`` and ``-inf`` are stored as such and NaN as SQL NULL, since
SQLite has no NaN, and NULL reads back as NaN. The JSON fields hold finite
numbers only, as JSON has no others.

``RunsMixin`` is one of the classes ``Store`` is built from; it relies on the
store's transaction and query helpers.
"""

import json
import math
import numbers
import os
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from neuron.errors import (
    InvalidRecordError,
    NotFoundError,
    RunStateError,
    TooLargeError,
)
from neuron.store.records import MAX_BODY_BYTES, Run, _single_line, now

#: Every status a run can have; the first is the only one that takes records.
RUN_STATUSES = ("running", "finished", "failed", "stopped")

#: The statuses ``finish_run`` accepts.
FINAL_STATUSES = RUN_STATUSES[1:]

#: Longest run name, metric name, code revision or checkpoint path.
MAX_NAME_CHARS = 1000

# SQLite integers are signed 64-bit.
_INT64 = 2**63

_RUN_SELECT = (
    "SELECT id, uid, name, status, config, seed, code_revision, environment, "
    "summary, created, updated FROM runs"
)


# ---- validation --------------------------------------------------------


def _check_int(value: object, what: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidRecordError(
            f"expected {what} as an int, got {type(value).__name__} {value!r}"
        )
    value = int(value)
    if not low <= value < _INT64:
        raise InvalidRecordError(
            f"expected {what} from {low} to {_INT64 - 1}, got {value}"
        )
    return value


def _check_run_id(run_id: object) -> int:
    return _check_int(run_id, "a run id", low=0)


def _check_step(step: object) -> int:
    return _check_int(step, "a step (a non-negative int)", low=0)


def _check_name(name: object, what: str) -> str:
    _single_line(name, what, limit=MAX_NAME_CHARS)
    if not name.strip():
        raise InvalidRecordError(f"expected {what} with some text, got {name!r}")
    return name


def _check_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidRecordError(
            f"expected {what} as a string, got {type(text).__name__}"
        )
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as err:
        raise InvalidRecordError(
            f"expected {what} of valid Unicode text, got an unpaired surrogate "
            f"at character {err.start}"
        ) from None
    if size > MAX_BODY_BYTES:
        raise TooLargeError(
            f"expected {what} of at most {MAX_BODY_BYTES} bytes (1 MiB), got "
            f"{size} bytes; store a shorter excerpt"
        )
    return text


def _check_value(name: str, value: object, nonfinite: str | None) -> float:
    """``value`` as a float; ``nonfinite`` is None to allow NaN and
    infinities, else the hint given when refusing them."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = "; pass tensor.item()" if hasattr(value, "item") else ""
        raise InvalidRecordError(
            f"expected metric {name!r} as a number, got {type(value).__name__} "
            f"{value!r}{hint}"
        )
    try:
        number = float(value)
    except OverflowError:
        raise InvalidRecordError(
            f"expected metric {name!r} within float64 range, got {value!r}"
        ) from None
    if nonfinite is not None and not math.isfinite(number):
        raise InvalidRecordError(
            f"expected metric {name!r} to be finite, got {number}; {nonfinite}"
        )
    return number


def _check_metrics(metrics: object, nonfinite: str | None) -> list[tuple[str, float]]:
    """The (name, value) pairs of ``metrics``, every one checked; see
    ``_check_value`` for ``nonfinite``."""
    if not isinstance(metrics, Mapping):
        raise InvalidRecordError(
            f"expected metrics as a mapping of name to number, got "
            f"{type(metrics).__name__}; write {{'loss': 2.31}}"
        )
    return [
        (_check_name(name, "a metric name"), _check_value(name, value, nonfinite))
        for name, value in metrics.items()
    ]


def _plain(value: object, where: str) -> Any:
    """``value`` as plain JSON data (dicts, lists, str, int, float, bool, None)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise InvalidRecordError(
                f"expected finite numbers in {where}, got {number}; JSON has no "
                "NaN or infinity, so leave it out or write it as a string"
            )
        return number
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidRecordError(
                    f"expected string keys in {where}, got {type(key).__name__} "
                    f"{key!r}; JSON keys are strings, so write str(key)"
                )
            plain[key] = _plain(item, f"{where}[{key!r}]")
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise InvalidRecordError(
        f"expected {where} to hold JSON values (dicts with string keys, lists, "
        f"strings, numbers, booleans, None), got {type(value).__name__} "
        f"{value!r}; convert it first, e.g. with str() or float()"
    )


def _to_json(value: object, what: str) -> str:
    """``value``, a mapping of JSON values, as JSON text."""
    if not isinstance(value, Mapping):
        raise InvalidRecordError(
            f"expected {what} as a dict, got {type(value).__name__}"
        )
    return json.dumps(_plain(value, what), allow_nan=False)


def json_number(value: float) -> float | str:
    """A metric value as strict JSON allows it.

    Finite values come back unchanged; NaN, infinity and minus infinity as
    the strings ``"nan"``, ``"inf"`` and ``"-inf"``, which JSON has no
    numbers for.
    """
    return value if math.isfinite(value) else str(value)


# ---- reading rows ------------------------------------------------------


def _run(row: dict[str, Any]) -> Run:
    return Run(
        id=row["id"],
        uid=row["uid"],
        name=row["name"],
        status=row["status"],
        config=json.loads(row["config"]),
        seed=row["seed"],
        code_revision=row["code_revision"],
        environment=json.loads(row["environment"]),
        summary=json.loads(row["summary"]),
        created=row["created"],
        updated=row["updated"],
    )


def _value(stored: float | None) -> float:
    return math.nan if stored is None else float(stored)


class RunsMixin:
    """The training-run methods of ``Store``."""

    def create_run(
        self,
        name: str,
        config: dict,
        *,
        seed: int,
        code_revision: str | None = None,
        environment: dict | None = None,
    ) -> Run:
        """Start recording a training run; its status is ``"running"``.

        Args:
            name: one line of text, not blank.
            config: the hyperparameters, a dict of JSON values (string keys;
                lists, tuples, strings, numbers, booleans, None; NumPy scalars
                are converted). Numbers must be finite.
            seed: the random seed, a signed 64-bit int.
            code_revision: the code it runs, such as a git commit.
            environment: the machine and versions, a dict like ``config``.

        Returns:
            The new run. Side effect: writes the database.

        Raises:
            InvalidRecordError: a value breaks a rule (see its message).
        """
        name = _check_name(name, "a run name")
        config_text = _to_json(config, "config")
        seed = _check_int(seed, "a seed", low=-_INT64)
        if code_revision is not None:
            code_revision = _check_name(code_revision, "a code revision")
        environment_text = _to_json(
            {} if environment is None else environment, "environment"
        )
        stamp = now()
        with self.transaction():
            cursor = self._execute(
                "INSERT INTO runs (uid, name, status, config, seed, code_revision, "
                "environment, summary, created, updated) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?, '{}', ?, ?)",
                [
                    str(uuid.uuid4()),
                    name,
                    config_text,
                    seed,
                    code_revision,
                    environment_text,
                    stamp,
                    stamp,
                ],
            )
            return self.get_run(cursor.lastrowid)

    def log_metrics(
        self,
        run_id: int,
        step: int,
        metrics: Mapping[str, float],
        *,
        allow_nonfinite: bool = False,
    ) -> None:
        """Record metric values of a running run at one step, all or none.

        Args:
            run_id: the run's id.
            step: a non-negative int; steps need not come in order.
            metrics: metric name to value, each a real number (Python or
                NumPy), stored as float64. Each name is logged once per step.
            allow_nonfinite: accept NaN and infinities; NaN is stored as
                NULL and reads back as NaN.

        Side effect: writes the database, and sets the run's ``updated``.

        Raises:
            NotFoundError: no run has that id.
            RunStateError: the run has finished.
            InvalidRecordError: a bad step, name or value, or a name already
                logged at this step; nothing is written.
        """
        run_id, step = _check_run_id(run_id), _check_step(step)
        values = _check_metrics(
            metrics,
            None
            if allow_nonfinite
            else "pass allow_nonfinite=True to record a diverging run",
        )
        with self.transaction():
            self._touch_running(run_id, "log metrics to")
            for name, value in values:
                try:
                    self._execute(
                        "INSERT INTO run_metrics (run_id, step, name, value) "
                        "VALUES (?, ?, ?, ?)",
                        [run_id, step, name, None if math.isnan(value) else value],
                    )
                except sqlite3.IntegrityError as err:
                    if "UNIQUE" not in str(err):
                        raise
                    raise InvalidRecordError(
                        f"expected each metric once per step, got {name!r} again "
                        f"at step {step} of run {run_id}; nothing of this call "
                        "was written"
                    ) from None

    def add_checkpoint(
        self,
        run_id: int,
        step: int,
        path: str,
        *,
        metrics: Mapping[str, float] | None = None,
    ) -> int:
        """Record that a running run saved a checkpoint.

        Args:
            run_id: the run's id.
            step: the step the checkpoint was taken at.
            path: where it was saved, as given (a ``str`` or path-like); the
                file is not read or checked.
            metrics: finite metric values at the checkpoint (validation loss).

        Returns:
            The checkpoint's id. Side effect: writes the database, and sets
            the run's ``updated``.

        Raises:
            NotFoundError: no run has that id.
            RunStateError: the run has finished.
            InvalidRecordError: a bad step, path or metric.
        """
        run_id, step = _check_run_id(run_id), _check_step(step)
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        path = _check_name(path, "a checkpoint path")
        values = _check_metrics(
            {} if metrics is None else metrics,
            "checkpoint metrics are JSON, which has no NaN or infinity; log "
            "them with log_metrics(..., allow_nonfinite=True) instead",
        )
        metrics_text = json.dumps(dict(values))
        with self.transaction():
            self._touch_running(run_id, "add a checkpoint to")
            cursor = self._execute(
                "INSERT INTO run_checkpoints (run_id, step, path, metrics, created) "
                "VALUES (?, ?, ?, ?, ?)",
                [run_id, step, path, metrics_text, now()],
            )
            return cursor.lastrowid

    def add_sample(
        self,
        run_id: int,
        step: int,
        prompt: str,
        text: str,
        *,
        settings: Mapping | None = None,
    ) -> int:
        """Record text a running run's model generated.

        Args:
            run_id: the run's id.
            step: the step of the model that generated it.
            prompt: what generation started from; may be empty.
            text: what the model wrote; at most ``MAX_BODY_BYTES`` of UTF-8.
            settings: how it was sampled (temperature, top_k...), a dict of
                JSON values.

        Returns:
            The sample's id. Side effect: writes the database, and sets the
            run's ``updated``.

        Raises:
            NotFoundError: no run has that id.
            RunStateError: the run has finished.
            InvalidRecordError: a bad step, text or setting.
            TooLargeError: the prompt or text is over ``MAX_BODY_BYTES``.
        """
        run_id, step = _check_run_id(run_id), _check_step(step)
        prompt = _check_text(prompt, "a prompt")
        text = _check_text(text, "a sample text")
        settings_text = _to_json({} if settings is None else settings, "settings")
        with self.transaction():
            self._touch_running(run_id, "add a sample to")
            cursor = self._execute(
                "INSERT INTO run_samples (run_id, step, prompt, text, settings, "
                "created) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, step, prompt, text, settings_text, now()],
            )
            return cursor.lastrowid

    def finish_run(
        self,
        run_id: int,
        status: str = "finished",
        *,
        summary: Mapping | None = None,
    ) -> Run:
        """Close a running run; it takes no more records afterwards.

        Args:
            run_id: the run's id.
            status: ``"finished"``, ``"failed"`` or ``"stopped"``.
            summary: what to remember of it (final loss, tokens seen, the
                error), a dict of JSON values; None keeps it empty.

        Returns:
            The closed run. Side effect: writes the database.

        Raises:
            NotFoundError: no run has that id.
            RunStateError: the run has already finished.
            InvalidRecordError: an unknown status or a bad summary.
        """
        run_id = _check_run_id(run_id)
        if status not in FINAL_STATUSES:
            raise InvalidRecordError(
                f"expected a final status, one of {', '.join(FINAL_STATUSES)}, "
                f"got {status!r}"
            )
        summary_text = _to_json({} if summary is None else summary, "summary")
        with self.transaction():
            cursor = self._execute(
                "UPDATE runs SET status = ?, summary = ?, updated = ? "
                "WHERE id = ? AND status = 'running'",
                [status, summary_text, now(), run_id],
            )
            if cursor.rowcount == 0:
                run = self.get_run(run_id)
                raise RunStateError(
                    f"expected a running run to finish, got run {run_id} "
                    f"({run.name!r}), whose status is already {run.status}"
                )
            return self.get_run(run_id)

    def get_run(self, run_id: int) -> Run:
        """Return the run with id ``run_id``.

        Raises:
            NotFoundError: no run has that id.
        """
        run_id = _check_run_id(run_id)
        row = self._query_one(_RUN_SELECT + " WHERE id = ?", [run_id])
        if row is None:
            raise NotFoundError(
                f"expected an existing run id, got {run_id}: no run has it; "
                "list the runs to see their ids"
            )
        return _run(row)

    def list_runs(self, *, status: str | None = None) -> list[Run]:
        """List runs, newest first.

        Args:
            status: only runs with this status (one of ``RUN_STATUSES``).

        Raises:
            InvalidRecordError: an unknown status.
        """
        sql, params = _RUN_SELECT, []
        if status is not None:
            if status not in RUN_STATUSES:
                raise InvalidRecordError(
                    f"expected a run status, one of {', '.join(RUN_STATUSES)}, "
                    f"got {status!r}"
                )
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY created DESC, id DESC"
        return [_run(row) for row in self._query(sql, params)]

    def metrics(
        self, run_id: int, name: str | None = None
    ) -> list[tuple[int, str, float]]:
        """A run's metric values as ``(step, name, value)``, by step then name.

        Args:
            run_id: the run's id.
            name: only this metric; an unknown name gives an empty list.

        Returns:
            Values as floats; NaN where a NaN was logged.

        Raises:
            NotFoundError: no run has that id.
        """
        run_id = _check_run_id(run_id)
        sql, params = (
            "SELECT step, name, value FROM run_metrics WHERE run_id = ?",
            [run_id],
        )
        if name is not None:
            sql += " AND name = ?"
            params.append(_check_name(name, "a metric name"))
        with self._reading():
            self.get_run(run_id)
            rows = self._query(sql + " ORDER BY step, name", params)
        return [(row["step"], row["name"], _value(row["value"])) for row in rows]

    def checkpoints(self, run_id: int) -> list[dict]:
        """A run's checkpoints, by step then order of adding.

        Returns:
            Dicts with keys ``id``, ``run_id``, ``step``, ``path``,
            ``metrics`` (a dict) and ``created``.

        Raises:
            NotFoundError: no run has that id.
        """
        run_id = _check_run_id(run_id)
        with self._reading():
            self.get_run(run_id)
            rows = self._query(
                "SELECT id, run_id, step, path, metrics, created "
                "FROM run_checkpoints WHERE run_id = ? ORDER BY step, id",
                [run_id],
            )
        return [{**row, "metrics": json.loads(row["metrics"])} for row in rows]

    def samples(self, run_id: int) -> list[dict]:
        """A run's samples, by step then order of adding.

        Returns:
            Dicts with keys ``id``, ``run_id``, ``step``, ``prompt``,
            ``text``, ``settings`` (a dict) and ``created``.

        Raises:
            NotFoundError: no run has that id.
        """
        run_id = _check_run_id(run_id)
        with self._reading():
            self.get_run(run_id)
            rows = self._query(
                "SELECT id, run_id, step, prompt, text, settings, created "
                "FROM run_samples WHERE run_id = ? ORDER BY step, id",
                [run_id],
            )
        return [{**row, "settings": json.loads(row["settings"])} for row in rows]

    def delete_run(self, run_id: int) -> None:
        """Delete a run, running or not, with its metrics, checkpoints and
        samples (checkpoint files on disk are left alone).

        Side effect: writes the database.

        Raises:
            NotFoundError: no run has that id.
        """
        run_id = _check_run_id(run_id)
        with self.transaction():
            self.get_run(run_id)
            self._execute("DELETE FROM runs WHERE id = ?", [run_id])

    def _touch_running(self, run_id: int, doing: str) -> None:
        """Set a run's ``updated`` to now, refusing a run that has finished.

        Must be called inside a transaction.
        """
        cursor = self._execute(
            "UPDATE runs SET updated = ? WHERE id = ? AND status = 'running'",
            [now(), run_id],
        )
        if cursor.rowcount == 0:
            run = self.get_run(run_id)
            raise RunStateError(
                f"expected a running run to {doing}, got run {run_id} "
                f"({run.name!r}), whose status is {run.status}; a run takes no "
                "records after finish_run, so start a new one with create_run"
            )
