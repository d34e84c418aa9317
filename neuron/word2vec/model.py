"""Word2Vec: skip-gram with negative sampling, trained on a streamed corpus.

``Word2Vec(...).fit(corpus)`` builds the vocabulary, initialises the two
matrices and trains for a number of epochs on one of three backends that
compute the same updates (see ``neuron.word2vec.reference`` for the math):

- ``"engine"``: the compiled C++ loop (``engine.train_corpus``), fed ~1M
  words at a time; many threads, lock-free; the one to use.
- ``"reference"``: pairs from ``pairs.PairStream`` trained one by one in
  NumPy (``reference.train_pairs``); slow, for lessons and tests.
- ``"cuda"``: the same pairs trained on a GPU (``engine.train_pairs_cuda``).

Memory stays bounded for a corpus larger than memory: only the vocabulary,
the two (V, D) matrices and one chunk of the corpus are held at a time.

Legend: V vocabulary size, D vector size (``vector_size``), N words in a
chunk, S sentences in a chunk.
"""

import functools
import io
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuron.errors import (
    CudaUnavailableError,
    DataFileError,
    InvalidArgumentError,
)
from neuron.word2vec import reference
from neuron.word2vec.pairs import PairStream
from neuron.word2vec.vectors import Vectors

__all__ = ["TrainingProgress", "Word2Vec"]

log = logging.getLogger(__name__)

BACKENDS = ("engine", "engine-exact", "reference", "cuda")
SAVE_FORMAT = "neuron-word2vec"
SAVE_VERSION = 1


@dataclass(frozen=True)
class TrainingProgress:
    """Where a running ``fit`` stands, handed to the progress callback.

    Attributes:
        epoch: the epoch being trained, from 1.
        epochs: the number of epochs of the run.
        words_done: words processed in the whole run so far.
        total_words: words of the whole run (corpus words x epochs).
        loss: mean loss per pair so far in this epoch (NaN before any is known).
        words_per_second: throughput since ``fit`` started.
    """

    epoch: int
    epochs: int
    words_done: int
    total_words: int
    loss: float
    words_per_second: float

    @property
    def fraction(self) -> float:
        """words_done / total_words, in [0, 1]."""
        return self.words_done / max(self.total_words, 1)


# The callback may return False to ask the run to stop.
ProgressCallback = Callable[[TrainingProgress], bool | None]

# Called after each completed epoch with its number (from 1) and a copy of
# the word vectors at that point.
EpochCallback = Callable[[int, Vectors], None]


