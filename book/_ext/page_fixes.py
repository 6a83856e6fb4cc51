"""Sphinx extension: small fixes to the pages the theme writes, each checked by a test.

- Code fits: at a 1280-pixel window the theme's code font fits about 76 characters in
  a code cell, but the book's lines may be 88 long (tests/test_chapters.py);
  ``book/_static/code.css`` sets a code font size at which 88 characters fit, so no
  cell scrolls sideways.
- One copy of each inline script: Sphinx 7.4 writes scripts that have only inline text
  (sphinx-thebe's configuration, sphinx-togglebutton's selector) twice, and the second
  copy of a ``const`` declaration is a JavaScript error on every page. Drop exact
  repeats.
- A theme mode on first visit: the theme reads the reader's light/dark choice from the
  browser's storage, else from ``default_mode``, which nothing sets, so a first visit
  logs "Got invalid theme mode". Default to ``auto`` (follow the reader's system).
- A link to the PDF: the footer of every page links the whole book as one PDF
  (``make pdf``), which the GitHub workflow publishes beside the site. The address is
  the GitHub Pages site of the configured repository (``repository.url`` in
  ``_config.yml``), so a fork's pages link its own PDF.
- Accessible names and roles (axe-core, tests/book/test_a11y.py): myst-nb names the
  summary of a folded cell "Toggle hidden content" though it shows "Show code cell
  source" (WCAG 2.5.3, label in name), so the summary's own text names it; docutils
  gives each bibliography entry the deprecated role ``doc-biblioentry``, not allowed in
  its ``role="list"``, so it gets ``listitem``. ``book/_static/a11y.js`` does the same
  for the theme's search and colour-mode buttons, which its own scripts draw, and
  ``book/_static/a11y.css`` fixes the contrast of what the theme colours for dark pages.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "_static"


def _add_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))
    app.add_css_file("code.css")
    app.add_css_file("a11y.css")
    app.add_js_file("a11y.js", defer="defer")


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    context.setdefault("default_mode", "auto")
    pdf = pdf_url(app.config)
    if pdf:
        context["theme_extra_footer"] = (
            '<p class="book-pdf">The whole book as one PDF, to print or read offline: '
            f'<a href="{pdf}">{pdf.rsplit("/", 1)[-1]}</a></p>'
        )
    if "body" in context:
        context["body"] = _accessible(context["body"])
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = _without_repeats(scripts)


#: (written by myst-nb or docutils, what it becomes): see the module's docstring.
ACCESSIBLE = (
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
    ('role="doc-biblioentry"', 'role="listitem"'),
)


def _accessible(body: str) -> str:
    for written, fixed in ACCESSIBLE:
        body = body.replace(written, fixed)
    return body


def pdf_url(config) -> str | None:
    """Return where the workflow publishes the book's PDF, or None off GitHub."""
    repository = (config.html_theme_options or {}).get("repository_url", "")
    found = re.fullmatch(
        r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository
    )
    if not found or not config.latex_documents:
        return None
    name = Path(config.latex_documents[0][1]).with_suffix(".pdf").name
    return f"https://{found[1].lower()}.github.io/{found[2]}/{name}"


def _without_repeats(scripts: list) -> list:
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # The two copies differ only in an empty filename: "" in one, None in the other.
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    return kept


def setup(app):
    app.connect("config-inited", _add_static)
    app.connect("html-page-context", _fix_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
