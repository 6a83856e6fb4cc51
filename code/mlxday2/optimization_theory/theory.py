"""Optimization theory on least squares: curvature, rates, momentum and gradient noise.

The convex half of the optimization lecture, each result in a form an experiment can
check. Every problem here is least squares, ``f(theta) = mean((X theta - y) ** 2)``, so
its Hessian ``H = 2 X^T X / n`` is constant and the theorems' constants are its
eigenvalues:

* ``L`` (smoothness) is the largest eigenvalue, ``mu`` (strong convexity) the smallest;
* gradient descent with step ``1 / L`` shrinks the excess loss at least by the factor
  ``1 - mu / L`` per step when ``mu > 0``, and like
  ``2 L |theta_0 - theta*|^2 / (t + 4)`` when ``mu = 0``;
* heavy-ball momentum and Nesterov's method need about ``sqrt(kappa)`` steps per digit
  of accuracy where gradient descent needs ``kappa = L / mu``;
* SGD with a constant step ``lr`` settles at an excess loss of about
  ``lr tr(Sigma) / 4``, ``Sigma`` the covariance of one sample's gradient at the
  minimum; a mini-batch of ``B`` samples divides that covariance by ``B``.

Sections: problems; the update rules (small pure step functions); studies the chapter
runs; plots (they take computed data and never compute).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

#: A run counts as diverged when its distance from the start grows past this factor.
BLOW_UP = 1e8


# ------------------------------------------------------------------------------------
# Problems
# ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """The loss ``f(theta) = mean((features @ theta - targets) ** 2)``.

    ``features`` has shape (n, d) and ``targets`` shape (n,). Build one with
    ``least_squares``, which checks the arrays.
    """

    features: np.ndarray
    targets: np.ndarray

    @cached_property
    def hessian(self) -> np.ndarray:
        """Return the (d, d) Hessian ``2 X^T X / n``, the same at every point."""
        return 2.0 * self.features.T @ self.features / len(self.targets)

    @cached_property
    def _linear_term(self) -> np.ndarray:
        return 2.0 * self.features.T @ self.targets / len(self.targets)

    @cached_property
    def minimiser(self) -> np.ndarray:
        """Return the minimiser of least norm, shape (d,)."""
        return np.linalg.lstsq(self.features, self.targets, rcond=None)[0]

    @cached_property
    def min_loss(self) -> float:
        """Return the smallest value of the loss."""
        return float(np.mean((self.features @ self.minimiser - self.targets) ** 2))

    def gradient(self, params: np.ndarray) -> np.ndarray:
        """Return the gradient at ``params``, shape (d,), or (k, d) for k points."""
        return params @ self.hessian - self._linear_term

    def excess_loss(self, params: np.ndarray) -> np.ndarray:
        """Return ``f(params) - min f``, shape () or (k,); exact for a quadratic."""
        error = np.asarray(params) - self.minimiser
        return 0.5 * np.einsum("...i,ij,...j->...", error, self.hessian, error)

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
    features = np.asarray(features, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if features.ndim != 2 or features.size == 0:
        raise ValueError(
            f"features must be a non-empty (n, d) array, got shape {features.shape}"
        )
    if targets.shape != features.shape[:1]:
        raise ValueError(
            f"targets must have shape ({features.shape[0]},) to match features, "
            f"got {targets.shape}"
        )
    for name, a in (("features", features), ("targets", targets)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite; drop or impute the bad entries")
    return LeastSquares(features, targets)


def line_fit(offset: float = 0.0, n: int = 100) -> LeastSquares:
    """Return the practical's line fit of ``y = 5x + 2`` on ``x = linspace(0, 1, n)``.

    ``offset`` is added to ``x`` first; moving the feature off zero raises the
    condition number. The parameters are ``(w, b)``, the features ``(x, 1)``, and the
    minimum is (5, 2) with loss 0.
    """
    x = np.linspace(0.0, 1.0, n) + offset
    return least_squares(np.column_stack([x, np.ones(n)]), 5.0 * x + 2.0)


def noisy_line(n: int = 200, noise: float = 1.0, seed: int = 0) -> LeastSquares:
    """Return a noisy line fit: ``x ~ N(0, 1)``, ``y = 5x + 2 + noise * N(0, 1)``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 5.0 * x + 2.0 + noise * rng.standard_normal(n)
    return least_squares(np.column_stack([x, np.ones(n)]), y)


