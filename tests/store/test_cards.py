"""Recall cards: made from notes, passages and equations, scheduled by FSRS,
with every review kept in the store."""

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from neuron import paper
from neuron.errors import InvalidRecordError, NotFoundError
from neuron.store import Store

from .conftest import snapshot

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(**delta) -> datetime:
    return T0 + timedelta(**delta)


@pytest.fixture
def card(store):
    return store.create_card(
        "free", "", "Explain from memory: softmax", "e^x / sum", now=T0
    )


class TestMaking:
    def test_a_new_card_is_due_when_made(self, store, card):
        assert card.due == "2024-05-01T12:00:00.000000Z"
        assert card.state["last_review"] is None
        assert [c.id for c in store.due_cards(now=T0)] == [card.id]
        assert store.due_cards(now=at(seconds=-1)) == []

    def test_card_from_note_asks_its_title_and_answers_its_body(self, store):
        note = store.create("Layer norm", "normalise each token's features")
        made = store.card_from_note(note.id, now=T0)
        assert (made.kind, made.ref) == ("note", note.uid)
        assert made.prompt == "Explain from memory: Layer norm"
        assert made.answer == "normalise each token's features"

    def test_card_from_passage_refers_to_document_and_anchor(self, store, tmp_path):
        (tmp_path / "paper.md").write_text("# Heads\n\nMany heads attend.\n")
        document = store.import_document("paper.md", root=tmp_path)
        made = store.card_from_passage(document.id, "heads-1", now=T0)
        assert made.ref == f"{document.uid}#heads-1"
        assert made.prompt.startswith("Explain from memory: Heads")
        assert made.answer == "Many heads attend."

    def test_card_from_equation_answers_with_latex_and_explanation(self, store):
        equation = paper.EQUATIONS[0]
        made = store.card_from_equation(equation.id, now=T0)
        assert (made.kind, made.ref) == ("equation", equation.id)
        assert made.prompt == f"Explain from memory: {equation.title}"
        assert equation.latex in made.answer
        assert equation.explanation in made.answer

    def test_a_source_makes_one_card_and_asking_again_returns_it(self, store, db_path):
        note = store.create("Residuals", "x + f(x)")
        first = store.card_from_note(note.id, now=T0)
        before = snapshot(db_path)

        again = store.card_from_note(note.id, now=at(days=3))

        assert again == first
        assert snapshot(db_path) == before
        assert len(store.list_cards()) == 1

    def test_free_cards_may_repeat(self, store):
        store.create_card("free", "", "same question", "", now=T0)
        store.create_card("free", "", "same question", "", now=T0)
        assert len(store.list_cards(kind="free")) == 2

    @pytest.mark.parametrize(
        "kind, ref, prompt, words",
        [
            ("flashcard", "", "q", "card kind"),
            ("free", "x", "q", "no ref for a free card"),
            ("note", "", "q", "expected a ref"),
            ("note", "a\nb", "q", "one line"),
            ("free", "", "   ", "prompt with some text"),
            ("free", "", 7, "prompt as a string"),
        ],
    )
    def test_bad_cards_are_refused(self, store, kind, ref, prompt, words):
        with pytest.raises(InvalidRecordError, match=words):
            store.create_card(kind, ref, prompt, "answer", now=T0)
        assert store.list_cards() == []

    def test_unknown_sources_are_not_found(self, store):
        with pytest.raises(NotFoundError):
            store.card_from_note(42)
        with pytest.raises(NotFoundError, match="eq1-attention"):
            store.card_from_equation("eq99")
        assert store.list_cards() == []

    def test_state_round_trips_through_the_file(self, db_path, card):
        with Store.open(db_path) as store:
            reviewed = store.review(card.id, 3, now=T0)
        with Store.open(db_path) as store:
            again = store.get_card(card.id)
        assert again == reviewed
        assert again.state["due"] == "2024-05-01T12:10:00+00:00"
        assert again.state["stability"] == pytest.approx(2.3065)


