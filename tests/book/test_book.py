"""The built book: every page exists, no cell failed, no figure is lost."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT, build_book, read_page, toc_chapters, toc_files

pytestmark = pytest.mark.book


def test_toc_has_teaching_chapters():
    assert len(toc_chapters()) >= 4
    assert all((ROOT / f"{c}.md").exists() for c in toc_chapters())


def test_every_toc_page_is_built(built_book):
    missing = [f for f in toc_files() if not (built_book / f"{f}.html").exists()]
    assert not missing, f"pages in _toc.yml missing from the build: {missing}"


@pytest.mark.parametrize("page", toc_files())
def test_page_has_no_error_output_and_no_missing_figure(built_book, page):
    html_file = built_book / f"{page}.html"
    refs = read_page(html_file)
    assert "Traceback (most recent call last)" not in refs.text, (
        f"{page}: a cell printed a traceback"
    )
    errors = [c for c in refs.classes if re.search(r"\boutput (traceback|error)\b", c)]
    assert not errors, f"{page}: error outputs {errors}"
    for src in refs.images:
        url = urlparse(src)
        if url.scheme in ("http", "https", "data"):
            continue
        target = (html_file.parent / unquote(url.path)).resolve()
        assert target.exists(), (
            f"{page}: figure {src} is referenced but {target} does not exist"
        )


@pytest.mark.parametrize("page", toc_chapters())
def test_chapter_shows_its_figures(built_book, page):
    """Every chapter has figures: a page without any lost them (e.g. to MPLBACKEND)."""
    refs = read_page(built_book / f"{page}.html")
    figures = [src for src in refs.images if "_images/" in src]
    assert len(figures) >= 3, f"{page} shows {len(figures)} figures"


def test_second_build_reexecutes_nothing(built_book):
    """With nothing changed, a rebuild takes every chapter from the execution cache."""
    result = build_book()
    assert result.returncode == 0, result.stdout[-5000:]
    assert "Executing notebook" not in result.stdout, (
        "a rebuild with nothing changed re-executed a chapter"
    )


def test_code_is_not_a_package():
    import code

    assert not (ROOT / "code" / "__init__.py").exists()
    assert hasattr(code, "InteractiveConsole"), (
        "import code must give the standard library module"
    )


@pytest.mark.parametrize("page", toc_chapters())
def test_every_figure_is_numbered_and_captioned(built_book, page):
    """Each image a cell draws sits in a <figure> with a numbered caption (myst-nb)."""
    html = (built_book / f"{page}.html").read_text(encoding="utf-8")
    bare = []
    for match in re.finditer(r"<img [^>]*src=\"([^\"]*_images/[^\"]+)\"", html):
        before = html[: match.start()]
        inside = before.rfind("<figure") > before.rfind("</figure>")
        after = html[match.end() :]
        caption = after[: after.find("</figure>")] if inside else ""
        if not (inside and "<figcaption" in caption and "caption-number" in caption):
            bare.append(match.group(1))
    assert not bare, f"{page}: images without a numbered caption: {bare}"
