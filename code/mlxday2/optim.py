"""Optimization: gradient descent, SGD, mini-batch SGD and Adam on a linear model, and loss surfaces.

Everything here is about one model, ``y_hat = w * x + b``, fitted by minimising the mean squared
error ``L(w, b) = mean((w * x + b - y) ** 2)``. The loss is a quadratic bowl, so its Hessian is a
constant matrix and the theory of gradient descent on quadratics applies exactly:

* full-batch gradient descent with step ``lr`` converges iff ``lr < 2 / lambda_max(H)``
  (``critical_lr``), and
* with ``lr = 1 / lambda_max`` the slowest direction shrinks by ``1 - 1 / kappa`` per step, where
  ``kappa = lambda_max / lambda_min`` is the condition number (``hessian``, ``condition_number``).

The optimizers are written from scratch in numpy so they can be read; the tests check full-batch
GD and Adam against ``torch.optim`` step for step.

Sections: data and checks; the loss and its Hessian; the optimizers (``fit_linear``); studies the
chapter runs (learning-rate sweep, conditioning); plots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

METHODS = ("gd", "sgd", "minibatch", "adam")
DEFAULT_MINIBATCH = 16
#: A run counts as diverged when its loss is not finite or exceeds this multiple of
#: ``loss at the start + var(y)`` (the loss of the best constant predictor).
EXPLODE_FACTOR = 1e6


# --------------------------------------------------------------------------------------------
# Data and checks
# --------------------------------------------------------------------------------------------


def line_data(n: int = 100, slope: float = 5.0, intercept: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)``, each of shape (n,): ``x = linspace(0, 1, n)`` and the exact line ``y``."""
    x = np.linspace(0.0, 1.0, n)
    return x, slope * x + intercept


