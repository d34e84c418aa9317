"""``python -m neuron.lab.word2vec_job``: train word2vec and record the run.

The command Code Lab launches for a word2vec run::

    python -m neuron.lab.word2vec_job --corpus emma.txt --db neuron.db \\
        --out runs/w2v --epochs 5

It trains with ``neuron.word2vec.record.train_recorded`` (metrics, per-epoch
vectors and the model in ``--out``), writes the run's id to
``<out>/run.json`` as soon as the run exists, so Code Lab can tie the
process to the run, and prints each epoch's loss when it ends. SIGINT
cancels the training between chunks and the run is recorded as stopped.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

__all__ = ["RUN_FILE", "main"]

#: The file, in the run folder, naming the run's id in the store.
RUN_FILE = "run.json"


class _Announcing:
    """A store that writes the run's id to ``run.json`` when the run is
    created, and otherwise passes every call through."""

    def __init__(self, store, folder: Path) -> None:
        self._store = store
        self._folder = folder

    def __getattr__(self, name):
        return getattr(self._store, name)

    def create_run(self, *args, **kwargs):
        run = self._store.create_run(*args, **kwargs)
        write_run_file(self._folder, run.id)
        return run


def write_run_file(folder: Path, run_id: int) -> None:
    """Write ``{"run_id": N}`` to ``<folder>/run.json`` atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / (RUN_FILE + ".tmp")
    temporary.write_text(json.dumps({"run_id": run_id}) + "\n")
    temporary.replace(folder / RUN_FILE)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m neuron.lab.word2vec_job",
        description="Train word2vec on a corpus and record the run.",
    )
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True, help="the store")
    parser.add_argument("--out", type=Path, required=True, help="the run folder")
    parser.add_argument("--name", default=None)
    parser.add_argument("--vector-size", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.025)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="engine")
    parser.add_argument("--threads", type=int, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0 when finished or
    stopped, 1 on an error the message explains)."""
    from neuron.errors import NeuronError
    from neuron.store import Store
    from neuron.text.corpus import Corpus
    from neuron.word2vec.model import Word2Vec
    from neuron.word2vec.record import train_recorded

    options = _parser().parse_args(argv)
    try:
        corpus = Corpus(options.corpus)
        model = Word2Vec(
            vector_size=options.vector_size,
            window=options.window,
            negative=options.negative,
            min_count=options.min_count,
            epochs=options.epochs,
            alpha=options.alpha,
            seed=options.seed,
            backend=options.backend,
            threads=options.threads,
        )
        # Ctrl-C (or Code Lab's stop) cancels between chunks; the run is
        # then recorded as stopped, with the epochs done so far.
        signal.signal(signal.SIGINT, lambda *_: model.cancel())
        with Store.open(options.db) as store:
            recorded = train_recorded(
                model,
                corpus,
                _Announcing(store, options.out),
                name=options.name,
                out_dir=options.out,
                progress=None,
            )
    except NeuronError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    losses = recorded.model.loss_history
    for epoch, loss in enumerate(losses, start=1):
        print(f"epoch {epoch:3d} | loss {loss:.4f}")
    state = "stopped" if recorded.model.cancelled else "finished"
    print(f"{state}: recorded as run {recorded.run_id} in {recorded.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
