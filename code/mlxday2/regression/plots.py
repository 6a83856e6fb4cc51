"""The regression chapter's figures: each takes computed tables and an optional ``ax``.

They draw and return the Axes; none of them fits anything.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.checks import check_frame, check_instance
from mlxday2.plotting import PALETTE, new_axes

#: One marker per series, so series differ in shape as well as colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _check_ax(ax) -> None:
    if ax is not None:
        check_instance("ax", ax, mpl.axes.Axes, fix="pass a matplotlib Axes or None")


def _check_pair(series: dict[str, pd.Series]) -> None:
    """Raise unless both values are numeric pandas Series of the same length."""
    for arg, s in series.items():
        if not isinstance(s, pd.Series) or not pd.api.types.is_numeric_dtype(s):
            raise TypeError(
                f"{arg} must be a numeric pandas Series, got {type(s).__name__}"
            )
    (a, x), (b, y) = series.items()
    if len(x) != len(y):
        raise ValueError(
            f"{a} and {b} must have the same length, got {len(x)} and {len(y)}"
        )


def plot_missingness(
    df: pd.DataFrame, columns: list[str], group: str, ax: plt.Axes | None = None
) -> plt.Axes:
    """Draw which row misses which of ``columns`` (red), rows grouped by ``group``.

    Returns the Axes.
    """
    if isinstance(columns, str) or len(columns) == 0:
        raise TypeError(
            f"columns must be a non-empty list of column names, got {columns!r}"
        )
    check_frame("df", df, [*columns, group])
    _check_ax(ax)
    _, ax = new_axes(ax)
    data = df.sort_values([group]).reset_index(drop=True)
    grid = data[columns].isna().to_numpy().T.astype(float)
    cmap = mpl.colors.ListedColormap(["#f2f2f2", PALETTE[1]])
    ax.imshow(grid, aspect="auto", cmap=cmap, interpolation="none", vmin=0, vmax=1)
    ax.set_yticks(range(len(columns)), columns)
    labels = data[group].to_numpy()
    edges = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    for e in edges:
        ax.axvline(e - 0.5, color="black", lw=0.8)
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(data)]
    ax.set_xticks(
        (starts + ends - 1) / 2,
        labels[starts],
        rotation=30,
        ha="right",
        fontsize="small",
    )
    ax.grid(False)
    ax.set_title("Missing values (red), one column per country, grouped by region")
    return ax


def plot_scatter_by_group(
    df: pd.DataFrame, x: str, y: str, group: str, ax: plt.Axes | None = None
) -> plt.Axes:
    """Scatter ``y`` against ``x``, one colour per ``group`` level; return the Axes."""
    check_frame("df", df, [x, y, group])
    _check_ax(ax)
    _, ax = new_axes(ax)
    groups = df.groupby(group)
    for color, marker, (level, part) in zip(PALETTE, MARKERS, groups):
        ax.scatter(part[x], part[y], s=18, color=color, marker=marker, label=level)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_coefficients(
    tables: dict[str, pd.DataFrame],
    terms: list[str],
    ax: plt.Axes | None = None,
    legend: str | None = "best",
) -> plt.Axes:
    """Draw estimate and interval of each of ``terms``, one colour per ``coef_table``.

    ``tables`` maps a label to a ``coef_table``; ``legend`` is the legend's matplotlib
    ``loc``, or None for no legend. Returns the Axes.
    """
    if not isinstance(tables, dict) or not tables:
        raise TypeError(
            f"tables must be a non-empty dict of label -> coef_table, got {tables!r}"
        )
    for label, table in tables.items():
        check_frame(f"tables[{label!r}]", table, ["estimate", "low", "high"])
        missing = [t for t in terms if t not in table.index]
        if missing:
            raise ValueError(
                f"terms {missing} are not in tables[{label!r}]; its terms "
                f"are {list(table.index)}"
            )
    _check_ax(ax)
    _, ax = new_axes(ax)
    offsets = np.linspace(-0.15, 0.15, len(tables))
    styles = zip(offsets, PALETTE, MARKERS, tables.items())
    for off, color, marker, (label, table) in styles:
        t = table.loc[terms]
        ypos = np.arange(len(terms)) + off
        ax.errorbar(
            t["estimate"],
            ypos,
            xerr=[t["estimate"] - t["low"], t["high"] - t["estimate"]],
            fmt=marker,
            color=color,
            capsize=3,
            label=label,
        )
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(terms)), terms)
    ax.invert_yaxis()
    if legend is not None:
        ax.legend(fontsize="small", loc=legend)
    return ax


def plot_identity(x: pd.Series, y: pd.Series, ax: plt.Axes | None = None) -> plt.Axes:
    """Scatter ``y`` against ``x`` with the line y = x; return the Axes."""
    _check_pair({"x": x, "y": y})
    _check_ax(ax)
    _, ax = new_axes(ax)
    ax.scatter(x, y, s=14, color=PALETTE[0])
    lim = [min(x.min(), y.min()), max(x.max(), y.max())]
    ax.plot(lim, lim, color=PALETTE[1], lw=1, label="y = x")
    ax.set_xlabel(x.name)
    ax.set_ylabel(y.name)
    ax.legend()
    return ax


def plot_residuals(
    fitted: pd.Series, residuals: pd.Series, ax: plt.Axes | None = None
) -> plt.Axes:
    """Scatter residuals against fitted values, with a line at 0 (Stata's ``rvfplot``).

    Returns the Axes.
    """
    _check_pair({"fitted": fitted, "residuals": residuals})
    _check_ax(ax)
    _, ax = new_axes(ax)
    ax.scatter(fitted, residuals, s=14, color=PALETTE[0], marker="o")
    ax.axhline(0, color="grey", lw=1, ls="--")
    ax.set_xlabel("fitted value")
    ax.set_ylabel("residual")
    return ax
