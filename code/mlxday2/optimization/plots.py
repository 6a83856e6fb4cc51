"""Plots of the optimization chapter.

Each takes computed data (surfaces, ``Trajectory`` runs, study tables) and an optional
``ax`` (one panel) or ``axes`` (several panels), draws, and returns what it drew: the
Axes, or the array of Axes. None fits, trains or simulates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mlxday2.checks import check_array, check_int, check_real
from mlxday2.optimization.fit import METHODS, Trajectory, _check_trajectory

LABELS = {
    "gd": "GD (full batch)",
    "sgd": "SGD (batch 1)",
    "minibatch": "mini-batch SGD",
    "adam": "Adam",
}


def _colour(method: str) -> str:
    from mlxday2.plotting import PALETTE

    return PALETTE[METHODS.index(method) % len(PALETTE)]


def _check_surface(W, B, L) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W, B, L = (np.asarray(a, dtype=float) for a in (W, B, L))
    if not (W.ndim == 2 and W.shape == B.shape == L.shape):
        raise ValueError(
            f"W, B and L must be 2-D arrays of one shape, got {W.shape}, {B.shape} and "
            f"{L.shape}; pass W, B = np.meshgrid(w, b) and L = loss_surface(x, y, w, b)"
        )
    if not np.all(np.isfinite(L)):
        raise ValueError("L must be finite; compute it with loss_surface, finite grid")
    return W, B, L


def _check_axes(axes, count: int):
    import matplotlib.pyplot as plt

    flat = np.ravel(np.asarray(axes, dtype=object))
    if flat.size != count or not all(isinstance(a, plt.Axes) for a in flat):
        raise TypeError(
            f"axes must be {count} matplotlib Axes, got {axes!r}; "
            f"make them with plt.subplots (or pass axes=None)"
        )
    return flat


def _check_runs(runs, most: int) -> None:
    if not isinstance(runs, Mapping) or not 1 <= len(runs) <= most:
        raise TypeError(
            f"runs must be a dict of 1 to {most} {{method: Trajectory}}, got {runs!r}; "
            "pass what compare_methods returns"
        )
    for method, traj in runs.items():
        if method not in METHODS:
            raise ValueError(
                f"runs' keys must be in {METHODS}, got {method!r}; pick one"
            )
        _check_trajectory(traj)


def plot_convergence(traj: Trajectory, target, axes=None) -> np.ndarray:
    """Plot ``w`` and ``b`` against epochs with their targets (left), log loss (right).

    Returns the two Axes.
    """
    import matplotlib.pyplot as plt

    _check_trajectory(traj)
    target = check_array("target", target, ndim=1, size=2, fix="pass the true (w, b)")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    axes = _check_axes(axes, 2)
    for k, (name, value) in enumerate(zip(("w", "b"), target)):
        axes[0].plot(traj.epoch, traj.params[:, k], label=name, color=f"C{k}")
        axes[0].axhline(value, color=f"C{k}", ls=":", lw=1)
    axes[0].set(
        xlabel="epoch",
        ylabel="parameter value",
        title="parameters (dotted: true values)",
    )
    axes[0].legend()
    axes[1].semilogy(traj.epoch, traj.loss)
    axes[1].set(xlabel="epoch", ylabel="MSE (log scale)", title="loss")
    return axes


def plot_surface_contours(
    W, B, L, ax=None, levels: int = 25, paths: dict | None = None
):
    """Plot the loss ``L`` (shape of ``W`` and ``B``) as contours, with optional paths.

    ``paths`` maps a label to ``(params, colour)``, params of shape (k, 2). Contour
    levels are spaced on a log scale of the loss so the bowl's floor is visible. Returns
    the Axes.
    """
    from mlxday2.plotting import new_axes

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
    for label, (p, colour) in paths.items():
        ax.plot(p[:, 0], p[:, 1], ".-", color=colour, ms=3, lw=1, label=label)
        ax.plot(*p[0], "o", color="k", ms=5)
    ax.set(xlabel="w", ylabel="b")
    if paths:
        ax.legend(loc="upper left", fontsize="small")
    return ax


def _check_paths(paths) -> dict:
    if paths is None:
        return {}
    fix = "pass {label: (params of shape (k, 2), colour)}"
    if not isinstance(paths, Mapping):
        raise TypeError(f"paths must be a dict, got {type(paths).__name__}; {fix}")
    checked = {}
    for label, value in paths.items():
        if not (isinstance(value, tuple) and len(value) == 2):
            raise TypeError(
                f"paths[{label!r}] must be (params, colour), got "
                f"{type(value).__name__}; {fix}"
            )
        p = np.asarray(value[0], dtype=float)
        if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
            raise ValueError(
                f"paths[{label!r}] params must have shape (k, 2), got {p.shape}; {fix}"
            )
        checked[label] = (p, value[1])
    return checked


def plot_surface_3d(W, B, L, ax=None, path=None, path_loss=None):
    """Plot the loss surface in 3-D, with an optional path (params and their losses).

    ``ax`` must be a 3-D Axes (``projection="3d"``). Returns the Axes.
    """
    import matplotlib.pyplot as plt

    W, B, L = _check_surface(W, B, L)
    if (path is None) != (path_loss is None):
        raise ValueError(
            "path and path_loss must be given together; pass traj.params and traj.loss"
        )
    if path is not None:
        path = np.asarray(path, dtype=float)
        path_loss = np.asarray(path_loss, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or path_loss.shape != (len(path),):
            raise ValueError(
                f"path must have shape (k, 2) and path_loss (k,), got {path.shape} and "
                f"{path_loss.shape}; pass traj.params and traj.loss"
            )
    if ax is None:
        ax = plt.figure(figsize=(6, 4.5)).add_subplot(projection="3d")
    elif getattr(ax, "name", None) != "3d":
        raise TypeError(
            f"ax must be a 3-D Axes, got {ax!r}; use add_subplot(projection='3d')"
        )
    ax.plot_surface(
        W, B, L, cmap="viridis", alpha=0.75, linewidth=0, rstride=4, cstride=4
    )
    if path is not None:
        ax.plot(path[:, 0], path[:, 1], path_loss, "r.-", ms=3, lw=1, zorder=10)
    ax.set(xlabel="w", ylabel="b", zlabel="MSE")
    ax.view_init(elev=35, azim=-60)
    return ax


def animate_path(W, B, L, traj: Trajectory, frames: int = 40, dpi: int = 60):
    """Return a ``FuncAnimation`` of ``traj`` moving over the contours of ``L``.

    At most ``frames`` frames show evenly spaced steps of the path. The animation owns
    its figure, closed before returning so a notebook shows only the animation (render
    it with ``HTML(anim.to_jshtml())``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    _check_trajectory(traj)
    frames = check_int(
        "frames", frames, low=1, high=60, fix="keep the page light: e.g. frames=40"
    )
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


def _check_table(name: str, table, columns: tuple[str, ...], source: str) -> None:
    if not isinstance(table, pd.DataFrame) or not set(columns) <= set(table.columns):
        raise TypeError(
            f"{name} must be a DataFrame with columns {columns}, "
            f"got {type(table).__name__}; pass what {source} returns"
        )
    if table.empty:
        raise ValueError(
            f"{name} must have at least one row; pass what {source} returns"
        )


def plot_lr_sweep(sweep: pd.DataFrame, critical: float, ax=None):
    """Plot the final excess loss against lr (log-log), the bound ``critical`` a line.

    Diverged runs are marked with crosses at the loss where they stopped. Returns the
    Axes.
    """
    from mlxday2.plotting import new_axes

    columns = ("lr", "final_loss", "excess_loss", "diverged")
    _check_table("sweep", sweep, columns, "lr_sweep")
    critical = check_real(
        "critical", critical, 0, low_open=True, fix="pass critical_lr(x)"
    )
    _, ax = new_axes(ax)
    ok, bad = sweep[~sweep.diverged], sweep[sweep.diverged]
    # Runs that reached the minimum to machine precision are drawn on the precision
    # line.
    floor = np.finfo(float).eps * float(sweep.final_loss.min())
    ax.axhline(
        floor, color="0.5", lw=0.8, ls=":", label="machine precision of the loss"
    )
    ax.loglog(
        ok.lr,
        np.maximum(ok.excess_loss, floor),
        "o",
        ms=4,
        color=_colour("gd"),
        label="converged",
    )
    ax.loglog(
        bad.lr,
        bad.final_loss,
        "x",
        ms=6,
        color="C1",
        label="diverged (loss where stopped)",
    )
    ax.axvline(critical, color="k", ls="--", lw=1, label=r"$2/\lambda_{max}$")
    ax.set(
        xlabel="learning rate (log scale)",
        ylabel="final loss above minimum (log scale)",
    )
    ax.legend(fontsize="small")
    return ax


def plot_conditioning(study: pd.DataFrame, ax=None):
    """Plot measured and predicted GD steps to converge against kappa. Returns Axes."""
    from mlxday2.plotting import new_axes

    _check_table(
        "study",
        study,
        ("kappa", "predicted_steps", "measured_steps"),
        "conditioning_study",
    )
    _, ax = new_axes(ax)
    theory = r"theory: $\log(\sqrt{2}\,\mathrm{tol})\,/\,\log(1-1/\kappa)$"
    ax.loglog(study.kappa, study.predicted_steps, "-", color="k", lw=1, label=theory)
    ax.loglog(
        study.kappa, study.measured_steps, "o", color=_colour("gd"), label="measured"
    )
    ax.set(
        xlabel=r"condition number $\kappa$ (log scale)",
        ylabel="GD steps to converge (log scale)",
    )
    ax.legend(fontsize="small")
    return ax


def plot_method_paths(W, B, L, runs: dict[str, Trajectory], axes=None) -> np.ndarray:
    """Plot each run's path on the contours in its own panel, and one panel with all.

    ``axes``: six Axes (2 x 3); panels left over are removed. Returns the six Axes.
    """
    import matplotlib.pyplot as plt

    _check_runs(runs, most=5)
    if axes is None:
        _, axes = plt.subplots(2, 3, figsize=(11, 6.5), sharex=True, sharey=True)
    axes = _check_axes(axes, 6)
    for ax, (method, traj) in zip(axes, runs.items()):
        paths = {LABELS[method]: (traj.params, _colour(method))}
        plot_surface_contours(W, B, L, ax=ax, paths=paths)
        ax.set_title(f"{LABELS[method]}, lr={traj.lr:g}, {traj.steps} steps")
        ax.get_legend().remove()
    overlay = axes[len(runs)]
    paths = {LABELS[m]: (t.params, _colour(m)) for m, t in runs.items()}
    plot_surface_contours(W, B, L, ax=overlay, paths=paths)
    overlay.set_title("all " + ("one", "two", "three", "four", "five")[len(runs) - 1])
    for ax in axes[len(runs) + 1 :]:
        ax.remove()
    return axes


def plot_method_losses(runs: dict[str, Trajectory], best_loss: float, axes=None):
    """Plot each run's excess loss against epochs (left) and gradient evaluations.

    Returns the two Axes.
    """
    import matplotlib.pyplot as plt

    _check_runs(runs, most=len(METHODS))
    best_loss = check_real("best_loss", best_loss, fix="pass least_squares(x, y)[2]")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    axes = _check_axes(axes, 2)
    for method, traj in runs.items():
        excess = np.maximum(traj.loss - best_loss, 1e-12)
        for ax, x in zip(axes, (traj.epoch, traj.grad_evals)):
            ax.semilogy(x, excess, color=_colour(method), lw=1, label=LABELS[method])
    axes[0].set(xlabel="epoch", ylabel="loss above minimum (log scale)")
    axes[1].set(xlabel="per-sample gradient evaluations", xscale="log")
    axes[0].legend(fontsize="small")
    return axes
