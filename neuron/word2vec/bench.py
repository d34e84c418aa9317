"""Timing the compiled word2vec loop against gensim, the tool a user would
otherwise pick, on the same tokens and settings, in one process.

Both sides train skip-gram with negative sampling from the same token lists
(``neuron.text`` tokenisation) with the same vocabulary rule (min_count), and
report effective words per second: corpus words that survived subsampling and
were trained as centres, divided by the training time. gensim's time is its
``Word2Vec.train`` call (vocabulary built beforehand, its Python producer
thread included, as a user meets it); the engine's is ``train_corpus`` over
the encoded corpus, plus, with ``include_encoding``, the encoding of the token
lists to ids.

Example:
    >>> from neuron.word2vec import bench
    >>> corpus = bench.load_corpus("/work/shared/corpora")
    >>> rows = bench.compare(corpus, threads=(1, 2))
"""

import importlib.util
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuron.errors import InvalidArgumentError
from neuron.word2vec.model import initial_vectors
from neuron.word2vec.vectors import Vectors

logger = logging.getLogger(__name__)

__all__ = [
    "BenchCorpus",
    "BenchResult",
    "benchmark_cuda",
    "compare",
    "gensim_available",
    "evaluate",
    "load_corpus",
    "mean_quality",
    "time_engine",
    "time_gensim",
    "time_reference",
]


@dataclass(frozen=True)
class BenchCorpus:
    """A corpus held in memory twice: as token lists (for gensim) and encoded.

    Attributes:
        sentences: the token lists, one per sentence.
        vocab: the ``neuron.text.Vocabulary`` (min_count applied).
        tokens: int32 (N,) ids of the in-vocabulary tokens, sentences joined.
        offsets: int64 (S+1,) sentence boundaries in ``tokens``.
        min_count: the vocabulary's min_count.
    """

    sentences: list[list[str]]
    vocab: object
    tokens: np.ndarray
    offsets: np.ndarray
    min_count: int


@dataclass(frozen=True)
class BenchResult:
    """One timed training run.

    Attributes:
        tool: ``"engine"``, ``"engine+encode"`` or ``"gensim"``.
        threads: threads (gensim: workers).
        seconds: wall-clock training time.
        effective_words: words trained as centres after subsampling.
        words: corpus words processed (in-vocabulary words for the engine,
            every token for gensim).
        vectors: the trained ``neuron.word2vec.Vectors`` (for evaluation).
    """

    tool: str
    threads: int
    seconds: float
    effective_words: int
    words: int
    vectors: object = field(default=None, repr=False, compare=False)

    @property
    def words_per_second(self) -> float:
        """Effective words per second."""
        return self.effective_words / self.seconds


def gensim_available() -> bool:
    """Whether gensim can be imported here (it is optional)."""
    return importlib.util.find_spec("gensim") is not None


def load_corpus(
    source: str | Path | Sequence[str | Path], min_count: int = 5
) -> BenchCorpus:
    """Read a corpus into memory with ``neuron.text`` and encode it.

    Args:
        source: a file, a folder of .txt files, or a list of paths.
        min_count: drop words seen fewer times.
    """
    from neuron.text import Corpus, Vocabulary

    corpus = Corpus(source)
    sentences = list(corpus)
    vocab = Vocabulary.build(sentences, min_count=min_count)
    tokens, offsets = _encode(sentences, vocab)
    return BenchCorpus(sentences, vocab, tokens, offsets, min_count)


def _encode(sentences, vocab) -> tuple[np.ndarray, np.ndarray]:
    ids = [vocab.encode(s) for s in sentences]
    tokens = np.concatenate(ids) if ids else np.zeros(0, np.int32)  # (N,)
    offsets = np.zeros(len(ids) + 1, np.int64)  # (S+1,)
    offsets[1:] = np.cumsum([len(a) for a in ids])
    return tokens.astype(np.int32, copy=False), offsets


