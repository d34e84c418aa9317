"""The header every page shares: home, the five workspaces and the lessons,
the current page marked.

One component, imported by every notebook, so the pages cannot drift apart.
Where its links lead depends on how the page is being shown, which the
process says in ``$NEURON_LINKS``:

    server   under ``neuron`` (the server sets it): ``/``, ``/explorer/``,
             ``/lessons/05_attention/``
    site     in the static site ``neuron export`` writes: ``index.html``,
             ``05_attention.html``; workspaces, which need a live kernel, are
             left out
    (unset)  a notebook opened alone with ``marimo run`` or ``marimo edit``:
             the links point at a ``neuron`` server on its default address,
             and say so, since a lone notebook has no neighbours to link to
"""

from __future__ import annotations

import os
from html import escape

import marimo as mo

from neuron import paths

#: ``$NEURON_LINKS`` values; see the module docstring.
LINK_MODES = ("server", "site")
LINKS_ENV = "NEURON_LINKS"
#: Where a lone notebook's header sends the learner.
DEFAULT_SERVER = f"http://127.0.0.1:{paths.DEFAULT_PORT}"

_STYLE = """
<style>
.neuron-nav { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem;
  align-items: baseline; padding: 0.4rem 0 0.6rem;
  border-bottom: 1px solid var(--slate-6, #ddd); margin-bottom: 0.5rem;
  font-size: 0.9rem; }
.neuron-nav a { text-decoration: none; }
.neuron-nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
.neuron-nav .neuron-brand { font-weight: 700; margin-right: 0.5rem; }
.neuron-nav details { display: inline-block; }
.neuron-nav details ol { position: absolute; z-index: 10; margin: 0.2rem 0 0;
  padding: 0.5rem 0.5rem 0.5rem 2rem; background: var(--background, white);
  border: 1px solid var(--slate-6, #ddd); border-radius: 4px; }
.neuron-nav .neuron-alone { color: var(--slate-11, #666); font-size: 0.8rem; }
</style>
"""


def link_mode() -> str:
    """``"server"``, ``"site"`` or ``"alone"``, from ``$NEURON_LINKS``."""
    mode = os.environ.get(LINKS_ENV, "")
    return mode if mode in LINK_MODES else "alone"


def targets(mode: str | None = None) -> list[tuple[str, str, str]]:
    """The header's entries as ``(slug, title, href)``: home, the workspaces
    that exist, then the lessons that exist.

    Slugs are ``"home"``, a workspace's (``"explorer"``) or a lesson's
    (``"05_attention"``); ``mode`` defaults to ``link_mode()``.
    """
    mode = link_mode() if mode is None else mode
    base = DEFAULT_SERVER if mode == "alone" else ""
    entries = []
    if mode == "site":
        entries.append(("home", "Home", "index.html"))
    else:
        entries.append(("home", "Home", f"{base}/"))
        for page in paths.workspaces():
            entries.append(
                (page.slug, page.title, base + paths.url_of(page, "workspace"))
            )
    for page in paths.lessons():
        if mode == "site":
            href = f"{page.slug}.html"
        else:
            href = base + paths.url_of(page, "lesson")
        entries.append((page.slug, page.title, href))
    return entries


def header_html(current: str, mode: str | None = None) -> str:
    """The header as HTML; ``current`` is the slug of the page showing it."""
    mode = link_mode() if mode is None else mode
    workspace_slugs = {page.slug for page in paths.workspaces()} | {"home"}

    def anchor(slug: str, title: str, href: str) -> str:
        marked = ' aria-current="page"' if slug == current else ""
        return (
            f'<a href="{escape(href)}" data-slug="{escape(slug)}"{marked}>'
            f"{escape(title)}</a>"
        )

    entries = targets(mode)
    top = [anchor(*entry) for entry in entries if entry[0] in workspace_slugs]
    lessons = [
        f"<li>{anchor(*entry)}</li>"
        for entry in entries
        if entry[0] not in workspace_slugs
    ]
    parts = ['<span class="neuron-brand">neuron</span>', *top]
    if lessons:
        in_lesson = any(entry[0] == current for entry in entries[len(top) :])
        title = "Lessons" if not in_lesson else "<b>Lessons</b>"
        parts.append(
            f"<details><summary>{title}</summary><ol>{''.join(lessons)}</ol></details>"
        )
    if mode == "alone":
        parts.append(
            '<span class="neuron-alone">(opened alone: the links lead to '
            f"<code>neuron</code> at {DEFAULT_SERVER})</span>"
        )
    return f'{_STYLE}<nav class="neuron-nav" aria-label="neuron">{"".join(parts)}</nav>'


def header(current: str) -> mo.Html:
    """The header for a notebook's first cell: ``mo.output.replace(header(slug))``."""
    return mo.Html(header_html(current))


def href(slug: str, mode: str | None = None) -> str:
    """Where the header's entry ``slug`` leads; ``""`` when it has none here
    (a workspace in the static site, or a page that does not exist)."""
    for entry_slug, _title, target in targets(mode):
        if entry_slug == slug:
            return target
    return ""
