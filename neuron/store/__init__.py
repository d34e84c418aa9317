"""The SQLite store: notes, tags, links, full-text search, workspace objects,
training runs, imported documents (papers) with their passages, and recall
cards scheduled by FSRS with their review history, the learner's progress
through the lessons, and notes' references to lessons, equations and runs.

One file (``default_path()``) holds everything; open it with
``Store.open()``::

    from neuron.store import Source, Store

    with Store.open() as store:
        note = store.create(
            "Scaled dot-product attention",
            "softmax(QK^T / sqrt(d_k)) V",
            source=Source("paper", "1706.03762", "eq. 1"),
            tags=["attention"],
        )
        hits = store.search("softmax")

Every write is one transaction; errors are the ``StoreError`` classes in
``neuron.errors``.
"""

from neuron.store.cards import CARD_KINDS, Card, Review
from neuron.store.documents import MAX_DOCUMENT_BYTES, Document, Hit, PassageHit
from neuron.store.exchange import ExportResult, ImportResult
from neuron.store.objects import MAX_OBJECT_BYTES, workspace_stamp
from neuron.store.parse import DOCUMENT_KINDS, Passage
from neuron.store.paths import DB_ENV, DB_FILENAME, HOME_ENV, default_path
from neuron.store.progress import Progress
from neuron.store.records import (
    MAX_BODY_BYTES,
    MAX_TITLE_CHARS,
    SOURCE_KINDS,
    Link,
    Note,
    ObjectInfo,
    Run,
    SearchHit,
    Source,
    WorkspaceObject,
)
from neuron.store.refs import REF_KINDS, Ref
from neuron.store.runs import FINAL_STATUSES, RUN_STATUSES, json_number
from neuron.store.schema import SCHEMA_VERSION
from neuron.store.search import quote_query
from neuron.store.store import DEFAULT_TIMEOUT, Store

__all__ = [
    "CARD_KINDS",
    "DB_ENV",
    "DB_FILENAME",
    "DEFAULT_TIMEOUT",
    "DOCUMENT_KINDS",
    "FINAL_STATUSES",
    "HOME_ENV",
    "MAX_BODY_BYTES",
    "MAX_DOCUMENT_BYTES",
    "MAX_OBJECT_BYTES",
    "MAX_TITLE_CHARS",
    "REF_KINDS",
    "RUN_STATUSES",
    "SCHEMA_VERSION",
    "SOURCE_KINDS",
    "Card",
    "Document",
    "ExportResult",
    "Hit",
    "ImportResult",
    "Link",
    "Note",
    "ObjectInfo",
    "Passage",
    "PassageHit",
    "Progress",
    "Ref",
    "Review",
    "Run",
    "SearchHit",
    "Source",
    "Store",
    "WorkspaceObject",
    "default_path",
    "json_number",
    "quote_query",
    "workspace_stamp",
]
