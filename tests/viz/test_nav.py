"""The shared header: the same entries on every page, the current one
marked, links that suit where the page is shown."""

import re

import pytest

from neuron.viz import nav
from tests.test_paths import make_tree


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = make_tree(
        tmp_path,
        workbench=["canvas", "explorer"],
        lessons=["01_vectors", "05_attention"],
    )
    monkeypatch.setenv("NEURON_NOTEBOOKS", str(root))
    return root


def links(html):
    return re.findall(r'<a href="([^"]*)" data-slug="([^"]*)"', html)


def test_under_the_server_links_are_its_paths(tree, monkeypatch):
    monkeypatch.setenv(nav.LINKS_ENV, "server")
    html = nav.header_html("canvas")
    assert links(html) == [
        ("/", "home"),
        ("/explorer/", "explorer"),
        ("/canvas/", "canvas"),
        ("/lessons/01_vectors/", "01_vectors"),
        ("/lessons/05_attention/", "05_attention"),
    ]
    # Only the current page is marked.
    assert html.split("</style>")[1].count('aria-current="page"') == 1
    assert 'data-slug="canvas" aria-current="page"' in html
    assert "opened alone" not in html


def test_in_the_static_site_workspaces_are_left_out(tree, monkeypatch):
    monkeypatch.setenv(nav.LINKS_ENV, "site")
    html = nav.header_html("05_attention")
    assert links(html) == [
        ("index.html", "home"),
        ("01_vectors.html", "01_vectors"),
        ("05_attention.html", "05_attention"),
    ]
    assert nav.href("canvas") == ""


def test_opened_alone_the_links_lead_to_a_neuron_server_and_say_so(tree, monkeypatch):
    monkeypatch.delenv(nav.LINKS_ENV, raising=False)
    html = nav.header_html("home")
    assert ("http://127.0.0.1:2742/explorer/", "explorer") in links(html)
    assert "opened alone" in html


def test_a_page_missing_from_disk_is_not_shown(tree, monkeypatch):
    monkeypatch.setenv(nav.LINKS_ENV, "server")
    slugs = [slug for _, slug in links(nav.header_html("home"))]
    assert "reader" not in slugs and "builder" not in slugs


def test_titles_are_escaped(tree, monkeypatch):
    monkeypatch.setenv(nav.LINKS_ENV, "server")
    html = nav.header_html('"><script>')
    assert "<script>" not in html.split("</style>")[1]
