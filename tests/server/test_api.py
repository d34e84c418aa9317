"""The JSON API over a real store file."""

from __future__ import annotations

import math

import numpy as np
import pytest
from starlette.testclient import TestClient

from neuron.server.api import build_api
from neuron.store import Source, Store


@pytest.fixture
def db(tmp_path):
    return tmp_path / "api.db"


@pytest.fixture
def client(db):
    return TestClient(build_api(db))


def test_health_reports_the_schema(client):
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["schema_version"] == health["supported_schema_version"]


def test_create_list_show_and_search_notes(client, db):
    created = client.post(
        "/notes",
        json={
            "title": "Positional encoding",
            "body": "sinusoids of geometric wavelengths",
            "tags": ["embeddings"],
            "source": {"kind": "paper", "ref": "1706.03762", "anchor": "3.5"},
        },
    )
    assert created.status_code == 201
    note = created.json()

    assert [n["id"] for n in client.get("/notes").json()] == [note["id"]]
    assert client.get("/notes?tag=other").json() == []
    shown = client.get(f"/notes/{note['id']}").json()
    assert shown["source"]["anchor"] == "3.5"
    assert shown["links"] == [] and shown["backlinks"] == [] and shown["refs"] == []
    with Store.open(db) as store:
        store.refer(note["id"], "lesson", "04_embeddings_and_positions")
    refs = client.get(f"/notes/{note['id']}").json()["refs"]
    assert [(r["kind"], r["ref"]) for r in refs] == [
        ("lesson", "04_embeddings_and_positions")
    ]

    hits = client.get("/search", params={"q": "wavelengths"}).json()
    assert [hit["note_id"] for hit in hits] == [note["id"]]


def test_objects_come_back_with_dtype_shape_and_data(client, db):
    with Store.open(db) as store:
        store.put_object("w_q", np.arange(6, dtype=np.float32).reshape(2, 3))

    listed = client.get("/objects").json()
    assert [(o["name"], o["version"]) for o in listed] == [("w_q", 1)]
    got = client.get("/objects/w_q").json()
    assert (got["dtype"], got["shape"]) == ("<f4", [2, 3])
    assert got["data"] == [[0, 1, 2], [3, 4, 5]]


def test_runs_come_back_newest_first_with_their_records(client, db):
    with Store.open(db) as store:
        old = store.create_run("old", {"lr": 0.1}, seed=0)
        store.finish_run(old.id, summary={"final_loss": 1.0})
        run = store.create_run("diverging", {"lr": 10.0}, seed=1, code_revision="abc")
        store.log_metrics(run.id, 0, {"loss": 2.5, "lr": 10.0})
        store.log_metrics(
            run.id, 1, {"loss": math.nan, "grad_norm": math.inf}, allow_nonfinite=True
        )
        store.add_checkpoint(run.id, 0, "out/ckpt_0.pt", metrics={"val_loss": 2.4})
        store.add_sample(run.id, 0, "ROMEO:", " aye", settings={"top_k": 5})

    listed = client.get("/runs").json()
    assert [(r["name"], r["status"]) for r in listed] == [
        ("diverging", "running"),
        ("old", "finished"),
    ]
    assert [r["name"] for r in client.get("/runs?status=finished").json()] == ["old"]

    shown = client.get(f"/runs/{run.id}")
    assert shown.status_code == 200
    got = shown.json()
    assert (got["config"], got["code_revision"]) == ({"lr": 10.0}, "abc")
    assert got["metrics"] == [
        {"step": 0, "name": "loss", "value": 2.5},
        {"step": 0, "name": "lr", "value": 10.0},
        {"step": 1, "name": "grad_norm", "value": "inf"},
        {"step": 1, "name": "loss", "value": "nan"},
    ]
    assert got["checkpoints"][0]["metrics"] == {"val_loss": 2.4}
    assert got["samples"][0]["settings"] == {"top_k": 5}
    only_loss = client.get(f"/runs/{run.id}?metric=loss").json()["metrics"]
    assert [m["step"] for m in only_loss] == [0, 1]


