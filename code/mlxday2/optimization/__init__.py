"""Optimization: GD, SGD, mini-batch SGD and Adam on a line fit, and its loss surface.

Everything here is about one model, ``y_hat = w * x + b``, fitted by minimising the mean
squared error ``L(w, b) = mean((w * x + b - y) ** 2)``. The loss is a quadratic bowl, so
its Hessian is a constant matrix and the theory of gradient descent on quadratics
applies exactly. The optimizers are written from scratch in numpy so they can be read;
the tests check gradient descent and Adam against ``torch.optim`` step for step. Read in
this order:

* ``problem``: the data, the loss, its gradient and Hessian, the exact minimum;
* ``steps``: the update rules, one small pure function each (``gd_step``, ``adam_step``)
  and the batches SGD draws (``epoch_batches``);
* ``loop``: ``sgd_steps``, the loop the chapter shows, and ``fit_linear``, which checks
  its arguments, runs the loop, records a ``Trajectory`` and stops on divergence;
* ``studies``: the experiments the chapter runs (learning rates, conditioning, methods,
  SGD's noise floor);
* ``plots``: figures. Each takes computed data and an optional ``ax``, draws, and
  returns the Axes. None fits, trains or simulates.

Public functions check their arguments once: bad input raises ``TypeError`` (wrong kind
of thing) or ``ValueError`` (wrong value), naming the argument, the value and the fix.
The step functions and the loss and gradient they are fed check nothing.
"""

from mlxday2.optimization.loop import (
    DEFAULT_MINIBATCH,
    EXPLODE_FACTOR,
    METHODS,
    UPDATES,
    Trajectory,
    fit_linear,
    has_diverged,
    lr_schedule,
    sgd_steps,
)
from mlxday2.optimization.plots import (
    LABELS,
    animate_path,
    plot_conditioning,
    plot_loss,
    plot_lr_sweep,
    plot_method_losses,
    plot_params,
    plot_paths,
    plot_surface_3d,
    plot_surface_contours,
)
from mlxday2.optimization.problem import (
    check_data,
    condition_number,
    critical_lr,
    hessian,
    least_squares,
    line_data,
    loss_surface,
    mse,
    mse_gradient,
    regression_data,
)
from mlxday2.optimization.steps import AdamState, adam_step, epoch_batches, gd_step
from mlxday2.optimization.studies import (
    compare_methods,
    conditioning_study,
    first_step_within,
    gradient_noise,
    lr_sweep,
    sgd_floor,
)
