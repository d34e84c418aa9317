"""The workspaces' panels: each ships a grid layout beside its notebook,
`neuron` shows it in a real Chromium on a wide screen and a laptop, and a
workspace opened in `marimo edit` runs as it opens, as under `neuron`."""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
from marimo._ast.parse import parse_notebook

from neuron import paths
from tests.conftest import keep_screenshot, start_server

WORKBENCH = paths.notebook_root() / "workbench"
WORKSPACES = [slug for slug, _, _ in paths.WORKSPACES]

# Cells whose last line only hands values to a widget or a state setter:
# the expression is None, so they show nothing and need no panel.
EFFECT_ONLY = ("next_tables.show(", "set_sent(")


def notebook(slug: str):
    """The notebook as marimo's own parser reads it: app options and cells,
    the setup cell first, in file order (the order of the layout's cells)."""
    parsed = parse_notebook((WORKBENCH / f"{slug}.py").read_text())
    assert parsed is not None and parsed.cells, f"marimo cannot parse {slug}.py"
    return parsed


def layout_of(slug: str) -> dict:
    layout_file = notebook(slug).app.options.get("layout_file")
    assert layout_file == f"layouts/{slug}.grid.json", (
        f"expected {slug}.py's App to name layouts/{slug}.grid.json, "
        f"got {layout_file!r}"
    )
    return json.loads((WORKBENCH / layout_file).read_text())


def shows_output(code: str) -> bool:
    """Whether a cell can put something on the page: it writes with
    mo.output, or its last statement is an expression."""
    body = ast.parse(code).body if code.strip() else []
    if not body:
        return False
    if "mo.output." in code:
        return True
    last = body[-1]
    return isinstance(last, ast.Expr) and not ast.unparse(last).startswith(EFFECT_ONLY)


@pytest.mark.parametrize("slug", WORKSPACES)
def test_layout_is_a_grid_with_one_entry_per_cell(slug):
    layout = layout_of(slug)
    assert layout["type"] == "grid"
    data = layout["data"]
    assert data["columns"] >= 1 and data["rowHeight"] >= 1
    cells = notebook(slug).cells
    assert len(data["cells"]) == len(cells), (
        f"{slug}: the layout has {len(data['cells'])} cells, the notebook "
        f"{len(cells)}; place the new cells in marimo edit's grid view and save"
    )


@pytest.mark.parametrize("slug", WORKSPACES)
def test_every_cell_that_shows_output_has_a_panel(slug):
    entries = layout_of(slug)["data"]["cells"]
    unplaced = [
        (index, cell.code.splitlines()[-1][:60])
        for index, (cell, entry) in enumerate(
            zip(notebook(slug).cells, entries, strict=True)
        )
        if shows_output(cell.code) and entry.get("position") is None
    ]
    assert not unplaced, f"{slug}: cells without a panel show nothing: {unplaced}"


@pytest.mark.parametrize("slug", WORKSPACES)
def test_panels_fit_the_columns_and_do_not_overlap(slug):
    data = layout_of(slug)["data"]
    taken: dict[tuple[int, int], int] = {}
    for index, entry in enumerate(data["cells"]):
        if entry.get("position") is None:
            continue
        x, y, w, h = entry["position"]
        assert w >= 1 and h >= 1 and x >= 0 and y >= 0, (slug, index)
        assert x + w <= data["columns"], (
            f"{slug}: cell {index} spans columns {x}..{x + w}, past {data['columns']}"
        )
        for square in (
            (col, row) for col in range(x, x + w) for row in range(y, y + h)
        ):
            assert square not in taken, (
                f"{slug}: cells {taken[square]} and {index} overlap at {square}"
            )
            taken[square] = index


@pytest.mark.parametrize("slug", WORKSPACES)
def test_the_header_spans_the_top(slug):
    data = layout_of(slug)["data"]
    cells = notebook(slug).cells
    (header,) = [
        index for index, cell in enumerate(cells) if f'header("{slug}")' in cell.code
    ]
    x, y, w, _ = data["cells"][header]["position"]
    assert (x, y, w) == (0, 0, data["columns"])


def grid_panels(page) -> list[dict]:
    """Each grid panel's box, and whether it holds the header."""
    return page.eval_on_selector_all(
        ".react-grid-item",
        """items => items.map(item => {
            const box = item.getBoundingClientRect();
            return {top: box.top, left: box.left, width: box.width,
                    height: box.height,
                    header: item.querySelector('nav.neuron-nav') !== null};
        })""",
    )


@pytest.mark.browser
@pytest.mark.slow
def test_neuron_shows_canvas_in_its_panels_on_a_wide_screen_and_a_laptop(
    neuron_home, browser
):
    running = start_server()
    try:
        for width, height in ((1920, 1080), (1366, 768)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(running.base + "/canvas/")
            page.locator(".react-grid-layout nav.neuron-nav").wait_for(timeout=120_000)
            # The vector numbers: a panel of computed output is on screen.
            page.get_by_text("3.0000").first.wait_for(timeout=60_000)
            panels = grid_panels(page)
            (header,) = [panel for panel in panels if panel["header"]]
            left = min(panel["left"] for panel in panels)
            right = max(panel["left"] + panel["width"] for panel in panels)
            assert header["top"] == min(panel["top"] for panel in panels)
            assert header["left"] == left
            assert header["width"] == pytest.approx(right - left, abs=1)

            # Side by side: the vectors and the attention controls share
            # the first row of panels below the header, at both sizes.
            below = sorted({round(p["left"]) for p in panels if not p["header"]})
            assert len(below) >= 2, f"one column of panels at {width}px"
            keep_screenshot(page, f"canvas-grid-{width}x{height}")
            context.close()
    finally:
        assert running.stop() == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.browser
@pytest.mark.slow
def test_marimo_edit_runs_canvas_as_it_opens(neuron_home, tmp_path, page):
    # A user's own marimo config must not decide this: marimo reads it from
    # $XDG_CONFIG_HOME/marimo or ~/.config/marimo, both empty here.
    home = tmp_path / "user"
    (home / ".config").mkdir(parents=True)
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHONUNBUFFERED": "1",
        # marimo keeps a session's outputs under __marimo__ and shows them
        # when the notebook opens again; here they go to an empty folder,
        # so every output on the page was computed in this run.
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
    }
    command = [sys.executable, "-m", "marimo", "edit", str(WORKBENCH / "canvas.py")]
    command += ["--headless", "--no-token", "--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("marimo edit did not listen on its port")

        page.goto(f"http://127.0.0.1:{port}/")
        # Computed by the notebook's own cells, with no run pressed: a . b
        # of the starting vectors (2, 1) and (0.5, 2).
        expect = pytest.importorskip("playwright.sync_api").expect
        dot = page.get_by_text(re.compile(r"^3\.0000$")).first
        expect(dot).to_be_attached(timeout=120_000)
        keep_screenshot(page, "canvas-marimo-edit")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
