"""The JSON API over the store, mounted at ``/api``.

    GET  /api/health                 version and schema
    GET  /api/notes?tag=&limit=      notes, most recently updated first
    POST /api/notes                  {"title", "body", "tags", "source"} -> note
    GET  /api/notes/{id}             a note with its links and backlinks
    GET  /api/search?q=&limit=       notes and document passages, with snippets
    GET  /api/documents?limit=       imported documents, newest first
    GET  /api/documents/{id}         a document with its passages and citing notes
    GET  /api/objects                workspace objects, without their data
    GET  /api/objects/{name}         one object with its data as nested lists
    GET  /api/runs?status=           training runs, newest first
    GET  /api/runs/{id}?metric=      a run with its metrics, checkpoints and samples
    GET  /api/cards?due=true&limit=  recall cards (only those due now, longest
                                     overdue first, with due=true)
    POST /api/cards/{id}/review      {"rating": 1-4} -> the card, rescheduled

Metric values are JSON numbers, except NaN and infinities, which JSON lacks:
those come as the strings ``"nan"``, ``"inf"`` and ``"-inf"``.

Errors answer with ``{"error": kind, "message": text}``: 404 for an unknown
id or name, 400 for bad input, each message saying what was expected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import neuron
from neuron.errors import NeuronError, NotFoundError
from neuron.server.openapi import openapi
from neuron.store import SCHEMA_VERSION, Source, Store, json_number


def _error(kind: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": kind, "message": message}, status_code=status)


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise _BadRequest(f"expected {name} to be a positive integer, got {raw!r}")
    return int(raw)


class _BadRequest(Exception):
    pass


async def _json_object(
    request: Request, fields: tuple[str, ...]
) -> dict | JSONResponse:
    """The request's body as a JSON object with only ``fields``, or the 400
    response saying what is wrong with it."""
    try:
        payload = await request.json()
    except ValueError:
        return _error("bad_json", "expected a JSON object in the body", 400)
    if not isinstance(payload, dict):
        return _error(
            "bad_json", f"expected a JSON object, got {type(payload).__name__}", 400
        )
    unknown = set(payload) - set(fields)
    if unknown:
        return _error(
            "bad_json",
            f"expected fields {', '.join(fields)}; got unknown {sorted(unknown)}",
            400,
        )
    return payload


def build_api(db_path: Path | None) -> Starlette:
    """Build the API app for the store at ``db_path`` (the default store
    when None). Each request opens the store, so several servers and the
    CLI can share one file."""

    def endpoint(handler: Callable[[Store, Request], Any]) -> Callable:
        # Starlette runs plain functions in a thread pool, so SQLite's
        # waiting on a busy file never blocks the event loop.
        def run(request: Request) -> JSONResponse:
            try:
                with Store.open(db_path) as store:
                    return JSONResponse(handler(store, request))
            except NotFoundError as exc:
                return _error("not_found", str(exc), 404)
            except (_BadRequest, NeuronError, ValueError) as exc:
                return _error(type(exc).__name__, str(exc), 400)

        return run

    def health(store: Store, request: Request) -> dict:
        return {
            "status": "ok",
            "version": neuron.__version__,
            "schema_version": store.schema_version,
            "supported_schema_version": SCHEMA_VERSION,
        }

    def list_notes(store: Store, request: Request) -> list:
        found = store.list_notes(
            tag=request.query_params.get("tag"), limit=_int(request, "limit", 100)
        )
        return [dataclasses.asdict(note) for note in found]

    def show_note(store: Store, request: Request) -> dict:
        note = store.find(request.path_params["note"])
        record = dataclasses.asdict(note)
        record["links"] = [dataclasses.asdict(x) for x in store.links(note.id)]
        record["backlinks"] = [dataclasses.asdict(x) for x in store.backlinks(note.id)]
        # What it refers to beyond notes: lessons, equations, runs, documents.
        record["refs"] = [dataclasses.asdict(x) for x in store.refs(note.id)]
        return record

    def search(store: Store, request: Request) -> list:
        # Each hit has a kind, "note" or "passage"; a note hit has note_id,
        # a passage hit document_id and anchor.
        query = request.query_params.get("q", "")
        hits = store.search_all(query, limit=_int(request, "limit", 20))
        return [dataclasses.asdict(hit) for hit in hits]

    def list_documents(store: Store, request: Request) -> list:
        found = store.list_documents(limit=_int(request, "limit", 100))
        return [dataclasses.asdict(document) for document in found]

    def show_document(store: Store, request: Request) -> dict:
        raw = request.path_params["document"]
        if not (raw.isascii() and raw.isdigit()):
            raise _BadRequest(f"expected a document id (digits), got {raw!r}")
        document = store.get_document(int(raw))
        record = dataclasses.asdict(document)
        record["passages"] = [
            dataclasses.asdict(p) for p in store.passages(document.id)
        ]
        record["notes"] = [
            dataclasses.asdict(note) for note in store.document_notes(document.id)
        ]
        return record

    def list_objects(store: Store, request: Request) -> list:
        return [dataclasses.asdict(info) for info in store.list_objects()]

    def show_object(store: Store, request: Request) -> dict:
        found = store.get_object(request.path_params["name"])
        return {
            "name": found.name,
            "dtype": found.array.dtype.str,
            "shape": list(found.array.shape),
            "version": found.version,
            "updated": found.updated,
            "data": found.array.tolist(),
        }

    def list_runs(store: Store, request: Request) -> list:
        found = store.list_runs(status=request.query_params.get("status"))
        return [dataclasses.asdict(run) for run in found]

    def show_run(store: Store, request: Request) -> dict:
        raw = request.path_params["run"]
        if not (raw.isascii() and raw.isdigit()):
            raise _BadRequest(f"expected a run id (digits), got {raw!r}")
        run = store.get_run(int(raw))
        values = store.metrics(run.id, request.query_params.get("metric"))
        record = dataclasses.asdict(run)
        record["metrics"] = [
            {"step": step, "name": name, "value": json_number(value)}
            for step, name, value in values
        ]
        record["checkpoints"] = store.checkpoints(run.id)
        record["samples"] = store.samples(run.id)
        return record

    def list_cards(store: Store, request: Request) -> list:
        due = request.query_params.get("due", "false")
        if due not in ("true", "false"):
            raise _BadRequest(f"expected due to be true or false, got {due!r}")
        limit = _int(request, "limit", 100)
        if due == "true":
            found = store.due_cards(limit=limit)
        else:
            found = store.list_cards(limit=limit)
        return [dataclasses.asdict(card) for card in found]

    async def review_card(request: Request) -> JSONResponse:
        payload = await _json_object(request, ("rating",))
        if isinstance(payload, JSONResponse):
            return payload

        def review(store: Store, _: Request) -> dict:
            raw = request.path_params["card"]
            if not (raw.isascii() and raw.isdigit()):
                raise _BadRequest(f"expected a card id (digits), got {raw!r}")
            if "rating" not in payload:
                raise _BadRequest(
                    "expected a rating: 1 Again, 2 Hard, 3 Good or 4 Easy"
                )
            card = store.review(int(raw), payload["rating"])
            return dataclasses.asdict(card)

        return await run_in_threadpool(endpoint(review), request)

    async def create_note(request: Request) -> JSONResponse:
        payload = await _json_object(request, ("title", "body", "tags", "source"))
        if isinstance(payload, JSONResponse):
            return payload

        def create(store: Store, _: Request) -> dict:
            source = payload.get("source")
            if source is not None:
                if not isinstance(source, dict):
                    raise _BadRequest(
                        "expected source to be an object with kind, ref, anchor"
                    )
                try:
                    source = Source(**source)
                except TypeError:
                    raise _BadRequest(
                        "expected source fields kind, ref, anchor; "
                        f"got {sorted(source)}"
                    ) from None
            note = store.create(
                payload.get("title", ""),
                payload.get("body", ""),
                source=source,
                tags=payload.get("tags") or [],
            )
            return dataclasses.asdict(note)

        response = await run_in_threadpool(endpoint(create), request)
        if response.status_code == 200:
            response.status_code = 201
        return response

    async def notes(request: Request) -> JSONResponse:
        # One route for both methods, so that a 405 names them both.
        if request.method == "POST":
            return await create_note(request)
        return await run_in_threadpool(endpoint(list_notes), request)

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # No route for the path, or not for the method: JSON like every
        # other answer of the API, keeping the Allow header of a 405.
        return JSONResponse(
            {"error": "not_found" if exc.status_code == 404 else "bad_method",
             "message": f"{exc.detail}: {request.method} {request.url.path}"},
            status_code=exc.status_code,
            headers=exc.headers,
        )  # fmt: skip

    return Starlette(
        exception_handlers={404: http_error, 405: http_error},
        routes=[
            Route("/health", endpoint(health)),
            Route("/openapi.json", lambda request: JSONResponse(openapi())),
            Route("/notes", notes, methods=["GET", "POST"]),
            Route("/notes/{note}", endpoint(show_note)),
            Route("/search", endpoint(search)),
            Route("/documents", endpoint(list_documents)),
            Route("/documents/{document}", endpoint(show_document)),
            Route("/objects", endpoint(list_objects)),
            Route("/objects/{name}", endpoint(show_object)),
            Route("/runs", endpoint(list_runs)),
            Route("/runs/{run}", endpoint(show_run)),
            Route("/cards", endpoint(list_cards)),
            Route("/cards/{card}/review", review_card, methods=["POST"]),
        ],
    )
