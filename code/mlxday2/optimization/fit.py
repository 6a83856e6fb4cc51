"""The training loop (``fit_linear``) and the studies the chapter runs with it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_int, check_real, check_seed
from mlxday2.optimization.problem import (
    _gradient,
    _mse,
    check_data,
    critical_lr,
    hessian,
    least_squares,
)
from mlxday2.optimization.steps import AdamState, adam_step, epoch_batches, gd_step

METHODS = ("gd", "sgd", "minibatch", "adam")
DEFAULT_MINIBATCH = 16
#: A run counts as diverged when its loss is not finite or exceeds this multiple of
#: ``loss at the start + var(y)`` (the loss of the best constant predictor).
EXPLODE_FACTOR = 1e6
#: ``conditioning_study`` refuses offsets whose predicted run is longer than this.
MAX_STUDY_STEPS = 500_000
#: The update rule of each method; SGD and mini-batch SGD differ from GD only in the
#: batches.
UPDATES = {"gd": gd_step, "sgd": gd_step, "minibatch": gd_step, "adam": adam_step}


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One optimisation run: the parameters after every step and the full-data loss.

    ``params`` has shape (steps + 1, 2), rows ``(w, b)``, the initial point first;
    ``loss``, ``epoch`` and ``grad_evals`` have shape (steps + 1,). ``epoch`` counts
    passes over the data (fractional within an epoch) and ``grad_evals`` the per-sample
    gradients computed so far. ``diverged`` is True when the run stopped early because
    the loss blew up.
    """

    method: str
    lr: float
    batch_size: int
    params: np.ndarray
    loss: np.ndarray
    epoch: np.ndarray
    grad_evals: np.ndarray
    diverged: bool

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(
                f"method must be one of {METHODS}, got {self.method!r}; pick one"
            )
        rows = len(self.params)
        if np.shape(self.params) != (rows, 2) or rows == 0:
            raise ValueError(
                f"params must have shape (steps + 1, 2), got {np.shape(self.params)}; "
                "build a Trajectory with fit_linear"
            )
        for name in ("loss", "epoch", "grad_evals"):
            if np.shape(getattr(self, name)) != (rows,):
                raise ValueError(
                    f"{name} must have shape ({rows},) like params' rows, "
                    f"got {np.shape(getattr(self, name))}; build it with fit_linear"
                )

    @property
    def steps(self) -> int:
        """Return the number of parameter updates made."""
        return len(self.params) - 1


def initial_state(method: str, size: int = 2):
    """Return the optimizer state before the first step: None or ``AdamState.zeros``."""
    _check_method(method)
    return AdamState.zeros(size) if method == "adam" else None


def fit_linear(
    x,
    y,
    method: str,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    init: tuple[float, float] = (0.0, 0.0),
) -> Trajectory:
    """Return the ``Trajectory`` of fitting ``w * x + b`` to ``y`` by minimising MSE.

    ``method``:
      * ``"gd"``: full-batch gradient descent, ``gd_step`` once per epoch;
      * ``"sgd"``: ``gd_step`` on one sample at a time, in a fresh random order each
        epoch;
      * ``"minibatch"``: the same with batches of ``batch_size`` (default 16; the last
        batch of an epoch may be smaller);
      * ``"adam"``: ``adam_step`` (``beta1=0.9, beta2=0.999, eps=1e-8``), on full
        batches unless ``batch_size`` is given.

    The shuffling uses ``numpy.random.default_rng(seed)`` (or ``seed`` itself if it is a
    Generator): the same seed gives the same path. The recorded loss is always the loss
    on all the data. A run whose loss stops being finite or grows past
    ``EXPLODE_FACTOR`` times its scale stops early with ``diverged=True``; its last row
    is the last finite point.
    """
    x, y = check_data(x, y)
    n = x.size
    batch_size, lr, epochs, init = _check_fit_args(
        method, lr, epochs, batch_size, n, init
    )
    rng = np.random.default_rng(check_seed("seed", seed, generator=True))
    step, state = UPDATES[method], initial_state(method)
    theta = init
    params, losses, epoch_at, evals_at = [theta], [_mse(x, y, *theta)], [0.0], [0]
    limit = EXPLODE_FACTOR * (losses[0] + np.var(y)) + 1e-300
    diverged, evals = False, 0
    # Overflow is detected below and reported as divergence, not printed as a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            seen = 0  # samples used so far in this epoch
            for batch in epoch_batches(n, batch_size, rng):
                grad = _gradient(x[batch], y[batch], theta)
                new, state = step(theta, grad, state, lr)
                seen, evals = seen + batch.size, evals + batch.size
                loss = _mse(x, y, *new)
                if not (
                    math.isfinite(new[0])
                    and math.isfinite(new[1])
                    and math.isfinite(loss)
                ):
                    diverged = True
                    break
                theta = new
                params.append(theta)
                losses.append(loss)
                epoch_at.append(epoch + seen / n)
                evals_at.append(evals)
                if loss > limit:
                    diverged = True
                    break
            if diverged:
                break
    return Trajectory(
        method=method,
        lr=lr,
        batch_size=batch_size,
        params=np.array(params),
        loss=np.array(losses),
        epoch=np.array(epoch_at),
        grad_evals=np.array(evals_at),
        diverged=diverged,
    )


def _check_method(method) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}; pick one")


def _check_fit_args(method, lr, epochs, batch_size, n, init):
    _check_method(method)
    lr = check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. lr=0.1")
    epochs = check_int("epochs", epochs, low=1, fix="pass e.g. epochs=100")
    init = check_array(
        "init", init, ndim=1, size=2, fix="pass the start as (w, b)"
    ).copy()
    minibatch = min(DEFAULT_MINIBATCH, n)
    default = {"gd": n, "sgd": 1, "minibatch": minibatch, "adam": n}[method]
    if batch_size is None:
        return default, lr, epochs, init
    batch_size = check_int(
        "batch_size",
        batch_size,
        low=1,
        high=n,
        fix=f"pass a batch size up to the number of samples ({n}), or None",
    )
    if method in ("gd", "sgd") and batch_size != default:
        raise ValueError(
            f"batch_size must be {default} (or None) for method={method!r}, got "
            f"{batch_size}; use method='minibatch' for other batch sizes"
        )
    return batch_size, lr, epochs, init


# --------------------------------------------------------------------------------------
# Studies the chapter runs
# --------------------------------------------------------------------------------------


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
    rows = []
    for lr in lrs:
        traj = fit_linear(x, y, "gd", float(lr), epochs, init=init)
        final = float(traj.loss[-1])
        rows.append(
            dict(
                lr=lr,
                lr_over_critical=lr / crit,
                final_loss=final,
                excess_loss=max(final - best, 0.0),
                diverged=bool(traj.diverged or final > traj.loss[0]),
            )
        )
    return pd.DataFrame(rows)


def steps_to_tolerance(traj: Trajectory, target, tol: float = 1e-6) -> int | None:
    """Return the first step where ``|theta - target|`` is ``tol`` times its start.

    ``None`` if the run never gets that close. ``tol`` is relative, in (0, 1).
    """
    _check_trajectory(traj)
    target = check_array(
        "target", target, ndim=1, size=2, fix="pass the target as (w, b)"
    )
    tol = check_real(
        "tol",
        tol,
        0,
        1.0,
        low_open=True,
        high_open=True,
        fix="pass a relative tolerance: 1e-6",
    )
    dist = np.linalg.norm(traj.params - target, axis=1)
    hits = np.flatnonzero(dist <= tol * dist[0])
    return int(hits[0]) if hits.size else None


def _check_trajectory(traj) -> None:
    if not isinstance(traj, Trajectory):
        raise TypeError(
            f"traj must be a Trajectory, got {type(traj).__name__}; "
            "pass what fit_linear returns"
        )


def conditioning_study(offsets, n: int = 100, tol: float = 1e-6) -> pd.DataFrame:
    """Return GD's measured and predicted steps to converge as the feature moves off 0.

    For each offset ``c`` the data are ``x = linspace(0, 1, n) + c`` and
    ``y = 5 x + 2``, so the minimum is (5, 2) and the Hessian's condition number
    ``kappa`` grows with ``c``. GD runs with ``lr = 1 / lambda_max`` from the minimum
    plus one unit along each eigenvector of the Hessian (equal weight on the fast and
    the slow direction). Theory: the fast component vanishes in the first step and the
    slow one shrinks by ``1 - 1/kappa`` per step, so the distance to the minimum falls
    below ``tol`` times its start after ``log(tol * sqrt(2)) / log(1 - 1/kappa)`` steps.
    Columns: ``offset``, ``kappa``, ``lr``, ``predicted_steps``, ``measured_steps``.
    """
    offsets = check_array(
        "offsets", offsets, ndim=1, fix="pass offsets such as [0, 1, 2]"
    )
    n = check_int("n", n, low=2, fix="pass at least two points, e.g. n=100")
    tol = check_real(
        "tol",
        tol,
        0,
        1.0,
        low_open=True,
        high_open=True,
        fix="pass a relative tolerance: 1e-6",
    )
    rows = []
    for c in offsets:
        x = np.linspace(0.0, 1.0, n) + c
        y = 5.0 * x + 2.0
        eigenvalues, eigenvectors = np.linalg.eigh(hessian(x))
        kappa = float(eigenvalues[1] / eigenvalues[0])
        lr = float(1.0 / eigenvalues[1])
        predicted = math.log(tol * math.sqrt(2)) / math.log1p(-1 / kappa)
        if predicted > MAX_STUDY_STEPS:
            raise ValueError(
                f"offsets must keep GD's run short: offset {c} gives "
                f"kappa = {kappa:.3g} "
                f"and about {predicted:.3g} steps (limit {MAX_STUDY_STEPS:,}); "
                "use smaller offsets or a larger tol"
            )
        init = np.array([5.0, 2.0]) + eigenvectors.sum(axis=1)
        traj = fit_linear(x, y, "gd", lr, int(1.2 * predicted) + 10, init=tuple(init))
        rows.append(
            dict(
                offset=float(c),
                kappa=kappa,
                lr=lr,
                predicted_steps=predicted,
                measured_steps=steps_to_tolerance(traj, (5.0, 2.0), tol),
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

    ``batch_size`` applies to ``"minibatch"`` only; every run uses the same ``seed``.
    """
    example = "e.g. {'gd': 0.1, 'adam': 1.0}"
    if not isinstance(lrs, Mapping):
        raise TypeError(
            f"lrs must be a dict {{method: learning rate}}, got {lrs!r}; {example}"
        )
    if not lrs:
        raise ValueError(f"lrs must name at least one method, got {{}}; {example}")
    for method in lrs:
        _check_method(method)
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
