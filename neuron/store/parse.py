"""Turning the bytes of a paper into passages with stable anchors.

Three kinds of file are read, chosen by the file name's suffix:

- PDF (``.pdf``), through pypdf: the text of each page, split into
  paragraphs. Anchors are ``p{page}-{n}``: ``p3-2`` is the second paragraph
  of page 3.
- Markdown (``.md``, ``.markdown``): ATX headings (``#`` to ``######``)
  open sections and blank lines end paragraphs; a fenced code block stays
  whole. Anchors are the slugs of the heading path and a count within it:
  ``model-architecture.attention-2`` is the second paragraph under
  "Attention" under "Model Architecture"; ``top-1`` is the first one before
  any heading.
- Plain text (``.txt``): paragraphs between blank lines, ``para-{n}``.

An anchor depends only on the document's content, so importing the same
file again, into this store or another, gives the same anchors, and a note
can point at a passage with ``Source("paper", document.uid, anchor)``.
PDF anchors also depend on how pypdf lays out the extracted text, which a
new pypdf version may change.

Everything here is pure: bytes in, records out, no store and no files.
"""

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from neuron.errors import InvalidDocumentError
from neuron.store.records import MAX_TITLE_CHARS

#: The kinds of document, as stored.
DOCUMENT_KINDS = ("pdf", "markdown", "text")

#: File name suffixes read, and the kind each is read as.
SUFFIXES = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}

# A PDF line ending a sentence and shorter than this share of the page's
# long lines is taken as the last line of a paragraph.
_SHORT_LINE = 0.8

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SENTENCE_END = re.compile(r"[.?!:]['\")\]]?$")


