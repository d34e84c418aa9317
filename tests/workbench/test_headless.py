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


@pytest.mark.slow  # a fresh kernel per notebook; MiniLM's loads take seconds
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_runs_headless_without_a_cell_error(notebook: Path, tmp_path: Path):
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    home = tmp_path / "neuron-home"
    home.mkdir()
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
    errors = [
        output
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("type") == "error"
    ]
    assert errors == [], errors
