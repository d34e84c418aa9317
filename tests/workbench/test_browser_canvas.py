"""Canvas as a person uses it: a real server, a real Chromium, an edit of
W_Q, and the attention weights the page then shows, checked against the
same computation in this process."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from neuron.attention.steps import (
    attention_steps,
    seeded_weights,
    split_sentence,
    word_vectors,
)
from neuron.widgets import relations
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SENTENCE = "the cat sat on the mat because it was tired of standing"
WIDTH = 12
HEADS = 4


def shown_weights(page) -> np.ndarray:
    """The weights the page shows, one (T, T) table per head."""
    tables = page.locator("#attention-weights table")
    heads = []
    for index in range(tables.count()):
        rows = tables.nth(index).locator("tbody tr")
        heads.append(
            [
                [float(text) for text in rows.nth(row).locator("td").all_inner_texts()]
                for row in range(rows.count())
            ]
        )
    return np.array(heads)  # (H, T, T)


def settled_weights(page, expected: np.ndarray, timeout_s: float = 30) -> np.ndarray:
    """The weights the page shows once they equal ``expected``, or its last
    reading after ``timeout_s``: the page redraws its head tables one after
    another, so a reading taken as soon as some text changed can catch it
    halfway."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = shown_weights(page)
        settled = shown.shape == expected.shape and np.allclose(
            shown, expected, atol=5e-5
        )
        if settled or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(200)


def expected_weights(w_q: np.ndarray) -> np.ndarray:
    tokens, words, ids = split_sentence(SENTENCE)
    table = word_vectors(words, WIDTH, seed=0)
    weights = seeded_weights(WIDTH, seed=0)
    steps = attention_steps(
        table[ids],
        w_q,
        weights["w_k"],
        weights["w_v"],
        HEADS,
        causal=False,
        scale=True,
        unembed=table.T,
    )
    return steps["weights"].value  # (H, T, T)


def test_editing_a_cell_of_w_q_shows_the_weights_computed_here(neuron_home, page):
    running = start_server()
    try:
        page.goto(running.base + "/canvas/")
        weights = page.locator("#attention-weights")
        weights.wait_for(timeout=120_000)
        w_q = seeded_weights(WIDTH, seed=0)["w_q"].copy()
        shown = settled_weights(page, expected_weights(w_q))
        assert shown.shape == (HEADS, 12, 12)
        np.testing.assert_allclose(shown, expected_weights(w_q), atol=5e-5)

        # Commit a new value in row 1, column 1 of W_Q, as a person would:
        # double-click the cell, type, press Enter.
        page.get_by_text("Edit W_Q, W_K, W_V").click()
        cell = page.get_by_role("group", name="W_Q").get_by_test_id("matrix-cell-0-0")
        cell.dblclick()
        cell.locator("input").fill("2.5")
        cell.locator("input").press("Enter")

        w_q[0, 0] = 2.5
        after = settled_weights(page, expected_weights(w_q))
        np.testing.assert_allclose(after, expected_weights(w_q), atol=5e-5)
        # The edit moved the weights: the check above is not the old page.
        assert np.abs(after - shown).max() > 1e-3
        keep_screenshot(page, "canvas-after-w_q-edit")
    finally:
        assert running.stop() == 0


def test_dragging_vector_a_updates_the_numbers_python_computes(neuron_home, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    running = start_server()
    try:
        page.goto(running.base + "/canvas/")
        handle = page.locator("circle[data-vector='a']")
        handle.wait_for(timeout=120_000)
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

        # Drag a's tip up and to the left, as a person would.
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 60, y - 45, steps=8)
        page.mouse.up()

        # The widget snaps to tenths and says where a is now.
        readout = page.get_by_text(re.compile(r"^a = \(")).first
        found = re.search(r"a = \((-?[\d.]+), (-?[\d.]+)\)", readout.inner_text())
        a = np.array([float(found.group(1)), float(found.group(2))])
        assert not np.allclose(a, [2.0, 1.0]), "the drag did not move a"

        # Python received the new coordinates and computed from them.
        expected = relations(a, np.array([0.5, 2.0]), 1.0, 1.0)
        for number in (expected.dot, expected.norm_a, expected.cosine):
            expect(page.get_by_text(f"{number:.4f}").first).to_be_visible(
                timeout=30_000
            )
        keep_screenshot(page, "canvas-after-drag")
    finally:
        assert running.stop() == 0
