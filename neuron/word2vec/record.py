"""A word2vec training run recorded in the store, with its vectors per epoch.

``train_recorded(model, corpus, store)`` trains as ``Word2Vec.fit`` does and
writes, as it goes:

- a run whose config has ``"kind": "word2vec"``, the model's settings and
  the corpus files, with the seed, the environment and the code revision;
- metrics by step, the step being the corpus words processed so far:
  ``words_per_second``, ``alpha`` (the learning rate reached), ``progress``
  (0 to 1) a few times a second, and ``loss`` and ``epoch`` at each epoch's
  end;
- the vectors after every epoch, ``epoch-001.npy`` and so on (float32
  (V, D), rows in the order of ``words.json``), each registered as a
  checkpoint whose metrics hold the epoch and its loss;
- ``model.npz`` (``Word2Vec.save``) at the end, and the run marked
  finished; or stopped (a cancel, Ctrl-C) or failed (any error), naming the
  error.

The files go to ``<store folder>/runs/<run uid>/`` unless ``out_dir`` is
given. ``read_snapshot`` reads one epoch back as ``Vectors``.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import neuron
from neuron.errors import DataFileError
from neuron.word2vec import reference
from neuron.word2vec.model import TrainingProgress, Word2Vec
from neuron.word2vec.vectors import Vectors

__all__ = [
    "RUN_KIND",
    "RecordedRun",
    "read_snapshot",
    "snapshot_name",
    "train_recorded",
]

log = logging.getLogger(__name__)

#: The ``config["kind"]`` of a word2vec run in the store.
RUN_KIND = "word2vec"

#: The vocabulary file beside the snapshots.
WORDS_FILE = "words.json"

# Metrics are logged at most this often, in seconds, besides each epoch end.
_METRICS_INTERVAL = 0.5


@dataclass(frozen=True)
class RecordedRun:
    """What ``train_recorded`` left behind.

    Attributes:
        run_id: the run's id in the store.
        folder: the folder holding ``words.json``, the snapshots and
            ``model.npz``.
        model: the trained ``Word2Vec``.
    """

    run_id: int
    folder: Path
    model: Word2Vec


def snapshot_name(epoch: int) -> str:
    """The file name of an epoch's vectors, ``epoch-003.npy`` for epoch 3."""
    return f"epoch-{epoch:03d}.npy"


def read_snapshot(path: str | os.PathLike) -> Vectors:
    """Read one epoch's vectors written by ``train_recorded``.

    Args:
        path: an ``epoch-NNN.npy`` file; ``words.json`` must be beside it.

    Returns:
        ``Vectors`` of the run's words, in its order.

    Raises:
        DataFileError: a file is missing or does not hold what it should.
    """
    path = Path(path)
    words_file = path.with_name(WORDS_FILE)
    try:
        words = json.loads(words_file.read_text(encoding="utf-8"))
        matrix = np.load(path, allow_pickle=False)  # (V, D)
    except (OSError, ValueError) as e:
        raise DataFileError(
            f"expected word2vec snapshot {path} with {WORDS_FILE} beside it, got "
            f"a missing or unreadable file ({e}); record the run again",
            file=path,
        ) from e
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise DataFileError(
            f"expected ({len(words)}, D) vectors in {path} for the words of "
            f"{words_file}, got {matrix.shape}; the files belong to different runs",
            file=path,
        )
    return Vectors(words, matrix)


