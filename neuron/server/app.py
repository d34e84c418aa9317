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
import re
import secrets
import socket
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


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host`` and ``port`` (0 picks a free one), for
    uvicorn to listen on.

    The socket is made with protocol ``IPPROTO_TCP``, not the default 0:
    asyncio turns Nagle's algorithm off only on connections whose socket
    says it is TCP. With Nagle on, each response written in two parts
    (headers, then body) waits for the browser's delayed ACK, ~40 ms, and
    the home page's 300 asset requests took 13 s instead of 0.5 s.

    Raises:
        OSError: the address cannot be bound (in use, not this machine's);
            the socket is closed.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    return sock


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
        # Starlette's pattern ends in "(?P<path>.*)$", and "." stops at a
        # newline: /api/notes/a%0Ab would fall through to the notebooks and
        # get a plain-text 404 instead of the API's JSON answer.
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)

    def matches(self, scope: Scope):
        match, child_scope = super().matches(scope)
        if match is Match.NONE:
            return match, child_scope
        first = scope["path"][len("/api") :].strip("/").split("/", 1)[0]
        if first not in self.segments:
            return Match.NONE, {}
        return match, child_scope


class _Notebooks:
    """Every notebook of the workbench as one ASGI app, each built on its
    first request.

    Building a notebook's marimo app parses the notebook (about 40 ms
    each); doing all seventeen before the server listens made a person
    wait for lessons they had not asked for. Home is built at once, since
    the browser asks for it first; a workspace or lesson is built when
    its path is first requested, and kept.

    Each notebook is served by marimo's own builder with its real mount
    path, so it sees the request exactly as it would mounted among the
    others: ``/canvas`` redirects to ``/canvas/``, ``/canvas/assets/...``
    are its files, and its login and page templates know their base URL.
    """

    def __init__(self, pages: list[tuple[str, Path]], home: Path, **options) -> None:
        # Longest prefix first, so that /lessons/x is never taken for /lessons.
        self._pages = sorted(pages, key=lambda page: -len(page[0]))
        self._options = options
        self._built: dict[str, ASGIApp] = {}
        self._home = home
        self._app_for("", home)

    def _app_for(self, prefix: str, root: Path) -> ASGIApp:
        app = self._built.get(prefix)
        if app is None:
            # Synchronous on purpose: no other request can start a second
            # build of the same notebook in between.
            builder = marimo.create_asgi_app(**self._options)
            app = builder.with_app(path=prefix, root=str(root)).build()
            self._built[prefix] = app
            logger.debug("built the notebook app at %r from %s", prefix, root)
        return app

    def _page_of(self, path: str) -> tuple[str, Path]:
        for prefix, root in self._pages:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, root
        return "", self._home

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        app = self._app_for(*self._page_of(path))
        await app(scope, receive, send)

    def session_managers(self) -> list:
        """The marimo session managers of the notebooks built so far."""
        managers = []
        for app in self._built.values():
            for route in getattr(app, "routes", []):
                state = getattr(getattr(route, "app", None), "state", None)
                manager = getattr(state, "session_manager", None)
                if manager is not None:
                    managers.append(manager)
        return managers


def api_mount(json_api: Starlette, *, token: str | None = None) -> Mount:
    """Mount ``json_api`` (a :func:`neuron.server.api.build_api` app) at
    ``/api`` as the server does: only for the API's own paths, and behind
    the token when one is given."""
    # The first path segment of every API route: "notes", "runs", ...
    segments = {route.path.strip("/").split("/", 1)[0] for route in json_api.routes}
    api: ASGIApp = json_api
    if token:
        api = _RequireToken(api, token)
    return _ApiMount(api, segments)


def build_app(*, token: str | None = None, db_path: Path | None = None) -> ASGIApp:
    """Build the workbench's ASGI app.

    Args:
        token: when given, every page and API call requires it. Required by
            the CLI whenever the server binds beyond loopback.
        db_path: the store the API reads and writes; the default store when
            None.

    Returns:
        An ASGI application to hand to uvicorn. Home's notebook is loaded
        here; each other notebook on its first request.

    Side effect: sets ``$NEURON_LINKS`` to ``"server"`` for this process (and
    the notebook kernels it starts), so the pages' shared header links to the
    server's own paths (``neuron.viz.nav``).
    """
    os.environ[nav.LINKS_ENV] = "server"
    pages = [(page, "workspace") for page in paths.workspaces()]
    pages += [(page, "lesson") for page in paths.lessons()]
    notebooks = _Notebooks(
        [(paths.url_of(page, kind).rstrip("/"), page.path) for page, kind in pages],
        paths.home_notebook(),
        quiet=True,
        include_code=True,
        token=token,
    )

    api = api_mount(build_api(db_path), token=token)
    logger.debug("serving %d notebooks besides home", len(pages))
    app = Starlette(routes=[api, Mount("/", app=_SharedAssets(notebooks))])
    app.state.notebooks = notebooks
    return app


async def close_notebook_sessions(app: Starlette) -> int:
    """Close every open marimo session of ``app`` (a :func:`build_app`
    result) and return how many notebook apps were shut down.

    uvicorn waits for open connections before it shuts an app down, and a
    browser tab keeps a notebook's websocket open; closing the sessions
    first lets Ctrl-C end the server at once.
    """
    managers = app.state.notebooks.session_managers()
    for manager in managers:
        await manager.shutdown()
    return len(managers)
