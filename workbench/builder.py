import marimo

__generated_with = "0.25.2"
app = marimo.App(
    width="medium",
    app_title="Builder",
    layout_file="layouts/builder.grid.json",
)

with app.setup:
    from html import escape

    import marimo as mo

    from neuron.errors import InvalidArgumentError
    from neuron.store import Store, default_path
    from neuron.transformer.builder import (
        FORM_FIELDS,
        GENERAL,
        PRESETS,
        check_fields,
        config_from_fields,
        format_bytes,
        format_duration,
        format_shape,
        measure_throughput,
        memory_table,
        mermaid,
        run_estimate,
        send_to_codelab,
        stages,
        throughput_from_store,
    )
    from neuron.transformer.config import ACTIVATIONS, KINDS, NORMS, POSITIONALS
    from neuron.viz.builder import parameter_chart
    from neuron.viz.nav import header

    # The form's dropdowns; every other field is a number.
    CHOICES = {
        "kind": KINDS,
        "norm": NORMS,
        "positional": POSITIONALS,
        "activation": ACTIVATIONS,
    }


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("builder"))
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Builder

    Compose a transformer and see, as you type, its data flow with the shape
    on every edge, its parameters, FLOPs per token, the memory to train it
    and how long a run would take. A field that breaks a rule says which,
    beside it. **Train this** sends the model to Code Lab as a new run.
    """)
    return


@app.cell
def _():
    preset = mo.ui.dropdown(options=list(PRESETS), value="tiny", label="preset")
    mo.hstack([preset], justify="start")
    return (preset,)


@app.cell
def _(preset):
    # A new preset fills the form again.
    base = PRESETS[preset.value]

    def _field(name, label):
        value = getattr(base, name)
        if name in CHOICES:
            return mo.ui.dropdown(options=list(CHOICES[name]), value=value, label=label)
        if name == "tie_embeddings":
            return mo.ui.switch(value=value, label=label)
        step = 0.05 if name == "dropout" else 1
        return mo.ui.number(value=value, step=step, label=label, debounce=True)

    form = mo.ui.dictionary(
        {name: _field(name, label) for name, label in FORM_FIELDS.items()}
    )
    return base, form


@app.cell
def _(base, form):
    errors = check_fields(form.value, base)

    def _error(name):
        message = errors.get(name)
        if not message:
            return mo.md("")
        return mo.Html(
            f'<div id="error-{name}" class="field-error" style="color: #b91c1c">'
            f"{escape(message)}</div>"
        )

    mo.vstack(
        [
            mo.md("## Architecture"),
            *(
                mo.hstack([form[name], _error(name)], justify="start", gap=1)
                for name in FORM_FIELDS
            ),
            _error(GENERAL),
        ]
    )
    return (errors,)


@app.cell
def _(base, errors, form):
    mo.stop(
        bool(errors),
        mo.md(f"**Fix the fields above** ({len(errors)} rule(s) broken)."),
    )
    config = config_from_fields(form.value, base)
    return (config,)


@app.cell
def _(config):
    _forward = config.flops_per_token(logits=True)
    _training = config.flops_per_token(training=True, logits=True)
    mo.md(f"""
    ## Summary

    | | |
    | --- | --- |
    | parameters | {config.parameter_count():,} |
    | head width d_model / heads | {config.head_dim} |
    | FLOPs per token, forward (at context {config.context}) | {_forward:,} |
    | FLOPs per token, training (3x forward) | {_training:,} |

    FLOPs count the matrix products of every block and the output
    projection (Kaplan et al., 2020); embeddings, norms and softmax are left
    out.
    """)
    return


@app.cell
def _(config):
    mo.vstack(
        [
            mo.md(
                "## Data flow\n\nB is the batch, T the positions (S those of "
                "the source); every edge carries its shape."
            ),
            mo.mermaid(mermaid(config)),
        ]
    )
    return


@app.cell
def _(config):
    _rows = [
        {
            "stage": stage.name,
            "operation": stage.operation,
            "input": format_shape(stage.input_shape),
            "output": format_shape(stage.output_shape),
            "parameters": stage.parameters,
            "copies": stage.repeat,
        }
        for stage in stages(config)
    ]
    mo.vstack(
        [
            mo.md("## Shapes per stage"),
            mo.ui.table(_rows, selection=None, pagination=False, label="shapes"),
        ]
    )
    return


@app.cell
def _(config):
    mo.vstack(
        [mo.md("## Parameters per component"), parameter_chart(config.parameters())]
    )
    return


@app.cell
def _(preset):
    # Training: the memory, the time estimate and "Train this" use these.
    steps = mo.ui.number(value=1000, step=1, label="steps", debounce=True)
    batch_size = mo.ui.number(value=16, step=1, label="batch size", debounce=True)
    sequence = mo.ui.number(
        value=min(PRESETS[preset.value].context, 256),
        step=1,
        label="sequence length",
        debounce=True,
    )
    mo.vstack(
        [
            mo.md("## Training"),
            mo.hstack([steps, batch_size, sequence], justify="start", gap=2),
        ]
    )
    return batch_size, sequence, steps


@app.cell
def _(batch_size, config, sequence):
    try:
        _rows = memory_table(config, batch_size.value, sequence.value)
    except InvalidArgumentError as _exc:
        mo.stop(True, mo.md(f"**Memory:** {escape(str(_exc))}"))
    _lines = "\n".join(
        f"| {row['part']} | {format_bytes(row['float32'])} | "
        f"{format_bytes(row['bfloat16'])} |"
        for row in _rows
    )
    mo.md(f"""
    ### Memory (AdamW, batch {batch_size.value}, sequence {sequence.value})

    | | float32 | bfloat16 (mixed) |
    | --- | --- | --- |
    {_lines}

    Activations are what the forward pass keeps for the backward, without
    recomputation; bfloat16 keeps float32 master weights and moments.
    """)
    return


@app.cell
def _():
    with Store.open(default_path()) as _store:
        recorded = throughput_from_store(_store)
    measure = mo.ui.run_button(label="Measure throughput on this CPU")
    # A measurement carries to any config by FLOPs, so it outlives edits.
    get_measured, set_measured = mo.state(None)
    return get_measured, measure, recorded, set_measured


@app.cell
def _(config, measure, set_measured):
    mo.stop(not measure.value)
    with mo.status.spinner("timing 3 training steps"):
        set_measured(measure_throughput(config, batch=4, steps=3))
    return


@app.cell
def _(get_measured, recorded):
    throughput = get_measured() or recorded
    return (throughput,)


@app.cell
def _(batch_size, config, measure, sequence, steps, throughput):
    _note = "No recorded GPT run has a throughput yet; measure one here."
    mo.stop(throughput is None, mo.vstack([mo.md("### Time"), mo.md(_note), measure]))
    try:
        _tokens = steps.value * batch_size.value * sequence.value
        _rate = throughput.for_config(config, sequence.value)
        _estimate = run_estimate(config, _tokens, _rate, context=sequence.value)
    except (InvalidArgumentError, TypeError) as _exc:
        mo.stop(True, mo.md(f"**Time:** {escape(str(_exc))}"))
    mo.vstack(
        [
            mo.md(f"""
    ### Time

    {_estimate.tokens:,} tokens at {_rate:,.0f} tokens/s: about
    **{format_duration(_estimate.seconds)}** ({_estimate.flops:.3g} FLOPs).

    Throughput from {escape(throughput.source)}, scaled by FLOPs per token.
    """),
            measure,
        ]
    )
    return


@app.cell
def _():
    train_this = mo.ui.run_button(label="Train this")
    # What the last click did, kept until the next click: an edit after
    # sending re-runs the cell below, which must not wipe the message.
    get_sent, set_sent = mo.state(None)
    mo.vstack([mo.md("## Train"), train_this])
    return get_sent, set_sent, train_this


@app.cell
def _(batch_size, config, sequence, set_sent, steps, train_this):
    mo.stop(not train_this.value)
    _settings = {
        "steps": steps.value,
        "batch_size": batch_size.value,
        "context": sequence.value,
    }
    try:
        with Store.open(default_path()) as _store:
            _sent = send_to_codelab(_store, config, _settings)
        _message = f"Sent to Code Lab as '{_sent['name']}'"
        _id = "sent-to-codelab"
    except InvalidArgumentError as _exc:
        _message, _id = f"Not sent: {_exc}", "send-error"
    set_sent((_id, _message))
    return


@app.cell
def _(get_sent):
    mo.stop(get_sent() is None)
    _id, _message = get_sent()
    mo.Html(f'<div id="{_id}">{escape(_message)}</div>')
    return


if __name__ == "__main__":
    app.run()
