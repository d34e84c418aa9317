"""Where neuron finds its notebooks, and the text corpora beside them.

The workspaces live in ``workbench/`` and the lessons in ``lessons/``, beside
the ``neuron`` package in a source checkout (or under ``$NEURON_NOTEBOOKS``,
which the tests use to serve folders of their own). A wheel carries copies of both
under ``neuron/_notebooks`` so that an installed ``neuron`` can serve them. A
checkout wins when both exist, so that an editable install serves the files
being edited.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from neuron.curriculum.track import TRACK

PACKAGE_DIR = Path(__file__).resolve().parent

#: Names a folder of ``.txt`` corpora (or one text file), overriding the
#: shared one.
CORPORA_ENV = "NEURON_CORPORA"

#: The port ``neuron`` serves on unless told otherwise; a notebook opened
#: alone links its header to this address.
DEFAULT_PORT = 2742

# The five workspaces in the order the header shows them, with the title and
# the one-line purpose the home page gives each.
WORKSPACES: tuple[tuple[str, str, str], ...] = (
    ("explorer", "Explorer", "what embeddings learned: neighbours, analogies, maps"),
    ("codelab", "Code Lab", "train word2vec and GPT runs, compare their curves"),
    ("reader", "Reader", "the paper's equations with live checkers, and notes"),
    ("canvas", "Canvas", "pull on vectors and weight matrices, watch attention"),
    ("builder", "Builder", "compose a model and see its shapes, FLOPs and memory"),
)

_TRACK = {lesson.slug: lesson for lesson in TRACK}
_LESSON_NAME = re.compile(r"^(\d+)[_-](.+)$")


@dataclass(frozen=True)
class Page:
    """One notebook the server mounts.

    Attributes:
        slug: the URL path segment, e.g. ``"explorer"`` or ``"01_vectors"``.
        title: what links to the page say.
        path: the notebook file.
        summary: one line for the home page.
    """

    slug: str
    title: str
    path: Path
    summary: str = ""


def notebook_root() -> Path:
    """Return the folder holding ``workbench/`` and ``lessons/``.

    ``$NEURON_NOTEBOOKS`` when set, else the source checkout next to the
    package when there is one, otherwise the copies installed inside the
    package.
    """
    override = os.environ.get("NEURON_NOTEBOOKS")
    if override:
        return Path(override)
    checkout = PACKAGE_DIR.parent
    if (checkout / "workbench" / "home.py").is_file():
        return checkout
    return PACKAGE_DIR / "_notebooks"


def home_notebook() -> Path:
    """Return the home page's notebook, ``workbench/home.py``."""
    return notebook_root() / "workbench" / "home.py"


def workspaces() -> list[Page]:
    """List the workspace notebooks that exist, in the header's order."""
    folder = notebook_root() / "workbench"
    return [
        Page(slug, title, folder / f"{slug}.py", summary)
        for slug, title, summary in WORKSPACES
        if (folder / f"{slug}.py").is_file()
    ]


def lessons() -> list[Page]:
    """List the lesson notebooks that exist, ordered by their number.

    A lesson is a file ``lessons/NN_name.py``; its title is the track's
    (``neuron.curriculum.track``), or for a notebook the track does not
    know, the name with underscores as spaces: ``07_extra_notes.py``
    becomes ``"7. Extra notes"``.
    """
    folder = notebook_root() / "lessons"
    found = []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        match = _LESSON_NAME.match(path.stem)
        if match is None:
            continue
        number, name = int(match.group(1)), match.group(2).replace("_", " ")
        known = _TRACK.get(path.stem)
        title = known.title if known else name.capitalize()
        summary = known.summary if known else ""
        found.append((number, Page(path.stem, f"{number}. {title}", path, summary)))
    return [page for _, page in sorted(found, key=lambda item: item[0])]


def url_of(page: Page, kind: str) -> str:
    """Return the path the server mounts ``page`` at.

    Args:
        page: a workspace or a lesson.
        kind: ``"workspace"`` or ``"lesson"``.
    """
    if kind == "workspace":
        return f"/{page.slug}/"
    if kind == "lesson":
        return f"/lessons/{page.slug}/"
    raise ValueError(f"expected kind 'workspace' or 'lesson', got {kind!r}")


def shared_dir() -> Path | None:
    """The ``shared/`` folder beside a source checkout (public-domain corpora
    and papers), or None where there is none, as in an installed wheel."""
    folder = PACKAGE_DIR.parent.parent / "shared"
    return folder if folder.is_dir() else None


def corpora() -> Path | None:
    """Where the text corpora are: ``$NEURON_CORPORA`` when it is set (a
    folder of ``.txt`` files, or one file), else ``shared/corpora`` beside a
    source checkout; None when that place does not exist."""
    explicit = os.environ.get(CORPORA_ENV)
    if explicit:
        chosen = Path(explicit).expanduser()
        return chosen if chosen.exists() else None
    shared = shared_dir()
    folder = shared / "corpora" if shared is not None else None
    return folder if folder is not None and folder.is_dir() else None
