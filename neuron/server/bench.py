"""How fast the workbench answers in a real browser.

``neuron bench workbench`` starts the workbench server on a loopback port
with an empty store, drives Debian's (or any) Chromium through Playwright,
and measures three things on the same machine in the same run:

- Canvas: the time from committing an edit of one cell of W_Q to the moment
  the page shows the new attention weights with the heatmap drawn, for the
  default sentence (12 tokens, 4 heads). Every edit gives a new value, so
  every edit recomputes.
- The peer: a bare marimo notebook, a slider and a text that shows its
  value, served by ``marimo run``; the time from a key press on the slider
  to the new text. This is the floor any marimo app pays for a round trip
  (browser -> kernel -> browser), measured here rather than quoted.
- Explorer: the time from navigation to its first neighbours table, coming
  from the home page (marimo's frontend already in the browser's cache, as
  the server lets every page share it) and with an empty cache.

Timing happens inside the page: a capture-phase listener stamps
``performance.now()`` when the key that commits the edit goes down, and a
``MutationObserver`` stamps it again when the target's text changes (and,
for Canvas, the heatmap's marks exist in the new output). Playwright's own
round trips are not counted.

Playwright is a test dependency (``pip install -e ".[dev]"``); the browser
is found as the tests find it (``$NEURON_CHROMIUM``, else ``chromium`` on
``PATH``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from neuron.errors import NeuronError

__all__ = [
    "CHROMIUM_FLAGS",
    "Latency",
    "WorkbenchTimes",
    "bench_workbench",
    "find_chromium",
]

log = logging.getLogger(__name__)

#: The flags Chromium needs to run headless in a container without a GPU.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# A slider and its value as text: the smallest marimo round trip.
_BARE_NOTEBOOK = textwrap.dedent(
    """
    import marimo

    app = marimo.App()


    @app.cell
    def _():
        import marimo as mo

        slider = mo.ui.slider(0, 1000, value=500, label="value")
        slider
        return mo, slider


    @app.cell
    def _(mo, slider):
        mo.Html(f'<div id="bare-value">{slider.value}</div>')
        return


    if __name__ == "__main__":
        app.run()
    """
)

# Installs a one-shot watch: window.__neuronLatency becomes the milliseconds
# from the keydown of `key` to the first frame painted after the text of
# `selector` changed (the change, then two animation frames: the first runs
# before the frame showing the change is painted, the second once it has
# been), or a string when nothing changed within 30 s. The selector is looked
# up through open shadow roots too, where widgets draw, and every shadow root
# is observed as well as the document.
_WATCH = """
([selector, key]) => {
  window.__neuronLatency = null;
  const roots = [document];
  const collect = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.shadowRoot) { roots.push(el.shadowRoot); collect(el.shadowRoot); }
  });
  collect(document);
  const find = () => {
    for (const root of roots) {
      const found = root.querySelector(selector);
      if (found) return found;
    }
    return null;
  };
  const before = find()?.innerText;
  let start = null;
  let changed = false;
  const onKey = (event) => {
    if (event.key === key && start === null) start = performance.now();
  };
  const finish = (value) => {
    observers.forEach((observer) => observer.disconnect());
    document.removeEventListener('keydown', onKey, true);
    clearTimeout(timer);
    window.__neuronLatency = value;
  };
  const check = () => {
    const now = find();
    if (changed || start === null || !now || now.innerText === before) return;
    changed = true;
    requestAnimationFrame(() => requestAnimationFrame(
      () => finish(performance.now() - start)));
  };
  document.addEventListener('keydown', onKey, true);
  const observers = roots.map((root) => {
    const observer = new MutationObserver(check);
    observer.observe(root === document ? document.body : root,
      {subtree: true, childList: true, characterData: true});
    return observer;
  });
  const timer = setTimeout(() => finish('no change of ' + selector), 30000);
}
"""

_RESULT = "() => window.__neuronLatency"


def _latency(page) -> float:
    page.wait_for_function("() => window.__neuronLatency !== null", timeout=40_000)
    value = page.evaluate(_RESULT)
    if isinstance(value, str):
        raise NeuronError(f"expected the page to update after an edit, got {value}")
    return float(value)


@dataclasses.dataclass(frozen=True)
class Latency:
    """Round-trip times of one kind of edit, in milliseconds."""

    name: str
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def p90(self) -> float:
        return float(np.percentile(self.samples, 90))


@dataclasses.dataclass(frozen=True)
class WorkbenchTimes:
    """What ``bench_workbench`` measured.

    Attributes:
        canvas_edit: W_Q edit to updated weights and heatmap in Canvas.
        bare_marimo: slider key press to updated text in a bare notebook.
        explorer_first_render_ms: navigation to Explorer's first neighbours,
            coming from the home page (marimo's frontend cached, as when a
            person opens the workbench and picks Explorer).
        explorer_cold_render_ms: the same with an empty browser cache.
        tokens: tokens of the sentence Canvas attended over.
        heads: attention heads Canvas showed.
    """

    canvas_edit: Latency
    bare_marimo: Latency
    explorer_first_render_ms: float | None
    explorer_cold_render_ms: float | None
    tokens: int
    heads: int

    def to_dict(self) -> dict:
        def latency(value: Latency) -> dict:
            return {
                "median_ms": value.median,
                "p90_ms": value.p90,
                "samples_ms": list(value.samples),
            }

        return {
            "canvas_edit": latency(self.canvas_edit),
            "bare_marimo": latency(self.bare_marimo),
            "canvas_vs_bare_median": self.canvas_edit.median / self.bare_marimo.median,
            "explorer_first_render_ms": self.explorer_first_render_ms,
            "explorer_cold_render_ms": self.explorer_cold_render_ms,
            "tokens": self.tokens,
            "heads": self.heads,
        }


def bench_workbench(edits: int = 30, warmup: int = 3) -> WorkbenchTimes:
    """Measure the workbench in a real browser (see the module docstring).

    Args:
        edits: timed edits per measurement.
        warmup: untimed edits first (the first ones compile and cache).

    Returns:
        A ``WorkbenchTimes``.

    Raises:
        NeuronError: Playwright or Chromium is missing, or a server did not
            start.

    Side effects: starts two servers and a browser, all stopped on return;
    writes only to a temporary folder.
    """
    sync_api = _playwright()
    executable = _chromium()
    with tempfile.TemporaryDirectory(prefix="neuron-bench-") as folder:
        root = Path(folder)
        (root / "home").mkdir()
        bare = root / "bare.py"
        bare.write_text(_BARE_NOTEBOOK)
        environment = {"NEURON_HOME": str(root / "home"), "NEURON_DB": ""}
        with (
            _process(_serve_command(), environment, r"running at (http://\S+)") as app,
            _process(_marimo_run_command(bare), environment, None) as peer,
            sync_api.sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS)
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                canvas, tokens, heads = _canvas(page, app, edits, warmup)
                bare_times = _bare(page, peer, edits, warmup)
                explorer_cold = _explorer(browser, app, from_home=False)
                explorer = _explorer(browser, app, from_home=True)
            finally:
                browser.close()
    return WorkbenchTimes(canvas, bare_times, explorer, explorer_cold, tokens, heads)


# ---- the three measurements -------------------------------------------------


def _canvas(page, url: str, edits: int, warmup: int) -> tuple[Latency, int, int]:
    page.goto(_join(url, "canvas/"))
    weights = "#attention-weights"
    page.locator(weights).first.wait_for(timeout=120_000)
    heads = page.locator(f"{weights} table").count() or 1
    tokens = page.locator(f"{weights} table").first.locator("tbody tr").count()
    page.get_by_text("Edit W_Q, W_K, W_V").click()
    cell = page.get_by_role("group", name="W_Q").get_by_test_id("matrix-cell-0-0")
    samples = []
    for index in range(warmup + edits):
        value = f"{0.25 + 0.01 * index:.2f}"
        elapsed = _timed_edit(page, cell, value, weights)
        if index >= warmup:
            samples.append(elapsed)
    return Latency("canvas edit", tuple(samples)), tokens, heads


def _bare(page, url: str, edits: int, warmup: int) -> Latency:
    page.goto(url)
    page.locator("#bare-value").wait_for(timeout=60_000)
    slider = page.get_by_role("slider").first
    samples = []
    for index in range(warmup + edits):
        slider.focus()
        key = "ArrowRight" if index % 2 == 0 else "ArrowLeft"
        page.evaluate(_WATCH, ["#bare-value", key])
        slider.press(key)
        elapsed = _latency(page)
        if index >= warmup:
            samples.append(elapsed)
    return Latency("bare marimo", tuple(samples))


def _explorer(browser, url: str, *, from_home: bool) -> float | None:
    """Milliseconds from navigating to Explorer to its first neighbours
    table, in a fresh browser profile; ``from_home`` first opens the home
    page there, as a person does, so marimo's frontend is in the cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        if from_home:
            page.goto(url)
            page.wait_for_load_state("networkidle")
        page.goto(_join(url, "explorer/"))
        page.locator("#neighbours-result").first.wait_for(timeout=120_000)
        return float(page.evaluate("() => performance.now()"))
    except Exception:  # Explorer's layout is not this benchmark's concern
        log.warning("Explorer did not show #neighbours-result", exc_info=True)
        return None
    finally:
        context.close()


