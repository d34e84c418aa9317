"""How long ``neuron`` takes from a cold start to a rendered home page.

``neuron bench startup`` starts the workbench server in a new process with
an empty store and, in a Chromium already running (a person's browser is
open before they start a server), opens the home page as soon as the server
prints its address, until the home page's recall count is on screen: that
needs the page's kernel to have run every cell. Each start is a new process
and a new browser profile, so neither Python's imported modules nor the
browser's cache carry over; the operating system's file cache does, as it
would for a person starting ``neuron`` a second time.

The peer is ``marimo run`` serving the same home notebook alone, measured
the same way in the same run: the part of the time that is marimo's.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from neuron import paths
from neuron.errors import NeuronError
from neuron.server.bench import (
    CHROMIUM_FLAGS,
    _chromium,
    _free_port,
    _playwright,
    _wait_for_url,
)

#: Shown once every cell of the home page has run.
RENDERED = "#recall-due"


@dataclasses.dataclass(frozen=True)
class Start:
    """One cold start.

    Attributes:
        listening_ms: from starting the process to the server's address.
        rendered_ms: from starting the process to the rendered home page.
    """

    listening_ms: float
    rendered_ms: float


@dataclasses.dataclass(frozen=True)
class StartupTimes:
    """Cold starts of ``neuron`` and of ``marimo run`` on the home page."""

    neuron: tuple[Start, ...]
    marimo: tuple[Start, ...]

    @staticmethod
    def _median(starts: tuple[Start, ...], field: str) -> float:
        return float(np.median([getattr(s, field) for s in starts]))

    def to_dict(self) -> dict:
        record = {}
        for name in ("neuron", "marimo"):
            starts = getattr(self, name)
            record[name] = {
                "starts": [dataclasses.asdict(s) for s in starts],
                "median_listening_ms": self._median(starts, "listening_ms"),
                "median_rendered_ms": self._median(starts, "rendered_ms"),
            }
        record["neuron_vs_marimo_rendered"] = (
            record["neuron"]["median_rendered_ms"]
            / record["marimo"]["median_rendered_ms"]
        )
        return record


def bench_startup(repeats: int = 3) -> StartupTimes:
    """Time ``repeats`` cold starts of each server, in turns.

    Raises:
        NeuronError: Playwright or Chromium is missing, or a server did not
            start or render.

    Side effects: starts servers and a browser, all stopped on return;
    writes only to a temporary folder.
    """
    if not isinstance(repeats, int) or repeats < 1:
        raise NeuronError(f"expected at least one start, got repeats={repeats!r}")
    sync_api = _playwright()
    executable = _chromium()
    neuron_starts, marimo_starts = [], []
    with tempfile.TemporaryDirectory(prefix="neuron-startup-") as folder:
        root = Path(folder)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS)
            )
            try:
                for index in range(repeats):
                    home = root / f"home-{index}"
                    home.mkdir()
                    neuron_starts.append(_start(browser, _neuron_command(), home, True))
                    marimo_starts.append(
                        _start(browser, _marimo_command(), home, False)
                    )
            finally:
                browser.close()
    return StartupTimes(tuple(neuron_starts), tuple(marimo_starts))


def _neuron_command() -> list[str]:
    return [sys.executable, "-m", "neuron.cli", "serve", "--port", "0", "--no-open"]


def _marimo_command() -> list[str]:
    return [
        sys.executable, "-m", "marimo", "run", str(paths.home_notebook()),
        "--headless", "--host", "127.0.0.1", "--port", str(_free_port()),
        "--no-token",
    ]  # fmt: skip


def _start(browser, command: list[str], home: Path, announces: bool) -> Start:
    env = {**os.environ, "NEURON_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("NEURON_DB", None)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    began = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        url = _wait_for_url(
            process, command, r"running at (http://\S+)" if announces else None
        )
        listening = time.perf_counter()
        page = context.new_page()
        page.goto(url)
        try:
            page.locator(RENDERED).first.wait_for(timeout=120_000)
        except Exception as exc:
            raise NeuronError(
                f"expected the home page at {url} to render {RENDERED}, it did not "
                f"within 120 s ({type(exc).__name__})"
            ) from None
        rendered = time.perf_counter()
    finally:
        context.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return Start((listening - began) * 1000, (rendered - began) * 1000)
