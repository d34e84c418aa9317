"""Export to markdown with YAML front matter and import back: a round trip
loses nothing, and a bad file is named and changes nothing."""

import json
import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuron.errors import ExportError, ImportFormatError
from neuron.store import Source, Store
from neuron.store.exchange import parse_markdown, render_markdown

from .conftest import snapshot

BODIES = {
    "Ünïcödé — 注意力 🧠": "Σ softmax(qᵢ·kⱼ/√d) vⱼ\n\n> ça marche\n",
    "Front-matter lookalike": "---\ntitle: not this\n---\n\nreal body\n---\n",
    "Empty body": "",
    "Windows line endings": "line one\r\nline two\r\n",
    "No final newline": "ends without one",
    "Whitespace": "  \n\ttabbed  \n\n\n",
    "title: with: colons # and hash": "# Heading\n\n- a\n- b\n",
    "'quoted' \"title\"": "```python\nprint('---')\n```",
}


def build_store(store: Store) -> None:
    notes = [store.create(title, body) for title, body in BODIES.items()]
    store.update(notes[0].id, source=Source("paper", "1706.03762", "eq. 1"))
    store.update(notes[1].id, source=Source("lesson", "lessons/03.py", "cell 4"))
    store.update(notes[2].id, source=Source("url", "https://example.org/a?b=c#d"))
    store.update(notes[3].id, source=Source("run", "run-2024-05-01"))
    store.tag(notes[0].id, "attention", "math")
    store.tag(notes[1].id, "attention")
    store.link(notes[0].id, notes[1].id, "derives")
    store.link(notes[0].id, notes[4].id)
    store.link(notes[4].id, notes[0].id, "cites back")


def folder_contents(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def comparable(store):
    """Every note and link by uid, ids left out."""
    notes = {
        n.uid: (n.title, n.body, n.source, n.tags, n.created, n.updated)
        for n in store.list_notes()
    }
    uid = {n.id: n.uid for n in store.list_notes()}
    links = {
        (uid[link.from_id], uid[link.to_id], link.label, link.created)
        for n in store.list_notes()
        for link in store.links(n.id)
    }
    return notes, links


class TestRoundTrip:
    def test_export_import_export_loses_nothing(self, store, tmp_path):
        build_store(store)
        first = store.export_notes(tmp_path / "first")

        with Store.open(tmp_path / "empty.db") as other:
            result = other.import_notes(tmp_path / "first")
            other.export_notes(tmp_path / "second")
            assert comparable(other) == comparable(store)

        assert len(result.created) == len(BODIES) and result.updated == ()
        assert len(first.files) == len(BODIES)
        assert folder_contents(tmp_path / "first") == folder_contents(
            tmp_path / "second"
        )

    def test_notes_json_holds_the_same_content(self, store, tmp_path):
        build_store(store)
        result = store.export_notes(tmp_path / "out")

        document = json.loads(result.index.read_text(encoding="utf-8"))
        by_uid = {entry["uid"]: entry for entry in document["notes"]}
        for path in result.files:
            parsed = parse_markdown(path.read_bytes(), path)
            entry = by_uid[parsed["uid"]]
            assert parsed["body"] == entry["body"]
            assert parsed["title"] == entry["title"]
            assert parsed["tags"] == entry["tags"]
            assert parsed["links"] == entry["links"]
        assert document["format"] == "neuron-notes"

    def test_filenames_are_safe_slugs(self, store, tmp_path):
        store.create("../../etc/passwd")
        store.create("Ωmega 🧠")
        store.create("Ωmega 🧠")

        result = store.export_notes(tmp_path / "out")

        names = sorted(path.name for path in result.files)
        assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}\.md", n) for n in names)
        assert all(path.parent == tmp_path / "out" for path in result.files)
        assert len(set(names)) == 3

    def test_reimport_updates_by_uid(self, store, tmp_path):
        build_store(store)
        result = store.export_notes(tmp_path / "out")
        path = next(p for p in result.files if p.name.startswith("empty-body"))
        path.write_text(path.read_text().replace("title: Empty body", "title: Renamed"))

        outcome = store.import_notes(tmp_path / "out")

        assert outcome.created == () and len(outcome.updated) == len(BODIES)
        assert store.count_notes() == len(BODIES)
        assert [n.title for n in store.list_notes() if n.title == "Renamed"]

    def test_export_refuses_a_folder_with_notes(self, store, tmp_path):
        store.create("t")
        store.export_notes(tmp_path / "out")

        with pytest.raises(
            ExportError, match="expected an empty folder.*overwrite=True"
        ):
            store.export_notes(tmp_path / "out")
        store.create("u")
        result = store.export_notes(tmp_path / "out", overwrite=True)
        assert len(list((tmp_path / "out").glob("*.md"))) == len(result.files) == 2

    @settings(max_examples=80, deadline=None)
    @given(
        title=st.text(min_size=1, max_size=40).filter(
            lambda t: t.strip() and t.splitlines() == [t]
        ),
        body=st.text(max_size=200),
        tags=st.lists(st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,8}", fullmatch=True)),
    )
    def test_render_then_parse_is_identity(self, title, body, tags):
        entry = {
            "uid": str(uuid.uuid4()),
            "title": title,
            "tags": sorted(set(tags)),
            "source": Source(),
            "created": "2024-01-01T00:00:00.000000Z",
            "updated": "2024-01-02T00:00:00.000000Z",
            "links": [],
            "body": body,
        }
        if any(0xD800 <= ord(c) <= 0xDFFF for c in title + body):
            return
        rendered = dict(entry, source={"kind": "none", "ref": "", "anchor": ""})

        parsed = parse_markdown(render_markdown(rendered).encode("utf-8"), "x.md")

        assert parsed == entry


