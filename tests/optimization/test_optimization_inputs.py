"""Bad input to mlxday2.optimization's public functions: one table, one row per wiring.

The checks themselves (wording, TypeError vs ValueError) are tested once in
tests/core/test_checks.py; each row here proves that one argument of one public function
is checked, with a message naming it. The step functions (``gd_step``, ``adam_step``,
``epoch_batches``) and the loss and gradient they are fed (``mse``, ``mse_gradient``)
are pure algorithm and check nothing: their callers do.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlxday2 import optimization as optim

NAN, INF = float("nan"), float("inf")
X, Y = optim.line_data(20)
W_AXIS, B_AXIS = np.linspace(0, 1, 5), np.linspace(0, 1, 4)
GRID = np.meshgrid(W_AXIS, B_AXIS)
SURFACE = optim.loss_surface(X, Y, W_AXIS, B_AXIS)
CONTOURS = optim.plot_surface_contours


def run():
    return optim.fit_linear(X, Y, "gd", 0.1, 3)


def fit(**kwargs):
    return optim.fit_linear(X, Y, **(dict(method="gd", lr=0.1, epochs=5) | kwargs))


BAD_CALLS = [
    # (function, args, kwargs, error, the argument the message must start with)
    (fit, (), dict(lr=0.0), ValueError, "lr"),
    (fit, (), dict(lr=NAN), ValueError, "lr"),
    (fit, (), dict(lr="0.1"), TypeError, "lr"),
    (fit, (), dict(epochs=0), ValueError, "epochs"),
    (fit, (), dict(epochs=2.5), TypeError, "epochs"),
    (fit, (), dict(method="newton"), ValueError, "method"),
    (fit, (), dict(method=None), TypeError, "method"),
    (fit, (), dict(method="minibatch", batch_size=21), ValueError, "batch_size"),
    (fit, (), dict(method="minibatch", batch_size=2.0), TypeError, "batch_size"),
    (fit, (), dict(method="sgd", batch_size=5), ValueError, "batch_size"),
    (fit, (), dict(init=(0.0,)), ValueError, "init"),
    (fit, (), dict(init=(NAN, 0.0)), ValueError, "init"),
    (fit, (), dict(seed=-1), ValueError, "seed"),
    (fit, (), dict(seed="0"), TypeError, "seed"),
    (fit, (), dict(decay_steps=0), ValueError, "decay_steps"),
    (fit, (), dict(replace="yes"), TypeError, "replace"),
    (optim.fit_linear, (X, Y[:-1], "gd", 0.1, 5), {}, ValueError, "x and y"),
    (optim.fit_linear, (X, np.r_[Y[:-1], NAN], "gd", 0.1, 5), {}, ValueError, "y"),
    (optim.line_data, (), dict(n=0), ValueError, "n"),
    (optim.line_data, (), dict(n="5"), TypeError, "n"),
    (optim.line_data, (), dict(slope=NAN), ValueError, "slope"),
    (optim.line_data, (), dict(intercept=INF), ValueError, "intercept"),
    (optim.line_data, (), dict(offset="1"), TypeError, "offset"),
    (optim.regression_data, (), dict(n=0), ValueError, "n"),
    (optim.regression_data, (), dict(noise=-1.0), ValueError, "noise"),
    (optim.regression_data, (), dict(bias=INF), ValueError, "bias"),
    (optim.regression_data, (), dict(seed=1.5), TypeError, "seed"),
    (optim.check_data, (None, Y), {}, TypeError, "x"),
    (optim.check_data, (X.reshape(4, 5), Y), {}, ValueError, "x"),
    (optim.check_data, (X.astype(complex), Y), {}, TypeError, "x"),
    (optim.loss_surface, (X, Y, [], [0.0]), {}, ValueError, "w"),
    (optim.loss_surface, (X, Y, [0.0], "b"), {}, TypeError, "b"),
    (optim.loss_surface, (np.r_[X[:-1], INF], Y, [0.0], [0.0]), {}, ValueError, "x"),
    (optim.least_squares, (np.ones(5), np.arange(5.0)), {}, ValueError, "x"),
    (optim.hessian, ([NAN, 1.0],), {}, ValueError, "x"),
    (optim.critical_lr, (None,), {}, TypeError, "x"),
    (optim.condition_number, ([[1.0, 2.0]],), {}, ValueError, "x"),
    (optim.lr_sweep, (X, Y, []), {}, ValueError, "lrs"),
    (optim.lr_sweep, (X, Y, [0.1, -1.0]), {}, ValueError, "lrs"),
    (optim.lr_sweep, (X, Y, [0.1]), dict(epochs=0), ValueError, "epochs"),
    (optim.first_step_within, (None, (5, 2)), {}, TypeError, "traj"),
    (optim.first_step_within, (run(), (5,)), {}, ValueError, "target"),
    (optim.first_step_within, (run(), (5, 2), 1.5), {}, ValueError, "tol"),
    (optim.conditioning_study, ([NAN],), {}, ValueError, "offsets"),
    (optim.conditioning_study, ([100.0],), {}, ValueError, "offsets"),
    (optim.conditioning_study, ([0.0],), dict(n=1), ValueError, "n"),
    (optim.compare_methods, (X, Y, {}, 3), {}, ValueError, "lrs"),
    (optim.compare_methods, (X, Y, [0.1], 3), {}, TypeError, "lrs"),
    (optim.compare_methods, (X, Y, {"newton": 1.0}, 3), {}, ValueError, "method"),
    (optim.compare_methods, (X, Y, {"gd": -1.0}, 3), {}, ValueError, "lr"),
    (optim.gradient_noise, (X, "y"), {}, TypeError, "y"),
    (optim.sgd_floor, (X, Y, 0.01, 1, 0), {}, ValueError, "epochs"),
    (optim.sgd_floor, (X, Y, 0.01, 10, 10), {}, ValueError, "burn_in"),
    (optim.sgd_floor, (X, Y, 10.0, 10, 2), {}, ValueError, "lr"),
    (optim.plot_surface_contours, (*GRID, SURFACE[:-1]), {}, ValueError, "W, B and L"),
    (CONTOURS, (*GRID, SURFACE), dict(levels=1), ValueError, "levels"),
    (CONTOURS, (*GRID, SURFACE), dict(paths=[1]), TypeError, "paths"),
    (
        CONTOURS,
        (*GRID, SURFACE),
        dict(paths={"a": np.zeros((3, 3))}),
        ValueError,
        r"paths\['a'\]",
    ),
    (optim.plot_surface_3d, (*GRID, SURFACE), dict(path=np.zeros((2, 2))), ValueError,
     "path and path_loss"),
    (optim.plot_params, (None, (5, 2)), {}, TypeError, "traj"),
    (optim.plot_params, (run(), (5,)), {}, ValueError, "target"),
    (optim.plot_loss, ("run",), {}, TypeError, "traj"),
    (optim.plot_paths, (*GRID, SURFACE, {}), {}, ValueError, "runs"),
    (optim.plot_paths, (*GRID, SURFACE, {"sgd2": run()}), {}, ValueError, "runs' keys"),
    (optim.animate_path, (*GRID, SURFACE, run()), dict(frames=0), ValueError, "frames"),
    (optim.plot_lr_sweep, (None, 1.0), {}, TypeError, "sweep"),
    (optim.plot_conditioning, ("study",), {}, TypeError, "study"),
    (optim.plot_method_losses, ({"gd": run()}, NAN), {}, ValueError, "best_loss"),
    (optim.plot_method_losses, ({"gd": run()}, 0.0), dict(by="t"), ValueError, "by"),
]  # fmt: skip


@pytest.mark.parametrize(
    "function, args, kwargs, error, name",
    BAD_CALLS,
    ids=[f"{c[0].__name__}-{c[4]}-{k}" for k, c in enumerate(BAD_CALLS)],
)
def test_every_public_function_rejects_bad_input_naming_the_argument(
    function, args, kwargs, error, name
):
    with pytest.raises(error, match=rf"^{name} must"):
        function(*args, **kwargs)
    plt.close("all")


def test_every_public_function_has_a_row():
    """A new public function of the package needs a row above (or a reason here)."""
    unchecked = {"gd_step", "adam_step", "epoch_batches", "mse", "mse_gradient",
                 "sgd_steps", "lr_schedule", "has_diverged"}  # fmt: skip
    public = {
        name
        for name, value in vars(optim).items()
        if callable(value) and not isinstance(value, type) and not name.startswith("_")
        and getattr(value, "__module__", "").startswith("mlxday2.optimization")
    }  # fmt: skip
    tested = {c[0].__name__ for c in BAD_CALLS} - {"fit"} | {"fit_linear"}
    assert public - unchecked == tested
