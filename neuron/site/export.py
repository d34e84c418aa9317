"""Write the static site: every lesson run, its page, an index, the frontend.

The site is built in a staging folder beside the target and moved into place
only when every lesson ran without a cell error, so a failed export leaves
the previous site (or nothing) rather than a broken one. Exporting some
lessons (``slugs``) into an existing site replaces just their pages and
refreshes the index and the bundled frontend.

Lessons run in parallel, one process each, as many at once as there are
CPUs: a lesson spends most of its time in its own kernel, so two cores
finish two lessons in the time of one.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from neuron import paths
from neuron.errors import SiteError
from neuron.paths import Page
from neuron.site.assets import ASSETS_DIR, bundle_frontend, missing_assets
from neuron.site.pages import index_page, lesson_page
from neuron.site.run import LessonRun, read_session, run_lesson

log = logging.getLogger(__name__)

#: A file every site carries, so that a later export knows the folder is
#: one it may replace.
MARKER = ".neuron-site"


@dataclass(frozen=True)
class Site:
    """A site written.

    Attributes:
        folder: where it is.
        runs: the lessons run this time, in track order.
        pages: every lesson page the site now holds, in track order.
    """

    folder: Path
    runs: list[LessonRun]
    pages: list[Page]


def select_lessons(slugs: list[str] | None = None) -> list[Page]:
    """The lessons on disk named by ``slugs`` (all of them when None or
    empty), in track order.

    Raises:
        SiteError: a slug names no lesson on disk; the message lists those
            there are.
    """
    found = paths.lessons()
    if not slugs:
        return found
    known = {page.slug for page in found}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        there = ", ".join(sorted(known)) or "none"
        raise SiteError(
            f"expected lesson slugs from {paths.notebook_root() / 'lessons'} "
            f"({there}); got unknown {', '.join(unknown)}"
        )
    return [page for page in found if page.slug in set(slugs)]


def export_site(
    folder: Path,
    slugs: list[str] | None = None,
    *,
    include_code: bool = False,
    jobs: int | None = None,
    timeout: float = 900,
    on_lesson: Callable[[LessonRun], None] | None = None,
) -> Site:
    """Run the lessons headless and write the site into ``folder``.

    Args:
        folder: the site's folder; made if missing. An existing one must be
            empty or a site an earlier export wrote.
        slugs: the lessons to export (default: all on disk). With some named,
            an existing site keeps its other pages.
        include_code: show each cell's code on the pages.
        jobs: lessons run at once (default: the CPU count).
        timeout: seconds one lesson may run.
        on_lesson: called with each lesson's run as it finishes.

    Side effects: starts one process per lesson; writes ``folder``.

    Raises:
        SiteError: a lesson raised in a cell (the message names each lesson,
            cell and error), a slug is unknown, or ``folder`` holds files
            that are not a site's. Nothing in ``folder`` changes then.
    """
    folder = folder.resolve()
    lessons = select_lessons(slugs)
    _check_target(folder)
    partial = bool(slugs) and (folder / MARKER).is_file()

    runs = _run_all(
        lessons, include_code, jobs or os.cpu_count() or 1, timeout, on_lesson
    )
    failures = [run.failure() for run in runs if not run.ok]
    if failures:
        raise SiteError(
            "the site was not written, since these lessons failed:\n"
            + "\n".join(failures)
        )

    # The index lists the lessons the site will hold: those run now, and
    # with some named, those an earlier export left.
    written = {run.page.slug for run in runs}
    held = [
        page
        for page in paths.lessons()
        if page.slug in written
        or (partial and (folder / f"{page.slug}.html").is_file())
    ]

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        _write(staging, runs)
        (staging / "index.html").write_text(index_page(held), encoding="utf-8")
        if partial:
            _merge(staging, folder, runs)
        else:
            _replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Site(folder, runs, held)


def _check_target(folder: Path) -> None:
    # The whole folder is replaced on a full export, so it must be ours.
    if folder.exists() and not folder.is_dir():
        raise SiteError(f"expected a folder for the site, got the file {folder}")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise SiteError(
            f"{folder} holds files that no neuron export wrote; pick an empty "
            "or new folder with --out"
        )


def _run_all(
    lessons: list[Page],
    include_code: bool,
    jobs: int,
    timeout: float,
    on_lesson: Callable[[LessonRun], None] | None,
) -> list[LessonRun]:
    order = {page.slug: index for index, page in enumerate(lessons)}
    runs: list[LessonRun] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(run_lesson, page, include_code=include_code, timeout=timeout)
            for page in lessons
        ]
        for future in as_completed(futures):
            run = future.result()
            log.info("ran %s in %.1f s", run.page.slug, run.seconds)
            if on_lesson is not None:
                on_lesson(run)
            runs.append(run)
    return sorted(runs, key=lambda run: order[run.page.slug])


def _write(staging: Path, runs: list[LessonRun]) -> None:
    bundle_frontend(staging)
    (staging / MARKER).write_text("written by neuron export\n", encoding="utf-8")
    for run in runs:
        html = lesson_page(run.html, read_session(run.html), run.page)
        missing = missing_assets(html, staging)
        if missing:
            raise SiteError(
                f"the page of {run.page.slug} refers to frontend files the "
                f"bundle lacks ({', '.join(missing[:5])}); this marimo writes "
                "pages neuron does not know how to bundle"
            )
        (staging / f"{run.page.slug}.html").write_text(html, encoding="utf-8")


def _replace(staging: Path, folder: Path) -> None:
    # Two renames on one file system: the old site is whole until the new
    # one takes its name.
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
        os.replace(folder, old / folder.name)
    os.replace(staging, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _merge(staging: Path, folder: Path, runs: list[LessonRun]) -> None:
    assets = folder / ASSETS_DIR
    retired = staging / f"{ASSETS_DIR}-old"
    if assets.exists():
        os.replace(assets, retired)
    os.replace(staging / ASSETS_DIR, assets)
    for name in [f"{run.page.slug}.html" for run in runs] + ["index.html"]:
        os.replace(staging / name, folder / name)
