import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="neuron")

with app.setup:
    from html import escape

    import marimo as mo

    from neuron import paper, paths, targets
    from neuron.curriculum import roadmap
    from neuron.errors import NeuronError
    from neuron.store import Store, default_path
    from neuron.store.scheduling import RATINGS
    from neuron.viz.nav import header
    from neuron.viz.nav import href as nav_href


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("home"))
    return


@app.function
def marked(snippet: str) -> str:
    """A search snippet as HTML: escaped, but for the <b> around matches."""
    return escape(snippet).replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>")


@app.cell(hide_code=True)
def _():
    mo.md("""
    # neuron

    A research workbench for understanding transformers from first
    principles: every number in the data flow is yours to change.
    """)
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


@app.cell
def _():
    query = mo.ui.text(
        placeholder="search notes, papers and runs", full_width=True, label="Search"
    )
    mo.output.replace(query)
    return (query,)


@app.cell
def _(query, store):
    mo.stop(not query.value.strip())
    try:
        _found = targets.search(store, query.value, limit=20)
    except NeuronError as _error:
        mo.stop(True, mo.callout(mo.md(escape(str(_error))), kind="warn"))
    _rows = "".join(
        f"<tr><td>{f.kind}</td><td>"
        + (
            f'<a href="{escape(f.href)}">{escape(f.title)}</a>'
            if f.href
            else escape(f.title)
        )
        + f"</td><td>{marked(f.snippet)}</td></tr>"
        for f in _found
    )
    mo.output.replace(
        mo.Html(
            f'<div id="home-search-results"><p>{len(_found)} found</p>'
            f"<table>{_rows}</table></div>"
        )
    )
    return


@app.cell(hide_code=True)
def _(store):
    _found = paths.lessons()
    _where = roadmap.standing(store.progress())
    _by_slug = {item.slug: item for item in _where.lessons}
    _week = roadmap.PLAN[_where.current_week - 1]
    _items = []
    for _page in _found:
        _item = _by_slug.get(_page.slug)
        _mark = "✓ " if _item and _item.finished else ""
        _count = len(_item.exercises) if _item else 0
        _extra = f" ({_count} exercises done)" if _count else ""
        _items.append(
            f"- {_mark}[{_page.title}]({nav_href(_page.slug)}): {_page.summary}{_extra}"
        )
    _head = (
        f'<div id="home-progress">{_where.finished_count} of {len(roadmap.TRACK)} '
        f"lessons finished; week {_week.number} of {len(roadmap.PLAN)} of the plan: "
        f"{escape(_week.title)}</div>\n\n"
    )
    mo.output.replace(
        mo.md(
            "## Lessons\n\n"
            + (_head if _found else "")
            + ("\n".join(_items) or "No lessons exist yet.")
        )
    )
    return


@app.cell(hide_code=True)
def _():
    _found = paths.workspaces()
    _items = "\n".join(
        f"- [{page.title}]({nav_href(page.slug)}): {page.summary}" for page in _found
    )
    mo.output.replace(
        mo.md(
            "## Workspaces\n\n"
            + (_items or "No workspaces exist yet; they arrive one by one.")
        )
    )
    return


@app.cell(hide_code=True)
def _(store):
    _notes = store.list_notes(limit=5)
    _runs = store.list_runs()
    _running = [run for run in _runs if run.status == "running"]
    _recent = [run for run in _runs if run.status != "running"][:5]

    def _run_line(run) -> str:
        _link = f"[run {run.id}: {escape(run.name)}]({nav_href('codelab')})"
        return f"- {_link} ({run.status})"

    _lines = ["## Recent notes", ""]
    _lines += [f"- {note.id}: {escape(note.title)}" for note in _notes] or ["None yet."]
    _lines += ["", "## Runs", "", f"Running: {len(_running)}", ""]
    _lines += [_run_line(run) for run in _running + _recent] or ["None yet."]
    mo.output.replace(
        mo.Html(f'<div id="home-recent">{mo.md(chr(10).join(_lines)).text}</div>')
    )
    return


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
