"""The ``neuron`` command.

``neuron`` alone starts the workbench server; the subcommands check the
installation (``doctor``), work with notes (``notes ...``), look at training
runs (``runs ...``), train a small GPT (``train``), measure the engine
(``bench ...``) and write the lessons as a static site (``export``). The
library below stays silent; this module is where neuron talks to a person.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from neuron import paths
from neuron.cli.console import db_path, fail, out
from neuron.errors import NeuronError


class _Group(typer.core.TyperGroup):
    """The root command: an error neuron raises on purpose becomes one line
    on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except NeuronError as exc:
            raise fail(str(exc)) from None


app = typer.Typer(
    cls=_Group,
    name="neuron",
    help="A local research workbench for understanding transformers.",
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
DEFAULT_PORT = paths.DEFAULT_PORT

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="NEURON_DB",
        help="The store file (default: $NEURON_HOME/neuron.db, else the "
        "user data directory).",
        dir_okay=False,
    ),
]


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context, db: DbOption = None) -> None:
    """With no command, start the workbench (the same as `neuron serve`)."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve, ctx=ctx)


class _Server(uvicorn.Server):
    """uvicorn's server, announcing its address once it listens."""

    url = ""

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            out.print(f"neuron is running at {self.url}")
            out.print("Press Ctrl-C to stop.")

    async def shutdown(self, sockets=None) -> None:
        from neuron.server import close_notebook_sessions

        await close_notebook_sessions(self.config.app)
        await super().shutdown(sockets=sockets)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to bind; beyond loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = (
        DEFAULT_PORT
    ),
    token: Annotated[
        str | None,
        typer.Option(envvar="NEURON_TOKEN", help="Require this token on every page."),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the home page.")
    ] = True,
) -> None:
    """Start the workbench server: home, workspaces, lessons and the API."""
    from neuron.server import build_app, is_loopback, listening_socket

    if not is_loopback(host) and not token:
        raise fail(
            f"binding to {host} would expose the workbench beyond this machine; "
            "pass --token SECRET (or set NEURON_TOKEN), or bind to 127.0.0.1"
        )
    if not 0 <= port <= 65535:
        raise fail(f"expected a port from 0 to 65535, got {port}")

    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise fail(
                f"port {port} on {host} is in use; pick another with --port"
            ) from None
        raise fail(f"cannot bind to {host}:{port}: {exc.strerror}") from None
    bound_port = sock.getsockname()[1]

    db = db_path(ctx)
    if db is not None:
        # The notebooks the server runs open the store through this too.
        os.environ["NEURON_DB"] = str(db)
    server = _Server(
        uvicorn.Config(
            build_app(token=token, db_path=db),
            log_level="warning",
            lifespan="on",
            # A last resort: should a connection still hang on after the
            # notebook sessions are closed, stop waiting for it.
            timeout_graceful_shutdown=5,
        )
    )
    shown_host = f"[{host}]" if sock.family == socket.AF_INET6 else host
    server.url = f"http://{shown_host}:{bound_port}/"
    if token:
        server.url += f"?access_token={token}"
    if open_browser:
        webbrowser.open(server.url)
    # uvicorn shuts down gracefully on Ctrl-C, then raises the signal again
    # for its caller; the shutdown is done by then, so it ends here.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    out.print("neuron stopped.")


from neuron.cli.bench import bench  # noqa: E402
from neuron.cli.data import data  # noqa: E402
from neuron.cli.doctor import doctor  # noqa: E402
from neuron.cli.export import export  # noqa: E402
from neuron.cli.notes import notes  # noqa: E402
from neuron.cli.runs import runs  # noqa: E402
from neuron.cli.train import train  # noqa: E402

app.command()(doctor)
app.add_typer(notes, name="notes")
app.add_typer(runs, name="runs")
app.command()(train)
app.add_typer(bench, name="bench")
app.add_typer(data, name="data")
app.command()(export)


def main() -> None:
    """Entry point of the ``neuron`` console script."""
    app()
