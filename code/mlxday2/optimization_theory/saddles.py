"""Saddle points: how long gradient descent lingers near one, and how a kick helps.

The function is ``f(x, y) = x^2 / 2 - y^2 / 2 + y^4 / 4``, with gradient
``(x, y^3 - y)``: a strict saddle at the origin (Hessian ``diag(1, -1)``) and two minima
at ``(0, +-1)`` where ``f = -1/4``. The saddle's stable manifold is the x-axis:
gradient descent started on it converges to the saddle. Started a distance ``delta``
off it, the linearisation says ``y_t = delta (1 + lr gamma)^t`` with ``gamma = 1`` the
negative curvature, so leaving the band ``|y| < r`` takes
``log(r / delta) / log(1 + lr gamma)`` steps.

Perturbed gradient descent (Jin, Ge, Netrapalli, Kakade and Jordan, 2017) adds a small
random kick whenever the gradient is small, so it leaves such a saddle without being
told where the way out is.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_int, check_real, check_seed
from mlxday2.optimization import gd_step
from mlxday2.optimization_theory.runs import Iterates, iterate

SADDLE = (0.0, 0.0)
MINIMA = ((0.0, 1.0), (0.0, -1.0))
MIN_VALUE = -0.25


def saddle_function(points) -> np.ndarray:
    """Return ``f = x^2/2 - y^2/2 + y^4/4`` at ``points`` (..., 2), shape (...)."""
    points = np.asarray(points, dtype=float)
    x, y = points[..., 0], points[..., 1]
    return 0.5 * x * x - 0.5 * y * y + 0.25 * y**4


def saddle_gradient(point: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Return the gradient ``(x, gamma (y^3 - y))`` at ``point`` (shape (2,)).

    It is the gradient of ``x^2/2 + gamma (y^4/4 - y^2/2)``, whose saddle at the
    origin has curvature ``-gamma`` along y; ``gamma = 1`` is ``saddle_function``.
    """
    x, y = point
    return np.array([x, gamma * (y * y * y - y)])


def saddle_surface(xs, ys) -> np.ndarray:
    """Return ``f`` on ``meshgrid(xs, ys)``, shape ``(len(ys), len(xs))``."""
    grid_x, grid_y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    return saddle_function(np.stack([grid_x, grid_y], axis=-1))


def _check_run(lr, steps, init, size: int = 2):
    lr = check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. lr=0.1")
    steps = check_int("steps", steps, low=0, fix="pass e.g. steps=300")
    init = check_array("init", init, ndim=1, size=size, fix=f"pass {size} numbers")
    return lr, steps, init


def uniform_ball(rng: np.random.Generator, dim: int, radius: float) -> np.ndarray:
    """Return a point drawn uniformly from the ball of ``radius`` around 0, (dim,)."""
    direction = rng.standard_normal(dim)
    length = radius * rng.random() ** (1 / dim)
    return length * direction / np.linalg.norm(direction)


def perturbed_gd_step(params, state, gradient, lr, kick_radius, grad_tol, wait, rng):
    """Return ``(new params, steps since the last kick)``: one step of perturbed GD.

    When the gradient is shorter than ``grad_tol`` and the last kick is more than
    ``wait`` steps ago (``state``), the point first jumps to a uniform random point of
    the ball of radius ``kick_radius`` around it; the gradient step is then taken from
    the kicked point, as in Algorithm 2 of Jin et al. (2017).
    """
    grad = gradient(params)
    if np.linalg.norm(grad) <= grad_tol and state > wait:
        params = params + uniform_ball(rng, params.size, kick_radius)
        grad, state = gradient(params), 0
    new, _ = gd_step(params, grad, None, lr)
    return new, state + 1


def gradient_descent(init, lr: float = 0.1, steps: int = 400, gradient=None):
    """Return the ``Iterates`` of gradient descent from ``init``.

    ``gradient`` defaults to ``saddle_gradient``.
    """
    gradient = gradient or saddle_gradient
    lr, steps, init = _check_run(lr, steps, init, len(np.atleast_1d(init)))

    def update(params, state):
        return gd_step(params, gradient(params), state, lr)

    return iterate(update, init, None, steps)