def time_engine(
    corpus: BenchCorpus,
    threads: int,
    *,
    vector_size: int = 100,
    window: int = 5,
    negative: int = 5,
    sample: float = 1e-3,
    alpha: float = 0.025,
    epochs: int = 1,
    seed: int = 1,
    include_encoding: bool = False,
) -> BenchResult:
    """Train with ``engine.train_corpus`` and time it.

    Args:
        corpus: from ``load_corpus``.
        threads: engine threads.
        vector_size, window, negative, sample, alpha, epochs, seed: as in
            gensim's ``Word2Vec`` (the learning rate falls linearly to
            alpha * 1e-4 over all epochs).
        include_encoding: also time encoding the token lists to ids, once
            per epoch, as a streamed corpus must.
    """
    from neuron.word2vec import engine

    vocab = corpus.vocab
    w_in, w_out = initial_vectors(len(vocab), vector_size, seed)  # (V, D) each
    keep = np.asarray(vocab.keep_probabilities(sample), np.float32)  # (V,)
    noise = np.asarray(vocab.noise_distribution(), np.float64)  # (V,)
    min_alpha = alpha * 1e-4

    effective = words = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        if include_encoding:
            tokens, offsets = _encode(corpus.sentences, vocab)
        else:
            tokens, offsets = corpus.tokens, corpus.offsets
        stats = engine.train_corpus(
            w_in,
            w_out,
            tokens,
            offsets,
            keep,
            noise,
            window=window,
            negative=negative,
            alpha_start=max(alpha * (1 - epoch / epochs), min_alpha),
            alpha_end=max(alpha * (1 - (epoch + 1) / epochs), min_alpha),
            # Spaced so that runs of nearby seeds never share an epoch's draws.
            seed=seed * 1_000_003 + epoch,
            threads=threads,
        )
        effective += stats.effective_words
        words += stats.words
    seconds = time.perf_counter() - start
    tool = "engine+encode" if include_encoding else "engine"
    vectors = Vectors(vocab.words, w_in)
    return BenchResult(tool, threads, seconds, effective, words, vectors)


def time_gensim(
    corpus: BenchCorpus,
    threads: int,
    *,
    vector_size: int = 100,
    window: int = 5,
    negative: int = 5,
    sample: float = 1e-3,
    alpha: float = 0.025,
    epochs: int = 1,
    seed: int = 1,
) -> BenchResult:
    """Train gensim's skip-gram on the same token lists and time ``train``.

    Raises:
        ModuleNotFoundError: gensim is not installed (see gensim_available).
    """
    from gensim.models import Word2Vec

    model = Word2Vec(
        vector_size=vector_size,
        window=window,
        negative=negative,
        sample=sample,
        min_count=corpus.min_count,
        sg=1,
        hs=0,
        alpha=alpha,
        workers=threads,
        seed=seed,
    )
    model.build_vocab(corpus.sentences)
    start = time.perf_counter()
    effective, raw = model.train(
        corpus.sentences, total_examples=model.corpus_count, epochs=epochs
    )
    seconds = time.perf_counter() - start
    vectors = Vectors(list(model.wv.index_to_key), model.wv.vectors)
    return BenchResult("gensim", threads, seconds, int(effective), int(raw), vectors)


def compare(
    corpus: BenchCorpus,
    threads: Sequence[int] = (1, 2),
    repeats: int = 3,
    include_encoding: bool = True,
    **settings,
) -> list[dict]:
    """Time the engine and gensim alternately and keep each one's best run.

    Alternating the tools spreads any background load over both.

    Args:
        corpus: from ``load_corpus``.
        threads: thread counts to compare at.
        repeats: runs per tool and thread count; the fastest is kept.
        include_encoding: also time the engine with encoding included.
        **settings: passed to ``time_engine`` and ``time_gensim``.

    Returns:
        One dict per thread count: ``threads``, ``engine``, ``engine+encode``
        (when asked), ``gensim`` (when installed; each a BenchResult) and
        ``ratio`` (engine over gensim effective words per second, or None).
    """
    if repeats < 1:
        raise InvalidArgumentError(f"expected repeats >= 1, got {repeats}; try 3")
    with_gensim = gensim_available()
    rows = []
    for n in threads:
        best: dict[str, BenchResult] = {}
        for _ in range(repeats):
            runs = [time_engine(corpus, n, **settings)]
            if include_encoding:
                runs.append(time_engine(corpus, n, include_encoding=True, **settings))
            if with_gensim:
                runs.append(time_gensim(corpus, n, **settings))
            for r in runs:
                if r.tool not in best or r.seconds < best[r.tool].seconds:
                    best[r.tool] = r
            logger.debug("threads=%d runs=%s", n, runs)
        gensim = best.get("gensim")
        ratio = (
            best["engine"].words_per_second / gensim.words_per_second
            if gensim
            else None
        )
        rows.append({"threads": n, **best, "ratio": ratio})
    return rows


