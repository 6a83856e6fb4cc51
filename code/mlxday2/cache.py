"""A store for derived artefacts (decoded images, trained models): keyed, verified.

An artefact is a file in the cache directory (``cache_dir()``: ``$MLXDAY2_CACHE``, else
``_cache/`` at the repository root, else the system's cache directory) whose name holds
a key, and a SHA-256 of its bytes in a file beside it (``<name>.sha256``). The rules
that keep a cache from going stale or corrupt:

- **Keys cover everything that changes the content**: ``make_key`` hashes any JSON-able
  parts; callers pass the source of the code that made the artefact (``source_digest``),
  its constants, a digest of the data's bytes (``array_digest``, not its length), the
  library versions (``library_versions``) and the numerics.
- **Verified on load**: ``load`` checks the stored SHA-256 first; a missing or wrong
  digest, or any error while reading, warns with the path, deletes the file and returns
  ``None``, so the caller recomputes.
- **Atomic writes**: ``save`` writes a uniquely named temporary file in the same
  directory and renames it into place, so concurrent writers never see each other's
  half-written files.
- **Writability first**: ``writable_dir`` checks the directory before expensive work
  and says which directory failed and how to choose another (``MLXDAY2_CACHE``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import os
import tempfile
import warnings
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Callable, TypeVar

import numpy as np

from mlxday2 import datasets

T = TypeVar("T")


def _cache_location() -> tuple[Path, str]:
    """Return the cache directory and, for error messages, why it is that one."""
    setting = os.environ.get("MLXDAY2_CACHE")
    if setting:
        return Path(setting).expanduser().resolve(), f"MLXDAY2_CACHE is {setting!r}"
    default = "the default, as MLXDAY2_CACHE is not set"
    if (datasets._REPO_ROOT / "_config.yml").exists():
        return datasets._REPO_ROOT / "_cache", default
    return datasets.pooch.os_cache("mlxday2"), default


def cache_dir() -> Path:
    """Return the directory for derived artefacts (decoded arrays, trained models).

    ``$MLXDAY2_CACHE`` if set, else ``<repository>/_cache`` (git-ignored), else the
    operating system's cache directory (``~/.cache/mlxday2`` on Linux). Created on first
    use; raises ``DirectoryError`` naming the directory and ``MLXDAY2_CACHE`` when it
    cannot be. An existing cache may be read-only (reading it is fine): call
    ``writable_dir`` before work whose result goes into it.
    """
    path, why = _cache_location()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise datasets.DirectoryError(
            f"cannot create the cache directory {path} ({why}): "
            f"{err.strerror or err}. Set MLXDAY2_CACHE to a directory you can write to."
        ) from err
    return path


def writable_dir() -> Path:
    """Return ``cache_dir()`` after checking that a file can be written there.

    Call it before expensive work whose result goes into the cache (decoding, training),
    so a read-only cache is reported at once, naming the directory and
    ``MLXDAY2_CACHE``, rather than after the work is done.
    """
    path = cache_dir()
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".mlxday2-write-check-"):
            pass
    except OSError as err:
        _, why = _cache_location()
        raise datasets.DirectoryError(
            f"cannot write to the cache directory {path} ({why}): "
            f"{err.strerror or err}. Set MLXDAY2_CACHE to a directory you can write to."
        ) from err
    return path


def make_key(*parts: Any) -> str:
    """Return a 20-hex-digit key: the SHA-256 of ``parts`` as sorted JSON."""
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def source_digest(*modules: ModuleType) -> str:
    """Return the SHA-256 of the whole source of ``modules``: any edit changes it."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()


def array_digest(*arrays: np.ndarray) -> str:
    """Return the SHA-256 of the arrays' dtypes, shapes and bytes (their content)."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def library_versions(*names: str) -> dict[str, str]:
    """Return ``{distribution: version}`` (``"absent"`` for one not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def discard(path: Path) -> None:
    """Delete a cached file and its digest, if present."""
    for p in (path, _digest_path(path)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def load(path: Path, read: Callable[[Path], T]) -> T | None:
    """Return ``read(path)`` if the file exists and matches its SHA-256, else None.

    A file without a digest, with a wrong one, or that ``read`` fails on is reported
    with a warning naming it, deleted (with its digest), and ``None`` returned so the
    caller recomputes.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        expected = _digest_path(path).read_text().strip()
        actual = datasets.sha256sum(path)
        if actual != expected:
            raise ValueError(
                f"SHA-256 {actual[:12]}... does not match the stored {expected[:12]}..."
            )
        return read(path)
    except (
        Exception
    ) as err:  # any failure to load means: recompute, never crash or trust it
        warnings.warn(
            f"discarding the unreadable cached file {path} ({type(err).__name__}: "
            f"{err}); it will be recomputed",
            stacklevel=2,
        )
        discard(path)
        return None


def save(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file with ``write(binary_file)`` atomically, with its SHA-256 beside it.

    Both files are first written under unique temporary names in the same directory,
    then renamed into place (the digest last), so readers see either nothing or a
    complete file.
    """
    path = Path(path)
    written = []
    try:
        for target, writer in ((path, write), (_digest_path(path), None)):
            fd, tmp = tempfile.mkstemp(
                dir=path.parent, prefix=f".{target.name}.", suffix=".part"
            )
            written.append(tmp)
            os.chmod(
                tmp, 0o666 & ~_umask()
            )  # mkstemp makes 0600; cached files are shared
            with os.fdopen(fd, "wb") as f:
                if writer is not None:
                    writer(f)
                else:
                    f.write(datasets.sha256sum(written[0]).encode())
        os.replace(written[0], path)
        os.replace(written[1], _digest_path(path))
    finally:
        for tmp in written:
            if os.path.exists(tmp):
                os.remove(tmp)
    return path


def cached(
    path: Path,
    compute: Callable[[], T],
    *,
    read: Callable[[Path], T],
    write: Callable[[T, IO[bytes]], None],
    keep: Callable[[T], bool] = lambda value: True,
    use: bool = True,
) -> T:
    """Return ``read(path)`` if a verified copy is cached, else ``compute()``.

    A computed value is saved with ``write(value, binary_file)`` when ``keep(value)``
    (atomically, with its digest: ``save``); ``use=False`` skips the lookup and
    recomputes.
    """
    value = load(path, read) if use else None
    if value is None:
        value = compute()
        if keep(value):
            save(path, lambda f: write(value, f))
    return value
