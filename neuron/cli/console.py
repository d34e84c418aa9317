"""The two consoles the CLI writes to, and its one way of failing."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

# Markup off: note titles and bodies are shown as written, brackets included.
out = Console(highlight=False, markup=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise."""
    err.print(Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code)


def db_path(ctx: typer.Context):
    """The ``--db`` given to ``neuron``, or None for the default store."""
    root = ctx.find_root()
    return (root.obj or {}).get("db")
