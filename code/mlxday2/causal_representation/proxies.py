"""A hidden confounder seen only through noisy proxies, adjusted for via a factor model.

``hidden_confounder`` simulates a confounder U of treatment and outcome that the analyst
sees only through proxies; ``adjusted_effect`` adjusts for a latent recovered by factor
analysis; ``proxy_curve`` measures how the error falls as proxies are added and
``theoretical_error`` gives its large-sample value; ``fci_hidden_demo`` lets FCI flag a
hidden common cause.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import FactorAnalysis
from threadpoolctl import threadpool_limits
from tqdm import TqdmWarning

from mlxday2.causality.ols import ols
from mlxday2.checks import (
    check_array,
    check_bool,
    check_frame,
    check_instance,
    check_int,
    check_real,
    check_seed,
    numeric_columns,
)
from mlxday2.plotting import PALETTE, new_axes


@dataclass(frozen=True)
class HiddenSCM:
    """Coefficients of the hidden-confounder model (standardised variables, no units).

    U ~ N(0, 1)                              hidden (e.g. health consciousness)
    T = u_to_t * U + N(0, 1)                 treatment
    Y = effect * T + u_to_y * U + N(0, y_sd)   outcome
    X_j = loading_j * U + N(0, proxy_sd), j = 1..n_proxies,
          loading_j ~ Uniform(loading_low, loading_high)
    """

    effect: float = 1.0
    u_to_t: float = 1.0
    u_to_y: float = 2.0
    y_sd: float = 1.0
    proxy_sd: float = 1.0
    loading_low: float = 0.5
    loading_high: float = 1.5

    def __post_init__(self):
        for f in fields(self):
            check_real(f"HiddenSCM.{f.name}", getattr(self, f.name))
        for name in ("y_sd", "proxy_sd"):
            check_real(f"HiddenSCM.{name}", getattr(self, name), low=0, low_open=True)
        if not self.loading_low <= self.loading_high:
            raise ValueError(
                "HiddenSCM needs loading_low <= loading_high, got "
                f"{self.loading_low} and {self.loading_high}"
            )

    @property
    def mean_square_loading(self) -> float:
        """E[loading^2] for loadings uniform on [loading_low, loading_high]."""
        a, b = self.loading_low, self.loading_high
        return (a * a + a * b + b * b) / 3


def hidden_confounder(
    n: int = 2000,
    n_proxies: int = 20,
    seed: int = 0,
    scm: HiddenSCM = HiddenSCM(),
    keep_hidden: bool = False,
) -> pd.DataFrame:
    """Return an ``(n, 2 + n_proxies)`` DataFrame: treatment, outcome, proxy_1, ... .

    The confounder itself is not a column unless ``keep_hidden=True`` (column
    ``hidden``), which only tests and checks use: the point is that an analyst never
    sees it.
    """
    n = check_int("n", n, 3)
    n_proxies = check_int("n_proxies", n_proxies, 1)
    rng = np.random.default_rng(check_seed("seed", seed))
    check_instance("scm", scm, HiddenSCM)
    keep_hidden = check_bool("keep_hidden", keep_hidden)
    u = rng.normal(size=n)
    t = scm.u_to_t * u + rng.normal(size=n)
    y = scm.effect * t + scm.u_to_y * u + rng.normal(0, scm.y_sd, n)
    loadings = rng.uniform(scm.loading_low, scm.loading_high, n_proxies)
    proxies = u[:, None] * loadings + rng.normal(0, scm.proxy_sd, (n, n_proxies))
    df = pd.DataFrame({"treatment": t, "outcome": y})
    for j in range(n_proxies):
        df[f"proxy_{j + 1}"] = proxies[:, j]
    if keep_hidden:
        df["hidden"] = u
    return df


def proxy_columns(df: pd.DataFrame) -> list[str]:
    """Return the names of the ``proxy_<j>`` columns of ``df``, ordered by ``j``."""
    check_frame("df", df)
    names = [c for c in df.columns if isinstance(c, str) and c.startswith("proxy_")]
    malformed = [c for c in names if not c[len("proxy_") :].isdigit()]
    if malformed:
        raise ValueError(
            f"proxy columns must be named proxy_1, proxy_2, ...; got {malformed}; "
            "rename them"
        )
    return sorted(names, key=lambda c: int(c[len("proxy_") :]))


def recover_latent(proxies: np.ndarray | pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Return the ``(n,)`` score of a one-factor model fitted to the proxies.

    The score estimates E[U | proxies] up to sign and scale; neither matters for
    adjustment.
    """
    x = check_array("proxies", proxies)
    if x.ndim != 2 or x.shape[1] < 1 or x.shape[0] < 3:
        raise ValueError(
            "proxies must be a 2-D array (rows: people, columns: proxies) with at "
            f"least 3 rows and 1 column, got shape {x.shape}"
        )
    seed = check_seed("seed", seed)
    constant = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) == 0]
    if constant:
        raise ValueError(
            f"proxies column(s) {constant} are constant and carry no information; "
            "drop them"
        )
    if x.shape[1] == 1:  # one indicator: the score is the proxy (FA unidentified)
        return (x[:, 0] - x[:, 0].mean()) / x[:, 0].std()
    fa = FactorAnalysis(n_components=1, random_state=seed)
    # Small matrices: a second BLAS thread gains nothing, and on a busy machine its
    # busy-waiting made a proxy curve 40 times slower (35 s instead of 0.9 s, measured
    # on two cores).
    with threadpool_limits(limits=1, user_api="blas"):
        return fa.fit_transform(x)[:, 0]


