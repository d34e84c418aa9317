"""The JSON API, fuzzed from its own OpenAPI description: whatever a client
sends, the answer is never a server error and always matches what the
description promises (status codes, content type, the shape of the body),
and a request the description calls valid is accepted.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette

from neuron.server.api import build_api
from neuron.server.app import api_mount
from neuron.store import Source, Store

schemathesis = pytest.importorskip("schemathesis")
negative_data_rejection = pytest.importorskip(
    "schemathesis.specs.openapi.checks"
).negative_data_rejection


def _store_with_one_of_everything() -> Path:
    """A store the fuzzer can find things in: a note linked to another, a
    paper, an object, a run with metrics, a card."""
    folder = Path(tempfile.mkdtemp(prefix="neuron-fuzz-"))
    papers = folder / "papers"
    papers.mkdir()
    (papers / "paper.md").write_text("# Attention\n\nQueries meet keys.\n")
    with Store.open(folder / "neuron.db") as store:
        first = store.create("attention", "softmax of scores", tags=["paper"])
        second = store.create("scale", "divide by sqrt(d_k)")
        store.link(first.id, second.id, "explains")
        document = store.import_document(papers / "paper.md", root=papers)
        store.create("on a passage", "", source=Source("paper", document.uid, "x"))
        store.put_object("w_q", np.eye(2))
        run = store.create_run(
            "tiny", {"model": {}}, seed=0, code_revision=None, environment={}
        )
        store.log_metrics(run.id, 1, {"loss": 2.5})
        store.card_from_note(first.id)
    return folder / "neuron.db"


# The server mounts this app at /api, which is where the description's
# paths live; the fuzzer calls the same app through the server's own mount.
APP = Starlette(routes=[api_mount(build_api(_store_with_one_of_everything()))])
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@SCHEMA.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_breaks_the_description(case):
    # Every check but one: the description states what a client should
    # send, and the API accepts some requests beyond it (a longer anchor, a
    # title starting with a symbol), which is not a fault.
    case.call_and_validate(excluded_checks=[negative_data_rejection])
