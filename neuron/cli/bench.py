"""``neuron bench ...``: the engine against its peers, measured in one run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from neuron import paths
from neuron.cli.console import err, fail, out

bench = typer.Typer(
    help="Measure the engine against NumPy and PyTorch in the same run.",
    no_args_is_help=True,
)


@bench.command()
def softmax(
    rows: Annotated[int, typer.Option(min=1, help="Rows of the input.")] = 4096,
    cols: Annotated[int, typer.Option(min=1, help="Columns, the softmax axis.")] = 4096,
    dtype: Annotated[str, typer.Option(help="float32 or float64.")] = "float32",
    repeats: Annotated[int, typer.Option(min=1, help="Timed runs per backend.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Softmax forward on the CPU: rows per second and the ratio to PyTorch.

    Each backend is timed allocating a new output per call, and writing into
    one allocated beforehand (out=); the ratio compares like with like.
    """
    from neuron.softmax.bench import bench_softmax

    if dtype not in ("float32", "float64"):
        raise fail(f"expected --dtype float32 or float64, got {dtype!r}")
    with err.status(f"timing softmax on {rows} x {cols} {dtype}..."):
        results = bench_softmax(shape=(rows, cols), dtype=dtype, repeats=repeats)
    records = [dataclasses.asdict(result) for result in results]
    if as_json:
        out.print_json(json.dumps(records))
        return
    table = Table(
        "output",
        "backend",
        "median ms",
        "rows/s",
        "threads",
        "torch time / this",
        title=f"softmax forward, {rows} x {cols} {dtype}, median of {repeats}",
        title_justify="left",
    )
    for record in records:
        table.add_row(
            record["output"],
            record["backend"],
            f"{record['seconds'] * 1e3:.2f}",
            f"{record['rows_per_second']:,.0f}",
            str(record["threads"]),
            f"{record['ratio_vs_torch']:.2f}",
        )
    out.print(table)