def spread_spectrum(
    dim: int = 50, decades: float = 6.0, null_dims: int = 2, seed: int = 0
) -> LeastSquares:
    """Return a rank-deficient least squares with eigenvalues spread on a log scale.

    The Hessian has ``null_dims`` zero eigenvalues (so ``mu = 0``) and the other
    ``dim - null_dims`` evenly spaced on a log scale from 1 down to ``10**-decades``.
    The targets are fitted exactly by a ``theta*`` with weight one on every eigenvector
    (random signs), so from ``theta = 0`` every direction starts with the same error:
    the case where the ``O(1/t)`` bound of gradient descent is tight up to a constant
    (until ``t`` reaches ``10**decades``).
    """
    rank = dim - null_dims
    if rank < 1 or null_dims < 0:
        raise ValueError(f"null_dims must be in 0..{dim - 1}, got {null_dims}")
    rng = np.random.default_rng(seed)
    n = dim + 10
    left, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    right, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    eigenvalues = np.geomspace(1.0, 10.0**-decades, rank)
    singular = np.sqrt(n * eigenvalues / 2.0)  # so that H = 2 X^T X / n has them
    features = (left * singular) @ right[:, :rank].T
    theta_star = right[:, :rank] @ rng.choice([-1.0, 1.0], size=rank)
    return least_squares(features, features @ theta_star)


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


def curvature(problem: LeastSquares) -> Curvature:
    """Return L and mu of ``problem``; eigenvalues at rounding level count as zero."""
    eigenvalues = np.linalg.eigvalsh(problem.hessian)
    top, bottom = float(eigenvalues[-1]), float(eigenvalues[0])
    rounding = len(eigenvalues) * np.finfo(float).eps * top
    return Curvature(top, bottom if bottom > rounding else 0.0)


def secant_curvatures(
    problem: LeastSquares, pairs: int = 1000, seed: int = 0
) -> np.ndarray:
    """Return ``<g(a) - g(b), a - b> / |a - b|^2`` for random pairs, shape (pairs,).

    L-smoothness and mu-strong convexity say exactly that every value is in [mu, L].
    """
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, pairs, problem.features.shape[1])) * 10
    step, change = a - b, problem.gradient(a) - problem.gradient(b)
    return np.einsum("kd,kd->k", change, step) / np.einsum("kd,kd->k", step, step)


# ------------------------------------------------------------------------------------
# The update rules
# ------------------------------------------------------------------------------------


