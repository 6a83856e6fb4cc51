"""A confounder seen only through noisy proxies: plug-in adjustment and two proxies.

``hidden_confounder`` simulates a confounder U of treatment and outcome that the analyst
sees only through proxies. ``adjusted_effect`` adjusts for a latent recovered by factor
analysis (the plug-in estimate), whose bias ``plugin_bias`` gives in large samples;
``two_proxy_effect`` instruments one proxy with another (``iv_estimate``), which
identifies the effect with two proxies; ``proxy_curve`` compares both as proxies are
added. ``instrumented_confounder`` and ``fci_edges`` let FCI flag a hidden common cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import FactorAnalysis

from mlxday2.causal_representation._causallearn import fci, fisherz, single_blas_thread
from mlxday2.causality.ols import ols
from mlxday2.checks import (
    check_array,
    check_bool,
    check_fields,
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
        check_fields(self, positive=("y_sd", "proxy_sd"))
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


def factor_score(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Return the ``(n,)`` score of a one-factor model fitted to the columns of ``x``.

    The score estimates E[U | proxies] up to sign and scale, neither of which matters
    for adjustment. One column cannot carry a factor model; its standardised values are
    the score.
    """
    if x.shape[1] == 1:
        return (x[:, 0] - x[:, 0].mean()) / x[:, 0].std()
    with single_blas_thread():
        return FactorAnalysis(n_components=1, random_state=seed).fit_transform(x)[:, 0]


def iv_estimate(
    y: np.ndarray, regressors: np.ndarray, instruments: np.ndarray
) -> np.ndarray:
    """Return the just-identified instrumental-variable coefficients (intercept first).

    Solves Z'(y - W b) = 0 with W = [1, regressors] and Z = [1, instruments], one
    instrument per regressor: the residual is made uncorrelated with the instruments
    rather than with the regressors.
    """
    ones = np.ones((len(y), 1))
    w = np.column_stack([ones, regressors])
    z = np.column_stack([ones, instruments])
    return np.linalg.solve(z.T @ w, z.T @ y)


@dataclass(frozen=True)
class Estimates:
    """Estimates of the effect of treatment on outcome in the hidden-confounder data."""

    naive: float  # slope of outcome on treatment alone
    adjusted: float  # slope with the recovered latent as a second regressor (plug-in)
    oracle: float  # slope with the true hidden confounder (NaN if not in the data)
    latent_corr: float  # |corr(recovered latent, hidden)| (NaN if hidden is not in df)


def _proxy_matrix(df: pd.DataFrame, n_proxies: int | None) -> np.ndarray:
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
    x = check_array("df[proxies]", df[cols[:k]].to_numpy())
    constant = [cols[j] for j in range(k) if np.ptp(x[:, j]) == 0]
    if constant or len(x) < 3:
        raise ValueError(
            f"df needs >= 3 rows and proxies that vary; got {len(x)} rows and constant "
            f"columns {constant}; drop them"
        )
    return x


def adjusted_effect(
    df: pd.DataFrame, n_proxies: int | None = None, seed: int = 0
) -> Estimates:
    """Return naive, plug-in adjusted and oracle estimates of the treatment effect.

    The plug-in estimate adds the factor score of the first ``n_proxies`` proxy columns
    (all when None) to the regression of outcome on treatment.
    """
    t, y = numeric_columns("df", df, ["treatment", "outcome"])
    latent = factor_score(_proxy_matrix(df, n_proxies), check_seed("seed", seed))
    naive = ols(y, t)[1]
    adjusted = ols(y, t, latent)[1]
    if "hidden" in df:
        (u,) = numeric_columns("df", df, ["hidden"])
        oracle, corr = ols(y, t, u)[1], abs(np.corrcoef(latent, u)[0, 1])
    else:
        oracle = corr = float("nan")
    return Estimates(float(naive), float(adjusted), float(oracle), float(corr))


def two_proxy_effect(df: pd.DataFrame) -> float:
    """Return the effect estimate that instruments ``proxy_1`` with ``proxy_2``.

    Regress outcome on (treatment, proxy_1), with (treatment, proxy_2) as instruments.
    Consistent when the model is linear and the two proxies are pure: children of U
    only, with errors independent of each other and of T and Y, and proxy_2 loads on U.
    """
    t, y = numeric_columns("df", df, ["treatment", "outcome"])
    x = _proxy_matrix(df, 2)
    return float(
        iv_estimate(y, np.column_stack([t, x[:, 0]]), np.column_stack([t, x[:, 1]]))[1]
    )


