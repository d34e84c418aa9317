"""Fixtures shared by the whole suite: an isolated NEURON_HOME, a running
`neuron` server, and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from neuron.server.bench import CHROMIUM_FLAGS as BROWSER_FLAGS
from neuron.server.bench import find_chromium

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
# The browser tests drive the Chromium the browser benchmark drives, with
# the same flags; the two look for it in the same places.
CHROMIUM_FLAGS = list(BROWSER_FLAGS)
chromium_path = find_chromium


@pytest.fixture
def neuron_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty NEURON_HOME, so no test touches the user's own store."""
    home = tmp_path / "neuron-home"
    home.mkdir()
    monkeypatch.setenv("NEURON_HOME", str(home))
    monkeypatch.delenv("NEURON_DB", raising=False)
    monkeypatch.delenv("NEURON_TOKEN", raising=False)
    return home


@dataclass
class RunningServer:
    """A `neuron serve` process and the URL it announced."""

    process: subprocess.Popen
    url: str
    output: list[str]

    @property
    def base(self) -> str:
        return self.url.split("?")[0].rstrip("/")

    def stop(self, timeout: float = 20) -> int:
        """Send Ctrl-C (SIGINT) and wait for a clean exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        rc = self.process.wait(timeout=timeout)
        self.output.extend(self.process.stdout.read().splitlines())
        return rc


def start_server(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> RunningServer:
    """Start `neuron serve --port 0 --no-open ARGS...` and wait until it
    prints the URL it listens on."""
    command = [sys.executable, "-m", "neuron.cli", "serve", "--port", "0"]
    command += ["--no-open", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    output: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.rstrip("\n"))
        match = re.search(r"running at (http://\S+)", line)
        if match:
            return RunningServer(process, match.group(1), output)
    process.kill()
    raise RuntimeError("neuron serve did not start:\n" + "\n".join(output))


@pytest.fixture
def server(neuron_home: Path) -> Iterator[RunningServer]:
    """A real workbench server on a free loopback port."""
    running = start_server()
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium, or a skip saying how to get one."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no Chromium found: install it (apt-get install chromium) or set "
            "NEURON_CHROMIUM to its path"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser page at a laptop's size."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def keep_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", name)
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
