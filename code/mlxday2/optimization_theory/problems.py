"""Quadratic problems with a chosen spectrum, and the theorems' constants L and mu.

Every problem here is a quadratic, ``f(theta) = theta^T H theta / 2 - b^T theta + c``,
so its Hessian ``H`` is the same at every point and the theorems' constants are its
eigenvalues: ``L`` (smoothness) the largest, ``mu`` (strong convexity) the smallest.
Least squares, ``f(theta) = mean((X theta - y) ** 2)``, is the quadratic with
``H = 2 X^T X / n`` and ``b = 2 X^T y / n``; it also has samples, for SGD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mlxday2.checks import check_array, check_int, check_real, check_seed


@dataclass(frozen=True, eq=False)
class Quadratic:
    """The loss ``theta^T hessian theta / 2 - linear^T theta`` (up to a constant).

    ``hessian`` is a symmetric positive semi-definite (d, d) array, ``linear`` (d,).
    """

    hessian: np.ndarray
    linear: np.ndarray

    @cached_property
    def minimiser(self) -> np.ndarray:
        """Return the minimiser of least norm, shape (d,)."""
        return np.linalg.lstsq(self.hessian, self.linear, rcond=None)[0]

    @property
    def dim(self) -> int:
        """Return the number of parameters d."""
        return len(self.linear)

    def gradient(self, params: np.ndarray) -> np.ndarray:
        """Return the gradient at ``params``, shape (d,), or (k, d) for k points."""
        return params @ self.hessian - self.linear

    def excess_loss(self, params: np.ndarray) -> np.ndarray:
        """Return ``f(params) - min f``, shape () or (k,); exact for a quadratic."""
        error = np.asarray(params) - self.minimiser
        return 0.5 * np.einsum("...i,ij,...j->...", error, self.hessian, error)


@dataclass(frozen=True, eq=False)
class LeastSquares(Quadratic):
    """``f(theta) = mean((features @ theta - targets) ** 2)``, a quadratic with samples.

    ``features`` has shape (n, d) and ``targets`` shape (n,). Build one with
    ``least_squares``, which checks the arrays.
    """

    features: np.ndarray
    targets: np.ndarray

    def sample_gradients(self, params: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Return (k, d) mean gradients of the samples ``index`` (k, B) at (k, d)."""
        x = self.features[index]  # (k, B, d)
        residual = np.einsum("kbd,kd->kb", x, params) - self.targets[index]
        return 2.0 * np.einsum("kb,kbd->kd", residual, x) / index.shape[1]

    def gradient_noise(self, params: np.ndarray | None = None) -> np.ndarray:
        """Return the (d, d) covariance of one random sample's gradient at ``params``.

        The sample is drawn uniformly; ``params`` defaults to the minimiser, where the
        mean gradient is zero.
        """
        params = self.minimiser if params is None else np.asarray(params, dtype=float)
        residual = self.features @ params - self.targets
        per_sample = 2.0 * residual[:, None] * self.features
        centred = per_sample - per_sample.mean(axis=0)
        return centred.T @ centred / len(self.targets)


def least_squares(features, targets) -> LeastSquares:
    """Return the ``LeastSquares`` of ``features`` (n, d) and ``targets`` (n,)."""
    features = check_array("features", features, ndim=2, fix="pass an (n, d) array")
    targets = check_array("targets", targets, ndim=1, fix="pass one target per row")
    if targets.shape != features.shape[:1]:
        raise ValueError(
            f"targets must have shape ({features.shape[0]},) to match features, "
            f"got {targets.shape}; pass one target per row of features"
        )
    n = len(targets)
    return LeastSquares(
        hessian=2.0 * features.T @ features / n,
        linear=2.0 * features.T @ targets / n,
        features=features,
        targets=targets,
    )


def line_fit(offset: float = 0.0, n: int = 100) -> LeastSquares:
    """Return the practical's line fit of ``y = 5x + 2`` on ``x = linspace(0, 1, n)``.

    ``offset`` is added to ``x`` first; moving the feature off zero raises the
    condition number. The parameters are ``(w, b)``, the features ``(x, 1)``, and the
    minimum is (5, 2) with loss 0.
    """
    offset = check_real("offset", offset, fix="pass e.g. offset=1")
    n = check_int("n", n, low=2, fix="pass at least two points, e.g. n=100")
    x = np.linspace(0.0, 1.0, n) + offset
    return least_squares(np.column_stack([x, np.ones(n)]), 5.0 * x + 2.0)


def noisy_line(n: int = 200, noise: float = 1.0, seed: int = 0) -> LeastSquares:
    """Return a noisy line fit: ``x ~ N(0, 1)``, ``y = 5x + 2 + noise * N(0, 1)``."""
    n = check_int("n", n, low=2, fix="pass e.g. n=200")
    noise = check_real("noise", noise, 0, fix="pass a standard deviation, e.g. 1")
    rng = np.random.default_rng(check_seed("seed", seed))
    x = rng.standard_normal(n)
    y = 5.0 * x + 2.0 + noise * rng.standard_normal(n)
    return least_squares(np.column_stack([x, np.ones(n)]), y)


