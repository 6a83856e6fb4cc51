"""mlxday2.optimization_theory.saddles: escape time grows like log(1/delta); perturbed GD escapes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mlxday2.optimization_theory import saddles as sd


def test_the_function_has_a_strict_saddle_and_two_minima():
    for point in (sd.SADDLE, *sd.MINIMA):
        np.testing.assert_allclose(sd.saddle_gradient(np.array(point)), 0, atol=1e-15)
    assert sd.saddle_function(np.array(sd.MINIMA)) == pytest.approx([sd.MIN_VALUE] * 2)
    rng = np.random.default_rng(0)
    h = 1e-6
    for point in rng.uniform(-2, 2, (20, 2)):  # the gradient is f's derivative
        f = sd.saddle_function
        numeric = [(f(point + h * e) - f(point - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(
            sd.saddle_gradient(point), numeric, rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3])
def test_escape_steps_grow_like_log_one_over_delta(lr):
    deltas = np.geomspace(1e-2, 1e-12, 11)
    study = sd.escape_study(deltas, lr=lr)
    assert study.steps.notna().all()
    slope = np.polyfit(np.log(1 / study.delta), study.steps.astype(float), 1)[0]
    assert slope == pytest.approx(1 / math.log1p(lr), rel=0.03)
    # The linearisation misses only the last few steps, where y^3 starts to matter:
    # the same few steps whatever delta (up to rounding to whole steps).
    gap = study.steps - study.predicted
    assert gap.max() - gap.min() <= 1.5 and gap.abs().max() <= 5


def test_gradient_descent_on_the_stable_manifold_converges_to_the_saddle():
    path = sd.gradient_descent((1.0, 0.0), lr=0.1, steps=500)
    assert path.escape_step() is None
    np.testing.assert_allclose(path.params[-1], sd.SADDLE, atol=1e-20)


def test_perturbed_gd_escapes_from_the_stable_manifold_for_every_seed():
    study = sd.perturbed_escape_study(range(100), init=(1.0, 0.0), lr=0.1, steps=400)
    assert study.escape_step.notna().all()
    # It ends at a minimum (up to its last kicks, which are at most 1e-3 long).
    np.testing.assert_allclose(study.end_value, sd.MIN_VALUE, atol=1e-5)
    np.testing.assert_allclose(study.end_y.abs(), 1, atol=1e-2)
    assert 0.3 < (study.end_y > 0).mean() < 0.7  # the kick's sign picks the minimum


def test_smaller_kicks_take_longer_to_escape_by_log_of_the_radius():
    # The exercise's claim: a tenfold smaller kick costs log(10) / log(1 + lr) steps.
    lr, means = 0.1, []
    for kick in (1e-2, 1e-4, 1e-6):
        study = sd.perturbed_escape_study(range(40), lr=lr, steps=600, kick_radius=kick)
        means.append(study.escape_step.mean())
    per_decade = np.diff(means) / 2
    np.testing.assert_allclose(per_decade, math.log(10) / math.log1p(lr), rtol=0.15)


def test_perturbed_gd_is_determined_by_its_seed():
    a, again, other = (
        sd.perturbed_gradient_descent((1.0, 0.0), seed=seed).params
        for seed in (3, 3, 4)
    )
    np.testing.assert_array_equal(a, again)
    assert not np.array_equal(a, other)


def test_a_too_large_step_is_reported_as_diverged_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = sd.gradient_descent((0.5, 3.0), lr=0.5, steps=200)
    assert path.diverged and np.all(np.isfinite(path.params))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: sd.escape_study([1e-3, 0.0]), "deltas"),
        (lambda: sd.escape_study([-1e-3]), "deltas"),
        (lambda: sd.gradient_descent((1.0, 0.1), lr=0.0), "lr"),
        (lambda: sd.gradient_descent((1.0, math.nan)), "init"),
        (lambda: sd.gradient_descent((1.0, 0.1, 0.0)), "init"),
        (
            lambda: sd.perturbed_gradient_descent((1.0, 0.0), kick_radius=0.0),
            "kick_radius",
        ),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_plots_draw_the_paths_and_the_study():
    import matplotlib

    matplotlib.use("Agg")
    xs, ys = np.linspace(-1, 1, 11), np.linspace(-1.5, 1.5, 13)
    paths = {"gd": sd.gradient_descent((1.0, 1e-3), steps=50)}
    fig = sd.plot_paths(xs, ys, sd.surface(xs, ys), paths)
    drawn = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_array_equal(drawn, paths["gd"].params[:, 1])
    study = sd.escape_study([1e-2, 1e-4])
    ax = sd.plot_escape(study)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), study.steps)
