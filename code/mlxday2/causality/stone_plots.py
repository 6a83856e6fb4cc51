"""Figures of the kidney-stone comparison: success rates, adjusted rates, differences.

Each function takes what ``mlxday2.causality.stones`` computed, draws it on ``ax`` (a
new figure when None) and returns the Axes; none of them computes a rate.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.causality.stones import RATE_COLUMNS, TREATMENTS
from mlxday2.checks import check_frame, check_instance, check_real
from mlxday2.plotting import PALETTE, new_axes

_HATCHES = {"A": "", "B": "//"}


def plot_success_rates(rates: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Plot success rates of A and B, small / large / overall, as bars with counts.

    The axis starts at zero, so a bar's length is its rate; B's bars are hatched.
    """
    check_frame("rates", rates, RATE_COLUMNS)
    _, ax = new_axes(ax)
    order = ["small", "large", "overall"]
    x = np.arange(len(order))
    for i, t in enumerate(["A", "B"]):
        sub = rates[rates["treatment"] == t].set_index("stone_size").reindex(order)
        bars = ax.bar(
            x + (i - 0.5) * 0.38,
            sub["rate"],
            0.36,
            color=PALETTE[i],
            hatch=_HATCHES[t],
            edgecolor="white",
            label=f"{t}: {TREATMENTS[t]}",
        )
        counts = [f"{k}/{n}" for k, n in zip(sub["successes"], sub["total"])]
        ax.bar_label(bars, labels=counts, fontsize="small")
    ax.set_xticks(x, ["small stones", "large stones", "all patients"])
    ax.set(ylabel="share successful", ylim=(0, 1.08))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return ax


def plot_adjusted(adjusted: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Plot naive and back-door adjusted success rates of A and B, with adjusted CIs."""
    columns = ["treatment", "rate", "low", "high", "level", "naive"]
    check_frame("adjusted", adjusted, columns)
    _, ax = new_axes(ax)
    y = np.arange(len(adjusted))
    ax.scatter(
        adjusted["naive"],
        y + 0.12,
        marker="x",
        color="0.4",
        label="naive P(success | t)",
        zorder=3,
    )
    rate = adjusted["rate"]
    err = np.vstack([rate - adjusted["low"], adjusted["high"] - rate])
    level = adjusted["level"].iloc[0]
    ax.errorbar(
        rate,
        y - 0.12,
        xerr=err,
        fmt="o",
        color=PALETTE[2],
        capsize=4,
        label=f"adjusted P(success | do(t)), {level:.0%} CI",
    )
    ax.set_yticks(y, [f"{t}: {TREATMENTS.get(t, t)}" for t in adjusted["treatment"]])
    ax.set(xlabel="share successful", ylim=(-0.6, len(adjusted) - 0.4))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize="small")
    return ax


def plot_differences(
    differences: dict[str, dict[str, float]], ax: plt.Axes | None = None
) -> plt.Axes:
    """Plot each named difference with its interval (percentage points), and zero.

    ``differences`` maps a label to what ``naive_difference`` or
    ``backdoor_difference`` returns; one row per label, each with its own marker.
    """
    if not isinstance(differences, dict) or not differences:
        raise TypeError(
            "differences must be a non-empty dict {label: difference}, got "
            f"{type(differences).__name__}"
        )
    keys = ("difference", "low", "high", "level")
    for label, d in differences.items():
        check_instance(
            f"differences[{label!r}]",
            d,
            dict,
            fix="pass what naive_difference or backdoor_difference returns",
        )
        for key in keys:
            check_real(f"differences[{label!r}][{key!r}]", d.get(key))
    _, ax = new_axes(ax)
    for i, d in enumerate(differences.values()):
        err = [[d["difference"] - d["low"]], [d["high"] - d["difference"]]]
        ax.errorbar(
            100 * d["difference"],
            i,
            xerr=100 * np.array(err),
            fmt="os^D"[i % 4],
            color=PALETTE[(i + 2) % len(PALETTE)],
            capsize=4,
        )
    levels = sorted({f"{d['level']:.0%}" for d in differences.values()})
    ax.axvline(0, color="0.2", lw=1, ls="--")
    ax.set_yticks(range(len(differences)), list(differences))
    intervals = " / ".join(levels)
    ax.set(xlabel=f"difference A − B, percentage points ({intervals} intervals)")
    ax.set_ylim(-0.6, len(differences) - 0.4)
    return ax
