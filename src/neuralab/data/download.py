"""Download the official dataset files, verify their checksums and unpack archives safely.

``download("mnist")`` fetches the four MNIST IDX files into the cache folder
(``$NEURALAB_DATA/mnist`` or ``~/.cache/neuralab/mnist``) and returns that folder, which is
where :func:`neuralab.data.load` looks by default. Guarantees:

* **Checksums.** Every file is verified against the published MD5 (or a SHA-256) before it is
  given its final name; a mismatch raises ``ValueError`` naming the file, the expected and the
  actual digest, and the downloaded bytes are deleted.
* **Atomic.** Bytes go to a hidden ``.<name>.*.part`` file in the target folder, renamed into
  place only after verification, so an interrupted download never leaves a half file under the
  real name. Archives are unpacked into a temporary folder and moved into place the same way.
* **Idempotent.** A file already present with the right checksum is not downloaded again; an
  archive already unpacked is not unpacked again.
* **Safe unpacking.** ``tar`` members with absolute paths or ``..`` components are rejected
  (``ValueError``), and extraction uses :mod:`tarfile`'s ``"data"`` filter (no links out of the
  folder, no device files, no setuid bits).

The table of files is :data:`SOURCES`. To fetch something else — a mirror, or a test server —
pass ``base_url=`` and/or an explicit ``files=`` table: a sequence of :class:`RemoteFile` or a
mapping ``{file name: hex digest}`` (32 hex digits = MD5, 64 = SHA-256). Nothing global is
patched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from neuralab.data.registry import _canonical, data_home

_CHUNK = 1 << 16
_USER_AGENT = "neuralab/0.1 (+https://github.com/; urllib)"
_TIMEOUT_S = 60.0
# tarfile's extraction filters arrived in Python 3.11.4 (and were backported to 3.8-3.10).
_HAS_DATA_FILTER = hasattr(tarfile, "data_filter")
_FILTER_ERRORS: tuple[type[Exception], ...] = (
    (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()
)


class DownloadError(OSError):
    """Fetching a file failed (HTTP error, unreachable host, timeout); the message says which
    URL and why, and nothing is left under the file's name."""


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch.

    Attributes
    ----------
    name : str
        File name, appended to the base URL and used as the local name.
    md5, sha256 : str, optional
        Expected hex digest (at least one is required; SHA-256 wins if both are given).
    extract_to : str, optional
        For a ``.tar.gz``: the folder the archive unpacks into (e.g. ``cifar-10-batches-py``).
        The archive is unpacked when that folder is missing.
    """

    name: str
    md5: str | None = None
    sha256: str | None = None
    extract_to: str | None = None

    def __post_init__(self) -> None:
        if not self.name or PurePosixPath(self.name).name != self.name or self.name in (".", ".."):
            raise ValueError(f"RemoteFile name={self.name!r} must be a plain file name")
        if self.md5 is None and self.sha256 is None:
            raise ValueError(f"RemoteFile {self.name!r} needs an md5 or sha256 checksum")
        for algo, digest, size in (("md5", self.md5, 32), ("sha256", self.sha256, 64)):
            if digest is not None and (
                len(digest) != size or any(c not in "0123456789abcdef" for c in digest.lower())
            ):
                raise ValueError(
                    f"RemoteFile {self.name!r}: {algo}={digest!r} must be {size} hex digits"
                )

    @property
    def algorithm(self) -> str:
        """``"sha256"`` if a SHA-256 is given, else ``"md5"``."""
        return "sha256" if self.sha256 else "md5"

    @property
    def digest(self) -> str:
        """The expected hex digest (lower case) for :attr:`algorithm`."""
        return (self.sha256 or self.md5 or "").lower()


@dataclass(frozen=True)
class Source:
    """Where a dataset's files live: a base URL and the files with their checksums."""

    base_url: str
    files: tuple[RemoteFile, ...]


