"""The pieces every lesson shares: recall cards made once and counted, a
lesson marked finished in the store with the next lesson of the track
named, a NumPy exercise's editor, and bad arguments refused before
anything is written."""

from __future__ import annotations

import pytest

from neuron.capstone import UnknownExerciseError
from neuron.curriculum import TRACK, Prompt
from neuron.errors import InvalidArgumentError
from neuron.store import Store
from neuron.viz import lesson as view

PROMPTS = [
    Prompt("why-sqrt-dk", "Why divide by sqrt(d_k)?", "To keep the variance at 1."),
    Prompt("why-mask", "Why mask?", "So a position cannot see the future."),
    Prompt("why-softmax", "Why softmax?", "Weights that are positive and sum to 1."),
]


@pytest.fixture
def store(neuron_home):
    with Store.open() as opened:
        yield opened


def finished_items(store: Store) -> list[tuple[str, str]]:
    return [(row.lesson, row.item) for row in store.progress()]


# ---- recall cards ----------------------------------------------------------


def test_made_cards_view_makes_a_card_of_each_prompt_and_says_how_many(store):
    shown = view.made_cards_view(store, "05_attention", PROMPTS)

    assert "Made 3 new recall cards." in shown.text
    cards = store.list_cards(kind="lesson")
    assert len(cards) == 3
    assert all(any(p.prompt in card.prompt for card in cards) for p in PROMPTS)


def test_pressing_again_makes_no_card_and_counts_the_ones_that_existed(store):
    view.made_cards_view(store, "05_attention", PROMPTS[:2])

    shown = view.made_cards_view(store, "05_attention", PROMPTS)
    again = view.made_cards_view(store, "05_attention", PROMPTS)

    assert "Made 1 new recall card (2 existed already)." in shown.text
    assert "Made no new recall cards (3 existed already)." in again.text
    assert len(store.list_cards(kind="lesson")) == 3


@pytest.mark.parametrize(
    ("made", "existed", "sentence"),
    [
        (3, 2, "Made 3 new recall cards (2 existed already)."),
        (1, 0, "Made 1 new recall card."),
        (0, 1, "Made no new recall cards (1 existed already)."),
        (0, 0, "Made no new recall cards."),
    ],
)
def test_made_cards_message_counts_in_words(made, existed, sentence):
    assert view.made_cards_message(made, existed) == sentence


@pytest.mark.parametrize("count", [-1, 1.5, True, "2"])
def test_made_cards_message_refuses_a_count_that_is_not_a_whole_number(count):
    with pytest.raises(InvalidArgumentError, match="whole number >= 0"):
        view.made_cards_message(count, 0)


def test_made_cards_view_refuses_an_unknown_lesson_and_writes_nothing(store):
    with pytest.raises(InvalidArgumentError) as caught:
        view.made_cards_view(store, "5_attention", PROMPTS)

    message = str(caught.value)
    assert "expected a lesson slug" in message
    assert "05_attention" in message
    assert "got '5_attention'" in message
    assert store.list_cards() == []


@pytest.mark.parametrize(
    ("prompts", "expected"),
    [
        ("why-mask", "got str"),
        ([PROMPTS[0], ("k", "prompt", "answer")], "got items of type tuple"),
        (None, "got NoneType"),
    ],
)
def test_made_cards_view_refuses_what_is_not_a_list_of_prompts(
    store, prompts, expected
):
    with pytest.raises(InvalidArgumentError, match=expected):
        view.made_cards_view(store, "05_attention", prompts)
    assert store.list_cards() == []


def test_made_cards_view_refuses_prompts_that_share_a_key(store):
    twins = [PROMPTS[0], Prompt(PROMPTS[0].key, "another", "answer")]
    with pytest.raises(InvalidArgumentError, match="distinct keys"):
        view.made_cards_view(store, "05_attention", twins)
    assert store.list_cards() == []


def test_lesson_views_refuse_what_is_not_a_store(neuron_home):
    with pytest.raises(InvalidArgumentError, match="expected a neuron.store.Store"):
        view.made_cards_view("neuron.db", "05_attention", PROMPTS)
    with pytest.raises(InvalidArgumentError, match="got NoneType"):
        view.finished_view(None, "05_attention")


# ---- finishing a lesson ------------------------------------------------------


def test_finished_view_records_the_lesson_as_finished(store):
    shown = view.finished_view(store, "05_attention")

    assert finished_items(store) == [("05_attention", "finished")]
    assert (
        "Attention marked finished. Next: Multi-head attention and the block."
        in shown.text
    )


def test_finishing_twice_keeps_one_row_and_its_first_time(store):
    view.finished_view(store, "01_vectors")
    first = store.progress("01_vectors")
    view.finished_view(store, "01_vectors")

    assert store.progress("01_vectors") == first
    assert len(first) == 1


@pytest.mark.parametrize(
    ("here", "after"),
    list(zip(TRACK[:-1], TRACK[1:], strict=True)),
    ids=lambda x: x.slug,
)
def test_finished_message_names_the_next_lesson_of_the_track(here, after):
    assert view.finished_message(here.slug) == (
        f"{here.title} marked finished. Next: {after.title}."
    )
    assert view.next_lesson(here.slug) == after


def test_the_last_lesson_names_no_next():
    last = TRACK[-1]

    message = view.finished_message(last.slug)

    assert message.startswith(f"{last.title} marked finished.")
    assert "Next" not in message
    assert view.next_lesson(last.slug) is None


@pytest.mark.parametrize("slug", ["", "5_attention", "lessons/05_attention", None])
def test_finished_view_refuses_an_unknown_lesson_and_writes_nothing(store, slug):
    with pytest.raises(InvalidArgumentError, match="expected a lesson slug"):
        view.finished_view(store, slug)
    assert store.progress() == []


# ---- buttons and the code exercise -----------------------------------------


def test_the_buttons_carry_the_labels_lessons_show():
    assert "Make recall cards" in view.recall_cards_button().text
    assert "Mark this lesson finished" in view.finish_lesson_button().text


def test_code_exercise_gives_an_empty_editor_a_button_and_the_prompt():
    editor, button, shown = view.code_exercise("ffn", "FFN(x)")

    assert editor.value == ""
    assert "FFN(x)" in editor.text
    assert "Check my code" in button.text
    assert button.value is False
    assert "Produce" in shown.text  # the exercise's prompt is shown


def test_code_exercise_without_a_label_uses_the_exercises_title():
    from neuron import capstone

    editor, _, _ = view.code_exercise("eq1-attention")

    assert capstone.exercise("eq1-attention").title in editor.text


def test_code_exercise_refuses_an_unknown_exercise():
    with pytest.raises(UnknownExerciseError, match="expected an exercise id"):
        view.code_exercise("eq99")
