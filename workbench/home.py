import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="neuron")

with app.setup:
    import marimo as mo

    from neuron import paths


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


if __name__ == "__main__":
    app.run()
