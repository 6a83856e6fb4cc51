"""A causal direction from non-Gaussian noise: LiNGAM on a cause-effect pair.

``cause_effect_pair`` draws X -> Y. ``residual_dependence`` measures how far the
regression residual of each direction is from independent of its regressor;
``lingam_order`` asks causal-learn's DirectLiNGAM for the order and ``lingam_hits``
counts how often it is right over seeds. ``confounded_pair`` breaks LiNGAM's assumption
of no hidden common cause, and ``lingam_effects`` shows the direct effects it reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlxday2.causal_representation._causallearn import DirectLiNGAM, single_blas_thread
from mlxday2.causal_representation.identifiability import (
    _check_distribution,
    _observed,
    standard_draws,
)
from mlxday2.checks import check_array, check_int, check_real, check_seed


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


def _direct_lingam(data: pd.DataFrame, seed: int) -> DirectLiNGAM:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    x = _observed(data.to_numpy(), "data", min_rows=10)
    model = DirectLiNGAM(random_state=check_seed("seed", seed))
    with single_blas_thread():
        model.fit(x)
    return model


def lingam_order(data: pd.DataFrame, seed: int = 0) -> list[str]:
    """Return the columns of ``data`` in DirectLiNGAM's causal order, causes first."""
    model = _direct_lingam(data, seed)
    return [str(data.columns[i]) for i in model.causal_order_]


def lingam_effects(data: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Return DirectLiNGAM's direct effects: entry (row i, column j) is j -> i."""
    model = _direct_lingam(data, seed)
    names = [str(c) for c in data.columns]
    return pd.DataFrame(model.adjacency_matrix_, index=names, columns=names)


def confounded_pair(
    n: int = 2000, noise: str = "uniform", seed: int = 0
) -> pd.DataFrame:
    """Return ``x = U + e1``, ``y = U + e2`` with U hidden: no effect either way.

    U, e1 and e2 follow ``noise`` (one of DISTRIBUTIONS, variance 1).
    """
    n = check_int("n", n, 10)
    _check_distribution("noise", noise)
    rng = np.random.default_rng(check_seed("seed", seed))
    u, e1, e2 = (standard_draws(rng, noise, n) for _ in range(3))
    return pd.DataFrame({"x": u + e1, "y": u + e2})


def lingam_hits(noise: str, seeds=range(20), n: int = 2000) -> int:
    """Return in how many ``seeds`` DirectLiNGAM orders ``cause_effect_pair`` x -> y."""
    _check_distribution("noise", noise)
    data = (cause_effect_pair(n=n, noise=noise, seed=s) for s in seeds)
    return sum(lingam_order(d) == ["x", "y"] for d in data)
