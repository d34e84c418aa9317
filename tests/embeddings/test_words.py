"""Typed word lists: splitting, checking against a vocabulary, and adding
neighbours for a map."""

from neuron.embeddings import known_words, nearest, split_words, with_neighbours


def test_split_words_at_commas_and_spaces_keeping_first_order():
    assert split_words(" king, queen  man,,king\nwoman ") == [
        "king",
        "queen",
        "man",
        "woman",
    ]


def test_known_words_falls_back_to_lower_case_and_lists_the_unknown(random_vectors):
    known, unknown = known_words(random_vectors, "W1 w2 nope w2")
    assert known == ["w1", "w2"]
    assert unknown == ["nope"]


def test_with_neighbours_groups_each_found_word_under_its_query(random_vectors):
    words, groups = with_neighbours(random_vectors, ["w1", "w2"], 3)
    assert words[:2] == ["w1", "w2"]
    assert len(words) == len(set(words)) == len(groups)
    near_w1 = [w for w, _ in nearest(random_vectors, "w1", 3)]
    assert all(groups[words.index(w)] in ("w1", "w2") for w in near_w1)
    assert groups[words.index(near_w1[0])] == "w1"
    assert with_neighbours(random_vectors, ["w1"], 0) == (["w1"], ["w1"])