def plugin_bias(
    n_proxies: np.ndarray | Sequence[int], scm: HiddenSCM = HiddenSCM()
) -> np.ndarray:
    """Return the large-sample bias of the plug-in estimate for each k proxies.

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
    """Return |estimate - true effect| for each number of proxies and seed.

    Columns: ``n_proxies``, ``seed``, ``error`` (plug-in), ``naive_error``,
    ``two_proxy_error`` (proxies 1 and 2, the same in every row of a seed),
    ``latent_corr``. Each seed draws one data set with ``max(n_proxies)`` (at least 2)
    proxies and uses its first k (nested curves).
    """
    ks = sorted({check_int("n_proxies[i]", k, 1) for k in n_proxies})
    seeds = [check_seed("seeds[i]", s) for s in seeds]
    if not ks or not seeds:
        raise ValueError(
            f"n_proxies and seeds must each hold at least one value, got {ks}, {seeds}"
        )
    rows = []
    for seed in seeds:  # about 0.2 s a seed: no progress bar
        df = hidden_confounder(n, max(ks[-1], 2), seed, scm, keep_hidden=True)
        two = abs(two_proxy_effect(df) - scm.effect)
        for k in ks:
            est = adjusted_effect(df, n_proxies=k, seed=seed)
            rows.append(
                {
                    "n_proxies": k,
                    "seed": seed,
                    "error": abs(est.adjusted - scm.effect),
                    "naive_error": abs(est.naive - scm.effect),
                    "two_proxy_error": two,
                    "latent_corr": est.latent_corr,
                }
            )
    return pd.DataFrame(rows)


def instrumented_confounder(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Return columns Z1, T, Y, Z2 of Z1 -> T <- U -> Y <- Z2, with U hidden.

    U, Z1, Z2 ~ N(0, 1); T = U + Z1 + N(0, 1); Y = U + Z2 + N(0, 1): T has no effect
    on Y, and each has an observed cause of its own.
    """
    n = check_int("n", n, 10)
    rng = np.random.default_rng(check_seed("seed", seed))
    u, z1, z2 = rng.normal(size=(3, n))
    t = u + z1 + rng.normal(size=n)
    y = u + z2 + rng.normal(size=n)
    return pd.DataFrame({"Z1": z1, "T": t, "Y": y, "Z2": z2})


def fci_edges(data: pd.DataFrame, alpha: float = 0.01) -> list[str]:
    """Return the edges (``"T <-> Y"`` ...) FCI finds among the columns of ``data``.

    causal-learn's FCI with Fisher-z tests at level ``alpha``. ``A <-> B``: a hidden
    common cause and no direct effect; ``A o-> B``: the circle may be a tail or a head.
    """
    check_frame("data", data)
    x = check_array("data", data.to_numpy())
    alpha = check_real("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    names = [str(c) for c in data.columns]
    with single_blas_thread():
        _, edges = fci(
            x, fisherz, alpha, verbose=False, show_progress=False, node_names=names
        )
    return [str(e) for e in edges]


def plot_proxy_curve(
    curve: pd.DataFrame, theory: pd.DataFrame | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Plot mean |error| against the number of proxies: plug-in, naive, two-proxy IV."""
    check_frame("curve", curve, ["n_proxies", "seed", "error", "naive_error"])
    if theory is not None:
        check_frame("theory", theory, ["n_proxies", "error"])
    _, ax = new_axes(ax)
    for _, sub in curve.groupby("seed"):
        ax.plot(sub["n_proxies"], sub["error"], color=PALETTE[0], alpha=0.2, lw=1)
    mean = curve.groupby("n_proxies")[["error", "naive_error"]].mean()
    ax.plot(
        mean.index,
        mean["error"],
        "o-",
        color=PALETTE[0],
        lw=2,
        label="plug-in: factor score as regressor (mean)",
    )
    ax.axhline(
        mean["naive_error"].mean(),
        color=PALETTE[1],
        ls="--",
        label="naive (no adjustment)",
    )
    if "two_proxy_error" in curve:
        two = curve.groupby("seed")["two_proxy_error"].first()
        ax.plot(
            [2],
            [two.mean()],
            "s",
            ms=9,
            color=PALETTE[2],
            label="two proxies, one instruments the other (mean)",
        )
    if theory is not None:
        ax.plot(
            theory["n_proxies"],
            theory["error"],
            color="k",
            ls=":",
            label="plug-in bias, large-sample theory",
        )
    top = 1.3 * mean["naive_error"].max()
    ax.set(xlabel="number of proxies", ylabel="|estimate - true effect|", ylim=(0, top))
    ax.set_xticks(mean.index)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.72))
    return ax
