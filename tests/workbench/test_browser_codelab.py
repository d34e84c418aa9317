"""Builder and Code Lab as a person uses them: design a model in Builder,
send it to Code Lab, start it there, watch its loss curve grow, stop it.
A real server, a real Chromium, a real training process."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from neuron.store import Store
from neuron.transformer.builder import PRESETS
from tests.conftest import keep_screenshot, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Small enough to train at hundreds of steps a second on two cores, long
# enough to be still training while the test watches.
MODEL = {"layers": "1", "d_model": "32", "heads": "2", "d_ff": "64", "context": "32"}
TRAINING = {"steps": "20000", "batch size": "4", "sequence length": "32"}


def number_field(page, label: str):
    """The number field labelled ``label``."""
    exactly = re.compile(rf"^{re.escape(label)}$")
    labelled = page.locator("div.mo-label").filter(
        has=page.locator("label", has_text=exactly)
    )
    return labelled.locator("input").first


def set_number(page, label: str, value: str) -> None:
    """Type into the number field labelled ``label`` and commit it."""
    field = number_field(page, label)
    field.fill(value)
    field.press("Enter")
    page.wait_for_timeout(300)  # the form may redraw after a change


def fill_form(page, values: dict[str, str], shown: str, timeout: float = 60) -> None:
    """Set every field, then until ``shown`` appears (the live views have
    caught up), set again any field that a redraw of the form reset."""
    for label, value in values.items():
        set_number(page, label, value)
    deadline = time.monotonic() + timeout
    while not page.get_by_text(shown).count() and time.monotonic() < deadline:
        for label, value in values.items():
            if number_field(page, label).input_value().replace(",", "") != value:
                set_number(page, label, value)
        page.wait_for_timeout(500)


def loss_points(page) -> int:
    return int(page.locator("#loss-points").inner_text())


def test_a_model_built_in_builder_trains_in_code_lab(neuron_home, browser):
    expect = pytest.importorskip("playwright.sync_api").expect
    running = start_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        builder = context.new_page()
        builder.goto(running.base + "/builder/")
        builder.get_by_role("button", name="Train this").wait_for(timeout=120_000)
        # The live summary has caught up with the form when it shows this
        # model's parameter count, computed here.
        tiny = PRESETS["tiny"]
        ours = dataclasses.replace(
            tiny, layers=1, d_model=32, heads=2, d_ff=64, context=32
        )
        count = f"{ours.parameter_count():,}"
        fill_form(builder, {**MODEL, **TRAINING}, count)
        expect(builder.get_by_text(count).first).to_be_visible(timeout=30_000)
        expect(
            builder.get_by_role("heading", name="batch 4, sequence 32")
        ).to_be_visible(timeout=30_000)
        expect(builder.locator(".field-error")).to_have_count(0)
        builder.get_by_role("button", name="Train this").click()
        expect(builder.locator("#sent-to-codelab")).to_contain_text(
            "Sent to Code Lab", timeout=30_000
        )
        keep_screenshot(builder, "builder-sent")

        lab = context.new_page()
        lab.goto(running.base + "/codelab/")
        start = lab.get_by_role("button", name="Start Builder's run")
        expect(start).to_be_enabled(timeout=120_000)
        start.click()

        # The curve grows while the run trains: two readings, the second
        # larger, both taken from the page as it polls the store.
        expect(lab.locator("#loss-points")).not_to_have_text("0", timeout=60_000)
        first = loss_points(lab)
        deadline = time.monotonic() + 60
        while loss_points(lab) <= first and time.monotonic() < deadline:
            lab.wait_for_timeout(500)
        assert loss_points(lab) > first
        keep_screenshot(lab, "codelab-training")

        with Store.open(neuron_home / "neuron.db") as store:
            (run,) = store.list_runs()
            assert run.status == "running"
            assert run.config["model"]["d_model"] == 32
            assert run.config["train"]["steps"] == 20000

        lab.get_by_role("button", name="Stop run").click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Store.open(neuron_home / "neuron.db") as store:
                if store.get_run(run.id).status != "running":
                    break
            time.sleep(0.5)
        with Store.open(neuron_home / "neuron.db") as store:
            assert store.get_run(run.id).status == "stopped"
    finally:
        context.close()
        assert running.stop() == 0
