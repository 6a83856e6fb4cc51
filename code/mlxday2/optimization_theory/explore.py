"""The chapter's explorable figure: step size and momentum on an ill-conditioned fit.

``momentum_states`` runs Polyak's heavy ball (``run_method``; momentum 0 is gradient
descent) for each pair of a step size, in units of ``1 / L``, and a momentum, and
records the error factor per step the theory predicts (``predicted_rate``: the spectral
radius of the linear map one step applies to the error) beside the one measured.
``momentum_explorable`` draws each state once and returns the HTML block.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from mlxday2.checks import check_instance, check_int
from mlxday2.explorable import control, explorable, frame
from mlxday2.optimization_theory.momentum import run_method
from mlxday2.optimization_theory.problems import LeastSquares, curvature
from mlxday2.optimization_theory.runs import Iterates


def predicted_rate(problem: LeastSquares, lr: float, momentum: float) -> float:
    """Return the heavy ball's asymptotic error factor per step on ``problem``.

    Along an eigenvector of the Hessian with eigenvalue ``lam`` the error pair
    ``(e_t, e_{t-1})`` is multiplied by the matrix
    ``[[1 + momentum - lr lam, -momentum], [1, 0]]``; the largest modulus of its
    eigenvalues over all ``lam`` is the factor.
    """
    radius = 0.0
    for lam in np.linalg.eigvalsh(problem.hessian):
        step = np.array([[1 + momentum - lr * lam, -momentum], [1.0, 0.0]])
        radius = max(radius, float(np.abs(np.linalg.eigvals(step)).max()))
    return radius


@dataclass(frozen=True, eq=False)
class MomentumState:
    """One (step size, momentum) pair: its run and error factors per step."""

    lr_times_l: float
    momentum: float
    run: Iterates
    predicted: float
    measured: float


def momentum_states(problem, lrs_times_l, momenta, init=(0.0, 0.0), steps: int = 150):
    """Return one ``MomentumState`` per (lr, momentum), lr slowest; lr in units 1/L."""
    check_instance("problem", problem, LeastSquares)
    steps = check_int("steps", steps, 1)
    big_l = curvature(problem).smoothness
    states = []
    for lr_times_l, momentum in itertools.product(lrs_times_l, momenta):
        lr = lr_times_l / big_l
        method = "gd" if momentum == 0 else "heavy_ball"
        run = run_method(problem, method, init, steps, lr, momentum)
        error = np.linalg.norm(run.params - problem.minimiser, axis=1)
        measured = (error[-1] / error[0]) ** (1 / (len(error) - 1))
        predicted = predicted_rate(problem, lr, momentum)
        states.append(MomentumState(lr_times_l, momentum, run, predicted, measured))
    return states


def plot_momentum_run(problem: LeastSquares, run: Iterates, axes) -> np.ndarray:
    """Plot ``run`` on the loss's contours (left), its excess loss by step (right)."""
    left, right = axes
    centre = problem.minimiser
    w = np.linspace(centre[0] - 6, centre[0] + 6, 121)
    b = np.linspace(centre[1] - 6, centre[1] + 6, 121)
    grid = np.stack(np.meshgrid(w, b), axis=-1)
    excess = problem.excess_loss(grid)
    left.contour(
        w,
        b,
        excess,
        levels=np.geomspace(1e-3, excess.max(), 15),
        cmap="viridis",
        linewidths=0.7,
    )
    left.plot(*run.params.T, ".-", color="C1", ms=2, lw=0.8)
    left.plot(*centre, "k*", ms=8)
    left.set(xlim=(w[0], w[-1]), ylim=(b[0], b[-1]), xlabel="w", ylabel="b")
    right.semilogy(np.maximum(problem.excess_loss(run.params), 1e-300), color="C1")
    right.set(xlabel="step", ylabel="loss above the minimum", ylim=(1e-12, 1e6))
    return axes


def momentum_explorable(problem, states, default=(1.0, 0.0), name="theory-momentum"):
    """Return the explorable figure of ``states``; ``default`` is (lr * L, momentum)."""
    lrs = sorted({s.lr_times_l for s in states})
    momenta = sorted({s.momentum for s in states})
    controls = [
        control("lr", "step size × L", lrs, "{:.2f}"),
        control("momentum", "momentum β", momenta, "{:.2f}"),
    ]
    frames = []
    for s in states:
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.3), layout="constrained")
        plot_momentum_run(problem, s.run, axes)
        fig.suptitle(f"step {s.lr_times_l:.2f}/L, momentum {s.momentum:.2f}")
        fate = "diverges" if s.predicted >= 1 else "converges"
        alt = (
            f"Path of heavy-ball momentum {s.momentum:.2f} with step "
            f"{s.lr_times_l:.2f}/L on the loss contours, and its excess loss by step "
            f"on a log scale: the run {fate}."
        )
        numbers = {
            "predicted error factor per step": (s.predicted, "{:.4f}"),
            "measured over the run": (s.measured, "{:.4f}"),
        }
        frames.append(frame(fig, alt, numbers))
    index = (lrs.index(default[0]), momenta.index(default[1]))
    return explorable(name, controls, frames, index)
