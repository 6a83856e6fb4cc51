"""Stochastic gradients: SGD's noise floor, decaying steps, mini-batches and SVRG.

SGD with a constant step ``lr`` settles at an excess loss of about ``lr tr(Sigma) / 4``
when each step draws its sample uniformly *with replacement* (``Sigma`` the covariance
of one sample's gradient at the minimum; Mandt, Hoffman and Blei 2017). Reshuffling the
data each epoch, as the practical does, settles lower. A step ``c / (t + t0)`` with
``c > 1 / (2 mu)`` falls like ``1/t``; SVRG (Johnson and Zhang 2013) corrects each
sample's gradient by a full gradient taken now and then, and converges linearly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_choice, check_int, check_real, check_seed
from mlxday2.optimization import gd_step
from mlxday2.optimization_theory.problems import LeastSquares, curvature
from mlxday2.optimization_theory.runs import Iterates, iterate

SAMPLERS = ("replacement", "reshuffle")


def _draws(rng, chains: int, n: int, batch_size: int, sampler: str):
    """Yield (chains, batch_size) sample indices, one array per step, forever."""
    while True:
        if sampler == "replacement":
            yield rng.integers(n, size=(chains, batch_size))
            continue
        order = rng.permuted(np.tile(np.arange(n), (chains, 1)), axis=1)
        for start in range(0, n, batch_size):
            yield order[:, start : start + batch_size]


def sgd_excess(
    problem: LeastSquares,
    lrs,
    init,
    chains: int = 200,
    batch_size: int = 1,
    sampler: str = "replacement",
    seed: int = 0,
) -> np.ndarray:
    """Return SGD's excess loss averaged over ``chains`` runs, shape (len(lrs) + 1,).

    Step ``t`` uses ``lrs[t]`` and the mean gradient of ``batch_size`` samples, drawn
    uniformly with replacement (``sampler="replacement"``) or from a fresh permutation
    of the data each epoch (``"reshuffle"``, ``batch_size`` must divide n).
    """
    lrs = check_array("lrs", lrs, ndim=1, fix="pass one step size per step")
    if np.any(lrs <= 0):
        raise ValueError(f"lrs must all be > 0, got {lrs.min()}; pass step sizes > 0")
    start = check_array("init", init, ndim=1, size=problem.dim, fix="one per parameter")
    n = len(problem.targets)
    chains = check_int("chains", chains, low=1, fix="pass e.g. chains=200")
    batch_size = check_int("batch_size", batch_size, 1, n, fix=f"at most n = {n}")
    sampler = check_choice("sampler", sampler, SAMPLERS)
    if sampler == "reshuffle" and n % batch_size:
        raise ValueError(
            f"batch_size must divide n = {n} to reshuffle, got {batch_size}"
        )
    draws = _draws(
        np.random.default_rng(check_seed("seed", seed)), chains, n, batch_size, sampler
    )
    params = np.tile(start, (chains, 1))
    excess = [float(problem.excess_loss(start))]
    with np.errstate(over="ignore", invalid="ignore"):
        for lr in lrs:
            params = params - lr * problem.sample_gradients(params, next(draws))
            excess.append(float(problem.excess_loss(params).mean()))
    return np.array(excess)


def noise_floor(problem: LeastSquares, lr: float) -> float:
    """Return ``lr tr(Sigma) / 4``: SGD's first-order noise floor (with replacement)."""
    return lr * float(np.trace(problem.gradient_noise())) / 4.0


