"""Recall on the home page as a person uses it: make cards from the paper's
equations, recall one, reveal the answer, rate it, and find the review in
the store."""

from __future__ import annotations

import pytest

from neuron import paper
from neuron.store import Store
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_make_cards_and_review_one_from_the_home_page(neuron_home, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    running = start_server()
    try:
        page.goto(running.base + "/")
        due = page.locator("#recall-due")
        expect(due).to_have_text("0 due", timeout=120_000)

        page.get_by_role("button", name="Make cards from the paper's equations").click()
        total = len(paper.EQUATIONS)
        expect(due).to_have_text(f"{total} due", timeout=30_000)
        prompt = page.locator("#recall-prompt")
        expect(prompt).to_contain_text("Explain from memory")

        page.get_by_role("button", name="Show answer").click()
        page.get_by_role("button", name="Good").click()
        expect(due).to_have_text(f"{total - 1} due", timeout=30_000)
        keep_screenshot(page, "home-recall")

        with Store.open(neuron_home / "neuron.db") as store:
            reviewed = [c for c in store.list_cards() if store.reviews(c.id)]
            assert len(reviewed) == 1
            (review,) = store.reviews(reviewed[0].id)
            assert review.rating == 3
            assert reviewed[0].due > review.reviewed
    finally:
        assert running.stop() == 0
