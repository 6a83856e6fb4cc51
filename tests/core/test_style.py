"""The house style, held by a tool: ruff over package, tests, extensions, benches."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

CONFIG = ROOT / "code" / "pyproject.toml"
PATHS = ["code", "tests", "book/_ext", "bench"]


def _ruff() -> str:
    local = Path(sys.executable).parent / "ruff"
    found = str(local) if local.exists() else shutil.which("ruff")
    if found is None:
        pytest.fail(
            "ruff is missing: it comes with requirements.txt (pip install ruff)"
        )
    return found


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    run = subprocess.run(
        [_ruff(), *command, "--config", str(CONFIG), *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
