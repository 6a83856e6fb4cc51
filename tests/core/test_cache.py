"""Tests of mlxday2.cache: keys, verification on load, atomic writes, writability."""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pytest

from mlxday2 import cache, datasets


def _write_bytes(data: bytes):
    return lambda f: f.write(data)


def _read_bytes(path):
    return path.read_bytes()


def test_a_saved_file_loads_back_with_its_digest_beside_it(tmp_path):
    path = cache.save(tmp_path / "a.bin", _write_bytes(b"hello"))
    assert (tmp_path / "a.bin.sha256").exists()
    assert cache.load(path, _read_bytes) == b"hello"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("damage", ["flip", "truncate", "no digest"])
def test_a_damaged_file_warns_with_its_path_is_discarded_and_returns_none(
    tmp_path, damage
):
    path = cache.save(tmp_path / "a.npz", lambda f: np.savez(f, x=np.arange(1000)))
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(bytes(raw[:100]))
    else:
        (tmp_path / "a.npz.sha256").unlink()
    with pytest.warns(UserWarning, match=str(path)):
        assert cache.load(path, np.load) is None
    assert not path.exists() and not (tmp_path / "a.npz.sha256").exists()


def test_a_reader_that_fails_counts_as_damage(tmp_path):
    path = cache.save(tmp_path / "a.bin", _write_bytes(b"not an npz"))
    with pytest.warns(UserWarning, match="discarding"):
        assert cache.load(path, lambda p: dict(np.load(p))) is None
    assert not path.exists()


def test_a_missing_file_is_simply_none(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.load(tmp_path / "nothing.bin", _read_bytes) is None


def test_concurrent_writers_of_one_key_both_succeed(tmp_path):
    path, errors = tmp_path / "a.bin", []

    def write():
        try:
            for _ in range(20):
                cache.save(path, _write_bytes(b"x" * 100_000))
        except Exception as err:  # pragma: no cover - the failure we test against
            errors.append(err)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and cache.load(path, _read_bytes) == b"x" * 100_000


def test_keys_follow_content_not_length():
    a, b = np.zeros(10, np.uint8), np.ones(10, np.uint8)
    assert cache.array_digest(a) != cache.array_digest(b)
    assert cache.array_digest(a) == cache.array_digest(a.copy())
    assert cache.array_digest(a) != cache.array_digest(a.reshape(2, 5))
    assert cache.make_key("x", {"a": 1}) == cache.make_key("x", {"a": 1})
    assert cache.make_key("x", {"a": 1}) != cache.make_key("x", {"a": 2})
    assert cache.source_digest(cache) != cache.source_digest(sys.modules[__name__])
    versions = cache.library_versions("numpy", "no-such-distribution-xyz")
    assert (
        versions["numpy"] == np.__version__
        and versions["no-such-distribution-xyz"] == "absent"
    )


def test_an_uncreatable_cache_dir_names_itself_and_the_variable(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MLXDAY2_CACHE", str(blocker / "cache"))
    with pytest.raises(datasets.DirectoryError, match="MLXDAY2_CACHE") as err:
        cache.writable_dir()
    assert str(blocker) in str(err.value)


def test_an_unwritable_cache_dir_names_itself_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache.tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(datasets.DirectoryError, match="MLXDAY2_CACHE") as err:
        cache.writable_dir()
    assert str(tmp_path) in str(err.value)


def test_saved_files_follow_the_umask_not_mkstemps_private_mode(tmp_path):
    path = cache.save(tmp_path / "a.bin", _write_bytes(b"x"))
    mask = cache._umask()
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_cached_computes_once_then_reads_and_skips_what_it_must_not_keep(tmp_path):
    calls = []

    def compute(value):
        calls.append(value)
        return value

    def through_cache(path, value, **how):
        return cache.cached(
            path,
            lambda: compute(value),
            read=_read_bytes,
            write=lambda v, f: f.write(v),
            **how,
        )

    kept = tmp_path / "kept.bin"
    assert through_cache(kept, b"first") == b"first"
    assert through_cache(kept, b"second") == b"first"  # read back, not recomputed
    assert through_cache(kept, b"third", use=False) == b"third"  # lookup skipped
    assert calls == [b"first", b"third"]
    refused = tmp_path / "refused.bin"
    assert through_cache(refused, b"bad", keep=lambda v: v != b"bad") == b"bad"
    assert not refused.exists()