# The official locations and the published checksums (the same MD5s torchvision uses).
SOURCES: dict[str, Source] = {
    "mnist": Source(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        (
            RemoteFile("train-images-idx3-ubyte.gz", md5="f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            RemoteFile("train-labels-idx1-ubyte.gz", md5="d53e105ee54ea40749a09fcbcd1e9432"),
            RemoteFile("t10k-images-idx3-ubyte.gz", md5="9fb629c4189551a2d022fa330f9573f3"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", md5="ec29112dd5afa0611ce80d1b7f02629c"),
        ),
    ),
    "fashion-mnist": Source(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        (
            RemoteFile("train-images-idx3-ubyte.gz", md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            RemoteFile("train-labels-idx1-ubyte.gz", md5="25c81989df183df01b3e8a0aad5dffbe"),
            RemoteFile("t10k-images-idx3-ubyte.gz", md5="bef4ecab320f06d8554ea6380940ec79"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", md5="bb300cfdad3c16e7a12a480ee83cd310"),
        ),
    ),
    "cifar10": Source(
        "https://www.cs.toronto.edu/~kriz/",
        (
            RemoteFile(
                "cifar-10-python.tar.gz",
                md5="c58f30108f718f92721af3b95e74349a",
                extract_to="cifar-10-batches-py",
            ),
        ),
    ),
}


def file_digest(path: str | Path, algorithm: str = "md5") -> str:
    """Hex digest of a file's bytes (``"md5"`` or ``"sha256"``), read in chunks."""
    h = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files_table(
    files: Sequence[RemoteFile] | Mapping[str, str] | None, default: Source
) -> tuple[RemoteFile, ...]:
    if files is None:
        return default.files
    if isinstance(files, Mapping):
        official = {f.name: f for f in default.files}
        table = []
        for name, digest in files.items():
            kind = {32: "md5", 64: "sha256"}.get(len(digest))
            if kind is None:
                raise ValueError(
                    f"files[{name!r}]={digest!r} must be an MD5 (32 hex digits) or a SHA-256 "
                    "(64 hex digits)"
                )
            # An official archive keeps its known folder (cifar-10-python.tar.gz unpacks to
            # cifar-10-batches-py); another .tar.gz is expected to unpack to its own stem.
            if name in official:
                extract = official[name].extract_to
            else:
                extract = name[: -len(".tar.gz")] if name.endswith(".tar.gz") else None
            table.append(RemoteFile(name, **{kind: digest}, extract_to=extract))
        return tuple(table)
    table = tuple(files)
    bad = [f for f in table if not isinstance(f, RemoteFile)]
    if bad or not table:
        raise TypeError(
            "files= must be a non-empty sequence of RemoteFile or a mapping "
            f"{{file name: hex digest}}, got {files!r}"
        )
    return table


def download(
    name: str,
    root: str | Path | None = None,
    *,
    base_url: str | None = None,
    files: Sequence[RemoteFile] | Mapping[str, str] | None = None,
    progress: bool = True,
) -> Path:
    """Fetch a dataset's files into ``root`` and verify them.

    Parameters
    ----------
    name : str
        ``"mnist"``, ``"fashion-mnist"`` or ``"cifar10"`` (keys of :data:`SOURCES`).
    root : str or Path, optional
        Target folder. Default ``$NEURALAB_DATA/<name>``, else ``~/.cache/neuralab/<name>``.
        Created if missing.
    base_url : str, optional
        Replaces the official base URL (a mirror, a local server); file names are appended.
    files : sequence of RemoteFile or mapping of str to str, optional
        Replaces the official file table, e.g. ``{"t10k-images-idx3-ubyte.gz": "<md5>"}``.
        A mapping entry for an official archive keeps its known folder; another entry ending in
        ``.tar.gz`` is expected to unpack into the folder of the same stem.
    progress : bool
        Show a rich progress bar per file (on stderr).

    Returns
    -------
    Path
        The folder holding the files — pass it as ``root=`` to :func:`neuralab.data.load`.

    Raises
    ------
    ValueError
        Unknown ``name``; a checksum mismatch (names file, expected and actual digest; the
        bad download is deleted); an unsafe archive member.
    DownloadError
        An HTTP error (e.g. 404) or a network failure, naming the URL.
    """
    try:
        key = _canonical(name)
    except ValueError:
        key = None
    if key not in SOURCES:
        raise ValueError(f"name={name!r} cannot be downloaded; choose one of: {', '.join(SOURCES)}")
    source = SOURCES[key]
    table = _files_table(files, source)
    base = base_url if base_url is not None else source.base_url
    if not base.endswith("/"):
        base += "/"
    folder = data_home(key) if root is None else Path(root).expanduser()
    made = [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for remote in table:
            target = folder / remote.name
            fresh = not (target.is_file()
                         and file_digest(target, remote.algorithm) == remote.digest)
            if fresh:
                _fetch(base + remote.name, target, remote, progress=progress)
            # Unpack a newly fetched archive (it may replace a stale folder) or a missing one.
            if remote.extract_to and (fresh or not (folder / remote.extract_to).is_dir()):
                extract_tar(target, folder)
    except BaseException:
        for path in made:  # a failed download leaves no folder it made and left empty
            try:
                path.rmdir()
            except OSError:
                break
        raise
    return folder


@contextlib.contextmanager
def _progress_bar(enabled: bool, label: str, total: int | None) -> Iterator[Any]:
    """Yield ``advance(n_bytes)``; a rich bar when ``enabled``, a no-op otherwise."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,  # gone when the file is in: an error stays the one line on stderr
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _fetch(url: str, target: Path, remote: RemoteFile, *, progress: bool) -> None:
    """Download ``url`` to a temporary file beside ``target``, verify, then rename."""
    import http.client
    import urllib.error
    import urllib.request

    from neuralab.io import atomic_write

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})

    def write(tmp: str) -> None:  # streamed, hashed, checked; a raise leaves no file
        h = hashlib.new(remote.algorithm, usedforsecurity=False)
        with open(tmp, "wb") as out:
            try:
                with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    with _progress_bar(progress, target.name, total) as advance:
                        copied = _copy(response, out, h, advance)
                    if total is not None and copied != total:
                        raise DownloadError(
                            f"download of {url} failed: the connection closed after {copied} of "
                            f"{total} bytes; try again, or place {target.name} in "
                            f"{target.parent} yourself")
            except DownloadError:
                raise
            except urllib.error.HTTPError as err:
                raise DownloadError(
                    f"download of {url} failed: HTTP {err.code} {err.reason}; check the URL "
                    f"(base_url=) or place {target.name} in {target.parent} yourself"
                ) from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                # URLError: host unreachable / refused; HTTPException: connection cut mid-body;
                # OSError: timeouts and resets while reading.
                reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
                raise DownloadError(
                    f"download of {url} failed: {reason}; check the network (or base_url=) or "
                    f"place {target.name} in {target.parent} yourself"
                ) from err
        actual = h.hexdigest()
        if actual != remote.digest:
            raise ValueError(
                f"{target.name}: checksum mismatch for {url}: expected {remote.algorithm} "
                f"{remote.digest}, got {actual}; the downloaded file was removed"
            )

    atomic_write(target, write)


def _copy(src: IO[bytes], dst: IO[bytes], h: Any, advance: Any) -> int:
    """Copy ``src`` to ``dst`` in chunks, hashing them; the number of bytes copied."""
    copied = 0
    for chunk in iter(lambda: src.read(_CHUNK), b""):
        dst.write(chunk)
        h.update(chunk)
        advance(len(chunk))
        copied += len(chunk)
    return copied


def _check_member(archive: Path, member: tarfile.TarInfo) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or member.name.startswith(("/", "\\")) or ".." in path.parts:
        raise ValueError(
            f"{archive}: refusing to unpack member {member.name!r}: absolute paths and '..' "
            "would write outside the target folder"
        )


def extract_tar(archive: str | Path, dest: str | Path) -> Path:
    """Unpack a ``.tar`` / ``.tar.gz`` into ``dest`` safely and atomically.

    Every member is checked first (no absolute path, no ``..``); extraction then uses
    :mod:`tarfile`'s ``"data"`` filter into a temporary folder inside ``dest``, whose top-level
    entries are renamed into ``dest`` at the end (an existing entry of the same name is
    replaced). Returns ``dest``.

    Raises
    ------
    ValueError
        An unsafe member (names the archive and the member) or a corrupt archive.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    _check_member(archive, member)
                if _HAS_DATA_FILTER:
                    tar.extractall(staging, members=members, filter="data")
                else:  # Python < 3.11.4: no filters; allow only plain files and folders
                    for member in members:
                        if not (member.isreg() or member.isdir()):
                            raise ValueError(
                                f"{archive}: refusing to unpack member {member.name!r}: only "
                                "regular files and folders are allowed"
                            )
                    tar.extractall(staging, members=members)  # members checked above
        except _FILTER_ERRORS as err:  # links or special files the data filter refuses
            raise ValueError(f"{archive}: refusing to unpack: {err}") from err
        except (tarfile.TarError, EOFError, OSError) as err:
            raise ValueError(f"{archive}: corrupt or truncated archive ({err})") from err
        for entry in staging.iterdir():
            final = dest / entry.name
            if final.is_dir() and not final.is_symlink():
                shutil.rmtree(final)
            os.replace(entry, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest
