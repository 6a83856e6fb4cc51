"""Kidney stones (Charig et al., BMJ 1986): Simpson's paradox in real counts; its fix.

``kidney_stones`` holds the published counts; ``success_rates`` and ``rates_table``
tabulate them; ``backdoor_adjust`` computes P(success | do(treatment)) by the back-door
formula with delta-method intervals. ``plot_success_rates`` and ``plot_adjusted`` draw
them.
"""

from __future__ import annotations

from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_frame, check_real
from mlxday2.plotting import PALETTE, new_axes

# : (treatment, stone size) -> (successes, total), from Charig et al. (1986), table II.
KIDNEY_STONE_COUNTS = {
    ("A", "small"): (81, 87),
    ("B", "small"): (234, 270),
    ("A", "large"): (192, 263),
    ("B", "large"): (55, 80),
}
TREATMENTS = {"A": "open surgery", "B": "percutaneous nephrolithotomy"}

_STONE_COLUMNS = ["treatment", "stone_size", "successes", "total"]
_RATE_COLUMNS = ["stone_size", "treatment", "successes", "total", "rate"]


def kidney_stones() -> pd.DataFrame:
    """Return the 4-row table: treatment (A/B), stone_size, successes, total."""
    rows = [
        {"treatment": t, "stone_size": s, "successes": r, "total": n}
        for (t, s), (r, n) in KIDNEY_STONE_COUNTS.items()
    ]
    return pd.DataFrame(rows)


def _check_counts(df: pd.DataFrame, argument: str = "df") -> None:
    """Check counts: labels present, whole numbers, 0 <= successes <= total."""
    check_frame(argument, df, _STONE_COLUMNS)
    if len(df) == 0:
        raise ValueError(
            f"{argument} has no rows; pass one row per treatment and stone size"
        )
    for col in ("treatment", "stone_size"):
        if df[col].isna().any():
            raise ValueError(
                f"{argument}[{col!r}] has missing labels; fill or drop those rows"
            )
    counts = {
        c: check_array(f"{argument}[{c!r}]", df[c].to_numpy())
        for c in ("successes", "total")
    }
    for col, x in counts.items():
        if (x != np.round(x)).any():
            raise ValueError(
                f"{argument}[{col!r}] must hold whole counts, got {x.tolist()}"
            )
    successes, total = counts["successes"], counts["total"]
    if (total <= 0).any() or (successes < 0).any() or (successes > total).any():
        raise ValueError(
            f"{argument} must have 0 <= successes <= total and total > 0 in every row, "
            "got "
            f"successes={successes.tolist()}, total={total.tolist()}"
        )
    dup = df.duplicated(["treatment", "stone_size"], keep=False)
    if dup.any():
        pairs = sorted(set(zip(df.loc[dup, "treatment"], df.loc[dup, "stone_size"])))
        raise ValueError(
            f"{argument} has more than one row for (treatment, stone_size) {pairs}; "
            "add their counts into one row"
        )


def success_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Return success rates by stone size and overall: size, treatment, counts, rate.

    One row per row of ``df``, then one ``"overall"`` row per treatment (the pooled
    counts).
    """
    _check_counts(df)
    if (df["stone_size"] == "overall").any():
        raise ValueError(
            "df['stone_size'] must not contain 'overall': success_rates adds that row "
            "itself"
        )
    pooled = df.groupby("treatment")[["successes", "total"]].sum()
    pooled = pooled.assign(stone_size="overall")
    full = pd.concat([df[_STONE_COLUMNS], pooled.reset_index()], ignore_index=True)
    full["rate"] = full["successes"] / full["total"]
    return full[_RATE_COLUMNS]


def rates_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Return ``success_rates`` output as a size-by-treatment table of "93% (81/87)"."""
    check_frame("rates", rates, _RATE_COLUMNS)
    rate = check_array("rates['rate']", rates["rate"].to_numpy())
    cells = rates.assign(
        cell=[
            f"{r:.0%} ({k}/{n})"
            for r, k, n in zip(rate, rates["successes"], rates["total"])
        ]
    )
    table = cells.pivot(index="stone_size", columns="treatment", values="cell")
    order = [s for s in ("small", "large", "overall") if s in table.index]
    table = table.reindex(order + [s for s in table.index if s not in order])
    table.columns = [
        f"{t}: {TREATMENTS[t]}" if t in TREATMENTS else t for t in table.columns
    ]
    table.index.name = "stone size"
    return table


def backdoor_rate(success_given_size: pd.Series, size_share: pd.Series) -> float:
    """Return P(success | do(t)) = sum over sizes z of P(success | t, z) P(z).

    ``success_given_size``: treatment t's success rate for each stone size z;
    ``size_share``: the share P(z) of each size among *all* patients, whatever they got.
    """
    return float((success_given_size * size_share).sum())


def _size_shares(df: pd.DataFrame) -> tuple[pd.Series, int]:
    size_n = df.groupby("stone_size")["total"].sum()
    return size_n / size_n.sum(), int(size_n.sum())


