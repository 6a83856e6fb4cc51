"""The studies the chapter runs with ``fit_linear``: step sizes, conditioning, methods.

Each checks its arguments once and returns plain data (a DataFrame, a dict of runs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_instance, check_int, check_real
from mlxday2.optimization.loop import (
    DEFAULT_MINIBATCH,
    Trajectory,
    fit_linear,
)
from mlxday2.optimization.problem import (
    check_data,
    critical_lr,
    hessian,
    least_squares,
    line_data,
)

#: ``conditioning_study`` refuses offsets whose predicted run is longer than this.
MAX_STUDY_STEPS = 500_000


def lr_sweep(x, y, lrs, epochs: int = 200, init=(0.0, 0.0)) -> pd.DataFrame:
    """Return one row per learning rate: full-batch GD's final loss and divergence.

    Columns: ``lr``, ``lr_over_critical`` (lr / critical_lr(x)), ``final_loss`` (the
    loss where the run stopped), ``excess_loss`` (final_loss minus the least-squares
    minimum), ``diverged`` (the run blew up and stopped early, *or* ended with a higher
    loss than it started with: just above the bound the loss grows too slowly to blow up
    in a short run).
    """
    x, y = check_data(x, y)
    lrs = check_array("lrs", lrs, ndim=1, fix="pass the learning rates as a 1-D array")
    if np.any(lrs <= 0):
        raise ValueError(
            f"lrs must all be > 0, got {lrs[lrs <= 0][0]}; pass positive learning rates"
        )
    crit, (_, _, best) = critical_lr(x), least_squares(x, y)
    runs = [fit_linear(x, y, "gd", lr, epochs, init=init) for lr in lrs]
    final = np.array([run.loss[-1] for run in runs])
    return pd.DataFrame(
        dict(
            lr=lrs,
            lr_over_critical=lrs / crit,
            final_loss=final,
            excess_loss=np.maximum(final - best, 0.0),
            diverged=[run.diverged or run.loss[-1] > run.loss[0] for run in runs],
        )
    )


def first_step_within(traj: Trajectory, target, tol: float = 1e-6) -> int | None:
    """Return the first step at which ``|theta - target|`` is at most ``tol`` times its
    value at the start (None if the run never gets that close). ``tol`` is in (0, 1).
    """
    check_instance("traj", traj, Trajectory, fix="pass what fit_linear returns")
    target = check_array("target", target, ndim=1, size=2, fix="pass (w, b)")
    tol = _check_tol(tol)
    dist = np.linalg.norm(traj.params - target, axis=1)
    hits = np.flatnonzero(dist <= tol * dist[0])
    return int(hits[0]) if hits.size else None


def _check_tol(tol) -> float:
    fix = "pass a relative tolerance: 1e-6"
    return check_real("tol", tol, 0, 1, low_open=True, high_open=True, fix=fix)


def conditioning_study(offsets, n: int = 100, tol: float = 1e-6) -> pd.DataFrame:
    """Return GD's measured and predicted steps to converge as the feature moves off 0.

    For each offset ``c`` the data are ``line_data(n, offset=c)``: ``x = linspace(0, 1,
    n) + c``, ``y = 5 x + 2``, so the minimum is (5, 2) and the Hessian's condition
    number ``kappa`` grows with ``c``. GD runs with ``lr = 1 / lambda_max`` from the
    minimum plus one unit along each eigenvector of the Hessian. Theory: the fast
    component vanishes in the first step and the slow one shrinks by ``1 - 1/kappa``
    per step, so the distance first falls below ``tol`` times its start after
    ``log(tol * sqrt(2)) / log(1 - 1/kappa)`` steps. Columns: ``offset``, ``kappa``,
    ``lr``, ``predicted_steps``, ``measured_steps``.
    """
    offsets = check_array("offsets", offsets, ndim=1, fix="pass e.g. [0, 1, 2]")
    n = check_int("n", n, low=2, fix="pass at least two points, e.g. n=100")
    tol = _check_tol(tol)
    rows = []
    for c in offsets:
        x, y = line_data(n, offset=c)
        eigenvalues, eigenvectors = np.linalg.eigh(hessian(x))
        kappa, lr = eigenvalues[1] / eigenvalues[0], 1 / eigenvalues[1]
        predicted = math.log(tol * math.sqrt(2)) / math.log1p(-1 / kappa)
        if predicted > MAX_STUDY_STEPS:
            raise ValueError(
                f"offsets must keep GD's run short: offset {c} gives kappa = "
                f"{kappa:.3g} and about {predicted:.3g} steps (limit "
                f"{MAX_STUDY_STEPS:,}); use smaller offsets or a larger tol"
            )
        init = np.array([5.0, 2.0]) + eigenvectors.sum(axis=1)
        traj = fit_linear(x, y, "gd", lr, int(1.2 * predicted) + 10, init=init)
        measured = first_step_within(traj, (5.0, 2.0), tol)
        rows.append(
            dict(
                offset=c,
                kappa=kappa,
                lr=lr,
                predicted_steps=predicted,
                measured_steps=measured,
            )
        )
    return pd.DataFrame(rows)


def compare_methods(
    x,
    y,
    lrs: dict[str, float],
    epochs: int,
    batch_size: int = DEFAULT_MINIBATCH,
    seed: int = 0,
    init=(0.0, 0.0),
) -> dict[str, Trajectory]:
    """Return ``{method: Trajectory}`` for each ``{method: lr}`` in ``lrs``, one start.

    ``batch_size`` applies to ``"minibatch"`` only (GD and Adam use full batches, SGD
    batches of one); every run uses the same ``seed``.
    """
    example = "e.g. {'gd': 0.1, 'adam': 1.0}"
    check_instance(
        "lrs", lrs, Mapping, fix=f"pass {{method: learning rate}}, {example}"
    )
    if not lrs:
        raise ValueError(f"lrs must name at least one method, got {{}}; {example}")
    return {
        method: fit_linear(
            x,
            y,
            method,
            lr,
            epochs,
            seed=seed,
            init=init,
            batch_size=batch_size if method == "minibatch" else None,
        )
        for method, lr in lrs.items()
    }


def gradient_noise(x, y) -> float:
    """Return ``tr(Sigma)``: the total variance of the per-sample gradients
    ``2 r_i (x_i, 1)`` at the least-squares minimum, where their mean is zero."""
    x, y = check_data(x, y)
    w, b, _ = least_squares(x, y)
    residual = w * x + b - y
    return float(np.var(2 * residual * x) + np.var(2 * residual))


def sgd_floor(x, y, lr: float, epochs: int, burn_in: int, seed: int = 0) -> pd.Series:
    """Return SGD's mean loss above the minimum at the ends of epochs ``burn_in + 1``
    to ``epochs``, for each sampler: index ``reshuffle`` (a fresh order each epoch) and
    ``replace`` (samples drawn with replacement)."""
    x, y = check_data(x, y)
    epochs = check_int("epochs", epochs, low=2, fix="pass e.g. epochs=200")
    burn_in = check_int("burn_in", burn_in, low=0, high=epochs - 1, fix="e.g. 20")
    best, floors = least_squares(x, y)[2], {}
    for sampler in ("reshuffle", "replace"):
        run = fit_linear(
            x, y, "sgd", lr, epochs, seed=seed, replace=sampler == "replace"
        )
        if run.diverged:
            raise ValueError(f"lr must let SGD converge, got {lr}; use a smaller lr")
        ends = x.size * np.arange(burn_in + 1, epochs + 1)  # steps at epochs' ends
        floors[sampler] = run.loss[ends].mean() - best
    return pd.Series(floors, name="excess_loss")
