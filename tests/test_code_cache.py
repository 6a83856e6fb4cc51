"""The book's cache extension notices any change to the mlxday2 package."""

import os
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import code_cache  # noqa: E402


def test_package_hash_changes_with_content_and_names(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    first = code_cache.package_hash(tmp_path)
    assert code_cache.package_hash(tmp_path) == first
    (tmp_path / "a.py").write_text("x = 2\n")
    second = code_cache.package_hash(tmp_path)
    assert second != first
    (tmp_path / "a.py").rename(tmp_path / "b.py")
    assert code_cache.package_hash(tmp_path) != second


def test_package_hash_covers_the_real_package():
    assert code_cache.PACKAGE.name == "mlxday2" and (code_cache.PACKAGE / "data.py").exists()


def test_build_removes_mplbackend_so_kernels_keep_inline_figures(monkeypatch):
    """ipykernel picks the inline backend only when MPLBACKEND is unset (kernelapp)."""
    connected = {}

    class App:
        def connect(self, event, handler, priority=500):
            connected.setdefault(event, []).append(handler)

    code_cache.setup(App())
    assert code_cache._keep_inline_figures in connected["config-inited"]
    monkeypatch.setenv("MPLBACKEND", "Agg")
    code_cache._keep_inline_figures(None, None)
    assert "MPLBACKEND" not in os.environ

