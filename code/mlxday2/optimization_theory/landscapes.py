"""Two nonconvex landscapes: one where every saddle is strict, one that traps GD.

* Rank-one approximation (PCA's top component), ``f(u) = |u u^T - M|_F^2 / 4`` for a
  symmetric positive semi-definite M with eigenpairs ``(lam_i, v_i)``: its critical
  points are 0 and ``+-sqrt(lam_i) v_i``; only ``+-sqrt(lam_1) v_1`` are local minima
  (and global), every other one is a strict saddle, with Hessian eigenvalue
  ``lam_i - lam_1 < 0`` along ``v_1``.
* A chain of saddles in the spirit of Du et al. (2017): coordinate ``i`` is stable
  (curvature ``stable``) until coordinate ``i - 1`` has left zero, then unstable
  (curvature ``-unstable``) with minima at ``+-1``. While GD escapes one saddle, every
  later coordinate shrinks, so it reaches each next saddle closer to its stable
  manifold than the last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlxday2.checks import check_int, check_real, check_seed
from mlxday2.optimization_theory.saddles import (
    escape_step,
    gradient_descent,
    perturbed_gradient_descent,
)


def rank_one_matrix(dim: int = 5, seed: int = 0) -> np.ndarray:
    """Return a random symmetric PSD (dim, dim) matrix, eigenvalues 1, 2, ..., dim."""
    dim = check_int("dim", dim, low=2, fix="pass e.g. dim=5")
    rng = np.random.default_rng(check_seed("seed", seed))
    basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return (basis * np.arange(1.0, dim + 1)) @ basis.T


def rank_one_value(u, target: np.ndarray) -> float:
    """Return ``|u u^T - target|_F^2 / 4``."""
    return float(np.sum((np.outer(u, u) - target) ** 2) / 4)


def rank_one_gradient(u, target: np.ndarray) -> np.ndarray:
    """Return the gradient ``(u u^T - target) u = |u|^2 u - target u``."""
    return (u @ u) * u - target @ u


def rank_one_hessian(u, target: np.ndarray) -> np.ndarray:
    """Return the Hessian ``|u|^2 I + 2 u u^T - target``."""
    return (u @ u) * np.eye(len(u)) + 2 * np.outer(u, u) - target


def critical_points(target: np.ndarray) -> pd.DataFrame:
    """Return every critical point's value and smallest Hessian eigenvalue.

    Rows: 0 and ``+-sqrt(lam_i) v_i``. Columns: ``eigenvalue`` (``lam_i``, 0 for the
    origin), ``sign``, ``gradient_norm``, ``value``, ``min_curvature``.
    """
    eigenvalues, vectors = np.linalg.eigh(target)
    points = [(0.0, 0, np.zeros(len(target)))]
    points += [
        (lam, s, s * np.sqrt(lam) * v)
        for lam, v in zip(eigenvalues, vectors.T)
        for s in (1, -1)
    ]
    return pd.DataFrame(
        dict(eigenvalue=lam, sign=s)
        | dict(gradient_norm=np.linalg.norm(rank_one_gradient(u, target)))
        | dict(value=rank_one_value(u, target))
        | dict(min_curvature=np.linalg.eigvalsh(rank_one_hessian(u, target))[0])
        for lam, s, u in points
    )


def landscape_study(target: np.ndarray, seeds, lr: float = 0.05, steps: int = 600):
    """Return where gradient descent ends from random starts, one row per seed.

    Starts are standard normal. Columns: ``seed``, ``distance`` (to the nearer of
    ``+-sqrt(lam_1) v_1``), ``gradient_norm`` and ``min_curvature`` at the end.
    """
    eigenvalues, vectors = np.linalg.eigh(target)
    best = np.sqrt(eigenvalues[-1]) * vectors[:, -1]
    rows = []
    for seed in seeds:
        start = np.random.default_rng(check_seed("seeds", seed)).standard_normal(
            len(target)
        )
        run = gradient_descent(start, lr, steps, lambda u: rank_one_gradient(u, target))
        end = run.params[-1]
        rows.append(
            dict(
                seed=int(seed),
                distance=min(np.linalg.norm(end - best), np.linalg.norm(end + best)),
            )
            | dict(gradient_norm=np.linalg.norm(rank_one_gradient(end, target)))
            | dict(min_curvature=np.linalg.eigvalsh(rank_one_hessian(end, target))[0])
        )
    return pd.DataFrame(rows)


def _switch(u: np.ndarray):
    """Return ``(s, ds/du)``: 0 below 0.09, 1 above 0.81, a smooth quintic between."""
    z = np.clip((u - 0.09) / 0.72, 0.0, 1.0)
    return z**3 * (10 - 15 * z + 6 * z * z), 30 * z * z * (1 - z) ** 2 / 0.72


def chain_gradient(x, stable: float = 2.0, unstable: float = 1.0) -> np.ndarray:
    """Return the gradient of the chain of saddles at ``x`` (d,).

    ``f(x) = sum_i phi(x_i, s_i)``, ``s_1 = 1``, ``s_i = switch(x_{i-1}^2)``, with
    ``phi(z, s) = (1 - s) stable z^2 / 2 + s unstable (z^4 / 4 - z^2 / 2)``. Its
    critical points with ``k`` leading coordinates at ``+-1`` and the rest 0 are
    strict saddles for ``k < d`` and global minima for ``k = d``.
    """
    s, ds = _switch(np.r_[1.0, x[:-1] ** 2])
    s[0] = 1.0
    along = (1 - s) * stable * x + s * unstable * (x**3 - x)
    phi_s = -stable * x**2 / 2 + unstable * (x**4 / 4 - x**2 / 2)  # d phi / d s
    coupling = np.zeros_like(x)
    coupling[:-1] = phi_s[1:] * ds[1:] * 2 * x[:-1]
    return along + coupling


def chain_study(
    length: int = 4,
    lr: float = 0.1,
    start: float = 1e-3,
    steps: int = 5000,
    seed: int = 0,
):
    """Return GD's and perturbed GD's time at each saddle of a chain of ``length``.

    Both start at ``start`` in every coordinate. One row per saddle. Columns:
    ``saddle`` (1 ..), ``gd`` and ``perturbed`` (steps between leaving saddle i - 1
    and leaving saddle i, the first step with ``|x_i| >= 0.5``; NaN if never).
    """
    length = check_int("length", length, low=1, fix="pass e.g. length=4")
    init = np.full(
        length, check_real("start", start, 0, low_open=True, fix="e.g. 1e-3")
    )
    gradient = chain_gradient
    runs = dict(
        gd=gradient_descent(init, lr, steps, gradient),
        perturbed=perturbed_gradient_descent(
            init, lr, steps, seed=seed, gradient=gradient
        ),
    )
    table = {"saddle": np.arange(1, length + 1)}
    for name, run in runs.items():
        hits = [escape_step(run, 0.5, coordinate=i) for i in range(length)]
        hits = np.array([np.nan if h is None else h for h in hits], dtype=float)
        table[name] = np.diff(np.r_[0.0, hits])
    return pd.DataFrame(table)
