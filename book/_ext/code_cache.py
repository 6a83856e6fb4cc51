"""Sphinx extension: re-execute a chapter when the ``mlxday2`` code it uses changes.

jupyter-cache keys a chapter on its own code cells, so an edit inside ``code/mlxday2``
alone would leave a cached chapter showing the old results. This extension keys each
chapter on the source of every ``mlxday2`` module it imports, followed transitively
through the package's own imports (``chapter_modules``), and on start of a build
compares each chapter's key with the one stored in ``_build/.mlxday2-code.json``. For a
chapter whose key changed it removes the chapter's record from the execution cache and
has Sphinx read the page again, so that chapter, and only it, executes against the
current code. An edit to one chapter's subpackage re-executes that chapter and the
chapters that import it; an edit to the shared core (``checks``, ``datasets`` ...)
re-executes every chapter that imports it.

The data a chapter reads are covered too: every data file is fetched through
``mlxday2.datasets``, which accepts a file only if its SHA-256 matches the registry in
``datasets.py``, and that source is part of the key of every chapter that reads data.

It also removes ``MPLBACKEND`` from the environment the chapters' kernels inherit:
ipykernel selects the inline backend only when ``MPLBACKEND`` is unset, so a headless
shell's ``MPLBACKEND=Agg`` would silently drop every figure. The book therefore needs no
``MPLBACKEND`` anywhere, and the GitHub workflow sets none (a test keeps it so).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "code" / "mlxday2"
STAMP = ".mlxday2-code.json"
_IMPORT = re.compile(
    r"^\s*(?:from\s+(mlxday2(?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#]+)|import\s+"
    r"(mlxday2(?:\.\w+)*))",
    re.M,
)


def _module_file(name: str, package: Path) -> Path | None:
    """Return the file of module ``name`` (``mlxday2.a.b``) in ``package``, if any."""
    parts = name.split(".")[1:]
    base = package.joinpath(*parts)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported(text: str) -> set[str]:
    """Return the ``mlxday2`` modules a text of Python imports (``from m import x`` may
    name a submodule ``m.x``; both are returned, and unknown ones are dropped later)."""
    names = set()
    for module, imported, plain in _IMPORT.findall(text):
        if plain:
            names.add(plain)
            continue
        names.add(module)
        for item in imported.strip("()\\ ").split(","):
            word = item.strip().split(" as ")[0].strip("() ")
            if word.isidentifier():
                names.add(f"{module}.{word}")
    return names


def _package_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.split(".")[0] == "mlxday2"}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and (node.module.split(".")[0] == "mlxday2")
        ):
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def chapter_modules(source: str, package: Path = PACKAGE) -> list[Path]:
    """Return the files of every ``mlxday2`` module a chapter's source runs, sorted.

    A module counts with its parent packages' ``__init__.py`` (importing ``a.b`` runs
    ``a/__init__.py``) and with every ``mlxday2`` module it imports, transitively.
    """
    todo, seen = list(_imported(source)), set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = _module_file(".".join(parts[:depth]), package)
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(_package_imports(path))
    return sorted(seen)


def chapter_key(source: str, package: Path = PACKAGE) -> str:
    """Return the SHA-256 over the names and contents of ``chapter_modules(source)``."""
    digest = hashlib.sha256()
    for path in chapter_modules(source, package):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _chapters(srcdir: Path) -> dict[str, Path]:
    """Return ``{docname: path}`` of every chapter (MyST with a kernelspec)."""
    found = {}
    for path in sorted((srcdir / "book").glob("*.md")):
        if "\nkernelspec:" in path.read_text():
            found[path.relative_to(srcdir).with_suffix("").as_posix()] = path
    return found


def _forget_executions(cache_path: Path, docnames: set[str]) -> None:
    """Remove the execution-cache records of ``docnames`` (matched by path tail)."""
    if not docnames or not cache_path.exists():
        return
    from jupyter_cache import get_cache  # myst-nb's own dependency

    cache = get_cache(str(cache_path))
    for record in cache.list_cache_records():
        tail = "/".join(Path(record.uri).with_suffix("").parts[-2:])
        if tail in docnames:
            cache.remove_cache(record.pk)


def _invalidate_changed_chapters(app, config) -> None:
    srcdir = Path(app.srcdir)
    cache = Path(
        config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    )
    stamp = cache.parent / STAMP
    previous = json.loads(stamp.read_text()) if stamp.exists() else {}
    current = {
        doc: chapter_key(path.read_text()) for doc, path in _chapters(srcdir).items()
    }
    changed = {doc for doc, key in current.items() if previous.get(doc) != key}
    app.mlxday2_changed_chapters = changed
    _forget_executions(cache, changed)
    if changed and previous:
        print(
            f"[code_cache] mlxday2 code changed for {sorted(changed)}: they re-execute"
        )
    stamp.parent.mkdir(parents=True, exist_ok=True)
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    tmp.replace(stamp)


def _reread_changed(app, env, added, changed, removed) -> list[str]:
    # Sphinx would otherwise reuse its pickled pages, which hold the old outputs.
    return sorted(getattr(app, "mlxday2_changed_chapters", set()) & set(env.found_docs))


def _keep_inline_figures(app, config) -> None:
    # The chapters' kernels inherit this process's environment; ipykernel sets the
    # inline backend only when MPLBACKEND is unset, so MPLBACKEND=Agg (common in CI and
    # headless shells) would silently drop every figure.
    os.environ.pop("MPLBACKEND", None)


def setup(app):
    app.connect("config-inited", _keep_inline_figures)
    app.connect("config-inited", _invalidate_changed_chapters, priority=100)
    app.connect("env-get-outdated", _reread_changed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
