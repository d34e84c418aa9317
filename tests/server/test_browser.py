"""The home page as a person sees it: a real server, a real Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, keep_screenshot, start_server

pytestmark = pytest.mark.browser

WORKSPACE = """
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo

    mo.md("# {title} workspace is open")
    return


if __name__ == "__main__":
    app.run()
"""


def notebook_tree(root: Path, workspaces=(), lessons=()) -> Path:
    """Make a notebook folder holding the real home page plus the given
    workspace and lesson notebooks."""
    (root / "workbench").mkdir(parents=True)
    (root / "lessons").mkdir()
    shutil.copy(REPO / "workbench" / "home.py", root / "workbench" / "home.py")
    for slug in workspaces:
        text = WORKSPACE.format(title=slug.capitalize())
        (root / "workbench" / f"{slug}.py").write_text(text)
    for stem in lessons:
        (root / "lessons" / f"{stem}.py").write_text(WORKSPACE.format(title=stem))
    return root


def test_home_says_when_nothing_exists_yet(neuron_home, tmp_path, page):
    tree = notebook_tree(tmp_path / "notebooks")
    running = start_server(env={"NEURON_NOTEBOOKS": str(tree)})
    try:
        page.goto(running.url)
        page.get_by_text("No workspaces exist yet").wait_for(timeout=30_000)
        page.get_by_text("No lessons exist yet").wait_for(timeout=30_000)
        assert page.get_by_role("heading", name="neuron").count() == 1
        keep_screenshot(page, "home-empty")
    finally:
        assert running.stop() == 0


def test_home_lists_and_links_what_exists(neuron_home, tmp_path, page):
    tree = notebook_tree(
        tmp_path / "notebooks",
        workspaces=["explorer", "canvas"],
        lessons=["01_vectors", "02_word2vec"],
    )
    running = start_server(env={"NEURON_NOTEBOOKS": str(tree)})
    try:
        page.goto(running.url)

        def listed(name: str):
            # The home page's own lists, not the header every page shares.
            return page.locator("a:not([data-slug])").filter(has_text=name)

        listed("Explorer").first.wait_for(timeout=30_000)
        assert listed("Explorer").count() == 1
        assert listed("Canvas").count() == 1
        assert listed("Builder").count() == 0
        assert listed("1. Vectors").count() == 1
        assert listed("2. Word2vec").count() == 1
        keep_screenshot(page, "home-with-pages")

        listed("2. Word2vec").click()
        page.get_by_text("02_word2vec workspace is open").wait_for(timeout=30_000)
        assert page.url.rstrip("/").endswith("/lessons/02_word2vec")

        page.goto(running.url)
        listed("Explorer").first.wait_for(timeout=30_000)
        listed("Explorer").click()
        page.get_by_text("Explorer workspace is open").wait_for(timeout=30_000)
        assert page.url.rstrip("/").endswith("/explorer")
    finally:
        assert running.stop() == 0
