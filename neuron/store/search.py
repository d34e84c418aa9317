"""Full-text search: the ``search`` method, checking queries, and turning
SQLite's complaints into errors a user can act on.

``SearchMixin`` is one of the classes ``Store`` is built from; it relies on
the store's query helpers.
"""

import sqlite3
from typing import Any

from neuron.errors import QueryError
from neuron.store.records import SearchHit, check_tag
from neuron.store.tags import TAGGED_CONDITION

_HINT = (
    "put a phrase or a word such as AND, NOT or c++ in double quotes to "
    'search it literally, e.g. "foo NOT"; double a quote inside quotes'
)


def check_query(query: object) -> str:
    """Return ``query`` if it is a non-blank string, else raise QueryError."""
    if not isinstance(query, str):
        raise QueryError(f"expected a query as a string, got {type(query).__name__}")
    if not query.strip():
        raise QueryError(f"expected a search query with some words, got {query!r}")
    return query


def query_error(query: str, err: sqlite3.OperationalError) -> QueryError:
    """The QueryError to raise when SQLite rejects ``query`` with ``err``."""
    return QueryError(f"the search query {query!r} is malformed ({err}); {_HINT}")


def is_query_error(err: sqlite3.OperationalError) -> bool:
    """Whether SQLite raised ``err`` because a MATCH query was malformed."""
    text = str(err)
    return text.startswith(
        ("fts5:", "unterminated string", "no such column", "unknown special query")
    )


def quote_query(text: str) -> str:
    """Turn free text into a query that matches each of its words literally.

    Every whitespace-separated word becomes a double-quoted term (a quote
    inside a word is doubled), so ``c++ AND x`` becomes three literal terms
    and operators and punctuation lose their meaning. All the words must
    occur in a note for it to match.
    """
    words = text.split()
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


class SearchMixin:
    """The search method of ``Store``."""

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        tag: str | None = None,
        before: str = "**",
        after: str = "**",
    ) -> list[SearchHit]:
        """Full-text search over titles, bodies and tags, best match first.

        Args:
            query: an SQLite FTS5 query: words (all must occur), ``"a phrase"``,
                ``OR``, ``NOT``, ``prefix*``, ``title:word``. Use
                ``quote_query`` to search free text literally.
            limit: at most this many hits.
            tag: only notes with this tag.
            before: the marker put before each matched term in snippets.
            after: the marker put after it.

        Returns:
            Hits ordered by BM25 relevance, a title match weighing more than
            a body match.

        Raises:
            QueryError: the query is empty or malformed.
        """
        query = check_query(query)
        sql = (
            "SELECT n.id AS note_id, n.uid, n.title, "
            "snippet(notes_fts, -1, ?, ?, '…', 16) AS snippet, "
            "-bm25(notes_fts, 5.0, 1.0, 3.0) AS score "
            "FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid "
            "WHERE notes_fts MATCH ?"
        )
        params: list[Any] = [before, after, query]
        if tag is not None:
            sql += " AND " + TAGGED_CONDITION
            params.append(check_tag(tag))
        sql += " ORDER BY score DESC, n.id LIMIT ?"
        params.append(int(limit))
        try:
            rows = self._query(sql, params)
        except sqlite3.OperationalError as err:
            if is_query_error(err):
                raise query_error(query, err) from None
            raise
        return [SearchHit(**row) for row in rows]