def time_reference(
    corpus: BenchCorpus,
    words: int = 5_000,
    *,
    vector_size: int = 100,
    window: int = 5,
    negative: int = 5,
    sample: float = 1e-3,
    alpha: float = 0.025,
    seed: int = 1,
) -> BenchResult:
    """Train the NumPy reference on the corpus's first ``words`` words.

    The reference is for reading, not speed; it is timed on a slice so the
    table can show by how much the compiled loop is faster. Its effective
    words are the expected number kept by subsampling (the sum of the keep
    probabilities of the slice's words).
    """
    from neuron.word2vec import reference
    from neuron.word2vec.pairs import PairStream

    vocab = corpus.vocab
    end = int(np.searchsorted(corpus.offsets, min(words, len(corpus.tokens))))
    end = max(end, 1)
    sentences = [
        corpus.tokens[corpus.offsets[i] : corpus.offsets[i + 1]] for i in range(end)
    ]
    taken = sum(len(s) for s in sentences)
    keep = np.asarray(vocab.keep_probabilities(sample), np.float32)  # (V,)
    w_in, w_out = initial_vectors(len(vocab), vector_size, seed)  # (V, D) each
    stream = PairStream(
        np.asarray(vocab.noise_distribution(), np.float64),
        keep,
        window=window,
        negative=negative,
        alpha=alpha,
        min_alpha=alpha * 1e-4,
        total_words=taken,
        seed=seed,
        chunk_pairs=20_000,
    )

    start = time.perf_counter()
    for chunk in stream.chunks(sentences):
        arrays = (chunk.inputs, chunk.outputs, chunk.negatives, chunk.alphas)
        reference.train_pairs(w_in, w_out, *arrays)
    seconds = time.perf_counter() - start
    expected = int(round(float(keep[np.concatenate(sentences)].sum())))
    return BenchResult("reference", 1, seconds, expected, taken)


def evaluate(vectors) -> dict[str, float]:
    """The two quality scores the benchmark reports for a trained model.

    Returns:
        ``analogy``: accuracy over the project's analogy set (all sections,
        3CosAdd, the 30,000 most frequent words), and ``similarity``: the
        Spearman correlation on the project's similarity set.
    """
    from neuron.word2vec.evaluate import analogy_accuracy, similarity_correlation

    analogies = analogy_accuracy(vectors)
    total = analogies.filter(analogies["section"] == "total")
    similarity = similarity_correlation(vectors)
    return {
        "analogy": float(total["accuracy"][0]),
        "similarity": float(similarity["spearman"][0]),
    }


def mean_quality(
    corpus: BenchCorpus,
    tool: str,
    threads: int,
    seeds: Sequence[int],
    **settings,
) -> dict[str, float]:
    """``evaluate`` averaged over models trained with several seeds.

    A single model's scores move with its seed (on the project's 85-pair
    similarity set by a few hundredths), so comparisons of quality between
    tools are made on means.

    Args:
        corpus: from ``load_corpus``.
        tool: ``"engine"`` or ``"gensim"``.
        threads: engine threads or gensim workers.
        seeds: one model per seed.
        **settings: passed to ``time_engine`` or ``time_gensim``.
    """
    if tool not in ("engine", "gensim") or not seeds:
        raise InvalidArgumentError(
            f"expected tool 'engine' or 'gensim' and at least one seed, got "
            f"{tool!r} and {list(seeds)}"
        )
    train = time_engine if tool == "engine" else time_gensim
    scores = [
        evaluate(train(corpus, threads, seed=s, **settings).vectors) for s in seeds
    ]
    return {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}


def benchmark_cuda(
    vocab_size: int = 30_000,
    vector_size: int = 100,
    negative: int = 5,
    batch_pairs: int = 1_000_000,
    repeats: int = 5,
    seed: int = 0,
) -> dict:
    """Pairs per second of ``engine.train_pairs_cuda`` on random batches.

    Runs only where a CUDA device exists.

    Returns:
        ``pairs_per_second`` (best of ``repeats`` launches), ``seconds``,
        ``batch_pairs``, ``device`` (its name).

    Raises:
        CudaUnavailableError: no CUDA build or no device.
    """
    from neuron.engine import _engine
    from neuron.word2vec import engine

    _engine.cuda_require_device()
    import torch

    gen = torch.Generator(device="cuda").manual_seed(seed)
    V, D, P, k = vocab_size, vector_size, batch_pairs, negative

    def ids(*shape):
        return torch.randint(
            0, V, shape, generator=gen, device="cuda", dtype=torch.int32
        )

    w_in = (torch.rand(V, D, generator=gen, device="cuda") - 0.5) / D  # (V, D)
    w_out = torch.zeros(V, D, device="cuda")  # (V, D)
    inputs, outputs, negatives = ids(P), ids(P), ids(P, k)
    alphas = torch.full((P,), 0.025, device="cuda")  # (P,)
    engine.train_pairs_cuda(w_in, w_out, inputs, outputs, negatives, alphas)  # warm
    best = float("inf")
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        engine.train_pairs_cuda(w_in, w_out, inputs, outputs, negatives, alphas)
        best = min(best, time.perf_counter() - start)
    return {
        "pairs_per_second": P / best,
        "seconds": best,
        "batch_pairs": P,
        "device": torch.cuda.get_device_name(),
    }