@dataclass(frozen=True)
class Estimates:
    """Estimates of the effect of treatment on outcome in the hidden-confounder data."""

    naive: float  # slope of outcome on treatment alone
    adjusted: float  # slope with the recovered latent as a second regressor
    oracle: float  # slope with the true hidden confounder (NaN if not in the data)
    latent_corr: float  # |corr(recovered latent, hidden)| (NaN if hidden is not in df)


def adjusted_effect(
    df: pd.DataFrame, n_proxies: int | None = None, seed: int = 0
) -> Estimates:
    """Return naive, latent-adjusted and oracle estimates of the treatment effect.

    Uses the first ``n_proxies`` proxy columns (all when None) to recover the latent.
    """
    t, y = numeric_columns("df", df, ["treatment", "outcome"])
    cols = proxy_columns(df)
    if not cols:
        raise ValueError(
            "df must have proxy columns named proxy_1, proxy_2, ...; it has "
            f"{list(df.columns)}"
        )
    k = len(cols) if n_proxies is None else check_int("n_proxies", n_proxies, 1)
    if k > len(cols):
        raise ValueError(
            f"n_proxies must be between 1 and {len(cols)} (the proxies in df), got "
            f"{n_proxies}"
        )
    latent = recover_latent(df[cols[:k]], seed=seed)
    naive = float(ols(y, t)[1])
    adjusted = float(ols(y, t, latent)[1])
    if "hidden" in df:
        (u,) = numeric_columns("df", df, ["hidden"])
        oracle, corr = float(ols(y, t, u)[1]), float(abs(np.corrcoef(latent, u)[0, 1]))
    else:
        oracle = corr = float("nan")
    return Estimates(naive, adjusted, oracle, corr)


def theoretical_error(
    n_proxies: np.ndarray | Sequence[int], scm: HiddenSCM = HiddenSCM()
) -> np.ndarray:
    """Return the large-sample bias of the latent-adjusted estimate for each k proxies.

    With E[U | X] as the adjuster, the part of U it misses has variance
    v = 1 / (1 + k E[l^2] / s^2) (k proxies, loadings l uniform between the SCM's
    ``loading_low`` and ``loading_high``, noise sd s = ``proxy_sd``), and the bias is
    u_to_y * u_to_t * v / (u_to_t^2 v + 1); k = 0 gives the naive bias.
    """
    k = check_array("n_proxies", n_proxies)
    if (k < 0).any():
        raise ValueError(f"n_proxies must be >= 0, got {k.tolist()}")
    check_instance("scm", scm, HiddenSCM)
    v = 1.0 / (1.0 + k * scm.mean_square_loading / scm.proxy_sd**2)
    return scm.u_to_y * scm.u_to_t * v / (scm.u_to_t**2 * v + 1.0)


