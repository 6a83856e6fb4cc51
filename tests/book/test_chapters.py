"""Every teaching chapter in ``_toc.yml`` is a lesson, read from its MyST source.

What a chapter must have (CONTRIBUTING.md, "Chapter conventions"): an objectives
admonition first, one import cell, short code lines, captioned figures referred to by
number, glue kept out of sight, and at the end a Summary, at least three exercises with
solutions, and its references from ``book/references.bib``.
"""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from conftest import ROOT, toc_chapters

MAX_LINE = 88  # characters: no code cell scrolls sideways at a 1280-pixel window

CHAPTERS = toc_chapters()


def source(chapter: str) -> str:
    return (ROOT / f"{chapter}.md").read_text(encoding="utf-8")


def code_cells(text: str) -> list[tuple[dict, list[str]]]:
    """Return ``(metadata, code lines)`` of every ``{code-cell}`` block."""
    cells = []
    for block in re.findall(
        r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", text, re.M | re.S
    ):
        lines = block.splitlines()
        meta: dict = {}
        if lines and lines[0] == "---":
            end = lines.index("---", 1)
            meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            lines = lines[end + 1 :]
        else:
            while lines and lines[0].startswith(":"):
                key, _, value = lines.pop(0)[1:].partition(":")
                meta[key.strip()] = yaml.safe_load(value)
        cells.append((meta, lines))
    return cells


def visible_code(text: str) -> list[list[str]]:
    """Return the code lines of every cell on the page (not tagged remove-cell)."""
    return [
        lines
        for meta, lines in code_cells(text)
        if "remove-cell" not in (meta.get("tags") or [])
    ]


def sections(text: str) -> list[str]:
    """Return the level-2 headings in order (outside code cells)."""
    # A fence closes with as many backticks as it opened with (the exercise fences use
    # 4).
    prose = re.sub(r"^(`{3,})[^`\n]*\n.*?^\1\s*$", "", text, flags=re.M | re.S)
    return re.findall(r"^## (.+?)\s*$", prose, re.M)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_opens_with_what_the_reader_will_be_able_to_do(chapter):
    text = source(chapter)
    match = re.search(
        r"^:::\{admonition\} What you will learn\n:class: objectives\n(.*?)^:::$",
        text,
        re.M | re.S,
    )
    assert match, (
        f"{chapter}: no 'What you will learn' admonition with :class: objectives"
    )
    before = text[: match.start()]
    assert "```{code-cell}" not in before and "\n## " not in before, (
        f"{chapter}: the objectives must come first, right after the title"
    )
    points = re.findall(r"^- ", match.group(1), re.M)
    assert 3 <= len(points) <= 5, f"{chapter}: {len(points)} objectives, want 3 to 5"
    assert "**Assumes:**" in match.group(1), f"{chapter}: say what the chapter assumes"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_closes_with_summary_exercises_references(chapter):
    heads = sections(source(chapter))
    assert heads[-3:] == ["Summary", "Exercises", "References"], (
        f"{chapter}: the last sections are {heads[-3:]}, "
        "want Summary, Exercises, References"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_has_three_exercises_each_with_an_executed_solution(chapter):
    text = source(chapter)
    exercises = re.findall(
        r"^`{3,}\{exercise(?:-start)?\}[^\n]*\n:label: (\S+)", text, re.M
    )
    assert len(exercises) >= 3, (
        f"{chapter}: {len(exercises)} exercises, want at least 3"
    )
    assert len(set(exercises)) == len(exercises), (
        f"{chapter}: duplicate exercise labels"
    )
    solutions = dict(
        re.findall(
            r"^`{3,}\{solution-start\} (\S+)\n(.*?)^`{3,}\{solution-end\}",
            text,
            re.M | re.S,
        )
    )
    for label in exercises:
        assert label in solutions, (
            f"{chapter}: exercise {label} has no solution-start/end"
        )
        body = solutions[label]
        assert ":class: dropdown" in body.split("\n", 1)[0] + body, (
            f"{chapter}: the solution of {label} must be folded (:class: dropdown)"
        )
        assert "```{code-cell}" in body, (
            f"{chapter}: the solution of {label} runs no code"
        )
        assert "{glue:" in body, (
            f"{chapter}: the solution of {label} must glue its key result into its text"
        )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_references_come_from_the_bibliography(chapter):
    text = source(chapter)
    refs = text[text.rindex("\n## References") :]
    body = re.sub(r"```\{bibliography\}\n:filter: docname in docnames\n```", "", refs)
    assert body.strip() == "## References", (
        f"{chapter}: the References section holds more than the filtered bibliography"
    )
    assert re.search(r"\{cite:[tp]\}`", text), f"{chapter}: no {{cite}} in the prose"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_lines_fit_without_scrolling(chapter):
    # Cells tagged remove-cell are not on the page (the Colab install cell, glue
    # bookkeeping).
    long = [
        line
        for lines in visible_code(source(chapter))
        for line in lines
        if len(line) > MAX_LINE
    ]
    assert not long, (
        f"{chapter}: {len(long)} code lines over {MAX_LINE} characters: {long[:3]}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glue_bookkeeping_is_out_of_sight(chapter):
    for meta, lines in code_cells(source(chapter)):
        code = "\n".join(lines)
        assert "myst_nb" not in code, (
            f"{chapter}: import glue from mlxday2.book, not myst_nb"
        )
        if re.search(r"^glue\(", code, re.M):
            assert "remove-cell" in (meta.get("tags") or []), (
                f"{chapter}: a cell that glues must be tagged remove-cell:"
                f"\n{code[:200]}"
            )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_are_captioned_and_referred_to_by_number(chapter):
    text = source(chapter)
    figures = [
        meta["mystnb"]["figure"]
        for meta, _ in code_cells(text)
        if isinstance(meta.get("mystnb"), dict) and "figure" in meta["mystnb"]
    ]
    assert figures, f"{chapter}: no numbered figure"
    for figure in figures:
        assert figure.get("name") and figure.get("caption"), (
            f"{chapter}: {figure} lacks name/caption"
        )
        assert f"{{numref}}`{figure['name']}`" in text, (
            f"{chapter}: the prose never refers to figure {figure['name']} by number"
        )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bibliography_keys_exist(chapter):
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    cited = {
        k.strip()
        for group in re.findall(r"\{cite:[tp]\}`([^`]+)`", source(chapter))
        for k in group.split(",")
    }
    assert cited <= keys, (
        f"{chapter}: cites keys not in references.bib: {sorted(cited - keys)}"
    )


def _statements(lines: list[str]) -> list:
    """Return the top-level statements of a cell (IPython magics read as ``pass``)."""
    code = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in lines
    )
    return ast.parse(code).body


def _is_glue_or_assert(node) -> bool:
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.For):  # a glue per item of what a visible cell computed
        return all(_is_glue_or_assert(s) for s in node.body) and not node.orelse
    return isinstance(node, ast.Expr) and _is_glue_call(node.value)


