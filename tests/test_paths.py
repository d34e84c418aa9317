"""Finding the notebooks: checkout, override, and the URL of each."""

from __future__ import annotations

import pytest

from neuron import paths


def make_tree(root, workbench=(), lessons=()):
    (root / "workbench").mkdir(parents=True)
    (root / "lessons").mkdir()
    for name in ("home", *workbench):
        (root / "workbench" / f"{name}.py").write_text("")
    for name in lessons:
        (root / "lessons" / f"{name}.py").write_text("")
    return root


def test_checkout_is_the_default_root(monkeypatch):
    monkeypatch.delenv("NEURON_NOTEBOOKS", raising=False)
    assert paths.notebook_root() == paths.PACKAGE_DIR.parent
    assert paths.home_notebook().is_file()


def test_workspaces_come_in_header_order_and_only_if_present(tmp_path, monkeypatch):
    tree = make_tree(tmp_path, workbench=["builder", "explorer", "scratch"])
    monkeypatch.setenv("NEURON_NOTEBOOKS", str(tree))

    found = paths.workspaces()

    assert [page.slug for page in found] == ["explorer", "builder"]
    assert found[0].title == "Explorer" and found[0].summary


def test_lessons_are_ordered_by_number_not_by_name(tmp_path, monkeypatch):
    tree = make_tree(tmp_path, lessons=["10_capstone", "02_word2vec", "notes", "1_a"])
    monkeypatch.setenv("NEURON_NOTEBOOKS", str(tree))

    found = paths.lessons()

    assert [page.slug for page in found] == ["1_a", "02_word2vec", "10_capstone"]
    # The track's title for a lesson it knows, the file name's for others.
    assert found[1].title == "2. Word2vec from scratch"
    assert found[0].title == "1. A"
    assert paths.url_of(found[1], "lesson") == "/lessons/02_word2vec/"


def test_url_of_rejects_an_unknown_kind(tmp_path):
    page = paths.Page("x", "X", tmp_path / "x.py")
    assert paths.url_of(page, "workspace") == "/x/"
    with pytest.raises(ValueError, match="expected kind 'workspace' or 'lesson'"):
        paths.url_of(page, "chapter")


def test_corpora_come_from_the_environment_else_the_shared_folder(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(paths.CORPORA_ENV, raising=False)
    shared = paths.PACKAGE_DIR.parent.parent / "shared"
    if shared.is_dir():
        assert paths.shared_dir() == shared
        expected = shared / "corpora"
        assert paths.corpora() == (expected if expected.is_dir() else None)
    else:
        assert paths.shared_dir() is None and paths.corpora() is None

    one_file = tmp_path / "words.txt"
    one_file.write_text("a few words\n")
    for chosen in (tmp_path, one_file):
        monkeypatch.setenv(paths.CORPORA_ENV, str(chosen))
        assert paths.corpora() == chosen
    monkeypatch.setenv(paths.CORPORA_ENV, str(tmp_path / "nowhere"))
    assert paths.corpora() is None
