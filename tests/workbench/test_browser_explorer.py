"""Explorer and Canvas as a person uses them: a real server, a real
Chromium. An analogy typed into Explorer shows the answer computed in this
process, and a vector saved in Canvas appears in Explorer without a reload."""

from __future__ import annotations

import time

import pytest

from neuron.embeddings import analogy, minilm
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shown_pairs(result) -> list[tuple[str, str]]:
    """The (word, cosine) rows of a results table, as the page shows them."""
    rows = result.locator("tbody tr")
    return [
        (cells[1], cells[2])
        for cells in (
            rows.nth(index).locator("td").all_inner_texts()
            for index in range(rows.count())
        )
    ]


def wait_for_pairs(page, result, expected, timeout: float = 30) -> None:
    """Give the page up to ``timeout`` seconds to show ``expected``: it may
    pass through intermediate answers while a field's value travels. The
    caller then compares, so a page that never gets there fails."""
    deadline = time.monotonic() + timeout
    while shown_pairs(result) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)


def set_text(page, label: str, value: str) -> None:
    """Type into the text field labelled ``label`` and commit it."""
    field = page.get_by_role("textbox", name=label, exact=True)
    field.fill(value)
    field.press("Enter")


def test_an_analogy_typed_in_explorer_shows_the_answer_computed_here(neuron_home, page):
    vectors = minilm()  # the default source of an empty store
    running = start_server()
    try:
        page.goto(running.base + "/explorer/")
        result = page.locator("#analogy-result")
        result.locator("tbody tr").first.wait_for(timeout=120_000)
        expected = [
            (word, f"{score:.4f}")
            for word, score in analogy(vectors, "king", "man", "woman", k=10)
        ]
        wait_for_pairs(page, result, expected)
        assert shown_pairs(result) == expected

        set_text(page, "c", "girl")
        expected = [
            (word, f"{score:.4f}")
            for word, score in analogy(vectors, "king", "man", "girl", k=10)
        ]
        wait_for_pairs(page, result, expected)
        assert shown_pairs(result) == expected
        keep_screenshot(page, "explorer-after-analogy")
    finally:
        assert running.stop() == 0


def test_a_vector_saved_in_canvas_shows_in_explorer_without_a_reload(
    neuron_home, browser
):
    expect = pytest.importorskip("playwright.sync_api").expect
    running = start_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        explorer = context.new_page()
        explorer.goto(running.base + "/explorer/")
        explorer.locator("#analogy-result").wait_for(timeout=120_000)
        assert explorer.get_by_text("canvas.a", exact=True).count() == 0

        canvas = context.new_page()
        canvas.goto(running.base + "/canvas/")
        save = canvas.get_by_role("button", name="save a as canvas.a")
        save.wait_for(timeout=120_000)
        save.click()
        canvas.get_by_text("Saved").first.wait_for(timeout=30_000)

        # Explorer's page was never reloaded: the store's workspace stamp
        # changed, marimo's file watcher re-ran the cells that list objects.
        expect(explorer.get_by_text("canvas.a").first).to_be_visible(timeout=30_000)
        keep_screenshot(explorer, "explorer-sees-canvas-vector")
    finally:
        context.close()
        assert running.stop() == 0
