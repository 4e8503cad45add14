"""download() against a real HTTP server on 127.0.0.1 serving generated files."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from neuralab import data
from neuralab.data import testing
from neuralab.data.download import extract_tar, file_digest


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]  # set per server

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class Server:
    """A ThreadingHTTPServer serving ``folder``; ``requests`` lists the paths asked for."""

    def __init__(self, folder: Path) -> None:
        self.requests: list[str] = []
        handler = type("H", (_Handler,), {"requests": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    """Serve a folder with tiny fake MNIST .gz files and a fake cifar-10-python.tar.gz."""
    folder = tmp_path_factory.mktemp("www")
    testing.write_fake_mnist(folder, n_train=60, n_test=20)
    testing.write_fake_cifar10_archive(folder / "cifar-10-python.tar.gz", n_per_batch=10)
    server = Server(folder)
    yield server, folder
    server.close()


def _md5_table(folder: Path, names: list[str]) -> dict[str, str]:
    return {n: file_digest(folder / n, "md5") for n in names}


MNIST_GZ = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


def test_official_table_matches_published_checksums():
    mnist = {f.name: f.md5 for f in data.SOURCES["mnist"].files}
    assert mnist["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert mnist["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"
    assert data.SOURCES["mnist"].base_url == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    fashion = {f.name: f.md5 for f in data.SOURCES["fashion-mnist"].files}
    assert fashion["train-images-idx3-ubyte.gz"] == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    (cifar,) = data.SOURCES["cifar10"].files
    assert cifar.md5 == "c58f30108f718f92721af3b95e74349a"
    assert data.SOURCES["cifar10"].base_url + cifar.name == (
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    )


def test_real_mnist_files_match_official_checksums():
    real = Path("/work/shared/data/mnist")
    if not real.is_dir():
        pytest.skip(f"real MNIST files not at {real}")
    table = {f.name: f.md5 for f in data.SOURCES["mnist"].files}
    for path in sorted(real.glob("*.gz")):
        assert file_digest(path) == table[path.name]


def test_mnist_download_then_load_and_no_second_download(served, tmp_path):
    server, www = served
    table = _md5_table(www, MNIST_GZ)
    start = len(server.requests)
    root = data.download("mnist", tmp_path / "m", base_url=server.url, files=table, progress=False)
    assert root == tmp_path / "m"
    assert sorted(p.name for p in root.iterdir()) == sorted(MNIST_GZ)  # no .part leftovers
    assert len(server.requests) - start == 4
    ds = data.load("mnist", root=root)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (54, 6, 20)
    mtimes = {p.name: p.stat().st_mtime_ns for p in root.iterdir()}
    data.download("mnist", root, base_url=server.url, files=table, progress=False)
    assert len(server.requests) - start == 4  # present with the right checksum: skipped
    assert {p.name: p.stat().st_mtime_ns for p in root.iterdir()} == mtimes


def test_default_root_comes_from_env_var(served, tmp_path, monkeypatch):
    server, www = served
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path))
    table = [data.RemoteFile(n, md5=file_digest(www / n)) for n in MNIST_GZ]
    root = data.download("mnist", base_url=server.url.rstrip("/"), files=table, progress=True)
    assert root == tmp_path / "mnist"
    assert len(data.load("mnist").y_test) == 20


def test_sha256_and_corrupted_local_file_is_refetched(served, tmp_path):
    server, www = served
    name = "t10k-labels-idx1-ubyte.gz"
    sha = hashlib.sha256((www / name).read_bytes()).hexdigest()
    root = tmp_path / "m"
    root.mkdir()
    (root / name).write_bytes(b"stale")
    start = len(server.requests)
    data.download("mnist", root, base_url=server.url, files={name: sha}, progress=False)
    assert len(server.requests) - start == 1
    assert (root / name).read_bytes() == (www / name).read_bytes()


def test_wrong_checksum_fails_cleanly(served, tmp_path):
    server, _ = served
    name = "t10k-images-idx3-ubyte.gz"
    wrong = "0" * 32
    root = tmp_path / "m"
    with pytest.raises(ValueError, match="checksum mismatch") as err:
        data.download("mnist", root, base_url=server.url, files={name: wrong}, progress=False)
    msg = str(err.value)
    assert name in msg and wrong in msg and "got " in msg and "md5" in msg
    assert not root.exists()  # neither the file nor a .part is left, nor the folder it made


def test_404_fails_with_clear_message(served, tmp_path):
    server, _ = served
    root = tmp_path / "m"
    with pytest.raises(data.DownloadError, match="HTTP 404") as err:
        data.download("mnist", root, base_url=server.url, files={"nope.gz": "0" * 32})
    assert f"{server.url}nope.gz" in str(err.value)
    assert not root.exists()


def test_a_failed_download_keeps_a_folder_that_was_there(served, tmp_path):
    server, _ = served
    root = tmp_path / "m"
    root.mkdir()
    (root / "mine.txt").write_text("kept")
    with pytest.raises(data.DownloadError, match="HTTP 404"):
        data.download("mnist", root / "sub", base_url=server.url, files={"nope.gz": "0" * 32})
    assert [p.name for p in root.iterdir()] == ["mine.txt"]


def test_unreachable_host(tmp_path):
    # A port that was just free: nothing listens there, so the connection is refused.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(data.DownloadError, match=f"download of {url}x.gz failed"):
        data.download("mnist", tmp_path, base_url=url, files={"x.gz": "0" * 32}, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_cifar_archive_download_unpack_load(served, tmp_path):
    server, www = served
    table = [
        data.RemoteFile(
            "cifar-10-python.tar.gz",
            md5=file_digest(www / "cifar-10-python.tar.gz"),
            extract_to="cifar-10-batches-py",
        )
    ]
    start = len(server.requests)
    root = data.download("cifar10", tmp_path, base_url=server.url, files=table, progress=False)
    assert (root / "cifar-10-batches-py" / "data_batch_5").is_file()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging leftovers
    ds = data.load("cifar10", root=root)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (45, 5, 10)
    assert ds.X_train.shape[1:] == (32, 32, 3)
    batch = root / "cifar-10-batches-py" / "data_batch_1"
    before = batch.stat().st_mtime_ns
    # A {name: md5} table for the official archive name keeps its known folder, so the second
    # call neither downloads nor unpacks again.
    md5_table = {"cifar-10-python.tar.gz": table[0].md5}
    data.download("cifar10", tmp_path, base_url=server.url, files=md5_table, progress=False)
    assert len(server.requests) - start == 1
    assert batch.stat().st_mtime_ns == before


def test_download_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot be downloaded; choose one of: mnist"):
        data.download("digits", tmp_path)
    with pytest.raises(ValueError, match="cannot be downloaded"):
        data.download("imagenet", tmp_path)
    with pytest.raises(ValueError, match="MD5 \\(32 hex digits\\)"):
        data.download("mnist", tmp_path, files={"a.gz": "abc"})
    with pytest.raises(TypeError, match="files= must be"):
        data.download("mnist", tmp_path, files=["a.gz"])
    with pytest.raises(ValueError, match="plain file name"):
        data.RemoteFile("../evil", md5="0" * 32)
    with pytest.raises(ValueError, match="needs an md5 or sha256"):
        data.RemoteFile("a.gz")


# --------------------------------------------------------------------------- safe unpacking
def _tar_with(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


@pytest.mark.parametrize("evil", ["../escape.txt", "/tmp/abs-escape.txt", "ok/../../escape.txt"])
def test_extract_rejects_path_traversal(tmp_path, evil):
    archive = _tar_with(tmp_path / "evil.tar.gz", {"ok/a.txt": b"a", evil: b"pwned"})
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match="refusing to unpack member") as err:
        extract_tar(archive, dest)
    assert evil in str(err.value) and str(archive) in str(err.value)
    assert not (tmp_path / "escape.txt").exists()
    assert list(dest.iterdir()) == []  # nothing unpacked, staging removed


def test_extract_rejects_links_out_of_folder(tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="refusing to unpack"):
        extract_tar(archive, tmp_path / "dest")


def test_extract_corrupt_archive(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b" + bytes(50))
    with pytest.raises(ValueError, match="corrupt or truncated archive"):
        extract_tar(archive, tmp_path / "dest")


def test_extract_ok(tmp_path):
    archive = _tar_with(tmp_path / "ok.tar.gz", {"pkg/a.txt": b"a", "pkg/sub/b.txt": b"b"})
    dest = extract_tar(archive, tmp_path / "dest")
    assert (dest / "pkg" / "sub" / "b.txt").read_bytes() == b"b"
    assert np.array_equal(sorted(p.name for p in dest.iterdir()), ["pkg"])
