"""Downloads against a real HTTP server on 127.0.0.1: complete, truncated
and resumed, corrupted, range ignored, offline, already present, zipped."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from neuron.errors import (
    ChecksumError,
    DownloadError,
    OfflineError,
    UnknownDatasetError,
)
from neuron.text import datasets
from neuron.text.datasets import Dataset, FileSpec
from tests.text.servers import FileServer, closed_port_url

# Enough bytes for several chunks of the download loop.
PAYLOAD = bytes(range(256)) * 1200  # 307,200 bytes


def entry_for(url: str, payload: bytes = PAYLOAD, **spec) -> Dataset:
    """A test-only registry entry for ``payload`` served at ``url``."""
    fields = {
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        **spec,
    }
    return Dataset(
        name="sample",
        url=url,
        download=FileSpec("sample.bin", **fields),
        description="bytes made by the test",
    )


@pytest.fixture
def served(file_server: FileServer) -> FileServer:
    file_server.files["/sample.bin"] = PAYLOAD
    return file_server


class TestComplete:
    def test_downloads_verifies_and_renames_into_place(self, served, tmp_path):
        seen: list[tuple[int, int | None]] = []
        entry = entry_for(served.url("/sample.bin"))

        path = datasets.get(
            entry, tmp_path, progress=lambda done, total: seen.append((done, total))
        )

        assert path == tmp_path / "sample.bin"
        assert path.read_bytes() == PAYLOAD
        assert not (tmp_path / "sample.bin.part").exists()
        assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert [request.range for request in served.requests] == [None]

    def test_present_file_is_returned_without_a_request(self, served, tmp_path):
        entry = entry_for(served.url("/sample.bin"))
        datasets.get(entry, tmp_path)
        served.requests.clear()

        assert datasets.get(entry, tmp_path) == tmp_path / "sample.bin"
        assert served.requests == []
        # Not even a reachable address is needed.
        offline = entry_for(closed_port_url())
        assert datasets.get(offline, tmp_path).read_bytes() == PAYLOAD

    def test_url_argument_overrides_the_registry_address(self, served, tmp_path):
        entry = entry_for(closed_port_url())
        path = datasets.get(entry, tmp_path, url=served.url("/sample.bin"))
        assert path.read_bytes() == PAYLOAD

    def test_sha1_alone_is_checked_too(self, served, tmp_path):
        sha1 = hashlib.sha1(PAYLOAD).hexdigest()
        entry = entry_for(served.url("/sample.bin"), sha256=None, sha1=sha1)
        assert datasets.get(entry, tmp_path).read_bytes() == PAYLOAD


class TestResume:
    def test_truncated_download_is_kept_and_resumed(self, served, tmp_path):
        entry = entry_for(served.url("/sample.bin"))
        served.stop_after = 100_000

        with pytest.raises(DownloadError, match="run the same command again to resume"):
            datasets.get(entry, tmp_path)
        partial = tmp_path / "sample.bin.part"
        assert not (tmp_path / "sample.bin").exists()
        assert partial.stat().st_size == 100_000

        path = datasets.get(entry, tmp_path)
        assert path.read_bytes() == PAYLOAD
        assert not partial.exists()
        assert [request.range for request in served.requests] == [
            None,
            "bytes=100000-",
        ]

    def test_truncated_error_is_not_a_checksum_error(self, served, tmp_path):
        served.stop_after = 10
        with pytest.raises(DownloadError) as caught:
            datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert not isinstance(caught.value, ChecksumError)
        assert "10 of 307,200 bytes" in str(caught.value)

    def test_server_ignoring_range_starts_over_cleanly(self, served, tmp_path):
        # A stale partial file whose bytes are wrong: only a fresh start can
        # give the right file.
        (tmp_path / "sample.bin.part").write_bytes(b"\x00" * 5000)
        served.ignore_range = True

        path = datasets.get(entry_for(served.url("/sample.bin")), tmp_path)

        assert path.read_bytes() == PAYLOAD
        assert [request.range for request in served.requests] == ["bytes=5000-"]

    def test_complete_partial_file_needs_no_request(self, served, tmp_path):
        (tmp_path / "sample.bin.part").write_bytes(PAYLOAD)
        path = datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert path.read_bytes() == PAYLOAD
        assert served.requests == []

    def test_partial_longer_than_the_file_is_discarded(self, served, tmp_path):
        (tmp_path / "sample.bin.part").write_bytes(PAYLOAD + b"extra")
        path = datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert path.read_bytes() == PAYLOAD
        assert [request.range for request in served.requests] == [None]


class TestRefused:
    def test_corrupted_download_raises_and_leaves_nothing(self, served, tmp_path):
        corrupted = bytearray(PAYLOAD)
        corrupted[1234] ^= 0xFF
        served.files["/sample.bin"] = bytes(corrupted)

        with pytest.raises(ChecksumError, match="corrupted: expected sha256"):
            datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert sorted(os.listdir(tmp_path)) == []

    def test_wrong_size_from_the_server_is_refused(self, served, tmp_path):
        served.files["/sample.bin"] = PAYLOAD[:-1]
        with pytest.raises(ChecksumError, match="serves a different file"):
            datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert sorted(os.listdir(tmp_path)) == []

    def test_http_error_status_is_reported(self, served, tmp_path):
        with pytest.raises(DownloadError, match="expected HTTP 200 .* got 404"):
            datasets.get(entry_for(served.url("/missing.bin")), tmp_path)

    def test_offline_says_how_to_get_the_file_by_hand(self, tmp_path):
        entry = entry_for(closed_port_url("/sample.bin"))
        with pytest.raises(OfflineError) as caught:
            datasets.get(entry, tmp_path)
        message = str(caught.value)
        assert "the network cannot be reached" in message
        assert f"copy sample.bin by hand to {tmp_path / 'sample.bin'}" in message
        assert hashlib.sha256(PAYLOAD).hexdigest() in message
        assert "--url" in message
        assert not (tmp_path / "sample.bin").exists()

    def test_wrong_file_already_in_place_is_not_accepted(self, served, tmp_path):
        (tmp_path / "sample.bin").write_bytes(b"x" * len(PAYLOAD))
        with pytest.raises(ChecksumError, match="delete it and run again"):
            datasets.get(entry_for(served.url("/sample.bin")), tmp_path)
        assert served.requests == []

    def test_unknown_name_lists_the_known_ones(self):
        with pytest.raises(UnknownDatasetError, match="one of text8, tinyshakespeare"):
            datasets.get("text9")

    def test_not_an_http_address(self, tmp_path):
        with pytest.raises(DownloadError, match="http:// or https://"):
            datasets.get(entry_for("ftp://example.invalid/x"), tmp_path)


class TestArchives:
    @pytest.fixture
    def zipped(self, served) -> tuple[FileServer, Dataset, bytes]:
        inner = b"anarchism originated as a term of abuse " * 2000
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("words", inner)
        archive = buffer.getvalue()
        served.files["/words.zip"] = archive
        entry = Dataset(
            name="words",
            url=served.url("/words.zip"),
            download=FileSpec(
                "words.zip", len(archive), sha256=hashlib.sha256(archive).hexdigest()
            ),
            description="a zipped test corpus",
            unpack=FileSpec("words", len(inner), sha1=hashlib.sha1(inner).hexdigest()),
        )
        return served, entry, inner

    def test_archive_is_verified_then_extracted(self, zipped, tmp_path):
        served, entry, inner = zipped
        path = datasets.get(entry, tmp_path)

        assert path == tmp_path / "words"
        assert path.read_bytes() == inner
        assert (tmp_path / "words.zip").is_file()
        assert not (tmp_path / "words.part").exists()

        served.requests.clear()
        assert datasets.get(entry, tmp_path) == path
        assert served.requests == []

    def test_extracted_file_is_made_again_from_the_archive(self, zipped, tmp_path):
        served, entry, inner = zipped
        path = datasets.get(entry, tmp_path)
        path.write_bytes(b"damaged")
        served.requests.clear()

        assert datasets.get(entry, tmp_path).read_bytes() == inner
        assert served.requests == []


class TestRegistry:
    def test_tinyshakespeare_entry_matches_the_real_file(self, corpora):
        real = corpora / "tinyshakespeare.txt"
        spec = datasets.dataset("tinyshakespeare").download
        assert spec.size == real.stat().st_size
        assert spec.sha256 == hashlib.sha256(real.read_bytes()).hexdigest()

    def test_text8_entry_states_size_and_checksums(self):
        entry = datasets.dataset("text8")
        assert entry.url == "http://mattmahoney.net/dc/text8.zip"
        assert entry.download.size == 31_344_016
        assert entry.download.sha1 and len(entry.download.sha1) == 40
        assert entry.file.name == "text8"
        assert entry.file.size == 100_000_000

    def test_copied_by_hand_file_is_accepted_offline(self, corpora, tmp_path):
        # The offline message's advice works: copy the file, run again.
        entry = datasets.dataset("tinyshakespeare")
        target = datasets.local_path(entry, tmp_path)
        target.write_bytes((corpora / "tinyshakespeare.txt").read_bytes())
        assert datasets.is_present(entry, tmp_path)
        assert datasets.get(entry, tmp_path, url=closed_port_url()) == target

    def test_default_folder_is_under_neuron_home(self, neuron_home: Path):
        assert datasets.datasets_dir() == neuron_home / "datasets"
        assert datasets.local_path("text8") == neuron_home / "datasets" / "text8"
        assert not datasets.is_present("text8")
