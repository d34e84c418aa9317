import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="10. Capstone · neuron")

with app.setup:
    import marimo as mo

    from neuron import capstone, paper
    from neuron.curriculum import UNANSWERED, Prompt, check_number, record
    from neuron.curriculum.equations import QUESTIONS, recalled, verdict_of
    from neuron.store import Store, default_path
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "10_capstone"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Capstone: the paper from memory

    "Attention Is All You Need" (Vaswani et al., 2017) fits its whole
    model into a handful of equations and two tables. You have met each of
    them in the track; now write them without looking. Pick an equation
    below. Where it is an array (attention, multi-head attention, the
    feed-forward network, the positional encoding, the learning rate,
    label smoothing), you write it as NumPy and a checker runs your code
    in a separate, limited process on random inputs, compares it with
    neuron's own implementation and tells you which *property* your answer
    breaks: the shape, finiteness, rows that should sum to 1, invariance to
    a shifted logit, and finally the values, with a hint when your answer
    matches a common mistake. Where it is a claim or a table (the
    $\sqrt{d_k}$ argument, relative positions, the cost of a layer, the
    parameter count), you compute a number from it.

    Every equation you pass is kept in your progress. The equation itself
    is folded away below each exercise: open it only after you try.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    equation_pick = mo.ui.dropdown(
        options={f"{e.section}: {e.title}": e.id for e in paper.EQUATIONS},
        value=f"{paper.EQUATIONS[0].section}: {paper.EQUATIONS[0].title}",
        label="equation",
    )
    mo.output.replace(equation_pick)
    return (equation_pick,)


@app.cell(hide_code=True)
def _(equation_pick):
    equation = paper.get(equation_pick.value)
    hidden = capstone.for_equation(equation.id)
    question = QUESTIONS.get(equation.id)
    if hidden is not None:
        answer_input = mo.ui.code_editor(
            value="", language="python", label="your NumPy answer", min_height=120
        )
        _task = mo.plain_text(hidden.prompt())
    else:
        answer_input = mo.ui.text(label="your number", placeholder="e.g. 12.5")
        _task = mo.md(question.question)
    check_button = mo.ui.run_button(label="Check my answer")
    mo.output.replace(
        mo.vstack(
            [
                mo.md(f"### {equation.title} (section {equation.section})"),
                _task,
                answer_input,
                check_button,
            ]
        )
    )
    return answer_input, check_button, equation, hidden, question


@app.cell
def _(answer_input, check_button, equation, hidden, question, store):
    if not check_button.value:
        equation_verdict = UNANSWERED
    elif hidden is not None:
        equation_verdict = verdict_of(
            capstone.check_answer(hidden.id, answer_input.value)
        )
    else:
        equation_verdict = check_number(
            answer_input.value or None,
            question.answer(),
            rtol=1e-3,
            hint=question.hint,
        )
    record(store, LESSON, equation.id, equation_verdict)
    mo.output.replace(verdict_view(equation_verdict))
    return (equation_verdict,)


@app.cell(hide_code=True)
def _(equation):
    _result = equation.check()
    _outcome = "passed" if _result.passed else "failed"
    _lines = "\n".join(f"- {line}" for line in _result.details.splitlines())
    mo.output.replace(
        mo.accordion(
            {
                "Show the equation (after you try)": mo.md(
                    f"$$\n{equation.latex}\n$$\n\n{equation.explanation}"
                ),
                "What neuron's own implementation satisfies": mo.md(
                    "The paper's checker (`neuron.paper`) runs the project's "
                    f"code for this equation: **{_outcome}**."
                    f"\n\n{_lines}"
                ),
            }
        )
    )
    return


@app.cell(hide_code=True)
def _(equation_verdict, store):
    # Depends on the verdict so that it redraws after a check is recorded.
    _ = equation_verdict
    _done = recalled(store.progress(LESSON), LESSON)
    _rows = [
        {
            "section": e.section,
            "equation": e.title,
            "kind": "NumPy" if capstone.for_equation(e.id) else "number",
            "written from memory": "yes" if _done[e.id] else "not yet",
        }
        for e in paper.EQUATIONS
    ]
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"## Your progress: {sum(_done.values())} of {len(_done)} equations"
                ),
                mo.ui.table(_rows, selection=None, pagination=False),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    prompts = [
        Prompt(
            "why-scale",
            "Why are the scores divided by sqrt(d_k)?",
            "With unit-variance entries, $q \\cdot k$ has variance $d_k$; large "
            "scores push the softmax to one key, where its gradient vanishes. "
            "Dividing by $\\sqrt{d_k}$ brings the variance back to 1.",
        ),
        Prompt(
            "why-heads",
            "What do several heads give that one head of the same width does not?",
            "Each head has its own softmax, so it can attend to different "
            "positions for different reasons (syntax, coreference, position); "
            "one head averages them all into one distribution. The cost is the "
            "same: h heads of width d/h.",
        ),
        Prompt(
            "why-sinusoids",
            "Why sines and cosines of geometric frequencies for positions?",
            "Each pair is a rotation: PE(pos + k) is a fixed linear map of "
            "PE(pos), so relative offsets are easy for a linear layer to read, "
            "and the geometric frequencies give every position a distinct code "
            "at every scale, without learned parameters.",
        ),
        Prompt(
            "why-warmup",
            "Describe the paper's learning-rate schedule and why it warms up.",
            "$d_{model}^{-0.5} \\min(step^{-0.5}, step \\cdot warmup^{-1.5})$: "
            "linear growth for the warmup steps, then decay as $1/\\sqrt{step}$. "
            "Early Adam moment estimates are noisy and post-norm gradients are "
            "large, so small first steps keep training stable.",
        ),
        Prompt(
            "why-smoothing",
            "What does label smoothing change, and at what cost?",
            "The target puts $\\varepsilon / V$ on every class and "
            "$1 - \\varepsilon$ more on the true one, so the model is not pushed "
            "to infinite logits. Perplexity gets worse (the model is less sure) "
            "but accuracy and BLEU improve.",
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
