"""Kidney stones (Charig et al., BMJ 1986): Simpson's paradox in real counts; its fix.

``kidney_stones`` holds the published counts; ``success_rates`` and ``rates_table``
tabulate them; ``backdoor_adjust`` computes P(success | do(treatment)) by the back-door
formula with delta-method intervals, ``backdoor_difference`` and ``naive_difference``
the adjusted and unadjusted differences with theirs; ``with_era`` and
``patients_by_stratum`` show why the era of treatment cannot be adjusted for.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Sequence

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_frame, check_real

#: (treatment, stone size) -> (successes, total): Charig et al. (1986), as tabulated by
#: Julious and Mullee (1994); the margins are those of Charig's abstract.
KIDNEY_STONE_COUNTS = {
    ("A", "small"): (81, 87),
    ("B", "small"): (234, 270),
    ("A", "large"): (192, 263),
    ("B", "large"): (55, 80),
}
TREATMENTS = {"A": "open surgery", "B": "percutaneous nephrolithotomy"}
#: The years each operation was done in, as Julious and Mullee (1994) report them.
ERAS = {"A": "1972-80", "B": "1980-85"}

_STONE_COLUMNS = ["treatment", "stone_size", "successes", "total"]
RATE_COLUMNS = ["stone_size", "treatment", "successes", "total", "rate"]


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
    return full[RATE_COLUMNS]


def rates_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Return ``success_rates`` output as a size-by-treatment table of "93% (81/87)"."""
    check_frame("rates", rates, RATE_COLUMNS)
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


def delta_method_se(
    var_rates: pd.Series, weights: pd.Series, p_z: pd.Series, n_all: int
) -> float:
    """Return the delta-method s.e. of sum_z w_z P(z), with w_z and P(z) estimated.

    ``var_rates``: the variance of each estimated w_z (binomial, from its own patients);
    ``weights``: the w_z themselves; ``p_z``: the size shares, multinomial over all
    ``n_all`` patients, so Cov(p_i, p_j) = (p_i [i = j] - p_i p_j) / n_all.
    """
    var_from_rates = (p_z**2 * var_rates).sum()
    cov_shares = (np.diag(p_z) - np.outer(p_z, p_z)) / n_all
    var_from_shares = weights.to_numpy() @ cov_shares @ weights.to_numpy()
    return float(np.sqrt(var_from_rates + var_from_shares))


def _z_crit(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


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
    rows = []
    for t in sorted(df["treatment"].unique()):
        by_size = _rates_by_size(df, t, p_z.index)
        rate = backdoor_rate(by_size["rate"], p_z)
        se = delta_method_se(by_size["var"], by_size["rate"], p_z, n_all)
        sub = df[df["treatment"] == t]
        naive = float(sub["successes"].sum() / sub["total"].sum())
        half = _z_crit(level) * se
        rows.append(
            {
                "treatment": t,
                "rate": rate,
                "se": se,
                "low": rate - half,
                "high": rate + half,
                "level": level,
                "naive": naive,
            }
        )
    return pd.DataFrame(rows)


def _check_pair(df: pd.DataFrame, first: str, second: str, level: float) -> float:
    """Check the counts, the two treatments named and ``level``; return ``level``."""
    _check_counts(df)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    known = sorted(df["treatment"].unique())
    for name, t in (("first", first), ("second", second)):
        if t not in known:
            raise ValueError(f"{name} must be one of the treatments {known}, got {t!r}")
    if first == second:
        raise ValueError(f"first and second must differ, got {first!r} twice")
    return level


def _interval(difference: float, se: float, level: float) -> dict[str, float]:
    half = _z_crit(level) * se
    return {
        "difference": difference,
        "se": se,
        "low": difference - half,
        "high": difference + half,
        "level": level,
    }


def backdoor_difference(
    df: pd.DataFrame, first: str = "A", second: str = "B", level: float = 0.95
) -> dict[str, float]:
    """Return the back-door difference P(success | do(first)) - P(success | do(second)).

    Keys: ``difference``, ``se``, ``low``, ``high`` (the delta-method interval at
    ``level``), ``level``. The two adjusted rates share the estimated P(z), so the
    interval of the difference is not read off the two separate intervals.
    """
    level = _check_pair(df, first, second, level)
    p_z, n_all = _size_shares(df)
    a, b = (_rates_by_size(df, t, p_z.index) for t in (first, second))
    diff = backdoor_rate(a["rate"], p_z) - backdoor_rate(b["rate"], p_z)
    se = delta_method_se(a["var"] + b["var"], a["rate"] - b["rate"], p_z, n_all)
    return _interval(diff, se, level)


def naive_difference(
    df: pd.DataFrame, first: str = "A", second: str = "B", level: float = 0.95
) -> dict[str, float]:
    """Return the unadjusted difference P(success | first) - P(success | second).

    The pooled success rates of the two treatments, with the Wald interval at
    ``level`` from their independent binomial variances; keys as
    ``backdoor_difference``.
    """
    level = _check_pair(df, first, second, level)
    pooled = df.groupby("treatment")[["successes", "total"]].sum()
    rate = pooled["successes"] / pooled["total"]
    var = rate * (1 - rate) / pooled["total"]
    se = float(np.sqrt(var[first] + var[second]))
    return _interval(float(rate[first] - rate[second]), se, level)


def touching_intervals_p(level: float = 0.95) -> float:
    """Return the two-sided p-value of a difference whose two intervals just touch.

    Two independent estimates with equal standard errors s, each with its interval at
    ``level`` (half-width z s), touch when they differ by 2 z s; the difference has
    standard error sqrt(2) s, so its z-statistic is sqrt(2) z, not z.
    """
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    return 2 * (1 - NormalDist().cdf(np.sqrt(2) * _z_crit(level)))


def with_era(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with an ``era`` column: the years its treatment was done in.

    The published table has no era column; this adds the one the study design implies
    (``ERAS``: every open operation in 1972-80, every percutaneous one in 1980-85).
    """
    _check_counts(df)
    unknown = sorted(set(df["treatment"]) - set(ERAS))
    if unknown:
        raise ValueError(
            f"df['treatment'] must hold only {sorted(ERAS)}, the treatments with a "
            f"known era, got {unknown}"
        )
    return df.assign(era=df["treatment"].map(ERAS))


def patients_by_stratum(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Return the patients of each treatment (columns) in each stratum of ``by`` (rows).

    A stratum is one combination of the values of the ``by`` columns that occurs in
    ``df``; a treatment that no patient of the stratum received counts 0 there.
    """
    by = list(by)
    _check_counts(df)
    check_frame("df", df, by)
    if not by:
        raise ValueError("by must name at least one column, e.g. ['stone_size']")
    return df.pivot_table(
        index=by, columns="treatment", values="total", aggfunc="sum", fill_value=0
    )
