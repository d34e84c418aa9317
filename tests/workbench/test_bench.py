"""``neuron bench workbench`` measures what it says, in a real browser.

Only that it runs and reports sane numbers; how fast they are is for the
benchmark to print, never for a test to judge."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_reports_canvas_bare_marimo_and_explorer_times(neuron_home):
    if chromium_path() is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium)")
    completed = subprocess.run(
        [sys.executable, "-m", "neuron.cli", "bench", "workbench"]
        + ["--edits", "2", "--warmup", "0", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(completed.stdout)

    assert result["tokens"] == 12 and result["heads"] == 4
    for name in ("canvas_edit", "bare_marimo"):
        samples = result[name]["samples_ms"]
        assert len(samples) == 2 and all(0 < ms < 30_000 for ms in samples)
        assert result[name]["median_ms"] <= result[name]["p90_ms"]
    assert result["canvas_vs_bare_median"] > 0
    assert 0 < result["explorer_first_render_ms"] < 120_000
    assert 0 < result["explorer_cold_render_ms"] < 120_000


def test_reports_code_lab_answers_and_both_throughputs(neuron_home):
    if chromium_path() is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium)")
    completed = subprocess.run(
        [sys.executable, "-m", "neuron.cli", "bench", "codelab"]
        + ["--steps", "10", "--interactions", "2", "--repeats", "1", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(completed.stdout)

    assert result["steps"] == 10
    samples = result["interaction"]["samples_ms"]
    assert len(samples) == 2 and all(0 < ms < 30_000 for ms in samples)
    assert result["launched_tokens_per_second"] > 0
    assert result["direct_tokens_per_second"] > 0
    ratio = result["launched_tokens_per_second"] / result["direct_tokens_per_second"]
    assert result["throughput_ratio"] == pytest.approx(ratio)


def test_reports_cold_starts_of_neuron_and_marimo_run(neuron_home):
    if chromium_path() is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium)")
    completed = subprocess.run(
        [sys.executable, "-m", "neuron.cli", "bench", "startup"]
        + ["--repeats", "1", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(completed.stdout)

    for name in ("neuron", "marimo"):
        (start,) = result[name]["starts"]
        assert 0 < start["listening_ms"] < start["rendered_ms"] < 120_000
    assert result["neuron_vs_marimo_rendered"] > 0
