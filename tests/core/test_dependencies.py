"""The package declares exactly the third-party distributions it imports.

Colab installs only the package (``pip install "mlxday2 @ git+...#subdirectory=code"``),
and Binder installs it with ``--no-deps``: a module imported but not declared in
``code/pyproject.toml`` breaks a chapter there, and one declared but never imported is
installed for nothing. The tests read every module of ``code/mlxday2`` (whatever modules
and subpackages exist) with ``ast``, so an import inside a function counts as much as
one at the top.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT, toc_files

PACKAGE = ROOT / "code" / "mlxday2"
PYPROJECT = ROOT / "code" / "pyproject.toml"
KERNEL = {"IPython"}  # what every Jupyter kernel (Colab's too) provides to a chapter


@functools.cache
def declared() -> frozenset[str]:
    """Return the canonical names of the distributions ``code/pyproject.toml`` needs."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    names = (Requirement(line).name for line in project["dependencies"])
    return frozenset(canonicalize_name(name) for name in names)


@functools.cache
def _installed() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()  # a scan of site-packages: once


def providers_of(module: str) -> frozenset[str]:
    """Return the canonical names of the installed distributions giving ``module``."""
    return frozenset(canonicalize_name(name) for name in _installed().get(module, []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def imported_modules(tree: ast.AST) -> dict[str, int]:
    """Return the top-level names of the absolute imports in ``tree``, each with a line.

    Counts ``import x.y``, ``from x.y import z`` and ``importlib.import_module("x.y")``
    wherever they are (module level, functions, classes), except under
    ``if TYPE_CHECKING:``, which never runs. Relative imports are the package's own.
    """
    found: dict[str, int] = {}

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.setdefault(node.module.split(".")[0], node.lineno)
        elif (
            isinstance(node, ast.Call)
            and _called_name(node) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            found.setdefault(node.args[0].value.split(".")[0], node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def third_party(found: dict[str, int]) -> dict[str, int]:
    """Keep the modules that are neither the standard library nor mlxday2 itself."""
    return {
        name: line
        for name, line in found.items()
        if name not in sys.stdlib_module_names and name != "mlxday2"
    }


def package_imports() -> dict[str, list[str]]:
    """Return each third-party module the package imports, and where (``file:line``)."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for name, line in third_party(imported_modules(tree)).items():
            where.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    return where


def distribution_of(module: str, where: list[str]) -> str:
    """Return the canonical name of the installed distribution providing ``module``."""
    names = set(providers_of(module))
    if not names:
        pytest.fail(
            f"{module} (imported at {', '.join(where)}) is not installed, so its "
            "distribution is unknown: install the environment (make book) first"
        )
    if len(names) > 1:  # a namespace shared by several distributions: a declared one
        names = (names & declared()) or names
        if len(names) > 1:
            pytest.fail(f"{module} comes from several distributions: {sorted(names)}")
    return names.pop()


def test_the_walk_finds_imports_at_every_level():
    source = (
        "from __future__ import annotations\n"
        "import os, numpy as np\n"
        "from typing import TYPE_CHECKING\n"
        "from . import data\n"
        "from mlxday2.plotting import PALETTE\n"
        "if TYPE_CHECKING:\n"
        "    import pandas\n"
        "class A:\n"
        "    def f(self):\n"
        "        from PIL import Image\n"
        "        import importlib\n"
        "        return importlib.import_module('causallearn.utils')\n"
    )
    found = imported_modules(ast.parse(source))
    assert third_party(found) == {"numpy": 2, "PIL": 10, "causallearn": 12}


def test_the_package_imports_exactly_its_declared_dependencies():
    where = package_imports()
    assert where, f"no third-party imports found under {PACKAGE}?"
    used = {distribution_of(module, lines): module for module, lines in where.items()}
    missing = {
        dist: where[module] for dist, module in used.items() if dist not in declared()
    }
    unused = sorted(declared() - set(used))
    assert not missing, f"imported but not declared in {PYPROJECT.name}: {missing}"
    assert not unused, f"declared in {PYPROJECT.name} but never imported: {unused}"


def test_binder_installs_every_declared_dependency():
    """binder/postBuild installs the package with --no-deps: Binder must list them."""
    assert "--no-deps" in (ROOT / "binder" / "postBuild").read_text()
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    listed = {
        canonicalize_name(Requirement(line.split(" #")[0].strip()).name)
        for line in lines
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    }
    lacking = sorted(declared() - listed)
    assert not lacking, f"binder/requirements.txt lacks {lacking}"


def chapter_files() -> list[Path]:
    """Return the pages listed in ``_toc.yml`` (the root page included)."""
    return [ROOT / f"{name}.md" for name in toc_files()]


def code_cells(text: str) -> list[str]:
    """Return the source of each ``{code-cell}`` in a MyST notebook, options removed."""
    cells = []
    fence = re.compile(r"^(`{3,})\{code-cell\}[^\n]*\n(.*?)^\1\s*$", re.S | re.M)
    for match in fence.finditer(text):
        body = match.group(2)
        if body.startswith("---\n"):  # YAML options block
            body = body.split("\n---\n", 1)[1]
        lines = [line for line in body.splitlines() if not line.startswith(":")]
        cells.append("\n".join(lines))
    return cells


def test_chapters_import_only_what_the_colab_install_provides():
    """In Colab a chapter has the package, its declared dependencies and the kernel."""
    allowed = declared()
    problems = []
    for chapter in chapter_files():
        for cell in code_cells(chapter.read_text()):
            # IPython magics (%pip, !ls) are not Python: each becomes a `pass`.
            source = re.sub(r"^(\s*)[%!].*$", r"\1pass", cell, flags=re.M)
            for module in third_party(imported_modules(ast.parse(source))):
                if module in KERNEL:
                    continue
                if not providers_of(module) & allowed:
                    problems.append(f"{chapter.relative_to(ROOT)}: {module}")
    assert not problems, (
        "chapters import modules that the Colab install (mlxday2 and its declared "
        f"dependencies) does not provide: {problems}"
    )
