"""Heavy ball and Nesterov as pure update rules, their tuned constants, and the study.

Every step function has the form of ``mlxday2.optimization.gd_step``:
``step(params, grad, state, lr, ...) -> (params, state)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_choice, check_int, check_real
from mlxday2.optimization import gd_step
from mlxday2.optimization_theory.problems import (
    Curvature,
    Quadratic,
    curvature,
    line_fit,
)
from mlxday2.optimization_theory.runs import Iterates, iterate


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


METHODS = ("gd", "heavy_ball", "nesterov")


def run_method(
    problem: Quadratic, method: str, init, steps: int, lr: float, momentum: float = 0.0
) -> Iterates:
    """Return the ``Iterates`` of ``steps`` steps of "gd", "heavy_ball" or "nesterov".

    The points recorded are those where gradients were taken (Nesterov's look-ahead
    points). A run that blows up stops early with ``diverged=True``, no warnings.
    """
    method = check_choice("method", method, METHODS)
    lr = check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. 0.1")
    momentum = check_real("momentum", momentum, 0, 1, high_open=True, fix="e.g. 0.9")
    if method == "gd" and momentum != 0:
        raise ValueError(f"momentum must be 0 for method='gd', got {momentum}")
    steps = check_int("steps", steps, low=0, fix="pass e.g. steps=100")
    start = check_array("init", init, ndim=1, size=problem.dim, fix="one per parameter")

    def update(params, state):
        grad = problem.gradient(params)
        if method == "gd":
            return gd_step(params, grad, state, lr)
        step = heavy_ball_step if method == "heavy_ball" else nesterov_step
        return step(params, grad, state, lr, momentum)

    state = None if method == "gd" else start.copy()
    return iterate(update, start, state, steps, np.linalg.norm(problem.minimiser))


@dataclass(frozen=True)
class Tuned:
    """A method's tuned ``lr`` and ``momentum``, and its ``rate`` (error per step)."""

    lr: float
    momentum: float
    rate: float


def tuned_parameters(method: str, curv: Curvature) -> Tuned:
    """Return the theory's ``Tuned`` constants of ``method`` for a quadratic.

    Gradient descent: ``lr = 1/L``, rate ``1 - 1/kappa``. Heavy ball (Polyak, for
    quadratics): ``lr = 4 / (sqrt L + sqrt mu)^2``, ``momentum = q^2`` and rate ``q``
    with ``q = (sqrt kappa - 1) / (sqrt kappa + 1)``. Nesterov: ``lr = 1/L``,
    ``momentum = q``, rate ``1 - 1 / sqrt kappa``.
    """
    method = check_choice("method", method, METHODS)
    big_l, mu, root = curv.smoothness, curv.strong_convexity, math.sqrt(curv.kappa)
    q = (root - 1.0) / (root + 1.0)
    if method == "gd":
        return Tuned(1.0 / big_l, 0.0, 1.0 - 1.0 / curv.kappa)
    if method == "heavy_ball":
        return Tuned(4.0 / (math.sqrt(big_l) + math.sqrt(mu)) ** 2, q**2, q)
    return Tuned(1.0 / big_l, q, 1.0 - 1.0 / root)


def steps_to_accuracy(run: Iterates, target, tol: float) -> int | None:
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

    For each offset, the line fit on ``linspace(0, 1, n) + offset`` runs from the
    minimum plus one unit along each Hessian eigenvector, with the tuned constants.
    Columns: ``offset``, ``kappa``, ``method``, ``lr``, ``momentum``, ``rate``,
    ``predicted_steps`` (``log tol / log rate``) and ``steps`` (measured).
    """
    offsets = check_array("offsets", offsets, ndim=1, fix="pass e.g. [0, 1, 2]")
    tol = check_real("tol", tol, 0, 1, low_open=True, high_open=True, fix="e.g. 1e-6")
    rows = []
    for offset in offsets:
        problem = line_fit(offset, n)
        curv = curvature(problem)
        init = problem.minimiser + np.linalg.eigh(problem.hessian)[1].sum(axis=1)
        for method in METHODS:
            tuned = tuned_parameters(method, curv)
            predicted = math.log(tol) / math.log(tuned.rate)
            run = run_method(
                problem, method, init, int(2 * predicted) + 50, tuned.lr, tuned.momentum
            )
            steps = steps_to_accuracy(run, problem.minimiser, tol)
            rows.append(
                dict(offset=float(offset), kappa=curv.kappa, method=method)
                | dict(lr=tuned.lr, momentum=tuned.momentum, rate=tuned.rate)
                | dict(predicted_steps=predicted, steps=steps)
            )
    return pd.DataFrame(rows)
