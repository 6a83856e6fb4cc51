"""Causality: Simpson's paradox, back-door adjustment, recovering a hidden confounder.

Three stories, each a compute section followed (at the bottom of the file) by its plots:

1. ``exercise_cholesterol`` simulates a structural causal model in which age drives both exercise
   and cholesterol; ``slopes`` shows the pooled slope is positive and the age-adjusted one negative.
2. ``kidney_stones`` holds the counts of Charig et al. (1986); ``recovery_rates`` tabulates them
   and ``backdoor_adjust`` computes P(recovery | do(treatment)) with delta-method intervals.
3. ``hidden_confounder`` simulates a confounder seen only through noisy proxies;
   ``adjusted_effect`` adjusts for a latent recovered by factor analysis, and ``proxy_curve``
   measures how the error falls as proxies are added.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import FactorAnalysis
from tqdm import TqdmWarning, tqdm

from mlxday2.plotting import PALETTE, new_axes


def _check_n(n: int, minimum: int = 2) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")


def _check_columns(df: pd.DataFrame, columns: Iterable[str], argument: str = "df") -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{argument} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{argument} is missing column(s) {missing}; it has {list(df.columns)}. "
            f"Pass a DataFrame with columns {list(columns)}"
        )


def _ols(y: np.ndarray, *regressors: np.ndarray) -> np.ndarray:
    """Return OLS coefficients of ``y`` on an intercept and ``regressors``, intercept first."""
    design = np.column_stack([np.ones(len(y)), *regressors])
    return np.linalg.lstsq(design, y, rcond=None)[0]


# ---------------------------------------------------------------------------------------------
# 1. Exercise and cholesterol, confounded by age
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseSCM:
    """Coefficients of the exercise-cholesterol structural causal model (units in the names).

    age        ~ Uniform(age_min, age_max)                        years
    exercise   = exercise_base + exercise_per_year * age + N(0, exercise_sd)   hours per week
    cholesterol = chol_base + chol_per_year * age + effect * exercise + N(0, chol_sd)   mg/dL
    """

    age_min: float = 20.0
    age_max: float = 80.0
    exercise_base: float = 1.0
    exercise_per_year: float = 0.1
    exercise_sd: float = 1.0
    chol_base: float = 150.0
    chol_per_year: float = 1.0
    effect: float = -2.0  # mg/dL per weekly hour of exercise: the causal effect
    chol_sd: float = 5.0


def exercise_cholesterol(n: int = 1000, seed: int = 0, scm: ExerciseSCM = ExerciseSCM()) -> pd.DataFrame:
    """Return an ``(n, 3)`` DataFrame ``age`` (years), ``exercise`` (h/week), ``cholesterol`` (mg/dL).

    Draws from ``scm``: age raises both exercise and cholesterol, exercise lowers cholesterol.
    """
    _check_n(n)
    rng = np.random.default_rng(seed)
    age = rng.uniform(scm.age_min, scm.age_max, n)
    exercise = scm.exercise_base + scm.exercise_per_year * age + rng.normal(0, scm.exercise_sd, n)
    cholesterol = (
        scm.chol_base + scm.chol_per_year * age + scm.effect * exercise + rng.normal(0, scm.chol_sd, n)
    )
    return pd.DataFrame({"age": age, "exercise": exercise, "cholesterol": cholesterol})


def age_groups(age: pd.Series | np.ndarray, width: float = 10.0) -> pd.Series:
    """Return labels like ``"20-29"`` binning ``age`` into groups ``width`` years wide."""
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    lower = (np.floor(np.asarray(age, dtype=float) / width) * width).astype(int)
    upper = lower + int(width) - 1
    return pd.Series([f"{lo}-{up}" for lo, up in zip(lower, upper)], name="age_group")


@dataclass(frozen=True)
class Slopes:
    """Slopes of cholesterol on exercise (mg/dL per weekly hour)."""

    pooled: float  # ignoring age
    adjusted: float  # with age as a second regressor (the back-door adjustment for a linear SCM)
    within_group: dict[str, float]  # fitted separately in each age group


def slopes(df: pd.DataFrame, width: float = 10.0) -> Slopes:
    """Return the pooled, age-adjusted and within-age-group slopes of cholesterol on exercise."""
    _check_columns(df, ["age", "exercise", "cholesterol"])
    if len(df) < 3:
        raise ValueError(f"df must have at least 3 rows to fit two slopes, got {len(df)}")
    y, x, age = (df[c].to_numpy(float) for c in ("cholesterol", "exercise", "age"))
    groups = age_groups(age, width).to_numpy()
    within = {
        g: float(_ols(y[groups == g], x[groups == g])[1])
        for g in sorted(set(groups))
        if (groups == g).sum() >= 3
    }
    return Slopes(float(_ols(y, x)[1]), float(_ols(y, x, age)[1]), within)


# ---------------------------------------------------------------------------------------------
# 2. Kidney stones (Charig et al., BMJ 1986)
# ---------------------------------------------------------------------------------------------

#: (treatment, stone size) -> (recovered, total), from Charig et al. (1986), table II.
KIDNEY_STONE_COUNTS = {
    ("A", "small"): (81, 87),
    ("B", "small"): (234, 270),
    ("A", "large"): (192, 263),
    ("B", "large"): (55, 80),
}
TREATMENTS = {"A": "open surgery", "B": "percutaneous nephrolithotomy"}


def kidney_stones() -> pd.DataFrame:
    """Return the 4-row table ``treatment`` ("A"/"B"), ``stone_size`` ("small"/"large"), ``recovered``, ``total``."""
    rows = [
        {"treatment": t, "stone_size": s, "recovered": r, "total": n}
        for (t, s), (r, n) in KIDNEY_STONE_COUNTS.items()
    ]
    return pd.DataFrame(rows)


_STONE_COLUMNS = ["treatment", "stone_size", "recovered", "total"]


def _check_counts(df: pd.DataFrame) -> None:
    _check_columns(df, _STONE_COLUMNS)
    if (df["total"] <= 0).any() or (df["recovered"] < 0).any() or (df["recovered"] > df["total"]).any():
        raise ValueError("df must have 0 <= recovered <= total and total > 0 in every row")


def recovery_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Return a 6-row DataFrame: ``stone_size`` (small/large/overall), ``treatment``, counts, ``rate``."""
    _check_counts(df)
    pooled = df.groupby("treatment")[["recovered", "total"]].sum().assign(stone_size="overall")
    full = pd.concat([df, pooled.reset_index()], ignore_index=True)
    full["rate"] = full["recovered"] / full["total"]
    return full[["stone_size", "treatment", "recovered", "total", "rate"]]


