import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="neuron")

with app.setup:
    from html import escape

    import marimo as mo

    from neuron import paper, paths
    from neuron.store import Store, default_path
    from neuron.store.scheduling import RATINGS
    from neuron.viz.nav import header


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("home"))
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    # neuron

    A research workbench for understanding transformers from first
    principles: every number in the data flow is yours to change.
    """)
    return


@app.cell(hide_code=True)
def _():
    _found = paths.workspaces()
    _items = "\n".join(
        f"- [{page.title}]({paths.url_of(page, 'workspace')}): {page.summary}"
        for page in _found
    )
    mo.md(
        "## Workspaces\n\n"
        + (_items or "No workspaces exist yet; they arrive one by one.")
    )
    return


@app.cell(hide_code=True)
def _():
    _found = paths.lessons()
    _items = "\n".join(
        f"- [{page.title}]({paths.url_of(page, 'lesson')})" for page in _found
    )
    mo.md("## Lessons\n\n" + (_items or "No lessons exist yet."))
    return


@app.cell
def _():
    store = Store.open(default_path())
    # Bumped after every review or new card, so the recall views read the
    # store again.
    get_version, set_version = mo.state(0)
    # Whether the answer of the card on show has been revealed.
    get_revealed, set_revealed = mo.state(False)
    return get_revealed, get_version, set_revealed, set_version, store


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Recall

    Explain it from memory, then compare with the answer and say how well
    you did; cards come back when you are about to forget them (FSRS).
    """)
    return


@app.cell
def _():
    make_cards = mo.ui.run_button(label="Make cards from the paper's equations")
    mo.output.replace(make_cards)
    return (make_cards,)


@app.cell
def _(make_cards, set_version, store):
    mo.stop(not make_cards.value)
    # A source makes one card, so clicking again makes none twice.
    _before = len(store.list_cards(kind="equation"))
    for _equation in paper.EQUATIONS:
        store.card_from_equation(_equation.id)
    _made = len(store.list_cards(kind="equation")) - _before
    set_version(lambda v: v + 1)
    mo.output.replace(mo.md(f"Made {_made} new cards."))
    return


@app.cell
def _(get_version, store):
    get_version()
    due_count = store.count_due_cards()
    due_next = store.due_cards(limit=1)
    card = due_next[0] if due_next else None
    return card, due_count


@app.cell
def _(card, set_revealed, set_version, store):
    def _rate(rating: int) -> None:
        store.review(card.id, rating)
        set_revealed(False)
        set_version(lambda v: v + 1)

    show_answer = mo.ui.button(
        label="Show answer", on_click=lambda _: set_revealed(True)
    )
    rate_buttons = mo.hstack(
        [
            mo.ui.button(label=name, on_click=lambda _, r=rating: _rate(r))
            for rating, name in RATINGS.items()
        ],
        justify="start",
    )
    return rate_buttons, show_answer


@app.cell
def _(card, due_count, get_revealed, rate_buttons, show_answer):
    _count = mo.Html(f'<div id="recall-due">{due_count} due</div>')
    if card is None:
        _shown = mo.vstack([_count, mo.md("No cards due.")])
    else:
        _prompt = mo.Html(f'<div id="recall-prompt">{escape(card.prompt)}</div>')
        _rest = [mo.md(card.answer), rate_buttons] if get_revealed() else [show_answer]
        _shown = mo.vstack([_count, _prompt, *_rest])
    mo.output.replace(_shown)
    return


if __name__ == "__main__":
    app.run()
