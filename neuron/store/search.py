"""Full-text queries: checking them, and turning SQLite's complaints into
errors a user can act on."""

import sqlite3

from neuron.errors import QueryError

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
