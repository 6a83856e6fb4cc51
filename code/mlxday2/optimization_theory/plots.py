"""Figures of the chapter: each takes computed data and an optional ``ax``/``axes``,
draws, and returns the Axes (or the array of Axes). Nothing here computes a run.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from mlxday2.optimization_theory.rates import ConvexRates, RateCurves
from mlxday2.optimization_theory.saddles import MINIMA, SADDLE
from mlxday2.plotting import new_axes

LABELS = {"gd": "gradient descent", "heavy_ball": "heavy ball", "nesterov": "Nesterov"}
STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D")


def _pair(axes, width_ratios=(1, 1)):
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=width_ratios)
    return axes


def _theory_and_measured(draw, x, predicted, measured, theory, label="measured"):
    """Draw the theory as a black line and the measurements as dots, with ``draw``."""
    draw(x, predicted, "k-", lw=1, label=theory)
    draw(x, measured, "o", label=label)


def plot_gd_rates(strong: RateCurves, weak: RateCurves, axes=None):
    """Plot excess loss and theory: mu > 0 (left, log y), mu = 0 (right, log-log)."""
    left, right = axes = _pair(axes)
    left.semilogy(strong.step, strong.measured, lw=2, label="measured")
    left.semilogy(
        strong.step, strong.bound, "k--", lw=1, label=r"bound $(1-\mu/L)^t\,\Delta_0$"
    )
    left.semilogy(
        strong.step,
        strong.slowest,
        ":",
        lw=1.5,
        label=r"slowest direction $\propto(1-\mu/L)^{2t}$",
    )
    left.set(
        xlabel="step t",
        ylabel="loss above minimum (log scale)",
        title=rf"$\mu>0$: line fit, $\kappa$ = {strong.curvature.kappa:.1f}",
    )
    shown = weak.step > 0
    right.loglog(weak.step[shown], weak.measured[shown], lw=2, label="measured")
    right.loglog(
        weak.step[shown],
        weak.bound[shown],
        "k--",
        lw=1,
        label=r"bound $2L\|\theta_0-\theta^*\|^2/(t+4)$",
    )
    right.set(
        xlabel="step t (log scale)",
        ylabel="loss above minimum (log scale)",
        title=r"$\mu=0$: rank-deficient least squares",
    )
    for ax in axes:
        ax.legend(fontsize="small")
    return axes


def plot_acceleration(study: pd.DataFrame, exponents: dict | None = None, ax=None):
    """Plot measured (markers) and predicted (lines) steps against kappa, log-log.

    ``exponents`` (``{method: fitted exponent}``) go in the legend.
    """
    _, ax = new_axes(ax)
    for k, (method, rows) in enumerate(study.groupby("method", sort=False)):
        label = LABELS[method]
        if exponents:
            label += rf" (measured $\propto\kappa^{{{exponents[method]:.2f}}}$)"
        line = ax.loglog(rows.kappa, rows.steps, MARKERS[k], label=label)[0]
        ax.loglog(
            rows.kappa, rows.predicted_steps, STYLES[k], color=line.get_color(), lw=1
        )
    ax.set(
        xlabel=r"condition number $\kappa$ (log scale)",
        ylabel="steps to shrink the error 1e6-fold (log scale)",
    )
    ax.legend(
        fontsize="small", title="lines: log(tol) / log(rate)", title_fontsize="small"
    )
    return ax


def plot_convex_rates(rates: ConvexRates, lower: pd.DataFrame, axes=None):
    """Plot GD and accelerated GD with mu = 0 (left) and the lower bound (right)."""
    left, right = axes = _pair(axes)
    t = rates.step[1:]
    left.loglog(t, rates.gd[1:], "-", lw=2, label="gradient descent")
    left.loglog(t, rates.accelerated[1:], "-.", lw=2, label="accelerated")
    left.loglog(t, rates.gd_bound[1:], "k--", lw=1, label=r"$2LR^2/(t+4)$")
    left.loglog(t, rates.accelerated_bound[1:], "k:", lw=1, label=r"$2LR^2/(t+1)^2$")
    left.set(
        xlabel="step t (log scale)",
        ylabel="loss above minimum (log scale)",
        title=r"$\mu = 0$: rank-deficient least squares",
    )
    right.loglog(lower.t, lower.gd, "o-", label="gradient descent")
    right.loglog(lower.t, lower.accelerated, "s-.", label="accelerated")
    right.loglog(
        lower.t,
        lower.accelerated_bound,
        "k:",
        lw=1,
        label=r"upper bound $2LR^2/(t+1)^2$",
    )
    right.loglog(
        lower.t,
        lower.lower_bound,
        "k--",
        lw=1,
        label=r"lower bound $3LR^2/(32(t+1)^2)$",
    )
    right.set(
        xlabel="steps t (log scale)",
        ylabel="loss above minimum after t steps",
        title="Nesterov's worst case for each t",
    )
    for ax in axes:
        ax.legend(fontsize="small")
    return axes


def plot_sgd(floor: pd.DataFrame, curves: dict, prediction=None, axes=None):
    """Plot SGD's noise floor against lr (left) and excess loss against steps (right).

    ``curves`` maps a label to an excess-loss array (index = step); ``prediction`` is
    the decaying step's theory, drawn dashed.
    """
    left, right = axes = _pair(axes)
    theory = r"theory $\eta\,\mathrm{tr}\Sigma/4$"
    _theory_and_measured(left.loglog, floor.lr, floor.predicted, floor.measured, theory)
    left.xaxis.set_minor_formatter(NullFormatter())  # the minor labels would overlap
    left.set(
        xlabel=r"constant step $\eta$ (log scale)",
        ylabel="stationary loss above minimum",
        title="the noise floor",
    )
    left.legend(fontsize="small")
    for k, (label, excess) in enumerate(curves.items()):
        right.loglog(
            np.arange(1, len(excess)), excess[1:], STYLES[k], lw=1.2, label=label
        )
    if prediction is not None:
        right.loglog(
            np.arange(1, len(prediction)),
            prediction[1:],
            "k--",
            lw=1,
            label=r"theory for $\eta_t\propto 1/t$",
        )
    right.set(
        xlabel="step t (log scale)",
        ylabel="mean loss above minimum",
        title="constant versus decaying steps",
    )
    right.legend(fontsize="small")
    return axes


def plot_minibatch_variance(table: pd.DataFrame, ax=None):
    """Plot measured and predicted mini-batch gradient variance against B."""
    _, ax = new_axes(ax)
    theory = r"theory $\mathrm{tr}\Sigma/B$"
    _theory_and_measured(
        ax.loglog, table.batch_size, table.predicted, table.measured, theory
    )
    ax.set(xlabel="batch size B (log scale)", ylabel="gradient variance (log scale)")
    ax.legend(fontsize="small")
    return ax


def plot_variance_reduction(curves: dict, floor: float | None = None, ax=None):
    """Plot excess loss against gradients computed, ``{label: (evals, excess)}``."""
    _, ax = new_axes(ax)
    for k, (label, (evals, excess)) in enumerate(curves.items()):
        ax.semilogy(evals, excess, STYLES[k], lw=1.5, label=label)
    if floor is not None:
        ax.axhline(
            floor,
            color="k",
            lw=1,
            ls=":",
            label=r"SGD's floor $\eta\,\mathrm{tr}\Sigma/4$",
        )
    ax.set(xlabel="sample gradients computed", ylabel="loss above minimum (log scale)")
    ax.legend(fontsize="small")
    return ax


def plot_counterexample(runs: dict, regrets: dict, axes=None):
    """Plot each method's iterate (left) and average regret (right) against the step."""
    left, right = axes = _pair(axes)
    for k, (label, run) in enumerate(runs.items()):
        left.plot(run.params[:, 0], STYLES[k], lw=1.2, label=label)
        right.loglog(
            np.arange(1, len(regrets[label]) + 1),
            regrets[label],
            STYLES[k],
            lw=1.2,
            label=label,
        )
    left.axhline(-1, color="k", lw=1, ls=":", label="the optimum x = -1")
    left.set(xlabel="step", ylabel="x", title="the iterate")
    right.set(
        xlabel="step T (log scale)",
        ylabel="regret / T (log scale)",
        title="average regret against x = -1",
    )
    for ax in axes:
        ax.legend(fontsize="small")
    return axes