def train_recorded(
    model: Word2Vec,
    corpus,
    store,
    *,
    name: str | None = None,
    out_dir: str | os.PathLike | None = None,
    progress: Callable[[TrainingProgress], bool | None] | None = None,
) -> RecordedRun:
    """Train ``model`` on ``corpus`` and record the run in ``store``.

    Args:
        model: an untrained (or to be retrained) ``Word2Vec``.
        corpus: a ``neuron.text.Corpus`` or any re-iterable of token lists.
        store: an open ``neuron.store.Store``.
        name: the run's name; "word2vec <corpus file names>" by default.
        out_dir: where the files go; ``<store folder>/runs/<run uid>/`` by
            default.
        progress: passed on to ``fit`` (return False to stop the run).

    Returns:
        A ``RecordedRun``.

    Raises:
        Whatever ``fit`` raises, after marking the run failed (stopped for
        Ctrl-C). Side effects: writes the store and the run's folder.
    """
    from neuron.transformer.runtime import code_revision

    files = [str(path) for path in getattr(corpus, "files", [])]
    config = {"kind": RUN_KIND, **model.settings(), "corpus": files}
    run = store.create_run(
        name or _default_name(files),
        config,
        seed=model.seed,
        code_revision=code_revision(),
        environment=_environment(model),
    )
    folder = Path(out_dir) if out_dir else Path(store.path).parent / "runs" / run.uid
    folder.mkdir(parents=True, exist_ok=True)
    log.info("recording word2vec run %s in %s", run.id, folder)

    recorder = _Recorder(store, run.id, model, folder, progress)
    try:
        model.fit(corpus, progress=recorder.progress, on_epoch=recorder.epoch)
    except BaseException as error:
        recorder.fail(error)
        raise
    recorder.finish()
    return RecordedRun(run.id, folder, model)


class _Recorder:
    """Writes one run's metrics, snapshots and ending; called by ``fit``."""

    def __init__(self, store, run_id: int, model: Word2Vec, folder: Path, user):
        self.store = store
        self.run_id = run_id
        self.model = model
        self.folder = folder
        self.user = user
        self.words_done = 0
        self.last_logged = 0.0

    def progress(self, record: TrainingProgress) -> bool | None:
        self.words_done = record.words_done
        now = time.monotonic()
        if now - self.last_logged >= _METRICS_INTERVAL:
            self.last_logged = now
            alpha = reference.learning_rate(
                self.model.alpha, record.fraction, self.model.min_alpha
            )
            metrics = {
                "words_per_second": record.words_per_second,
                "alpha": alpha,
                "progress": record.fraction,
            }
            self.store.log_metrics(self.run_id, record.words_done, metrics)
        return None if self.user is None else self.user(record)

    def epoch(self, epoch: int, vectors: Vectors) -> None:
        if epoch == 1:
            words = json.dumps(vectors.words, ensure_ascii=False)
            (self.folder / WORDS_FILE).write_text(words, encoding="utf-8")
        path = self.folder / snapshot_name(epoch)
        np.save(path, vectors.matrix)  # (V, D)
        metrics = {"epoch": float(epoch)}
        loss = self.model.loss_history[-1]
        if np.isfinite(loss):
            metrics["loss"] = loss
        self.store.log_metrics(self.run_id, self.words_done, metrics)
        self.store.add_checkpoint(self.run_id, epoch, str(path), metrics=metrics)

    def finish(self) -> None:
        model_path = self.model.save(self.folder / "model.npz")
        summary = {
            "epochs_done": len(self.model.loss_history),
            "vocabulary": len(self.model.vocabulary),
            "words_done": self.words_done,
            "loss": [x for x in self.model.loss_history if np.isfinite(x)],
            "model": str(model_path),
        }
        status = "stopped" if self.model.cancelled else "finished"
        self.store.finish_run(self.run_id, status, summary=summary)

    def fail(self, error: BaseException) -> None:
        """Mark the run stopped or failed; never raises, so the error being
        reported stays the one the caller sees."""
        status = "stopped" if isinstance(error, KeyboardInterrupt) else "failed"
        summary = {"error": f"{type(error).__name__}: {error}"}
        summary["words_done"] = self.words_done
        try:
            self.store.finish_run(self.run_id, status, summary=summary)
        except Exception:  # the store itself may be the cause
            log.exception("could not mark run %s as %s", self.run_id, status)


def _default_name(files: list[str]) -> str:
    names = ", ".join(Path(f).name for f in files[:3]) or "token lists"
    return f"word2vec on {names}" + (" ..." if len(files) > 3 else "")


def _environment(model: Word2Vec) -> dict:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "neuron": neuron.__version__,
        "backend": model.backend,
        "threads": model.threads or os.cpu_count() or 1,
        "platform": platform.platform(),
    }