def data_fit(x, y) -> LeastSquares:
    """Return the line fit ``mean((w x + b - y) ** 2)`` of data ``x``, ``y`` (n,)."""
    x = check_array("x", x, ndim=1, fix="pass one feature as a 1-D array")
    return least_squares(np.column_stack([x, np.ones(len(x))]), y)


def spread_spectrum(
    dim: int = 50, decades: float = 6.0, null_dims: int = 2, seed: int = 0
) -> LeastSquares:
    """Return a rank-deficient least squares with eigenvalues spread on a log scale.

    The Hessian has ``null_dims`` zero eigenvalues (so ``mu = 0``) and the other
    ``dim - null_dims`` evenly spaced on a log scale from 1 down to ``10**-decades``.
    The targets are fitted exactly by a ``theta*`` with weight one on every eigenvector
    (random signs), so from ``theta = 0`` every direction starts with the same error.
    """
    dim = check_int("dim", dim, low=2, fix="pass e.g. dim=50")
    decades = check_real("decades", decades, 0, low_open=True, fix="pass e.g. 6")
    null_dims = check_int("null_dims", null_dims, 0, dim - 1, fix="leave one free")
    rng = np.random.default_rng(check_seed("seed", seed))
    rank, n = dim - null_dims, dim + 10
    left, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    right, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    eigenvalues = np.geomspace(1.0, 10.0**-decades, rank)
    singular = np.sqrt(n * eigenvalues / 2.0)  # so that H = 2 X^T X / n has them
    features = (left * singular) @ right[:, :rank].T
    theta_star = right[:, :rank] @ rng.choice([-1.0, 1.0], size=rank)
    return least_squares(features, features @ theta_star)


def worst_case_quadratic(k: int, dim: int | None = None, smoothness: float = 1.0):
    """Return Nesterov's worst function for first-order methods, a ``Quadratic``.

    ``f(x) = L/4 (x_1^2/2 + sum_i (x_i - x_{i+1})^2/2 + x_k^2/2 - x_1)`` on the first
    ``k`` of ``dim`` coordinates (Nesterov 2018, section 2.1.2): its Hessian is ``L/4``
    times the tridiagonal matrix (2, -1), it is L-smooth and convex, and
    ``x*_i = 1 - i / (k + 1)``. From ``x = 0`` a method that moves in the span of the
    gradients it has seen reaches only coordinate ``t`` after ``t`` steps.
    """
    k = check_int("k", k, low=1, fix="pass the number of coupled coordinates")
    dim = k if dim is None else check_int("dim", dim, low=k, fix="pass dim >= k")
    big_l = check_real("smoothness", smoothness, 0, low_open=True, fix="e.g. 1")
    hessian = np.zeros((dim, dim))
    block = 2 * np.eye(k) - np.eye(k, k=1) - np.eye(k, k=-1)
    hessian[:k, :k] = big_l / 4 * block
    linear = np.zeros(dim)
    linear[0] = big_l / 4
    return Quadratic(hessian, linear)


@dataclass(frozen=True)
class Curvature:
    """The Hessian's extreme eigenvalues: ``smoothness`` L, ``strong_convexity`` mu."""

    smoothness: float
    strong_convexity: float

    @property
    def kappa(self) -> float:
        """Return the condition number ``L / mu`` (``inf`` when ``mu = 0``)."""
        mu = self.strong_convexity
        return self.smoothness / mu if mu > 0 else math.inf


def curvature(problem: Quadratic) -> Curvature:
    """Return L and mu of ``problem``; eigenvalues at rounding level count as zero."""
    eigenvalues = np.linalg.eigvalsh(problem.hessian)
    top, bottom = float(eigenvalues[-1]), float(eigenvalues[0])
    rounding = len(eigenvalues) * np.finfo(float).eps * top
    return Curvature(top, bottom if bottom > rounding else 0.0)


def smallest_positive_eigenvalue(problem: Quadratic) -> float:
    """Return the Hessian's smallest eigenvalue above rounding: the PL constant."""
    eigenvalues = np.linalg.eigvalsh(problem.hessian)
    rounding = len(eigenvalues) * np.finfo(float).eps * eigenvalues[-1]
    return float(eigenvalues[eigenvalues > rounding][0])


def secant_curvatures(problem: Quadratic, pairs: int = 1000, seed: int = 0):
    """Return ``<g(a) - g(b), a - b> / |a - b|^2`` for random pairs, shape (pairs,).

    L-smoothness and mu-strong convexity say exactly that every value is in [mu, L].
    """
    pairs = check_int("pairs", pairs, low=1, fix="pass e.g. pairs=1000")
    rng = np.random.default_rng(check_seed("seed", seed))
    a, b = rng.standard_normal((2, pairs, problem.dim)) * 10
    step, change = a - b, problem.gradient(a) - problem.gradient(b)
    return np.einsum("kd,kd->k", change, step) / np.einsum("kd,kd->k", step, step)
