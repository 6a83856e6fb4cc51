"""mlxday2.optimization_theory.theory: measured rates match the theorems, momentum steps match torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxday2.optimization_theory import theory as th


def torch_momentum_path(problem, init, lrs, momentum, nesterov, dampening=0.0):
    """Return the (len(lrs) + 1, d) path of torch.optim.SGD with momentum."""
    x = torch.tensor(problem.features, dtype=torch.float64)
    y = torch.tensor(problem.targets, dtype=torch.float64)
    theta = torch.tensor(
        np.asarray(init, float), dtype=torch.float64, requires_grad=True
    )
    opt = torch.optim.SGD(
        [theta],
        lr=float(lrs[0]),
        momentum=momentum,
        nesterov=nesterov,
        dampening=dampening,
    )
    path = [theta.detach().numpy().copy()]
    for lr in lrs:
        opt.param_groups[0]["lr"] = float(lr)
        opt.zero_grad()
        ((x @ theta - y) ** 2).mean().backward()
        opt.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


def our_path(problem, method, init, lrs, momentum):
    """Return the path of our step function with a per-step learning rate ``lrs``."""
    params = state = np.asarray(init, float)
    path = [params]
    for lr in lrs:
        grad = problem.gradient(params)
        params, state = th.STEPS[method](params, grad, state, lr, momentum)
        path.append(params)
    return np.array(path)


# ---- curvature -----------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(3, 40),
    dim=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    shift=st.floats(-3, 3),
)
def test_secant_curvatures_lie_between_mu_and_l(n, dim, seed, shift):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, dim)) + shift
    problem = th.least_squares(features, rng.standard_normal(n))
    curv, eigenvalues = th.curvature(problem), np.linalg.eigvalsh(problem.hessian)
    assert curv.smoothness == pytest.approx(eigenvalues[-1])
    ratios = th.secant_curvatures(problem, pairs=200, seed=seed)
    tol = 1e-9 * curv.smoothness
    assert np.all(ratios <= curv.smoothness + tol)
    assert np.all(ratios >= curv.strong_convexity - tol)


def test_line_fit_curvature_is_the_practicals():
    curv = th.curvature(th.line_fit())
    x = np.linspace(0, 1, 100)
    hessian = 2 * np.array([[np.mean(x * x), x.mean()], [x.mean(), 1.0]])
    np.testing.assert_allclose(
        [curv.strong_convexity, curv.smoothness],
        np.linalg.eigvalsh(hessian),
        rtol=1e-12,
    )
    assert 18 < curv.kappa < 20


def test_spread_spectrum_is_rank_deficient_with_the_stated_spectrum():
    problem = th.spread_spectrum(dim=30, decades=5, null_dims=3, seed=1)
    eigenvalues = np.linalg.eigvalsh(problem.hessian)
    np.testing.assert_allclose(eigenvalues[3:], np.geomspace(1e-5, 1, 27), rtol=1e-6)
    assert th.curvature(problem).strong_convexity == 0 and problem.min_loss < 1e-20


# ---- the rates of gradient descent ---------------------------------------------------


@pytest.mark.parametrize("offset", [0.0, 0.5, 1.0])
def test_strongly_convex_rate_is_one_minus_mu_over_l(offset):
    problem = th.line_fit(offset)
    curv = th.curvature(problem)
    steps = int(12 * curv.kappa)  # to about 1e-10 of the start, well above rounding
    curves = th.gd_rate_curves(problem, (0.0, 0.0), steps)
    # The theorem's bound holds at every step ...
    assert np.all(curves.measured <= curves.bound * (1 + 1e-9))
    # ... and on a quadratic the tail falls by (1 - mu/L)^2 per step: the slowest
    # direction alone.
    tail = curves.step > steps // 2
    measured = th.fit_rate(curves.step[tail], curves.measured[tail])
    assert measured == pytest.approx((1 - 1 / curv.kappa) ** 2, rel=1e-4)
    np.testing.assert_allclose(curves.measured[tail], curves.slowest[tail], rtol=1e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_convex_rate_is_one_over_t(seed):
    problem = th.spread_spectrum(seed=seed)
    curves = th.gd_rate_curves(problem, np.zeros(50), 10_000)
    assert curves.curvature.strong_convexity == 0
    assert np.all(curves.measured <= curves.bound)
    window = curves.step >= 10
    exponent, _ = th.fit_power_law(curves.step[window], curves.measured[window])
    assert exponent == pytest.approx(-1.0, abs=0.1)


def test_a_step_above_two_over_l_is_reported_as_diverged_without_warnings():
    problem = th.line_fit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = th.run_method(
            problem, "gd", (0.0, 0.0), 5000, lr=2.2 / th.curvature(problem).smoothness
        )
    assert run.diverged and len(run.params) < 5001 and np.all(np.isfinite(run.excess))


# ---- momentum ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
@pytest.mark.parametrize("lr, momentum", [(0.05, 0.5), (0.2, 0.9), (0.3, 0.3)])
def test_momentum_steps_match_torch_sgd_step_for_step(method, lr, momentum):
    problem = th.noisy_line(n=60, seed=4)
    run = th.run_method(problem, method, (-3.0, 1.5), 80, lr=lr, momentum=momentum)
    ref = torch_momentum_path(
        problem, (-3.0, 1.5), np.full(80, lr), momentum, nesterov=method == "nesterov"
    )
    np.testing.assert_allclose(run.params, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
def test_momentum_differs_from_torch_when_the_lr_changes(method):
    # Our velocity is a distance (it keeps the lr it was made with); torch's buffer is
    # a sum of gradients, rescaled by the current lr. Equal paths until the change.
    problem = th.noisy_line(n=60, seed=4)
    lrs = np.r_[np.full(10, 0.2), np.full(10, 0.05)]
    ours = our_path(problem, method, (-3.0, 1.5), lrs, 0.9)
    ref = torch_momentum_path(
        problem, (-3.0, 1.5), lrs, 0.9, nesterov=method == "nesterov"
    )
    np.testing.assert_allclose(ours[:11], ref[:11], atol=1e-9)
    assert np.abs(ours[12:] - ref[12:]).max() > 1e-3


def test_torch_dampening_scales_the_gradient_differently():
    problem = th.noisy_line(n=60, seed=4)
    ours = our_path(problem, "heavy_ball", (-3.0, 1.5), np.full(20, 0.2), 0.9)
    ref = torch_momentum_path(problem, (-3.0, 1.5), np.full(20, 0.2), 0.9, False, 0.5)
    assert np.abs(ours - ref).max() > 1e-3
    # with momentum 0 heavy ball is gradient descent, as torch's SGD without momentum
    plain = torch_momentum_path(problem, (-3.0, 1.5), np.full(20, 0.2), 0.0, False)
    ours = our_path(problem, "heavy_ball", (-3.0, 1.5), np.full(20, 0.2), 0.0)
    np.testing.assert_allclose(ours, plain, atol=1e-9)


def test_steps_to_accuracy_grow_like_kappa_and_its_square_root():
    study = th.acceleration_study([0, 0.5, 1, 2, 3], tol=1e-6)
    assert study.steps.notna().all()
    assert study.kappa.min() < 20 and study.kappa.max() > 2000
    exponents = {
        m: th.fit_power_law(rows.kappa, rows.steps.astype(float))[0]
        for m, rows in study.groupby("method")
    }
    assert exponents["gd"] == pytest.approx(1.0, abs=0.05)
    assert exponents["heavy_ball"] == pytest.approx(0.5, abs=0.08)
    assert exponents["nesterov"] == pytest.approx(0.5, abs=0.08)
    by_kappa = study.pivot(index="kappa", columns="method", values="steps")
    assert (by_kappa.nesterov < by_kappa.gd).all()
    assert (by_kappa.heavy_ball < by_kappa.gd).all()


# ---- stochastic gradients ------------------------------------------------------------


def test_noise_floor_grows_linearly_with_the_step():
    problem = th.noisy_line()
    lrs = [0.002, 0.005, 0.01, 0.02]
    floor = th.noise_floor_study(problem, lrs, chains=200, seed=3)
    exponent, _ = th.fit_power_law(floor.lr, floor.measured)
    assert exponent == pytest.approx(1.0, abs=0.1)
    ratio = floor.measured / floor.predicted
    assert ratio.between(0.85, 1.2).all(), ratio


def test_decaying_step_keeps_falling_like_one_over_t():
    problem = th.noisy_line()
    curv = th.curvature(problem)
    scale, offset, steps = 2 / curv.strong_convexity, 4 * curv.kappa, 4000
    decaying = th.sgd_excess(
        problem, th.decaying_lrs(steps, scale, offset), (0.0, 0.0), chains=400, seed=5
    )
    constant = th.sgd_excess(
        problem, np.full(steps, 0.02), (0.0, 0.0), chains=400, seed=6
    )
    prediction = th.decaying_prediction(problem, scale, offset, steps)
    window = np.arange(steps + 1) >= 800
    exponent, _ = th.fit_power_law(np.arange(steps + 1)[window], decaying[window])
    assert exponent == pytest.approx(-1.0, abs=0.2)
    ratio = decaying[window].mean() / prediction[window].mean()
    assert ratio == pytest.approx(1, abs=0.2)
    # The constant step has stalled far above where the decaying one has got to.
    assert constant[-500:].mean() > 5 * decaying[-500:].mean()


@pytest.mark.parametrize("replace", [True, False])
def test_minibatch_divides_the_gradient_variance_by_b(replace):
    problem = th.noisy_line()
    table = th.minibatch_variance(
        problem, (0.0, 0.0), [1, 4, 16, 64], draws=4000, replace=replace, seed=7
    )
    ratio = table.measured / table.predicted
    assert ratio.between(0.85, 1.15).all(), ratio
    if replace:
        exponent, _ = th.fit_power_law(table.batch_size, table.measured)
        assert exponent == pytest.approx(-1.0, abs=0.05)


def test_a_full_batch_without_replacement_has_no_variance():
    problem = th.noisy_line(n=50)
    table = th.minibatch_variance(problem, (1.0, -1.0), [50], draws=10, replace=False)
    assert table.measured[0] < 1e-20 and table.predicted[0] == 0


def test_stochastic_results_are_determined_by_the_seed():
    problem = th.noisy_line()
    lrs = np.full(300, 0.01)
    a = th.sgd_excess(problem, lrs, (0.0, 0.0), chains=5, seed=1)
    again = th.sgd_excess(problem, lrs, (0.0, 0.0), chains=5, seed=1)
    other = th.sgd_excess(problem, lrs, (0.0, 0.0), chains=5, seed=2)
    np.testing.assert_array_equal(a, again)
    assert not np.array_equal(a, other)


# ---- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(lr=0.0), "lr"),
        (dict(lr=-1.0), "lr"),
        (dict(lr=math.nan), "lr"),
        (dict(momentum=1.0), "momentum"),
        (dict(momentum=-0.1), "momentum"),
        (dict(init=(math.inf, 0.0)), "init"),
        (dict(init=(0.0, 0.0, 0.0)), "init"),
        (dict(method="adam"), "method"),
        (dict(steps=-1), "steps"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    args = dict(method="heavy_ball", init=(0.0, 0.0), steps=10, lr=0.1, momentum=0.5)
    args |= kwargs
    with pytest.raises(ValueError, match=name):
        th.run_method(th.line_fit(), **args)


def test_bad_problems_and_studies_raise_value_error_naming_them():
    with pytest.raises(ValueError, match="targets"):
        th.least_squares(np.ones((5, 2)), np.ones(4))
    with pytest.raises(ValueError, match="features"):
        th.least_squares(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="features"):
        th.least_squares(np.full((5, 2), np.nan), np.ones(5))
    with pytest.raises(ValueError, match="lrs"):
        th.sgd_excess(th.noisy_line(), [0.1, -0.1], (0.0, 0.0))
    with pytest.raises(ValueError, match="lr"):
        th.noise_floor_study(th.noisy_line(), [0.0])
    with pytest.raises(ValueError, match="chains"):
        th.sgd_excess(th.noisy_line(), [0.1], (0.0, 0.0), chains=0)
    with pytest.raises(ValueError, match="batch_size"):
        th.sgd_excess(th.noisy_line(n=10), [0.1], (0.0, 0.0), batch_size=11)
    with pytest.raises(ValueError, match="batch_sizes"):
        th.minibatch_variance(th.noisy_line(n=10), (0.0, 0.0), [11])
    with pytest.raises(ValueError, match="params"):
        th.minibatch_variance(th.noisy_line(), (0.0,), [1])


def test_exercise_slowest_direction_predicts_steps_to_a_1e8_fold_drop():
    # The chapter's first exercise: after the fast direction is gone, a 1e8-fold drop
    # takes log(1e-8) / (2 log(1 - 1/kappa)) steps, rounded up to a whole step.
    problem = th.line_fit(offset=1)
    kappa = th.curvature(problem).kappa
    predicted = np.log(1e-8) / (2 * np.log(1 - 1 / kappa))
    run = th.gd_rate_curves(problem, (0.0, 0.0), 4000).measured
    assert np.argmax(run[500:] <= run[500] * 1e-8) == math.ceil(predicted)


def test_plots_draw_the_data_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    line, flat = th.line_fit(), th.spread_spectrum(dim=10, decades=3, seed=0)
    fig = th.plot_gd_rates(
        th.gd_rate_curves(line, (0.0, 0.0), 50),
        th.gd_rate_curves(flat, np.zeros(10), 50),
    )
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3
    study = th.acceleration_study([0, 0.5], tol=1e-3)
    ax = th.plot_acceleration(study, {"gd": 1.0, "heavy_ball": 0.5, "nesterov": 0.5})
    assert len(ax.lines) == 6  # markers and theory line per method
    table = th.minibatch_variance(th.noisy_line(), (0.0, 0.0), [1, 2], draws=50)
    drawn = th.plot_minibatch_variance(table).lines[1].get_ydata()
    np.testing.assert_array_equal(drawn, table.measured)