def proxy_curve(
    n_proxies: Sequence[int] = (1, 2, 3, 5, 8, 13, 20),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    n: int = 2000,
    scm: HiddenSCM = HiddenSCM(),
) -> pd.DataFrame:
    """Return |adjusted estimate - true effect| for each number of proxies and seed.

    Columns: ``n_proxies``, ``seed``, ``error``, ``naive_error``, ``latent_corr``. Each
    seed draws one data set with ``max(n_proxies)`` proxies and uses its first k (nested
    curves).
    """
    ks = sorted({check_int("n_proxies[i]", k, 1) for k in n_proxies})
    seeds = [check_seed("seeds[i]", s) for s in seeds]
    if not ks:
        raise ValueError("n_proxies must hold at least one number of proxies, got none")
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got an empty sequence")
    rows = []
    for seed in seeds:  # about 0.2 s a seed: no progress bar
        df = hidden_confounder(
            n=n, n_proxies=ks[-1], seed=seed, scm=scm, keep_hidden=True
        )
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
    """Return the edges (``"T <-> Y"`` ...) FCI finds when T and Y share a hidden cause.

    Z1 -> T <- U -> Y <- Z2 with U hidden and no effect of T on Y; FCI (causal-learn,
    Fisher-z tests at level ``alpha``) sees only Z1, T, Y, Z2. A bidirected edge ``T <->
    Y`` says the T-Y association comes from a latent confounder, not from T causing Y or
    back.
    """
    # causal-learn imports tqdm.auto, which warns in a Jupyter kernel without
    # ipywidgets; its progress bars are switched off below, so the warning says nothing
    # about this run.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TqdmWarning)
        from causallearn.search.ConstraintBased.FCI import fci
        from causallearn.utils.cit import fisherz

    n = check_int("n", n, 10)
    rng = np.random.default_rng(check_seed("seed", seed))
    alpha = check_real("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    u, z1, z2 = rng.normal(size=(3, n))
    t = u + z1 + rng.normal(size=n)
    y = u + z2 + rng.normal(size=n)
    names = ["Z1", "T", "Y", "Z2"]
    _, edges = fci(
        np.column_stack([z1, t, y, z2]),
        fisherz,
        alpha,
        verbose=False,
        show_progress=False,
        node_names=names,
    )
    return [str(e) for e in edges]


def plot_proxy_curve(
    curve: pd.DataFrame, theory: pd.DataFrame | None = None, ax: plt.Axes | None = None
) -> plt.Figure:
    """Plot mean |error| against the number of proxies, with naive error and theory."""
    check_frame("curve", curve, ["n_proxies", "seed", "error", "naive_error"])
    if theory is not None:
        check_frame("theory", theory, ["n_proxies", "error"])
    fig, ax = new_axes(ax)
    for _, sub in curve.groupby("seed"):
        ax.plot(sub["n_proxies"], sub["error"], color=PALETTE[0], alpha=0.2, lw=1)
    mean = curve.groupby("n_proxies")[["error", "naive_error"]].mean()
    ax.plot(
        mean.index,
        mean["error"],
        "o-",
        color=PALETTE[0],
        lw=2,
        label="adjusted for recovered latent (mean)",
    )
    ax.axhline(
        mean["naive_error"].mean(),
        color=PALETTE[1],
        ls="--",
        label="naive (no adjustment)",
    )
    if theory is not None:
        ax.plot(
            theory["n_proxies"],
            theory["error"],
            color="k",
            ls=":",
            label="large-sample theory",
        )
    ax.set(
        xlabel="number of proxies",
        ylabel="|estimate - true effect|",
        ylim=(0, 1.3 * mean["naive_error"].max()),
    )
    ax.set_xticks(mean.index)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.72))
    return fig
