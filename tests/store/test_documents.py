"""Importing papers: real PDF, markdown and text files made in tmp_path, read
into passages with stable anchors, searched, and refused with a clear
message (storing nothing) when unreadable, too large or outside the folder."""

import io
import sqlite3

import pytest
from pypdf import PdfReader, PdfWriter

from neuron.errors import (
    InvalidDocumentError,
    NotFoundError,
    QueryError,
    TooLargeError,
    UnsafePathError,
)
from neuron.store import Source, Store
from neuron.store.parse import parse_document, parse_markdown, slugify

MARKDOWN = """\
# Attention Is All You Need

The dominant sequence transduction models are recurrent.

## Model Architecture

Most competitive models have an encoder-decoder structure.

### Attention

An attention function maps a query and key-value pairs to an output.

```python
weights = softmax(q @ k.T)

out = weights @ v
```

## Training

We trained on the WMT 2014 English-German dataset.
"""

PDF_PAGES = [
    [
        "The Transformer follows an encoder and decoder",
        "architecture of self-attention.",
        "Residual connections wrap every sublayer so that",
        "gradients reach the lowest layers.",
    ],
    ["Dropout regularizes the model during training."],
]


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A PDF with one page per list of lines, each line drawn as text.

    Written by hand (pypdf cannot draw text): a catalog, a page tree, a
    Helvetica font, then a page object and a content stream per page, and an
    xref table with each object's byte offset.
    """
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        shown = [f"({line}) Tj T*" for line in lines]
        stream = "\n".join(["BT /F1 12 Tf 14 TL 72 720 Td", *shown, "ET"]).encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    info = b""
    if title is not None:
        objects.append(b"<< /Title (%s) >>" % title.encode())
        info = b" /Info %d 0 R" % len(objects)

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def counts(store: Store) -> tuple[int, int, int]:
    """Rows in documents, passages and the passage index."""
    return tuple(
        store._query_one(f"SELECT count(*) AS n FROM {table}")["n"]
        for table in ("documents", "passages", "passages_fts_docsize")
    )


@pytest.fixture
def folder(tmp_path):
    """The folder a user imports from, holding a markdown, text and PDF paper."""
    root = tmp_path / "papers"
    root.mkdir()
    (root / "attention.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "notes.txt").write_text(
        "First paragraph\nwrapped over two lines.\n\n\nSecond paragraph.\r\n",
        encoding="utf-8",
    )
    (root / "transformer.pdf").write_bytes(make_pdf(PDF_PAGES, title="The Model"))
    return root


class TestImport:
    def test_markdown_passages_sit_under_their_heading_path(self, store, folder):
        doc = store.import_document("attention.md", root=folder)

        assert (doc.kind, doc.title, doc.filename) == (
            "markdown",
            "Attention Is All You Need",
            "attention.md",
        )
        passages = store.passages(doc.id)
        assert [p.anchor for p in passages] == [
            "attention-is-all-you-need-1",
            "attention-is-all-you-need.model-architecture-1",
            "attention-is-all-you-need.model-architecture.attention-1",
            "attention-is-all-you-need.model-architecture.attention-2",
            "attention-is-all-you-need.training-1",
        ]
        assert [p.ordinal for p in passages] == list(range(5))
        assert passages[2].heading == (
            "Attention Is All You Need / Model Architecture / Attention"
        )
        # A fenced block with a blank line inside stays one passage.
        assert passages[3].text.startswith("```python") and "out =" in passages[3].text
        assert doc.passage_count == 5

    def test_text_paragraphs_split_at_blank_lines(self, store, folder):
        doc = store.import_document(folder / "notes.txt", root=folder)

        passages = store.passages(doc.id)
        assert [(p.anchor, p.text) for p in passages] == [
            ("para-1", "First paragraph\nwrapped over two lines."),
            ("para-2", "Second paragraph."),
        ]
        assert doc.title == "notes"

    def test_pdf_passages_are_paragraphs_per_page(self, store, folder):
        doc = store.import_document("transformer.pdf", root=folder, title="Mine")

        assert (doc.kind, doc.title) == ("pdf", "Mine")
        assert doc.metadata == {"pdf_title": "The Model", "pages": 2}
        passages = store.passages(doc.id)
        assert [(p.anchor, p.page) for p in passages] == [
            ("p1-1", 1),
            ("p1-2", 1),
            ("p2-1", 2),
        ]
        assert passages[0].text == (
            "The Transformer follows an encoder and decoder "
            "architecture of self-attention."
        )
        assert store.passage(doc.id, "p2-1").text.startswith("Dropout")

    def test_pdf_title_comes_from_its_metadata(self, store, folder):
        assert store.import_document("transformer.pdf", root=folder).title == (
            "The Model"
        )

    def test_pdf_encrypted_only_against_editing_is_read(self, store, folder):
        (folder / "open.pdf").write_bytes(encrypted(make_pdf(PDF_PAGES), ""))

        doc = store.import_document("open.pdf", root=folder)

        assert store.passage(doc.id, "p2-1").text.startswith("Dropout")

    def test_same_bytes_again_return_the_stored_document(self, store, folder):
        first = store.import_document("attention.md", root=folder)
        (folder / "copy.md").write_bytes((folder / "attention.md").read_bytes())

        again = store.import_document("copy.md", root=folder, title="Other")

        assert again == first
        assert counts(store) == (1, 5, 5)

    def test_anchors_are_the_same_in_a_fresh_store(self, tmp_path, folder):
        def anchors(db_name):
            with Store.open(tmp_path / db_name) as fresh:
                docs = [
                    fresh.import_document(name, root=folder)
                    for name in ("attention.md", "notes.txt", "transformer.pdf")
                ]
                return [[p.anchor for p in fresh.passages(d.id)] for d in docs]

        assert anchors("one.db") == anchors("two.db")

    def test_a_file_in_a_subfolder_keeps_its_relative_name(self, store, folder):
        (folder / "sub").mkdir()
        (folder / "sub" / "a.txt").write_text("hello", encoding="utf-8")

        doc = store.import_document("sub/a.txt", root=folder)

        assert doc.filename == "sub/a.txt"


class TestRefusal:
    @pytest.mark.parametrize(
        "name, data, error, words",
        [
            ("secret.pdf", None, InvalidDocumentError, "password"),
            ("cut.pdf", make_pdf(PDF_PAGES)[:150], InvalidDocumentError, "valid PDF"),
            ("junk.pdf", b"not a pdf at all", InvalidDocumentError, "valid PDF"),
            ("empty.pdf", b"", InvalidDocumentError, "valid PDF"),
            ("scan.pdf", make_pdf([[], []]), InvalidDocumentError, "OCR"),
            ("latin1.txt", "café".encode("latin-1"), InvalidDocumentError, "UTF-8"),
            ("binary.md", b"ab\x00cd", InvalidDocumentError, "NUL"),
            ("blank.txt", b"\n \n\t\n", InvalidDocumentError, "some text"),
            ("paper.docx", b"PK\x03\x04", InvalidDocumentError, ".pdf, .md"),
        ],
    )
    def test_unreadable_file_is_refused_and_stores_nothing(
        self, store, folder, name, data, error, words
    ):
        if data is None:
            data = encrypted(make_pdf(PDF_PAGES), "secret")
        (folder / name).write_bytes(data)
        store.import_document("attention.md", root=folder)
        before = counts(store)

        with pytest.raises(error, match=words):
            store.import_document(name, root=folder)

        assert counts(store) == before

    def test_file_over_the_limit_is_refused_before_reading(
        self, store, folder, monkeypatch
    ):
        monkeypatch.setattr("neuron.store.documents.MAX_DOCUMENT_BYTES", 100)

        with pytest.raises(TooLargeError, match=r"at most 100 bytes.*attention.md"):
            store.import_document("attention.md", root=folder)
        with pytest.raises(TooLargeError, match="at most 10 bytes"):
            store.import_document("notes.txt", root=folder, max_bytes=10)

        assert counts(store) == (0, 0, 0)

    def test_dot_dot_cannot_leave_the_folder(self, store, folder):
        (folder.parent / "outside.txt").write_text("private", encoding="utf-8")

        with pytest.raises(UnsafePathError, match="outside it"):
            store.import_document("../outside.txt", root=folder)
        with pytest.raises(UnsafePathError, match="outside it"):
            store.import_document(folder.parent / "outside.txt", root=folder)

        assert counts(store) == (0, 0, 0)

    def test_symlink_cannot_leave_the_folder(self, store, folder):
        outside = folder.parent / "elsewhere"
        outside.mkdir()
        (outside / "private.md").write_text("# Secret\n\nkeys", encoding="utf-8")
        (folder / "link.md").symlink_to(outside / "private.md")
        (folder / "linked_dir").symlink_to(outside, target_is_directory=True)

        for name in ("link.md", "linked_dir/private.md"):
            with pytest.raises(UnsafePathError, match="outside it"):
                store.import_document(name, root=folder)

        assert counts(store) == (0, 0, 0)

    def test_symlink_within_the_folder_is_followed(self, store, folder):
        (folder / "alias.md").symlink_to(folder / "attention.md")

        doc = store.import_document("alias.md", root=folder)

        assert doc.filename == "attention.md"

    def test_missing_file_and_missing_folder_say_so(self, store, folder):
        with pytest.raises(InvalidDocumentError, match="found nothing"):
            store.import_document("nope.md", root=folder)
        with pytest.raises(InvalidDocumentError, match="not a folder"):
            store.import_document("a.md", root=folder / "nope")

    def test_a_failed_insert_rolls_back_the_whole_document(
        self, store, folder, monkeypatch
    ):
        # Two passages with one anchor break the UNIQUE rule half-way.
        from neuron.store import documents, parse

        real = documents.parse_document

        def duplicated(data, name):
            parsed = real(data, name)
            twice = (*parsed.passages, parsed.passages[0])
            return parse.ParsedDocument(parsed.kind, parsed.title, twice)

        monkeypatch.setattr(documents, "parse_document", duplicated)

        with pytest.raises(sqlite3.IntegrityError):
            store.import_document("attention.md", root=folder)

        assert counts(store) == (0, 0, 0)


class TestSearch:
    def test_a_word_finds_its_passage_with_a_snippet(self, store, folder):
        doc = store.import_document("transformer.pdf", root=folder)
        store.import_document("attention.md", root=folder)

        hits = store.search_documents("residual")

        assert [(h.document_id, h.anchor, h.page) for h in hits] == [
            (doc.id, "p1-2", 1)
        ]
        assert "**Residual**" in hits[0].snippet

    def test_a_heading_word_finds_the_passages_under_it(self, store, folder):
        store.import_document("attention.md", root=folder)

        hits = store.search_documents("training")

        assert [h.anchor for h in hits] == ["attention-is-all-you-need.training-1"]

    def test_search_all_returns_notes_and_passages(self, store, folder):
        doc = store.import_document("attention.md", root=folder)
        note = store.create("Why recurrent models are slow", "sequential steps")

        hits = store.search_all("recurrent", before="[", after="]")

        assert {(h.kind, h.note_id, h.document_id) for h in hits} == {
            ("note", note.id, None),
            ("passage", None, doc.id),
        }
        assert all("[recurrent]" in h.snippet.lower() for h in hits)
        assert len(store.search_all("recurrent", limit=1)) == 1

    def test_malformed_query_is_a_query_error(self, store, folder):
        store.import_document("attention.md", root=folder)

        with pytest.raises(QueryError, match="malformed"):
            store.search_documents('"open')
        with pytest.raises(QueryError, match="some words"):
            store.search_all("  ")


class TestLifecycle:
    def test_listing_and_lookups(self, store, folder):
        first = store.import_document("notes.txt", root=folder)
        second = store.import_document("attention.md", root=folder)

        assert [d.id for d in store.list_documents()] == [second.id, first.id]
        assert store.get_document(first.id) == first
        with pytest.raises(NotFoundError, match="no document has it"):
            store.get_document(999)
        with pytest.raises(NotFoundError, match="'para-9'"):
            store.passage(first.id, "para-9")

    def test_deleting_a_document_deletes_its_passages_and_index(self, store, folder):
        kept = store.import_document("notes.txt", root=folder)
        doc = store.import_document("attention.md", root=folder)

        store.delete_document(doc.id)

        assert counts(store) == (1, 2, 2)
        assert store.search_documents("attention") == []
        assert [h.document_id for h in store.search_documents("wrapped")] == [kept.id]
        store._execute(
            "INSERT INTO passages_fts (passages_fts) VALUES ('integrity-check')"
        )
        with pytest.raises(NotFoundError):
            store.passages(doc.id)

    def test_notes_citing_a_document_are_listed(self, store, folder):
        doc = store.import_document("attention.md", root=folder)
        anchor = store.passages(doc.id)[2].anchor
        note = store.create("Attention maps", source=Source("paper", doc.uid, anchor))
        store.create("Unrelated")

        assert [n.id for n in store.document_notes(doc.id)] == [note.id]


class TestParse:
    def test_slugs_keep_letters_of_any_script(self):
        assert slugify("Scaled Dot-Product Attention (3.2.1)") == (
            "scaled-dot-product-attention-3-2-1"
        )
        assert slugify("Über Aufmerksamkeit") == "über-aufmerksamkeit"
        assert slugify("!!!") == "section"

    def test_repeated_headings_keep_anchors_unique(self):
        text = "## Example\n\none\n\n## Example\n\ntwo\n\n## Example\n\nthree\n"

        parsed = parse_markdown(text, "x.md")

        assert [p.anchor for p in parsed.passages] == [
            "example-1",
            "example-2",
            "example-3",
        ]
        assert parsed.title == "Example"

    def test_text_before_any_heading_is_anchored_top(self):
        parsed = parse_document(b"preface\n\n# Title\n\nbody\n", "x.md")

        assert [p.anchor for p in parsed.passages] == ["top-1", "title-1"]
        assert parsed.title == "Title"
