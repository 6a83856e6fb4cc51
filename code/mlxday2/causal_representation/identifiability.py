"""What Gaussianity hides: hidden factors and causal directions, identified or not.

Three experiments in which the truth is known:

1. ``mixed_sources`` draws hidden sources mixed into noisy indicators. With Gaussian
   sources
   a factor model's likelihood (``gaussian_loglik``) is unchanged when its loadings are
   rotated (``rotation_table``), so the factors are identified only up to rotation.
2. With non-Gaussian sources, ICA (``unmix``, scikit-learn's FastICA) recovers them up
   to
   order, sign and scale; ``match_sources`` pairs recovered with true sources.
3. ``cause_effect_pair`` draws X -> Y. ``residual_dependence`` measures how far the
   regression residual of each direction is from independent of its regressor, and
   ``lingam_order`` asks causal-learn's DirectLiNGAM for the order: with non-Gaussian
   noise only the true direction leaves independent residuals; with Gaussian noise both
   do.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import multivariate_normal
from sklearn.decomposition import FactorAnalysis, FastICA
from threadpoolctl import threadpool_limits
from tqdm import TqdmWarning

from mlxday2.checks import check_array, check_int, check_real, check_seed
from mlxday2.plotting import PALETTE

# : Noise and source distributions, each scaled to mean 0 and variance 1.
DISTRIBUTIONS = ("gaussian", "laplace", "uniform", "exponential")


def standard_draws(rng: np.random.Generator, distribution: str, size) -> np.ndarray:
    """Return draws of mean 0 and variance 1 from ``distribution`` (DISTRIBUTIONS)."""
    if distribution == "gaussian":
        return rng.normal(size=size)
    if distribution == "laplace":
        return rng.laplace(0.0, 1 / np.sqrt(2), size)
    if distribution == "uniform":
        return rng.uniform(-np.sqrt(3), np.sqrt(3), size)
    if distribution == "exponential":
        return rng.exponential(1.0, size) - 1.0
    raise ValueError(
        f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}"
    )


def _check_distribution(name: str, value) -> str:
    if value not in DISTRIBUTIONS:
        raise ValueError(f"{name} must be one of {DISTRIBUTIONS}, got {value!r}")
    return value


@dataclass(frozen=True)
class Mixture:
    """Hidden sources seen through noisy indicators: sources @ loadings.T + noise."""

    observed: np.ndarray  # (n, n_indicators)
    sources: np.ndarray  # (n, n_sources), each of mean 0 and variance 1
    loadings: np.ndarray  # (n_indicators, n_sources)


def mixed_sources(
    n: int = 2000,
    n_sources: int = 2,
    n_indicators: int = 6,
    distribution: str = "laplace",
    noise_sd: float = 0.3,
    seed: int = 0,
) -> Mixture:
    """Return a ``Mixture`` of ``n_sources`` sources seen in ``n_indicators`` columns.

    Sources follow ``distribution``; loadings are uniform on +-[0.5, 1.5] with random
    signs; each indicator adds Gaussian noise of sd ``noise_sd``.
    """
    n = check_int("n", n, 10)
    n_sources = check_int("n_sources", n_sources, 1)
    n_indicators = check_int("n_indicators", n_indicators, 2)
    if n_indicators < n_sources:
        raise ValueError(
            f"n_indicators must be >= n_sources ({n_sources}) for the sources to be "
            f"recoverable, got {n_indicators}; add indicators"
        )
    _check_distribution("distribution", distribution)
    noise_sd = check_real("noise_sd", noise_sd, low=0)
    rng = np.random.default_rng(check_seed("seed", seed))
    sources = standard_draws(rng, distribution, (n, n_sources))
    signs = rng.choice([-1.0, 1.0], (n_indicators, n_sources))
    loadings = signs * rng.uniform(0.5, 1.5, (n_indicators, n_sources))
    noise = rng.normal(0.0, noise_sd, (n, n_indicators))
    return Mixture(sources @ loadings.T + noise, sources, loadings)


def _observed(x, name: str = "x", min_rows: int = 3) -> np.ndarray:
    x = check_array(name, x)
    if x.ndim != 2 or x.shape[0] < min_rows or x.shape[1] < 2:
        raise ValueError(
            f"{name} must be a 2-D array (rows: samples, columns: variables) with at "
            f"least {min_rows} rows and 2 columns, got shape {x.shape}"
        )
    return x


def gaussian_loglik(
    x: np.ndarray, loadings: np.ndarray, noise_var: np.ndarray
) -> float:
    """Return the mean log-likelihood per row of ``x`` under a Gaussian factor model.

    The model: x ~ N(mean, loadings @ loadings.T + diag(noise_var)). It depends on the
    loadings only through loadings @ loadings.T, which no rotation of the factors
    changes.
    """
    cov = loadings @ loadings.T + np.diag(noise_var)
    return float(multivariate_normal(x.mean(axis=0), cov).logpdf(x).mean())


def rotation(angle_deg: float) -> np.ndarray:
    """Return the 2 x 2 matrix rotating the plane by ``angle_deg`` degrees."""
    a = np.deg2rad(check_real("angle_deg", angle_deg))
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def rotation_table(
    mixture: Mixture, angles_deg=(0, 30, 60, 90), seed: int = 0
) -> pd.DataFrame:
    """Return loglik and factor-source correlations of a two-factor fit, per rotation.

    A two-factor model is fitted to ``mixture.observed`` and its loadings rotated by
    each angle; for each, the mean log-likelihood and the correlation of each rotated
    factor with each true source.

    Columns: ``angle``, ``loglik``, ``corr_f1_s1``, ``corr_f1_s2`` (factor 1 against
    source 1 and 2), ``corr_f2_s1``, ``corr_f2_s2``. Rotating the loadings by R rotates
    the factor scores by R too, and leaves ``loglik`` unchanged.
    """
    if not isinstance(mixture, Mixture) or mixture.sources.shape[1] != 2:
        raise ValueError(
            "mixture must be a Mixture with exactly 2 sources, from mixed_sources(...)"
        )
    x = mixture.observed
    fa = FactorAnalysis(n_components=2, random_state=check_seed("seed", seed))
    with threadpool_limits(limits=1, user_api="blas"):
        scores = fa.fit_transform(x)
    loadings = fa.components_.T
    rows = []
    for angle in angles_deg:
        r = rotation(angle)
        rotated = scores @ r
        corr = np.corrcoef(rotated.T, mixture.sources.T)[:2, 2:]
        rows.append(
            {
                "angle": float(angle),
                "loglik": gaussian_loglik(x, loadings @ r, fa.noise_variance_),
                "corr_f1_s1": corr[0, 0],
                "corr_f1_s2": corr[0, 1],
                "corr_f2_s1": corr[1, 0],
                "corr_f2_s2": corr[1, 1],
            }
        )
    return pd.DataFrame(rows)


def unmix(x: np.ndarray, n_sources: int = 2, seed: int = 0) -> np.ndarray:
    """Return the ``(n, n_sources)`` independent components FastICA finds in ``x``.

    Each component has unit variance; their order and signs are arbitrary.
    """
    x = _observed(x)
    n_sources = check_int("n_sources", n_sources, 1)
    if n_sources > x.shape[1]:
        raise ValueError(
            f"n_sources must be <= the {x.shape[1]} columns of x, got {n_sources}"
        )
    ica = FastICA(
        n_components=n_sources,
        whiten="unit-variance",
        max_iter=1000,
        random_state=check_seed("seed", seed),
    )
    with threadpool_limits(limits=1, user_api="blas"):
        return ica.fit_transform(x)


@dataclass(frozen=True)
class SourceMatch:
    """True and recovered sources paired up."""

    corr: np.ndarray  # (k, k) correlation of true source i with recovered component j
    order: np.ndarray  # order[i]: the recovered component paired with true source i
    matched: np.ndarray  # (k,) |corr| of each true source with its partner


def match_sources(true: np.ndarray, recovered: np.ndarray) -> SourceMatch:
    """Return the pairing of true and recovered sources that maximises total |corr|."""
    true = check_array("true", true).reshape(len(true), -1)
    recovered = check_array("recovered", recovered).reshape(len(recovered), -1)
    if true.shape != recovered.shape:
        raise ValueError(
            f"true and recovered must have the same shape, got {true.shape} and "
            f"{recovered.shape}"
        )
    k = true.shape[1]
    corr = np.corrcoef(true.T, recovered.T)[:k, k:]
    rows, cols = linear_sum_assignment(-np.abs(corr))
    order = cols[np.argsort(rows)]
    return SourceMatch(corr, order, np.abs(corr[np.arange(k), order]))


def cause_effect_pair(
    n: int = 2000, noise: str = "uniform", coef: float = 0.8, seed: int = 0
) -> pd.DataFrame:
    """Return an ``(n, 2)`` DataFrame ``x``, ``y`` with x -> y: y = coef * x + noise.

    x and the noise both follow ``noise`` (one of DISTRIBUTIONS, variance 1).
    """
    n = check_int("n", n, 10)
    _check_distribution("noise", noise)
    coef = check_real("coef", coef)
    rng = np.random.default_rng(check_seed("seed", seed))
    x = standard_draws(rng, noise, n)
    y = coef * x + standard_draws(rng, noise, n)
    return pd.DataFrame({"x": x, "y": y})


def residual_dependence(cause: np.ndarray, effect: np.ndarray) -> float:
    """Return corr(cause^2, residual^2) for the least-squares fit of effect on cause.

    The residual is uncorrelated with the cause by construction; in the causal direction
    of a linear model it is also independent of it, so this correlation of squares is
    near 0. Regressing the other way leaves a residual that is uncorrelated but
    dependent, unless everything is Gaussian.
    """
    c = check_array("cause", cause)
    e = check_array("effect", effect)
    if c.ndim != 1 or c.shape != e.shape or len(c) < 3:
        raise ValueError(
            f"cause and effect must be 1-D of the same length >= 3, got shapes "
            f"{c.shape} and {e.shape}"
        )
    if np.ptp(c) == 0:
        raise ValueError("cause is constant; a regression on it is not defined")
    c, e = c - c.mean(), e - e.mean()
    residual = e - (c @ e) / (c @ c) * c
    return float(np.corrcoef(c**2, residual**2)[0, 1])


def lingam_order(data: pd.DataFrame, seed: int = 0) -> list[str]:
    """Return the columns of ``data`` in DirectLiNGAM's causal order, causes first."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TqdmWarning)
        from causallearn.search.FCMBased.lingam import DirectLiNGAM

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    x = _observed(data.to_numpy(), "data", min_rows=10)
    model = DirectLiNGAM(random_state=check_seed("seed", seed))
    with threadpool_limits(limits=1, user_api="blas"):
        model.fit(x)
    return [str(data.columns[i]) for i in model.causal_order_]


