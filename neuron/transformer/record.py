"""A training run's record in the store: its configuration, metrics by step,
checkpoints, samples, and how it ended.

``Recorder`` wraps a ``neuron.store.Store`` for one run and does nothing
when there is no store, so the training loop calls it unconditionally. Only
the main process of a distributed run records (the training loop makes the
others pass no store).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["Recorder"]

log = logging.getLogger(__name__)


class Recorder:
    """The store's view of one training run.

    Args:
        store: an open ``neuron.store.Store``, or None to record nothing.

    Side effects: every method but the constructor writes the store (one
    transaction per call) when there is one.
    """

    def __init__(self, store) -> None:
        self.store = store
        self.run_id: int | None = None

    def start(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        seed: int,
        code_revision: str | None,
        environment: Mapping[str, Any],
    ) -> int | None:
        """Create the run; returns its id (None without a store)."""
        if self.store is None:
            return None
        run = self.store.create_run(
            name,
            dict(config),
            seed=seed,
            code_revision=code_revision,
            environment=dict(environment),
        )
        self.run_id = run.id
        log.info("recording run %s (%s) in %s", run.id, name, self.store.path)
        return self.run_id

    def metrics(self, step: int, metrics: Mapping[str, float | None]) -> None:
        """Record the metrics measured at ``step``, leaving out the missing
        (None) and the non-finite ones."""
        if self.run_id is None:
            return
        finite = {
            key: float(value)
            for key, value in metrics.items()
            if value is not None and math.isfinite(value)
        }
        self.store.log_metrics(self.run_id, step, finite)

    def checkpoint(
        self, step: int, path: Path, metrics: Mapping[str, float | None]
    ) -> None:
        """Record a checkpoint written at ``step``."""
        if self.run_id is None:
            return
        kept = {key: value for key, value in metrics.items() if value is not None}
        self.store.add_checkpoint(self.run_id, step, str(path), metrics=kept)

    def sample(
        self, step: int, prompt: str, text: str, settings: Mapping[str, Any]
    ) -> None:
        """Record text generated at ``step`` from ``prompt``."""
        if self.run_id is None:
            return
        self.store.add_sample(self.run_id, step, prompt, text, settings=dict(settings))

    def finish(self, summary: Mapping[str, Any]) -> None:
        """Mark the run finished, with its summary."""
        if self.run_id is None:
            return
        self.store.finish_run(self.run_id, "finished", summary=dict(summary))

    def fail(self, error: BaseException, step: int) -> None:
        """Mark the run stopped (Ctrl-C) or failed (any other error), naming
        the error and the last step completed. Never raises: the error being
        reported is the one that matters."""
        if self.run_id is None:
            return
        status = "stopped" if isinstance(error, KeyboardInterrupt) else "failed"
        summary = {"error": f"{type(error).__name__}: {error}", "step": step}
        try:
            self.store.finish_run(self.run_id, status, summary=summary)
        except Exception:  # the store itself may be the cause
            log.exception("could not mark run %s as %s", self.run_id, status)
