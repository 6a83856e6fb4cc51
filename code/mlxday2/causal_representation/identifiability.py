"""What Gaussianity hides: hidden factors and causal directions, identified or not.

Two experiments in which the truth is known:

1. ``mixed_sources`` draws hidden sources mixed into noisy indicators. A Gaussian factor
   model's likelihood (``gaussian_loglik``) is unchanged when its loadings are rotated,
   for any data; a non-Gaussianity measure (``nongaussianity``) is flat over rotations
   for Gaussian sources and peaks at the true rotation for non-Gaussian ones
   (``rotation_table``).
2. ICA (``unmix``, scikit-learn's FastICA) recovers non-Gaussian sources up to order,
   sign and scale; ``match_sources`` pairs recovered with true sources, and
   ``ica_resamples`` shows that on Gaussian sources the answer moves with the sample.

The third experiment of the same idea, a causal direction from non-Gaussian noise, is in
``directions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import kurtosis, multivariate_normal
from sklearn.decomposition import FactorAnalysis, FastICA

from mlxday2.causal_representation._causallearn import single_blas_thread
from mlxday2.checks import check_array, check_int, check_real, check_seed
from mlxday2.plotting import PALETTE, new_axes

#: Noise and source distributions, each scaled to mean 0 and variance 1.
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


def nongaussianity(z: np.ndarray) -> float:
    """Return the sum over columns of |excess kurtosis| of ``z`` (0 for Gaussians)."""
    return float(np.abs(kurtosis(z, axis=0)).sum())


def rotation_table(
    mixture: Mixture, angles_deg=tuple(range(0, 90, 15)), seed: int = 0
) -> pd.DataFrame:
    """Return, per rotation of a two-factor fit, its fit and its non-Gaussianity.

    A two-factor model is fitted to ``mixture.observed``; its loadings are rotated by
    each angle (which rotates the standardised factor scores too). Columns: ``angle``;
    ``loglik``, the Gaussian mean log-likelihood; ``nongaussianity`` of the rotated
    scores; ``match``, the smaller |corr| of a rotated factor with its true source.
    """
    if not isinstance(mixture, Mixture) or mixture.sources.shape[1] != 2:
        raise ValueError(
            "mixture must be a Mixture with exactly 2 sources, from mixed_sources(...)"
        )
    x = mixture.observed
    fa = FactorAnalysis(n_components=2, random_state=check_seed("seed", seed))
    with single_blas_thread():
        scores = fa.fit_transform(x)
    scores = scores / scores.std(axis=0)
    loadings = fa.components_.T
    rows = []
    for angle in angles_deg:
        r = rotation(angle)
        rotated = scores @ r
        rows.append(
            {
                "angle": float(angle),
                "loglik": gaussian_loglik(x, loadings @ r, fa.noise_variance_),
                "nongaussianity": nongaussianity(rotated),
                "match": match_sources(mixture.sources, rotated).matched.min(),
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
    with single_blas_thread():
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


def ica_resamples(mixture: Mixture, seeds=range(10)) -> np.ndarray:
    """Return, per bootstrap resample, how well ICA fitted to it matches the sources.

    For each seed, FastICA is fitted to a resample (with replacement) of the rows of
    ``mixture.observed``, its unmixing applied to all rows, and the smaller matched
    |corr| with the true sources recorded. A stable answer is identified by the data;
    one that moves from resample to resample is set by sampling noise.
    """
    k = mixture.sources.shape[1]
    out = []
    for seed in seeds:
        rng = np.random.default_rng(check_seed("seeds[i]", seed))
        rows = rng.integers(0, len(mixture.observed), len(mixture.observed))
        ica = FastICA(k, whiten="unit-variance", max_iter=1000, random_state=seed)
        with single_blas_thread():
            ica.fit(mixture.observed[rows])
        recovered = ica.transform(mixture.observed)
        out.append(match_sources(mixture.sources, recovered).matched.min())
    return np.array(out)


def random_rotation_match() -> float:
    """Return the mean over uniform angles t of max(|cos t|, |sin t|): 2 sqrt(2) / pi.

    It is the matched |corr| that a uniformly random rotation of two independent unit
    sources scores against them; the least it can score is 1 / sqrt(2), at 45 degrees.
    """
    return 2 * np.sqrt(2) / np.pi


def plot_source_match(
    true: np.ndarray, recovered: np.ndarray, match: SourceMatch, axes=None
) -> np.ndarray:
    """Plot |corr| of true and recovered sources (first Axes) and each matched pair.

    ``axes``: 1 + k Axes in a row (made when None). Recovered components are reordered
    and sign-flipped to their partners. Returns the array of Axes.
    """
    k = match.corr.shape[0]
    if axes is None:
        _, axes = plt.subplots(
            1, 1 + k, figsize=(3.4 * (1 + k), 3.2), layout="constrained"
        )
    elif len(axes) != 1 + k:
        raise ValueError(f"axes must hold {1 + k} Axes (matrix, then one per source)")
    axes = np.asarray(axes)
    _plot_corr_matrix(np.abs(match.corr), axes[0])
    step = max(1, len(true) // 1000)
    markers = ("o", "^", "s", "D")
    for i, ax in enumerate(axes[1:]):
        j = match.order[i]
        sign = np.sign(match.corr[i, j]) or 1.0
        ax.scatter(
            true[::step, i],
            sign * recovered[::step, j],
            s=4,
            alpha=0.4,
            marker=markers[i % len(markers)],
            color=PALETTE[i % len(PALETTE)],
        )
        ax.set(
            xlabel=f"true source {i + 1}",
            ylabel=f"recovered component {j + 1}",
            title=f"|corr| = {match.matched[i]:.2f}",
        )
    return axes


def _plot_corr_matrix(abs_corr: np.ndarray, ax: plt.Axes) -> None:
    """Draw |corr| as a grid of printed values on a blue scale (no colorbar needed)."""
    k = abs_corr.shape[0]
    ax.imshow(abs_corr, vmin=0, vmax=1, cmap="Blues")
    for (i, j), value in np.ndenumerate(abs_corr):
        colour = "white" if value > 0.6 else "black"
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", color=colour)
    ax.set(
        xticks=range(k),
        yticks=range(k),
        xlabel="recovered component",
        ylabel="true source",
        title="|correlation|",
    )
    ax.set_xticklabels([str(j + 1) for j in range(k)])
    ax.set_yticklabels([str(i + 1) for i in range(k)])
    ax.grid(False)


def plot_rotation_contrast(
    tables: dict[str, pd.DataFrame], ax: plt.Axes | None = None
) -> plt.Axes:
    """Plot non-Gaussianity against rotation angle, one line per table (label: key).

    Each table comes from ``rotation_table``; a dotted vertical line marks the angle at
    which each one's factors best match the true sources.
    """
    _, ax = new_axes(ax)
    for i, (label, table) in enumerate(tables.items()):
        colour, style = PALETTE[i % len(PALETTE)], ("o-", "s--", "^:")[i % 3]
        ax.plot(
            table["angle"], table["nongaussianity"], style, color=colour, label=label
        )
        best = table["angle"][table["match"].idxmax()]
        ax.axvline(best, color=colour, ls=":", lw=1)
    ax.set(
        xlabel="rotation of the fitted factors (degrees)",
        ylabel="sum of |excess kurtosis|",
    )
    ax.legend()
    return ax