def plot_source_match(
    true: np.ndarray, recovered: np.ndarray, match: SourceMatch, axes=None
) -> plt.Figure:
    """Plot |corr| of true and recovered sources (first axes) and each matched pair.

    ``axes``: 1 + k Axes in a row (made when None). Recovered components are reordered
    and sign-flipped to their partners. Returns the Figure.
    """
    k = match.corr.shape[0]
    if axes is None:
        fig, axes = plt.subplots(1, 1 + k, figsize=(3.3 * (1 + k), 3.2))
    elif len(axes) != 1 + k:
        raise ValueError(f"axes must hold {1 + k} Axes (matrix, then one per source)")
    fig = axes[0].figure
    image = axes[0].imshow(np.abs(match.corr), vmin=0, vmax=1, cmap="Blues")
    for (i, j), value in np.ndenumerate(np.abs(match.corr)):
        axes[0].text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            color="white" if value > 0.6 else "black",
        )
    axes[0].set(
        xticks=range(k),
        yticks=range(k),
        xlabel="recovered component",
        ylabel="true source",
        title="|correlation|",
    )
    axes[0].set_xticklabels([str(j + 1) for j in range(k)])
    axes[0].set_yticklabels([str(i + 1) for i in range(k)])
    axes[0].grid(False)
    fig.colorbar(image, ax=axes[0], fraction=0.046)
    step = max(1, len(true) // 1000)
    for i, ax in enumerate(axes[1:]):
        j = match.order[i]
        sign = np.sign(match.corr[i, j]) or 1.0
        ax.scatter(
            true[::step, i],
            sign * recovered[::step, j],
            s=4,
            alpha=0.4,
            color=PALETTE[i % len(PALETTE)],
        )
        ax.set(
            xlabel=f"true source {i + 1}",
            ylabel=f"recovered component {j + 1}",
            title=f"|corr| = {match.matched[i]:.2f}",
        )
    return fig
