"""Escape time grows like log(1/delta) / log(1 + lr gamma); perturbed GD escapes.

The rank-one landscape has no spurious minimum; a chain of saddles costs exponential
time.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mlxday2.optimization_theory import landscapes, saddles


def test_the_function_has_a_strict_saddle_and_two_minima():
    for point in (saddles.SADDLE, *saddles.MINIMA):
        np.testing.assert_allclose(
            saddles.saddle_gradient(np.array(point)), 0, atol=1e-15
        )
    values = saddles.saddle_function(np.array(saddles.MINIMA))
    assert values == pytest.approx([saddles.MIN_VALUE] * 2)
    rng, h, f = np.random.default_rng(0), 1e-6, saddles.saddle_function
    for point in rng.uniform(-2, 2, (20, 2)):
        numeric = [(f(point + h * e) - f(point - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(
            saddles.saddle_gradient(point), numeric, rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3])
def test_escape_steps_grow_like_log_one_over_delta(lr):
    study = saddles.escape_study(np.geomspace(1e-2, 1e-12, 11), lr=lr)
    assert study.steps.notna().all()
    slope = np.polyfit(np.log(1 / study.delta), study.steps.astype(float), 1)[0]
    assert slope == pytest.approx(1 / math.log1p(lr), rel=0.03)
    gap = study.steps - study.predicted
    assert gap.max() - gap.min() <= 1.5 and gap.abs().max() <= 5


@pytest.mark.parametrize("gamma", [0.25, 1.0])
def test_escape_rate_is_set_by_the_negative_curvature(gamma):
    # f = x^2/2 - gamma y^2/2 + gamma y^4/4 has Hessian diag(1, -gamma) at 0.
    def gradient(p):
        return saddles.saddle_gradient(p, gamma)

    steps = []
    for delta in (1e-4, 1e-8):
        run = saddles.gradient_descent((1.0, delta), 0.1, 5000, gradient)
        steps.append(saddles.escape_step(run))
    per_decade = (steps[1] - steps[0]) / 4
    assert per_decade == pytest.approx(math.log(10) / math.log1p(0.1 * gamma), rel=0.03)


def test_gradient_descent_on_the_stable_manifold_converges_to_the_saddle():
    run = saddles.gradient_descent((1.0, 0.0), lr=0.1, steps=500)
    assert saddles.escape_step(run) is None
    np.testing.assert_allclose(run.params[-1], saddles.SADDLE, atol=1e-20)


@pytest.mark.parametrize("gamma", [1.0, 0.1])
def test_a_shallow_saddle_holds_gd_for_log_over_log_one_plus_lr_gamma_steps(gamma):
    escape = saddles.escape_study([1e-6], lr=0.1, gamma=gamma).iloc[0]
    # The linearisation ignores only the y^3 term near |y| = 0.5: a few percent.
    assert 1.0 <= escape.steps / escape.predicted <= 1.05


def test_a_tenfold_shallower_saddle_holds_gd_about_ten_times_longer():
    steep, shallow = (
        saddles.escape_study([1e-6], lr=0.1, gamma=g).iloc[0] for g in (1.0, 0.1)
    )
    predicted = math.log1p(0.1) / math.log1p(0.01)
    np.testing.assert_allclose(shallow.steps / steep.steps, predicted, rtol=0.02)


def test_the_gamma_saddle_gradient_matches_finite_differences():
    point, h, gamma = np.array([0.3, -0.7]), 1e-6, 0.1

    def f(p):
        return 0.5 * p[0] ** 2 + gamma * (p[1] ** 4 / 4 - p[1] ** 2 / 2)

    numeric = [(f(point + h * e) - f(point - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(
        saddles.saddle_gradient(point, gamma), numeric, rtol=1e-6
    )


def test_gd_reaches_a_small_gradient_as_fast_as_the_first_order_theorem_says():
    run = saddles.gradient_descent((1.0, 1e-6), lr=0.1, steps=300)
    squared, bound = saddles.stationarity_check(run, lr=0.1)
    assert np.all(squared <= bound)
    assert np.abs(run.params[:, 1]).max() <= 1.5  # where f is 5.75-smooth


def test_perturbed_gd_escapes_from_the_stable_manifold_for_every_seed():
    study = saddles.perturbed_escape_study(
        range(100), init=(1.0, 0.0), lr=0.1, steps=400
    )
    assert study.escape_step.notna().all()
    np.testing.assert_allclose(study.end_value, saddles.MIN_VALUE, atol=1e-5)
    np.testing.assert_allclose(study.end_y.abs(), 1, atol=1e-2)
    assert 0.3 < (study.end_y > 0).mean() < 0.7


def test_perturbed_gd_takes_its_gradient_at_the_kicked_point():
    rng = np.random.default_rng(0)
    params = np.zeros(2)
    new, since = saddles.perturbed_gd_step(
        params, 10, saddles.saddle_gradient, 0.1, 1e-3, 1e-3, 5, rng
    )
    kicked = saddles.uniform_ball(np.random.default_rng(0), 2, 1e-3)
    expected = kicked - 0.1 * saddles.saddle_gradient(kicked)
    np.testing.assert_allclose(new, expected, rtol=1e-12)
    assert since == 1


def test_smaller_kicks_take_longer_to_escape_by_log_of_the_radius():
    lr, means = 0.1, []
    for kick in (1e-2, 1e-4, 1e-6):
        study = saddles.perturbed_escape_study(
            range(40), lr=lr, steps=600, kick_radius=kick
        )
        means.append(study.escape_step.mean())
    per_decade = np.diff(means) / 2
    np.testing.assert_allclose(per_decade, math.log(10) / math.log1p(lr), rtol=0.15)


def test_perturbed_gd_is_determined_by_its_seed():
    a, again, other = (
        saddles.perturbed_gradient_descent((1.0, 0.0), seed=seed).params
        for seed in (3, 3, 4)
    )
    np.testing.assert_array_equal(a, again)
    assert not np.array_equal(a, other)


def test_a_too_large_step_is_reported_as_diverged_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = saddles.gradient_descent((0.5, 3.0), lr=0.5, steps=200)
    assert run.diverged and np.all(np.isfinite(run.params))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_one_landscape_has_only_strict_saddles_and_global_minima(seed):
    target = landscapes.rank_one_matrix(dim=5, seed=seed)
    points = landscapes.critical_points(target)
    assert (points.gradient_norm < 1e-10).all()
    top = points.eigenvalue == points.eigenvalue.max()
    assert (points.min_curvature[~top] < -0.5).all()
    assert (points.min_curvature[top] > 0).all()
    starts = landscapes.landscape_study(target, range(30), lr=0.05, steps=600)
    assert (starts.distance < 1e-6).all()  # no spurious local minimum reached


def test_chain_escape_time_grows_geometrically_and_kicks_keep_it_flat():
    chain = landscapes.chain_study(length=4, lr=0.1, start=1e-3, steps=5000, seed=0)
    gd = chain.gd.to_numpy()
    assert np.all(gd[1:] > 2.5 * gd[:-1])  # measured ratios 3.6, 3.3, 3.3
    assert chain.perturbed.max() < 2 * chain.perturbed.iloc[0] + 100
    assert chain.perturbed.iloc[-1] < gd[-1] / 10


def test_chain_critical_points_are_strict_saddles():
    def hessian(x, h=1e-6):
        return np.array(
            [
                (
                    landscapes.chain_gradient(x + h * e)
                    - landscapes.chain_gradient(x - h * e)
                )
                / (2 * h)
                for e in np.eye(len(x))
            ]
        )

    for k in range(4):
        point = np.r_[np.ones(k), np.zeros(4 - k)]
        np.testing.assert_allclose(landscapes.chain_gradient(point), 0, atol=1e-12)
        assert np.linalg.eigvalsh(hessian(point))[0] < -0.5
    np.testing.assert_allclose(landscapes.chain_gradient(np.ones(4)), 0, atol=1e-12)
    assert np.linalg.eigvalsh(hessian(np.ones(4)))[0] > 0


def test_chain_gradient_is_a_gradient_its_jacobian_is_symmetric():
    rng, h = np.random.default_rng(0), 1e-6
    for x in rng.uniform(-1.2, 1.2, size=(50, 4)):
        jacobian = np.array(
            [
                (
                    landscapes.chain_gradient(x + h * e)
                    - landscapes.chain_gradient(x - h * e)
                )
                / (2 * h)
                for e in np.eye(4)
            ]
        )
        np.testing.assert_allclose(jacobian, jacobian.T, atol=1e-6)