def _check_lr(lr) -> float:
    if not (isinstance(lr, (int, float, np.number)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)


def _check_momentum(momentum) -> float:
    if not (isinstance(momentum, (int, float, np.number)) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
    return float(momentum)


def _check_point(name: str, point, dim: int) -> np.ndarray:
    point = np.asarray(point, dtype=float)
    if point.shape != (dim,):
        raise ValueError(
            f"{name} must have shape ({dim},), a value per parameter, got {point.shape}"
        )
    if not np.all(np.isfinite(point)):
        raise ValueError(f"{name} must be finite, got {point}")
    return point


def gd_step(params, grad, state, lr):
    """Return ``(params - lr * grad, state)``: one step of gradient descent."""
    return params - lr * grad, state


def heavy_ball_step(params, grad, state, lr, momentum):
    """Return ``(new params, params)``: one step of Polyak's heavy-ball method.

    ``state`` is the previous point (the start itself at the first step): the step adds
    ``momentum`` times the last move to the gradient step.
    """
    new = params - lr * grad + momentum * (params - state)
    return new, params


def nesterov_step(params, grad, state, lr, momentum):
    """Return ``(next look-ahead point, new iterate)``: one step of Nesterov's method.

    ``params`` is the look-ahead point where ``grad`` was taken and ``state`` the
    current iterate (both the start at the first step). The gradient step from the
    look-ahead point gives the new iterate; the next look-ahead point extrapolates
    along the last move.
    """
    iterate = params - lr * grad
    return iterate + momentum * (iterate - state), iterate


STEPS = {"gd": gd_step, "heavy_ball": heavy_ball_step, "nesterov": nesterov_step}
LABELS = {"gd": "gradient descent", "heavy_ball": "heavy ball", "nesterov": "Nesterov"}


@dataclass(frozen=True, eq=False)
class Run:
    """One run of an update rule.

    ``params`` (steps + 1, d) holds the points where gradients were taken, the start
    first; ``excess`` (steps + 1,) the loss above the minimum there; ``diverged`` says
    the run stopped early because it blew up.
    """

    method: str
    lr: float
    momentum: float
    params: np.ndarray
    excess: np.ndarray
    diverged: bool


def run_method(
    problem: LeastSquares,
    method: str,
    init,
    steps: int,
    lr: float,
    momentum: float = 0.0,
) -> Run:
    """Return the ``Run`` of ``steps`` steps of "gd", "heavy_ball" or "nesterov".

    A run whose distance from the start grows past ``BLOW_UP`` times its scale stops
    early with ``diverged=True`` (and no numpy overflow warnings).
    """
    if method not in STEPS:
        raise ValueError(f"method must be one of {tuple(STEPS)}, got {method!r}")
    lr, momentum = _check_lr(lr), _check_momentum(momentum)
    if method == "gd" and momentum != 0:
        raise ValueError(f"momentum must be 0 for method='gd', got {momentum}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    start = _check_point("init", init, problem.features.shape[1])
    step = STEPS[method]
    args = (lr,) if method == "gd" else (lr, momentum)
    limit = BLOW_UP * (1.0 + np.linalg.norm(start) + np.linalg.norm(problem.minimiser))
    params, state = start.copy(), start.copy()
    path, diverged = [start], False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            params, state = step(params, problem.gradient(params), state, *args)
            if not np.linalg.norm(params - start) < limit:  # also catches NaN
                diverged = True
                break
            path.append(params)
    path = np.array(path)
    return Run(method, lr, momentum, path, problem.excess_loss(path), diverged)


# ------------------------------------------------------------------------------------
# Studies: the rates of gradient descent
# ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RateCurves:
    """Gradient descent with step 1/L beside the theory; arrays of shape (steps + 1,).

    ``measured``: the excess loss. ``bound``: the theorem's bound, ``(1 - mu/L)^t``
    times the initial excess if ``mu > 0``, else ``2 L |theta_0 - theta*|^2 / (t + 4)``.
    ``slowest`` (NaN when ``mu = 0``): the excess of the slowest eigen-direction alone,
    ``mu c^2 (1 - mu/L)^(2t) / 2`` with ``c`` the start's error along it.
    """

    step: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    slowest: np.ndarray
    curvature: Curvature


def gd_rate_curves(problem: LeastSquares, init, steps: int) -> RateCurves:
    """Return the measured excess loss of GD with step 1/L and the theory's curves."""
    curv = curvature(problem)
    big_l, mu = curv.smoothness, curv.strong_convexity
    run = run_method(problem, "gd", init, steps, lr=1.0 / big_l)
    t = np.arange(len(run.excess), dtype=float)
    error = np.asarray(init, dtype=float) - problem.minimiser
    if mu > 0:
        bound = run.excess[0] * (1.0 - mu / big_l) ** t
        slow_direction = np.linalg.eigh(problem.hessian)[1][:, 0]
        slow_error = float(error @ slow_direction)
        slowest = 0.5 * mu * slow_error**2 * (1.0 - mu / big_l) ** (2 * t)
    else:
        bound = 2.0 * big_l * float(error @ error) / (t + 4.0)
        slowest = np.full_like(t, np.nan)
    return RateCurves(t, run.excess, bound, slowest, curv)


def fit_power_law(x, y) -> tuple[float, float]:
    """Return ``(exponent, prefactor)`` of the straight-line fit of log y on log x."""
    log_x = np.log(np.asarray(x, dtype=float))
    log_y = np.log(np.asarray(y, dtype=float))
    slope, intercept = np.polyfit(log_x, log_y, 1)
    return float(slope), float(np.exp(intercept))


def fit_rate(step, excess) -> float:
    """Return the measured factor per step: exp of the slope of log(excess) on step."""
    return float(np.exp(np.polyfit(np.asarray(step, float), np.log(excess), 1)[0]))


# ------------------------------------------------------------------------------------
# Studies: acceleration
# ------------------------------------------------------------------------------------


def tuned(method: str, curv: Curvature) -> dict:
    """Return the theory's ``lr``, ``momentum`` and ``rate`` (error factor per step).

    Gradient descent: ``lr = 1/L``, rate ``1 - 1/kappa``. Heavy ball (Polyak, for
    quadratics): ``lr = 4 / (sqrt L + sqrt mu)^2``, ``momentum = q^2`` and rate ``q``
    with ``q = (sqrt kappa - 1) / (sqrt kappa + 1)``. Nesterov: ``lr = 1/L``,
    ``momentum = q``, rate ``1 - 1 / sqrt kappa``.
    """
    big_l, mu, root = curv.smoothness, curv.strong_convexity, math.sqrt(curv.kappa)
    q = (root - 1.0) / (root + 1.0)
    if method == "gd":
        return dict(lr=1.0 / big_l, momentum=0.0, rate=1.0 - 1.0 / curv.kappa)
    if method == "heavy_ball":
        lr = 4.0 / (math.sqrt(big_l) + math.sqrt(mu)) ** 2
        return dict(lr=lr, momentum=q**2, rate=q)
    if method == "nesterov":
        return dict(lr=1.0 / big_l, momentum=q, rate=1.0 - 1.0 / root)
    raise ValueError(f"method must be one of {tuple(STEPS)}, got {method!r}")


def steps_to_accuracy(run: Run, target, tol: float) -> int | None:
    """Return the step after which ``|theta - target|`` stays below ``tol`` * its start.

    ``None`` if the run never gets there (or ends above it).
    """
    distance = np.linalg.norm(run.params - np.asarray(target, dtype=float), axis=1)
    above = np.flatnonzero(distance > tol * distance[0])
    if above.size == 0:
        return 0
    last = int(above[-1])
    return None if last == len(distance) - 1 else last + 1


def acceleration_study(offsets, tol: float = 1e-6, n: int = 100) -> pd.DataFrame:
    """Return the steps GD, heavy ball and Nesterov need to shrink the error by ``tol``.

    For each offset, the practical's line fit on ``linspace(0, 1, n) + offset`` runs
    from the minimum plus one unit along each Hessian eigenvector, with the theory's
    tuned parameters. Columns: ``offset``, ``kappa``, ``method``, ``lr``, ``momentum``,
    ``rate``, ``predicted_steps`` (``log tol / log rate``) and ``steps`` (measured).
    """
    rows = []
    for offset in offsets:
        problem = line_fit(offset, n)
        curv = curvature(problem)
        init = problem.minimiser + np.linalg.eigh(problem.hessian)[1].sum(axis=1)
        for method in STEPS:
            params = tuned(method, curv)
            predicted = math.log(tol) / math.log(params["rate"])
            run = run_method(
                problem,
                method,
                init,
                int(2 * predicted) + 50,
                lr=params["lr"],
                momentum=params["momentum"],
            )
            rows.append(
                dict(
                    offset=float(offset),
                    kappa=curv.kappa,
                    method=method,
                    **params,
                    predicted_steps=predicted,
                    steps=steps_to_accuracy(run, problem.minimiser, tol),
                )
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------
# Studies: stochastic gradients
# ------------------------------------------------------------------------------------


def sgd_excess(
    problem: LeastSquares,
    lrs,
    init,
    chains: int = 200,
    batch_size: int = 1,
    seed: int = 0,
) -> np.ndarray:
    """Return SGD's excess loss averaged over ``chains`` runs, shape (len(lrs) + 1,).

    Step ``t`` uses ``lrs[t]`` and the mean gradient of ``batch_size`` samples drawn
    uniformly with replacement; all chains start at ``init``, drawn from ``seed``.
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError("lrs must be a 1-D array of finite step sizes > 0")
    start = _check_point("init", init, problem.features.shape[1])
    n = len(problem.targets)
    limits = (("chains", chains, math.inf), ("batch_size", batch_size, n))
    for name, value, top in limits:
        whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if not (whole and 1 <= value <= top):
            raise ValueError(f"{name} must be an integer in 1..{top}, got {value!r}")
    rng = np.random.default_rng(seed)
    params = np.tile(start, (chains, 1))
    excess = [float(problem.excess_loss(start))]
    with np.errstate(over="ignore", invalid="ignore"):
        for lr in lrs:
            index = rng.integers(n, size=(chains, batch_size))
            params = params - lr * problem.sample_gradients(params, index)
            excess.append(float(problem.excess_loss(params).mean()))
    return np.array(excess)


def noise_floor_study(
    problem: LeastSquares, lrs, chains: int = 200, average: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Return constant-step SGD's stationary excess loss and the theory, a row per lr.

    Each run starts at the minimum, waits ``3 / (lr mu)`` steps to forget the start,
    then averages the excess loss over ``average`` steps and all chains. Columns:
    ``lr``, ``measured``, ``predicted`` (``lr tr(Sigma) / 4``, first order in lr).
    """
    mu = curvature(problem).strong_convexity
    noise = float(np.trace(problem.gradient_noise()))
    rows = []
    for k, lr in enumerate(lrs):
        burn_in = int(math.ceil(3.0 / (_check_lr(lr) * mu)))
        excess = sgd_excess(
            problem,
            np.full(burn_in + average, lr),
            problem.minimiser,
            chains,
            seed=seed + k,
        )
        rows.append(
            dict(
                lr=float(lr),
                measured=float(excess[burn_in + 1 :].mean()),
                predicted=lr * noise / 4.0,
            )
        )
    return pd.DataFrame(rows)


def decaying_lrs(steps: int, scale: float, offset: float) -> np.ndarray:
    """Return the step sizes ``scale / (t + offset)`` for ``t = 0 .. steps - 1``."""
    return scale / (np.arange(steps) + offset)


def decaying_prediction(
    problem: LeastSquares, scale: float, offset: float, steps: int
) -> np.ndarray:
    """Return the theory's SGD excess loss for ``lr_t = scale / (t + offset)``.

    Along each eigenvector (eigenvalue ``lam``, gradient noise variance ``s2``) the
    mean squared error settles on ``scale^2 s2 / ((2 scale lam - 1) (t + offset))``
    once ``2 scale lam > 1``; the excess loss sums ``lam / 2`` times these. This is the
    asymptote (the start is forgotten), shape (steps + 1,).
    """
    eigenvalues, vectors = np.linalg.eigh(problem.hessian)
    variances = np.einsum("ji,jk,ki->i", vectors, problem.gradient_noise(), vectors)
    if np.any(2 * scale * eigenvalues <= 1):
        raise ValueError(f"scale must exceed 1 / (2 mu) for a 1/t rate, got {scale}")
    gain = 2 * scale * eigenvalues - 1
    per_direction = eigenvalues * scale**2 * variances / (2 * gain)
    return per_direction.sum() / (np.arange(steps + 1) + offset)


def minibatch_variance(
    problem: LeastSquares,
    params,
    batch_sizes,
    draws: int = 4000,
    replace: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Return measured and predicted variance of mini-batch gradients, a row per size.

    ``measured`` is the mean of ``|g_B - grad f|^2`` over ``draws`` batches (the total
    variance, the trace of the covariance); ``predicted`` is ``tr(Sigma) / B``, times
    ``(n - B) / (n - 1)`` when drawing without replacement.
    """
    params = _check_point("params", params, problem.features.shape[1])
    rng = np.random.default_rng(seed)
    n, full = len(problem.targets), problem.gradient(params)
    noise = float(np.trace(problem.gradient_noise(params)))
    rows = []
    for size in batch_sizes:
        if not 1 <= size <= n:
            raise ValueError(f"batch_sizes must lie in 1..{n}, got {size}")
        if replace:
            index = rng.integers(n, size=(draws, size))
        else:
            index = np.argsort(rng.random((draws, n)), axis=1)[:, :size]
        grads = problem.sample_gradients(np.tile(params, (draws, 1)), index)
        factor = 1.0 if replace else (n - size) / (n - 1)
        rows.append(
            dict(
                batch_size=int(size),
                measured=float(np.mean(np.sum((grads - full) ** 2, axis=1))),
                predicted=noise / size * factor,
            )
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------
# Plots (take computed data, never compute)
# ------------------------------------------------------------------------------------


def plot_gd_rates(strong: RateCurves, weak: RateCurves, axes=None):
    """Plot excess loss and theory for mu > 0 (left, log y) and mu = 0 (right, log-log).

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    left, right = axes
    left.semilogy(strong.step, strong.measured, color="C0", lw=2, label="measured")
    left.semilogy(
        strong.step, strong.bound, "k--", lw=1, label=r"bound $(1-\mu/L)^t\,\Delta_0$"
    )
    left.semilogy(
        strong.step,
        strong.slowest,
        ":",
        color="C1",
        lw=1.5,
        label=r"slowest direction $\propto(1-\mu/L)^{2t}$",
    )
    left.set(
        xlabel="step t",
        ylabel="loss above minimum (log scale)",
        title=rf"$\mu>0$: line fit, $\kappa$ = {strong.curvature.kappa:.1f}",
    )
    shown = weak.step > 0
    right.loglog(
        weak.step[shown], weak.measured[shown], color="C0", lw=2, label="measured"
    )
    right.loglog(
        weak.step[shown],
        weak.bound[shown],
        "k--",
        lw=1,
        label=r"bound $2L\|\theta_0-\theta^*\|^2/(t+4)$",
    )
    right.set(
        xlabel="step t (log scale)",
        ylabel="loss above minimum (log scale)",
        title=r"$\mu=0$: rank-deficient least squares",
    )
    for ax in axes:
        ax.legend(fontsize="small")
    return left.figure


def plot_acceleration(study: pd.DataFrame, exponents: dict | None = None, ax=None):
    """Plot measured (markers) and predicted (lines) steps against kappa, log-log.

    ``exponents`` (``{method: fitted exponent}``) go in the legend. Returns the Axes.
    """
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    for k, (method, rows) in enumerate(study.groupby("method", sort=False)):
        label = LABELS[method]
        if exponents:
            label += rf" (measured $\propto\kappa^{{{exponents[method]:.2f}}}$)"
        ax.loglog(rows.kappa, rows.steps, "o", color=f"C{k}", label=label)
        ax.loglog(rows.kappa, rows.predicted_steps, "-", color=f"C{k}", lw=1)
    ax.set(
        xlabel=r"condition number $\kappa$ (log scale)",
        ylabel="steps to shrink the error 1e6-fold (log scale)",
    )
    ax.legend(
        fontsize="small", title="lines: log(tol) / log(rate)", title_fontsize="small"
    )
    return ax


def plot_sgd(
    floor: pd.DataFrame, curves: dict, prediction: np.ndarray | None = None, axes=None
):
    """Plot SGD's noise floor against lr (left) and excess loss against steps (right).

    ``curves`` maps a label to an excess-loss array (index = step); ``prediction`` is
    the decaying step's theory, drawn dashed. Returns the Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    left, right = axes
    left.loglog(
        floor.lr,
        floor.predicted,
        "k-",
        lw=1,
        label=r"theory $\eta\,\mathrm{tr}\Sigma/4$",
    )
    left.loglog(floor.lr, floor.measured, "o", color="C0", label="measured")
    left.xaxis.set_minor_formatter(NullFormatter())  # the minor labels would overlap
    left.set(
        xlabel=r"constant step $\eta$ (log scale)",
        ylabel="stationary loss above minimum",
        title="the noise floor",
    )
    left.legend(fontsize="small")
    for k, (label, excess) in enumerate(curves.items()):
        steps = np.arange(1, len(excess))
        right.loglog(steps, excess[1:], color=f"C{k}", lw=1.2, label=label)
    if prediction is not None:
        steps = np.arange(1, len(prediction))
        right.loglog(
            steps, prediction[1:], "k--", lw=1, label=r"theory for $\eta_t\propto 1/t$"
        )
    right.set(
        xlabel="step t (log scale)",
        ylabel="mean loss above minimum",
        title="constant versus decaying steps",
    )
    right.legend(fontsize="small")
    return left.figure


def plot_minibatch_variance(table: pd.DataFrame, ax=None):
    """Plot measured and predicted mini-batch gradient variance against B; the Axes."""
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    ax.loglog(
        table.batch_size,
        table.predicted,
        "k-",
        lw=1,
        label=r"theory $\mathrm{tr}\Sigma/B$",
    )
    ax.loglog(table.batch_size, table.measured, "o", color="C0", label="measured")
    ax.set(xlabel="batch size B (log scale)", ylabel="gradient variance (log scale)")
    ax.legend(fontsize="small")
    return ax
