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
import os
import secrets
from pathlib import Path

import marimo
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from neuron import paths
from neuron.server.api import build_api
from neuron.viz import nav

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


class _SharedAssets:
    """ASGI middleware that lets every notebook page share one copy of
    marimo's frontend in the browser's cache.

    marimo serves the same static files under every mounted app
    (``/explorer/assets/...``, ``/canvas/assets/...``) and its pages name
    them relative to themselves, so a browser fetches and parses all ~250
    files again for each workspace it opens. This rewrites the pages to
    name ``/assets/...`` (served by the home app mounted at ``/``), and
    marks files under any ``assets/`` folder as cacheable for a year:
    their names carry a hash of their content, so a new marimo brings new
    names.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if "/assets/" in path:
            await self.app(scope, receive, _with_cache_header(send))
            return
        await self.app(scope, receive, _rewriting_pages(send))


_ONE_YEAR = b"public, max-age=31536000, immutable"


def _with_cache_header(send: Send) -> Send:
    async def sending(message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = [
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() != b"cache-control"
            ]
            message = {**message, "headers": [*headers, (b"cache-control", _ONE_YEAR)]}
        await send(message)

    return sending


def _rewriting_pages(send: Send) -> Send:
    """Buffer an HTML response and point its ``./assets/`` at ``/assets/``;
    pass anything else through untouched."""
    start = None
    chunks: list[bytes] = []

    async def sending(message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                start = message
                return
            await send(message)
            return
        if start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks).replace(b'"./assets/', b'"/assets/')
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() != b"content-length"
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending


class _ApiMount(Mount):
    """``/api`` for neuron's JSON API, but only for the paths it serves.

    The home notebook is mounted at ``/``, and marimo's frontend talks to
    its kernel under ``/api/kernel/...`` (and other ``/api/...`` paths) of
    the app it was served from: for home, the same ``/api`` prefix. A plain
    mount would send those to the JSON API, and every click on the home
    page would end in a 404. This one matches only paths whose first
    segment is one of the API's own (``notes``, ``runs``, ...), and leaves
    the rest to the notebooks.
    """

    def __init__(self, app: ASGIApp, segments: set[str]) -> None:
        super().__init__("/api", app=app)
        self.segments = segments

    def matches(self, scope: Scope):
        match, child_scope = super().matches(scope)
        if match is Match.NONE:
            return match, child_scope
        first = scope["path"][len("/api") :].strip("/").split("/", 1)[0]
        if first not in self.segments:
            return Match.NONE, {}
        return match, child_scope


def build_app(*, token: str | None = None, db_path: Path | None = None) -> ASGIApp:
    """Build the workbench's ASGI app.

    Args:
        token: when given, every page and API call requires it. Required by
            the CLI whenever the server binds beyond loopback.
        db_path: the store the API reads and writes; the default store when
            None.

    Returns:
        An ASGI application to hand to uvicorn.

    Side effect: sets ``$NEURON_LINKS`` to ``"server"`` for this process (and
    the notebook kernels it starts), so the pages' shared header links to the
    server's own paths (``neuron.viz.nav``).
    """
    os.environ[nav.LINKS_ENV] = "server"
    builder = marimo.create_asgi_app(quiet=True, include_code=True, token=token)
    pages = [(page, "workspace") for page in paths.workspaces()]
    pages += [(page, "lesson") for page in paths.lessons()]
    for page, kind in pages:
        builder = builder.with_app(
            path=paths.url_of(page, kind).rstrip("/"), root=str(page.path)
        )
    builder = builder.with_app(path="", root=str(paths.home_notebook()))
    notebooks = builder.build()

    json_api = build_api(db_path)
    # The first path segment of every API route: "notes", "runs", ...
    segments = {route.path.strip("/").split("/", 1)[0] for route in json_api.routes}
    api: ASGIApp = json_api
    if token:
        api = _RequireToken(api, token)
    logger.debug("mounted %d notebooks besides home", len(pages))
    app = Starlette(
        routes=[_ApiMount(api, segments), Mount("/", app=_SharedAssets(notebooks))]
    )
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
