"""Drawing small causal graphs: named nodes, arrows, hidden variables dashed."""

from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib.pyplot as plt

from mlxday2.checks import check_real
from mlxday2.plotting import new_axes


def _check_graph(
    edges: Sequence[tuple[str, str]], positions: dict[str, tuple[float, float]], hidden
) -> tuple[list[tuple[str, str]], set[str]]:
    """Return ``edges`` as a list and ``hidden`` as a set, once both are checked."""
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
    unplaced = sorted(({n for e in edges for n in e} | hidden) - set(positions))
    if unplaced:
        raise ValueError(
            f"node(s) {unplaced} have no position; add them to positions (it has "
            f"{sorted(positions)})"
        )
    return edges, hidden


def _draw_nodes(ax: plt.Axes, positions, hidden: set[str]) -> dict:
    """Draw each node's name in a box (dashed when hidden); return the boxes by name."""
    boxes = {}
    for name, (px, py) in positions.items():
        label = ax.text(
            px,
            py,
            name,
            ha="center",
            va="center",
            fontsize=11,
            zorder=3,
            bbox=dict(
                boxstyle="round,pad=0.5",
                fc="white" if name in hidden else "#e8f0fa",
                ec="0.2",
                ls="--" if name in hidden else "-",
            ),
        )
        boxes[name] = label.get_bbox_patch()
    return boxes


def plot_dag(
    edges: Sequence[tuple[str, str]],
    positions: dict[str, tuple[float, float]],
    hidden: Iterable[str] = (),
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Return the Axes with a causal graph: nodes at ``positions``, an arrow per edge.

    Every node named in ``edges`` or ``hidden`` needs a position. A hidden node has a
    dashed box and dashed arrows out of it (with solid heads, so they stay visible);
    arrows stop at the edge of each node's box, whatever the label's width.
    """
    edges, hidden = _check_graph(edges, positions, hidden)
    _, ax = new_axes(ax)
    boxes = _draw_nodes(ax, positions, hidden)
    for a, b in edges:
        ax.annotate(
            "",
            xy=positions[b],
            xytext=positions[a],
            zorder=4,  # after the boxes: they are placed when drawn, then clip
            arrowprops=dict(
                arrowstyle="-|>",
                color="0.15",
                lw=1.6,
                linestyle=(0, (5, 3)) if a in hidden else "-",
                patchA=boxes[a],
                patchB=boxes[b],
                shrinkA=2,
                shrinkB=2,
                mutation_scale=18,
            ),
        )
    xs, ys = zip(*positions.values())
    ax.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.5, max(ys) + 0.5))
    ax.set_axis_off()
    return ax
