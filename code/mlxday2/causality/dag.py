"""Drawing small causal graphs: named nodes, arrows, hidden variables dashed."""

from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib.pyplot as plt

from mlxday2.checks import check_real
from mlxday2.plotting import new_axes


def plot_dag(
    edges: Sequence[tuple[str, str]],
    positions: dict[str, tuple[float, float]],
    hidden: Iterable[str] = (),
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw a causal graph: nodes at ``positions``, arrows for ``edges``, hidden dashed.

    Returns the Figure. Every node named in ``edges`` or ``hidden`` needs a position.
    """
    if not isinstance(positions, dict) or not positions:
        raise TypeError(
            f"positions must be a non-empty dict {{name: (x, y)}}, got {positions!r}"
        )
    for name, xy in positions.items():
        if not (isinstance(xy, (tuple, list)) and len(xy) == 2):
            raise ValueError(f"positions[{name!r}] must be an (x, y) pair, got {xy!r}")
        for coord in xy:
            check_real(f"positions[{name!r}]", coord)
    edges = list(edges)
    for edge in edges:
        if not (isinstance(edge, (tuple, list)) and len(edge) == 2):
            raise ValueError(f"each edge must be a (cause, effect) pair, got {edge!r}")
    hidden = set(hidden)
    named = {n for e in edges for n in e} | hidden
    unplaced = sorted(named - set(positions))
    if unplaced:
        raise ValueError(
            f"node(s) {unplaced} have no position; add them to positions (it has "
            f"{sorted(positions)})"
        )
    fig, ax = new_axes(ax)
    for a, b in edges:
        ax.annotate(
            "",
            xy=positions[b],
            xytext=positions[a],
            arrowprops=dict(
                arrowstyle="-|>",
                color="0.2",
                lw=1.5,
                shrinkA=26,
                shrinkB=26,
                linestyle="--" if a in hidden else "-",
            ),
        )
    for name, (px, py) in positions.items():
        ax.text(
            px,
            py,
            name,
            ha="center",
            va="center",
            fontsize=11,
            bbox=dict(
                boxstyle="round,pad=0.5",
                fc="white" if name in hidden else "#e8f0fa",
                ec="0.2",
                ls="--" if name in hidden else "-",
            ),
        )
    xs, ys = zip(*positions.values())
    ax.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.5, max(ys) + 0.5))
    ax.set_axis_off()
    return fig
