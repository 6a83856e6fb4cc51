"""Saddle points: how long gradient descent lingers near one, and how a kick helps.

The function is ``f(x, y) = x^2 / 2 - y^2 / 2 + y^4 / 4``, with gradient
``(x, y^3 - y)``: a strict saddle at the origin (Hessian ``diag(1, -1)``) and two minima
at ``(0, +-1)`` where ``f = -1/4``. The saddle's stable manifold is the x-axis:
gradient descent started on it converges to the saddle. Started a distance ``delta``
off it, the linearisation says ``y_t = delta (1 + lr)^t``, so leaving the band
``|y| < r`` takes ``log(r / delta) / log(1 + lr)`` steps, which grows like
``log(1 / delta)``.

Perturbed gradient descent (Jin, Ge, Netrapalli, Kakade and Jordan, 2017) adds a small
random kick whenever the gradient is small, so it leaves such a saddle without being
told where the way out is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

SADDLE = (0.0, 0.0)
MINIMA = ((0.0, 1.0), (0.0, -1.0))
MIN_VALUE = -0.25
#: A run stops as diverged when a coordinate grows past this (the minima have |y| = 1).
BLOW_UP = 1e6


def saddle_function(points) -> np.ndarray:
    """Return ``f = x^2/2 - y^2/2 + y^4/4`` at ``points`` (..., 2), shape (...)."""
    points = np.asarray(points, dtype=float)
    x, y = points[..., 0], points[..., 1]
    return 0.5 * x * x - 0.5 * y * y + 0.25 * y**4


def saddle_gradient(point: np.ndarray) -> np.ndarray:
    """Return the gradient ``(x, y^3 - y)`` at ``point`` (shape (2,))."""
    x, y = point
    return np.array([x, y * y * y - y])


def surface(xs, ys) -> np.ndarray:
    """Return ``f`` on ``meshgrid(xs, ys)``, shape ``(len(ys), len(xs))``."""
    grid_x, grid_y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    return saddle_function(np.stack([grid_x, grid_y], axis=-1))


def _check(lr, steps, init) -> np.ndarray:
    if not (isinstance(lr, (int, float, np.number)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    init = np.asarray(init, dtype=float)
    if init.shape != (2,) or not np.all(np.isfinite(init)):
        raise ValueError(f"init must be two finite numbers (x, y), got {init!r}")
    return init


def perturbed_gd_step(params, grad, state, lr, kick_radius, grad_tol, wait, rng):
    """Return ``(new params, steps since the last kick)``: one step of perturbed GD.

    When the gradient is shorter than ``grad_tol`` and the last kick is more than
    ``wait`` steps ago (``state``), the point first jumps to a uniform random point of
    the ball of radius ``kick_radius`` around it; then it takes the gradient step.
    """
    if np.linalg.norm(grad) <= grad_tol and state > wait:
        direction = rng.standard_normal(params.shape)
        length = kick_radius * rng.random() ** (1 / params.size)  # uniform in the ball
        kick = length * direction / np.linalg.norm(direction)
        return params + kick - lr * grad, 0
    return params - lr * grad, state + 1


@dataclass(frozen=True, eq=False)
class Path:
    """One run on ``f``: ``params`` (k + 1, 2) from the start and ``value`` f there.

    ``diverged`` says the run stopped early (after k steps) because it flew off.
    """

    params: np.ndarray
    value: np.ndarray
    diverged: bool = False

    def escape_step(self, radius: float = 0.5) -> int | None:
        """Return the first step with ``|y| >= radius`` (None if there is none)."""
        hits = np.flatnonzero(np.abs(self.params[:, 1]) >= radius)
        return int(hits[0]) if hits.size else None


def _iterate(step, params, state, steps: int) -> Path:
    """Return the ``Path`` of ``steps`` calls of ``step``, stopping if it blows up."""
    path, diverged = [params], False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            params, state = step(params, state)
            if not np.abs(params).max() < BLOW_UP:  # also catches NaN
                diverged = True
                break
            path.append(params)
    path = np.array(path)
    return Path(path, saddle_function(path), diverged)


def gradient_descent(init, lr: float = 0.1, steps: int = 400) -> Path:
    """Return the ``Path`` of ``steps`` steps of gradient descent from ``init``."""
    params = _check(lr, steps, init)

    def step(p, state):
        return p - lr * saddle_gradient(p), state

    return _iterate(step, params, None, steps)


def perturbed_gradient_descent(
    init,
    lr: float = 0.1,
    steps: int = 400,
    kick_radius: float = 1e-3,
    grad_tol: float = 1e-3,
    wait: int = 50,
    seed: int = 0,
) -> Path:
    """Return the ``Path`` of perturbed gradient descent on ``f``, kicks from ``seed``.

    A simplified form of Jin et al. (2017): the paper's stopping test (stop when a kick
    does not lower ``f`` enough) is left out, so it also kicks at a minimum (by at most
    ``kick_radius``), and the kick radius is set by hand, not from the constants.
    """
    params = _check(lr, steps, init)
    for name, value in (("kick_radius", kick_radius), ("grad_tol", grad_tol)):
        if not (isinstance(value, (int, float)) and 0 < value < 1):
            raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    if isinstance(wait, bool) or not isinstance(wait, (int, np.integer)) or wait < 0:
        raise ValueError(f"wait must be an integer >= 0 (steps), got {wait!r}")
    rng = np.random.default_rng(seed)

    def step(p, since_kick):
        return perturbed_gd_step(
            p, saddle_gradient(p), since_kick, lr, kick_radius, grad_tol, wait, rng
        )

    return _iterate(step, params, wait + 1, steps)


def predicted_escape_steps(delta, lr: float, radius: float = 0.5) -> np.ndarray:
    """Return the linearisation's steps from ``|y| = delta`` to ``|y| = radius``."""
    return np.log(radius / np.asarray(delta, dtype=float)) / math.log1p(lr)


