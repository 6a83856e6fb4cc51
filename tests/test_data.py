"""mlxday2.data: a verified copy is used, a corrupt one raises, a missing one gives a helpful error."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time

import pytest

from mlxday2 import data


@pytest.fixture
def tiny_registry(tmp_path, monkeypatch):
    """A data directory with one registered 'tiny' file, and the registry entry for it."""
    payload = b"country,mpi\nA,0.1\n"
    root = tmp_path / "data"
    monkeypatch.setenv("MLXDAY2_DATA", str(root))
    entry = data.DataFile("sub/tiny.csv", "http://127.0.0.1:9/tiny.csv", hashlib.sha256(payload).hexdigest(), "a test")
    monkeypatch.setitem(data.REGISTRY, "tiny", entry)
    return root, entry, payload


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path.resolve()
    monkeypatch.delenv("MLXDAY2_DATA")
    assert data.data_dir().name == "data"


def test_cache_dir_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path / "c"))
    assert data.cache_dir().is_dir()


def test_verified_copy_is_used(tiny_registry):
    root, entry, payload = tiny_registry
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "tiny.csv").write_bytes(payload)
    assert data.fetch("tiny").read_bytes() == payload


def test_corrupt_copy_raises_and_is_left_in_place(tiny_registry):
    root, entry, payload = tiny_registry
    (root / "sub").mkdir(parents=True)
    path = root / "sub" / "tiny.csv"
    path.write_bytes(payload + b"tampered")
    with pytest.raises(data.ChecksumError, match="expected " + entry.sha256):
        data.fetch("tiny")
    assert path.exists()


def test_missing_file_offline_raises_helpful_error_quickly(tiny_registry):
    root, entry, _ = tiny_registry
    start = time.perf_counter()
    with pytest.raises(data.DataNotFoundError) as info:
        data.fetch("tiny", timeout=5)
    message = str(info.value)
    assert "sub/tiny.csv" in message and entry.url in message and str(root) in message
    assert time.perf_counter() - start < 10


def test_missing_file_without_download(tiny_registry):
    with pytest.raises(data.DataNotFoundError, match="download=False"):
        data.fetch("tiny", download=False)


def test_unknown_name():
    with pytest.raises(KeyError, match="name must be one of"):
        data.fetch("no-such-data")


@pytest.fixture
def serve(tmp_path):
    """Serve ``bytes`` as /tiny.csv from a local HTTP server; yields a function returning its URL."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def url_for(content: bytes) -> str:
        (served / "tiny.csv").write_bytes(content)
        return f"http://127.0.0.1:{server.server_address[1]}/tiny.csv"

    yield url_for
    server.shutdown()


def test_download_is_verified_and_kept(tiny_registry, serve, monkeypatch):
    """A download from a local HTTP server lands in the data directory after its SHA-256 check."""
    root, entry, payload = tiny_registry
    url = serve(payload)
    monkeypatch.setitem(data.REGISTRY, "tiny", data.DataFile(entry.filename, url, entry.sha256, "a test"))
    path = data.fetch("tiny")
    assert path == root / "sub" / "tiny.csv" and path.read_bytes() == payload
    # A second fetch uses the kept copy, even with nothing served any more.
    (root.parent / "served" / "tiny.csv").unlink()
    assert data.fetch("tiny").read_bytes() == payload


def test_corrupt_download_is_not_used(tiny_registry, serve, monkeypatch):
    root, entry, payload = tiny_registry
    url = serve(b"something else")
    monkeypatch.setitem(data.REGISTRY, "tiny", data.DataFile(entry.filename, url, entry.sha256, "a test"))
    with pytest.raises(data.ChecksumError):
        data.fetch("tiny")


@pytest.mark.parametrize("name", ["mpi-national", "mpi-subnational", "mpi-area", "cifar10-jpeg"])
def test_registered_offline_copies_verify(name):
    """Where the data directory holds the book's data (CI points it at the offline copies), each verifies."""
    path = data.data_dir() / data.REGISTRY[name].filename
    if not path.exists():
        pytest.skip(f"{path} is not in this data directory")
    assert data.fetch(name, download=False) == path


def test_local_copy_in_another_root(tiny_registry, tmp_path):
    """A copy outside the data directory is verified the same way; an absent one is None."""
    _, entry, payload = tiny_registry
    other = tmp_path / "elsewhere"
    assert data.local_copy("tiny", other) is None
    (other / "sub").mkdir(parents=True)
    (other / "sub" / "tiny.csv").write_bytes(payload)
    assert data.local_copy("tiny", other) == other / "sub" / "tiny.csv"
    (other / "sub" / "tiny.csv").write_bytes(b"tampered")
    with pytest.raises(data.ChecksumError):
        data.local_copy("tiny", other)
