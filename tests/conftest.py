"""Shared fixtures: the built book (built once per test session, through the execution cache)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build_book() -> subprocess.CompletedProcess:
    """Build the book as `make book` does (warnings are errors) and return the finished process."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book once per session and return ``_build/html``; fail with the build log."""
    result = build_book()
    if result.returncode != 0:
        pytest.fail(f"jupyter-book build failed:\n{result.stdout[-20000:]}\n{result.stderr[-20000:]}")
    return ROOT / "_build" / "html"