@pytest.mark.parametrize(
    "method, path, payload, status, words",
    [
        ("get", "/notes/999", None, 404, "999"),
        ("get", "/objects/nothing", None, 404, "nothing"),
        ("get", "/runs/7", None, 404, "7"),
        ("get", "/runs/seven", None, 400, "run id (digits)"),
        ("get", "/runs?status=done", None, 400, "one of running"),
        ("get", "/documents/7", None, 404, "7"),
        ("get", "/documents/seven", None, 400, "document id (digits)"),
        ("get", "/documents?limit=0", None, 400, "positive integer"),
        ("get", "/search?q=", None, 400, "some words"),
        ("get", "/search", None, 400, "some words"),
        ("get", "/search?q=%22open", None, 400, "malformed"),
        ("get", "/notes?limit=-3", None, 400, "positive integer"),
        ("post", "/notes", {"title": ""}, 400, "title"),
        ("post", "/notes", {"title": "x", "colour": 1}, 400, "colour"),
        ("post", "/notes", ["not", "an", "object"], 400, "JSON object"),
        ("post", "/notes", {"title": "x", "source": {"kind": "x", "y": 1}}, 400, "y"),
        ("get", "/cards?due=maybe", None, 400, "true or false"),
        ("get", "/cards?limit=0", None, 400, "positive integer"),
        ("post", "/cards/7/review", {"rating": 3}, 404, "7"),
        ("post", "/cards/seven/review", {"rating": 3}, 400, "card id (digits)"),
        ("post", "/cards/99999999999999999999/review", {"rating": 3}, 400, "card id"),
        ("post", "/cards/7/review", {"stars": 3}, 400, "stars"),
        ("post", "/cards/7/review", {}, 400, "JSON object"),
        ("post", "/cards/7/review", [3], 400, "JSON object"),
    ],
)
def test_bad_requests_say_what_was_expected(
    client, method, path, payload, status, words
):
    response = getattr(client, method)(path, **({"json": payload} if payload else {}))
    assert response.status_code == status
    assert words in response.json()["message"]


def test_documents_come_back_with_passages_and_citing_notes(client, db, tmp_path):
    (tmp_path / "paper.md").write_text(
        "# Attention\n\nQueries meet keys.\n\n## Heads\n\nMany heads.\n",
        encoding="utf-8",
    )
    with Store.open(db) as store:
        doc = store.import_document("paper.md", root=tmp_path)
        store.create("On heads", source=Source("paper", doc.uid, "attention.heads-1"))

    listed = client.get("/documents").json()
    assert [(d["id"], d["kind"], d["passage_count"]) for d in listed] == [
        (doc.id, "markdown", 2)
    ]
    shown = client.get(f"/documents/{doc.id}").json()
    assert [p["anchor"] for p in shown["passages"]] == [
        "attention-1",
        "attention.heads-1",
    ]
    assert [n["title"] for n in shown["notes"]] == ["On heads"]


def test_search_finds_notes_and_passages_together(client, db, tmp_path):
    (tmp_path / "paper.txt").write_text("Keys and queries.", encoding="utf-8")
    with Store.open(db) as store:
        doc = store.import_document("paper.txt", root=tmp_path)
        note = store.create("Keys", "what a query is compared with")

    hits = client.get("/search", params={"q": "keys"}).json()

    assert {(h["kind"], h["note_id"], h["document_id"], h["anchor"]) for h in hits} == {
        ("note", note.id, None, ""),
        ("passage", None, doc.id, "para-1"),
    }
    assert all("**" in h["snippet"] for h in hits)


def test_a_refused_note_leaves_the_store_unchanged(client):
    client.post("/notes", json={"title": "kept"})
    assert client.post("/notes", json={"title": "x", "body": 5}).status_code == 400
    assert [n["title"] for n in client.get("/notes").json()] == ["kept"]


def test_due_cards_are_listed_and_reviewed_through_the_api(client, db):
    with Store.open(db) as store:
        card = store.create_card("free", "", "Explain from memory: softmax", "e^x")
        later = store.create_card("free", "", "not yet", "", now="2999-01-01T00:00:00Z")

    assert [c["id"] for c in client.get("/cards").json()] == [later.id, card.id]
    due = client.get("/cards?due=true").json()
    assert [(c["id"], c["prompt"]) for c in due] == [
        (card.id, "Explain from memory: softmax")
    ]

    reviewed = client.post(f"/cards/{card.id}/review", json={"rating": 3})
    assert reviewed.status_code == 200
    assert reviewed.json()["due"] > card.due
    assert client.get("/cards?due=true").json() == []
    with Store.open(db) as store:
        assert [r.rating for r in store.reviews(card.id)] == [3]


@pytest.mark.parametrize("rating", [0, 5, "3", 2.5, None, True])
def test_a_bad_rating_is_refused_and_changes_nothing(client, db, rating):
    with Store.open(db) as store:
        card = store.create_card("free", "", "q", "a")

    response = client.post(f"/cards/{card.id}/review", json={"rating": rating})

    assert response.status_code == 400
    assert "1 Again, 2 Hard, 3 Good" in response.json()["message"]
    with Store.open(db) as store:
        assert store.get_card(card.id) == card
        assert store.reviews(card.id) == []
