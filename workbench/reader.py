import marimo

__generated_with = "0.25.2"
app = marimo.App(
    width="medium",
    app_title="Reader",
    layout_file="layouts/reader.grid.json",
)

with app.setup:
    from html import escape
    from pathlib import Path

    import marimo as mo

    from neuron import capstone, paper, paths, targets
    from neuron.errors import NeuronError
    from neuron.store import Source, Store, default_path
    from neuron.viz.nav import header

    # Passages shown at once; a slider pages through longer documents.
    PAGE = 25


@app.cell(hide_code=True)
def _():
    mo.output.replace(header("reader"))
    return


@app.function
def marked_snippet(snippet: str) -> str:
    """A search snippet as HTML: escaped, but for the <b> around matches."""
    return escape(snippet).replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>")


@app.function
def target_list(items: list, empty: str) -> str:
    """Targets as an HTML list, each a link where it has a page."""
    if not items:
        return f"<p>{escape(empty)}</p>"
    rows = []
    for item in items:
        title = escape(item.title)
        if item.href:
            title = f'<a href="{escape(item.href)}">{title}</a>'
        rows.append(f'<li data-kind="{item.kind}">{item.kind}: {title}</li>')
    return f"<ul>{''.join(rows)}</ul>"


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Reader

    Read a paper with your notes beside it, search everything you have
    read and written, and check each equation of "Attention Is All You
    Need" against the code that computes it.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    # Bumped after every write here, so the lists below read the store again.
    get_version, set_version = mo.state(0)
    # Bumped when a link is made: only the views of links read again, so
    # the note being linked stays picked.
    get_links, set_links = mo.state(0)
    return get_links, get_version, set_links, set_version, store


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Import a paper

    A PDF, markdown or plain text file from the folder you choose; nothing
    outside that folder is opened.
    """)
    return


@app.cell
def _():
    folder = mo.ui.text(
        value=str(paths.shared_dir() or Path.home()),
        label="folder",
        full_width=True,
    )
    mo.output.replace(folder)
    return (folder,)


@app.cell
def _(folder):
    _root = Path(folder.value).expanduser()
    mo.stop(not _root.is_dir(), mo.md(f"`{escape(folder.value)}` is not a folder."))
    picker = mo.ui.file_browser(
        initial_path=_root,
        filetypes=[".pdf", ".md", ".markdown", ".txt"],
        multiple=False,
        restrict_navigation=True,
        label="file",
    )
    import_button = mo.ui.run_button(label="Import")
    mo.vstack([picker, import_button])
    return import_button, picker


@app.cell
def _(folder, import_button, picker, set_version, store):
    mo.stop(not import_button.value)
    mo.stop(not picker.value, mo.md("Pick a file first."))
    try:
        _document = store.import_document(
            picker.path(0), root=Path(folder.value).expanduser()
        )
        set_version(lambda v: v + 1)
        _shown = mo.md(
            f"Imported **{escape(_document.title)}**: "
            f"{_document.passage_count} passages."
        )
    except NeuronError as _error:
        _shown = mo.callout(mo.md(escape(str(_error))), kind="danger")
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Read
    """)
    return


@app.cell
def _(get_version, store):
    _ = get_version()
    documents = {
        f"{doc.title} ({doc.kind}, {doc.passage_count} passages)": doc
        for doc in store.list_documents()
    }
    mo.stop(not documents, mo.md("No paper yet: import one above."))
    document_pick = mo.ui.dropdown(
        list(documents), value=next(iter(documents)), label="paper"
    )
    mo.output.replace(document_pick)
    return document_pick, documents


