"""The JSON API over the store, mounted at ``/api``."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import neuron


def build_api(db_path: Path | None) -> Starlette:
    """Build the API app for the store at ``db_path`` (the default store
    when None)."""

    def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": neuron.__version__})

    return Starlette(routes=[Route("/health", health)])