def write_note(folder, name, text, *, encoding="utf-8"):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


GOOD = "---\nuid: {uid}\ntitle: Good note\ntags: [x]\n---\nbody\n"


class TestImportErrors:
    def test_invalid_utf8_names_file_and_byte(self, store, tmp_path):
        folder = tmp_path / "in"
        head = f"---\nuid: {uuid.uuid4()}\ntitle: t\n---\nabc".encode()
        path = write_note(folder, "bad.md", head + b"\xff\xfe rest")

        with pytest.raises(
            ImportFormatError, match=rf"bad\.md: invalid UTF-8 at byte {len(head)}"
        ) as err:
            store.import_notes(folder)
        assert err.value.file == path
        assert err.value.position == len(head)

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("no front matter here\n", r"note\.md: expected front matter between"),
            (
                "---\ntitle: [unclosed\n---\n",
                r"note\.md: malformed front matter at line",
            ),
            (
                "---\n- a list\n---\n",
                r"note\.md: expected front matter of 'key: value'",
            ),
            ("---\ntitle: t\n---\n", r"note\.md: expected a 'uid:' line"),
            ("---\nuid: nope\ntitle: t\n---\n", r"note\.md: expected a uid such as"),
            ("---\nuid: {uid}\ntitle: ' '\n---\n", r"note\.md: expected a title with"),
            (
                "---\nuid: {uid}\ntitle: t\nsource: {{kind: blog, ref: x}}\n---\n",
                r"note\.md: expected a source kind",
            ),
            (
                "---\nuid: {uid}\ntitle: t\ncreated: yesterday\n---\n",
                r"note\.md: expected created as an ISO-8601 time",
            ),
            (
                "---\nuid: {uid}\ntitle: t\ncreated: 2024-01-01 10:00:00\n---\n",
                r"note\.md: expected created with a time zone",
            ),
        ],
    )
    def test_malformed_file_is_named(self, store, tmp_path, text, match):
        folder = tmp_path / "in"
        write_note(folder, "note.md", text.format(uid=uuid.uuid4()))

        with pytest.raises(ImportFormatError, match=match) as err:
            store.import_notes(folder)
        assert err.value.file.name == "note.md"

    def test_failed_import_changes_nothing(self, store, tmp_path):
        kept = store.create("kept", tags=["old"])
        before = snapshot(store.path)
        folder = tmp_path / "in"
        write_note(folder, "a-good.md", GOOD.format(uid=uuid.uuid4()))
        update = f"---\nuid: {kept.uid}\ntitle: overwritten\n---\n"
        write_note(folder, "b-update.md", update)
        dangling = (
            f"---\nuid: {uuid.uuid4()}\ntitle: t\nlinks:\n- to: {uuid.uuid4()}\n---\n"
        )
        write_note(folder, "c-dangling.md", dangling)

        with pytest.raises(ImportFormatError, match=r"c-dangling\.md: links to note"):
            store.import_notes(folder)

        assert snapshot(store.path) == before

    def test_duplicate_uids_are_refused(self, store, tmp_path):
        folder = tmp_path / "in"
        uid = uuid.uuid4()
        write_note(folder, "a.md", GOOD.format(uid=uid))
        write_note(folder, "b.md", GOOD.format(uid=uid))

        with pytest.raises(
            ImportFormatError, match=r"b\.md: has uid .* as does .*a\.md"
        ):
            store.import_notes(folder)
        assert store.count_notes() == 0

    def test_missing_folder(self, store, tmp_path):
        with pytest.raises(
            ImportFormatError, match="expected a folder of exported notes"
        ):
            store.import_notes(tmp_path / "nowhere")

    def test_hand_written_note_gets_defaults(self, store, tmp_path):
        folder = tmp_path / "in"
        write_note(folder, "n.md", "\ufeff" + GOOD.format(uid=uuid.uuid4()))

        store.import_notes(folder)

        (note,) = store.list_notes()
        assert (note.title, note.body, note.tags) == ("Good note", "body\n", ("x",))
        assert note.source == Source() and note.created == note.updated