@bench.command()
def neighbours(
    n: Annotated[int, typer.Option("--n", min=2, help="Words in the table.")] = 100_000,
    dim: Annotated[int, typer.Option("--dim", min=1, help="Vector size.")] = 300,
    k: Annotated[int, typer.Option("--k", min=1, help="Neighbours per query.")] = 10,
    repeats: Annotated[
        int, typer.Option(min=1, help="Timed queries per tool; the median is kept.")
    ] = 9,
    seed: Annotated[int, typer.Option(help="Seed of the random vectors.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Top-k nearest neighbours by cosine: neuron against gensim.

    Both answer the same queries over the same seeded random float32
    vectors (neuron.embeddings.nearest, gensim KeyedVectors.most_similar);
    the table gives the median milliseconds per query and gensim's time over
    neuron's (above 1: neuron is faster).
    """
    from neuron.embeddings.bench import bench_neighbours, gensim_available

    with err.status(f"timing top-{k} neighbours over {n:,} x {dim} vectors..."):
        result = bench_neighbours(n=n, dim=dim, k=k, repeats=repeats, seed=seed)
    record = dataclasses.asdict(result)
    if as_json:
        out.print_json(json.dumps(record))
        return
    table = Table(
        "tool",
        "median ms",
        "gensim time / this",
        title=f"top-{k} nearest neighbours, {n:,} x {dim} float32, median of "
        f"{repeats} queries",
        title_justify="left",
    )
    table.add_row("neuron", f"{record['neuron_ms']:.2f}", _ratio(result))
    if result.gensim_ms is not None:
        table.add_row("gensim", f"{record['gensim_ms']:.2f}", "1.00x")
    out.print(table)
    if result.same_answers is False:
        out.print("warning: neuron and gensim returned different neighbours")
    if not gensim_available():
        out.print('gensim is not installed: pip install -e ".[bench]" to compare.')


@bench.command()
def workbench(
    edits: Annotated[int, typer.Option(min=1, help="Timed edits per measure.")] = 30,
    warmup: Annotated[int, typer.Option(min=0, help="Untimed edits first.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The workbench in a real browser: Canvas's edit-to-heatmap time
    against a bare marimo round trip, and Explorer's first render.

    Starts the workbench on a loopback port with an empty store, drives
    Chromium through Playwright, and times inside the page from the key
    that commits an edit of W_Q to the first frame painted with the new
    attention weights (12 tokens, 4 heads). The peer is a bare marimo
    notebook (a slider and its value as text) served by marimo run.
    """
    from neuron.errors import NeuronError
    from neuron.server.bench import bench_workbench

    try:
        with err.status("timing the workbench in Chromium..."):
            result = bench_workbench(edits=edits, warmup=warmup)
    except NeuronError as exc:
        raise fail(str(exc)) from None
    record = result.to_dict()
    if as_json:
        out.print_json(json.dumps(record))
        return
    table = Table(
        "round trip",
        "median ms",
        "p90 ms",
        "this / bare marimo (median)",
        title=f"edit to updated page, {edits} edits after {warmup} untimed",
        title_justify="left",
    )
    canvas, bare = result.canvas_edit, result.bare_marimo
    table.add_row(
        f"Canvas: W_Q cell to heatmap ({result.tokens} tokens, {result.heads} heads)",
        f"{canvas.median:.0f}",
        f"{canvas.p90:.0f}",
        f"{canvas.median / bare.median:.2f}x",
    )
    table.add_row(
        "bare marimo: slider to text", f"{bare.median:.0f}", f"{bare.p90:.0f}", "1.00x"
    )
    out.print(table)

    def shown(value: float | None) -> str:
        return "did not render" if value is None else f"{value:,.0f} ms"

    out.print(
        "Explorer first render (navigation to its first neighbours): "
        f"{shown(result.explorer_first_render_ms)} from the home page, "
        f"{shown(result.explorer_cold_render_ms)} with an empty browser cache"
    )


@bench.command()
def codelab(
    steps: Annotated[int, typer.Option(min=10, help="Steps of each run.")] = 150,
    interactions: Annotated[
        int, typer.Option(min=1, help="Timed slider moves while a run trains.")
    ] = 20,
    repeats: Annotated[
        int, typer.Option(min=1, help="Direct and launched runs, in turns.")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Code Lab in a real browser: how fast it answers while a run trains,
    and what a run launched from it trains at against the same job run
    directly.

    Starts GPT runs from Code Lab's form (its defaults: 4 layers, d_model
    128, context 128, batch 32, characters of the shared tinyshakespeare)
    in Chromium; times the smoothing slider's key press to the redrawn
    curves while the first trains; then trains the same job directly and
    from the page (left open and polling), in turns.
    """
    from neuron.errors import NeuronError
    from neuron.server.bench import bench_codelab

    try:
        with err.status("timing Code Lab in Chromium..."):
            result = bench_codelab(
                steps=steps, interactions=interactions, repeats=repeats
            )
    except NeuronError as exc:
        raise fail(str(exc)) from None
    record = result.to_dict()
    if as_json:
        out.print_json(json.dumps(record))
        return
    moves = result.interaction
    out.print(
        f"Code Lab, slider to redrawn curves while a run trains: median "
        f"{moves.median:.0f} ms, p90 {moves.p90:.0f} ms ({len(moves.samples)} moves)"
    )
    table = Table(
        "GPT run",
        "tokens/s (median)",
        "vs direct",
        title=f"{steps} steps each, {repeats} of each, in turns",
        title_justify="left",
    )
    table.add_row("run directly", f"{result.direct_tokens_per_second:,.0f}", "1.00x")
    table.add_row(
        "launched from Code Lab (page open)",
        f"{result.launched_tokens_per_second:,.0f}",
        f"{result.throughput_ratio:.2f}x",
    )
    out.print(table)


def _ratio(result) -> str:
    ratio = result.ratio_vs_gensim
    return "-" if ratio is None else f"{ratio:.2f}x"


_MODES = {
    "forward": ["forward"],
    "backward": ["forward+backward"],
    "both": ["forward", "forward+backward"],
}


@bench.command()
def attention(
    lengths: Annotated[
        list[int] | None,
        typer.Option(
            "--t",
            min=1,
            help="Sequence length T (keys S = T); repeatable. Default: 128, 256, "
            "512, 1024, 2048, 4096.",
        ),
    ] = None,
    heads: Annotated[int, typer.Option(min=1, help="Heads H.")] = 8,
    head_dim: Annotated[
        int, typer.Option(min=1, max=512, help="Head dimension D.")
    ] = 64,
    batch: Annotated[int, typer.Option(min=1, help="Batch size B.")] = 1,
    causal: Annotated[
        bool | None,
        typer.Option(
            "--causal/--no-causal",
            help="Only the causal mask, or only none. Default: both.",
        ),
    ] = None,
    mode: Annotated[
        str, typer.Option(help="forward, backward (forward+backward) or both.")
    ] = "both",
    repeats: Annotated[
        int, typer.Option(min=1, help="Timed runs per row; the best is kept.")
    ] = 3,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="CPU threads of PyTorch and the engine. Default: every core "
            "this process may use.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Attention on the CPU: the engine against SDPA, explicit PyTorch and NumPy.

    Forward and forward+backward, every path on the same float32 inputs
    (B, H, T, D). The table gives the best time, GFLOP/s as FlashAttention
    counts them, SDPA's time over each path's (above 1: faster than SDPA)
    and the resident memory one call adds at its peak. NumPy runs once, up
    to T = 1024. Where a CUDA device exists, the engine and SDPA are also
    timed there in bfloat16.
    """
    if mode not in _MODES:
        raise fail(f"expected --mode forward, backward or both, got {mode!r}")
    from neuron.attention import bench as attention_bench

    lengths = lengths or list(attention_bench.DEFAULT_LENGTHS)
    masks = [False, True] if causal is None else [causal]
    modes = _MODES[mode]
    threads = threads or attention_bench.default_threads()
    numpy_max_length = 1024
    with err.status("timing attention on the CPU..."):
        rows = attention_bench.bench_attention(
            lengths,
            batch=batch,
            heads=heads,
            head_dim=head_dim,
            causal=masks,
            modes=modes,
            repeats=repeats,
            threads=threads,
            numpy_max_length=numpy_max_length,
        )
    cuda_rows = None
    cuda_reason = attention_bench.cuda_unavailable_reason()
    if cuda_reason is None:
        # bfloat16 at 64 dimensions, a size the CUDA kernels are built for.
        with err.status("timing attention on CUDA..."):
            cuda_rows = attention_bench.bench_attention_cuda(
                sorted({*lengths, 4096}), batch=batch, heads=heads, causal=masks
            )
    records = [row.as_dict() for row in rows]
    cuda_records = None if cuda_rows is None else [r.as_dict() for r in cuda_rows]

    if as_json:
        settings = {
            "lengths": lengths,
            "batch": batch,
            "heads": heads,
            "head_dim": head_dim,
            "causal": masks,
            "modes": modes,
            "repeats": repeats,
            "threads": threads,
            "numpy_max_length": numpy_max_length,
            "dtype": "float32",
        }
        cuda = {"reason": cuda_reason, "rows": cuda_records}
        out.print_json(
            json.dumps({"settings": settings, "rows": records, "cuda": cuda})
        )
        return
    title = (
        f"attention on the CPU, float32, batch {batch}, {heads} heads, head dim "
        f"{head_dim}, {threads} threads; best of {repeats} after a warm-up "
        f"(numpy: one run, T <= {numpy_max_length})"
    )
    out.print(_attention_table(records, title))
    if cuda_records is not None:
        title = (
            f"attention on CUDA, bfloat16, forward, batch {batch}, {heads} heads, "
            f"head dim 64; best of {cuda_records[0]['repeats']} after a warm-up"
        )
        out.print(_attention_table(cuda_records, title))
    else:
        out.print(f"CUDA: not timed, no CUDA device here ({cuda_reason})")


_SHORT_MODES = {"forward": "fwd", "forward+backward": "fwd+bwd"}


def _attention_table(records: list[dict], title: str) -> Table:
    table = Table(
        "T",
        "causal",
        "mode",
        "path",
        "ms",
        "GFLOP/s",
        "vs SDPA",
        "peak MiB",
        title=title,
        title_justify="left",
    )
    for r in records:
        timed = r["seconds"] is not None
        table.add_row(
            str(r["length"]),
            "yes" if r["causal"] else "no",
            _SHORT_MODES[r["mode"]],
            r["path"],
            f"{r['seconds'] * 1e3:.2f}" if timed else "-",
            f"{r['gflop_per_second']:.1f}" if timed else "-",
            "-" if r["ratio_vs_sdpa"] is None else f"{r['ratio_vs_sdpa']:.2f}x",
            "-" if r["peak_mib"] is None else f"{r['peak_mib']:.1f}",
        )
    return table


def _default_corpus() -> Path | None:
    """$NEURON_CORPORA, else the shared corpora beside a source checkout."""
    return paths.corpora()


@bench.command()
def word2vec(
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="A text file or folder; repeatable. Default: $NEURON_CORPORA, "
            "or the shared corpora beside the checkout."
        ),
    ] = None,
    threads: Annotated[
        list[int] | None, typer.Option(min=1, help="Thread counts; repeatable.")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs per run.")] = 3,
    repeats: Annotated[
        int, typer.Option(min=1, help="Runs per tool; the fastest is kept.")
    ] = 1,
    reference_words: Annotated[
        int, typer.Option(min=100, help="Words the NumPy reference trains on.")
    ] = 5_000,
    seeds: Annotated[
        int,
        typer.Option(
            min=1, help="Average the quality scores over models of this many seeds."
        ),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Skip-gram training: the engine against gensim, speed and quality.

    Both train on the same tokens with the same settings (negative 5, window
    5, 100 dimensions, sample 1e-3, min_count 5); the table gives effective
    words per second (words kept by subsampling), the ratio to gensim at the
    same thread count, and each model's analogy accuracy and similarity
    correlation on the project's evaluation sets.
    """
    from neuron.engine import info as engine_info
    from neuron.word2vec import bench as w2v_bench

    sources = corpus or ([found] if (found := _default_corpus()) else [])
    if not sources:
        raise fail(
            "expected a corpus: pass --corpus PATH (a text file or a folder of "
            ".txt files), for example the file `neuron data get tinyshakespeare` "
            "prints, or set NEURON_CORPORA to an existing file or folder"
        )
    counts = threads or [1, 2]
    with err.status("reading the corpus..."):
        loaded = w2v_bench.load_corpus(sources if len(sources) > 1 else sources[0])
    with err.status("training the engine and gensim..."):
        rows = w2v_bench.compare(loaded, threads=counts, repeats=repeats, epochs=epochs)
    with err.status("training the NumPy reference on a slice..."):
        ref = w2v_bench.time_reference(loaded, words=reference_words)
    cuda = None
    if engine_info()["cuda"]["devices"]:
        with err.status("timing the CUDA pair kernel..."):
            cuda = w2v_bench.benchmark_cuda()
    with err.status("evaluating..."):
        records = []
        for row in rows:
            quality = {}
            for tool in ("engine", "gensim"):
                if row.get(tool) is not None:
                    quality[tool] = _quality(loaded, row, tool, seeds, epochs)
            # engine+encode is the engine's training with the encoding timed too.
            quality["engine+encode"] = quality["engine"]
            for tool in ("engine", "engine+encode", "gensim"):
                result = row.get(tool)
                if result is None:
                    continue
                ratio = None
                if row.get("gensim") is not None:
                    ratio = result.words_per_second / row["gensim"].words_per_second
                records.append(_record(result, ratio, quality[tool]))
        records.append(_record(ref, None, {"analogy": None, "similarity": None}))

    if as_json:
        out.print_json(
            json.dumps(
                {
                    "corpus": [str(s) for s in sources],
                    "corpus_words": int(len(loaded.tokens)),
                    "vocabulary": len(loaded.vocab),
                    "epochs": epochs,
                    "quality_seeds": seeds,
                    "gensim": w2v_bench.gensim_available(),
                    "runs": records,
                    "cuda": cuda,
                }
            )
        )
        return
    table = Table(
        "threads",
        "tool",
        "eff. words/s",
        "seconds",
        "vs gensim",
        "analogy",
        "sim. rho",
        title=f"skip-gram, {len(loaded.tokens):,} words, vocabulary "
        f"{len(loaded.vocab):,}, {epochs} epoch(s); quality: mean of {seeds} "
        f"seed(s); reference: first {ref.words:,} words, 1 epoch",
        title_justify="left",
    )
    for r in records:
        table.add_row(
            str(r["threads"]),
            r["tool"],
            f"{r['words_per_second']:,.0f}",
            f"{r['seconds']:.2f}",
            "-" if r["ratio_vs_gensim"] is None else f"{r['ratio_vs_gensim']:.2f}x",
            "-" if r["analogy"] is None else f"{100 * r['analogy']:.1f}%",
            "-" if r["similarity"] is None else f"{r['similarity']:.3f}",
        )
    out.print(table)
    if cuda is not None:
        out.print(
            f"CUDA pair kernel on {cuda['device']}: {cuda['pairs_per_second']:,.0f} "
            f"pairs/s (batches of {cuda['batch_pairs']:,} random pairs)"
        )
    else:
        out.print("CUDA pair kernel: not timed, no CUDA device here.")
    if not w2v_bench.gensim_available():
        out.print('gensim is not installed: pip install -e ".[bench]" to compare.')


def _quality(loaded, row: dict, tool: str, seeds: int, epochs: int) -> dict:
    """The timed run's scores (seed 1), averaged with models of seeds 2..N."""
    from neuron.word2vec import bench as w2v_bench

    scores = w2v_bench.evaluate(row[tool].vectors)
    if seeds == 1:
        return scores
    more = w2v_bench.mean_quality(
        loaded, tool, row["threads"], range(2, seeds + 1), epochs=epochs
    )
    return {k: (scores[k] + (seeds - 1) * more[k]) / seeds for k in scores}


def _record(result, ratio: float | None, scores: dict) -> dict:
    return {
        "tool": result.tool,
        "threads": result.threads,
        "seconds": result.seconds,
        "effective_words": result.effective_words,
        "words": result.words,
        "words_per_second": result.words_per_second,
        "ratio_vs_gensim": ratio,
        **scores,
    }


@bench.command()
def startup(
    repeats: Annotated[int, typer.Option(min=1, help="Cold starts of each.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """From a cold start of `neuron` to a rendered home page, against
    `marimo run` serving the same home notebook alone.

    Each start is a new server process with an empty store, opened in a new
    profile of a Chromium already running; the clock stops when the home
    page's recall count is on screen (every cell has run). Target: under 5 s.
    """
    from neuron.errors import NeuronError
    from neuron.server.bench_startup import bench_startup

    try:
        with err.status("starting servers and timing the home page..."):
            result = bench_startup(repeats=repeats)
    except NeuronError as exc:
        raise fail(str(exc)) from None
    record = result.to_dict()
    if as_json:
        out.print_json(json.dumps(record))
        return
    table = Table(
        "server",
        "median to listening ms",
        "median to rendered home ms",
        "each start, rendered ms",
        title=f"cold start to a rendered home page, {repeats} starts each",
        title_justify="left",
    )
    for name, label in (("neuron", "neuron"), ("marimo", "marimo run home.py")):
        times = record[name]
        table.add_row(
            label,
            f"{times['median_listening_ms']:,.0f}",
            f"{times['median_rendered_ms']:,.0f}",
            ", ".join(f"{s['rendered_ms']:,.0f}" for s in times["starts"]),
        )
    out.print(table)
    out.print(
        f"neuron / marimo run: {record['neuron_vs_marimo_rendered']:.2f}x "
        "(target: neuron under 5,000 ms)"
    )