def perturbed_gradient_descent(
    init,
    lr: float = 0.1,
    steps: int = 400,
    kick_radius: float = 1e-3,
    grad_tol: float = 1e-3,
    wait: int = 50,
    seed: int = 0,
    gradient=None,
) -> Iterates:
    """Return the ``Iterates`` of perturbed gradient descent, kicks from ``seed``.

    A simplified form of Jin et al. (2017): the paper's stopping test (stop when a kick
    does not lower ``f`` enough) is left out, so it also kicks at a minimum (by at most
    ``kick_radius``), and the constants are set by hand, not from L, rho and epsilon.
    """
    gradient = gradient or saddle_gradient
    lr, steps, init = _check_run(lr, steps, init, len(np.atleast_1d(init)))
    radius = check_real(
        "kick_radius", kick_radius, 0, 1, low_open=True, fix="e.g. 1e-3"
    )
    grad_tol = check_real("grad_tol", grad_tol, 0, 1, low_open=True, fix="e.g. 1e-3")
    wait = check_int("wait", wait, low=0, fix="pass a number of steps, e.g. 50")
    rng = np.random.default_rng(check_seed("seed", seed))

    def update(params, since_kick):
        return perturbed_gd_step(
            params, since_kick, gradient, lr, radius, grad_tol, wait, rng
        )

    return iterate(update, init, wait + 1, steps)


def escape_step(run: Iterates, radius: float = 0.5, coordinate: int = 1):
    """Return the first step with ``|params[coordinate]| >= radius`` (None if none)."""
    hits = np.flatnonzero(np.abs(run.params[:, coordinate]) >= radius)
    return int(hits[0]) if hits.size else None


def predicted_escape_steps(delta, lr: float, gamma: float = 1.0, radius: float = 0.5):
    """Return the linearisation's steps from distance ``delta`` to ``radius``.

    ``log(radius / delta) / log(1 + lr gamma)`` for negative curvature ``-gamma``.
    """
    return np.log(radius / np.asarray(delta, dtype=float)) / math.log1p(lr * gamma)


def escape_study(
    deltas,
    lr: float = 0.1,
    start_x: float = 1.0,
    radius: float = 0.5,
    gamma: float = 1.0,
) -> pd.DataFrame:
    """Return GD's measured and predicted steps to escape from ``(start_x, delta)``.

    The function is ``x^2/2 + gamma (y^4/4 - y^2/2)`` (``saddle_gradient``), with
    curvature ``-gamma`` at the saddle. One row per delta. Columns: ``delta``,
    ``steps`` (the first step with ``|y| >= radius``) and ``predicted`` (the
    linearisation's).
    """
    deltas = check_array("deltas", deltas, ndim=1, fix="pass distances such as 1e-3")
    if np.any(deltas <= 0):
        raise ValueError(
            f"deltas must be > 0 (from the stable manifold, delta = 0, gradient "
            f"descent never escapes), got {deltas.min()}"
        )
    gamma = check_real("gamma", gamma, 0, low_open=True, fix="e.g. gamma=1")
    predicted = predicted_escape_steps(deltas, lr, gamma, radius)
    rows = []
    for delta, guess in zip(deltas, predicted):
        run = gradient_descent(
            (start_x, delta),
            lr,
            int(1.5 * guess) + 50,
            lambda point: saddle_gradient(point, gamma),
        )
        rows.append(dict(delta=delta, steps=escape_step(run, radius), predicted=guess))
    return pd.DataFrame(rows)


def perturbed_escape_study(
    seeds,
    init=(1.0, 0.0),
    lr: float = 0.1,
    steps: int = 600,
    radius: float = 0.5,
    **kicks,
) -> pd.DataFrame:
    """Return perturbed GD's escape step and where it ends, one row per seed.

    ``kicks`` go to ``perturbed_gradient_descent``. Columns: ``seed``, ``escape_step``
    (None if it never left), ``end_y`` and ``end_value`` (f at the end).
    """
    rows = []
    for seed in seeds:
        run = perturbed_gradient_descent(init, lr, steps, seed=int(seed), **kicks)
        rows.append(
            dict(seed=int(seed), escape_step=escape_step(run, radius))
            | dict(end_y=run.params[-1, 1], end_value=saddle_function(run.params[-1]))
        )
    return pd.DataFrame(rows)


def stationarity_check(run: Iterates, lr: float, min_value: float = MIN_VALUE):
    """Return ``(min_s<t |grad f(x_s)|^2, 2 (f(x_0) - f*) / (lr t))`` for t = 1..T.

    For an L-smooth f and a step ``lr <= 1/L`` the first never exceeds the second
    (each step lowers f by at least ``lr |grad|^2 / 2``). ``f`` is the saddle function,
    which is 5.75-smooth on ``|y| <= 1.5``, where these runs stay.
    """
    norms = np.array([np.sum(saddle_gradient(p) ** 2) for p in run.params[:-1]])
    t = np.arange(1, len(norms) + 1)
    gap = saddle_function(run.params[0]) - min_value
    return np.minimum.accumulate(norms), 2 * gap / (lr * t)
