"""The book's shared figure style, set once per chapter with ``use_book_style()``."""

from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.pyplot as plt

#: Colours used for the same roles across chapters (treatment A/B, train/test, methods).
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")

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
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "legend.frameon": False,
    "font.size": 10,
    "animation.html": "jshtml",
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to every figure made after this call."""
    mpl.rcParams.update(_STYLE)


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


def animation_html(anim) -> str:
    """Return ``anim`` as one self-contained HTML string (matplotlib's jshtml).

    Frames are JPEG at the figure's own dpi, which keeps a 40-frame animation under a
    megabyte. matplotlib's template also links Font Awesome from a CDN, which a page
    read offline cannot reach; the book's theme ships those icons, so the link goes.
    """
    light = {
        "savefig.dpi": "figure",
        "savefig.bbox": None,
        "animation.frame_format": "jpeg",
    }
    with mpl.rc_context(light):
        html = anim.to_jshtml()
    cdn_link = r'<link rel="stylesheet"\s*href="https?://[^"]*font-awesome[^"]*">'
    return re.sub(cdn_link, "", html)
