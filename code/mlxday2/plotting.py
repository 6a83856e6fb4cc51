"""The book's shared figure style, set once per chapter with ``use_book_style()``."""

from __future__ import annotations

import re
from html import escape

import matplotlib as mpl
import matplotlib.pyplot as plt

from mlxday2.checks import check_instance, check_int

#: Colours used for the same roles across chapters (treatment A/B, train/test, methods):
#: Okabe and Ito's palette for colour-vision deficiency (blue, vermillion, bluish green,
#: reddish purple, orange, black, sky blue; its yellow is too pale on white). The first
#: four and black reach 3:1 contrast on white; orange and sky blue do not, so they come
#: late, and every series also gets its own line style (``LINESTYLES``).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#000000", "#56B4E9")

#: One line style per colour of ``PALETTE``, so series differ without colour: solid,
#: dashed, dash-dot, dotted, long dashes, dash-dot-dot, short dense dashes.
LINESTYLES = (
    "-",
    "--",
    "-.",
    ":",
    (0, (8, 3)),
    (0, (6, 2, 1, 2, 1, 2)),
    (0, (2, 1)),
)

_STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.prop_cycle": mpl.cycler(color=PALETTE, linestyle=LINESTYLES),
    "legend.frameon": False,
    "font.size": 10,
    "animation.html": "jshtml",
}


def use_book_style(dpi: int | None = None) -> None:
    """Apply the book's matplotlib style to every figure made after this call.

    ``dpi`` (default: the style's) trades sharpness for a lighter page, for a chapter
    with many dense figures.
    """
    mpl.rcParams.update(_STYLE)
    if dpi is not None:
        dpi = check_int("dpi", dpi, 50, 300, fix="pass e.g. dpi=90")
        mpl.rcParams.update({"figure.dpi": dpi, "savefig.dpi": dpi})


def new_axes(
    ax: plt.Axes | None = None, figsize: tuple[float, float] | None = None, **subplot_kw
) -> tuple[plt.Figure, plt.Axes]:
    """Return ``(figure, axes)``: the given axes and its figure, or a fresh pair.

    ``figsize`` (inches) applies only to a fresh figure: a caller's figure is never
    resized.
    """
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, subplot_kw=subplot_kw or None)
    return fig, ax


def animation_html(anim, alt: str | None = None) -> str:
    """Return ``anim`` as one self-contained HTML string (matplotlib's jshtml).

    ``alt`` says what the animation shows, for a reader who cannot see it; it becomes
    the frame image's alt text (without it the image has none, which the book's
    accessibility test reports). The frame slider gets a label. Frames are JPEG at
    the figure's own dpi, which keeps a 40-frame animation under a megabyte.
    matplotlib's template also links Font Awesome from a CDN, which a page read
    offline cannot reach; the book's theme ships those icons, so the link goes.
    """
    if alt is not None:
        check_instance("alt", alt, str, fix="describe what the animation shows")
        if not alt.strip():
            raise ValueError("alt must say what the animation shows, got ''")
    light = {
        "savefig.dpi": "figure",
        "savefig.bbox": None,
        "animation.frame_format": "jpeg",
    }
    with mpl.rc_context(light):
        html = anim.to_jshtml()
    cdn_link = r'<link rel="stylesheet"\s*href="https?://[^"]*font-awesome[^"]*">'
    html = re.sub(cdn_link, "", html)
    if alt is not None:
        html = re.sub(
            r'<img id="(_anim_img\w+)">',
            lambda m: f'<img id="{m[1]}" alt="{escape(alt)}">',
            html,
        )
    return html.replace(
        'class="anim-slider"', 'class="anim-slider" aria-label="Animation frame"'
    )
