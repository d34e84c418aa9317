"""Well-known corpora, downloaded once, verified, and kept on disk.

:func:`get` fetches a dataset into ``datasets/`` under the neuron data
directory. A download goes to ``<file>.part`` first; an interrupted one
resumes from where it stopped with an HTTP Range request (or starts over if
the server ignores the range). Only a file of the expected size and checksum
is renamed into place, so a file under its final name is always complete and
verified; a corrupted one is deleted. A dataset already there is returned
without touching the network.

The library does not print: pass ``progress`` to follow a download (the
``neuron data get`` command draws a progress bar with it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import platformdirs

from neuron.errors import (
    ChecksumError,
    DownloadError,
    OfflineError,
    UnknownDatasetError,
)
from neuron.store.paths import HOME_ENV

__all__ = [
    "REGISTRY",
    "Dataset",
    "FileSpec",
    "dataset",
    "datasets_dir",
    "get",
    "is_present",
    "local_path",
]

log = logging.getLogger(__name__)

#: ``progress(done, total)``: bytes of the file on disk so far, and the full
#: size when known.
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class FileSpec:
    """A file and what it must be for neuron to accept it.

    Attributes:
        name: the file name (no folders).
        size: its size in bytes, or None when unknown.
        sha256: its SHA-256 as hex, when published.
        sha1: its SHA-1 as hex; checked when given (some corpora only have
            SHA-1 sums published by a trustworthy source).
    """

    name: str
    size: int | None
    sha256: str | None = None
    sha1: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A corpus neuron knows how to fetch.

    Attributes:
        name: what ``neuron data get NAME`` calls it.
        url: the canonical address of the download.
        download: the file the address serves.
        description: one line for ``neuron data list``.
        unpack: for a zip archive, the member to extract beside it; that
            member is then the dataset's file. None for a plain file.
    """

    name: str
    url: str
    download: FileSpec
    description: str
    unpack: FileSpec | None = None

    @property
    def file(self) -> FileSpec:
        """The file a user of the dataset reads (extracted, if unpacked)."""
        return self.unpack or self.download


#: The corpora ``neuron data get`` knows, by name.
REGISTRY: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="text8",
            url="http://mattmahoney.net/dc/text8.zip",
            # No SHA-256 of text8.zip is published by its author or by a
            # project we could check it against. Its size is the one every
            # word2vec tutorial verifies; the SHA-1 sums of the archive and
            # of the extracted file are those GluonNLP's Text8 dataset
            # (dmlc/gluon-nlp) checks. Replace with a SHA-256 once one can be
            # computed from a verified copy.
            download=FileSpec(
                "text8.zip",
                size=31_344_016,
                sha1="6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e",
            ),
            description="English Wikipedia (2006) as 17 million lower-case "
            "words on one line; word2vec's classic benchmark",
            unpack=FileSpec(
                "text8",
                size=100_000_000,
                sha1="0dc3edebc970dcc96137e7deda4d9995af9d93de",
            ),
        ),
        Dataset(
            name="tinyshakespeare",
            url="https://raw.githubusercontent.com/karpathy/char-rnn/master/"
            "data/tinyshakespeare/input.txt",
            download=FileSpec(
                "tinyshakespeare.txt",
                size=1_115_394,
                sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            ),
            description="40,000 lines of Shakespeare's plays (about 200,000 "
            "words), the char-rnn set",
        ),
    )
}


def dataset(name: str) -> Dataset:
    """The registry entry called ``name``.

    Raises:
        UnknownDatasetError: there is none; the message lists the names.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        names = ", ".join(sorted(REGISTRY))
        raise UnknownDatasetError(
            f"expected a dataset name, one of {names}, got {name!r}; "
            "`neuron data list` shows them"
        ) from None


def datasets_dir() -> Path:
    """The default folder of downloaded datasets: ``datasets/`` under
    ``$NEURON_HOME`` when set, else under the user data directory
    (``~/.local/share/neuron`` on Linux). Not created here."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser()
    else:
        root = Path(platformdirs.user_data_dir("neuron", appauthor=False))
    return (root / "datasets").absolute()


def local_path(
    entry: str | Dataset, dest: str | os.PathLike[str] | None = None
) -> Path:
    """Where the dataset's file is (or would be) on disk.

    Args:
        entry: a registry name or a :class:`Dataset`.
        dest: the folder; :func:`datasets_dir` when None.
    """
    entry = dataset(entry) if isinstance(entry, str) else entry
    folder = Path(dest).expanduser() if dest is not None else datasets_dir()
    return folder / entry.file.name


def is_present(
    entry: str | Dataset, dest: str | os.PathLike[str] | None = None
) -> bool:
    """Whether the dataset's file is on disk with the expected size.

    A cheap check for listings: the checksum is verified by :func:`get`.
    """
    path = local_path(entry, dest)
    expected = (dataset(entry) if isinstance(entry, str) else entry).file.size
    return path.is_file() and (expected is None or path.stat().st_size == expected)


