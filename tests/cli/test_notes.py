"""`neuron notes ...` on a real store file, through the real command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from neuron.cli import app


@pytest.fixture
def neuron(neuron_home):
    """Run `neuron ARGS...` in-process; returns the result."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def added_id(result) -> int:
    return int(result.output.split()[2])


def test_add_then_show_prints_every_field(neuron):
    result = neuron(
        "notes",
        "add",
        "Scaled attention",
        "--body",
        "softmax(QK^T / sqrt(d_k)) V, with [brackets] kept",
        "--tag",
        "attention",
        "-t",
        "paper",
        "--source",
        "paper:1706.03762",
        "--anchor",
        "eq. 1",
    )
    shown = neuron("notes", "show", str(added_id(result))).output

    assert "Scaled attention" in shown
    assert "[brackets] kept" in shown
    assert "tags: attention, paper" in shown
    assert "source: paper 1706.03762 (eq. 1)" in shown


def test_add_reads_the_body_from_stdin(neuron):
    note = json.loads(
        neuron(
            "notes", "add", "From stdin", "--file", "-", "--json", input="# hi\n"
        ).output
    )
    assert note["body"] == "# hi\n"


def test_list_filters_by_tag_and_says_when_empty(neuron):
    assert "No notes yet." in neuron("notes", "list").output
    neuron("notes", "add", "one", "-t", "a")
    neuron("notes", "add", "two", "-t", "b")

    listed = json.loads(neuron("notes", "list", "--tag", "b", "--json").output)

    assert [note["title"] for note in listed] == ["two"]


def test_search_ranks_and_reports_malformed_queries(neuron):
    neuron("notes", "add", "Layer norm", "--body", "normalises each token")
    neuron("notes", "add", "Softmax", "--body", "softmax turns scores into weights")

    hits = json.loads(neuron("notes", "search", "softmax", "--json").output)
    assert [hit["title"] for hit in hits] == ["Softmax"]
    assert "**softmax**" in hits[0]["snippet"].lower()

    bad = neuron("notes", "search", '"unbalanced', ok=False)
    assert bad.exit_code == 1
    assert "malformed" in bad.output

    literal = neuron("notes", "search", "scores NOT", "--literal", "--json")
    assert json.loads(literal.output) == []


def test_tag_link_and_backlinks(neuron):
    first = added_id(neuron("notes", "add", "first"))
    second = added_id(neuron("notes", "add", "second"))

    assert "tags: x, y" in neuron("notes", "tag", str(first), "x", "y").output
    assert "tags: y" in neuron("notes", "tag", str(first), "x", "--remove").output
    neuron("notes", "link", str(second), str(first), "--label", "cites")

    shown = json.loads(neuron("notes", "show", str(first), "--json").output)
    assert [link["from_id"] for link in shown["backlinks"]] == [second]
    assert shown["backlinks"][0]["label"] == "cites"


def test_unknown_note_is_a_clear_error(neuron):
    result = neuron("notes", "show", "42", ok=False)
    assert result.exit_code == 1
    assert "42" in result.output


def test_bad_source_kind_is_refused(neuron):
    result = neuron("notes", "add", "x", "--source", "podcast:1", ok=False)
    assert result.exit_code == 1
    assert "KIND one of" in result.output
    assert "No notes yet." in neuron("notes", "list").output


def test_edit_and_delete(neuron):
    note = added_id(neuron("notes", "add", "draft", "--body", "old"))
    neuron("notes", "edit", str(note), "--title", "final", "--body", "new")
    shown = json.loads(neuron("notes", "show", str(note), "--json").output)
    assert (shown["title"], shown["body"]) == ("final", "new")

    assert neuron("notes", "delete", str(note), input="n\n", ok=False).exit_code == 1
    neuron("notes", "delete", str(note), "--yes")
    assert "No notes yet." in neuron("notes", "list").output


def test_export_import_round_trip_through_the_command(neuron, tmp_path, monkeypatch):
    first = added_id(
        neuron("notes", "add", "Ünïcode ✓", "--body", "a\n---\nb", "-t", "t")
    )
    second = added_id(neuron("notes", "add", "other", "--source", "run:42"))
    neuron("notes", "link", str(first), str(second))
    before = json.loads(neuron("notes", "show", str(first), "--json").output)

    exported = tmp_path / "exported"
    assert "exported 2 notes" in neuron("notes", "export", str(exported)).output
    assert (exported / "notes.json").is_file()

    monkeypatch.setenv("NEURON_HOME", str(tmp_path / "elsewhere"))
    assert "imported 2 new" in neuron("notes", "import", str(exported)).output
    after = json.loads(neuron("notes", "show", before["uid"], "--json").output)

    for field in ("uid", "title", "body", "tags", "source", "created", "updated"):
        assert after[field] == before[field]
    assert [link["to_title"] for link in after["links"]] == ["other"]


def test_db_option_picks_the_file(neuron, tmp_path):
    db = tmp_path / "custom.db"
    neuron("--db", str(db), "notes", "add", "kept apart")
    assert db.is_file()
    assert "kept apart" in neuron("--db", str(db), "notes", "list").output
    assert "No notes yet." in neuron("notes", "list").output
