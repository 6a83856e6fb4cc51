"""Plots of the optimization chapter.

Each takes computed data (surfaces, ``Trajectory`` runs, study tables) and an optional
``ax``, draws one panel, and returns the Axes; a figure of several panels is a grid of
Axes the caller makes and hands over one by one. None fits, trains or simulates. Series
differ by line style and marker as well as by colour.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.animation import FuncAnimation

from mlxday2.checks import (
    check_array,
    check_choice,
    check_frame,
    check_instance,
    check_int,
    check_real,
)
from mlxday2.optimization.loop import METHODS, Trajectory
from mlxday2.plotting import PALETTE, new_axes

LABELS = {
    "gd": "GD (full batch)",
    "sgd": "SGD (batch 1)",
    "minibatch": "mini-batch SGD",
    "adam": "Adam (full batch)",
}
#: colour, line style and marker of each method, the same in every figure
STYLES = {
    method: dict(color=PALETTE[k], ls=ls, marker=marker)
    for k, (method, ls, marker) in enumerate(
        zip(METHODS, ("-", ":", "--", "-."), ("o", ".", "s", "^"))
    )
}
#: styles of unnamed paths on a contour plot, in order
PATH_STYLES = (
    dict(color=PALETTE[4], ls="-", marker="."),
    dict(color=PALETTE[1], ls="--", marker="s"),
    dict(color=PALETTE[2], ls=":", marker="^"),
)


def _check_traj(traj) -> Trajectory:
    return check_instance("traj", traj, Trajectory, fix="pass what fit_linear returns")


def _check_surface(W, B, L) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fix = "pass W, B = np.meshgrid(w, b) and L = loss_surface(x, y, w, b)"
    W, B, L = (check_array(n, a, ndim=2, fix=fix) for n, a in zip("WBL", (W, B, L)))
    if not W.shape == B.shape == L.shape:
        raise ValueError(
            f"W, B and L must have one shape, got {W.shape}, {B.shape} and "
            f"{L.shape}; {fix}"
        )
    return W, B, L


def _check_runs(runs) -> dict:
    fix = "pass what compare_methods returns"
    check_instance("runs", runs, Mapping, fix=fix)
    if not runs:
        raise ValueError(f"runs must hold at least one run, got {{}}; {fix}")
    for method, traj in runs.items():
        check_choice("runs' keys", method, METHODS)
        _check_traj(traj)
    return dict(runs)


def plot_params(traj: Trajectory, target, ax=None):
    """Plot ``w`` (solid) and ``b`` (dashed) against epochs, their targets dotted."""
    _check_traj(traj)
    target = check_array("target", target, ndim=1, size=2, fix="pass the true (w, b)")
    _, ax = new_axes(ax)
    for k, (name, value, ls) in enumerate(zip("wb", target, ("-", "--"))):
        ax.plot(traj.epoch, traj.params[:, k], ls=ls, color=PALETTE[k], label=name)
        ax.axhline(value, color=PALETTE[k], ls=":", lw=1)
    ax.set(xlabel="epoch", ylabel="parameter value", title="parameters (dotted: true)")
    ax.legend()
    return ax


def plot_loss(traj: Trajectory, ax=None):
    """Plot the run's full-data loss against epochs on a log scale. Returns the Axes."""
    _check_traj(traj)
    _, ax = new_axes(ax)
    ax.semilogy(traj.epoch, traj.loss, color=PALETTE[0])
    ax.set(xlabel="epoch", ylabel="MSE (log scale)", title="loss")
    return ax