def get(
    name: str | Dataset,
    dest: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download a dataset if needed, verify it, and return its path.

    Steps: return the file at once if it is already there and verifies;
    otherwise download to ``<file>.part`` (resuming a partial one), check its
    size and checksum, rename it into place, and for an archive extract the
    dataset's file beside it.

    Args:
        name: a registry name (see :data:`REGISTRY`) or a :class:`Dataset`.
        dest: the folder to keep it in; :func:`datasets_dir` when None.
            Created if missing.
        url: download from this address instead of the registry's (a
            mirror); the file must still match the registry's checksum.
        progress: called as ``progress(done, total)`` while bytes arrive.
        timeout: seconds to wait for the server at each step.

    Returns:
        The path of the dataset's file (for an archive, the extracted file).

    Raises:
        UnknownDatasetError: no dataset has that name.
        OfflineError: the server cannot be reached; says how to get the file
            by hand.
        DownloadError: the server answered with an error, or the transfer
            stopped early (the ``.part`` file is kept: run again to resume).
        ChecksumError: the file downloaded or found is not the expected one.
    """
    entry = dataset(name) if isinstance(name, str) else name
    folder = Path(dest).expanduser() if dest is not None else datasets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / entry.download.name
    target = folder / entry.file.name

    # Step 1: already there and verified - no network.
    if entry.unpack is not None and target.is_file():
        if _matches(target, entry.unpack):
            log.info("%s is present at %s", entry.name, target)
            return target
        log.warning("%s does not verify; extracting it again", target)
    if archive.is_file():
        _verify_existing(archive, entry.download, entry)
        log.info("%s is present at %s", entry.download.name, archive)
    else:
        # Step 2: download to .part, verify, rename into place.
        partial = archive.with_name(archive.name + ".part")
        _fetch(entry, url or entry.url, partial, archive, progress, timeout)
        _verify_download(partial, entry.download)
        os.replace(partial, archive)
        log.info("downloaded %s to %s", entry.name, archive)

    # Step 3: extract the member an archive holds.
    if entry.unpack is not None:
        _extract(archive, entry.unpack, target)
    return target


# ---- downloading -------------------------------------------------------------


def _fetch(
    entry: Dataset,
    url: str,
    partial: Path,
    final: Path,
    progress: Progress | None,
    timeout: float,
) -> None:
    """Bring ``partial`` to the full file, resuming what is there."""
    expected = entry.download.size
    have = partial.stat().st_size if partial.exists() else 0
    if expected is not None and have > expected:
        log.warning("%s is longer than the file; starting over", partial)
        partial.unlink()
        have = 0
    if expected is not None and have == expected:
        return  # complete already; verified next

    # The file's own bytes: no transfer compression, so that sizes, ranges
    # and checksums all refer to the same bytes.
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if have and response.status_code == 416:
                # The server has nothing past what we hold: start over.
                partial.unlink()
                response.close()
                return _fetch(entry, url, partial, final, progress, timeout)
            start = _resume_offset(response, have, url)
            length = response.headers.get("Content-Length")
            total = start + int(length) if length is not None else expected
            if expected is not None and total != expected:
                raise _wrong_size(url, total, expected, partial)
            _write_body(response, partial, start, total, progress, url)
    except (httpx.ConnectError, httpx.TimeoutException) as exc:
        # Refused, no route, no DNS, or no answer in time.
        raise _offline(entry, url, final, exc) from None
    except httpx.InvalidURL as exc:
        raise DownloadError(
            f"expected an http:// or https:// address, got {url!r}: {exc}"
        ) from None
    except httpx.UnsupportedProtocol:
        raise DownloadError(
            f"expected an http:// or https:// address, got {url!r}"
        ) from None
    except httpx.TransportError as exc:
        raise DownloadError(
            f"expected an answer from {url}, got an error: {exc}; run again, "
            "or pass --url (url=) to use a mirror"
        ) from None


def _resume_offset(response: httpx.Response, have: int, url: str) -> int:
    """Where the body starts in the file: ``have`` when the server honours
    the Range request, 0 when it sends the whole file again."""
    status = response.status_code
    if status == 206 and have:
        content_range = response.headers.get("Content-Range", "")
        # "bytes START-END/TOTAL"
        first = content_range.removeprefix("bytes ").split("-", 1)[0]
        if first.isdigit() and int(first) == have:
            log.info("resuming %s at byte %d", url, have)
            return have
        raise DownloadError(
            f"expected {url} to resume at byte {have}, got the range "
            f"{content_range!r}; delete the .part file and run again"
        )
    if status == 200:
        if have:
            log.info("%s ignored the range request; starting over", url)
        return 0
    raise DownloadError(
        f"expected HTTP 200 from {url}, got {status} {response.reason_phrase}; "
        "check the address, or pass --url (url=) to use a mirror"
    )


def _write_body(
    response: httpx.Response,
    partial: Path,
    start: int,
    total: int | None,
    progress: Progress | None,
    url: str,
) -> None:
    """Append the response body to ``partial`` (from ``start``), keeping what
    arrived if the transfer breaks."""
    done = start
    with open(partial, "r+b" if start else "wb") as stream:
        stream.seek(start)
        stream.truncate()
        try:
            # Chunks as they arrive: a fixed chunk size would hold back the
            # tail of a broken transfer instead of keeping it for resuming.
            for chunk in response.iter_bytes():
                stream.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        except httpx.TransportError as exc:
            raise _stopped(url, done, total, partial, exc) from None
        finally:
            stream.flush()
            os.fsync(stream.fileno())
    if total is not None and done < total:
        raise _stopped(url, done, total, partial, None)


def _stopped(url, done, total, partial, exc) -> DownloadError:
    reason = f" ({exc})" if exc else ""
    of = f" of {total:,}" if total is not None else ""
    return DownloadError(
        f"expected the whole file from {url}, got {done:,}{of} bytes before the "
        f"transfer stopped{reason}; the partial download is kept at {partial}: "
        "run the same command again to resume"
    )


def _wrong_size(url, got, expected, partial: Path) -> ChecksumError:
    partial.unlink(missing_ok=True)
    return ChecksumError(
        f"expected {url} to serve {expected:,} bytes, got a file of {got:,}; "
        "the address serves a different file: check it, or use another mirror"
    )


def _offline(entry: Dataset, url: str, final: Path, exc: Exception):
    host = urlsplit(url).hostname or url
    spec = entry.download
    facts = []
    if spec.size is not None:
        facts.append(f"{spec.size:,} bytes")
    if spec.sha256:
        facts.append(f"sha256 {spec.sha256}")
    elif spec.sha1:
        facts.append(f"sha1 {spec.sha1}")
    must = f" (it must be {', '.join(facts)})" if facts else ""
    reason = str(exc) or type(exc).__name__
    return OfflineError(
        f"expected to reach {host} to download {entry.name}, but the network "
        f"cannot be reached ({reason}); connect and run again, "
        f"or copy {spec.name} by hand to {final}{must}, or download it from a "
        f"mirror with `neuron data get {entry.name} --url URL` (url= in Python)"
    )


# ---- verifying -----------------------------------------------------------------


def _digests(path: Path, spec: FileSpec) -> tuple[str | None, str | None]:
    """The SHA-256 and SHA-1 of a file, each only when ``spec`` asks for it."""
    sha256 = hashlib.sha256() if spec.sha256 else None
    sha1 = hashlib.sha1() if spec.sha1 else None
    if sha256 or sha1:
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                if sha256:
                    sha256.update(chunk)
                if sha1:
                    sha1.update(chunk)
    return (
        sha256.hexdigest() if sha256 else None,
        sha1.hexdigest() if sha1 else None,
    )


def _mismatch(path: Path, spec: FileSpec) -> str | None:
    """What is wrong with ``path`` against ``spec``, or None if it matches."""
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        return f"expected {spec.size:,} bytes, got {size:,}"
    sha256, sha1 = _digests(path, spec)
    if spec.sha256 and sha256 != spec.sha256.lower():
        return f"expected sha256 {spec.sha256}, got {sha256}"
    if spec.sha1 and sha1 != spec.sha1.lower():
        return f"expected sha1 {spec.sha1}, got {sha1}"
    return None


def _matches(path: Path, spec: FileSpec) -> bool:
    return _mismatch(path, spec) is None


def _verify_download(partial: Path, spec: FileSpec) -> None:
    problem = _mismatch(partial, spec)
    if problem:
        partial.unlink()
        raise ChecksumError(
            f"the download of {spec.name} is corrupted: {problem}; it was "
            "deleted. Run again to download it anew; if this repeats, the "
            "server or a proxy alters the file, so try a mirror with --url"
        )


def _verify_existing(path: Path, spec: FileSpec, entry: Dataset) -> None:
    problem = _mismatch(path, spec)
    if problem:
        raise ChecksumError(
            f"the file at {path} is not {entry.name}'s {spec.name}: {problem}; "
            "delete it and run again to download it anew"
        )


def _extract(archive: Path, member: FileSpec, target: Path) -> None:
    """Extract ``member`` from a zip archive to ``target`` through a .part
    file, verified before it takes its name."""
    partial = target.with_name(target.name + ".part")
    try:
        with (
            zipfile.ZipFile(archive) as bundle,
            bundle.open(member.name) as source,
            open(partial, "wb") as sink,
        ):
            while chunk := source.read(1 << 20):
                sink.write(chunk)
    except (zipfile.BadZipFile, KeyError) as exc:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"expected {archive} to be a zip archive holding {member.name}, "
            f"got {exc}; delete it and run again"
        ) from None
    problem = _mismatch(partial, member)
    if problem:
        partial.unlink()
        raise ChecksumError(
            f"{member.name} extracted from {archive} is not the expected "
            f"file: {problem}; delete {archive} and run again"
        )
    os.replace(partial, target)
    log.info("extracted %s", target)