def noise_floor_study(
    problem: LeastSquares, lrs, chains: int = 200, average: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Return constant-step SGD's stationary excess loss and the theory, a row per lr.

    Each run starts at the minimum, waits ``3 / (lr mu)`` steps to forget the start,
    then averages the excess loss over ``average`` steps and all chains. Columns:
    ``lr``, ``measured``, ``predicted`` (``lr tr(Sigma) / 4``, first order in lr).
    """
    lrs = check_array("lrs", lrs, ndim=1, fix="pass step sizes, e.g. [0.01, 0.02]")
    mu = curvature(problem).strong_convexity
    rows = []
    for k, lr in enumerate(lrs):
        lr = check_real("lr", lr, 0, low_open=True, fix="pass step sizes > 0")
        burn_in = int(math.ceil(3.0 / (lr * mu)))
        steps = np.full(burn_in + average, lr)
        excess = sgd_excess(problem, steps, problem.minimiser, chains, seed=seed + k)
        rows.append(
            dict(lr=lr, measured=excess[burn_in + 1 :].mean())
            | dict(predicted=noise_floor(problem, lr))
        )
    return pd.DataFrame(rows)


def sampler_study(
    problem: LeastSquares, lr: float, epochs: int = 60, chains: int = 400, seed: int = 0
):
    """Return the stationary excess loss of SGD with each sampler, at epoch ends.

    Runs start at the minimum; the first third of the epochs is burn-in. Columns:
    ``sampler``, ``measured`` (mean over the remaining epoch ends and the chains) and
    ``predicted`` (``lr tr(Sigma) / 4``, derived for sampling with replacement).
    """
    n = len(problem.targets)
    rows = []
    for k, sampler in enumerate(SAMPLERS):
        excess = sgd_excess(
            problem,
            np.full(epochs * n, lr),
            problem.minimiser,
            chains,
            sampler=sampler,
            seed=seed + k,
        )
        ends = excess[n * (epochs // 3) :: n]
        rows.append(
            dict(
                sampler=sampler,
                measured=ends.mean(),
                predicted=noise_floor(problem, lr),
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
    params = check_array(
        "params", params, ndim=1, size=problem.dim, fix="one per parameter"
    )
    rng = np.random.default_rng(check_seed("seed", seed))
    n, full = len(problem.targets), problem.gradient(params)
    noise = float(np.trace(problem.gradient_noise(params)))
    rows = []
    for size in batch_sizes:
        size = check_int("batch_sizes", size, 1, n, fix=f"each between 1 and n = {n}")
        if replace:
            index = rng.integers(n, size=(draws, size))
        else:
            index = np.argsort(rng.random((draws, n)), axis=1)[:, :size]
        grads = problem.sample_gradients(np.tile(params, (draws, 1)), index)
        factor = 1.0 if replace else (n - size) / (n - 1)
        rows.append(
            dict(batch_size=size, measured=np.mean(np.sum((grads - full) ** 2, axis=1)))
            | dict(predicted=noise / size * factor)
        )
    return pd.DataFrame(rows)


def svrg_gradient(problem: LeastSquares, params, snapshot, full_gradient, sample):
    """Return SVRG's gradient estimate: ``g_i(params) - g_i(snapshot) + full_gradient``.

    It is unbiased, and its variance vanishes as ``params`` and ``snapshot`` approach
    the minimum together: no noise floor.
    """
    points = np.stack([params, snapshot])
    here, there = problem.sample_gradients(points, np.full((2, 1), sample))
    return here - there + full_gradient


def svrg(
    problem: LeastSquares,
    lr: float,
    epochs: int,
    init,
    inner: int | None = None,
    seed: int = 0,
) -> Iterates:
    """Return SVRG's ``Iterates``: ``epochs`` rounds of ``inner`` (default n) steps.

    Each round takes a snapshot and its full gradient, then ``inner`` steps of
    ``gd_step`` along ``svrg_gradient`` with samples drawn with replacement. A round
    costs ``n + 2 inner`` sample gradients.
    """
    lr = check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. 0.02")
    epochs = check_int("epochs", epochs, low=1, fix="pass e.g. epochs=20")
    n = len(problem.targets)
    inner = n if inner is None else check_int("inner", inner, low=1, fix="e.g. n")
    start = check_array("init", init, ndim=1, size=problem.dim, fix="one per parameter")
    rng = np.random.default_rng(check_seed("seed", seed))

    def update(params, state):
        snapshot, full, t = state
        if t % inner == 0:
            snapshot, full = params, problem.gradient(params)
        grad = svrg_gradient(problem, params, snapshot, full, rng.integers(n))
        new, _ = gd_step(params, grad, None, lr)
        return new, (snapshot, full, t + 1)

    scale = np.linalg.norm(problem.minimiser)
    return iterate(update, start, (start, None, 0), epochs * inner, scale)
