import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="0. Roadmap · neuron")

with app.setup:
    from html import escape

    import marimo as mo
    import numpy as np

    from neuron.curriculum import Prompt, check_number, lesson, record
    from neuron.curriculum.roadmap import DOMAINS, PLAN, standing
    from neuron.softmax import log_softmax
    from neuron.store import Store, default_path
    from neuron.transformer.config import TransformerConfig
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header, targets

    LESSON = "00_roadmap"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Roadmap

    A transformer is short: a few matrix products, a softmax, a
    normalisation, a sum, repeated. What makes it hard to *invent* is that
    each of those lines leans on a different branch of mathematics, and the
    design choices (why divide by $\sqrt{d_k}$, why log-softmax, why warm
    up the learning rate) only look obvious once you stand in the right
    one. This page maps the seven domains onto the model, lays out twelve
    weeks through the track, and shows where you are, from the progress
    your lessons have recorded.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    # Where each lesson's page is, for the notebooks that exist.
    lesson_links = {slug: href for slug, _, href in targets() if slug[:2].isdigit()}
    return (lesson_links,)


@app.function
def lesson_link(slug: str, links: dict) -> str:
    """A markdown link to a lesson, or its plain title when not written yet."""
    found = lesson(slug)
    label = f"{found.number}. {found.title}"
    return f"[{label}]({links[slug]})" if slug in links else f"{label} (to come)"


@app.cell(hide_code=True)
def _(lesson_links):
    _sections = {
        f"{i}. {d.name}": mo.md(
            f"{d.in_transformer}\n\n"
            f"**Lessons:** {', '.join(lesson_link(s, lesson_links) for s in d.lessons)}"
            f"  \n**Code:** {', '.join(f'`{m}`' for m in d.modules)}"
        )
        for i, d in enumerate(DOMAINS, 1)
    }
    mo.output.replace(
        mo.vstack(
            [
                mo.md("## The seven domains, and where they live in the model"),
                mo.accordion(_sections, multiple=True),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Two small checks that you can already stand in two of them.

    **Linear algebra.** The query projection $W_Q$ of the base model maps a
    $d_{model}$-wide token to a $d_{model}$-wide query (all heads
    together). How many weights does it hold, bias left out?
    """)
    return


@app.cell
def _():
    base_model = TransformerConfig.transformer_base()
    projection_answer = mo.ui.text(
        label=f"weights of W_Q for d_model = {base_model.d_model}",
        placeholder="e.g. 1000",
    )
    mo.output.replace(projection_answer)
    return base_model, projection_answer


@app.cell
def _(base_model, projection_answer, store):
    _verdict = check_number(
        projection_answer.value or None,
        float(base_model.d_model * base_model.d_model),
        rtol=1e-6,
        hint="a (d_model, d_model) matrix has d_model squared entries",
    )
    record(store, LESSON, "projection-size", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    **Information theory.** A model that knows nothing gives equal logits
    to all 8 tokens of a tiny vocabulary. Its loss on any token is the
    cross-entropy $-\log p$, and its **perplexity** is $e^{\text{loss}}$:
    the number of tokens it is, in effect, choosing between. What is that
    perplexity?
    """)
    return


@app.cell
def _():
    perplexity_answer = mo.ui.text(label="perplexity", placeholder="e.g. 3.5")
    mo.output.replace(perplexity_answer)
    return (perplexity_answer,)


@app.cell
def _(perplexity_answer, store):
    _loss = -float(log_softmax(np.zeros(8), backend="reference")[0])
    _verdict = check_number(
        perplexity_answer.value or None,
        float(np.exp(_loss)),
        hint="p = 1/8 for every token, so the loss is log 8",
    )
    record(store, LESSON, "uniform-perplexity", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Twelve weeks

    One lesson a week, about five hours: read it, do every exercise, write
    its recall cards, then use the workbench (Explorer, Code Lab, Builder,
    Canvas, Reader) to push on what it taught. Weeks 8 and 11 have no new
    lesson: they are for building, measuring and going back. The status
    below comes from your store: an exercise answered correctly counts,
    and a lesson counts as finished when you press its last button.
    """)
    return


@app.cell
def _():
    refresh = mo.ui.run_button(label="Refresh my progress")
    mo.output.replace(refresh)
    return (refresh,)


@app.cell(hide_code=True)
def _(lesson_links, refresh, store):
    _ = refresh.value  # pressing the button reads the store again
    _where = standing(store.progress())
    _mark = {"finished": "done", "started": "started", "not started": "-"}
    _rows = []
    for _week in _where.weeks:
        _lessons = [
            f"{lesson_link(p.slug, lesson_links)} ({_mark[p.status]}, "
            f"{len(p.exercises)} exercises)"
            for p in _week.lessons
        ] + [f"revisit {lesson_link(s, lesson_links)}" for s in _week.week.revisit]
        _current = _week.week.number == _where.current_week and not _where.complete
        _rows.append(
            f"| {'**' if _current else ''}{_week.week.number}"
            f"{' (now)**' if _current else ''} | {escape(_week.week.title)} | "
            f"{'; '.join(escape(g) for g in _week.week.goals)} | "
            f"{'<br>'.join(_lessons)} | {'yes' if _week.done else ''} |"
        )
    _table = (
        "| week | theme | by the end you can | lessons | done |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(_rows)
    )
    _summary = (
        "You have finished the whole track."
        if _where.complete
        else f"You are in **week {_where.current_week}** "
        f"({PLAN[_where.current_week - 1].title}), with "
        f"{_where.finished_count} of {len(_where.lessons)} lessons finished."
    )
    mo.output.replace(mo.md(f"{_summary}\n\n{_table}"))
    return


@app.cell(hide_code=True)
def _():
    prompts = [
        Prompt(
            "seven-domains",
            "Name the seven domains and one place each shows up in a transformer.",
            "Linear algebra (the projections and $QK^\\top$), probability (softmax "
            "as a distribution), measure theory (expectations: attention output "
            "as an expectation of values), matrix calculus (backpropagation), "
            "optimisation (Adam and the warmup schedule), information theory "
            "(cross-entropy, perplexity), numerical analysis (stable softmax, "
            "FlashAttention, bfloat16).",
        ),
        Prompt(
            "attention-as-expectation",
            "In what sense is an attention output an expectation?",
            "The softmax weights of a query are a probability distribution over "
            "the keys; the output is $\\sum_j p_j v_j$, the expected value of "
            "the value vectors under that distribution.",
        ),
        Prompt(
            "perplexity",
            "What is perplexity, and what is it for a uniform guess over V tokens?",
            "The exponential of the mean cross-entropy (in nats): the effective "
            "number of equally likely choices. A uniform guess has loss "
            "$\\log V$ and perplexity $V$.",
        ),
    ]
    mo.output.replace(prompts_view(prompts))
    return (prompts,)


@app.cell
def _():
    cards_button = recall_cards_button()
    mo.output.replace(cards_button)
    return (cards_button,)


@app.cell
def _(cards_button, prompts, store):
    mo.stop(not cards_button.value)
    mo.output.replace(made_cards_view(store, LESSON, prompts))
    return


@app.cell
def _():
    finish_button = finish_lesson_button()
    mo.output.replace(finish_button)
    return (finish_button,)


@app.cell
def _(finish_button, store):
    mo.stop(not finish_button.value)
    mo.output.replace(finished_view(store, LESSON))
    return


if __name__ == "__main__":
    app.run()
