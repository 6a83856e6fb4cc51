"""Kidney stones (Charig et al., BMJ 1986): Simpson's paradox in real counts, and its fix.

``kidney_stones`` holds the published counts; ``recovery_rates`` and ``rates_table`` tabulate
them; ``backdoor_adjust`` computes P(success | do(treatment)) by the back-door formula with
delta-method intervals. ``plot_recovery`` and ``plot_adjusted`` draw them.
"""

from __future__ import annotations

from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.causal._checks import check_frame, check_real, finite_numbers
from mlxday2.plotting import PALETTE, new_axes

#: (treatment, stone size) -> (successes, total), from Charig et al. (1986), table II.
KIDNEY_STONE_COUNTS = {
    ("A", "small"): (81, 87),
    ("B", "small"): (234, 270),
    ("A", "large"): (192, 263),
    ("B", "large"): (55, 80),
}
TREATMENTS = {"A": "open surgery", "B": "percutaneous nephrolithotomy"}

_STONE_COLUMNS = ["treatment", "stone_size", "recovered", "total"]
_RATE_COLUMNS = ["stone_size", "treatment", "recovered", "total", "rate"]


def kidney_stones() -> pd.DataFrame:
    """Return the 4-row table ``treatment`` (A/B), ``stone_size``, ``recovered``, ``total``."""
    rows = [
        {"treatment": t, "stone_size": s, "recovered": r, "total": n}
        for (t, s), (r, n) in KIDNEY_STONE_COUNTS.items()
    ]
    return pd.DataFrame(rows)


def _check_counts(df: pd.DataFrame, argument: str = "df") -> None:
    """Check a table of counts: labels present, counts whole, 0 <= recovered <= total > 0."""
    check_frame(df, _STONE_COLUMNS, argument)
    if len(df) == 0:
        raise ValueError(f"{argument} has no rows; pass one row per treatment and stone size")
    for col in ("treatment", "stone_size"):
        if df[col].isna().any():
            raise ValueError(f"{argument}[{col!r}] has missing labels; fill or drop those rows")
    counts = {c: finite_numbers(df[c].to_numpy(), f"{argument}[{c!r}]") for c in
              ("recovered", "total")}
    for col, x in counts.items():
        if (x != np.round(x)).any():
            raise ValueError(f"{argument}[{col!r}] must hold whole counts, got {x.tolist()}")
    recovered, total = counts["recovered"], counts["total"]
    if (total <= 0).any() or (recovered < 0).any() or (recovered > total).any():
        raise ValueError(
            f"{argument} must have 0 <= recovered <= total and total > 0 in every row, got "
            f"recovered={recovered.tolist()}, total={total.tolist()}"
        )
    dup = df.duplicated(["treatment", "stone_size"], keep=False)
    if dup.any():
        pairs = sorted(set(zip(df.loc[dup, "treatment"], df.loc[dup, "stone_size"])))
        raise ValueError(
            f"{argument} has more than one row for (treatment, stone_size) {pairs}; "
            "add their counts into one row"
        )


def recovery_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Return rates by stone size and overall: ``stone_size``, ``treatment``, counts, ``rate``.

    One row per row of ``df``, then one ``"overall"`` row per treatment (the pooled counts).
    """
    _check_counts(df)
    if (df["stone_size"] == "overall").any():
        raise ValueError(
            "df['stone_size'] must not contain 'overall': recovery_rates adds that row itself"
        )
    pooled = df.groupby("treatment")[["recovered", "total"]].sum().assign(stone_size="overall")
    full = pd.concat([df[_STONE_COLUMNS], pooled.reset_index()], ignore_index=True)
    full["rate"] = full["recovered"] / full["total"]
    return full[_RATE_COLUMNS]


def rates_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Return ``recovery_rates`` output as a table: stone size by treatment, "93% (81/87)"."""
    check_frame(rates, _RATE_COLUMNS, "rates")
    rate = finite_numbers(rates["rate"].to_numpy(), "rates['rate']")
    cells = rates.assign(
        cell=[f"{r:.0%} ({k}/{n})" for r, k, n in zip(rate, rates["recovered"], rates["total"])]
    )
    table = cells.pivot(index="stone_size", columns="treatment", values="cell")
    order = [s for s in ("small", "large", "overall") if s in table.index]
    table = table.reindex(order + [s for s in table.index if s not in order])
    table.columns = [f"{t}: {TREATMENTS[t]}" if t in TREATMENTS else t for t in table.columns]
    table.index.name = "stone size"
    return table


