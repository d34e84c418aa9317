"""The static site ``neuron export`` writes: an index and one page per
lesson with the outputs it computed, plus marimo's frontend bundled beside
them, ready to publish on any static host.

    assets   marimo's frontend copied from the installed wheel; pages
             rewritten to load it relatively
    run      one lesson run headless in its own process; its cell errors
    pages    the index, and each lesson page finished from marimo's export
    export   the whole site: lessons in parallel, written all or nothing
"""

from neuron.site.export import Site, export_site, select_lessons
from neuron.site.run import LessonRun, read_session, run_lesson

__all__ = [
    "LessonRun",
    "Site",
    "export_site",
    "read_session",
    "run_lesson",
    "select_lessons",
]
