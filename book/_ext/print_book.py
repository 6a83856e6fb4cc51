"""Sphinx extension: the PDF (LaTeX builder only) reads as a printed book.

- Solutions at the end of their chapter: the site folds each exercise's solution under
  the exercise; paper cannot fold, so a reader would see every answer beside its
  question. Each chapter's solutions move to a last section, "Solutions to the
  exercises", after its references; their titles still link back to the exercises.
- Interactive outputs: an output that only a browser can show (an animation, an
  explorable figure) has no image for LaTeX, and its plain-text stand-in is a Python
  repr such as ``<IPython.core.display.HTML object>``. If the stand-in embeds an image
  (an explorable figure's default state, drawn for readers without script), the PDF
  prints that image; otherwise a note says the online book shows the output. An output
  that offers an image itself (``_repr_png_``) prints it and is left alone here.
- No empty sections: in the PDF every citation is listed once, in the bibliography at
  the end, so a chapter's "References" section (on the site, its own list) is left
  with its title alone; such a section is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx_exercise.nodes import solution_node

#: Plain-text stand-ins of outputs that only a browser shows.
BROWSER_ONLY = re.compile(
    r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>|(?:Explorable|SelfCheck)\(.*", re.S
)
# An image embedded in HTML: the still state an explorable figure shows without script.
DATA_URI = re.compile(r"data:image/(?P<kind>png|jpeg);base64,(?P<data>[A-Za-z0-9+/=]+)")
SOLUTIONS_TITLE = "Solutions to the exercises"
NOTE = (
    "An interactive output (an animation or an explorable figure) stands here in the "
    "online book."
)


class SolutionsAtChapterEnd(SphinxPostTransform):
    """Move each chapter's solutions into a last section of that chapter."""

    default_priority = 900
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for chapter_file in list(self.document.findall(addnodes.start_of_file)):
            chapter = next(_own(chapter_file, nodes.section), (None, None))[1]
            solutions = list(_own(chapter_file, solution_node))
            if chapter is None or not solutions:
                continue
            name = chapter_file["docname"].replace("/", "-")
            section = nodes.section(ids=[f"solutions-{name}"])
            section += nodes.title(SOLUTIONS_TITLE, SOLUTIONS_TITLE)
            for parent, solution in solutions:
                parent.remove(solution)
                section += solution
            chapter += section


def _own(node, kind, nested: bool = False):
    """Yield ``(parent, child)`` for the ``kind`` nodes in ``node``, not in a file it
    includes.

    The LaTeX builder nests each chapter's file (``start_of_file``) in the file whose
    table of contents includes it, and does not set the parents of the nodes it moves
    there, so this walks down the children; with ``nested``, into included files too.
    """
    for child in node.children:
        if isinstance(child, addnodes.start_of_file) and not nested:
            continue
        if isinstance(child, kind):
            yield node, child
        if isinstance(child, nodes.Element) and (nested or not isinstance(child, kind)):
            yield from _own(child, kind, nested)


class DropEmptySections(SphinxPostTransform):
    """Remove sections that hold nothing but their title (and empty targets)."""

    default_priority = 950
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for parent, section in list(_own(self.document, nodes.section, nested=True)):
            if _empty(section.children[1:]):
                parent.remove(section)


def _empty(children) -> bool:
    """Whether ``children`` hold no text and no image (targets and empty containers)."""
    return all(
        not child.astext().strip() and not any(child.findall(nodes.image))
        for child in children
    )


class InteractiveOutputNote(SphinxPostTransform):
    """Replace the plain-text stand-in of a browser-only output with its still image,
    if it carries one (an explorable figure's default state), else with a note."""

    default_priority = 900
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for block in list(self.document.findall(nodes.literal_block)):
            text = block.astext().strip()
            if "text_plain" not in block["classes"] or not BROWSER_ONLY.fullmatch(text):
                continue
            still = still_image(text, Path(self.app.outdir))
            if still:
                block.replace_self(nodes.image(uri=still, candidates={"*": still}))
            else:
                note = nodes.paragraph()
                note += nodes.emphasis(NOTE, NOTE)
                block.replace_self(note)


def still_image(text: str, folder: Path) -> str | None:
    """Write the first image embedded in ``text`` (a data URI) to ``folder``; return
    its file name there, or None if ``text`` embeds none."""
    found = DATA_URI.search(text)
    if not found:
        return None
    data = base64.b64decode(found["data"])
    name = f"still-{hashlib.sha256(data).hexdigest()[:16]}.{found['kind']}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return name


def setup(app):
    app.add_post_transform(SolutionsAtChapterEnd)
    app.add_post_transform(InteractiveOutputNote)
    app.add_post_transform(DropEmptySections)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
