"""One ASGI app for the whole workbench.

Home is at ``/``, each workspace at ``/<name>/``, each lesson at
``/lessons/<name>/`` (all marimo apps in run mode), and a JSON API over the
store at ``/api/``. When a token is set, marimo asks for it on every page and
the API accepts it as ``Authorization: Bearer <token>`` or as the
``access_token`` query parameter.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from pathlib import Path

import marimo
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from neuron import paths
from neuron.server.api import build_api

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine only (127.0.0.0/8, ::1,
    localhost), so that binding to it needs no token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _RequireToken:
    """ASGI middleware that answers 401 unless the request carries the
    token as a bearer header or an ``access_token`` query parameter."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            response = JSONResponse(
                {
                    "error": "unauthorized",
                    "message": "this server needs its token: send "
                    "'Authorization: Bearer <token>' or ?access_token=<token>",
                },
                status_code=401,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers", []))
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        if bearer.startswith("Bearer ") and secrets.compare_digest(
            bearer[len("Bearer ") :], self.token
        ):
            return True
        query = scope.get("query_string", b"").decode("latin-1")
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "access_token" and secrets.compare_digest(value, self.token):
                return True
        return False


def build_app(*, token: str | None = None, db_path: Path | None = None) -> ASGIApp:
    """Build the workbench's ASGI app.

    Args:
        token: when given, every page and API call requires it. Required by
            the CLI whenever the server binds beyond loopback.
        db_path: the store the API reads and writes; the default store when
            None.

    Returns:
        An ASGI application to hand to uvicorn.
    """
    builder = marimo.create_asgi_app(quiet=True, include_code=True, token=token)
    pages = [(page, "workspace") for page in paths.workspaces()]
    pages += [(page, "lesson") for page in paths.lessons()]
    for page, kind in pages:
        builder = builder.with_app(
            path=paths.url_of(page, kind).rstrip("/"), root=str(page.path)
        )
    builder = builder.with_app(path="", root=str(paths.home_notebook()))
    notebooks = builder.build()

    api: ASGIApp = build_api(db_path)
    if token:
        api = _RequireToken(api, token)
    logger.debug("mounted %d notebooks besides home", len(pages))
    app = Starlette(routes=[Mount("/api", app=api), Mount("/", app=notebooks)])
    app.state.notebooks = notebooks
    return app


async def close_notebook_sessions(app: Starlette) -> int:
    """Close every open marimo session of ``app`` (a :func:`build_app`
    result) and return how many notebook apps were shut down.

    uvicorn waits for open connections before it shuts an app down, and a
    browser tab keeps a notebook's websocket open; closing the sessions
    first lets Ctrl-C end the server at once.
    """
    closed = 0
    for route in getattr(app.state.notebooks, "routes", []):
        manager = getattr(getattr(route, "app", None), "state", None)
        manager = getattr(manager, "session_manager", None)
        if manager is not None:
            await manager.shutdown()
            closed += 1
    return closed
