"""Run one lesson headless and keep the page marimo exports for it.

Each lesson runs from a copy in a temporary folder, in its own ``marimo
export html`` process, as ``marimo run`` would run it on open, against an
empty store in a temporary ``NEURON_HOME`` (never the user's) and with
``NEURON_LINKS=site`` so its header links to the other pages of the site.
The exported page embeds the session: every cell's outputs, which is where
a cell that raised shows as an output of type ``error``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from neuron.paths import Page

# A cell that did not run because one above it called ``mo.stop`` on
# purpose ("train first") reports this; it is not a failure.
STOPPED = "ancestor-stopped"

_MOUNT_CONFIG = re.compile(
    r'"__MARIMO_MOUNT_CONFIG__",\s*\{\s*value:\s*Object\.freeze\((\{.*?\})\),'
    r"\s*writable",
    re.DOTALL,
)


@dataclass(frozen=True)
class CellError:
    """A cell of a lesson that raised.

    Attributes:
        number: the cell's place in the notebook, from 1.
        first_line: the first line of its code, to find it by.
        message: what it raised.
    """

    number: int
    first_line: str
    message: str

    def __str__(self) -> str:
        return f"cell {self.number} ({self.first_line!r}) raised: {self.message}"


@dataclass
class LessonRun:
    """The outcome of running one lesson.

    Attributes:
        page: the lesson.
        seconds: wall time of its run.
        html: the page marimo exported ("" when it wrote none).
        errors: the cells that raised.
        problem: why no page came out at all (a timeout, a syntax error),
            else "".
    """

    page: Page
    seconds: float
    html: str = ""
    errors: list[CellError] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the page is complete: written, and no cell raised."""
        return bool(self.html) and not self.errors and not self.problem

    def failure(self) -> str:
        """One line per problem, each naming the lesson; "" when ok."""
        if self.problem:
            return f"lesson {self.page.slug}: {self.problem}"
        return "\n".join(f"lesson {self.page.slug}: {error}" for error in self.errors)


def read_session(page_html: str) -> dict:
    """The session snapshot embedded in a page ``marimo export html`` wrote:
    ``{"cells": [{"id", "outputs": [...], "console": [...]}, ...]}``.

    Raises:
        ValueError: the page holds no mount configuration (not a marimo
            export, or one from a marimo that writes it differently).
    """
    match = _MOUNT_CONFIG.search(page_html)
    if match is None:
        raise ValueError(
            "expected a page written by `marimo export html`, found no "
            "__MARIMO_MOUNT_CONFIG__ in it"
        )
    return json.loads(match.group(1))["session"] or {"cells": []}


def cell_errors(session: dict, notebook: Path) -> list[CellError]:
    """The cells of ``session`` that raised, in notebook order, with the
    first line of each one's code read from ``notebook``."""
    codes = _cell_codes(notebook)
    found = []
    for number, cell in enumerate(session.get("cells", []), start=1):
        for output in cell.get("outputs", []):
            if output.get("type") != "error" or output.get("ename") == STOPPED:
                continue
            code = codes[number - 1] if number <= len(codes) else ""
            first_line = next((line for line in code.splitlines() if line), "")
            message = output.get("evalue") or output.get("ename") or "an error"
            found.append(CellError(number, first_line[:60], message))
    return found


def _cell_codes(notebook: Path) -> list[str]:
    # marimo's own parser gives the cells in the order the session lists
    # them; should its private module move, the errors still name the cell
    # by number.
    try:
        from marimo._ast.parse import parse_notebook

        parsed = parse_notebook(notebook.read_text(encoding="utf-8"))
        return [cell.code for cell in parsed.cells] if parsed else []
    except Exception:  # noqa: BLE001 - the code line is a courtesy
        return []


def run_lesson(
    page: Page, *, include_code: bool = False, timeout: float = 900
) -> LessonRun:
    """Run ``page`` headless and return its exported page and its errors.

    Side effects: starts one Python process; writes only inside a temporary
    folder that is removed afterwards (the lesson's store included).
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"neuron-{page.slug}-") as scratch:
        # marimo writes a session snapshot beside the notebook it runs; a
        # copy in the scratch folder keeps it out of the lessons folder.
        notebook = Path(scratch) / page.path.name
        shutil.copy2(page.path, notebook)
        home = Path(scratch) / "home"
        home.mkdir()
        target = Path(scratch) / f"{page.slug}.html"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("NEURON_DB", "NEURON_TOKEN")
        }
        environment.update(NEURON_HOME=str(home), NEURON_LINKS="site")
        command = [sys.executable, "-m", "marimo", "export", "html"]
        command += ["--no-sandbox", "--force", "-o", str(target)]
        command += ["--include-code" if include_code else "--no-include-code"]
        command += [notebook.name]
        try:
            completed = subprocess.run(
                command,
                cwd=scratch,
                env=environment,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return LessonRun(
                page,
                time.perf_counter() - started,
                problem=f"did not finish within {timeout:.0f} s",
            )
        seconds = time.perf_counter() - started
        if not target.is_file():
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
            return LessonRun(
                page,
                seconds,
                problem="marimo wrote no page: " + " / ".join(tail),
            )
        html = target.read_text(encoding="utf-8")

    errors = cell_errors(read_session(html), page.path)
    run = LessonRun(page, seconds, html=html, errors=errors)
    if completed.returncode != 0 and not errors:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        run.problem = f"marimo exited with status {completed.returncode}: " + (
            " / ".join(tail)
        )
    return run
