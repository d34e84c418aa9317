import marimo

__generated_with = "0.25.2"
app = marimo.App(
    width="full",
    app_title="Code Lab",
    layout_file="layouts/codelab.grid.json",
)

with app.setup:
    import os

    import marimo as mo
    import polars as pl

    from neuron import paths
    from neuron.errors import NeuronError
    from neuron.lab import (
        GptJob,
        Word2vecJob,
        add_run_note,
        clear_pending_run,
        config_diff,
        launch_gpt,
        launch_word2vec,
        metric_frame,
        read_pending_run,
        resume_run,
        run_kind,
        run_notes,
        run_table,
        smooth,
        stop_run,
    )
    from neuron.lab.process import log_tail
    from neuron.lab.samples import sample_checkpoint
    from neuron.lab.tables import thin
    from neuron.store import Store, default_path
    from neuron.viz.lab import labelled, run_charts
    from neuron.viz.nav import header

    CURVE_METRICS = ["loss", "val_loss", "lr", "alpha"]
    CURVE_METRICS += ["tokens_per_second", "words_per_second"]
    # Points drawn per run and metric; longer runs are thinned evenly.
    MAX_POINTS = 1000


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("codelab"))
    return


@app.function
def corpus_file(name: str) -> str:
    """The corpus ``name`` (``neuron.paths.corpora``) when it exists, else ""
    (type a path)."""
    folder = paths.corpora()
    path = folder / name if folder is not None and folder.is_dir() else None
    return str(path) if path is not None and path.is_file() else ""


@app.function
def selected_ids(rows) -> list[int]:
    """The run ids of a table selection (a frame or a list of rows)."""
    frame = pl.DataFrame(rows)
    return frame["id"].to_list() if "id" in frame.columns else []


@app.function
def failure(error: Exception) -> mo.Html:
    """An error a user can act on, as a callout."""
    return mo.callout(mo.md(f"**Could not do that.** {error}"), kind="danger")


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Code Lab

    Train word2vec and GPT models in background processes, watch their
    curves live, stop and resume them, compare them and write notes on
    them. Every run, metric and note lives in the store and survives a
    restart; a run whose process died is shown as **died**, never as
    running.
    """)
    return


@app.cell
def _():
    store_path = default_path()
    store = Store.open(store_path)
    get_launch, set_launch = mo.state(None)
    get_selected, set_selected = mo.state([])
    get_notes_version, set_notes_version = mo.state(0)
    # What the poll found; set only when it changes, so that cells reading
    # them (and the inputs they hold) are not rebuilt at every tick.
    get_rows, set_rows = mo.state(run_table(store))
    get_focus, set_focus = mo.state(None)
    get_pending, set_pending = mo.state(None)
    table_cache = {}
    return (
        get_focus,
        get_launch,
        get_notes_version,
        get_pending,
        get_rows,
        get_selected,
        set_focus,
        set_launch,
        set_notes_version,
        set_pending,
        set_rows,
        set_selected,
        store,
        store_path,
        table_cache,
    )


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Start a GPT run

    The run trains in its own process (`python -m neuron.transformer.train`,
    or torchrun for several processes), exactly as from a shell.
    """)
    return