def plot_paths(xs, ys, values, paths: dict, axes=None):
    """Plot ``{label: Iterates}`` on the contours of ``values``; saddle distance."""
    left, right = axes = _pair(axes, (1, 1.4))
    left.contour(
        xs,
        ys,
        values,
        levels=np.linspace(-0.25, 1.0, 26),
        cmap="viridis",
        linewidths=0.7,
    )
    for k, (label, run) in enumerate(paths.items()):
        line = left.plot(
            run.params[:, 0], run.params[:, 1], STYLES[k], marker=".", ms=2.5, lw=1
        )[0]
        left.plot(*run.params[0], MARKERS[k], color=line.get_color(), ms=5)
        distance = np.linalg.norm(run.params - np.array(SADDLE), axis=1)
        right.semilogy(distance, STYLES[k], color=line.get_color(), lw=1.5, label=label)
    left.plot(*SADDLE, "kx", ms=9, mew=2)
    left.plot(*np.array(MINIMA).T, "k*", ms=10)
    left.set(xlabel="x", ylabel="y", aspect="equal", title="paths on the contours of f")
    right.set(
        xlabel="step",
        ylabel="distance from the saddle (log scale)",
        title="time spent near the saddle",
    )
    right.legend(fontsize="small")
    return axes


def plot_escape(study: pd.DataFrame, ax=None):
    """Plot measured steps to escape against delta (log x), with the linearisation."""
    _, ax = new_axes(ax)
    theory = r"linearisation $\log(r/\delta)\,/\,\log(1+\eta\gamma)$"
    _theory_and_measured(
        ax.semilogx, study.delta, study.predicted, study.steps, theory, "measured (GD)"
    )
    ax.invert_xaxis()
    ax.set(
        xlabel=r"distance $\delta$ of the start from the stable manifold (log)",
        ylabel="steps to escape",
    )
    ax.legend(fontsize="small")
    return ax


def plot_chain(table: pd.DataFrame, ax=None):
    """Plot the steps spent at each saddle of the chain, GD and perturbed GD (log y)."""
    _, ax = new_axes(ax)
    ax.semilogy(table.saddle, table.gd, "o-", label="gradient descent")
    ax.semilogy(
        table.saddle, table.perturbed, "s--", label="perturbed gradient descent"
    )
    ax.set(
        xlabel="saddle of the chain",
        ylabel="steps spent there (log scale)",
        xticks=table.saddle,
    )
    ax.legend(fontsize="small")
    return ax
