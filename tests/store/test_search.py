"""Full-text search: BM25 ranking, highlighted snippets, the index kept in
sync by triggers, and malformed queries refused with a clear error."""

import re
import sqlite3

import pytest

from neuron.errors import QueryError
from neuron.store import quote_query


class TestSearch:
    def test_finds_title_body_and_tags(self, store):
        a = store.create("Layer normalization", "subtract the mean")
        b = store.create("Residuals", "add the input back", tags=["architecture"])

        assert [h.note_id for h in store.search("normalization")] == [a.id]
        assert [h.note_id for h in store.search("mean")] == [a.id]
        assert [h.note_id for h in store.search("architecture")] == [b.id]
        assert store.search("nothingmatches") == []

    def test_snippet_highlights_the_matched_terms(self, store):
        store.create("Notes", "the query vector meets every key vector here")

        (hit,) = store.search("key")
        assert "**key**" in hit.snippet
        (hit,) = store.search("vector", before="<mark>", after="</mark>")
        assert hit.snippet.count("<mark>vector</mark>") == 2

    def test_better_match_ranks_first(self, store):
        passing = store.create("Optimizers", "Adam is mentioned once among others")
        focused = store.create("Adam", "Adam keeps moment estimates; Adam adapts steps")
        store.create("Unrelated", "nothing to see")

        hits = store.search("adam")

        assert [h.note_id for h in hits] == [focused.id, passing.id]
        assert hits[0].score > hits[1].score > 0

    def test_prefix_phrase_and_column_queries(self, store):
        a = store.create("Transformers", "multi head attention layers")
        b = store.create("Heads", "attention heads multi")

        assert {h.note_id for h in store.search("transform*")} == {a.id}
        assert [h.note_id for h in store.search('"multi head"')] == [a.id]
        assert [h.note_id for h in store.search("title:heads")] == [b.id]
        assert {h.note_id for h in store.search("transformers OR heads")} == {
            a.id,
            b.id,
        }

    def test_tag_filter_and_limit(self, store):
        for i in range(6):
            store.create(f"attention {i}", tags=["kept"] if i < 2 else [])

        assert len(store.search("attention", limit=3)) == 3
        assert {h.title for h in store.search("attention", tag="kept")} == {
            "attention 0",
            "attention 1",
        }

    def test_diacritics_are_folded(self, store):
        note = store.create("Café naïve", "")

        assert [h.note_id for h in store.search("cafe naive")] == [note.id]


class TestIndexSync:
    def test_update_replaces_indexed_text(self, store):
        note = store.create("Old title", "old words")

        store.update(note.id, title="Fresh title", body="new words")

        assert store.search("old") == []
        assert [h.note_id for h in store.search("fresh new")] == [note.id]

    def test_delete_removes_from_index(self, store):
        note = store.create("Doomed", "gone soon")
        store.delete(note.id)

        assert store.search("doomed") == []
        count = store._query_one("SELECT count(*) AS n FROM notes_fts")["n"]
        assert count == 0

    def test_tag_and_untag_update_index(self, store):
        note = store.create("t", "body")

        store.tag(note.id, "embeddings", "w2v")
        assert [h.note_id for h in store.search("embeddings")] == [note.id]
        store.untag(note.id, "embeddings")
        assert store.search("embeddings") == []
        assert [h.note_id for h in store.search("w2v")] == [note.id]

    def test_index_matches_notes_after_many_changes(self, store):
        for i in range(20):
            note = store.create(f"note {i}", f"body {i}", tags=[f"t{i % 3}"])
            if i % 4 == 0:
                store.update(note.id, body=f"rewritten {i}")
            if i % 5 == 0:
                store.delete(note.id)

        indexed = store._query("SELECT rowid AS id, title, body, tags FROM notes_fts")
        expected = [
            {"id": n.id, "title": n.title, "body": n.body, "tags": " ".join(n.tags)}
            for n in store.list_notes()
        ]
        key = lambda row: row["id"]  # noqa: E731
        assert sorted(indexed, key=key) == sorted(expected, key=key)
        store._execute(
            "INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 0)"
        )


class TestBadQueries:
    @pytest.mark.parametrize(
        "query", ['"unbalanced', "AND", "foo NOT", "foo:bar", "(", "c++", "x-y", "*"]
    )
    def test_malformed_query_raises_query_error(self, store, query):
        store.create("foo", "bar")

        with pytest.raises(QueryError, match="is malformed.*double quotes") as err:
            store.search(query)
        assert not isinstance(err.value, sqlite3.Error)

    @pytest.mark.parametrize("query", ["", "   ", None, 3])
    def test_empty_or_non_string_query(self, store, query):
        with pytest.raises(QueryError, match="expected a"):
            store.search(query)

    @pytest.mark.parametrize(
        "text", ['"unbalanced', "AND", "foo NOT", "foo:bar", "c++", 'say "hi"']
    )
    def test_quote_query_makes_any_text_searchable(self, store, text):
        note = store.create("t", f"we wrote {text} here")

        assert [h.note_id for h in store.search(quote_query(text))] == [note.id]


class TestRealCorpus:
    def test_search_over_a_novel(self, store, austen_paragraphs):
        paragraphs = austen_paragraphs[:600]
        with store.transaction():
            ids = [
                store.create(" ".join(p.split()[:6]), p, tags=["austen"]).id
                for p in paragraphs
            ]

        # The famous opening line is found, first.
        (first, *_) = store.search('"truth universally acknowledged"')
        assert "truth universally acknowledged" in store.get(first.note_id).body
        assert "**truth universally acknowledged**" in first.snippet

        # Every paragraph that has the word, and no other, is found.
        word = "pemberley"
        expected = {
            note_id
            for note_id, p in zip(ids, paragraphs, strict=True)
            if re.search(rf"\b{word}\b", p.lower())
        }
        found = {h.note_id for h in store.search(word, limit=1000)}
        assert expected and found == expected

        # The note with the most mentions of a name ranks above one with few.
        hits = store.search("bingley", limit=1000)
        counts = [store.get(h.note_id).body.lower().count("bingley") for h in hits]
        assert counts[0] >= counts[-1]
        assert len(hits) > 20