@app.cell
def _():
    gpt_text = mo.ui.text(
        value=corpus_file("tinyshakespeare.txt"), label="text file", full_width=True
    )
    gpt_name = mo.ui.text(value="", label="run name", placeholder="(derived)")
    gpt_steps = mo.ui.number(1, 1_000_000, value=2000, label="steps")
    gpt_batch = mo.ui.number(1, 4096, value=32, label="batch size")
    gpt_context = mo.ui.number(1, 4096, value=128, label="context")
    gpt_layers = mo.ui.number(1, 64, value=4, label="layers")
    gpt_width = mo.ui.number(8, 4096, step=8, value=128, label="d_model")
    gpt_heads = mo.ui.number(1, 64, value=4, label="heads")
    gpt_lr = mo.ui.number(1e-6, 1.0, step=1e-4, value=1e-3, label="learning rate")
    gpt_every = mo.ui.number(0, 1_000_000, value=250, label="checkpoint every")
    gpt_processes = mo.ui.number(1, os.cpu_count() or 1, value=1, label="processes")
    start_gpt = mo.ui.run_button(label="Start run")
    mo.vstack(
        [
            mo.hstack([gpt_text, gpt_name], widths=[3, 1]),
            mo.hstack(
                [gpt_steps, gpt_batch, gpt_context, gpt_lr, gpt_every],
                justify="start",
            ),
            mo.hstack(
                [gpt_layers, gpt_width, gpt_heads, gpt_processes, start_gpt],
                justify="start",
            ),
        ]
    )
    return (
        gpt_batch,
        gpt_context,
        gpt_every,
        gpt_heads,
        gpt_layers,
        gpt_lr,
        gpt_name,
        gpt_processes,
        gpt_steps,
        gpt_text,
        gpt_width,
        start_gpt,
    )


@app.cell
def _(
    gpt_batch,
    gpt_context,
    gpt_every,
    gpt_heads,
    gpt_layers,
    gpt_lr,
    gpt_name,
    gpt_steps,
    gpt_text,
    gpt_width,
):
    # The job the form describes; None (with the reason) when it cannot run.
    try:
        gpt_job = GptJob(
            gpt_text.value or "missing.txt",
            layers=int(gpt_layers.value),
            d_model=int(gpt_width.value),
            heads=int(gpt_heads.value),
            context=int(gpt_context.value),
            train={
                "steps": int(gpt_steps.value),
                "batch_size": int(gpt_batch.value),
                "lr": float(gpt_lr.value),
                "checkpoint_interval": int(gpt_every.value),
            },
            name=gpt_name.value.strip() or None,
        )
        gpt_problem = None
    except NeuronError as _error:
        gpt_job, gpt_problem = None, _error
    return gpt_job, gpt_problem


@app.cell
def _(gpt_job, gpt_problem, gpt_processes, store_path):
    # The same run by hand, on this machine or a bigger one.
    if gpt_job is None:
        _shown = failure(gpt_problem)
    else:
        try:
            _line = gpt_job.torchrun_command(
                store_path=store_path,
                out_dir=store_path.parent / "runs" / "my-run",
                processes=int(gpt_processes.value),
            )
            _shown = mo.vstack(
                [mo.md("**The same run with torchrun:**"), mo.plain_text(_line)]
            )
        except NeuronError as _error:
            _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell
def _(gpt_job, gpt_problem, gpt_processes, set_launch, start_gpt, store_path):
    mo.stop(not start_gpt.value)
    if gpt_job is None:
        _shown = failure(gpt_problem)
    elif not gpt_job.text.is_file():
        _shown = failure(f"expected a text file, got {gpt_job.text}; type a path")
    else:
        try:
            _launch = launch_gpt(
                gpt_job, store_path, processes=int(gpt_processes.value)
            )
            set_launch(_launch)
            _shown = mo.md(f"Started process {_launch.pid} in `{_launch.folder}`.")
        except (NeuronError, OSError) as _error:
            _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Start a word2vec run
    """)
    return


@app.cell
def _():
    w2v_corpus = mo.ui.text(
        value=corpus_file("emma.txt"), label="corpus", full_width=True
    )
    w2v_size = mo.ui.number(2, 1000, value=100, label="vector size")
    w2v_window = mo.ui.number(1, 20, value=5, label="window")
    w2v_epochs = mo.ui.number(1, 100, value=5, label="epochs")
    w2v_min_count = mo.ui.number(1, 1000, value=5, label="min count")
    start_w2v = mo.ui.run_button(label="Start word2vec run")
    mo.vstack(
        [
            w2v_corpus,
            mo.hstack(
                [w2v_size, w2v_window, w2v_epochs, w2v_min_count, start_w2v],
                justify="start",
            ),
        ]
    )
    return start_w2v, w2v_corpus, w2v_epochs, w2v_min_count, w2v_size, w2v_window


@app.cell
def _(
    set_launch,
    start_w2v,
    store_path,
    w2v_corpus,
    w2v_epochs,
    w2v_min_count,
    w2v_size,
    w2v_window,
):
    mo.stop(not start_w2v.value)
    _job = Word2vecJob(
        w2v_corpus.value or "missing.txt",
        vector_size=int(w2v_size.value),
        window=int(w2v_window.value),
        epochs=int(w2v_epochs.value),
        min_count=int(w2v_min_count.value),
    )
    if not _job.corpus.exists():
        _shown = failure(f"expected a corpus file, got {_job.corpus}; type a path")
    else:
        try:
            _launch = launch_word2vec(_job, store_path)
            set_launch(_launch)
            _shown = mo.md(f"Started process {_launch.pid} in `{_launch.folder}`.")
        except (NeuronError, OSError) as _error:
            _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Runs

    Select runs to overlay their curves (the newest when none is
    selected); select two to compare their configs.
    """)
    return


