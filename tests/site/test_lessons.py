"""Every lesson of the track runs headless without a cell error, and the
site `neuron export` writes shows what each computed.

One export of all the lessons on disk serves every test here (a fresh
kernel per lesson, run in parallel); the checks are per lesson, so a
failure names it.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from neuron import paths
from neuron.errors import SiteError
from neuron.site import export_site, read_session
from tests.conftest import keep_screenshot

from .conftest import block_network, serve_folder

pytestmark = pytest.mark.slow

LESSONS = [page.slug for page in paths.lessons()]
_TAG = re.compile(r"<style\b.*?</style>|<[^>]+>", re.DOTALL)
_TEX_DELIMITER = re.compile(r"\|\|[()\[\]]")


@pytest.fixture(scope="session")
def exported(tmp_path_factory) -> dict:
    """Export every lesson into a temporary site; keep each lesson's run.

    ``site`` is None when some lesson failed (no site is written then)."""
    if not LESSONS:
        pytest.skip("no lesson notebooks in lessons/ yet")
    runs = {}
    folder = tmp_path_factory.mktemp("site") / "site"
    try:
        export_site(folder, on_lesson=lambda run: runs.__setitem__(run.page.slug, run))
        site, failure = folder, ""
    except SiteError as exc:
        site, failure = None, str(exc)
    return {"site": site, "runs": runs, "failure": failure}


def page_of(exported: dict, slug: str) -> str:
    if exported["site"] is None:
        pytest.skip(f"no site was written: {exported['failure']}")
    return (exported["site"] / f"{slug}.html").read_text(encoding="utf-8")


def shown_text(output: dict) -> str:
    """The visible words of one HTML or markdown output, whitespace folded."""
    data = output.get("data") or {}
    html = data.get("text/html") or data.get("text/markdown") or ""
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def test_there_are_lessons_to_export():
    if not LESSONS:
        pytest.skip("no lesson notebooks in lessons/ yet")


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_runs_headless_without_a_cell_error(exported, slug):
    run = exported["runs"][slug]
    assert run.ok, run.failure()


@pytest.mark.parametrize("slug", LESSONS)
def test_page_holds_the_lessons_computed_outputs(exported, slug):
    page = page_of(exported, slug)
    run = exported["runs"][slug]

    # The page carries every output the run produced, unchanged.
    computed = read_session(run.html)
    assert read_session(page) == computed

    # Beyond the header, the lesson showed something, and a reader without
    # the frontend sees each text output's words in the plain copy.
    outputs = [
        o for c in computed["cells"] for o in c["outputs"] if o["type"] == "data"
    ]
    texts = [shown_text(o) for o in outputs if shown_text(o)]
    assert len(outputs) > 1, f"{slug} showed nothing beyond its header"
    # The plain copy ends where the page's scripts begin (it has none).
    copy = page.split('<div id="root">')[1].split("<script")[0]
    plain = " ".join(unescape(_TAG.sub(" ", copy)).split())
    for text in texts:
        # The copy shows math as TeX, without marimo's ||( ||) delimiters.
        words = " ".join(_TEX_DELIMITER.sub(" ", text).split())[:60]
        assert words in plain, words
    assert 'href="index.html"' in copy


def first_heading(exported: dict, slug: str) -> str:
    for cell in read_session(exported["runs"][slug].html)["cells"]:
        for output in cell["outputs"]:
            html = (output.get("data") or {}).get("text/markdown") or ""
            match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
            if match:
                return " ".join(unescape(_TAG.sub(" ", match.group(1))).split())
    pytest.skip(f"{slug} shows no markdown heading to look for")


@pytest.mark.browser
def test_site_opens_from_file_with_the_network_cut_off(exported, page):
    slug = LESSONS[0]
    heading = first_heading(exported, slug)
    page_of(exported, slug)
    aborted = block_network(page, "file:")

    page.goto((exported["site"] / "index.html").as_uri())
    page.locator(f'a[data-slug="{slug}"]').click()
    page.get_by_role("heading", name=heading).first.wait_for()
    assert page.locator("nav.neuron-nav").first.is_visible()
    keep_screenshot(page, f"site-{slug}-file")
    assert aborted == []


@pytest.mark.browser
def test_served_site_renders_a_lesson_with_no_other_host(exported, page):
    slug = LESSONS[0]
    heading = first_heading(exported, slug)
    page_of(exported, slug)
    with serve_folder(exported["site"]) as base:
        aborted = block_network(page, base)
        page.goto(base + f"{slug}.html")
        page.locator("#root nav.neuron-nav").first.wait_for(timeout=30_000)
        page.get_by_role("heading", name=heading).first.wait_for()
        assert not page.locator(".neuron-static").first.is_visible()
        page.wait_for_timeout(1000)
        keep_screenshot(page, f"site-{slug}-served")
    assert aborted == []
