"""The layout is a map of the book: book/<chapter>.md -> mlxday2/<chapter>/ ->
tests/<chapter>/.

The map is derived from ``_toc.yml``. Two rules hold the import graph to the reading
order: the shared core imports no chapter, and a chapter imports only the core and
chapters before it in the table of contents.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT, toc_chapters

PACKAGE = ROOT / "code" / "mlxday2"
TESTS = ROOT / "tests"
CORE = {"checks", "plotting", "book", "datasets", "cache", "explorable"}
CHAPTERS = [chapter.split("/")[-1] for chapter in toc_chapters()]


def mlxday2_imports(path: Path) -> set[str]:
    """Return the top-level ``mlxday2`` units (``cnn``, ``checks``) a file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "mlxday2" and len(parts) > 1:
                found.add(parts[1])
    return found


def unit_of(path: Path) -> str:
    """Return the core module or chapter a package file belongs to."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_every_chapter_has_a_subpackage_and_a_test_folder_named_like_it():
    for name in CHAPTERS:
        assert (PACKAGE / name / "__init__.py").is_file(), (
            f"code/mlxday2/{name}/ missing"
        )
        assert list((TESTS / name).glob("test_*.py")), f"tests/{name}/ has no tests"


def test_the_package_holds_only_the_core_and_the_chapters():
    units = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir())
    }
    assert units - {"__init__"} == CORE | set(CHAPTERS)


def test_tests_mirror_the_package():
    folders = {
        p.name
        for p in TESTS.iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    }
    assert folders == {"core", "book"} | set(CHAPTERS)
    names = [p.name for p in TESTS.rglob("test_*.py")]
    assert len(names) == len(set(names)), "test file names must be unique"


@pytest.mark.parametrize(
    "path",
    sorted(PACKAGE.rglob("*.py")),
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_imports_follow_the_reading_order(path):
    unit = unit_of(path)
    imported = mlxday2_imports(path) - {unit}
    if unit in CORE or unit == "__init__":
        chapters = imported & set(CHAPTERS)
        assert not chapters, f"the core module {unit} imports chapter(s) {chapters}"
        return
    allowed = CORE | set(CHAPTERS[: CHAPTERS.index(unit)])
    assert imported <= allowed, (
        f"{unit} imports {sorted(imported - allowed)}, which come later in _toc.yml"
    )