def _rates_by_size(df: pd.DataFrame, treatment: str, sizes: pd.Index) -> pd.DataFrame:
    sub = df[df["treatment"] == treatment].set_index("stone_size")
    if set(sub.index) != set(sizes):
        raise ValueError(
            "df must have every stone size for every treatment (positivity); "
            f"treatment {treatment!r} has {sorted(sub.index)}, sizes are "
            f"{sorted(sizes)}"
        )
    sub = sub.reindex(sizes)
    rate = sub["successes"] / sub["total"]
    return pd.DataFrame({"rate": rate, "var": rate * (1 - rate) / sub["total"]})


def _delta_se(
    var_given_size: pd.Series, weights: pd.Series, p_z: pd.Series, n_all: int
) -> float:
    """Return the delta-method s.e. of sum_z weights_z P(z), weights and P(z) estimated.

    var_given_size: Var of the estimated weights_z (the size-specific rates' binomial
    parts); P(z) is multinomial over all n_all patients: Cov(p_i, p_j) = (p_i d_ij - p_i
    p_j) / N.
    """
    var_rates = float((p_z**2 * var_given_size).sum())
    cov_p = (np.diag(p_z) - np.outer(p_z, p_z)) / n_all
    var_shares = float(weights.to_numpy() @ cov_p @ weights.to_numpy())
    return float(np.sqrt(var_rates + var_shares))


def backdoor_adjust(df: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Return P(success | do(treatment)) by back-door adjustment for stone size, + CIs.

    ``backdoor_rate`` for each treatment; the interval is the delta method's, from the
    binomial variance of each size-specific rate and the multinomial variance of the
    size shares P(z) over all N patients. Columns: ``treatment``, ``rate``, ``se``,
    ``low``, ``high``, ``level``, ``naive`` (the unadjusted rate).
    """
    _check_counts(df)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    p_z, n_all = _size_shares(df)
    z_crit = NormalDist().inv_cdf(0.5 + level / 2)
    rows = []
    for t in sorted(df["treatment"].unique()):
        by_size = _rates_by_size(df, t, p_z.index)
        rate = backdoor_rate(by_size["rate"], p_z)
        se = _delta_se(by_size["var"], by_size["rate"], p_z, n_all)
        sub = df[df["treatment"] == t]
        naive = float(sub["successes"].sum() / sub["total"].sum())
        rows.append(
            {
                "treatment": t,
                "rate": rate,
                "se": se,
                "low": rate - z_crit * se,
                "high": rate + z_crit * se,
                "level": level,
                "naive": naive,
            }
        )
    return pd.DataFrame(rows)


def backdoor_difference(
    df: pd.DataFrame, first: str = "A", second: str = "B", level: float = 0.95
) -> dict[str, float]:
    """Return the back-door difference P(success | do(first)) - P(success | do(second)).

    Keys: ``difference``, ``se``, ``low``, ``high`` (the delta-method interval at
    ``level``), ``level``. The two adjusted rates share the estimated P(z), so the
    interval of the difference is not read off the two separate intervals.
    """
    _check_counts(df)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    known = sorted(df["treatment"].unique())
    for name, t in (("first", first), ("second", second)):
        if t not in known:
            raise ValueError(f"{name} must be one of the treatments {known}, got {t!r}")
    if first == second:
        raise ValueError(f"first and second must differ, got {first!r} twice")
    p_z, n_all = _size_shares(df)
    a, b = (_rates_by_size(df, t, p_z.index) for t in (first, second))
    diff = backdoor_rate(a["rate"], p_z) - backdoor_rate(b["rate"], p_z)
    se = _delta_se(a["var"] + b["var"], a["rate"] - b["rate"], p_z, n_all)
    z_crit = NormalDist().inv_cdf(0.5 + level / 2)
    return {
        "difference": diff,
        "se": se,
        "low": diff - z_crit * se,
        "high": diff + z_crit * se,
        "level": level,
    }


def plot_success_rates(rates: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot success rates of A and B, small / large / overall, as bars with counts."""
    check_frame("rates", rates, _RATE_COLUMNS)
    fig, ax = new_axes(ax)
    order = ["small", "large", "overall"]
    x = np.arange(len(order))
    for i, t in enumerate(["A", "B"]):
        sub = rates[rates["treatment"] == t].set_index("stone_size").reindex(order)
        bars = ax.bar(
            x + (i - 0.5) * 0.38,
            sub["rate"],
            0.36,
            color=PALETTE[i],
            label=f"{t}: {TREATMENTS[t]}",
        )
        counts = [f"{k}/{n}" for k, n in zip(sub["successes"], sub["total"])]
        ax.bar_label(bars, labels=counts, fontsize="small")
    ax.set_xticks(x, ["small stones", "large stones", "all patients"])
    ax.set(ylabel="share successful", ylim=(0.5, 1.0))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return fig


def plot_adjusted(adjusted: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot naive and back-door adjusted success rates of A and B, with adjusted CIs."""
    columns = ["treatment", "rate", "low", "high", "level", "naive"]
    check_frame("adjusted", adjusted, columns)
    fig, ax = new_axes(ax)
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
    return fig
