"""The roadmap's data and the learner's standing from real store rows."""

from datetime import UTC, datetime

import pytest

from neuron.curriculum import TRACK
from neuron.curriculum.roadmap import DOMAINS, PLAN, standing, week_of
from neuron.errors import InvalidArgumentError
from neuron.store import Store

SLUGS = {item.slug for item in TRACK}
NOW = datetime(2025, 1, 6, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "neuron.db") as opened:
        yield opened


def finish(store: Store, *slugs: str) -> None:
    for slug in slugs:
        store.mark_done(slug, "finished", now=NOW)


class TestDomains:
    def test_there_are_seven_with_distinct_keys(self):
        assert len(DOMAINS) == 7
        assert len({d.key for d in DOMAINS}) == 7

    def test_every_domain_names_real_lessons_and_modules(self):
        import importlib

        for domain in DOMAINS:
            assert domain.in_transformer.strip()
            assert domain.lessons and set(domain.lessons) <= SLUGS
            for module in domain.modules:
                importlib.import_module(module)

    def test_every_teaching_lesson_serves_some_domain(self):
        taught = {slug for d in DOMAINS for slug in d.lessons}
        assert SLUGS - taught == {"00_roadmap", "10_capstone"}


class TestPlan:
    def test_twelve_weeks_numbered_in_order(self):
        assert [w.number for w in PLAN] == list(range(1, 13))
        assert all(w.goals for w in PLAN)

    def test_each_lesson_is_met_in_the_week_the_track_gives(self):
        met = [slug for w in PLAN for slug in w.lessons]
        assert sorted(met) == sorted(SLUGS)
        for item in TRACK:
            assert item.slug in PLAN[item.week - 1].lessons
            assert week_of(item.slug).number == item.week

    def test_revisits_come_after_the_lesson_is_met(self):
        for week in PLAN:
            for slug in week.revisit:
                assert week_of(slug).number < week.number

    def test_week_of_unknown_slug_says_which_exist(self):
        with pytest.raises(InvalidArgumentError, match="05_attention"):
            week_of("99_nothing")


class TestStanding:
    def test_empty_store_is_week_one_nothing_started(self, store):
        result = standing(store.progress())
        assert result.current_week == 1
        assert not result.complete and result.finished_count == 0
        assert {item.status for item in result.lessons} == {"not started"}

    def test_exercises_are_counted_per_lesson(self, store):
        store.mark_done("05_attention", "exercise:scores", now=NOW)
        store.mark_done("05_attention", "exercise:mask", now=NOW)
        store.mark_done("05_attention", "cards", now=NOW)  # not an exercise
        lessons = {item.slug: item for item in standing(store.progress()).lessons}
        assert lessons["05_attention"].exercises == ("mask", "scores")
        assert lessons["05_attention"].status == "started"
        assert lessons["01_vectors"].status == "not started"

    def test_current_week_is_the_first_with_an_unfinished_lesson(self, store):
        finish(store, "00_roadmap", "01_vectors", "02_word2vec")
        assert standing(store.progress()).current_week == 3

    def test_a_week_is_not_done_until_all_its_lessons_are(self, store):
        finish(store, "01_vectors")
        result = standing(store.progress())
        assert result.current_week == 1
        assert not result.weeks[0].done

    def test_a_practice_week_is_reached_not_skipped(self, store):
        finish(store, *[item.slug for item in TRACK if item.week <= 7])
        assert standing(store.progress()).current_week == 8
        store.mark_done("08_training", "exercise:perplexity", now=NOW)
        assert standing(store.progress()).current_week == 9

    def test_everything_finished_is_complete_in_week_twelve(self, store):
        finish(store, *SLUGS)
        result = standing(store.progress())
        assert result.complete and result.current_week == 12
        assert result.finished_count == len(TRACK)

    def test_lessons_the_track_does_not_know_are_ignored(self, store):
        store.mark_done("42_extra", "finished", now=NOW)
        result = standing(store.progress())
        assert result.finished_count == 0
        assert [item.slug for item in result.lessons] == [t.slug for t in TRACK]