@app.cell
def _():
    # Every 10 s by default: each tick redraws the table and the curves, and
    # a run training on the same cores pays for it (`neuron bench codelab`
    # measured 0.81 of the direct speed at 2 s, 0.87 at 5 s, about 1.0 at
    # 10 s on two cores). Pick a shorter interval on a machine with cores
    # to spare.
    refresh = mo.ui.refresh(options=["1s", "2s", "5s", "10s"], default_interval="10s")
    mo.output.replace(refresh)
    return (refresh,)


@app.cell
def _(get_launch, refresh):
    # The output of the latest launch, while its run starts and trains.
    _tick = refresh.value  # runs again at every tick
    _launch = get_launch()
    mo.stop(_launch is None)
    mo.accordion(
        {
            f"output of process {_launch.pid}": mo.plain_text(
                log_tail(_launch.process, 8) or "(nothing yet)"
            )
        }
    )
    return


@app.cell
def _(get_pending, get_rows, refresh, set_pending, set_rows, store, table_cache):
    # The poll. Light on purpose: ended runs come from the cache, and the
    # states change (and the cells below run) only when something changed.
    _tick = refresh.value  # runs again at every tick
    _rows = run_table(store, mark=True, cache=table_cache)
    if not _rows.equals(get_rows()):
        set_rows(_rows)
    try:
        _pending = read_pending_run(store)
    except NeuronError as _error:
        _pending = str(_error)
    if _pending != get_pending():
        set_pending(_pending)
    return


@app.cell
def _(get_rows, get_selected, set_selected):
    runs_frame = get_rows()
    _ids = runs_frame["id"].to_list()
    _chosen = [_ids.index(run) for run in get_selected() if run in _ids]
    runs_view = mo.ui.table(
        runs_frame,
        selection="multi",
        initial_selection=_chosen,
        page_size=10,
        label="runs",
        format_mapping={
            "loss": "{:.4f}",
            "val_loss": "{:.4f}",
            "tokens_per_second": "{:,.0f}",
        },
        on_change=lambda rows: set_selected(selected_ids(rows)),
    )
    mo.output.replace(runs_view)
    return (runs_frame,)


@app.cell
def _(get_focus, get_selected, runs_frame, set_focus):
    # The selected runs, or the newest one; the first is the focus of the
    # buttons, samples and notes below.
    _known = set(runs_frame["id"].to_list())
    chosen_ids = [run for run in get_selected() if run in _known]
    if not chosen_ids and runs_frame.height:
        chosen_ids = [runs_frame["id"][0]]
    _focus = chosen_ids[0] if chosen_ids else None
    if _focus != get_focus():
        set_focus(_focus)
    return (chosen_ids,)


@app.cell
def _():
    smoothing = mo.ui.slider(0.0, 0.99, step=0.01, value=0.6, label="smoothing")
    mo.output.replace(smoothing)
    return (smoothing,)


