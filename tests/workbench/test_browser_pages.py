"""Every page of the workbench, as a person reaches it: under one `neuron`
server, in a real Chromium, each page answers, renders its cells without an
error, and wears the shared header with itself marked; the header's links
lead where they say. A screenshot of each page is kept."""

from __future__ import annotations

import time

import pytest

from neuron import paths
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What marimo shows in place of a cell that raised, in run mode.
CELL_ERROR = "An internal error occurred"


def every_page() -> list[tuple[str, str]]:
    """(slug, path) of home, each workspace and each lesson that exists."""
    pages = [("home", "/")]
    pages += [(p.slug, paths.url_of(p, "workspace")) for p in paths.workspaces()]
    pages += [(p.slug, paths.url_of(p, "lesson")) for p in paths.lessons()]
    return pages


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    home = tmp_path_factory.mktemp("neuron-home")
    server = start_server(env={"NEURON_HOME": str(home), "NEURON_DB": ""})
    yield server
    if server.process.poll() is None:
        server.stop()


def settle(page, quiet: float = 1.5, limit: float = 120.0) -> str:
    """Wait until the page's text has not changed for ``quiet`` seconds (the
    kernel has run its cells), and return the text."""
    deadline = time.monotonic() + limit
    text, since = page.inner_text("body"), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = page.inner_text("body")
        if now != text:
            text, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return text


def marked(page) -> list[str]:
    return page.locator('nav.neuron-nav a[aria-current="page"]').evaluate_all(
        "links => links.map(a => a.dataset.slug)"
    )


def test_the_header_links_every_page_by_its_path(running, page):
    page.goto(running.base + "/")
    nav = page.locator("nav.neuron-nav")
    nav.wait_for(timeout=120_000)
    shown = nav.locator("a").evaluate_all(
        "links => links.map(a => [a.dataset.slug, a.getAttribute('href')])"
    )
    assert [tuple(pair) for pair in shown] == every_page()


def test_a_header_link_leads_to_its_page(running, page):
    page.goto(running.base + "/")
    page.locator("nav.neuron-nav").wait_for(timeout=120_000)
    target = paths.workspaces()[0]
    page.locator(f'nav.neuron-nav a[data-slug="{target.slug}"]').click()
    page.wait_for_url(running.base + paths.url_of(target, "workspace"))
    page.locator('nav.neuron-nav a[aria-current="page"]').wait_for(timeout=120_000)
    assert marked(page) == [target.slug]


@pytest.mark.parametrize(
    ("slug", "path"), every_page(), ids=[s for s, _ in every_page()]
)
def test_every_page_renders_with_the_header_and_no_cell_error(
    running, page, slug, path
):
    response = page.goto(running.base + path)
    assert response is not None and response.status == 200
    # A lesson's entry sits in the folded lessons menu: attached, not shown.
    page.locator('nav.neuron-nav a[aria-current="page"]').wait_for(
        state="attached", timeout=120_000
    )
    assert marked(page) == [slug]

    text = settle(page)

    assert CELL_ERROR not in text
    keep_screenshot(page, f"page-{slug}")
