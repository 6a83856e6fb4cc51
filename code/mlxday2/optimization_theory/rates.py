"""The rates of gradient descent and of accelerated gradient descent, against theorems.

With step ``1/L`` gradient descent shrinks the excess loss by at least ``1 - mu/L``
per step under the Polyak-Lojasiewicz inequality (strong convexity is one case), and
like ``2 L |theta_0 - theta*|^2 / (t + 4)`` on any convex L-smooth function. The
accelerated method (Nesterov 1983, in the form of Beck and Teboulle's FISTA) reaches
``2 L |theta_0 - theta*|^2 / (t + 1)^2``, and no first-order method can beat
``3 L |theta_0 - theta*|^2 / (32 (t + 1)^2)`` on Nesterov's worst-case quadratic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_int
from mlxday2.optimization import gd_step
from mlxday2.optimization_theory.momentum import run_method
from mlxday2.optimization_theory.problems import (
    Curvature,
    Quadratic,
    curvature,
    smallest_positive_eigenvalue,
    worst_case_quadratic,
)
from mlxday2.optimization_theory.runs import Iterates, iterate


@dataclass(frozen=True, eq=False)
class RateCurves:
    """A run of a method beside the theory; arrays of shape (steps + 1,).

    ``measured``: the excess loss. ``bound``: the theorem's bound. ``slowest`` (NaN
    when ``mu = 0``): the excess of the slowest eigen-direction alone.
    """

    step: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    slowest: np.ndarray
    curvature: Curvature


def gd_rate_curves(problem: Quadratic, init, steps: int) -> RateCurves:
    """Return the excess loss of GD with step 1/L and the theory's curves.

    ``bound``: ``(1 - mu/L)^t`` times the initial excess if ``mu > 0``, else
    ``2 L |theta_0 - theta*|^2 / (t + 4)``. ``slowest``:
    ``mu c^2 (1 - mu/L)^(2t) / 2``, ``c`` the start's error along the slowest direction.
    """
    curv = curvature(problem)
    big_l, mu = curv.smoothness, curv.strong_convexity
    run = run_method(problem, "gd", init, steps, lr=1.0 / big_l)
    excess = problem.excess_loss(run.params)
    t = np.arange(len(excess), dtype=float)
    error = run.params[0] - problem.minimiser
    if mu > 0:
        bound = excess[0] * (1.0 - mu / big_l) ** t
        slow_direction = np.linalg.eigh(problem.hessian)[1][:, 0]
        slow_error = float(error @ slow_direction)
        slowest = 0.5 * mu * slow_error**2 * (1.0 - mu / big_l) ** (2 * t)
    else:
        bound = 2.0 * big_l * float(error @ error) / (t + 4.0)
        slowest = np.full_like(t, np.nan)
    return RateCurves(t, excess, bound, slowest, curv)


def pl_factor(problem: Quadratic) -> float:
    """Return ``1 - mu_PL / L``, GD's guaranteed factor per step under PL.

    For a quadratic the PL constant is the smallest *nonzero* eigenvalue: the loss
    does not depend on the null directions, so a singular problem still has one.
    """
    return 1.0 - smallest_positive_eigenvalue(problem) / curvature(problem).smoothness


def fista_momentum(steps: int) -> np.ndarray:
    """Return FISTA's momentum at steps ``t = 0 .. steps - 1``, shape (steps,).

    The step from ``theta_t`` extrapolates by ``(a_{t-1} - 1) / a_t``, with ``a_0 = 1``
    and ``a_{t+1} = (1 + sqrt(1 + 4 a_t^2)) / 2`` (Beck and Teboulle's ``t_k`` is
    ``a_{k-1}``): 0 at steps 0 (no move yet) and 1, then growing towards 1 like
    ``1 - 3 / t``.
    """
    a = np.ones(max(steps, 1))
    for t in range(len(a) - 1):
        a[t + 1] = (1.0 + math.sqrt(1.0 + 4.0 * a[t] ** 2)) / 2.0
    return np.r_[0.0, (a[:-1] - 1.0) / a[1:]][:steps]


def accelerated_descent(problem: Quadratic, init, steps: int) -> Iterates:
    """Return the iterates of accelerated gradient descent with step 1/L (FISTA).

    Each step extrapolates along the last move by ``fista_momentum`` and takes a
    gradient step from there: ``gd_step`` from a look-ahead point. The recorded points
    are the iterates (not the look-ahead points), the ones the theorem bounds.
    """
    steps = check_int("steps", steps, low=0, fix="pass e.g. steps=1000")
    start = check_array("init", init, ndim=1, size=problem.dim, fix="one per parameter")
    lr, momentum = 1.0 / curvature(problem).smoothness, fista_momentum(steps)

    def update(params, state):
        previous, t = state
        ahead = params + momentum[t] * (params - previous)
        new, _ = gd_step(ahead, problem.gradient(ahead), None, lr)
        return new, (params, t + 1)

    return iterate(update, start, (start, 0), steps, np.linalg.norm(problem.minimiser))


@dataclass(frozen=True, eq=False)
class ConvexRates:
    """GD and accelerated GD on one convex problem, from one start; (steps + 1,) each.

    ``gd`` and ``accelerated``: excess losses. ``gd_bound``: ``2 L R^2 / (t + 4)``;
    ``accelerated_bound``: ``2 L R^2 / (t + 1)^2``, with ``R = |theta_0 - theta*|``.
    """

    step: np.ndarray
    gd: np.ndarray
    accelerated: np.ndarray
    gd_bound: np.ndarray
    accelerated_bound: np.ndarray


def convex_rates(problem: Quadratic, init, steps: int) -> ConvexRates:
    """Return GD's and accelerated GD's excess loss and their two upper bounds."""
    big_l = curvature(problem).smoothness
    gd = run_method(problem, "gd", init, steps, lr=1.0 / big_l)
    fast = accelerated_descent(problem, init, steps)
    t = np.arange(steps + 1, dtype=float)
    radius2 = float(np.sum((gd.params[0] - problem.minimiser) ** 2))
    return ConvexRates(
        step=t,
        gd=problem.excess_loss(gd.params),
        accelerated=problem.excess_loss(fast.params),
        gd_bound=2 * big_l * radius2 / (t + 4),
        accelerated_bound=2 * big_l * radius2 / (t + 1) ** 2,
    )


def lower_bound_study(steps) -> pd.DataFrame:
    """Return GD and accelerated GD after ``t`` steps on Nesterov's worst case for t.

    For each ``t`` in ``steps`` the problem is ``worst_case_quadratic(2 t + 1)`` with
    ``L = 1``, from ``x = 0`` (Nesterov 2018, Theorem 2.1.7). Columns: ``t``, ``gd``,
    ``accelerated`` (excess losses), ``lower_bound`` ``3 L R^2 / (32 (t + 1)^2)``,
    which no method that moves in the span of its gradients can beat, and
    ``accelerated_bound`` ``2 L R^2 / (t + 1)^2``.
    """
    steps = check_array("steps", steps, ndim=1, fix="pass step counts, e.g. [1, 2, 4]")
    rows = []
    for t in steps.astype(int):
        problem = worst_case_quadratic(2 * int(t) + 1)
        rates = convex_rates(problem, np.zeros(problem.dim), int(t))
        radius2 = float(problem.minimiser @ problem.minimiser)
        rows.append(
            dict(t=int(t), gd=rates.gd[-1], accelerated=rates.accelerated[-1])
            | dict(lower_bound=3 * radius2 / (32 * (t + 1) ** 2))
            | dict(accelerated_bound=rates.accelerated_bound[-1])
        )
    return pd.DataFrame(rows)


def fit_power_law(x, y) -> tuple[float, float]:
    """Return ``(exponent, prefactor)`` of the straight-line fit of log y on log x."""
    log_x = np.log(np.asarray(x, dtype=float))
    log_y = np.log(np.asarray(y, dtype=float))
    slope, intercept = np.polyfit(log_x, log_y, 1)
    return float(slope), float(np.exp(intercept))


def fit_rate(step, excess) -> float:
    """Return the measured factor per step: exp of the slope of log(excess) on step."""
    return float(np.exp(np.polyfit(np.asarray(step, float), np.log(excess), 1)[0]))
