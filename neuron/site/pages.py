"""The HTML of the static site: the index, and each lesson's page finished
from the one marimo exported.

A lesson page keeps marimo's own rendering (live charts, math, tables) and
gains two things: its frontend from the site's ``assets/`` instead of a CDN,
and a plain copy of its outputs inside ``#root``. marimo's frontend replaces
that copy when it starts, which it does whenever the page is served over
HTTP. Opened from disk, where Chromium will not load the frontend's ES
modules, the copy is what the reader sees: prose, headings, tables and
images, with charts and math left to a served copy.
"""

from __future__ import annotations

import json
import re
from html import escape

import marimo

from neuron.curriculum.track import TRACK
from neuron.paths import Page
from neuron.site.assets import localize

# Shown above the plain copy; hidden when the page is served, since the
# frontend will replace the copy.
_PLAIN_NOTICE = (
    "This is a plain copy of the lesson's outputs: your browser does not run "
    "the interactive page from a file. Serve the folder (run "
    "<code>python -m http.server</code> in it) or publish it to see the "
    "charts and the math."
)
_PLAIN_HEAD = """
<style>
.neuron-static { max-width: 740px; margin: 2rem auto; padding: 0 1rem;
  font-family: system-ui, sans-serif; line-height: 1.5; }
.neuron-static .neuron-static-notice { background: #fff8e1; padding: 0.5rem 0.75rem;
  border-left: 3px solid #f0b400; font-size: 0.85rem; }
.neuron-static .neuron-static-chart { color: #666; font-style: italic; }
.neuron-static img { max-width: 100%; }
html.neuron-served .neuron-static { display: none; }
</style>
<script>
  if (location.protocol !== "file:") {
    document.documentElement.classList.add("neuron-served");
  }
</script>
"""
_MARIMO = escape(marimo.__version__)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
# marimo's markdown wraps math as ``||(x||)`` (inline) or ``||[x||]``
# (display) inside <marimo-tex>; the plain copy shows the TeX as code.
_TEX = re.compile(r"<marimo-tex[^>]*>\|\|[(\[](.*?)\|\|[)\]]</marimo-tex>", re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


def lesson_page(exported: str, session: dict, page: Page) -> str:
    """Finish the page ``marimo export html`` wrote for ``page``.

    Args:
        exported: the exported HTML.
        session: its session snapshot (``neuron.site.run.read_session``).
        page: the lesson, for the title.
    """
    html = localize(exported)
    html = _TITLE.sub(f"<title>{escape(page.title)} · neuron</title>", html, count=1)
    html = html.replace("</head>", f"{_PLAIN_HEAD}</head>", 1)
    plain = plain_outputs(session)
    return html.replace('<div id="root"></div>', f'<div id="root">{plain}</div>', 1)


def plain_outputs(session: dict) -> str:
    """The outputs of a session as static HTML, one block per output that
    has something to show; scripts are dropped."""
    blocks = [f'<p class="neuron-static-notice">{_PLAIN_NOTICE}</p>']
    for cell in session.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("type") == "data":
                blocks.extend(_render(output.get("data") or {}))
    return f'<div class="neuron-static">{"".join(blocks)}</div>'


def _render(data: dict) -> list[str]:
    # One output may carry several representations; the richest one that
    # static HTML can show wins.
    for mime, value in data.items():
        if not isinstance(value, str):
            value = json.dumps(value)
        if mime in ("text/html", "text/markdown"):
            plain = _TEX.sub(r'<code class="neuron-tex">\1</code>', value)
            return [f"<div>{_SCRIPT.sub('', plain)}</div>"]
        if mime.startswith("image/") and value.startswith("data:"):
            return [f'<p><img src="{escape(value)}" alt=""></p>']
        if "vegalite" in mime or "vega" in mime:
            return [
                '<p class="neuron-static-chart">(a chart: see it on a served copy)</p>'
            ]
        if mime == "text/plain" and value.strip():
            return [f"<pre>{escape(value)}</pre>"]
    return []


def index_page(pages: list[Page]) -> str:
    """The site's front page: the track in order, each lesson with its
    summary and a link; only ``pages`` (the lessons the site holds)."""
    weeks = {lesson.slug: lesson.week for lesson in TRACK}
    items = []
    for page in pages:
        week = weeks.get(page.slug)
        when = f' <span class="week">week {week}</span>' if week else ""
        summary = f"<p>{escape(page.summary)}</p>" if page.summary else ""
        items.append(
            f'<li><a href="{escape(page.slug)}.html" data-slug="{escape(page.slug)}">'
            f"{escape(page.title)}</a>{when}{summary}</li>"
        )
    listing = "".join(items) or "<li>No lesson has been exported yet.</li>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>neuron · lessons</title>
<link rel="icon" href="assets/favicon.ico">
<style>
body {{ max-width: 740px; margin: 2.5rem auto; padding: 0 1rem;
  font-family: system-ui, sans-serif; line-height: 1.5; color: #1c1c1c; }}
h1 {{ margin-bottom: 0.2rem; }}
.lede {{ color: #555; margin-top: 0; }}
ol {{ padding-left: 0; list-style: none; }}
li {{ padding: 0.6rem 0; border-bottom: 1px solid #e6e6e6; }}
li a {{ font-weight: 600; text-decoration: none; }}
li p {{ margin: 0.2rem 0 0; color: #444; }}
.week {{ color: #888; font-size: 0.8rem; margin-left: 0.5rem; }}
footer {{ margin-top: 2rem; color: #888; font-size: 0.8rem; }}
</style>
</head>
<body>
<h1>neuron</h1>
<p class="lede">A track of lessons on transformers, from vectors to
FlashAttention; each page shows the lesson as it ran.</p>
<ol class="track">{listing}</ol>
<footer>Written by <code>neuron export</code> with marimo {_MARIMO}.</footer>
</body>
</html>
"""