def _timed_edit(page, cell, value: str, selector: str) -> float:
    cell.dblclick()
    field = cell.locator("input")
    field.fill(value)
    page.evaluate(_WATCH, [selector, "Enter"])
    field.press("Enter")
    return _latency(page)


# ---- processes ---------------------------------------------------------------


def _serve_command() -> list[str]:
    return [sys.executable, "-m", "neuron.cli", "serve", "--port", "0", "--no-open"]


def _marimo_run_command(notebook: Path) -> list[str]:
    port = _free_port()
    return [
        sys.executable, "-m", "marimo", "run", str(notebook), "--headless",
        "--host", "127.0.0.1", "--port", str(port), "--no-token",
    ]  # fmt: skip


@contextlib.contextmanager
def _process(
    command: list[str], environment: dict[str, str], url_pattern: str | None
) -> Iterator[str]:
    """Start a server, yield its URL once it answers, stop it on exit."""
    env = {**os.environ, **environment, "PYTHONUNBUFFERED": "1"}
    env = {key: value for key, value in env.items() if value != ""}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        yield _wait_for_url(process, command, url_pattern)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_url(process, command: list[str], url_pattern: str | None) -> str:
    if url_pattern is None:
        port = command[command.index("--port") + 1]
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", int(port)), timeout=1),
            ):
                return url
            time.sleep(0.2)
        raise NeuronError(f"expected {' '.join(command[:4])} to listen, it did not")
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(url_pattern, line)
        if match:
            return match.group(1)
    raise NeuronError("expected the workbench server to start, got:\n" + "".join(lines))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _join(url: str, path: str) -> str:
    base, _, query = url.partition("?")
    return base.rstrip("/") + "/" + path + (f"?{query}" if query else "")


def _playwright():
    try:
        from playwright import sync_api
    except ImportError:
        raise NeuronError(
            "expected Playwright for the browser benchmark, got none; install "
            'the test extras: pip install -e ".[dev]"'
        ) from None
    return sync_api


def find_chromium() -> str | None:
    """The Chromium to drive: ``$NEURON_CHROMIUM`` when set (None if that
    file is missing), else the first of chromium / chromium-browser on
    ``PATH``, else None."""
    explicit = os.environ.get("NEURON_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium() -> str:
    found = find_chromium()
    if found is None:
        raise NeuronError(
            "expected a Chromium to drive, found none; install it (apt-get "
            "install chromium) or set NEURON_CHROMIUM to its path"
        )
    return found