@app.cell
def _(document_pick, documents, get_version, store):
    _ = get_version()
    document = documents[document_pick.value]
    passages = store.passages(document.id)
    # Notes that cite a passage, by anchor: the side notes.
    side_notes = {}
    for _note in store.document_notes(document.id):
        side_notes.setdefault(_note.source.anchor, []).append(_note)
    page = mo.ui.slider(
        1,
        max(1, -(-len(passages) // PAGE)),
        value=1,
        label="page of passages",
        show_value=True,
    )
    mo.output.replace(page)
    return document, page, passages, side_notes


@app.cell
def _(page, passages, side_notes):
    _start = (page.value - 1) * PAGE
    _rows = []
    for _passage in passages[_start : _start + PAGE]:
        _where = f"p. {_passage.page}" if _passage.page else _passage.heading
        _notes = side_notes.get(_passage.anchor, [])
        _aside = "".join(
            f"<li><b>{escape(n.title)}</b> {escape(n.body[:200])}</li>" for n in _notes
        )
        _rows.append(
            '<div style="display:flex;gap:16px;margin-bottom:10px">'
            f'<div style="flex:3"><code>{escape(_passage.anchor)}</code> '
            f'<span style="color:#777">{escape(_where or "")}</span><br>'
            f"{escape(_passage.text)}</div>"
            f'<ul style="flex:1;font-size:90%;color:#444">{_aside}</ul></div>'
        )
    mo.Html("".join(_rows))
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ### A note on a passage
    """)
    return


@app.cell
def _(page, passages):
    _start = (page.value - 1) * PAGE
    _choices = {
        f"{p.anchor}: {p.text[:60]}": p.anchor for p in passages[_start : _start + PAGE]
    }
    passage_pick = mo.ui.dropdown(_choices, label="passage")
    note_title = mo.ui.text(label="title", full_width=True)
    note_body = mo.ui.text_area(label="note (markdown)", rows=4, full_width=True)
    save_note = mo.ui.run_button(label="Save note")
    mo.vstack([passage_pick, note_title, note_body, save_note])
    return note_body, note_title, passage_pick, save_note


@app.cell
def _(
    document,
    note_body,
    note_title,
    passage_pick,
    save_note,
    set_version,
    store,
):
    mo.stop(not save_note.value)
    mo.stop(not passage_pick.value, mo.md("Pick the passage the note is about."))
    try:
        _note = store.create(
            note_title.value,
            note_body.value,
            source=Source("paper", document.uid, passage_pick.value),
            tags=["reader"],
        )
        set_version(lambda v: v + 1)
        _shown = mo.md(f"Saved note {_note.id} on `{passage_pick.value}`.")
    except NeuronError as _error:
        _shown = mo.callout(mo.md(escape(str(_error))), kind="danger")
    mo.output.replace(_shown)
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Notes and what they point at

    A note links to other notes, to lessons, equations, runs and papers;
    each of those shows the notes that point back at it.
    """)
    return


@app.cell
def _(get_version, store):
    _ = get_version()
    _notes = {f"{n.id}: {n.title}": n.id for n in store.list_notes(limit=200)}
    mo.stop(not _notes, mo.md("No notes yet: write one on a passage above."))
    note_pick = mo.ui.dropdown(_notes, value=next(iter(_notes)), label="note")
    link_kind = mo.ui.dropdown(
        list(targets.TARGET_KINDS), value="lesson", label="link it to a"
    )
    mo.output.replace(mo.hstack([note_pick, link_kind], justify="start"))
    return link_kind, note_pick


@app.cell
def _(get_version, link_kind, note_pick, store):
    _ = get_version()
    _choices = {
        t.title: t.ref
        for t in targets.choices(store, link_kind.value)
        if not (t.kind == "note" and t.ref == str(note_pick.value))
    }
    link_target = mo.ui.dropdown(_choices, label=f"which {link_kind.value}")
    link_button = mo.ui.run_button(label="Link")
    mo.output.replace(mo.hstack([link_target, link_button], justify="start"))
    return link_button, link_target


@app.cell
def _(link_button, link_kind, link_target, note_pick, set_links, store):
    mo.stop(not link_button.value)
    mo.stop(link_target.value is None, mo.md("Pick what to link to."))
    try:
        targets.point(store, note_pick.value, link_kind.value, link_target.value)
        set_links(lambda v: v + 1)
        _shown = mo.md(f"Linked note {note_pick.value} to {link_kind.value}.")
    except NeuronError as _error:
        _shown = mo.callout(mo.md(escape(str(_error))), kind="danger")
    mo.output.replace(_shown)
    return


@app.cell
def _(get_links, get_version, note_pick, store):
    _ = get_version(), get_links()
    _note = store.get(note_pick.value)
    _out = targets.links_of(store, _note.id)
    _back = targets.backlinks_of(store, "note", str(_note.id))
    mo.output.replace(
        mo.vstack(
            [
                mo.md(f"### {escape(_note.title)}\n\n{_note.body}"),
                mo.Html(
                    '<div id="note-links"><b>Points at</b>'
                    f"{target_list(_out, 'nothing yet')}</div>"
                    '<div id="note-backlinks"><b>Pointed at by</b>'
                    f"{target_list(_back, 'no note yet')}</div>"
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Search notes and papers
    """)
    return


@app.cell
def _():
    query = mo.ui.text(label="search notes and papers", full_width=True)
    mo.output.replace(query)
    return (query,)


@app.cell
def _(get_version, query, store):
    _ = get_version()
    mo.stop(not query.value.strip())
    try:
        _hits = store.search_all(query.value, limit=20, before="<b>", after="</b>")
    except NeuronError as _error:
        mo.stop(True, mo.callout(mo.md(escape(str(_error))), kind="warn"))
    _rows = "".join(
        f"<tr><td>{hit.kind}</td><td>{escape(hit.title)}</td>"
        f"<td>{escape(hit.anchor or '')}</td>"
        f"<td>{marked_snippet(hit.snippet)}</td></tr>"
        for hit in _hits
    )
    mo.Html(
        f'<div id="search-results"><p>{len(_hits)} found</p><table>'
        "<tr><th>kind</th><th>title</th><th>where</th><th>snippet</th></tr>"
        f"{_rows}</table></div>"
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## The equations, checked

    Each equation of the paper with what it says, the `neuron` code that
    computes it, and a checker that runs that code on seeded inputs and
    tests the property the equation promises.
    """)
    return


@app.cell
def _():
    equation_pick = mo.ui.dropdown(
        {f"{eq.section}: {eq.title}": eq.id for eq in paper.EQUATIONS},
        value=f"{paper.EQUATIONS[0].section}: {paper.EQUATIONS[0].title}",
        label="equation",
    )
    mo.output.replace(equation_pick)
    return (equation_pick,)


@app.cell
def _(equation_pick, get_links, get_version, store):
    _ = get_version(), get_links()
    _eq = paper.get(equation_pick.value)
    _lesson = targets.describe(store, "lesson", Path(_eq.lesson).stem)
    _lesson_link = (
        f"[{_lesson.title}]({_lesson.href})" if _lesson.href else f"`{_eq.lesson}`"
    )
    _notes = targets.backlinks_of(store, "equation", _eq.id)
    _result = _eq.check()
    _code = []
    for _dotted in _eq.code:
        try:
            _file, _line = paper.code_location(_dotted)
            _code.append(f"`{_dotted}` ({_file}, line {_line})")
        except (NeuronError, ImportError, AttributeError, TypeError):
            _code.append(f"`{_dotted}`")
    _status = "passed" if _result.passed else "FAILED"
    mo.vstack(
        [
            mo.md(f"### {_eq.title}\n\n$$\n{_eq.latex}\n$$\n\n{_eq.explanation}"),
            mo.md(
                f"**Checker: {_status}**\n\n```\n{_result.details}\n```\n\n"
                f"Code: {', '.join(_code)}  \nLesson: {_lesson_link}"
            ),
            mo.Html(f'<div id="equation-check">{_status}</div>'),
            mo.Html(
                '<div id="equation-notes"><b>Notes on this equation</b>'
                f"{target_list(_notes, 'none yet: link a note to it above')}</div>"
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## From memory

    The equation above, hidden: write it as NumPy. Your code runs in a
    separate, limited process on random inputs and is compared with the
    project's own; a wrong answer is told which property it breaks.
    """)
    return


@app.cell
def _(equation_pick):
    hidden = capstone.for_equation(equation_pick.value)
    mo.stop(hidden is None, mo.md("This one is a table or a claim: nothing to write."))
    answer = mo.ui.code_editor(value="", language="python", label="your answer")
    check_button = mo.ui.run_button(label="Check my answer")
    mo.output.replace(mo.vstack([mo.plain_text(hidden.prompt()), answer, check_button]))
    return answer, check_button, hidden


@app.cell
def _(answer, check_button, hidden):
    mo.stop(not check_button.value)
    _report = capstone.check_answer(hidden.id, answer.value)
    if _report.passed:
        _text = f"passed ({_report.seconds:.2f} s)"
    elif _report.error:
        _text = f"not run: {_report.error}"
    else:
        _text = "\n".join(f"{f.name}: {f.message}" for f in _report.failures)
    mo.output.replace(mo.Html(f'<pre id="capstone-report">{escape(_text)}</pre>'))
    return


if __name__ == "__main__":
    app.run()
