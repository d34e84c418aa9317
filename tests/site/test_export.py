"""`neuron export` on small lessons of the tests' own: the site it writes,
its refusal to write one when a cell raises, and the pages in a browser
with the network cut off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from neuron.errors import SiteError
from neuron.site import export_site, read_session
from neuron.site.assets import missing_assets
from neuron.site.export import MARKER
from tests.conftest import keep_screenshot

from .conftest import block_network, serve_folder, write_broken_lesson, write_lesson

# A fresh marimo kernel per lesson: seconds each.
pytestmark = pytest.mark.slow


def neuron(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the `neuron` command with ``env`` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "neuron.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict:
    """Two lessons of the track on disk (and one the track does not know),
    exported once through the command."""
    root = tmp_path_factory.mktemp("notebooks")
    write_lesson(root, "01_vectors", "Vectors, briefly", n=10)
    write_lesson(root, "05_attention", "Attention, briefly", n=20)
    home = tmp_path_factory.mktemp("home")
    site = tmp_path_factory.mktemp("out") / "site"
    env = {"NEURON_NOTEBOOKS": str(root), "NEURON_HOME": str(home)}
    completed = neuron("export", "--out", str(site), env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return {"root": root, "site": site, "env": env, "output": completed.stdout}


def test_export_prints_one_line_per_lesson_with_its_time(tiny):
    lines = tiny["output"].splitlines()
    for slug in ("01_vectors", "05_attention"):
        [line] = [line for line in lines if slug in line]
        assert " s " in line and line.rstrip().endswith("ok")


def test_index_lists_the_lessons_on_disk_in_track_order(tiny):
    index = (tiny["site"] / "index.html").read_text()
    first = index.index('href="01_vectors.html"')
    second = index.index('href="05_attention.html"')
    assert first < second
    assert "queries, keys and values" in index  # the track's summary
    assert "02_word2vec" not in index  # in the track, not on disk


def test_each_page_shows_its_computed_outputs(tiny):
    for slug, total in (("01_vectors", 55), ("05_attention", 210)):
        page = (tiny["site"] / f"{slug}.html").read_text()
        shown = str(read_session(page))
        assert f"<strong>{total}</strong>" in shown
        assert "vegalite" in shown  # the chart's spec, for the frontend
        # The plain copy for readers without the frontend has it too.
        assert f"<strong>{total}</strong>" in page.split('<div id="root">')[1]
        # The header links within the site.
        assert 'href=\\"index.html\\"' in page or 'href="index.html"' in page


def test_pages_load_the_frontend_from_the_bundle_not_a_cdn(tiny):
    site = tiny["site"]
    page = (site / "01_vectors.html").read_text()
    assert "cdn.jsdelivr" not in page
    assert 'src="assets/' in page
    assert missing_assets(page, site) == []
    assert (site / MARKER).is_file()


def test_code_is_hidden_unless_asked_for(tiny, tmp_path):
    page = (tiny["site"] / "01_vectors.html").read_text()
    assert "sum(range(1" not in page

    site = tmp_path / "with-code"
    completed = neuron(
        "export",
        "--out",
        str(site),
        "--lesson",
        "01_vectors",
        "--include-code",
        env=tiny["env"],
    )
    assert completed.returncode == 0, completed.stderr
    assert "sum(range(1" in (site / "01_vectors.html").read_text()
    # Only the named lesson is in a new site.
    assert not (site / "05_attention.html").exists()


def test_exporting_one_lesson_keeps_the_others_of_a_site(tiny, tmp_path):
    site = tmp_path / "site"
    export_site(site)
    before = (site / "05_attention.html").read_text()
    write_lesson(tiny["root"], "01_vectors", "Vectors, revised", n=10)
    try:
        export_site(site, ["01_vectors"])
    finally:
        write_lesson(tiny["root"], "01_vectors", "Vectors, briefly", n=10)
    assert "Vectors, revised" in (site / "01_vectors.html").read_text()
    assert (site / "05_attention.html").read_text() == before
    assert 'href="05_attention.html"' in (site / "index.html").read_text()


@pytest.fixture(autouse=True)
def _notebooks(request, monkeypatch):
    # The library calls read the lessons of the module's tree.
    if "tiny" in request.fixturenames:
        tiny = request.getfixturevalue("tiny")
        for key, value in tiny["env"].items():
            monkeypatch.setenv(key, value)


def test_a_cell_error_fails_the_export_naming_lesson_and_cell(tmp_path):
    root = tmp_path / "notebooks"
    write_lesson(root, "01_vectors")
    write_broken_lesson(root, "03_tokenisation")
    site = tmp_path / "site"
    site.mkdir()
    (site / MARKER).write_text("")
    (site / "index.html").write_text("the site before")
    env = {"NEURON_NOTEBOOKS": str(root), "NEURON_HOME": str(tmp_path / "home")}

    completed = neuron("export", "--out", str(site), env=env)

    assert completed.returncode != 0
    assert "03_tokenisation" in completed.stderr
    assert "division by zero" in completed.stderr
    assert "ratio()" in completed.stderr or "def ratio" in completed.stderr
    # The earlier site is untouched and nothing half-written is left.
    assert sorted(p.name for p in site.iterdir()) == [MARKER, "index.html"]
    assert (site / "index.html").read_text() == "the site before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "site"]
    assert not (root / "lessons" / "__marimo__").exists()


def test_a_folder_of_other_files_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "notebooks"
    write_lesson(root, "01_vectors")
    monkeypatch.setenv("NEURON_NOTEBOOKS", str(root))
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    with pytest.raises(SiteError, match="no neuron export wrote"):
        export_site(folder)
    assert (folder / "thesis.tex").read_text() == "precious"


def test_an_unknown_lesson_is_refused_with_the_known_ones(tmp_path, monkeypatch):
    root = tmp_path / "notebooks"
    write_lesson(root, "01_vectors")
    monkeypatch.setenv("NEURON_NOTEBOOKS", str(root))
    with pytest.raises(SiteError, match="01_vectors.*unknown 99_nope"):
        export_site(tmp_path / "site", ["99_nope"])


@pytest.mark.browser
def test_pages_open_from_file_with_the_network_cut_off(tiny, page):
    site = tiny["site"]
    aborted = block_network(page, "file:")

    page.goto((site / "index.html").as_uri())
    page.get_by_role("link", name="5. Attention").wait_for()
    keep_screenshot(page, "site-index-file")

    page.get_by_role("link", name="5. Attention").click()
    page.get_by_role("heading", name="Attention, briefly").wait_for()
    assert page.locator("nav.neuron-nav").first.is_visible()
    assert page.get_by_text("210").first.is_visible()
    keep_screenshot(page, "site-lesson-file")
    assert aborted == []


@pytest.mark.browser
def test_served_pages_run_the_bundled_frontend_with_no_other_host(tiny, page):
    with serve_folder(tiny["site"]) as base:
        aborted = block_network(page, base)
        page.goto(base + "05_attention.html")
        # marimo's frontend renders the outputs: the chart and the math.
        page.locator(".vega-embed").first.wait_for(timeout=30_000)
        page.locator(".katex").first.wait_for()
        page.get_by_role("heading", name="Attention, briefly").wait_for()
        assert not page.locator(".neuron-static").first.is_visible()
        keep_screenshot(page, "site-lesson-served")
    assert aborted == []