@app.cell
def _(chosen_ids, runs_frame, smoothing, store):
    # Runs again whenever the table changes, so while a run trains.
    _names = dict(zip(runs_frame["id"], runs_frame["name"], strict=True))
    _frame = metric_frame(store, chosen_ids, CURVE_METRICS)
    _points = 0
    if _frame.height:
        _frame = thin(smooth(_frame, float(smoothing.value)), MAX_POINTS)
        _points = _frame.filter(pl.col("name") == "loss").height
        _chart = run_charts(labelled(_frame, _names))
    else:
        _chart = mo.md("No metrics yet: start a run above, or select one.")
    _counter = mo.Html(
        f'<div id="loss-points">{_points}</div>'
        f'<div id="curve-smoothing">smoothing {float(smoothing.value):.2f}</div>'
    )
    mo.vstack([_chart, mo.hstack([mo.md("loss points shown:"), _counter])])
    return


@app.cell
def _(get_focus, store):
    # The run the buttons below act on: the first selected (or the newest).
    focus_run = None if get_focus() is None else store.get_run(get_focus())
    return (focus_run,)


@app.cell
def _(focus_run):
    stop_button = mo.ui.run_button(label="Stop run")
    resume_button = mo.ui.run_button(label="Resume run")
    resume_processes = mo.ui.number(
        1, os.cpu_count() or 1, value=1, label="processes to resume with"
    )
    if focus_run is not None:
        mo.output.replace(
            mo.hstack(
                [
                    mo.md(f"**Run {focus_run.id}**: {focus_run.name}"),
                    stop_button,
                    resume_processes,
                    resume_button,
                ],
                justify="start",
            )
        )
    return resume_button, resume_processes, stop_button


@app.cell
def _(focus_run, stop_button, store):
    mo.stop(not stop_button.value or focus_run is None)
    try:
        _state = stop_run(store, focus_run, timeout=10)
        _shown = mo.md(f"Run {focus_run.id} is now **{_state}**.")
    except (NeuronError, OSError) as _error:
        _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell
def _(focus_run, resume_button, resume_processes, set_launch, store):
    mo.stop(not resume_button.value or focus_run is None)
    try:
        _launch = resume_run(store, focus_run, processes=int(resume_processes.value))
        set_launch(_launch)
        _shown = mo.md(
            f"Resuming run {focus_run.id} as a new run: process {_launch.pid}."
        )
    except (NeuronError, NotImplementedError, OSError) as _error:
        _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Compare two runs
    """)
    return


@app.cell
def _(chosen_ids, store):
    mo.stop(
        len(chosen_ids) != 2,
        mo.md("Select exactly two runs in the table to compare their configs."),
    )
    _a, _b = (store.get_run(run) for run in chosen_ids)
    _rows = config_diff(_a.config, _b.config)
    mo.ui.table(
        pl.DataFrame(
            {
                "setting": [row[0] for row in _rows],
                f"run {_a.id}": [str(row[1]) for row in _rows],
                f"run {_b.id}": [str(row[2]) for row in _rows],
            },
            schema={
                "setting": pl.Utf8,
                f"run {_a.id}": pl.Utf8,
                f"run {_b.id}": pl.Utf8,
            },
        ),
        selection=None,
        label=f"config differences of runs {_a.id} and {_b.id}",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Samples
    """)
    return


@app.cell
def _(focus_run):
    sample_prompt = mo.ui.text(value="\n", label="prompt")
    sample_tokens = mo.ui.number(1, 2000, value=200, label="tokens")
    temperature = mo.ui.slider(0.0, 2.0, step=0.05, value=0.8, label="temperature")
    top_k = mo.ui.number(0, 50_000, value=0, label="top-k (0: all)")
    top_p = mo.ui.slider(0.05, 1.0, step=0.05, value=1.0, label="top-p")
    sample_button = mo.ui.run_button(label="Sample")
    if focus_run is None or run_kind(focus_run) != "gpt":
        mo.output.replace(mo.md("Select a GPT run to sample from its checkpoint."))
    else:
        mo.output.replace(
            mo.hstack(
                [sample_prompt, sample_tokens, temperature, top_k, top_p],
                justify="start",
            )
        )
        mo.output.append(sample_button)
    return sample_button, sample_prompt, sample_tokens, temperature, top_k, top_p


