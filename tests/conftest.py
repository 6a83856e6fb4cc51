"""Shared fixtures: the book, built once per session through the execution cache."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


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


#: Parts of ``_toc.yml`` that hold pages about the book, not chapters that teach.
ABOUT_PARTS = ("About this book",)


def toc_chapters() -> list[str]:
    """Return the teaching chapters of ``_toc.yml`` (not root, not "About")."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        chapter["file"]
        for part in toc.get("parts", [])
        if part.get("caption") not in ABOUT_PARTS
        for chapter in part.get("chapters", [])
    ]


def build_book() -> subprocess.CompletedProcess:
    """Build the book as `make book` does (warnings are errors); return the process."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def with_cell(df, row, col, value):
    """Return a copy of ``df`` with one cell set (its column made object-typed)."""
    df = df.astype({col: object})
    df.loc[row, col] = value
    return df


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book once per session; return ``_build/html`` or fail with its log."""
    result = build_book()
    if result.returncode != 0:
        pytest.fail(
            f"jupyter-book build failed:\n{result.stdout[-20000:]}\n"
            f"{result.stderr[-20000:]}"
        )
    return ROOT / "_build" / "html"


class Page(HTMLParser):
    """One built HTML page: its text, image sources, classes, link targets and ids."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.images: list[str] = []
        self.classes: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if attrs.get("class"):
            self.classes.append(attrs["class"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in (
                "a",
                "link",
                "img",
                "script",
                "source",
                "iframe",
            ):
                self.links.append(attrs[key])


def read_page(path: Path) -> Page:
    """Parse a built HTML page."""
    return Page(path.read_text(encoding="utf-8"))
