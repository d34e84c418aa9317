"""Explorer run headless on a fresh store: every cell runs without an error,
and the page's neighbour and analogy tables hold what the library computes."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neuron.embeddings import analogy, minilm, nearest
from tests.conftest import REPO
from tests.embeddings.test_sources import needs_minilm

MARIMO = Path(sys.executable).with_name("marimo")


def export_session(folder: Path) -> dict:
    """Run a copy of Explorer with ``marimo export session``; its cells."""
    shutil.copy(REPO / "workbench" / "explorer.py", folder / "explorer.py")
    subprocess.run(
        [str(MARIMO), "export", "session", "explorer.py", "--no-sandbox"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
        check=True,
    )
    session = folder / "__marimo__" / "session" / "explorer.py.json"
    return json.loads(session.read_text(encoding="utf-8"))


def rows_of(page: str, element_id: str) -> list[tuple[str, str]]:
    """The (word, cosine) cells of the table inside ``id=element_id``."""
    start = page.index(f'id=\\"{element_id}\\"')
    table = page[start : page.index("</table>", start)]
    return re.findall(r"<td>\d+</td><td>(.*?)</td><td>(.*?)</td>", table)


@needs_minilm
@pytest.mark.skipif(not MARIMO.is_file(), reason="marimo's command is not installed")
def test_explorer_renders_minilm_answers_on_an_empty_store(neuron_home, tmp_path):
    session = export_session(tmp_path)
    errors = [
        (cell["id"], output)
        for cell in session["cells"]
        for output in cell.get("outputs", [])
        if output.get("type") == "error"
    ]
    assert errors == []

    page = json.dumps(session)
    vectors = minilm()
    expected = [(w, f"{s:.4f}") for w, s in nearest(vectors, "king", 10)]
    assert rows_of(page, "neighbours-result") == expected
    expected = [(w, f"{s:.4f}") for w, s in analogy(vectors, "king", "man", "woman")]
    assert rows_of(page, "analogy-result") == expected
    assert expected[0][0] == "queen"