@app.cell
def _(
    focus_run,
    sample_button,
    sample_prompt,
    sample_tokens,
    store,
    temperature,
    top_k,
    top_p,
):
    mo.stop(not sample_button.value or focus_run is None)
    _checkpoints = store.checkpoints(focus_run.id)
    if not _checkpoints:
        _shown = mo.md("This run has no checkpoint yet.")
    else:
        try:
            _text = sample_checkpoint(
                _checkpoints[-1]["path"],
                sample_prompt.value,
                int(sample_tokens.value),
                temperature=float(temperature.value),
                top_k=int(top_k.value) or None,
                top_p=float(top_p.value),
            )
            _step = _checkpoints[-1]["step"]
            _shown = mo.vstack(
                [mo.md(f"From the checkpoint at step {_step}:"), mo.plain_text(_text)]
            )
        except (NeuronError, KeyError, ValueError) as _error:
            _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Builder's run
    """)
    return


@app.cell
def _(get_pending, gpt_text):
    pending = get_pending()
    builder_job, _shown = (
        None,
        mo.md("Builder has handed over no run; design one in Builder."),
    )
    if isinstance(pending, str):  # Builder's object could not be read
        _shown = failure(pending)
    elif pending is not None:
        try:
            builder_job = GptJob.from_builder(pending, text=gpt_text.value or None)
            _shown = mo.md(
                f"**{builder_job.name or 'Builder run'}**: {builder_job.layers} "
                f"layers, d_model {builder_job.d_model}, {builder_job.heads} "
                f"heads, context {builder_job.context}, {builder_job.steps} "
                f"steps on `{builder_job.text.name}`."
            )
        except (NeuronError, NotImplementedError, KeyError, TypeError) as _error:
            _shown = failure(_error)
    start_builder = mo.ui.run_button(
        label="Start Builder's run", disabled=builder_job is None
    )
    mo.output.replace(mo.vstack([_shown, start_builder]))
    return builder_job, start_builder


@app.cell
def _(builder_job, set_launch, start_builder, store_path):
    mo.stop(not start_builder.value or builder_job is None)
    try:
        _launch = launch_gpt(builder_job, store_path)
        set_launch(_launch)
        # Taken: Builder's hand-off is cleared so it cannot start twice.
        with Store.open(store_path) as _store:
            clear_pending_run(_store)
        _shown = mo.md(f"Started Builder's run: process {_launch.pid}.")
    except (NeuronError, OSError) as _error:
        _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Notes on the run

    Markdown, stored with the run and found by the search of every note.
    """)
    return


@app.cell
def _(focus_run):
    note_title = mo.ui.text(value="", label="title", full_width=True)
    note_body = mo.ui.text_area(value="", label="note (markdown)", rows=6)
    save_note = mo.ui.run_button(label="Save note")
    if focus_run is not None:
        mo.output.replace(mo.vstack([note_title, note_body, save_note]))
    return note_body, note_title, save_note


@app.cell
def _(
    focus_run,
    get_notes_version,
    note_body,
    note_title,
    save_note,
    set_notes_version,
    store,
):
    mo.stop(not save_note.value or focus_run is None)
    try:
        _title = note_title.value.strip() or f"Run {focus_run.id}"
        add_run_note(store, focus_run.id, _title, note_body.value)
        set_notes_version(get_notes_version() + 1)
        _shown = mo.md("Saved.")
    except NeuronError as _error:
        _shown = failure(_error)
    mo.output.replace(_shown)
    return


@app.cell
def _(focus_run, get_notes_version, store):
    mo.stop(focus_run is None)
    get_notes_version()
    _notes = run_notes(store, focus_run.id)
    mo.vstack(
        [mo.md(f"### {note.title}\n\n{note.body}") for note in _notes]
        or [mo.md("No notes on this run yet.")]
    )
    return


if __name__ == "__main__":
    app.run()
