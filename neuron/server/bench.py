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
    "CodeLabTimes",
    "bench_codelab",
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


# ---- Code Lab -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CodeLabTimes:
    """What ``bench_codelab`` measured.

    Attributes:
        interaction: smoothing-slider key press to the redrawn curves, in
            Code Lab, while its run trains.
        launched_tokens_per_second: runs started from Code Lab's form, with
            the page open and polling and no one using it (the median).
        direct_tokens_per_second: the same job (rebuilt from the launched
            run's recorded config) run directly, the page closed (median).
        steps: optimizer steps of each run.
    """

    interaction: Latency
    launched_tokens_per_second: float
    direct_tokens_per_second: float
    steps: int

    @property
    def throughput_ratio(self) -> float:
        """Launched over direct tokens per second (1.0: no cost)."""
        return self.launched_tokens_per_second / self.direct_tokens_per_second

    def to_dict(self) -> dict:
        return {
            "interaction": {
                "median_ms": self.interaction.median,
                "p90_ms": self.interaction.p90,
                "samples_ms": list(self.interaction.samples),
            },
            "launched_tokens_per_second": self.launched_tokens_per_second,
            "direct_tokens_per_second": self.direct_tokens_per_second,
            "throughput_ratio": self.throughput_ratio,
            "steps": self.steps,
        }


def bench_codelab(
    steps: int = 150, interactions: int = 20, repeats: int = 2
) -> CodeLabTimes:
    """Start GPT runs from Code Lab's form in Chromium, time UI answers
    while one trains, then train the same job directly and compare speeds.

    The run is Code Lab's default (4 layers, d_model 128, context 128, batch
    32, characters of the shared tinyshakespeare) with ``steps`` steps. The
    direct run is rebuilt from the launched run's recorded config
    (``GptJob.from_run``), so both train exactly the same job; each one's
    tokens per second is the one its run records in the store.

    Args:
        steps: optimizer steps per run.
        interactions: timed slider moves while the launched run trains.
        repeats: direct and launched runs compared, in turns; the medians
            are reported.

    Raises:
        NeuronError: Playwright, Chromium or the corpus is missing, a server
            did not start, or a run failed.

    Side effects: two training processes, a server and a browser, all in a
    temporary folder.
    """
    from neuron.lab import GptJob

    sync_api = _playwright()
    executable = _chromium()
    with tempfile.TemporaryDirectory(prefix="neuron-bench-") as folder:
        root = Path(folder)
        (root / "home").mkdir()
        launched_db = root / "home" / "neuron.db"
        environment = {"NEURON_HOME": str(root / "home"), "NEURON_DB": ""}
        with (
            _process(_serve_command(), environment, r"running at (http://\S+)") as app,
            sync_api.sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS)
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                # First run: UI answers while it trains (the moves cost the
                # run some speed, so its throughput is not one compared).
                _start_from_form(page, app, steps)
                interaction = _interactions(page, interactions)
                run = _wait_for_runs(launched_db, 1)
                # Then, in turns so that a slow spell of a shared machine
                # falls on both: the same job run directly, with the page
                # closed, and launched from the page, left open and polling.
                job = GptJob.from_run(run.config)
                launched, direct = [], []
                for turn in range(repeats):
                    page.goto("about:blank")
                    direct.append(_run_directly(job, root / f"direct-{turn}"))
                    _start_from_form(page, app, steps)
                    run = _wait_for_runs(launched_db, turn + 2)
                    launched.append(_tokens_per_second(run))
            finally:
                browser.close()
    return CodeLabTimes(
        interaction, float(np.median(launched)), float(np.median(direct)), steps
    )


def _run_directly(job, folder: Path) -> float:
    """Train ``job`` in the foreground; its recorded tokens per second."""
    from neuron.store import Store

    argv = job.argv(store_path=folder / "neuron.db", out_dir=folder)
    completed = subprocess.run(argv, capture_output=True, text=True)
    if completed.returncode != 0:
        raise NeuronError(
            "expected the direct run to finish, got exit code "
            f"{completed.returncode}:\n{completed.stderr[-2000:]}"
        )
    with Store.open(folder / "neuron.db") as store:
        (run,) = store.list_runs()
    return _tokens_per_second(run)


def _start_from_form(page, url: str, steps: int) -> None:
    """Open Code Lab, set the GPT form's steps, press Start run, and wait
    until the new run has a point on the curve."""
    page.goto(_join(url, "codelab/"))
    start = page.get_by_role("button", name="Start run")
    start.wait_for(timeout=120_000)
    steps_field = _labelled(page, "steps").locator("input").first
    steps_field.fill(str(steps))
    steps_field.press("Enter")
    page.wait_for_timeout(500)  # the form's cell takes the new value
    start.click()
    page.wait_for_function(
        "() => Number(document.querySelector('#loss-points')?.innerText) > 0",
        timeout=120_000,
    )


def _interactions(page, count: int) -> Latency:
    """Move the smoothing slider ``count`` times and time each redraw."""
    slider = _labelled(page, "smoothing").get_by_role("slider")
    samples = []
    for index in range(count):
        key = "ArrowRight" if index % 2 == 0 else "ArrowLeft"
        slider.focus()
        page.evaluate(_WATCH, ["#curve-smoothing", key])
        slider.press(key)
        samples.append(_latency(page))
    return Latency("Code Lab while training", tuple(samples))


def _labelled(page, label: str):
    """The marimo element whose label is exactly ``label``."""
    exactly = re.compile(rf"^{re.escape(label)}$")
    return page.locator("div.mo-label").filter(
        has=page.locator("label", has_text=exactly)
    )


def _wait_for_runs(db: Path, count: int, timeout: float = 1800):
    """The newest run in ``db`` once ``count`` runs exist and none is
    running; raises if it did not finish."""
    from neuron.store import Store

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Store.open(db) as store:
            runs = store.list_runs()  # newest first
        if len(runs) >= count and all(run.status != "running" for run in runs):
            if runs[0].status != "finished":
                raise NeuronError(
                    f"expected the launched run to finish, got {runs[0].status}: "
                    f"{runs[0].summary.get('error')}"
                )
            return runs[0]
        time.sleep(1.0)
    raise NeuronError(f"expected the launched runs to finish within {timeout} s")


def _tokens_per_second(run) -> float:
    value = run.summary.get("tokens_per_second")
    if not value:
        raise NeuronError(f"expected run {run.id} to record its tokens per second")
    return float(value)


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