class TestScheduling:
    def test_good_moves_the_due_time_forward_each_review(self, store, card):
        moment, dues = T0, []
        for _ in range(4):
            card = store.review(card.id, 3, now=moment)
            moment = datetime.fromisoformat(card.due)
            dues.append(moment)
        assert dues == sorted(dues) and dues[0] > T0
        gaps = [later - earlier for earlier, later in pairwise(dues)]
        assert gaps == sorted(gaps) and gaps[-1] > timedelta(days=10)

    def test_again_brings_a_card_back_sooner_than_good(self, store):
        cards = [store.create_card("free", "", f"q{i}", "", now=T0) for i in (1, 3)]
        # Both learnt to the review state, then one forgotten, one recalled.
        for made in cards:
            for moment in (T0, at(minutes=10), at(days=2)):
                store.review(made.id, 3, now=moment)
        forgot = store.review(cards[0].id, 1, now=at(days=20))
        recalled = store.review(cards[1].id, 3, now=at(days=20))
        assert forgot.due < recalled.due
        assert datetime.fromisoformat(forgot.due) <= at(days=20, minutes=10)

    def test_the_same_reviews_give_the_same_schedule(self, store):
        # No fuzz: the scheduler is deterministic for a given time.
        dues = []
        for prompt in ("a", "b"):
            made = store.create_card("free", "", prompt, "", now=T0)
            for moment in (T0, at(minutes=10), at(days=3), at(days=30)):
                made = store.review(made.id, 3, now=moment)
            dues.append(made.due)
        assert dues[0] == dues[1]

    def test_due_cards_come_longest_overdue_first(self, store):
        store.create_card("free", "", "late", "", now=at(hours=2))
        early = store.create_card("free", "", "early", "", now=T0)
        store.create_card("free", "", "tied", "", now=T0)
        reviewed = store.create_card("free", "", "reviewed", "", now=T0)
        store.review(reviewed.id, 4, now=T0)

        due = store.due_cards(now=at(hours=3))
        assert [c.prompt for c in due] == ["early", "tied", "late"]
        assert [c.id for c in store.due_cards(now=at(hours=3), limit=1)] == [early.id]
        assert store.count_due_cards(now=at(hours=3)) == 3
        assert store.count_due_cards(now=at(hours=1)) == 2


class TestHistory:
    def test_each_review_leaves_a_row_with_due_before_and_after(self, store, card):
        first = store.review(card.id, 3, now=T0)
        second = store.review(card.id, 1, now=at(minutes=10))

        history = store.reviews(card.id)
        assert [(r.rating, r.reviewed) for r in history] == [
            (3, "2024-05-01T12:00:00.000000Z"),
            (1, "2024-05-01T12:10:00.000000Z"),
        ]
        assert history[0].due_before == card.due
        assert history[0].due_after == first.due == history[1].due_before
        assert history[1].due_after == second.due
        assert history[1].log["rating"] == 1

    @pytest.mark.parametrize("rating", [0, 5, 2.0, True, "3", None])
    def test_a_bad_rating_leaves_the_store_unchanged(
        self, store, card, db_path, rating
    ):
        before = snapshot(db_path)
        with pytest.raises(InvalidRecordError, match="1 Again, 2 Hard, 3 Good"):
            store.review(card.id, rating, now=T0)
        assert snapshot(db_path) == before

    def test_reviewing_an_unknown_card_is_not_found(self, store):
        with pytest.raises(NotFoundError, match="no card has it"):
            store.review(9, 3, now=T0)

    def test_a_naive_time_is_refused(self, store, card):
        with pytest.raises(InvalidRecordError, match="time zone"):
            store.review(card.id, 3, now=datetime(2024, 5, 1))
        assert store.reviews(card.id) == []

    def test_deleting_a_notes_card_removes_its_reviews_and_keeps_the_note(self, store):
        note = store.create("Dropout", "zero activations at random")
        made = store.card_from_note(note.id, now=T0)
        store.review(made.id, 3, now=T0)

        store.delete_card(made.id)

        assert store.list_cards() == []
        assert store._query("SELECT * FROM reviews") == []
        assert store.get(note.id) == note
        with pytest.raises(NotFoundError):
            store.delete_card(made.id)
        # The note can be made into a card again, starting afresh.
        assert store.card_from_note(note.id, now=at(days=1)).state["stability"] is None

    def test_deleting_a_note_keeps_its_card(self, store):
        note = store.create("Warmup", "raise the learning rate slowly")
        made = store.card_from_note(note.id, now=T0)
        store.delete(note.id)
        assert store.get_card(made.id).answer == "raise the learning rate slowly"

    def test_stored_state_is_json_text(self, store, card):
        store.review(card.id, 2, now=T0)
        row = store._query_one("SELECT state FROM cards WHERE id = ?", [card.id])
        assert json.loads(row["state"]) == store.get_card(card.id).state
