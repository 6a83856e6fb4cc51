"""The least-squares line fit: its data, its loss, the loss's gradient and its Hessian.

The model is ``y_hat = w * x + b`` and the loss the mean squared error ``L(w, b) =
mean((w * x + b - y) ** 2)``, a quadratic bowl with a constant Hessian.
"""

from __future__ import annotations

import math

import numpy as np

from mlxday2.checks import check_array, check_int, check_real

# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def line_data(
    n: int = 100, slope: float = 5.0, intercept: float = 2.0, offset: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)``, shape (n,) each: ``x = linspace(0, 1, n) + offset``, ``y`` the
    exact line ``slope * x + intercept``."""
    n = check_int("n", n, low=1, fix="pass the number of points, e.g. n=100")
    slope = check_real("slope", slope, fix="pass a finite slope, e.g. slope=5")
    intercept = check_real("intercept", intercept, fix="pass e.g. intercept=2")
    offset = check_real("offset", offset, fix="pass e.g. offset=0")
    x = np.linspace(0.0, 1.0, n) + offset
    return x, slope * x + intercept


def regression_data(
    n: int = 100, noise: float = 15.0, bias: float = 30.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Return ``(x, y, true_slope)``: ``sklearn.datasets.make_regression``, one feature.

    ``x`` and ``y`` have shape (n,); ``x`` is drawn from N(0, 1) and ``y = true_slope *
    x + bias + noise``, Gaussian noise of standard deviation ``noise``.
    """
    from sklearn.datasets import make_regression

    n = check_int("n", n, low=1, fix="pass the number of samples, e.g. n=100")
    noise = check_real("noise", noise, 0, fix="pass a standard deviation, e.g. 15")
    bias = check_real("bias", bias, fix="pass a finite intercept, e.g. bias=30")
    seed = check_int("seed", seed, low=0, fix="pass e.g. seed=0")
    X, y, coef = make_regression(
        n_samples=n, n_features=1, noise=noise, bias=bias, coef=True, random_state=seed
    )
    return X[:, 0], y, float(coef)


def check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` as finite 1-D float arrays of one length, or raise."""
    fix = "pass one feature as a finite 1-D array; drop or impute missing values"
    x = check_array("x", x, ndim=1, fix=fix)
    y = check_array("y", y, ndim=1, fix=fix)
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length, got len(x)={x.size} and "
            f"len(y)={y.size}; pass one y per x"
        )
    return x, y


# --------------------------------------------------------------------------------------
# The loss and its gradient: called at every step, so they check nothing
# --------------------------------------------------------------------------------------


def mse(x: np.ndarray, y: np.ndarray, w: float, b: float) -> float:
    """Return the mean squared error ``mean((w * x + b - y) ** 2)`` (a float).

    ``x`` and ``y`` are what ``check_data`` returns; nothing is checked here.
    """
    return float(((w * x + b - y) ** 2).mean())


def mse_gradient(x: np.ndarray, y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Return ``(dL/dw, dL/db) = 2 (mean(r x), mean(r))``, with ``r = w x + b - y``.

    ``x`` and ``y`` are what ``check_data`` returns; nothing is checked here.
    """
    residual = params[0] * x + params[1] - y
    return 2.0 * np.array([(residual * x).mean(), residual.mean()])


def loss_surface(x, y, w, b) -> np.ndarray:
    """Return the MSE on the grid ``np.meshgrid(w, b)``, shape ``(len(b), len(w))``.

    The loss is computed from five moments of the data, so after one pass over the data
    its cost depends only on the grid size, not on the number of samples. Writing ``x =
    mean_x + dx`` and ``y = mean_y + dy``, the residual is ``w dx - dy + (w mean_x + b -
    mean_y)`` and the cross terms average to zero:

        L(w, b) = w^2 var(x) - 2 w cov(x, y) + var(y) + (w mean_x + b - mean_y)^2.

    Centred moments avoid the cancellation of large raw moments near the minimum. They
    come from one fast pass over the data; the rest is arithmetic on the grid.
    """
    x, y = check_data(x, y)
    w, b = _check_grid(w, b)
    return _surface(_moments(x, y), w, b)


def _check_grid(w, b) -> tuple[np.ndarray, np.ndarray]:
    fix = "pass the grid's values along each axis, e.g. np.linspace(-10, 10, 101)"
    return check_array("w", w, ndim=1, fix=fix), check_array("b", b, ndim=1, fix=fix)


def _surface(moments, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mx, my, vxx, vxy, vyy = moments
    along_w = w * w * vxx - 2.0 * w * vxy + vyy  # the part that depends on w only
    offset = (w * mx - my)[None, :] + b[:, None]  # mean residual at each grid point
    return offset * offset + along_w[None, :]


def _moments(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """Return ``(mean x, mean y, var x, cov(x, y), var y)``.

    Fast path: five sums of the raw data, ``var = E[x^2] - E[x]^2``. That formula
    loses about ``log10(E[x^2] / var(x))`` digits, so when either variable's mean dwarfs
    its spread the centred two-pass formula is used instead.
    """
    n = x.size
    mx, my = x.sum() / n, y.sum() / n
    exx = np.einsum("i,i->", x, x) / n
    exy = np.einsum("i,i->", x, y) / n
    eyy = np.einsum("i,i->", y, y) / n
    vxx, vyy = exx - mx * mx, eyy - my * my
    if vxx > 1e-4 * exx and vyy > 1e-4 * eyy:
        return mx, my, vxx, exy - mx * my, vyy
    dx, dy = x - x.mean(), y - y.mean()
    return x.mean(), y.mean(), np.mean(dx * dx), np.mean(dx * dy), np.mean(dy * dy)


def least_squares(x, y) -> tuple[float, float, float]:
    """Return ``(w_star, b_star, min_loss)``: the MSE's exact minimiser and its loss."""
    x, y = check_data(x, y)
    mx, my = x.mean(), y.mean()
    vxx = np.mean((x - mx) ** 2)
    if vxx == 0:
        raise ValueError(
            f"x must not be constant (every x is {x[0]}): the slope is not "
            "identifiable; use more than one x value"
        )
    w = float(np.mean((x - mx) * (y - my)) / vxx)
    b = float(my - w * mx)
    return w, b, mse(x, y, w, b)


def hessian(x) -> np.ndarray:
    """Return the MSE's Hessian in ``(w, b)``: ``2 [[mean x^2, mean x], [mean x, 1]]``.

    It does not depend on ``y`` or on the point: the loss is quadratic.
    """
    x = check_array("x", x, ndim=1, fix="pass one feature as a finite 1-D array")
    return 2.0 * np.array([[np.mean(x * x), x.mean()], [x.mean(), 1.0]])


def critical_lr(x) -> float:
    """Return ``2 / lambda_max(H)``: full-batch GD converges iff ``lr`` is below it."""
    return float(2.0 / np.linalg.eigvalsh(hessian(x))[-1])


def condition_number(x) -> float:
    """Return ``kappa = lambda_max / lambda_min`` of the Hessian (inf if x constant)."""
    lo, hi = np.linalg.eigvalsh(hessian(x))
    return float(hi / lo) if lo > 0 else math.inf