def initial_vectors(
    V: int, D: int, seed: int | np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The starting matrices of a run: W_in small and random, W_out zero.

    W_in is uniform in [-1/D, 1/D), gensim's width (word2vec.c draws from
    half that range; on the project's corpora the narrower start cost 0.4
    analogy points and 0.01 of similarity correlation after 3 epochs). W_out
    at zero makes every first score 0 (see ``reference`` for why).

    Args:
        V: vocabulary size.
        D: vector size.
        seed: an int, or a Generator the draw continues (and advances).

    Returns:
        ``(w_in, w_out)``, float32 (V, D) each.
    """
    rng = np.random.default_rng(seed)
    w_in = rng.uniform(-1.0 / D, 1.0 / D, size=(V, D)).astype(np.float32)  # (V, D)
    return w_in, np.zeros((V, D), dtype=np.float32)


class Word2Vec:
    """Skip-gram with negative sampling (Mikolov et al., 2013).

    Args:
        vector_size: D, the dimensions of each word vector.
        window: the largest distance between a centre and a context word.
        negative: k, negatives drawn per pair.
        sample: subsampling threshold s; 0 keeps every word.
        min_count: words seen fewer times are left out of the vocabulary.
        epochs: passes over the corpus.
        alpha: the starting learning rate.
        min_alpha: the rate's floor at the end; None means alpha * 1e-4.
        threads: engine threads; None means every core.
        seed: seeds the initial vectors and every random draw.
        backend: ``"engine"`` (the compiled multi-threaded loop, the fast
            one), ``"engine-exact"`` (the compiled engine on the pair stream
            the reference uses: one thread, exact sigmoid; with the same
            seed it ends with the reference's vectors to float32 tolerance),
            ``"reference"`` (NumPy, for reading and checking) or ``"cuda"``.
        chunk_words: words handed to the engine per call (memory bound).

    Attributes:
        vocabulary: the ``neuron.text.Vocabulary`` after ``fit``.
        w_in: input vectors, float32 (V, D); the word vectors.
        w_out: output vectors, float32 (V, D).
        vectors: a ``Vectors`` view of words and ``w_in``.
        loss_history: mean loss per pair of each epoch, float64 values.
        cancelled: True when the last ``fit`` stopped early on request.

    Raises:
        InvalidArgumentError: a setting out of range or an unknown backend.
    """

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        negative: int = 5,
        sample: float = 1e-3,
        min_count: int = 5,
        epochs: int = 5,
        alpha: float = 0.025,
        min_alpha: float | None = None,
        threads: int | None = None,
        seed: int = 1,
        backend: str = "engine",
        chunk_words: int = 1_000_000,
    ) -> None:
        if backend not in BACKENDS:
            raise InvalidArgumentError(
                f"expected backend of {', '.join(BACKENDS)}, got {backend!r}; "
                "pass one of those names"
            )
        positive = dict(vector_size=vector_size, window=window, epochs=epochs)
        positive |= dict(min_count=min_count, chunk_words=chunk_words)
        for name, value in positive.items():
            if value < 1:
                raise InvalidArgumentError(
                    f"expected {name} >= 1, got {value}; pass a positive integer"
                )
        if negative < 0 or sample < 0 or alpha <= 0:
            raise InvalidArgumentError(
                f"expected negative >= 0, sample >= 0 and alpha > 0, got "
                f"{negative}, {sample} and {alpha}; pass non-negative settings"
            )
        self.vector_size = vector_size
        self.window = window
        self.negative = negative
        self.sample = sample
        self.min_count = min_count
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.threads = threads
        self.seed = seed
        self.backend = backend
        self.chunk_words = chunk_words

        self.vocabulary = None
        self.w_in: np.ndarray | None = None
        self.w_out: np.ndarray | None = None
        self.loss_history: list[float] = []
        self.cancelled = False
        self._cancel = threading.Event()
        self._vectors: Vectors | None = None

    def settings(self) -> dict:
        """The constructor's arguments as a dict (what ``save`` records)."""
        names = ("vector_size", "window", "negative", "sample", "min_count")
        names += ("epochs", "alpha", "min_alpha", "threads", "seed", "backend")
        return {name: getattr(self, name) for name in (*names, "chunk_words")}

    @property
    def vectors(self) -> Vectors:
        """The trained word vectors (words and ``w_in``)."""
        if self.w_in is None:
            raise InvalidArgumentError(
                "expected a trained model, got one before fit; call "
                "model.fit(corpus) or Word2Vec.load(path) first"
            )
        # Cached while w_in is the same array, so the unit rows are computed once.
        if self._vectors is None or self._vectors.matrix is not self.w_in:
            self._vectors = Vectors(self.vocabulary.words, self.w_in)
        return self._vectors

    def cancel(self) -> None:
        """Ask a running ``fit`` to stop soon; safe to call from any thread."""
        self._cancel.set()

    # ---- training ----------------------------------------------------------

    def fit(
        self,
        corpus,
        progress: ProgressCallback | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> "Word2Vec":
        """Build the vocabulary and train, replacing any earlier training.

        Args:
            corpus: a ``neuron.text.Corpus`` (streamed from disk on every
                pass) or any re-iterable of token lists.
            progress: called with a ``TrainingProgress`` at least once per chunk
                (more often on the engine backend); returning False stops the
                run like ``cancel()``. Called from the thread running ``fit``.
            on_epoch: called after every completed epoch (not after one a
                cancel cut short) with the epoch number, from 1, and a
                ``Vectors`` holding a copy of ``w_in`` at that point; for
                snapshots of a run (``neuron.word2vec.record``). Called from
                the thread running ``fit``.

        Returns:
            self, trained; after a cancel, partly trained with
            ``cancelled`` set and the partial epoch's loss in the history.

        Raises:
            EmptyVocabularyError: no word is seen ``min_count`` times.
            CorpusError: a corpus file cannot be read.
            CudaUnavailableError: backend "cuda" without a CUDA device.
        """
        from neuron.text import Vocabulary

        if self.backend == "cuda":
            _check_cuda()
        self._cancel.clear()
        self.cancelled = False
        self.loss_history = []

        # The vocabulary: one streamed pass.
        vocab = Vocabulary.build(corpus, min_count=self.min_count)
        self.vocabulary = vocab
        V, D = len(vocab), self.vector_size

        rng = np.random.default_rng(self.seed)
        self.w_in, self.w_out = initial_vectors(V, D, rng)  # (V, D) each
        self._vectors = None

        run = _Run(self, corpus, progress, on_epoch)
        if self.backend == "engine":
            run.train_engine()
        else:
            run.train_pairs(rng)
        self.cancelled = run.stopped
        log.info(
            "word2vec: %d words, %d epochs, loss %s%s",
            V,
            self.epochs,
            self.loss_history,
            " (cancelled)" if run.stopped else "",
        )
        return self

    # ---- saving ------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the whole model to one ``.npz`` file, atomically.

        Holds the vocabulary (words and counts), both matrices, the settings
        and the loss history; ``load`` gives back an equal model, bit for bit.

        Args:
            path: the file to write (replaced if it exists).

        Returns:
            The path written.
        """
        if self.w_in is None:
            raise InvalidArgumentError(
                "expected a trained model, got one before fit; train it first"
            )
        path = Path(path)
        meta = {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "settings": self.settings(),
            "words": list(self.vocabulary.words),
            "cancelled": self.cancelled,
        }
        buffer = io.BytesIO()
        np.savez(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            counts=np.asarray(self.vocabulary.counts, dtype=np.int64),
            w_in=self.w_in,
            w_out=self.w_out,
            loss_history=np.asarray(self.loss_history, dtype=np.float64),
        )

        # Write beside the target and rename: a crash leaves the old file whole.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buffer.getvalue())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Word2Vec":
        """Read a model written by ``save``.

        Raises:
            DataFileError: the file is not a model ``save`` wrote.
        """
        from neuron.text import Vocabulary

        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes().decode("utf-8"))
                arrays = {k: data[k] for k in ("counts", "w_in", "w_out")}
                history = data["loss_history"]
        except (OSError, KeyError, ValueError) as e:
            raise DataFileError(
                f"expected a word2vec model saved by neuron in {path}, got a file "
                f"that cannot be read as one ({e}); save it with Word2Vec.save",
                file=path,
            ) from e
        if meta.get("format") != SAVE_FORMAT or meta.get("version") != SAVE_VERSION:
            raise DataFileError(
                f"expected {SAVE_FORMAT} version {SAVE_VERSION} in {path}, got "
                f"{meta.get('format')!r} version {meta.get('version')!r}; save it "
                "again with this version of neuron",
                file=path,
            )
        model = cls(**meta["settings"])
        model.vocabulary = Vocabulary(meta["words"], arrays["counts"])
        model.w_in = arrays["w_in"]
        model.w_out = arrays["w_out"]
        model.loss_history = [float(x) for x in history]
        model.cancelled = bool(meta.get("cancelled", False))
        return model


def _check_cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        raise CudaUnavailableError(
            "expected a CUDA device for backend='cuda', got none "
            "(torch.cuda.is_available() is False); use backend='engine' on CPU"
        )


class _Run:
    """The state of one ``fit``: the word clock, progress reports, stopping."""

    def __init__(self, model: Word2Vec, corpus, progress, on_epoch=None) -> None:
        self.model = model
        self.corpus = corpus
        self.progress = progress
        self.on_epoch = on_epoch
        vocab = model.vocabulary
        self.corpus_words = int(vocab.total)
        self.total_words = self.corpus_words * model.epochs
        self.words_done = 0
        self.started = time.perf_counter()
        self.stopped = False
        self.epoch = 0
        self.epoch_loss = 0.0
        self.epoch_pairs = 0

        # Subsampling off (sample = 0) means every word is kept.
        if model.sample > 0:
            keep = vocab.keep_probabilities(model.sample)  # (V,)
        else:
            keep = np.ones(len(vocab))  # (V,)
        self.keep_prob = np.ascontiguousarray(keep, dtype=np.float32)  # (V,)
        self.noise = np.ascontiguousarray(
            vocab.noise_distribution(), dtype=np.float64
        )  # (V,)

    # ---- sentences ---------------------------------------------------------

    def sentences(self) -> Iterator[np.ndarray]:
        """One pass of the corpus as arrays of ids (unknown words dropped)."""
        vocab = self.model.vocabulary
        if hasattr(self.corpus, "iter_ids"):
            yield from self.corpus.iter_ids(vocab)
            return
        for tokens in self.corpus:
            ids = vocab.encode(tokens)
            if len(ids):
                yield ids

    def token_chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One pass as (tokens int32 (N,), offsets int64 (S+1,)) chunks."""
        parts: list[np.ndarray] = []
        size = 0
        for ids in self.sentences():
            parts.append(ids)
            size += len(ids)
            if size >= self.model.chunk_words:
                yield _concatenate(parts)
                parts, size = [], 0
        if parts:
            yield _concatenate(parts)

    # ---- progress ----------------------------------------------------------

    def report(self, words_done: int) -> bool:
        """Call the progress callback; False when the run should stop."""
        if self.progress is not None:
            elapsed = max(time.perf_counter() - self.started, 1e-9)
            loss = self.epoch_loss / self.epoch_pairs if self.epoch_pairs else np.nan
            record = TrainingProgress(
                epoch=self.epoch,
                epochs=self.model.epochs,
                words_done=words_done,
                total_words=self.total_words,
                loss=float(loss),
                words_per_second=words_done / elapsed,
            )
            if self.progress(record) is False:
                self.model.cancel()
        return not self.model._cancel.is_set()

    def end_epoch(self, w_in=None) -> None:
        """Record the epoch's loss; hand a completed epoch's vectors (the
        current input matrix, ``w_in``, possibly on a GPU) to ``on_epoch``."""
        mean = self.epoch_loss / self.epoch_pairs if self.epoch_pairs else np.nan
        self.model.loss_history.append(float(mean))
        if self.on_epoch is None or self.stopped:
            return
        if w_in is None:
            w_in = self.model.w_in
        matrix = w_in.cpu().numpy() if hasattr(w_in, "cpu") else w_in.copy()
        self.on_epoch(self.epoch, Vectors(self.model.vocabulary.words, matrix))

    def alpha_at(self, words: int) -> float:
        return reference.learning_rate(
            self.model.alpha, words / self.total_words, self.model.min_alpha
        )

    # ---- the engine backend ------------------------------------------------

    def train_engine(self) -> None:
        """Hand the corpus to ``engine.train_corpus`` a chunk at a time."""
        from neuron.word2vec import engine

        model = self.model
        threads = model.threads or os.cpu_count() or 1
        calls = 0
        for self.epoch in range(1, model.epochs + 1):
            self.epoch_loss, self.epoch_pairs = 0.0, 0
            for tokens, offsets in self.token_chunks():
                # The rate falls linearly across this chunk, continuing the
                # run-wide decay; each call gets its own seed.
                words = len(tokens)
                alpha_start = self.alpha_at(self.words_done)
                alpha_end = self.alpha_at(self.words_done + words)
                control = np.zeros(4, dtype=np.int64)
                call = functools.partial(
                    engine.train_corpus,
                    model.w_in,
                    model.w_out,
                    tokens,
                    offsets,
                    self.keep_prob,
                    self.noise,
                    window=model.window,
                    negative=model.negative,
                    alpha_start=alpha_start,
                    alpha_end=alpha_end,
                    seed=model.seed * 1_000_003 + calls,
                    threads=threads,
                    control=control,
                )
                stats = self._watch(call, control)
                calls += 1
                self.epoch_loss += stats.loss
                self.epoch_pairs += stats.pairs
                self.words_done += stats.words
                if not self.report(self.words_done) or stats.cancelled:
                    self.stopped = True
                    break
            self.end_epoch()
            if self.stopped:
                return

    def _watch(self, call, control: np.ndarray):
        """Run one engine call in a thread; report and relay cancels meanwhile.

        The engine releases the GIL and writes words done into control[0], so
        this thread can report progress and set the cancel flag control[2].
        """
        result: list = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                result.append(call())
            except BaseException as e:  # re-raised in the calling thread
                failure.append(e)

        worker = threading.Thread(target=target, name="word2vec-engine")
        worker.start()
        while worker.is_alive():
            worker.join(timeout=0.25)
            if worker.is_alive() and not self.report(self.words_done + int(control[0])):
                control[2] = 1
        if failure:
            raise failure[0]
        return result[0]

    # ---- the reference and CUDA backends -----------------------------------

    def train_pairs(self, rng: np.random.Generator) -> None:
        """Form pairs in NumPy and train them in NumPy or on the GPU."""
        model = self.model
        cuda = model.backend == "cuda"
        stream = PairStream(
            self.noise,
            self.keep_prob,
            window=model.window,
            negative=model.negative,
            alpha=model.alpha,
            min_alpha=model.min_alpha,
            total_words=self.total_words,
            seed=int(rng.integers(2**62)),
            chunk_pairs=1_000_000 if cuda else 20_000,
        )
        from neuron.word2vec import engine

        if cuda:
            import torch

            w_in = torch.from_numpy(model.w_in).cuda()  # (V, D)
            w_out = torch.from_numpy(model.w_out).cuda()  # (V, D)

        for self.epoch in range(1, model.epochs + 1):
            self.epoch_loss, self.epoch_pairs = 0.0, 0
            for chunk in stream.chunks(self.sentences()):
                arrays = (chunk.inputs, chunk.outputs, chunk.negatives, chunk.alphas)
                if cuda:
                    on_gpu = [torch.from_numpy(a).cuda() for a in arrays]
                    loss = engine.train_pairs_cuda(w_in, w_out, *on_gpu)
                elif model.backend == "engine-exact":
                    loss = engine.train_pairs(model.w_in, model.w_out, *arrays)
                else:
                    loss = reference.train_pairs(model.w_in, model.w_out, *arrays)
                self.epoch_loss += float(loss)
                self.epoch_pairs += len(chunk)
                self.words_done += chunk.words
                if not self.report(self.words_done):
                    self.stopped = True
                    break
            self.end_epoch(w_in if cuda else None)
            if self.stopped:
                break
        if cuda:
            model.w_in = w_in.cpu().numpy()
            model.w_out = w_out.cpu().numpy()


def _concatenate(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.concatenate(parts).astype(np.int32, copy=False)  # (N,)
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)  # (S+1,)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return tokens, offsets
