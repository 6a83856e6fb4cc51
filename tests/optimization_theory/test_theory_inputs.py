"""Bad arguments raise TypeError (wrong kind) or ValueError (wrong value), named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlxday2.optimization_theory import (
    adaptive,
    landscapes,
    momentum,
    problems,
    rates,
    saddles,
    stochastic,
)

LINE = problems.line_fit()
NOISY = problems.noisy_line(n=10)

CASES = [
    (lambda: momentum.run_method(LINE, "gd", (0, 0), 10, lr=0.0), ValueError, "lr"),
    (lambda: momentum.run_method(LINE, "gd", (0, 0), 10, lr="0.1"), TypeError, "lr"),
    (
        lambda: momentum.run_method(LINE, "gd", (0, 0), 10, lr=math.nan),
        ValueError,
        "lr",
    ),
    (
        lambda: momentum.run_method(LINE, "nesterov", (0, 0), 10, 0.1, 1.0),
        ValueError,
        "momentum",
    ),
    (lambda: momentum.run_method(LINE, "adam", (0, 0), 10, 0.1), ValueError, "method"),
    (lambda: momentum.run_method(LINE, 3, (0, 0), 10, 0.1), TypeError, "method"),
    (lambda: momentum.run_method(LINE, "gd", (0, 0), 1.5, 0.1), TypeError, "steps"),
    (lambda: momentum.run_method(LINE, "gd", (0, 0), -1, 0.1), ValueError, "steps"),
    (
        lambda: momentum.run_method(LINE, "gd", (math.inf, 0), 1, 0.1),
        ValueError,
        "init",
    ),
    (lambda: momentum.run_method(LINE, "gd", (0, 0, 0), 1, 0.1), ValueError, "init"),
    (
        lambda: momentum.tuned_parameters("adam", problems.curvature(LINE)),
        ValueError,
        "method",
    ),
    (
        lambda: problems.least_squares(np.ones((5, 2)), np.ones(4)),
        ValueError,
        "targets",
    ),
    (lambda: problems.least_squares(np.ones(5), np.ones(5)), ValueError, "features"),
    (
        lambda: problems.least_squares(np.full((5, 2), np.nan), np.ones(5)),
        ValueError,
        "features",
    ),
    (lambda: problems.spread_spectrum(null_dims=50), ValueError, "null_dims"),
    (lambda: problems.noisy_line(seed=-1), ValueError, "seed"),
    (lambda: problems.worst_case_quadratic(5, dim=3), ValueError, "dim"),
    (lambda: rates.lower_bound_study("1, 2"), TypeError, "steps"),
    (lambda: stochastic.sgd_excess(NOISY, [0.1, -0.1], (0, 0)), ValueError, "lrs"),
    (
        lambda: stochastic.sgd_excess(NOISY, [0.1], (0, 0), chains=0),
        ValueError,
        "chains",
    ),
    (
        lambda: stochastic.sgd_excess(NOISY, [0.1], (0, 0), batch_size=11),
        ValueError,
        "batch_size",
    ),
    (
        lambda: stochastic.sgd_excess(NOISY, [0.1], (0, 0), sampler="cyclic"),
        ValueError,
        "sampler",
    ),
    (
        lambda: stochastic.sgd_excess(NOISY, [0.1], (0, 0), 2, 3, "reshuffle"),
        ValueError,
        "batch_size",
    ),
    (lambda: stochastic.noise_floor_study(NOISY, [0.0]), ValueError, "lr"),
    (
        lambda: stochastic.minibatch_variance(NOISY, (0, 0), [11]),
        ValueError,
        "batch_sizes",
    ),
    (lambda: stochastic.minibatch_variance(NOISY, (0,), [1]), ValueError, "params"),
    (lambda: stochastic.svrg(NOISY, 0.1, 0, (0, 0)), ValueError, "epochs"),
    (lambda: adaptive.online_counterexample("sgd"), ValueError, "method"),
    (lambda: adaptive.online_counterexample("adam", big_c=1.5), ValueError, "big_c"),
    (lambda: adaptive.online_counterexample("adam", beta1=1.0), ValueError, "beta1"),
    (lambda: saddles.escape_study([1e-3, 0.0]), ValueError, "deltas"),
    (lambda: saddles.escape_study([1e-3], gamma=0.0), ValueError, "gamma"),
    (lambda: saddles.gradient_descent((1.0, 0.1), lr=0.0), ValueError, "lr"),
    (lambda: saddles.gradient_descent((1.0, math.nan)), ValueError, "init"),
    (
        lambda: saddles.perturbed_gradient_descent((1.0, 0.0), kick_radius=0.0),
        ValueError,
        "kick_radius",
    ),
    (
        lambda: saddles.perturbed_gradient_descent((1.0, 0.0), wait=2.5),
        TypeError,
        "wait",
    ),
    (lambda: landscapes.rank_one_matrix(dim=1), ValueError, "dim"),
    (lambda: landscapes.chain_study(length=0), ValueError, "length"),
]


@pytest.mark.parametrize("call, error, name", CASES, ids=[c[2] for c in CASES])
def test_bad_arguments_raise_naming_them(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_plots_draw_the_data_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    from mlxday2.optimization_theory import plots

    flat = problems.spread_spectrum(dim=10, decades=3, seed=0)
    axes = plots.plot_gd_rates(
        rates.gd_rate_curves(LINE, (0.0, 0.0), 50),
        rates.gd_rate_curves(flat, np.zeros(10), 50),
    )
    assert len(axes) == 2 and len(axes[0].lines) == 3
    table = stochastic.minibatch_variance(NOISY, (0.0, 0.0), [1, 2], draws=50)
    drawn = plots.plot_minibatch_variance(table).lines[1].get_ydata()
    np.testing.assert_array_equal(drawn, table.measured)
    chain = landscapes.chain_study(length=2, steps=500)
    ax = plots.plot_chain(chain)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), chain.gd)
