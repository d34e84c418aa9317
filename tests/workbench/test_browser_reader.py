"""The Reader as a person uses it: a paper with a note beside its passage,
a search, an equation's checker, and an equation written from memory."""

from __future__ import annotations

import pytest

from neuron.store import Source, Store
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAPER = """# Attention

Queries meet keys, and a softmax weighs the values.

# Positions

Sines and cosines of many wavelengths mark where a token sits.
"""


def test_read_search_check_and_write_an_equation_from_memory(
    neuron_home, tmp_path, page
):
    expect = pytest.importorskip("playwright.sync_api").expect
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "attention.md").write_text(PAPER, encoding="utf-8")
    with Store.open(neuron_home / "neuron.db") as store:
        document = store.import_document(papers / "attention.md", root=papers)
        anchor = store.passages(document.id)[0].anchor
        store.create(
            "why a softmax",
            "the weights of each query sum to one",
            source=Source("paper", document.uid, anchor),
        )

    running = start_server()
    try:
        page.goto(running.base + "/reader/")
        # The passage, with the note that cites it beside it.
        expect(page.get_by_text("Queries meet keys").first).to_be_visible(
            timeout=120_000
        )
        expect(page.get_by_text("why a softmax").first).to_be_visible()

        search = page.get_by_role("textbox", name="search notes and papers")
        search.fill("wavelengths")
        search.press("Enter")
        results = page.locator("#search-results")
        expect(results).to_contain_text("1 found", timeout=30_000)
        expect(results.locator("b")).to_have_text("wavelengths")

        # Equation (1) is checked against neuron's attention on open.
        expect(page.locator("#equation-check")).to_have_text("passed", timeout=60_000)

        # Written from memory, without the scale: the checker says so.
        editor = page.locator(".cm-content").last
        editor.click()
        page.keyboard.type("W = np.exp(Q @ K.T)\n")
        page.keyboard.type("W / W.sum(axis=1, keepdims=True) @ V")
        page.get_by_role("button", name="Check my answer").click()
        report = page.locator("#capstone-report")
        expect(report).to_contain_text("values", timeout=60_000)
        expect(report).to_contain_text("sqrt(d_k)")
        keep_screenshot(page, "reader-capstone")
    finally:
        assert running.stop() == 0