def plot_surface_contours(W, B, L, ax=None, levels: int = 25, paths=None):
    """Plot the loss ``L`` (shape of ``W`` and ``B``) as contours, with optional paths.

    ``paths`` maps a label to params of shape (k, 2), or to ``(params, style)`` with
    ``style`` a dict of line keywords; unstyled paths take ``PATH_STYLES`` in order.
    Levels are log-spaced so the bowl's floor is visible. Returns the Axes.
    """
    W, B, L = _check_surface(W, B, L)
    levels = check_int("levels", levels, low=2, fix="pass e.g. levels=25")
    paths = _check_paths(paths)
    _, ax = new_axes(ax)
    lo, hi = max(L.min(), 1e-12), L.max()
    ax.contour(
        W,
        B,
        L,
        levels=np.geomspace(lo * 1.05, hi, levels),
        cmap="viridis",
        linewidths=0.8,
    )
    for label, (p, style) in paths.items():
        ax.plot(p[:, 0], p[:, 1], ms=3, lw=1, label=label, **style)
        ax.plot(*p[0], "o", color="k", ms=5)
    ax.set(xlabel="w", ylabel="b")
    if paths:
        ax.legend(loc="upper left", fontsize="small")
    return ax


def _check_paths(paths) -> dict:
    if paths is None:
        return {}
    fix = "pass {label: params of shape (k, 2)}"
    check_instance("paths", paths, Mapping, fix=fix)
    checked = {}
    for k, (label, value) in enumerate(paths.items()):
        params, style = value if isinstance(value, tuple) else (value, None)
        params = check_array(f"paths[{label!r}]", params, ndim=2, fix=fix)
        if params.shape[1] != 2:
            raise ValueError(
                f"paths[{label!r}] must have shape (k, 2), got {params.shape}; {fix}"
            )
        checked[label] = (params, style or PATH_STYLES[k % len(PATH_STYLES)])
    return checked


def plot_paths(W, B, L, runs: dict[str, Trajectory], ax=None):
    """Plot each run's path over the contours of ``L``, styled by method; the Axes."""
    runs = _check_runs(runs)
    paths = {LABELS[m]: (t.params, STYLES[m]) for m, t in runs.items()}
    ax = plot_surface_contours(W, B, L, ax=ax, paths=paths)
    if len(runs) == 1:
        (method, traj), *_ = runs.items()
        ax.set_title(f"{LABELS[method]}, lr={traj.lr:g}, {traj.steps} steps")
    return ax


def plot_surface_3d(W, B, L, ax=None, path=None, path_loss=None):
    """Plot the loss surface in 3-D, with an optional path (params and their losses).

    ``ax`` must be a 3-D Axes (``projection="3d"``); None makes one. Returns the Axes.
    """
    W, B, L = _check_surface(W, B, L)
    if (path is None) != (path_loss is None):
        raise ValueError(
            "path and path_loss must be given together, got only one; "
            "pass traj.params and traj.loss"
        )
    if ax is not None and getattr(ax, "name", None) != "3d":
        raise TypeError(f"ax must be a 3-D Axes, got {ax!r}; use projection='3d'")
    _, ax = new_axes(ax, figsize=(6, 4.5), projection="3d")
    ax.plot_surface(
        W, B, L, cmap="viridis", alpha=0.75, linewidth=0, rstride=4, cstride=4
    )
    if path is not None:
        path = check_array("path", path, ndim=2, fix="pass traj.params")
        path_loss = check_array(
            "path_loss", path_loss, size=len(path), fix="pass traj.loss"
        )
        ax.plot(path[:, 0], path[:, 1], path_loss, "r.-", ms=3, lw=1, zorder=10)
    ax.set(xlabel="w", ylabel="b", zlabel="MSE")
    ax.view_init(elev=35, azim=-60)
    return ax


def animate_path(W, B, L, traj: Trajectory, frames: int = 40, dpi: int = 60):
    """Return a ``FuncAnimation`` of ``traj`` moving over the contours of ``L``.

    At most ``frames`` frames show evenly spaced steps of the path. The animation owns
    its figure, closed before returning so a notebook shows only the animation (render
    it with ``mlxday2.plotting.animation_html``).
    """
    _check_traj(traj)
    frames = check_int("frames", frames, low=1, high=60, fix="keep it light: 40")
    dpi = check_real("dpi", dpi, 0, low_open=True, fix="pass e.g. dpi=60")
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=dpi)
    plot_surface_contours(W, B, L, ax=ax, levels=15)
    shown = np.unique(np.linspace(0, traj.steps, frames).round().astype(int))
    (line,) = ax.plot([], [], "r.-", ms=4, lw=1.2)
    title = ax.set_title("")

    def draw(i):
        k = shown[i]
        line.set_data(traj.params[: k + 1, 0], traj.params[: k + 1, 1])
        title.set_text(f"{LABELS[traj.method]}: step {k}, loss {traj.loss[k]:.4g}")
        return line, title

    anim = FuncAnimation(fig, draw, frames=len(shown), interval=120, blit=False)
    anim._init_draw()  # draw once so the figure's size is fixed before it is closed
    plt.close(fig)
    return anim


