"""The training loop: ``sgd_steps`` iterates, ``fit_linear`` checks, records and stops.

``sgd_steps`` is the algorithm the chapter shows: epochs of batches, a gradient on each
batch, one call of the update rule. ``fit_linear`` is the public function: it checks its
arguments once, runs the loop, records the full-data loss after every step and stops
when the run diverges (``has_diverged``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from mlxday2.checks import (
    check_array,
    check_bool,
    check_choice,
    check_int,
    check_real,
    check_seed,
)
from mlxday2.optimization.problem import check_data, mse, mse_gradient
from mlxday2.optimization.steps import AdamState, adam_step, epoch_batches, gd_step

METHODS = ("gd", "sgd", "minibatch", "adam")
DEFAULT_MINIBATCH = 16
#: The one divergence rule: a run has diverged when a quantity that should settle (the
#: loss here) is not finite or exceeds this multiple of its scale.
EXPLODE_FACTOR = 1e6
#: The update rule of each method; SGD and mini-batch SGD differ from GD only in the
#: batches.
UPDATES = {"gd": gd_step, "sgd": gd_step, "minibatch": gd_step, "adam": adam_step}


def has_diverged(value: float, scale: float) -> bool:
    """Return True if ``value`` is not finite or exceeds ``EXPLODE_FACTOR * scale``."""
    return not math.isfinite(value) or value > EXPLODE_FACTOR * scale


def lr_schedule(lr: float, decay_steps: int | None = None) -> Callable[[int], float]:
    """Return the step size as a function of the step number ``t = 0, 1, ...``.

    Constant ``lr`` if ``decay_steps`` is None, else ``lr / (1 + t / decay_steps)``.
    """
    if decay_steps is None:
        return lambda t: lr
    return lambda t: lr / (1 + t / decay_steps)


def sgd_steps(
    x, y, update, state, lr, epochs, batch_size, rng, theta, replace=False
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(epoch, batch, theta)`` after each ``update`` on a batch gradient.

    ``lr(t)`` is the step size of step ``t``; ``batch`` holds the samples' indices.
    """
    t = 0
    for epoch in range(epochs):
        for batch in epoch_batches(len(x), batch_size, rng, replace):
            grad = mse_gradient(x[batch], y[batch], theta)
            theta, state = update(theta, grad, state, lr(t))
            t += 1
            yield epoch, batch, theta


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One optimisation run: the parameters after every step and the full-data loss.

    ``params`` has shape (steps + 1, 2), rows ``(w, b)``, the initial point first;
    ``loss``, ``epoch`` and ``grad_evals`` have shape (steps + 1,). ``epoch`` counts
    passes over the data (fractional within an epoch) and ``grad_evals`` the per-sample
    gradients computed so far. ``lr`` is the first step size (``lr / (1 + t /
    decay_steps)`` later if ``decay_steps`` is set). ``diverged`` is True when the run
    stopped early because the loss blew up.
    """

    method: str
    lr: float
    batch_size: int
    params: np.ndarray
    loss: np.ndarray
    epoch: np.ndarray
    grad_evals: np.ndarray
    diverged: bool
    decay_steps: int | None = None

    @property
    def steps(self) -> int:
        """Return the number of parameter updates made."""
        return len(self.params) - 1


def fit_linear(
    x,
    y,
    method: str,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    init: tuple[float, float] = (0.0, 0.0),
    decay_steps: int | None = None,
    replace: bool = False,
) -> Trajectory:
    """Return the ``Trajectory`` of fitting ``w * x + b`` to ``y`` by minimising MSE.

    ``method``: ``"gd"`` (full batches: one step per epoch), ``"sgd"`` (batches of one),
    ``"minibatch"`` (batches of ``batch_size``, default 16) or ``"adam"`` (``adam_step``
    with its defaults, on full batches unless ``batch_size`` is given). Batches come
    from ``epoch_batches``: by default a fresh random order each epoch (random
    reshuffling), with ``replace=True`` indices drawn with replacement. ``decay_steps``
    makes the step ``lr / (1 + t / decay_steps)`` (``lr_schedule``).

    ``seed`` (an int or a numpy Generator) fixes the order: the same seed, the same
    path. The recorded loss is on all the data. A run whose loss diverges
    (``has_diverged`` with the scale ``loss at the start + var(y)``) stops early with
    ``diverged=True``; its last row is its last finite point.
    """
    x, y = check_data(x, y)
    method, lr, epochs, batch_size, init = _check_fit_args(
        method, lr, epochs, batch_size, x.size, init
    )
    if decay_steps is not None:
        decay_steps = check_int("decay_steps", decay_steps, low=1, fix="e.g. 300")
    replace = check_bool("replace", replace)
    rng = np.random.default_rng(check_seed("seed", seed, generator=True))
    state = AdamState.zeros(2) if method == "adam" else None
    schedule = lr_schedule(lr, decay_steps)
    steps = sgd_steps(
        x, y, UPDATES[method], state, schedule, epochs, batch_size, rng, init, replace
    )
    record = _record(x, y, steps, init)
    return Trajectory(method, lr, batch_size, **record, decay_steps=decay_steps)


def _record(x, y, steps, init) -> dict:
    """Consume ``steps``; return the arrays of a Trajectory and whether it diverged."""
    params, losses, epoch_at, evals_at = [init], [mse(x, y, *init)], [0.0], [0]
    scale, diverged, epoch_seen, evals = losses[0] + np.var(y) + 1e-300, False, {}, 0
    # Overflow is detected here and reported as divergence, not printed as a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch, batch, theta in steps:
            loss = mse(x, y, *theta)  # not finite if theta is not
            if not math.isfinite(loss):
                diverged = True
                break
            epoch_seen[epoch] = epoch_seen.get(epoch, 0) + batch.size
            evals += batch.size
            params.append(theta)
            losses.append(loss)
            epoch_at.append(epoch + epoch_seen[epoch] / x.size)
            evals_at.append(evals)
            if has_diverged(loss, scale):
                diverged = True
                break
    return dict(
        params=np.array(params),
        loss=np.array(losses),
        epoch=np.array(epoch_at),
        grad_evals=np.array(evals_at),
        diverged=diverged,
    )


def _check_fit_args(method, lr, epochs, batch_size, n, init):
    method = check_choice("method", method, METHODS)
    lr = check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. lr=0.1")
    epochs = check_int("epochs", epochs, low=1, fix="pass e.g. epochs=100")
    init = check_array("init", init, ndim=1, size=2, fix="pass the start as (w, b)")
    default = {"gd": n, "sgd": 1, "minibatch": min(DEFAULT_MINIBATCH, n), "adam": n}
    if batch_size is None:
        return method, lr, epochs, default[method], init.copy()
    fix = f"pass a batch size up to the number of samples ({n}), or None"
    batch_size = check_int("batch_size", batch_size, low=1, high=n, fix=fix)
    if method in ("gd", "sgd") and batch_size != default[method]:
        raise ValueError(
            f"batch_size must be {default[method]} (or None) for method={method!r}, "
            f"got {batch_size}; use method='minibatch' for other batch sizes"
        )
    return method, lr, epochs, batch_size, init.copy()