def backdoor_adjust(df: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Return P(success | do(treatment)) by back-door adjustment for stone size, with CIs.

    P(R | do(t)) = sum_z P(R | t, z) P(z), z = stone size. The interval is the delta method's:
    Var = sum_z P(z)^2 r_tz (1 - r_tz) / n_tz  +  Var(sum_z r_tz P(z)) from the estimated P(z),
    treating the size distribution as multinomial over all N patients.
    Columns: ``treatment``, ``rate``, ``se``, ``low``, ``high``, ``naive`` (unadjusted rate).
    """
    _check_counts(df)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    size_n = df.groupby("stone_size")["total"].sum()
    n_all = size_n.sum()
    p_z = size_n / n_all
    z_crit = NormalDist().inv_cdf(0.5 + level / 2)
    rows = []
    for t, sub in df.groupby("treatment", sort=True):
        sub = sub.set_index("stone_size")
        if set(sub.index) != set(p_z.index):
            raise ValueError(
                f"df must have every stone size for every treatment (positivity); treatment "
                f"{t!r} has {sorted(sub.index)}, sizes are {sorted(p_z.index)}"
            )
        r = sub["recovered"] / sub["total"]
        rate = float((r * p_z).sum())
        var_r = float((p_z**2 * r * (1 - r) / sub["total"]).sum())
        # Multinomial covariance of the size shares: Cov(p_i, p_j) = (p_i d_ij - p_i p_j) / N.
        cov_p = (np.diag(p_z) - np.outer(p_z, p_z)) / n_all
        grad = r.reindex(p_z.index).to_numpy()
        var_p = float(grad @ cov_p @ grad)
        se = float(np.sqrt(var_r + var_p))
        naive = float(sub["recovered"].sum() / sub["total"].sum())
        rows.append({"treatment": t, "rate": rate, "se": se, "low": rate - z_crit * se,
                     "high": rate + z_crit * se, "naive": naive})
    return pd.DataFrame(rows)


def plot_recovery(rates: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot success rates of A and B, small / large / overall, as grouped bars with counts."""
    check_frame(rates, _RATE_COLUMNS, "rates")
    fig, ax = new_axes(ax)
    order = ["small", "large", "overall"]
    x = np.arange(len(order))
    for i, t in enumerate(["A", "B"]):
        sub = rates[rates["treatment"] == t].set_index("stone_size").reindex(order)
        bars = ax.bar(x + (i - 0.5) * 0.38, sub["rate"], 0.36, color=PALETTE[i],
                      label=f"{t}: {TREATMENTS[t]}")
        counts = [f"{k}/{n}" for k, n in zip(sub["recovered"], sub["total"])]
        ax.bar_label(bars, labels=counts, fontsize="small")
    ax.set_xticks(x, ["small stones", "large stones", "all patients"])
    ax.set(ylabel="share recovered", ylim=(0.5, 1.0))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return fig


def plot_adjusted(adjusted: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot naive and back-door adjusted success rates of A and B with the adjusted CIs."""
    check_frame(adjusted, ["treatment", "rate", "low", "high", "naive"], "adjusted")
    fig, ax = new_axes(ax)
    y = np.arange(len(adjusted))
    ax.scatter(adjusted["naive"], y + 0.12, marker="x", color="0.4",
               label="naive P(recovery | t)", zorder=3)
    err = np.vstack([adjusted["rate"] - adjusted["low"], adjusted["high"] - adjusted["rate"]])
    ax.errorbar(adjusted["rate"], y - 0.12, xerr=err, fmt="o", color=PALETTE[2], capsize=4,
                label="adjusted P(recovery | do(t)), 95% CI")
    ax.set_yticks(y, [f"{t}: {TREATMENTS.get(t, t)}" for t in adjusted["treatment"]])
    ax.set(xlabel="share recovered", ylim=(-0.6, len(adjusted) - 0.4))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize="small")
    return fig
