"""Notes that point at things, in the Reader as a person uses it: link a
note to an equation and to another note, and see the links from both ends."""

from __future__ import annotations

import pytest

from neuron import paper
from neuron.store import Store
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_link_a_note_to_an_equation_and_a_note_and_see_the_backlinks(neuron_home, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    with Store.open(neuron_home / "neuron.db") as store:
        older = store.create("why a softmax", "the weights sum to one")
        newer = store.create("why the scale", "the variance of q.k grows like d_k")
    equation = paper.EQUATIONS[0]

    running = start_server()
    try:
        page.goto(running.base + "/reader/")
        note = page.get_by_role("combobox", name="note", exact=True)
        expect(note).to_be_visible(timeout=120_000)
        # The newest note is picked first.
        expect(page.locator("#note-links")).to_contain_text("nothing yet")

        page.get_by_role("combobox", name="link it to a").select_option("equation")
        target = page.get_by_role("combobox", name="which equation")
        target.select_option(f"{equation.section}: {equation.title}")
        page.get_by_role("button", name="Link", exact=True).click()
        expect(page.locator("#note-links")).to_contain_text(equation.title)
        # The equation shown below (the first) lists the note.
        expect(page.locator("#equation-notes")).to_contain_text(
            f"{newer.id}: why the scale"
        )

        page.get_by_role("combobox", name="link it to a").select_option("note")
        page.get_by_role("combobox", name="which note").select_option(
            f"{older.id}: why a softmax"
        )
        page.get_by_role("button", name="Link", exact=True).click()
        expect(page.locator("#note-links")).to_contain_text("why a softmax")
        keep_screenshot(page, "reader-links")

        # From the other end: the older note is pointed at by the newer.
        note.select_option(f"{older.id}: why a softmax")
        expect(page.locator("#note-backlinks")).to_contain_text(
            f"{newer.id}: why the scale"
        )
    finally:
        assert running.stop() == 0

    with Store.open(neuron_home / "neuron.db") as store:
        assert [link.to_id for link in store.links(newer.id)] == [older.id]
        assert [(r.kind, r.ref) for r in store.refs(newer.id)] == [
            ("equation", equation.id)
        ]
