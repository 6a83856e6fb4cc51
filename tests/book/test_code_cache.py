"""The cache extension re-executes exactly the chapters whose mlxday2 code changed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, toc_chapters

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import code_cache  # noqa: E402


def _package_copy(tmp_path):
    package = tmp_path / "mlxday2"
    shutil.copytree(
        code_cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    return package


def _keys(package):
    return {
        chapter: code_cache.chapter_key((ROOT / f"{chapter}.md").read_text(), package)
        for chapter in toc_chapters()
    }


def test_every_chapter_is_keyed_on_its_own_subpackage_and_the_core():
    for chapter in toc_chapters():
        name = chapter.split("/")[-1]
        files = code_cache.chapter_modules((ROOT / f"{chapter}.md").read_text())
        relative = {p.relative_to(code_cache.PACKAGE).as_posix() for p in files}
        assert f"{name}/__init__.py" in relative, chapter
        assert "__init__.py" in relative and "book.py" in relative, chapter


@pytest.mark.parametrize(
    "edited, expected",
    [
        # a chapter's own subpackage: that chapter, and causal_representation, which
        # imports causality (plot_dag, ols)
        ("causality/ols.py", {"book/causality", "book/causal_representation"}),
        ("cnn/models.py", {"book/cnn"}),
        ("regression/stata.py", {"book/regression"}),
        ("optimization_theory/saddles.py", {"book/optimization_theory"}),
        # the shared core: every chapter
        ("book.py", set(toc_chapters())),
    ],
)
def test_an_edit_changes_the_keys_of_exactly_the_chapters_that_import_it(
    tmp_path, edited, expected
):
    package = _package_copy(tmp_path)
    before = _keys(package)
    with open(package / edited, "a") as f:
        f.write("\n# an edit\n")
    after = _keys(package)
    assert {c for c in before if before[c] != after[c]} == expected


def test_a_renamed_module_changes_the_key(tmp_path):
    package = _package_copy(tmp_path)
    before = _keys(package)["book/cnn"]
    (package / "cnn" / "plots.py").rename(package / "cnn" / "figures.py")
    assert _keys(package)["book/cnn"] != before


def test_only_the_changed_chapters_executions_are_forgotten(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(tmp_path / "cache"))
    for name in ("causality", "cnn"):
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(f"x = '{name}'")],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        )
        bundle = CacheBundleIn(notebook, str(tmp_path / "book" / f"{name}.md"))
        cache.cache_notebook_bundle(bundle, check_validity=False)
    code_cache._forget_executions(tmp_path / "cache", {"book/cnn"})
    kept = [
        Path(r.uri).stem
        for r in get_cache(str(tmp_path / "cache")).list_cache_records()
    ]
    assert kept == ["causality"]


@pytest.mark.book
def test_rebuilding_after_an_edit_executes_only_the_touched_chapter(
    built_book, tmp_path
):
    """Copy the built book, edit one module of the copy, rebuild: one chapter runs."""
    copy = tmp_path / "book-copy"
    shutil.copytree(
        ROOT,
        copy,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "_cache", "screenshots", "__pycache__", ".pytest_cache"
        ),
    )
    with open(copy / "code" / "mlxday2" / "regression" / "stata.py", "a") as f:
        f.write("\n# an edit\n")
    env = {**os.environ, "PYTHONPATH": str(copy / "code")}
    jupyter_book = os.path.join(os.path.dirname(sys.executable), "jupyter-book")
    run = subprocess.run(
        [jupyter_book, "build", str(copy), "-W", "-n", "--keep-going"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    log = run.stdout + run.stderr
    executed = {c for c in toc_chapters() if f"{c}.md: Executing notebook" in log}
    assert executed == {"book/regression"}, log[-3000:]


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
