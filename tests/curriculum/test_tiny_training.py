"""Where the live training of lesson 8 finds its text, and its model."""

from neuron.curriculum import tiny_training


def test_text_comes_from_a_corpus_file(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("first corpus " * 10, encoding="utf-8")
    monkeypatch.setenv("NEURON_CORPORA", str(tmp_path))
    text, source = tiny_training.lesson_text(max_chars=20)
    assert (text, source) == ("first corpus first c", "a.txt")


def test_text_falls_back_when_no_corpus_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURON_CORPORA", str(tmp_path / "absent"))
    text, source = tiny_training.lesson_text(max_chars=5000)
    assert len(text) == 5000
    assert "no corpus" in source


def test_tiny_config_is_about_a_hundred_thousand_parameters():
    config = tiny_training.tiny_config(vocab_size=65)
    assert 80_000 < config.parameter_count() < 150_000
