"""What `neuron doctor` reports: versions, the engine, the store, and what
is missing with how to fix it.

The report is plain data so that the CLI can print it as text or JSON.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGES = (
    "numpy",
    "torch",
    "marimo",
    "sqlite-utils",
    "uvicorn",
    "typer",
    "polars",
    "httpx",
    "nanobind",
    "playwright",
    "gensim",
)


@dataclass
class Report:
    """Everything `neuron doctor` found.

    Attributes:
        versions: package name to version, or None when not installed.
        engine: ``neuron.engine.info()``, or ``{"error": ...}`` when the
            compiled module does not load.
        store: the store's path, whether it exists and its schema version.
        problems: one ``(what is missing, how to fix it)`` pair per problem.
    """

    versions: dict[str, str | None]
    engine: dict[str, Any]
    store: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "versions": self.versions,
            "engine": self.engine,
            "store": self.store,
            "problems": [{"missing": m, "fix": f} for m, f in self.problems],
        }


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _fts5_available() -> bool:
    with sqlite3.connect(":memory:") as conn:
        try:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
        except sqlite3.OperationalError:
            return False
    return True


def _store_state(db_path: Path | None) -> dict[str, Any]:
    """Describe the store without creating or migrating it."""
    from neuron.store import SCHEMA_VERSION, default_path

    path = default_path(db_path)
    state: dict[str, Any] = {
        "path": str(path),
        "exists": path.is_file(),
        "schema_version": None,
        "supported_schema_version": SCHEMA_VERSION,
    }
    if path.is_file():
        # Read-only, so that looking never changes the file.
        uri = f"file:{path}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            state["schema_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
            state["notes"] = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    return state


def _chromium() -> str | None:
    explicit = os.environ.get("NEURON_CHROMIUM")
    if explicit and Path(explicit).is_file():
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


def collect(db_path: Path | None = None) -> Report:
    """Gather the report. Reads the store file, never writes it.

    Args:
        db_path: the store to describe; the default store when None.
    """
    versions = {
        "python": platform.python_version(),
        "neuron": _version("neuron-workbench"),
        "sqlite": sqlite3.sqlite_version,
        **{name: _version(name) for name in PACKAGES},
    }
    problems: list[tuple[str, str]] = []

    try:
        from neuron import engine

        engine_info: dict[str, Any] = dict(engine.info())
    except Exception as exc:  # the doctor reports a broken engine, never dies of it
        engine_info = {"error": str(exc)}
        problems.append(
            (
                "the compiled engine does not load",
                f"reinstall to rebuild it: pip install -e . ({exc})",
            )
        )
    else:
        cuda = engine_info.get("cuda", {})
        if not cuda.get("compiled"):
            problems.append(
                (
                    "the engine was built without CUDA kernels",
                    "install the CUDA toolkit (nvcc) and reinstall, or set "
                    "NEURON_CUDA=ON when installing to insist on it",
                )
            )
        elif not cuda.get("devices"):
            problems.append(
                (
                    f"no CUDA device ({cuda.get('reason') or 'none found'}); "
                    "the CUDA kernels cannot run",
                    "run on a machine with an NVIDIA GPU and its driver; "
                    "everything else works on the CPU",
                )
            )

    try:
        store = _store_state(db_path)
    except (sqlite3.Error, OSError) as exc:
        store = {"path": str(db_path), "error": str(exc)}
        problems.append(("the store cannot be read", f"check the file: {exc}"))
    if store.get("schema_version") and store["schema_version"] > store.get(
        "supported_schema_version", 0
    ):
        problems.append(
            (
                "the store comes from a newer neuron",
                "upgrade neuron to open it",
            )
        )

    if not _fts5_available():
        problems.append(
            (
                f"SQLite {sqlite3.sqlite_version} lacks FTS5; note search fails",
                "use a Python built against a SQLite with FTS5",
            )
        )
    if versions["playwright"] is None:
        problems.append(
            (
                "Playwright, for the end-to-end browser tests",
                'pip install -e ".[dev]"',
            )
        )
    if versions["gensim"] is None:
        problems.append(
            (
                "gensim, the peer `neuron bench word2vec` compares against",
                'pip install -e ".[bench]"',
            )
        )
    if _chromium() is None:
        problems.append(
            (
                "no Chromium for the end-to-end browser tests",
                "apt-get install chromium (or set NEURON_CHROMIUM to a "
                "Chromium binary)",
            )
        )
    return Report(versions, engine_info, store, problems)
