"""Optimization: GD, SGD, mini-batch SGD and Adam on a line fit, and its loss surface.

Everything here is about one model, ``y_hat = w * x + b``, fitted by minimising the mean
squared error ``L(w, b) = mean((w * x + b - y) ** 2)``. The loss is a quadratic bowl, so
its Hessian is a constant matrix and the theory of gradient descent on quadratics
applies exactly:

* full-batch gradient descent with step ``lr`` converges iff ``lr < 2 / lambda_max(H)``
  (``critical_lr``), and
* with ``lr = 1 / lambda_max`` the slowest direction shrinks by ``1 - 1 / kappa`` per
  step, where ``kappa = lambda_max / lambda_min`` is the condition number (``hessian``,
  ``condition_number``).

The optimizers are written from scratch in numpy so they can be read; the tests check
gradient descent and Adam against ``torch.optim`` step for step. Read in this order:

* ``problem``: the data, the loss, its gradient and Hessian, the exact minimum;
* ``steps``: the update rules, one small pure function each (``gd_step``, ``adam_step``)
  and the batches SGD draws (``epoch_batches``);
* ``fit``: the loop that only iterates, checks for divergence and records
  (``fit_linear`` returns a ``Trajectory``), and the studies the chapter runs;
* ``plots``: figures. Compute functions return data; plot functions take that data and
  an optional ``ax`` (one panel) or ``axes`` (several), draw, and return what they drew
  (the Axes or the array of Axes). They never fit, train or simulate.

Bad input raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (wrong value),
naming the argument, the value and the fix.
"""

from mlxday2.optimization.fit import (
    DEFAULT_MINIBATCH,
    EXPLODE_FACTOR,
    METHODS,
    UPDATES,
    Trajectory,
    compare_methods,
    conditioning_study,
    fit_linear,
    initial_state,
    lr_sweep,
    steps_to_tolerance,
)
from mlxday2.optimization.plots import (
    LABELS,
    animate_path,
    plot_conditioning,
    plot_convergence,
    plot_lr_sweep,
    plot_method_losses,
    plot_method_paths,
    plot_surface_3d,
    plot_surface_contours,
)
from mlxday2.optimization.problem import (
    check_data,
    condition_number,
    critical_lr,
    data_moments,
    hessian,
    least_squares,
    line_data,
    loss_surface,
    mse,
    mse_gradient,
    regression_data,
    surface_from_moments,
)
from mlxday2.optimization.steps import AdamState, adam_step, epoch_batches, gd_step

__all__ = [
    "AdamState",
    "DEFAULT_MINIBATCH",
    "EXPLODE_FACTOR",
    "LABELS",
    "METHODS",
    "UPDATES",
    "Trajectory",
    "adam_step",
    "animate_path",
    "check_data",
    "compare_methods",
    "condition_number",
    "conditioning_study",
    "critical_lr",
    "data_moments",
    "epoch_batches",
    "fit_linear",
    "gd_step",
    "hessian",
    "initial_state",
    "least_squares",
    "line_data",
    "loss_surface",
    "lr_sweep",
    "mse",
    "mse_gradient",
    "plot_conditioning",
    "plot_convergence",
    "plot_lr_sweep",
    "plot_method_losses",
    "plot_method_paths",
    "plot_surface_3d",
    "plot_surface_contours",
    "regression_data",
    "steps_to_tolerance",
    "surface_from_moments",
]
