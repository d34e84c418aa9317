"""``neuron export``: the lessons as a static site, ready to publish.

    neuron export --out site
    neuron export --out site --lesson 05_attention --include-code

Every lesson runs headless against an empty, temporary store; one line per
lesson says how long it took. The site is written only when no cell raised.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from neuron.cli.console import err, out

__all__ = ["export"]


def export(
    folder: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The site's folder; an existing one must be empty or a site "
            "neuron wrote.",
            file_okay=False,
        ),
    ] = Path("site"),
    lessons: Annotated[
        list[str] | None,
        typer.Option(
            "--lesson",
            metavar="SLUG",
            help="Export only this lesson (a slug such as 05_attention); "
            "repeat for more. An existing site keeps its other pages.",
        ),
    ] = None,
    include_code: Annotated[
        bool,
        typer.Option("--include-code/--no-include-code", help="Show cells' code."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Lessons run at once (default: the CPU count).", min=1
        ),
    ] = None,
) -> None:
    """Run the lessons and write them as a static site: index.html, one page
    per lesson with its outputs, and the frontend in assets/."""
    from neuron.site import export_site, select_lessons

    chosen = select_lessons(lessons)
    if not chosen:
        err.print("no lesson notebooks found; nothing to export")
        raise typer.Exit(1)
    width = max(len(page.slug) for page in chosen)
    out.print(f"running {len(chosen)} lessons headless...")

    def show(run) -> None:
        status = "ok" if run.ok else "FAILED"
        out.print(f"  {run.page.slug:<{width}}  {run.seconds:6.1f} s  {status}")

    started = time.perf_counter()
    site = export_site(
        folder, lessons, include_code=include_code, jobs=jobs, on_lesson=show
    )
    seconds = time.perf_counter() - started
    out.print(
        f"wrote {len(site.pages)} lesson pages and index.html to {site.folder} "
        f"in {seconds:.1f} s"
    )
    out.print(f"serve it with: python -m http.server -d {site.folder}")
