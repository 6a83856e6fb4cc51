"""The whole book as one PDF (``make pdf``), read back with poppler's tools.

The PDF is built as ``make pdf`` builds it (LaTeX through XeLaTeX, from the execution
cache the HTML build filled, so no chapter runs again), then checked as a reader would
use it: every chapter's title is in its text, every figure of the site is embedded,
no reference is left as "??" and LaTeX reported none undefined, every page has text a
reader can search, and every line of code the site shows is there whole.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, toc_files

pytestmark = [pytest.mark.pdf, pytest.mark.book]

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
LATEX = ROOT / "_build" / "latex"
PDF = LATEX / Path(CONFIG["latex"]["latex_documents"]["targetname"]).with_suffix(".pdf")
TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfimages", "pdfinfo")
INSTALL_HINT = (
    'install TeX Live and poppler as the README says ("The book as a PDF"): '
    "`sudo apt-get install latexmk texlive-xetex texlive-latex-extra "
    "texlive-fonts-recommended tex-gyre fonts-freefont-otf lmodern poppler-utils`"
)
UNDEFINED = re.compile(
    r"LaTeX Warning: (Reference|Citation|Hyper reference) .* undefined"
    r"|There were undefined references"
)
# What Sphinx's wrapping of a long code line adds to the PDF's text (a visible space
# before the break, a hook arrow after it), and spaces.
WRAP = re.compile(r"[\s\u2423\u21aa]+")


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def built_pdf(built_book) -> Path:
    """Build the PDF as ``make pdf`` does; skip (fail on CI) without TeX Live."""
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        message = f"the PDF tests need {', '.join(missing)}: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so they must run; {message}")
        pytest.skip(message)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(ROOT), "--builder", "pdflatex"]
    result = subprocess.run(
        [*command, "-W", "-n", "--keep-going"], cwd=ROOT, capture_output=True, text=True
    )
    (ROOT / "_build" / "pdf-build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0 or not PDF.exists():
        log = f"{result.stdout[-8000:]}\n{result.stderr[-8000:]}"
        pytest.fail(f"`make pdf` failed:\n{log}")
    return PDF


@pytest.fixture(scope="module")
def pages(built_pdf) -> list[str]:
    """The text of each page (pdftotext), in order."""
    return run("pdftotext", "-enc", "UTF-8", str(built_pdf), "-").split("\f")[:-1]


class _Html(HTMLParser):
    """A built page's title (its first <h1>), its figures' images (not the theme's
    icons), and the lines of code its cells show unfolded (not ``hide-input`` ones)."""

    def __init__(self):
        super().__init__()
        self.title, self.images, self.code = "", set(), []
        self._in_title = False
        self._divs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        src = attrs.get("src") or ""
        if tag == "img" and src and "_static/" not in src:
            self.images.add(src[:200])
        if tag == "h1" and not self.title:
            self._in_title = True
        if tag == "div":
            self._divs.append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_title = False
        if tag == "div" and self._divs:
            self._divs.pop()

    def handle_data(self, data):
        classes = " ".join(self._divs)
        if self._in_title:
            self.title += data
        elif "cell_input" in classes and "tag_hide-" not in classes:
            self.code.append(data)


def read_page(built_book: Path, page: str) -> _Html:
    parsed = _Html()
    parsed.feed((built_book / f"{page}.html").read_text())
    parsed.title = parsed.title.replace("#", "").strip()
    return parsed


def squeeze(text: str) -> str:
    return WRAP.sub("", text)


def test_the_build_executed_no_chapter(built_pdf):
    log = (ROOT / "_build" / "pdf-build.log").read_text()
    ran = [line for line in log.splitlines() if "Executing notebook" in line]
    assert not ran, "the PDF build executed chapters again:\n" + "\n".join(ran)


def test_every_chapter_title_is_in_the_text(built_book, pages):
    text = squeeze(" ".join(pages)).lower()
    missing = [
        f"{page}: {title!r}"
        for page in toc_files()[1:]
        if (title := read_page(built_book, page).title)
        and squeeze(title).lower() not in text
    ]
    assert not missing, f"chapter titles not in the PDF's text: {missing}"


def test_every_figure_of_the_site_is_embedded(built_book, built_pdf):
    figures = {page: len(read_page(built_book, page).images) for page in toc_files()}
    rows = run("pdfimages", "-list", str(built_pdf)).splitlines()[2:]
    embedded = sum(1 for row in rows if row.split()[2] == "image")
    assert embedded >= sum(figures.values()), (
        f"the PDF embeds {embedded} images, the site shows {sum(figures.values())}: "
        f"{figures}"
    )


def test_no_reference_is_left_unresolved(built_pdf, pages):
    unresolved = [i + 1 for i, text in enumerate(pages) if "??" in text]
    assert not unresolved, f"'??' (an unresolved reference) on pages {unresolved}"
    log = built_pdf.with_suffix(".log").read_text(errors="replace")
    undefined = sorted(set(m.group(0) for m in UNDEFINED.finditer(log)))
    assert not undefined, f"LaTeX log: {undefined}"


def test_every_page_has_searchable_text(built_pdf, pages):
    count = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(built_pdf)))[1])
    assert len(pages) == count
    blank = [i + 1 for i, text in enumerate(pages) if len(text.split()) < 3]
    assert not blank, f"pages without extractable text: {blank} of {count}"


def test_book_structure_title_contents_and_numbered_figures(pages):
    first = " ".join(pages[:3])
    assert CONFIG["title"].split(":")[0] in first, "no title page"
    assert "contents" in first.lower(), "no table of contents"
    numbered = re.findall(r"^Fig\. \d+\.\d+", "\n".join(pages), re.M)
    assert numbered, "no numbered figure caption (Fig. N.M) in the PDF"


def test_code_lines_are_not_cut_off(built_book, pages):
    text = squeeze(" ".join(pages))
    cut = [
        f"{page}: {line.strip()[:90]}"
        for page in toc_files()
        for line in "".join(read_page(built_book, page).code).splitlines()
        if len(line.strip()) > 20 and squeeze(line) not in text
    ]
    assert not cut, f"{len(cut)} code lines of the site are not whole in the PDF:\n" + (
        "\n".join(cut[:20])
    )


def test_an_explorable_prints_its_still_image(tmp_path):
    """The PDF shows an explorable figure's default image from its plain-text stand-in;
    an output with no image in it (an animation's) gets the note instead."""
    import base64
    import io

    from PIL import Image

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import print_book

    png = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    stand_in = f"Explorable(name='x', html='<img src=\"{uri}\" alt=\"a\">', data={{}})"
    assert print_book.BROWSER_ONLY.fullmatch(stand_in)
    name = print_book.still_image(stand_in, tmp_path)
    assert (tmp_path / name).read_bytes() == png.getvalue()
    animation = "<IPython.core.display.HTML object>"
    assert print_book.BROWSER_ONLY.fullmatch(animation)
    assert print_book.still_image(animation, tmp_path) is None
