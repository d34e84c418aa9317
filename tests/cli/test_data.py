"""`neuron data list` and `neuron data get`, through the real command, with
downloads from a real server on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neuron.cli import app
from tests.text.servers import FileServer, closed_port_url

SHAKESPEARE = (
    Path(__file__).resolve().parents[3] / "shared" / "corpora" / "tinyshakespeare.txt"
)


@pytest.fixture
def neuron(neuron_home):
    """Run `neuron ARGS...` in-process; returns the result."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def shakespeare() -> Path:
    if not SHAKESPEARE.is_file():
        pytest.skip(f"the shared corpora are not at {SHAKESPEARE.parent}")
    return SHAKESPEARE


@pytest.fixture
def mirror(shakespeare):
    """A loopback server holding the real tiny shakespeare file."""
    server = FileServer(files={"/input.txt": shakespeare.read_bytes()}).start()
    yield server
    server.stop()


def test_list_shows_every_dataset_and_none_downloaded(neuron):
    output = neuron("data", "list").output
    assert "text8" in output and "31.3 MB" in output
    assert "tinyshakespeare" in output and "1.1 MB" in output
    assert "word2vec" in output
    assert "yes" not in output


def test_get_downloads_from_a_mirror_and_prints_the_path(neuron, neuron_home, mirror):
    result = neuron("data", "get", "tinyshakespeare", "--url", mirror.url("/input.txt"))
    path = neuron_home / "datasets" / "tinyshakespeare.txt"

    assert result.stdout.strip() == str(path)
    assert path.read_bytes() == SHAKESPEARE.read_bytes()
    listing = neuron("data", "list").output
    assert "tinyshakespeare  1.1 MB   yes" in listing
    assert f"folder: {path.parent}" in listing


def test_get_into_a_chosen_folder(neuron, tmp_path, mirror):
    dest = tmp_path / "elsewhere"
    url = mirror.url("/input.txt")
    result = neuron("data", "get", "tinyshakespeare", "--dest", str(dest), "--url", url)
    assert result.stdout.strip() == str(dest / "tinyshakespeare.txt")
    listing = neuron("data", "list", "--dest", str(dest)).output
    assert "yes" in listing and f"folder: {dest}" in listing


def test_present_dataset_prints_its_path_without_network(
    neuron, neuron_home, shakespeare
):
    target = neuron_home / "datasets" / "tinyshakespeare.txt"
    target.parent.mkdir()
    shutil.copyfile(shakespeare, target)
    result = neuron("data", "get", "tinyshakespeare", "--url", closed_port_url())
    assert result.stdout.strip() == str(target)


def test_offline_is_one_error_line_with_the_fix(neuron, neuron_home):
    result = neuron(
        "data", "get", "tinyshakespeare", "--url", closed_port_url(), ok=False
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "network cannot be reached" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_name_is_an_error(neuron):
    result = neuron("data", "get", "wikipedia", ok=False)
    assert result.exit_code == 1
    assert "one of text8, tinyshakespeare" in result.stderr
