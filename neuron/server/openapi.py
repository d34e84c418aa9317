"""The OpenAPI 3 description of neuron's JSON API, served at
``/api/openapi.json``.

Written by hand next to the routes in ``neuron.server.api``, so that it
states what each endpoint promises: its parameters, its status codes, and
the shape of its answers. The tests fuzz the API from this description
(schemathesis) and check every answer against it.
"""

from __future__ import annotations

from typing import Any

import neuron
from neuron.store import RUN_STATUSES, SOURCE_KINDS

__all__ = ["openapi"]

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
_OBJECT = {"type": "object"}
_LIST = {"type": "array", "items": {"type": "object"}}
_ID = {
    "type": "string",
    "pattern": "^[0-9]{1,9}$",
    "description": "a numeric id, as digits",
}
_TAG = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_./:+-]{0,40}$"}
# Every character the store counts as a line break (str.splitlines's), none
# of which a title, ref or anchor may hold.
_ONE_LINE = "[^\\n\\r\\x0b\\x0c\\x1c\\x1d\\x1e\\x85\\u2028\\u2029]*$"
# What POST /api/notes accepts. A title or ref must start with a letter or
# digit (the store refuses blank ones) and stay on one line; a source names
# what the note is on.
_NEW_NOTE = {
    "type": "object",
    "required": ["title"],
    "additionalProperties": False,
    "properties": {
        "title": {
            "type": "string",
            "pattern": "^[A-Za-z0-9]" + _ONE_LINE,
            "maxLength": 200,
        },
        "body": {"type": "string", "maxLength": 2000},
        "tags": {"type": "array", "maxItems": 5, "items": _TAG},
        "source": {
            "type": "object",
            "required": ["kind", "ref"],
            "additionalProperties": False,
            "properties": {
                "kind": {
                    "type": "string",
                    "enum": [kind for kind in SOURCE_KINDS if kind != "none"],
                },
                "ref": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9]" + _ONE_LINE,
                    "maxLength": 100,
                },
                "anchor": {
                    "type": "string",
                    "pattern": "^" + _ONE_LINE,
                    "maxLength": 50,
                },
            },
        },
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _answers(ok: dict, *errors: int, ok_status: str = "200") -> dict:
    described = {
        ok_status: {"description": "the answer", "content": _json(ok)},
    }
    reasons = {400: "the request is not valid", 404: "no such record"}
    for status in errors:
        described[str(status)] = {
            "description": reasons[status],
            "content": _json(_ERROR),
        }
    return described


def _limit(default: int) -> dict:
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {
            "type": "string",
            "pattern": "^[1-9][0-9]{0,5}$",
            "default": str(default),
        },
        "description": "at most this many, a positive integer",
    }


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def openapi() -> dict[str, Any]:
    """The API's OpenAPI 3.0 document, as a JSON-ready dict."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "neuron",
            "version": neuron.__version__,
            "description": "The store of a neuron workbench: notes, papers, "
            "search, workspace objects, training runs and recall cards.",
        },
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "the server and its store",
                    "responses": _answers(_OBJECT),
                }
            },
            "/api/notes": {
                "get": {
                    "summary": "notes, newest first",
                    "parameters": [
                        {
                            "name": "tag",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "pattern": "^[A-Za-z0-9][A-Za-z0-9_./:+-]{0,40}$",
                            },
                        },
                        _limit(100),
                    ],
                    "responses": _answers(_LIST, 400),
                },
                "post": {
                    "summary": "create a note",
                    "requestBody": {
                        "required": True,
                        "content": _json(_NEW_NOTE),
                    },
                    "responses": _answers(_OBJECT, 400, ok_status="201"),
                },
            },
            "/api/notes/{note}": {
                "get": {
                    "summary": "one note, by id or uid, with its links, backlinks and "
                    "references to lessons, equations, runs and documents",
                    "parameters": [
                        _path(
                            "note",
                            {
                                "type": "string",
                                "pattern": "^([0-9]{1,9}|[0-9a-f]{4}[0-9a-f-]{0,32})$",
                                "description": "an id, or 4+ characters of a uid",
                            },
                        )
                    ],
                    "responses": _answers(_OBJECT, 400, 404),
                }
            },
            "/api/search": {
                "get": {
                    "summary": "full-text search over notes and papers",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "pattern": "^[a-z0-9]{1,20}( [a-z0-9]{1,20}){0,3}$",
                                "description": "words to find (FTS5 syntax is "
                                "accepted too; a malformed query is a 400)",
                            },
                        },
                        _limit(20),
                    ],
                    "responses": _answers(_LIST, 400),
                }
            },
            "/api/documents": {
                "get": {
                    "summary": "imported papers, newest first",
                    "parameters": [_limit(100)],
                    "responses": _answers(_LIST, 400),
                }
            },
            "/api/documents/{document}": {
                "get": {
                    "summary": "one paper with its passages and the notes citing it",
                    "parameters": [_path("document", _ID)],
                    "responses": _answers(_OBJECT, 400, 404),
                }
            },
            "/api/objects": {
                "get": {"summary": "workspace objects", "responses": _answers(_LIST)}
            },
            "/api/objects/{name}": {
                "get": {
                    "summary": "one workspace object with its data",
                    "parameters": [
                        _path(
                            "name",
                            {
                                "type": "string",
                                "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,127}$",
                            },
                        )
                    ],
                    "responses": _answers(_OBJECT, 400, 404),
                }
            },
            "/api/runs": {
                "get": {
                    "summary": "training runs, newest first",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(RUN_STATUSES)},
                        }
                    ],
                    "responses": _answers(_LIST, 400),
                }
            },
            "/api/runs/{run}": {
                "get": {
                    "summary": "one run with its metrics, checkpoints and samples",
                    "parameters": [
                        _path("run", _ID),
                        {
                            "name": "metric",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "pattern": "^[A-Za-z0-9_]" + _ONE_LINE,
                                "maxLength": 1000,
                            },
                        },
                    ],
                    "responses": _answers(_OBJECT, 400, 404),
                }
            },
            "/api/cards": {
                "get": {
                    "summary": "recall cards; due=true for those due now",
                    "parameters": [
                        {
                            "name": "due",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["true", "false"]},
                        },
                        _limit(100),
                    ],
                    "responses": _answers(_LIST, 400),
                }
            },
            "/api/cards/{card}/review": {
                "post": {
                    "summary": "record a review: 1 Again, 2 Hard, 3 Good, 4 Easy",
                    "parameters": [_path("card", _ID)],
                    "requestBody": {
                        "required": True,
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["rating"],
                                "additionalProperties": False,
                                "properties": {
                                    "rating": {
                                        "type": "integer",
                                        "minimum": 1,
                                        "maximum": 4,
                                    }
                                },
                            }
                        ),
                    },
                    "responses": _answers(_OBJECT, 400, 404),
                }
            },
        },
    }
