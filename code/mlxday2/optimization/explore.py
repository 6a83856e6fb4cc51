"""The chapter's explorable figure: gradient descent's path, by learning rate.

``lr_grid_states`` runs full-batch gradient descent (``fit_linear``) for each learning
rate, a fraction of the bound ``critical_lr`` from below it to above it;
``lr_explorable`` draws each state once with ``plot_surface_contours`` and returns the
HTML block (``mlxday2.explorable``) the page switches between in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from mlxday2.checks import check_array, check_int
from mlxday2.explorable import control, explorable, frame
from mlxday2.optimization import (
    Trajectory,
    check_data,
    critical_lr,
    fit_linear,
    hessian,
    least_squares,
    plot_surface_contours,
)


@dataclass(frozen=True, eq=False)
class LrState:
    """One learning rate: its fraction of ``2 / lambda_max``, the run and its numbers.

    ``factor`` is ``|1 - lr * lambda_max|``, what each step multiplies the error along
    the steepest direction by; ``excess`` the final loss above the least-squares
    minimum.
    """

    fraction: float
    run: Trajectory
    factor: float
    excess: float


def lr_grid_states(x, y, fractions, epochs: int = 25) -> list[LrState]:
    """Return one ``LrState`` per fraction of ``critical_lr(x)``: GD from (0, 0)."""
    x, y = check_data(x, y)
    fractions = check_array("fractions", fractions, ndim=1)
    if np.any(fractions <= 0):
        raise ValueError(f"fractions must all be > 0, got {fractions}")
    epochs = check_int("epochs", epochs, 1)
    crit, lambda_max = critical_lr(x), np.linalg.eigvalsh(hessian(x)).max()
    best = least_squares(x, y)[2]
    states = []
    for fraction in fractions:
        run = fit_linear(x, y, "gd", float(fraction * crit), epochs)
        factor = abs(1 - run.lr * lambda_max)
        # The floor is 0: a converged run can sit a rounding error below ``best``.
        excess = max(run.loss[-1] - best, 0.0)
        states.append(LrState(float(fraction), run, factor, excess))
    return states


def _inside(params: np.ndarray, W: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Return the leading rows of ``params`` that stay inside the grid's box."""
    inside = (
        (params[:, 0] >= W.min())
        & (params[:, 0] <= W.max())
        & (params[:, 1] >= B.min())
        & (params[:, 1] <= B.max())
    )
    stop = len(params) if inside.all() else int(np.argmin(inside))
    return params[: max(stop, 1)]


def lr_explorable(states, W, B, L, name: str = "opt-lr"):
    """Return the explorable figure of ``states`` on the loss surface ``W, B, L``."""
    fractions = [s.fraction for s in states]
    slider = control("fraction", "learning rate / (2 / λmax)", fractions, "{:.2f}")
    frames = []
    for s in states:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        shown = _inside(s.run.params, W, B)
        paths = {f"GD, lr = {s.run.lr:.3g}": (shown, {"color": "C1", "marker": "o"})}
        plot_surface_contours(W, B, L, ax=ax, paths=paths)
        ax.set_title(f"lr = {s.fraction:.2f} x 2/λmax: {len(shown) - 1} steps shown")
        verdict = (
            "diverges" if s.factor > 1 else "converges" if s.factor < 1 else "cycles"
        )
        alt = (
            f"Contours of the loss with the gradient-descent path for a learning rate "
            f"{s.fraction:.2f} times 2 over lambda max: the path {verdict}."
        )
        numbers = {
            "learning rate": (s.run.lr, "{:.4g}"),
            "|1 − lr·λmax| (error factor per step)": (s.factor, "{:.3f}"),
            "steps run (a diverging run stops early)": (s.run.steps, "{:.0f}"),
            "loss above the minimum at the last step": (s.excess, "{:.3g}"),
        }
        frames.append(frame(fig, alt, numbers))
    default = fractions.index(min(fractions, key=lambda f: abs(f - 0.5)))
    return explorable(name, [slider], frames, (default,))
