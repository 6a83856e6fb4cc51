"""Sphinx extension: a Colab button that opens a real notebook, and downloads that carry
outputs.

1. sphinx-book-theme builds the Colab link from the page's source file, so for a
   MyST-markdown chapter it opens ``.../blob/<branch>/book/<chapter>.md``, which Colab
   cannot read (it opens only ``.ipynb``). The book's workflow
   (``.github/workflows/book.yml``) pushes the executed notebooks -- the files the
   ``.ipynb`` download button serves -- to the branch named by the config value
   ``colab_notebooks_branch``; this extension points the Colab button at
   ``.../blob/<that branch>/<path_to_book>/<chapter>.ipynb``. Binder keeps opening the
   ``.md`` source on the main branch (jupytext, installed by ``binder/``, opens it as a
   notebook).
2. myst-nb writes a chapter's notebook (which the theme copies to ``_sources/`` for the
   download button) with outputs only when it executed the chapter in this build; a
   chapter served from jupyter-cache is written without them. At the end of the build
   this extension merges the cached outputs into those downloadable notebooks, so the
   download (and Colab) shows what the page shows whether or not the chapter ran again.
"""

from __future__ import annotations

from pathlib import Path

import nbformat


def _fix_colab_button(app, pagename, templatename, context, doctree) -> None:
    options = app.config.html_theme_options
    colab_url = options.get("launch_buttons", {}).get("colab_url", "").strip("/")
    repository = options.get("repository_url", "").strip("/")
    if not colab_url or "github.com/" not in repository:
        return
    org, repo = repository.split("github.com/")[-1].split("/")[:2]
    path_to_book = options.get("path_to_docs", "").strip("/")
    notebook = (
        f"{path_to_book}/{pagename}.ipynb" if path_to_book else f"{pagename}.ipynb"
    )
    branch = app.config.colab_notebooks_branch
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                button["url"] = (
                    f"{colab_url}/github/{org}/{repo}/blob/{branch}/{notebook}"
                )


def _merge_cached_outputs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if app.config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    cache_path = Path(
        app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    )
    if not cache_path.exists():
        return
    cache = get_cache(cache_path)
    for path in sorted(Path(app.outdir, "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        if any(cell.get("outputs") or cell.get("execution_count") for cell in code):
            continue  # executed in this build: already complete
        try:
            _, merged = cache.merge_match_into_notebook(notebook)
        except KeyError:
            continue  # not in the cache (e.g. not executed): leave it as it is
        nbformat.write(merged, path)


def setup(app):
    app.add_config_value("colab_notebooks_branch", "notebooks", "html")
    # sphinx-book-theme adds the launch buttons at priority 501; run after it.
    app.connect("html-page-context", _fix_colab_button, priority=502)
    app.connect("build-finished", _merge_cached_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