def regression_data(
    n: int = 100, noise: float = 15.0, bias: float = 30.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Return ``(x, y, true_slope)`` from ``sklearn.datasets.make_regression`` with one feature.

    ``x`` and ``y`` have shape (n,); ``y = true_slope * x + bias + noise``, Gaussian noise of
    standard deviation ``noise``.
    """
    from sklearn.datasets import make_regression

    X, y, coef = make_regression(
        n_samples=n, n_features=1, noise=noise, bias=bias, coef=True, random_state=seed
    )
    return X[:, 0], y, float(coef)


def _check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    for name, a in (("x", x), ("y", y)):
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}; pass one feature")
        # a.sum() is NaN or inf whenever an entry is; only then (or on overflow) look further.
        if not math.isfinite(a.sum()) and not np.all(np.isfinite(a)):
            bad = int(np.flatnonzero(~np.isfinite(a))[0])
            raise ValueError(f"{name} must be finite, got {a[bad]} at index {bad}; drop or impute it")
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length, got len(x)={x.size} and len(y)={y.size}"
        )
    return x, y


# --------------------------------------------------------------------------------------------
# The loss, its gradient and its Hessian
# --------------------------------------------------------------------------------------------


def mse(x, y, w: float, b: float) -> float:
    """Return the mean squared error ``mean((w * x + b - y) ** 2)`` (a float)."""
    return float(np.mean((w * x + b - y) ** 2))


def loss_surface(x, y, w, b) -> np.ndarray:
    """Return the MSE on the grid ``np.meshgrid(w, b)``, shape ``(len(b), len(w))``.

    The loss is computed from five moments of the data, so after one pass over the data its
    cost depends only on the grid size, not on the number of samples. Writing
    ``x = mean_x + dx`` and ``y = mean_y + dy``, the residual is ``w dx - dy + (w mean_x + b - mean_y)``
    and the cross terms average to zero:

        L(w, b) = w^2 var(x) - 2 w cov(x, y) + var(y) + (w mean_x + b - mean_y)^2.

    Centred moments avoid the cancellation of large raw moments near the minimum. They come from
    ``data_moments``, one fast pass over the data; the rest is arithmetic on the grid.
    """
    x, y = _check_data(x, y)
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    for name, a in (("w", w), ("b", b)):
        if a.ndim != 1 or not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be a finite 1-D array of grid values, got shape {a.shape}")
    return surface_from_moments(data_moments(x, y), w, b)


def surface_from_moments(moments, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the MSE on ``meshgrid(w, b)`` from ``(mean x, mean y, var x, cov(x, y), var y)``.

    Its cost is the grid's size; the data enter only through the five numbers.
    """
    mx, my, vxx, vxy, vyy = moments
    along_w = w * w * vxx - 2.0 * w * vxy + vyy  # the part that depends on w only
    offset = (w * mx - my)[None, :] + b[:, None]  # mean residual at each grid point
    return offset * offset + along_w[None, :]


def data_moments(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """Return ``(mean x, mean y, var x, cov(x, y), var y)``.

    Fast path: five BLAS sums of the raw data, ``var = E[x^2] - E[x]^2``. That formula loses
    about ``log10(E[x^2] / var(x))`` digits, so when either variable's mean dwarfs its spread
    the centred two-pass formula is used instead.
    """
    n = x.size
    mx, my = x.sum() / n, y.sum() / n
    # einsum rather than x @ x: it streams the data once without BLAS threads, fastest here.
    exx, exy, eyy = (np.einsum("i,i->", x, x) / n, np.einsum("i,i->", x, y) / n, np.einsum("i,i->", y, y) / n)
    vxx, vyy = exx - mx * mx, eyy - my * my
    if vxx > 1e-4 * exx and vyy > 1e-4 * eyy:
        return mx, my, vxx, exy - mx * my, vyy
    dx, dy = x - x.mean(), y - y.mean()
    return x.mean(), y.mean(), np.mean(dx * dx), np.mean(dx * dy), np.mean(dy * dy)


def least_squares(x, y) -> tuple[float, float, float]:
    """Return ``(w_star, b_star, min_loss)``: the exact minimiser of the MSE and the loss there."""
    x, y = _check_data(x, y)
    mx, my = x.mean(), y.mean()
    vxx = np.mean((x - mx) ** 2)
    if vxx == 0:
        raise ValueError("x must not be constant: the slope is not identifiable; use more than one x value")
    w = float(np.mean((x - mx) * (y - my)) / vxx)
    b = float(my - w * mx)
    return w, b, mse(x, y, w, b)


def hessian(x) -> np.ndarray:
    """Return the 2x2 Hessian of the MSE in ``(w, b)``: ``2 [[mean x^2, mean x], [mean x, 1]]``.

    It does not depend on ``y`` or on the point: the loss is quadratic.
    """
    x = np.asarray(x, dtype=float)
    x, _ = _check_data(x, np.zeros_like(x))
    return 2.0 * np.array([[np.mean(x * x), x.mean()], [x.mean(), 1.0]])


def critical_lr(x) -> float:
    """Return ``2 / lambda_max(H)``: full-batch GD on the MSE converges iff ``lr`` is below it."""
    return float(2.0 / np.linalg.eigvalsh(hessian(x))[-1])


def condition_number(x) -> float:
    """Return ``kappa = lambda_max / lambda_min`` of the MSE Hessian (``inf`` if x is constant)."""
    lo, hi = np.linalg.eigvalsh(hessian(x))
    return float(hi / lo) if lo > 0 else math.inf


# --------------------------------------------------------------------------------------------
# The optimizers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One optimisation run: the parameters after every step and the full-data loss there.

    ``params`` has shape (steps + 1, 2), rows ``(w, b)``, the initial point first; ``loss``,
    ``epoch`` and ``grad_evals`` have shape (steps + 1,). ``epoch`` counts passes over the data
    (fractional within an epoch) and ``grad_evals`` the per-sample gradients computed so far.
    ``diverged`` is True when the run stopped early because the loss blew up.
    """

    method: str
    lr: float
    batch_size: int
    params: np.ndarray
    loss: np.ndarray
    epoch: np.ndarray
    grad_evals: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        """Return the number of parameter updates made."""
        return len(self.params) - 1


def _gradient(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Return ``(dL/dw, dL/db)`` of the MSE on the samples ``x, y`` (a batch)."""
    residual = theta[0] * x + theta[1] - y
    return 2.0 * np.array([np.mean(residual * x), np.mean(residual)])


def _check_fit_args(method, lr, epochs, batch_size, n, init) -> int:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not (isinstance(lr, (int, float, np.floating, np.integer)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if len(init) != 2 or not all(math.isfinite(float(v)) for v in init):
        raise ValueError(f"init must be two finite numbers (w, b), got {init!r}")
    default = {"gd": n, "sgd": 1, "minibatch": min(DEFAULT_MINIBATCH, n), "adam": n}[method]
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be an integer in 1..{n} (the number of samples), got {batch_size!r}")
    if method in ("gd", "sgd") and batch_size != default:
        raise ValueError(
            f"batch_size must be {default} (or None) for method={method!r}, got {batch_size}; "
            f"use method='minibatch' for other batch sizes"
        )
    return int(batch_size)


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
    """Return the ``Trajectory`` of fitting ``w * x + b`` to ``y`` by minimising the MSE.

    ``method``:
      * ``"gd"``: full-batch gradient descent, ``theta -= lr * grad`` once per epoch;
      * ``"sgd"``: one sample per step, samples visited in a fresh random order each epoch;
      * ``"minibatch"``: the same with batches of ``batch_size`` (default 16; the last batch of
        an epoch may be smaller);
      * ``"adam"``: Adam (Kingma & Ba, 2015) with ``beta1=0.9, beta2=0.999, eps=1e-8``, on
        full batches unless ``batch_size`` is given.

    The shuffling uses ``numpy.random.default_rng(seed)``: the same seed gives the same path.
    The recorded loss is always the loss on all the data. A run whose loss stops being finite or
    grows past ``EXPLODE_FACTOR`` times its scale stops early with ``diverged=True``; its last
    row is the last finite point.
    """
    x, y = _check_data(x, y)
    n = x.size
    batch_size = _check_fit_args(method, lr, epochs, batch_size, n, init)
    lr = float(lr)
    rng = np.random.default_rng(seed)
    theta = np.array(init, dtype=float)
    # Adam's state: running means of the gradient and of its square, and the step count.
    m, v, t = np.zeros(2), np.zeros(2), 0
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    params, losses, epoch_at, evals_at = [theta.copy()], [mse(x, y, *theta)], [0.0], [0]
    limit = EXPLODE_FACTOR * (losses[0] + np.var(y)) + 1e-300
    diverged, evals = False, 0
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected below, not printed
        for epoch in range(epochs):
            order = np.arange(n) if batch_size == n else rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                grad = _gradient(x[idx], y[idx], theta)
                evals += idx.size
                if method == "adam":
                    t += 1
                    m = beta1 * m + (1 - beta1) * grad
                    v = beta2 * v + (1 - beta2) * grad * grad
                    m_hat = m / (1 - beta1**t)
                    v_hat = v / (1 - beta2**t)
                    new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
                else:
                    new = theta - lr * grad
                loss = mse(x, y, *new)
                if not (np.all(np.isfinite(new)) and math.isfinite(loss)):
                    diverged = True
                    break
                theta = new
                params.append(theta.copy())
                losses.append(loss)
                epoch_at.append(epoch + min(start + batch_size, n) / n)
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


# --------------------------------------------------------------------------------------------
# Studies the chapter runs
# --------------------------------------------------------------------------------------------


def lr_sweep(x, y, lrs, epochs: int = 200, init=(0.0, 0.0)) -> pd.DataFrame:
    """Return one row per learning rate: full-batch GD's final loss, excess loss and divergence.

    Columns: ``lr``, ``lr_over_critical`` (lr / critical_lr(x)), ``final_loss`` (the loss where
    the run stopped), ``excess_loss`` (final_loss minus the least-squares minimum), ``diverged``
    (the run blew up and stopped early, or ended with a higher loss than it started with: just
    above the bound the loss grows too slowly to blow up within a short run).
    """
    x, y = _check_data(x, y)
    crit, (_, _, best) = critical_lr(x), least_squares(x, y)
    rows = []
    for lr in tqdm(np.asarray(lrs, dtype=float), desc="lr sweep", leave=False):
        traj = fit_linear(x, y, "gd", float(lr), epochs, init=init)
        final = float(traj.loss[-1])
        rows.append(
            dict(lr=lr, lr_over_critical=lr / crit, final_loss=final,
                 excess_loss=max(final - best, 0.0),
                 diverged=bool(traj.diverged or final > traj.loss[0]))
        )
    return pd.DataFrame(rows)


def steps_to_tolerance(traj: Trajectory, target, tol: float = 1e-6) -> int | None:
    """Return the first step where ``|theta - target|`` is below ``tol`` times its initial value."""
    dist = np.linalg.norm(traj.params - np.asarray(target, dtype=float), axis=1)
    hits = np.flatnonzero(dist <= tol * dist[0])
    return int(hits[0]) if hits.size else None


def conditioning_study(offsets, n: int = 100, tol: float = 1e-6) -> pd.DataFrame:
    """Return GD's measured and predicted steps to converge as the feature moves off zero.

    For each offset ``c`` the data are ``x = linspace(0, 1, n) + c`` and ``y = 5 x + 2``, so the
    minimum is (5, 2) and the Hessian's condition number ``kappa`` grows with ``c``. GD runs with
    ``lr = 1 / lambda_max`` from the minimum plus one unit along each eigenvector of the Hessian
    (a start with equal weight on the fast and the slow direction). Theory: the fast component
    vanishes in the first step and the slow one shrinks by ``1 - 1/kappa`` per step, so the
    distance to the minimum falls below ``tol`` times its start after
    ``log(tol * sqrt(2)) / log(1 - 1/kappa)`` steps.
    Columns: ``offset``, ``kappa``, ``lr``, ``predicted_steps``, ``measured_steps``.
    """
    rows = []
    for c in tqdm(offsets, desc="conditioning", leave=False):
        x = np.linspace(0.0, 1.0, n) + c
        y = 5.0 * x + 2.0
        eigenvalues, eigenvectors = np.linalg.eigh(hessian(x))
        kappa = float(eigenvalues[1] / eigenvalues[0])
        lr = float(1.0 / eigenvalues[1])
        predicted = math.log(tol * math.sqrt(2)) / math.log1p(-1 / kappa)
        init = np.array([5.0, 2.0]) + eigenvectors.sum(axis=1)
        traj = fit_linear(x, y, "gd", lr, int(1.2 * predicted) + 10, init=tuple(init))
        rows.append(
            dict(offset=float(c), kappa=kappa, lr=lr, predicted_steps=predicted,
                 measured_steps=steps_to_tolerance(traj, (5.0, 2.0), tol))
        )
    return pd.DataFrame(rows)


def compare_methods(x, y, lrs: dict[str, float], epochs: int, batch_size: int = DEFAULT_MINIBATCH,
                    seed: int = 0, init=(0.0, 0.0)) -> dict[str, Trajectory]:
    """Return ``{method: Trajectory}`` for every method in ``lrs``, all from the same start."""
    return {
        method: fit_linear(x, y, method, lr, epochs, batch_size=batch_size if method == "minibatch" else None,
                           seed=seed, init=init)
        for method, lr in lrs.items()
    }


# --------------------------------------------------------------------------------------------
# Plots (take computed data, never fit)
# --------------------------------------------------------------------------------------------

LABELS = {"gd": "GD (full batch)", "sgd": "SGD (batch 1)", "minibatch": "mini-batch SGD", "adam": "Adam"}


def _colour(method: str) -> str:
    from mlxday2.plotting import PALETTE

    return PALETTE[METHODS.index(method) % len(PALETTE)]


def plot_convergence(traj: Trajectory, target: tuple[float, float], axes=None):
    """Plot ``w`` and ``b`` against epochs with their targets (left) and the loss, log scale (right).

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    fig = axes[0].figure
    for k, (name, value) in enumerate(zip(("w", "b"), target)):
        axes[0].plot(traj.epoch, traj.params[:, k], label=name, color=f"C{k}")
        axes[0].axhline(value, color=f"C{k}", ls=":", lw=1)
    axes[0].set(xlabel="epoch", ylabel="parameter value", title="parameters (dotted: true values)")
    axes[0].legend()
    axes[1].semilogy(traj.epoch, traj.loss)
    axes[1].set(xlabel="epoch", ylabel="MSE (log scale)", title="loss")
    return fig


def plot_surface_contours(W, B, L, ax=None, levels: int = 25, paths: dict | None = None):
    """Plot the loss ``L`` (shape (len(B), len(W))) as contours, with optional ``{label: params}`` paths.

    Contour levels are spaced on a log scale of the loss so the bowl's floor is visible. Returns
    the Axes.
    """
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    lo, hi = max(L.min(), 1e-12), L.max()
    ax.contour(W, B, L, levels=np.geomspace(lo * 1.05, hi, levels), cmap="viridis", linewidths=0.8)
    for label, (p, colour) in (paths or {}).items():
        ax.plot(p[:, 0], p[:, 1], ".-", color=colour, ms=3, lw=1, label=label)
        ax.plot(*p[0], "o", color="k", ms=5)
    ax.set(xlabel="w", ylabel="b")
    if paths:
        ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_surface_3d(W, B, L, ax=None, path: np.ndarray | None = None, path_loss: np.ndarray | None = None):
    """Plot the loss surface in 3-D, with an optional path (params and their losses). Returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(6, 4.5))
        ax = fig.add_subplot(projection="3d")
    ax.plot_surface(np.asarray(W), np.asarray(B), L, cmap="viridis", alpha=0.75, linewidth=0, rstride=4, cstride=4)
    if path is not None:
        ax.plot(path[:, 0], path[:, 1], path_loss, "r.-", ms=3, lw=1, zorder=10)
    ax.set(xlabel="w", ylabel="b", zlabel="MSE")
    ax.view_init(elev=35, azim=-60)
    return ax


def animate_path(W, B, L, traj: Trajectory, frames: int = 40, dpi: int = 60):
    """Return a ``FuncAnimation`` of ``traj`` moving over the contours of ``L``, at most ``frames`` frames.

    The frames show evenly spaced steps of the path. The figure is closed before returning so a
    notebook shows only the animation (render it with ``HTML(anim.to_jshtml())``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    if not 1 <= frames <= 60:
        raise ValueError(f"frames must be in 1..60 to keep the page light, got {frames}")
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
    """Plot the final excess loss against lr (both log scale), the bound ``critical`` as a line.

    Diverged runs are marked with crosses at the loss where they stopped. Returns the Axes.
    """
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    ok, bad = sweep[~sweep.diverged], sweep[sweep.diverged]
    # Runs that reached the minimum to machine precision are drawn on the precision line.
    floor = np.finfo(float).eps * float(sweep.final_loss.min())
    ax.axhline(floor, color="0.5", lw=0.8, ls=":", label="machine precision of the loss")
    ax.loglog(ok.lr, np.maximum(ok.excess_loss, floor), "o", ms=4, color=_colour("gd"), label="converged")
    ax.loglog(bad.lr, bad.final_loss, "x", ms=6, color="C1", label="diverged (loss where stopped)")
    ax.axvline(critical, color="k", ls="--", lw=1, label=r"$2/\lambda_{max}$")
    ax.set(xlabel="learning rate (log scale)", ylabel="final loss above minimum (log scale)")
    ax.legend(fontsize="small")
    return ax


def plot_conditioning(study: pd.DataFrame, ax=None):
    """Plot measured and predicted GD steps to converge against the condition number. Returns the Axes."""
    from mlxday2.plotting import new_axes

    _, ax = new_axes(ax)
    ax.loglog(study.kappa, study.predicted_steps, "-", color="k", lw=1, label=r"theory: $\log(\sqrt{2}\,\mathrm{tol})\,/\,\log(1-1/\kappa)$")
    ax.loglog(study.kappa, study.measured_steps, "o", color=_colour("gd"), label="measured")
    ax.set(xlabel=r"condition number $\kappa$ (log scale)", ylabel="GD steps to converge (log scale)")
    ax.legend(fontsize="small")
    return ax


def plot_method_paths(W, B, L, runs: dict[str, Trajectory]):
    """Plot each run's path on the contours in its own panel, plus one panel overlaying all.

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5), sharex=True, sharey=True)
    axes = axes.ravel()
    for ax, (method, traj) in zip(axes, runs.items()):
        plot_surface_contours(W, B, L, ax=ax, paths={LABELS[method]: (traj.params, _colour(method))})
        ax.set_title(f"{LABELS[method]}, lr={traj.lr:g}, {traj.steps} steps")
        ax.get_legend().remove()
    overlay = axes[len(runs)]
    plot_surface_contours(
        W, B, L, ax=overlay, paths={LABELS[m]: (t.params, _colour(m)) for m, t in runs.items()}
    )
    overlay.set_title("all four")
    for ax in axes[len(runs) + 1 :]:
        ax.remove()
    return fig


def plot_method_losses(runs: dict[str, Trajectory], best_loss: float):
    """Plot the excess loss of each run against epochs (left) and gradient evaluations (right).

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for method, traj in runs.items():
        excess = np.maximum(traj.loss - best_loss, 1e-12)
        for ax, x in zip(axes, (traj.epoch, traj.grad_evals)):
            ax.semilogy(x, excess, color=_colour(method), lw=1, label=LABELS[method])
    axes[0].set(xlabel="epoch", ylabel="loss above minimum (log scale)")
    axes[1].set(xlabel="per-sample gradient evaluations", xscale="log")
    axes[0].legend(fontsize="small")
    return fig