def rates_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Return ``recovery_rates`` output as a display table: stone size by treatment, "93% (81/87)"."""
    cells = rates.assign(
        cell=[f"{r:.0%} ({k}/{n})" for r, k, n in zip(rates["rate"], rates["recovered"], rates["total"])]
    )
    table = cells.pivot(index="stone_size", columns="treatment", values="cell")
    table = table.reindex(["small", "large", "overall"])
    table.columns = [f"{t}: {TREATMENTS[t]}" if t in TREATMENTS else t for t in table.columns]
    table.index.name = "stone size"
    return table


def backdoor_adjust(df: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Return P(recovery | do(treatment)) by back-door adjustment for stone size, with CIs.

    P(R | do(t)) = sum_z P(R | t, z) P(z), z = stone size. The interval is the delta method's:
    Var = sum_z P(z)^2 r_tz (1 - r_tz) / n_tz  +  Var(sum_z r_tz P(z)) from the estimated P(z),
    treating the size distribution as multinomial over all N patients.
    Columns: ``treatment``, ``rate``, ``se``, ``low``, ``high``, ``naive`` (the unadjusted rate).
    """
    _check_counts(df)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    size_n = df.groupby("stone_size")["total"].sum()
    n_all = size_n.sum()
    p_z = size_n / n_all
    z_crit = NormalDist().inv_cdf(0.5 + level / 2)
    rows = []
    for t, sub in df.groupby("treatment", sort=True):
        sub = sub.set_index("stone_size")
        if set(sub.index) != set(p_z.index):
            raise ValueError(
                f"df must have every stone size for every treatment (positivity); treatment {t!r} "
                f"has {sorted(sub.index)}, sizes are {sorted(p_z.index)}"
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
        rows.append(
            {"treatment": t, "rate": rate, "se": se, "low": rate - z_crit * se, "high": rate + z_crit * se, "naive": naive}
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# 3. A hidden confounder seen only through noisy proxies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenSCM:
    """Coefficients of the hidden-confounder model (all variables standardised-ish, no units).

    U ~ N(0, 1)                           hidden (e.g. health consciousness)
    T = u_to_t * U + N(0, 1)              treatment
    Y = effect * T + u_to_y * U + N(0, y_sd)   outcome
    X_j = loading_j * U + N(0, proxy_sd), j = 1..n_proxies, loading_j ~ Uniform(0.5, 1.5)
    """

    effect: float = 1.0
    u_to_t: float = 1.0
    u_to_y: float = 2.0
    y_sd: float = 1.0
    proxy_sd: float = 1.0


def hidden_confounder(
    n: int = 2000, n_proxies: int = 20, seed: int = 0, scm: HiddenSCM = HiddenSCM(), keep_hidden: bool = False
) -> pd.DataFrame:
    """Return an ``(n, 2 + n_proxies)`` DataFrame ``treatment``, ``outcome``, ``proxy_1`` ... .

    The confounder itself is not a column unless ``keep_hidden=True`` (column ``hidden``), which
    only tests and checks use: the point is that an analyst never sees it.
    """
    _check_n(n, minimum=3)
    if isinstance(n_proxies, bool) or not isinstance(n_proxies, (int, np.integer)) or n_proxies < 1:
        raise ValueError(f"n_proxies must be an integer >= 1, got {n_proxies!r}")
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    t = scm.u_to_t * u + rng.normal(size=n)
    y = scm.effect * t + scm.u_to_y * u + rng.normal(0, scm.y_sd, n)
    loadings = rng.uniform(0.5, 1.5, n_proxies)
    proxies = u[:, None] * loadings + rng.normal(0, scm.proxy_sd, (n, n_proxies))
    df = pd.DataFrame({"treatment": t, "outcome": y})
    for j in range(n_proxies):
        df[f"proxy_{j + 1}"] = proxies[:, j]
    if keep_hidden:
        df["hidden"] = u
    return df


def proxy_columns(df: pd.DataFrame) -> list[str]:
    """Return the names of the ``proxy_*`` columns of ``df``, in order."""
    return sorted((c for c in df.columns if c.startswith("proxy_")), key=lambda c: int(c.split("_")[1]))


def recover_latent(proxies: np.ndarray | pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Return the ``(n,)`` factor-analysis score of a one-factor model fitted to the proxies.

    The score estimates E[U | proxies] up to sign and scale; neither matters for adjustment.
    """
    x = np.asarray(proxies, dtype=float)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"proxies must be a 2-D array with at least one column, got shape {x.shape}")
    if x.shape[1] == 1:  # one indicator: any linear score is the proxy itself (FA is not identified)
        return (x[:, 0] - x[:, 0].mean()) / x[:, 0].std()
    fa = FactorAnalysis(n_components=1, random_state=seed)
    return fa.fit_transform(x)[:, 0]


@dataclass(frozen=True)
class Estimates:
    """Estimates of the effect of treatment on outcome in the hidden-confounder data."""

    naive: float  # slope of outcome on treatment alone
    adjusted: float  # slope with the recovered latent as a second regressor
    oracle: float  # slope with the true hidden confounder (NaN if not in the data)
    latent_corr: float  # |corr(recovered latent, hidden)| (NaN if hidden is not in the data)


def adjusted_effect(df: pd.DataFrame, n_proxies: int | None = None, seed: int = 0) -> Estimates:
    """Return naive, latent-adjusted and oracle estimates of the treatment effect.

    Uses the first ``n_proxies`` proxy columns (all when None) to recover the latent.
    """
    _check_columns(df, ["treatment", "outcome"])
    cols = proxy_columns(df)
    if not cols:
        raise ValueError(f"df must have proxy columns named proxy_1, proxy_2, ...; it has {list(df.columns)}")
    k = len(cols) if n_proxies is None else n_proxies
    if not 1 <= k <= len(cols):
        raise ValueError(f"n_proxies must be between 1 and {len(cols)} (the proxies in df), got {n_proxies}")
    t, y = df["treatment"].to_numpy(float), df["outcome"].to_numpy(float)
    latent = recover_latent(df[cols[:k]], seed=seed)
    naive = float(_ols(y, t)[1])
    adjusted = float(_ols(y, t, latent)[1])
    if "hidden" in df:
        u = df["hidden"].to_numpy(float)
        oracle, corr = float(_ols(y, t, u)[1]), float(abs(np.corrcoef(latent, u)[0, 1]))
    else:
        oracle = corr = float("nan")
    return Estimates(naive, adjusted, oracle, corr)


def theoretical_error(n_proxies: np.ndarray | Sequence[int], scm: HiddenSCM = HiddenSCM()) -> np.ndarray:
    """Return the large-sample bias of the latent-adjusted estimate for each number of proxies.

    With E[U | X] as the adjuster, the part of U it misses has variance v = 1 / (1 + k E[l^2] / s^2)
    (k proxies, loadings l ~ U(0.5, 1.5) so E[l^2] = 13/12, noise s), and the bias is
    u_to_y * u_to_t * v / (u_to_t^2 v + 1); k = 0 gives the naive bias.
    """
    k = np.asarray(n_proxies, dtype=float)
    v = 1.0 / (1.0 + k * (13.0 / 12.0) / scm.proxy_sd**2)
    return scm.u_to_y * scm.u_to_t * v / (scm.u_to_t**2 * v + 1.0)


def proxy_curve(
    n_proxies: Sequence[int] = (1, 2, 3, 5, 8, 13, 20),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    n: int = 2000,
    scm: HiddenSCM = HiddenSCM(),
) -> pd.DataFrame:
    """Return |adjusted estimate - true effect| for each number of proxies and seed.

    Columns: ``n_proxies``, ``seed``, ``error``, ``naive_error``, ``latent_corr``. Each seed draws
    one data set with ``max(n_proxies)`` proxies and uses its first k, so the curves are nested.
    """
    ks = sorted({int(k) for k in n_proxies})
    if not ks or ks[0] < 1:
        raise ValueError(f"n_proxies must be positive integers, got {list(n_proxies)}")
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed, got an empty sequence")
    rows = []
    for seed in tqdm(seeds, desc="seeds"):
        df = hidden_confounder(n=n, n_proxies=ks[-1], seed=seed, scm=scm, keep_hidden=True)
        for k in ks:
            est = adjusted_effect(df, n_proxies=k, seed=seed)
            rows.append(
                {
                    "n_proxies": k,
                    "seed": seed,
                    "error": abs(est.adjusted - scm.effect),
                    "naive_error": abs(est.naive - scm.effect),
                    "latent_corr": est.latent_corr,
                }
            )
    return pd.DataFrame(rows)


def fci_hidden_demo(n: int = 2000, seed: int = 0, alpha: float = 0.01) -> list[str]:
    """Return the edges (e.g. ``"T <-> Y"``) FCI finds on data with a hidden common cause of T and Y.

    Z1 -> T <- U -> Y <- Z2 with U hidden and no effect of T on Y; FCI (causal-learn, Fisher-z
    tests at level ``alpha``) sees only Z1, T, Y, Z2. A bidirected edge ``T <-> Y`` says the
    T-Y association comes from a latent confounder, not from T causing Y or Y causing T.
    """
    # causal-learn imports tqdm.auto, which warns in a Jupyter kernel without ipywidgets; its
    # progress bars are switched off below, so the warning says nothing about this run.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TqdmWarning)
        from causallearn.search.ConstraintBased.FCI import fci
        from causallearn.utils.cit import fisherz

    _check_n(n, minimum=10)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    rng = np.random.default_rng(seed)
    u, z1, z2 = rng.normal(size=(3, n))
    t = u + z1 + rng.normal(size=n)
    y = u + z2 + rng.normal(size=n)
    names = ["Z1", "T", "Y", "Z2"]
    _, edges = fci(np.column_stack([z1, t, y, z2]), fisherz, alpha, verbose=False,
                   show_progress=False, node_names=names)
    return [str(e) for e in edges]


# ---------------------------------------------------------------------------------------------
# Plots: each takes computed data and an optional Axes, and returns the Figure
# ---------------------------------------------------------------------------------------------


def _line(ax: plt.Axes, x: np.ndarray, y: np.ndarray, **kw) -> None:
    b0, b1 = _ols(y, x)
    xs = np.array([x.min(), x.max()])
    ax.plot(xs, b0 + b1 * xs, **kw)


def plot_simpson(df: pd.DataFrame, width: float = 10.0, axes: Sequence[plt.Axes] | None = None) -> plt.Figure:
    """Plot the pooled scatter with its line (left) and the same points by age group (right)."""
    _check_columns(df, ["age", "exercise", "cholesterol"])
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    else:
        fig = axes[0].figure
    x, y = df["exercise"].to_numpy(float), df["cholesterol"].to_numpy(float)
    left, right = axes
    left.scatter(x, y, s=6, color="0.55", alpha=0.5)
    _line(left, x, y, color="k", lw=2, label="pooled fit")
    left.set(xlabel="exercise (hours per week)", ylabel="cholesterol (mg/dL)", title="All people")
    left.legend(loc="upper left")
    groups = age_groups(df["age"], width).to_numpy()
    for i, g in enumerate(sorted(set(groups))):
        m = groups == g
        colour = PALETTE[i % len(PALETTE)]
        right.scatter(x[m], y[m], s=6, color=colour, alpha=0.5)
        _line(right, x[m], y[m], color=colour, lw=2, label=f"age {g}")
    right.set(xlabel="exercise (hours per week)", title="Coloured by age group")
    right.legend(loc="upper left", fontsize="small", ncol=2)
    return fig


def plot_recovery(rates: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot recovery rates of A and B, small / large / overall, as grouped bars with counts."""
    fig, ax = new_axes(ax)
    order = ["small", "large", "overall"]
    x = np.arange(len(order))
    for i, t in enumerate(["A", "B"]):
        sub = rates[rates["treatment"] == t].set_index("stone_size").reindex(order)
        bars = ax.bar(x + (i - 0.5) * 0.38, sub["rate"], 0.36, color=PALETTE[i], label=f"{t}: {TREATMENTS[t]}")
        ax.bar_label(bars, labels=[f"{k}/{n}" for k, n in zip(sub["recovered"], sub["total"])], fontsize="small")
    ax.set_xticks(x, ["small stones", "large stones", "all patients"])
    ax.set(ylabel="share recovered", ylim=(0.5, 1.0))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return fig


def plot_dag(
    edges: Sequence[tuple[str, str]],
    positions: dict[str, tuple[float, float]],
    hidden: Iterable[str] = (),
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw a causal graph: named nodes at ``positions``, arrows for ``edges``, hidden nodes dashed."""
    fig, ax = new_axes(ax)
    hidden = set(hidden)
    for a, b in edges:
        ax.annotate(
            "", xy=positions[b], xytext=positions[a],
            arrowprops=dict(arrowstyle="-|>", color="0.2", lw=1.5, shrinkA=26, shrinkB=26,
                            linestyle="--" if a in hidden else "-"),
        )
    for name, (px, py) in positions.items():
        ax.text(
            px, py, name, ha="center", va="center", fontsize=11,
            bbox=dict(boxstyle="round,pad=0.5", fc="white" if name in hidden else "#e8f0fa",
                      ec="0.2", ls="--" if name in hidden else "-"),
        )
    xs, ys = zip(*positions.values())
    ax.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.5, max(ys) + 0.5))
    ax.set_axis_off()
    return fig


def plot_adjusted(adjusted: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot naive and back-door adjusted recovery rates of A and B with the adjusted CIs."""
    fig, ax = new_axes(ax)
    y = np.arange(len(adjusted))
    ax.scatter(adjusted["naive"], y + 0.12, marker="x", color="0.4", label="naive P(recovery | t)", zorder=3)
    err = np.vstack([adjusted["rate"] - adjusted["low"], adjusted["high"] - adjusted["rate"]])
    ax.errorbar(adjusted["rate"], y - 0.12, xerr=err, fmt="o", color=PALETTE[2], capsize=4,
                label="adjusted P(recovery | do(t)), 95% CI")
    ax.set_yticks(y, [f"{t}: {TREATMENTS.get(t, t)}" for t in adjusted["treatment"]])
    ax.set(xlabel="share recovered", ylim=(-0.6, len(adjusted) - 0.4))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize="small")
    return fig


def plot_proxy_curve(curve: pd.DataFrame, theory: pd.DataFrame | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Plot mean |error| against the number of proxies (seeds faint), with the naive error and theory."""
    fig, ax = new_axes(ax)
    for _, sub in curve.groupby("seed"):
        ax.plot(sub["n_proxies"], sub["error"], color=PALETTE[0], alpha=0.2, lw=1)
    mean = curve.groupby("n_proxies")[["error", "naive_error"]].mean()
    ax.plot(mean.index, mean["error"], "o-", color=PALETTE[0], lw=2, label="adjusted for recovered latent (mean)")
    ax.axhline(mean["naive_error"].mean(), color=PALETTE[1], ls="--", label="naive (no adjustment)")
    if theory is not None:
        ax.plot(theory["n_proxies"], theory["error"], color="k", ls=":", label="large-sample theory")
    ax.set(xlabel="number of proxies", ylabel="|estimate - true effect|", ylim=(0, 1.3 * mean["naive_error"].max()))
    ax.set_xticks(mean.index)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.72))
    return fig