@dataclass(frozen=True)
class Passage:
    """A paragraph of a document, the unit that search finds and notes cite.

    Attributes:
        anchor: where it is, stable across imports of the same content
            (``p3-2``, ``model-architecture.attention-2``, ``para-7``);
            unique within its document.
        ordinal: its position in the document, from 0.
        page: the 1-based page of a PDF; None for markdown and text.
        heading: the markdown headings it sits under, joined by `` / ``;
            empty for PDFs, plain text and text before any heading.
        text: the passage's text. Lines of a PDF paragraph are joined by
            spaces; markdown and plain text keep their line breaks.
    """

    anchor: str
    ordinal: int
    page: int | None
    heading: str
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    """What a file holds, ready to store.

    Attributes:
        kind: one of ``DOCUMENT_KINDS``.
        title: the document's own title (a PDF's /Title, a markdown file's
            first heading), else the file name without its suffix.
        passages: the passages in reading order, never empty.
        metadata: facts about the file, such as a PDF's page count and
            author; JSON values only.
    """

    kind: str
    title: str
    passages: tuple[Passage, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


def kind_of(name: str) -> str:
    """The kind of document a file name's suffix says it is.

    Raises:
        InvalidDocumentError: the suffix is not one of ``SUFFIXES``.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidDocumentError(
            f"expected a file ending in {', '.join(SUFFIXES)}, got {name!r}; "
            "convert it to PDF, markdown or plain text first"
        )
    return SUFFIXES[suffix]


def parse_document(data: bytes, name: str) -> ParsedDocument:
    """Parse a file's bytes into passages, by the kind its name says.

    Args:
        data: the whole file.
        name: the file's name, for its suffix, the fallback title and
            messages.

    Returns:
        The document's kind, title, passages and metadata.

    Raises:
        InvalidDocumentError: an unknown suffix, a malformed or encrypted
            PDF, text that is not UTF-8, or a file without any text.
    """
    kind = kind_of(name)
    if kind == "pdf":
        return parse_pdf(data, name)
    text = decode_text(data, name)
    if kind == "markdown":
        return parse_markdown(text, name)
    return parse_text(text, name)


def slugify(text: str) -> str:
    """A lowercase slug of ``text``: words joined by hyphens.

    Letters of any script are kept (after NFKC normalization); everything
    else separates words. Text without a word gives ``"section"``.
    """
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())
    return "-".join(words) or "section"


def decode_text(data: bytes, name: str) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped), with ``\\n``
    line ends.

    Raises:
        InvalidDocumentError: the bytes are not UTF-8 or hold a NUL byte.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidDocumentError(
            f"expected {name} to be UTF-8 text, got byte {data[err.start]:#04x} "
            f"at position {err.start} that is not UTF-8; save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise InvalidDocumentError(
            f"expected {name} to be text, got a NUL byte at character "
            f"{text.index(chr(0))}; is it a binary file with a text suffix?"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_text(text: str, name: str) -> ParsedDocument:
    """Split plain text into paragraphs at blank lines, anchored ``para-{n}``.

    Raises:
        InvalidDocumentError: the text has no paragraph.
    """
    blocks = [_clean(block) for block in re.split(r"\n[ \t]*\n", text)]
    passages = tuple(
        Passage(f"para-{n}", n - 1, None, "", block)
        for n, block in enumerate((b for b in blocks if b), start=1)
    )
    _check_not_empty(passages, name, "text")
    return ParsedDocument("text", _stem(name), passages)


def parse_markdown(text: str, name: str) -> ParsedDocument:
    """Split markdown into paragraphs under their headings.

    Only ATX headings (``# Title``) open sections; setext headings
    (underlined with ``===``) are read as paragraphs. A fenced code block
    stays one passage however many blank lines it holds.

    Raises:
        InvalidDocumentError: the text has no paragraph.
    """
    headings: list[tuple[int, str]] = []  # the open sections: (level, title)
    counts: Counter[str] = Counter()
    passages: list[Passage] = []
    block: list[str] = []
    fence = ""
    title = ""

    def flush() -> None:
        body = _clean("\n".join(block))
        block.clear()
        if not body:
            return
        key = ".".join(slugify(t) for _, t in headings) or "top"
        counts[key] += 1
        heading = " / ".join(t for _, t in headings)
        passages.append(
            Passage(f"{key}-{counts[key]}", len(passages), None, heading, body)
        )

    for line in text.split("\n"):
        # Inside a fence everything is code, until a fence as long closes it.
        if fence:
            block.append(line)
            if _closes(line, fence):
                fence = ""
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            block.append(line)
            continue

        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            words = _CLOSING_HASHES.sub("", heading.group(2) or "").strip()
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, words))
            title = title or words
            continue
        if not line.strip():
            flush()
            continue
        block.append(line)
    flush()

    _check_not_empty(passages, name, "markdown")
    # The title is the first top-level heading, else the first heading.
    title = _first_h1(text) or title
    return ParsedDocument("markdown", _title(title, name), tuple(passages))


def parse_pdf(data: bytes, name: str) -> ParsedDocument:
    """Extract the text of a PDF page by page and split it into paragraphs.

    A PDF encrypted with a password is refused. One encrypted only against
    editing (it opens without a password in any viewer) is read.

    Paragraphs end at blank lines, and at a line that ends a sentence and
    is clearly shorter than the page's long lines, since pypdf rarely puts
    blank lines between paragraphs.

    Raises:
        InvalidDocumentError: the PDF is malformed, needs a password, or has
            no text (a scan without a text layer).
    """
    # pypdf is imported here so that the store opens without paying for it.
    from pypdf import PdfReader

    # pypdf reads untrusted bytes and fails on malformed ones with many
    # exception types besides its own (KeyError, ValueError, struct and zlib
    # errors...), so any exception out of it means "this PDF is unreadable".
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise InvalidDocumentError(
                f"expected a PDF that opens without a password, got {name}, "
                "which is encrypted; save a decrypted copy (for example "
                "qpdf --decrypt --password=... in.pdf out.pdf) and import that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = _pdf_metadata(reader)
    except InvalidDocumentError:
        raise
    except Exception as err:
        raise InvalidDocumentError(
            f"expected a valid PDF, got {name}, which pypdf cannot read "
            f"({type(err).__name__}: {err}); check that the file is complete, "
            "or re-save it from a PDF viewer"
        ) from None

    passages: list[Passage] = []
    for number, page_text in enumerate(pages, start=1):
        for n, paragraph in enumerate(_pdf_paragraphs(page_text), start=1):
            passages.append(
                Passage(f"p{number}-{n}", len(passages), number, "", paragraph)
            )
    if not passages:
        raise InvalidDocumentError(
            f"expected a PDF with a text layer, got {name}, whose "
            f"{len(pages)} page(s) hold no text (a scan?); run OCR on it "
            "first, for example with ocrmypdf"
        )
    metadata["pages"] = len(pages)
    title = metadata.get("pdf_title", "")
    return ParsedDocument("pdf", _title(title, name), tuple(passages), metadata)


# ---- helpers -----------------------------------------------------------


def _opens_without_password(reader: Any) -> bool:
    from pypdf import PasswordType

    return reader.decrypt("") != PasswordType.NOT_DECRYPTED


def _pdf_metadata(reader: Any) -> dict[str, Any]:
    info = reader.metadata or {}
    found = {}
    for key, name in (("/Title", "pdf_title"), ("/Author", "author")):
        value = " ".join(str(info.get(key) or "").split())
        if value:
            found[name] = value
    return found


def _pdf_paragraphs(page_text: str) -> list[str]:
    """The paragraphs of one page of extracted text, lines joined by spaces."""
    lines = [_CONTROL.sub("", line).strip() for line in page_text.split("\n")]
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return []
    # The width of a full line: the 90th percentile, so that a few long
    # headers or equations do not count.
    full = widths[min(len(widths) - 1, int(0.9 * len(widths)))]

    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if _SENTENCE_END.search(line) and len(line) < _SHORT_LINE * full:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


def _clean(block: str) -> str:
    """A block without control characters, trailing spaces or outer blank
    lines; tabs and inner line breaks are kept."""
    lines = [_CONTROL.sub("", line).rstrip() for line in block.split("\n")]
    return "\n".join(lines).strip("\n")


def _first_h1(text: str) -> str:
    fence = ""
    for line in text.split("\n"):
        if fence:
            if _closes(line, fence):
                fence = ""
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1:
            words = _CLOSING_HASHES.sub("", heading.group(2) or "").strip()
            if words:
                return words
    return ""


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a code block opened by ``fence``: the same
    character, at least as many times, and nothing else."""
    marks = line.strip()
    return set(marks) == {fence[0]} and len(marks) >= len(fence)


def _check_not_empty(passages: object, name: str, kind: str) -> None:
    if not passages:
        raise InvalidDocumentError(
            f"expected {kind} with some text, got {name} with none; "
            "check that it is the right file"
        )


def _stem(name: str) -> str:
    return PurePath(name).stem or name


def _title(found: str, name: str) -> str:
    """``found`` as a one-line title within the limit, else the file's stem."""
    title = " ".join(_CONTROL.sub(" ", found).split())
    return (title or _stem(name))[:MAX_TITLE_CHARS]
