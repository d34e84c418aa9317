"""Helpers for the static-site tests: tiny lesson trees, and a loopback
HTTP server for a written site."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LESSON = """
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from neuron.viz.nav import header

    mo.output.replace(header("{slug}"))
    return (mo,)


@app.cell
def _(mo):
    mo.md("# {heading}\\n\\nThe inner product is $a \\\\cdot b$.")
    return


@app.cell
def _(mo):
    total = sum(range(1, {n} + 1))
    mo.md(f"the sum of 1 to {n} is **{{total}}**")
    return


@app.cell
def _():
    import altair as alt

    points = alt.Data(values=[{{"x": 1, "y": 2}}, {{"x": 2, "y": 1}}])
    alt.Chart(points).mark_line().encode(x="x:Q", y="y:Q")
    return


@app.cell
def _(mo):
    mo.stop(True, mo.md("train first"))
    return
"""

BROKEN = """
import marimo

app = marimo.App()


@app.cell
def _():
    def ratio():
        return 1 / 0

    ratio()
    return
"""


def write_lesson(root: Path, slug: str, heading: str = "", n: int = 10) -> Path:
    """Write a small lesson ``root/lessons/SLUG.py``: the shared header, a
    heading, a computed sum of 1..n, a chart and a cell stopped on purpose."""
    folder = root / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.py"
    path.write_text(
        LESSON.format(slug=slug, heading=heading or f"Lesson {slug}", n=n),
        encoding="utf-8",
    )
    return path


def write_broken_lesson(root: Path, slug: str) -> Path:
    """Write a lesson whose one cell divides by zero."""
    folder = root / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.py"
    path.write_text(BROKEN, encoding="utf-8")
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def block_network(page, allowed: str) -> list[str]:
    """Abort every request of ``page`` whose URL does not start with
    ``allowed`` (or is a data: URL); return the list of aborted URLs."""
    aborted: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(allowed) or url.startswith("data:"):
            request_route.continue_()
        else:
            aborted.append(url)
            request_route.abort()

    page.route("**/*", route)
    return aborted
