"""marimo's frontend, bundled beside the pages so the site needs no network.

A page that ``marimo export html`` writes is a small HTML file whose
scripts, stylesheets and fonts load from a CDN
(``https://cdn.jsdelivr.net/npm/@marimo-team/frontend@<version>/dist/``).
The marimo wheel ships the same build under ``marimo/_static``: the entry
page, icons, and ``assets/`` with every code-split chunk, stylesheet and font
(KaTeX's and Vega's included; about 28 MB). The chunks load each other
relative to their own URL, so copying ``assets/`` once into the site and
pointing each page at it makes the pages load nothing from elsewhere.

What still reaches outside when a page asks for it: map tiles and map icons
for geographic charts, MathJax for LaTeX inside Plotly figures, and the
Pyodide runtime of WebAssembly notebooks. The lessons use none of them.

Browsers load ES modules only over HTTP(S): Chromium refuses them from
``file://`` (a page opened from disk has an opaque origin, and module
scripts are fetched with CORS). The pages therefore carry a plain copy of
their outputs for that case (``neuron.site.pages``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import marimo

#: Where the site keeps the frontend, relative to its pages.
ASSETS_DIR = "assets"

# The prefix ``marimo export html`` gives every frontend file; the version
# part varies with marimo's.
_CDN_PREFIX = re.compile(
    r"https://cdn\.jsdelivr\.net/npm/@marimo-team/frontend@[^/\"']+/dist/"
)
# A reference the rewritten page makes into the bundle.
_LOCAL_REFERENCE = re.compile(rf"""(?:href|src)=["']{ASSETS_DIR}/([^"'?#]+)""")


def frontend_dir() -> Path | None:
    """The frontend build inside the installed marimo, or None when this
    marimo was installed without it."""
    static = Path(marimo.__file__).resolve().parent / "_static"
    return static if (static / "assets").is_dir() else None


def bundle_frontend(site: Path) -> Path:
    """Copy marimo's frontend into ``site/assets/``.

    The files of ``_static/assets/`` and the icons beside its entry page land
    in one folder; the entry page itself is not needed.

    Returns:
        The folder written.

    Raises:
        FileNotFoundError: marimo's frontend is not installed.
    """
    source = frontend_dir()
    if source is None:
        raise FileNotFoundError(
            "marimo's frontend build (marimo/_static) is not installed; "
            "reinstall marimo from its wheel"
        )
    target = site / ASSETS_DIR
    shutil.copytree(source / "assets", target, dirs_exist_ok=True)
    for icon in source.iterdir():
        if icon.is_file() and icon.suffix in (".ico", ".png", ".svg", ".json"):
            shutil.copy2(icon, target / icon.name)
    return target


def localize(page: str) -> str:
    """Point a page exported by marimo at the bundled frontend.

    ``<cdn>/dist/assets/x.js`` and ``<cdn>/dist/favicon.ico`` both become
    ``assets/<name>``, relative to the page. Only the CDN's URLs change, so
    the lesson's own outputs are left as they are.
    """
    local = f"{ASSETS_DIR}/"
    page = re.sub(_CDN_PREFIX.pattern + "assets/", local, page)
    return _CDN_PREFIX.sub(local, page)


def missing_assets(page: str, site: Path) -> list[str]:
    """The bundle files ``page`` refers to that ``site/assets/`` lacks, and
    any reference to the CDN left in it; empty when the page is whole."""
    missing = [
        name
        for name in sorted(set(_LOCAL_REFERENCE.findall(page)))
        if not (site / ASSETS_DIR / name).is_file()
    ]
    missing += sorted(set(_CDN_PREFIX.findall(page)))
    return missing
