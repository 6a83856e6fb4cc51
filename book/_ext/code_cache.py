"""Sphinx extension: re-execute the chapters when the ``mlxday2`` package changes.

jupyter-cache keys a chapter on its own code cells, so an edit inside ``code/mlxday2`` alone
would leave every cached chapter showing the old results. This extension hashes the package's
source files at the start of each build and, when the hash differs from the one stored beside
the cache, empties the execution cache so every chapter runs again against the current code.
(Expensive results, such as trained CNNs, have their own disk cache keyed by their code.)

It also removes ``MPLBACKEND`` from the environment the chapters' kernels inherit: ipykernel
selects the inline backend only when ``MPLBACKEND`` is unset, so a headless shell's
``MPLBACKEND=Agg`` would silently drop every figure. The book therefore needs no
``MPLBACKEND`` anywhere, and the GitHub workflow sets none (a test keeps it so).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "code" / "mlxday2"


def package_hash(package: Path = PACKAGE) -> str:
    """Return the SHA-256 over the package's ``.py`` files, names and contents, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _invalidate_if_code_changed(app, config) -> None:
    cache = Path(config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    stamp = cache.parent / ".mlxday2-code.sha256"
    current = package_hash()
    previous = stamp.read_text().strip() if stamp.exists() else None
    app.mlxday2_code_changed = previous != current
    if app.mlxday2_code_changed and cache.exists():
        shutil.rmtree(cache)
        print(f"[code_cache] mlxday2 changed: cleared {cache}, every chapter re-executes")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")


def _reread_all_if_code_changed(app, env, added, changed, removed) -> list[str]:
    # Sphinx would otherwise reuse its pickled pages, which hold the old outputs.
    return sorted(env.found_docs) if getattr(app, "mlxday2_code_changed", False) else []


def _keep_inline_figures(app, config) -> None:
    # The chapters' kernels inherit this process's environment; ipykernel sets the inline
    # backend only when MPLBACKEND is unset, so MPLBACKEND=Agg (common in CI and headless
    # shells) would silently drop every figure.
    os.environ.pop("MPLBACKEND", None)


def setup(app):
    app.connect("config-inited", _keep_inline_figures)
    app.connect("config-inited", _invalidate_if_code_changed, priority=100)
    app.connect("env-get-outdated", _reread_all_if_code_changed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
