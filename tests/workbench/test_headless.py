"""Every workbench app runs from top to bottom without a cell error.

``marimo export session`` runs a notebook headless, as ``marimo run`` would
on open, and exits non-zero when any cell raises. Each notebook runs from a
copy in a temporary folder (the snapshot is written beside the notebook) and
against an empty store, the state a new user starts from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neuron import paths

from ..conftest import REPO

NOTEBOOKS = sorted((REPO / "workbench").glob("*.py"))


def test_every_workspace_has_a_notebook_to_run():
    # The list below is the one the server mounts; a notebook missing from
    # it would not be reachable, and one missing here would go untested.
    assert paths.home_notebook() in NOTEBOOKS
    assert {page.path for page in paths.workspaces()} <= set(NOTEBOOKS)


def run_headless(notebook: Path, tmp_path: Path, home: Path) -> list[dict]:
    """Run a copy of ``notebook`` with ``marimo export session`` against the
    store in ``home``; return its cells' outputs, having checked the exit."""
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NEURON_DB", "NEURON_TOKEN")
    }
    environment.update(NEURON_HOME=str(home), PYTHONPATH=str(REPO))
    marimo = [sys.executable, "-m", "marimo", "export", "session", "--no-sandbox"]
    completed = subprocess.run(
        [*marimo, copy.name],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    snapshot = tmp_path / "__marimo__" / "session" / f"{notebook.name}.json"
    cells = json.loads(snapshot.read_text())["cells"]
    assert cells, f"{notebook.name} ran no cells"
    return [output for cell in cells for output in cell.get("outputs", [])]


def errors_in(outputs: list[dict]) -> list[dict]:
    # A cell that did not run because one above it stopped on purpose
    # (mo.stop: "import a paper first") is not an error.
    return [
        output
        for output in outputs
        if output.get("type") == "error" and output.get("ename") != "ancestor-stopped"
    ]


@pytest.mark.slow  # a fresh kernel per notebook; MiniLM's loads take seconds
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_runs_headless_without_a_cell_error(notebook: Path, tmp_path: Path):
    home = tmp_path / "neuron-home"
    home.mkdir()
    assert errors_in(run_headless(notebook, tmp_path, home)) == []


@pytest.mark.slow
def test_the_reader_runs_every_cell_on_a_store_with_a_paper(tmp_path: Path):
    from neuron.store import Source, Store

    home = tmp_path / "neuron-home"
    home.mkdir()
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "attention.md").write_text(
        "# Attention\n\nQueries meet keys; softmax weighs the values.\n\n"
        "# Positions\n\nSines and cosines of many wavelengths.\n",
        encoding="utf-8",
    )
    with Store.open(home / "neuron.db") as store:
        document = store.import_document(papers / "attention.md", root=papers)
        anchor = store.passages(document.id)[0].anchor
        why = store.create(
            "why softmax",
            "weights sum to one",
            source=Source("paper", document.uid, anchor),
        )
        scale = store.create("why scale", "the variance of q.k grows like d_k")
        store.link(scale.id, why.id)
        store.refer(why.id, "equation", "eq1-attention")

    outputs = run_headless(REPO / "workbench" / "reader.py", tmp_path, home)
    assert [o for o in outputs if o.get("type") == "error"] == []
    shown = json.dumps(outputs)
    assert "Queries meet keys" in shown and "why softmax" in shown
    # The newest note is picked: "why scale", pointing at "why softmax".
    assert f"{why.id}: why softmax" in shown.split("note-links")[1]
    # The first equation lists the note that refers to it.
    assert f"{why.id}: why softmax" in shown.split("equation-notes")[1]
