"""The built book: every page in the table of contents exists, no cell failed, no figure is missing."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from conftest import ROOT, build_book, read_page

pytestmark = pytest.mark.book

CHAPTERS = ["book/causality", "book/optimization", "book/cnn", "book/regression"]


def toc_files() -> list[str]:
    """Return every file named in ``_toc.yml`` (root first), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", []))
    return files


def test_toc_lists_the_four_topics():
    files = toc_files()
    for chapter in CHAPTERS:
        assert chapter in files


def test_every_toc_page_is_built(built_book):
    missing = [f for f in toc_files() if not (built_book / f"{f}.html").exists()]
    assert not missing, f"pages in _toc.yml missing from the build: {missing}"


@pytest.mark.parametrize("page", toc_files())
def test_page_has_no_error_output_and_no_missing_figure(built_book, page):
    html_file = built_book / f"{page}.html"
    refs = read_page(html_file)
    assert "Traceback (most recent call last)" not in refs.text, f"{page}: a cell printed a traceback"
    errors = [c for c in refs.classes if re.search(r"\boutput (traceback|error)\b", c)]
    assert not errors, f"{page}: error outputs {errors}"
    for src in refs.images:
        url = urlparse(src)
        if url.scheme in ("http", "https", "data"):
            continue
        target = (html_file.parent / unquote(url.path)).resolve()
        assert target.exists(), f"{page}: figure {src} is referenced but {target} does not exist"


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_shows_its_figures(built_book, page):
    """Every chapter is built around figures: a page without any lost them (e.g. to MPLBACKEND)."""
    refs = read_page(built_book / f"{page}.html")
    figures = [src for src in refs.images if "_images/" in src]
    assert len(figures) >= 3, f"{page} shows {len(figures)} figures"


def test_second_build_reexecutes_nothing(built_book):
    """With nothing changed, a rebuild takes every chapter from the execution cache."""
    result = build_book()
    assert result.returncode == 0, result.stdout[-5000:]
    assert "Executing notebook" not in result.stdout, "a rebuild with nothing changed re-executed a chapter"


def test_code_is_not_a_package():
    import code

    assert not (ROOT / "code" / "__init__.py").exists()
    assert hasattr(code, "InteractiveConsole"), "import code must give the standard library module"