def _is_glue_call(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glue_cells_hold_only_glue(chapter):
    """A hidden cell glues what a visible cell computed (and may assert a claim)."""
    for meta, lines in code_cells(source(chapter)):
        if "remove-cell" not in (meta.get("tags") or []):
            continue
        statements = _statements(lines)
        if not any(
            _is_glue_or_assert(s) and not isinstance(s, ast.Assert) for s in statements
        ):
            continue
        others = [ast.unparse(s)[:80] for s in statements if not _is_glue_or_assert(s)]
        assert not others, f"{chapter}: a glue cell also computes: {others}"


def _glued_names(lines: list[str]) -> set[str]:
    """Return the names a cell glues by keyword (``glue(name=...)``); names built at
    run time (``glue(**{...})``) cannot be read from the source and are left out."""
    return {
        keyword.arg
        for statement in _statements(lines)
        for node in ast.walk(statement)
        if _is_glue_call(node)
        for keyword in node.keywords
        if keyword.arg is not None
    }


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glued_name_is_read(chapter):
    """A value glued and never shown is dead bookkeeping: the prose reads every name."""
    text = source(chapter)
    glued = set().union(*(_glued_names(lines) for _, lines in code_cells(text)))
    shown = set(re.findall(r"\{glue:\w+\}`(\w+)", text))
    assert glued <= shown, f"{chapter}: glued, never shown: {sorted(glued - shown)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_one_import_cell(chapter):
    importing = [
        lines[:3]
        for lines in visible_code(source(chapter))
        if any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in _statements(lines))
    ]
    assert len(importing) == 1, (
        f"{chapter}: imports in {len(importing)} cells: {importing}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_page_shows_an_algorithm_from_its_own_package(chapter):
    name = chapter.split("/")[-1]
    shown = re.findall(
        rf"```\{{literalinclude\}} \.\./code/mlxday2/{name}/\S+\.py\n:pyobject: (\w+)",
        source(chapter),
    )
    assert shown, f"{chapter}: no literalinclude of a function from mlxday2/{name}/"


def test_the_bibliography_parses_with_unique_keys_and_a_link_for_each_entry():
    """Each entry has a DOI or a URL, or a note that says why it has neither."""
    from pybtex.database import parse_file  # sphinxcontrib-bibtex's own parser

    path = ROOT / "book" / "references.bib"
    keys = re.findall(r"^@\w+\{([^,\s]+),", path.read_text(), re.M)
    repeated = sorted(k for k in set(keys) if keys.count(k) > 1)
    assert not repeated, f"duplicate keys: {repeated}"
    entries = parse_file(str(path)).entries
    assert len(entries) == len(keys)
    unlinked = [
        key
        for key, entry in entries.items()
        if not {"doi", "url"} & {f.lower() for f in entry.fields}
        and "no doi" not in entry.fields.get("note", "").lower()
    ]
    assert not unlinked, f"entries without DOI or URL: {unlinked}"