def escape_study(
    deltas, lr: float = 0.1, start_x: float = 1.0, radius: float = 0.5
) -> pd.DataFrame:
    """Return GD's measured and predicted steps to escape from ``(start_x, delta)``.

    One row per delta. Columns: ``delta``, ``steps`` (the first step with
    ``|y| >= radius``) and ``predicted`` (the linearisation's).
    """
    deltas = np.asarray(deltas, dtype=float)
    if deltas.ndim != 1 or not np.all(np.isfinite(deltas) & (deltas > 0)):
        raise ValueError(
            f"deltas must be finite numbers > 0 (from the stable manifold, delta = 0, "
            f"gradient descent never escapes), got {deltas}"
        )
    predicted = predicted_escape_steps(deltas, lr, radius)
    rows = []
    for delta, guess in zip(deltas, predicted):
        path = gradient_descent((start_x, delta), lr, int(1.5 * guess) + 50)
        rows.append(dict(delta=delta, steps=path.escape_step(radius), predicted=guess))
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
        path = perturbed_gradient_descent(init, lr, steps, seed=int(seed), **kicks)
        rows.append(
            dict(
                seed=int(seed),
                escape_step=path.escape_step(radius),
                end_y=float(path.params[-1, 1]),
                end_value=float(path.value[-1]),
            )
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------
# Plots (take computed data, never compute)
# ------------------------------------------------------------------------------------


def plot_paths(xs, ys, values, paths: dict, axes=None):
    """Plot ``{label: Path}`` on the contours of ``values``, and their saddle distance.

    Left: contours of ``values`` (on ``meshgrid(xs, ys)``), the saddle (x), the minima
    (stars) and the paths. Right: each path's distance from the saddle against the step,
    log scale. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.2), width_ratios=(1, 1.4))
    left, right = axes
    left.contour(
        xs,
        ys,
        values,
        levels=np.linspace(-0.25, 1.0, 26),
        cmap="viridis",
        linewidths=0.7,
    )
    for k, (label, path) in enumerate(paths.items()):
        left.plot(
            path.params[:, 0], path.params[:, 1], ".-", color=f"C{k}", ms=2.5, lw=1
        )
        left.plot(*path.params[0], "o", color=f"C{k}", ms=5)
        distance = np.linalg.norm(path.params - np.array(SADDLE), axis=1)
        right.semilogy(distance, color=f"C{k}", lw=1.5, label=label)
    left.plot(*SADDLE, "kx", ms=9, mew=2)
    left.plot(*np.array(MINIMA).T, "k*", ms=10)
    left.set(xlabel="x", ylabel="y", aspect="equal", title="paths on the contours of f")
    right.set(
        xlabel="step",
        ylabel="distance from the saddle (log scale)",
        title="time spent near the saddle",
    )
    right.legend(fontsize="small")
    return left.figure


def plot_escape(study: pd.DataFrame, ax=None):
    """Plot measured steps to escape against delta (log x) and the linearisation's line.

    Returns the Axes.
    """
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    ax.semilogx(
        study.delta,
        study.predicted,
        "k-",
        lw=1,
        label=r"linearisation $\log(r/\delta)\,/\,\log(1+\eta)$",
    )
    ax.semilogx(study.delta, study.steps, "o", color="C0", label="measured (GD)")
    ax.invert_xaxis()
    ax.set(
        xlabel=r"distance $\delta$ of the start from the stable manifold (log)",
        ylabel="steps to escape",
    )
    ax.legend(fontsize="small")
    return ax