def plot_lr_sweep(sweep: pd.DataFrame, critical: float, ax=None):
    """Plot the final excess loss against lr (log-log), the bound ``critical`` a line.

    Converged runs are dots at their excess loss (runs that reached the minimum to
    machine precision sit on the dotted precision line); diverged runs are crosses at
    the raw loss where they stopped. Returns the Axes.
    """
    columns = ("lr", "final_loss", "excess_loss", "diverged")
    check_frame("sweep", sweep, columns, fix="pass what lr_sweep returns")
    critical = check_real(
        "critical", critical, 0, low_open=True, fix="pass critical_lr(x)"
    )
    _, ax = new_axes(ax)
    ok, bad = sweep[~sweep.diverged], sweep[sweep.diverged]
    floor = np.finfo(float).eps * float(sweep.final_loss.min())
    ax.axhline(floor, color="0.5", lw=0.8, ls=":", label="machine precision of loss")
    ax.loglog(
        ok.lr,
        np.maximum(ok.excess_loss, floor),
        "o",
        ms=4,
        color=PALETTE[0],
        label="converged: loss above minimum",
    )
    ax.loglog(
        bad.lr,
        bad.final_loss,
        "x",
        ms=6,
        color=PALETTE[1],
        label="diverged: loss where stopped",
    )
    ax.axvline(critical, color="k", ls="--", lw=1, label=r"$2/\lambda_{max}$")
    ax.set(xlabel="learning rate (log scale)", ylabel="final loss (log scale)")
    ax.legend(fontsize="small")
    return ax


def plot_conditioning(study: pd.DataFrame, ax=None):
    """Plot measured and predicted GD steps to converge against kappa. Returns Axes."""
    columns = ("kappa", "predicted_steps", "measured_steps")
    check_frame("study", study, columns, fix="pass what conditioning_study returns")
    _, ax = new_axes(ax)
    theory = r"theory: $\log(\sqrt{2}\,\mathrm{tol})\,/\,\log(1-1/\kappa)$"
    ax.loglog(study.kappa, study.predicted_steps, "-", color="k", lw=1, label=theory)
    ax.loglog(
        study.kappa, study.measured_steps, "o", color=PALETTE[0], label="measured"
    )
    ax.set(
        xlabel=r"condition number $\kappa$ (log scale)",
        ylabel="GD steps to converge (log scale)",
    )
    ax.legend(fontsize="small")
    return ax


def plot_method_losses(
    runs: dict[str, Trajectory], best_loss: float, by="epoch", ax=None
):
    """Plot each run's loss above ``best_loss`` against ``by``: ``"epoch"`` or
    ``"grad_evals"`` (per-sample gradients, log scale). Returns the Axes."""
    runs = _check_runs(runs)
    best_loss = check_real("best_loss", best_loss, fix="pass least_squares(x, y)[2]")
    by = check_choice("by", by, ("epoch", "grad_evals"))
    _, ax = new_axes(ax)
    for method, traj in runs.items():
        excess = np.maximum(traj.loss - best_loss, 1e-12)
        style = dict(STYLES[method], marker=None)
        ax.semilogy(getattr(traj, by), excess, lw=1, label=LABELS[method], **style)
    xlabel = {"epoch": "epoch", "grad_evals": "per-sample gradient evaluations"}[by]
    ax.set(xlabel=xlabel, ylabel="loss above minimum (log scale)")
    if by == "grad_evals":
        ax.set_xscale("log")
    ax.legend(fontsize="small")
    return ax
