"""mlxday2.optimization: the optimizers match torch.optim, the step-size bound is sharp,
the surface is exact, and every claim of the chapter and its exercises holds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxday2 import optimization as optim


def torch_reference(x, y, method, lr, epochs, init=(0.0, 0.0)):
    """Return the (epochs + 1, 2) path and losses of torch.optim.SGD / Adam."""
    xt, yt = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    w = torch.tensor(init[0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(init[1], dtype=torch.float64, requires_grad=True)
    opt = (torch.optim.SGD if method == "gd" else torch.optim.Adam)([w, b], lr=lr)
    params, losses = [(init[0], init[1])], []
    for _ in range(epochs):
        opt.zero_grad()
        loss = ((w * xt + b - yt) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
        params.append((w.item(), b.item()))
    with torch.no_grad():
        losses.append(((w * xt + b - yt) ** 2).mean().item())
    return np.array(params), np.array(losses)


@pytest.fixture
def noisy():
    x, y, _ = optim.regression_data(n=80, seed=3)
    return x, y


@pytest.mark.parametrize(
    "method, lr", [("gd", 0.05), ("gd", 0.8), ("adam", 0.5), ("adam", 3.0)]
)
def test_full_batch_gd_and_adam_match_torch_step_for_step(noisy, method, lr):
    """Whole 60-step runs agree with torch to 1e-9.

    numpy and torch sum in different orders, so the paths differ by rounding (about
    1e-14 measured). The tolerance is safe because the runs are not chaotic: the test
    checks that perturbing the data by 1e-13 (relative, far above rounding) moves the
    path by less than 1e-9 too.
    """
    x, y = noisy
    traj = optim.fit_linear(x, y, method, lr, epochs=60, init=(-3.0, 1.5))
    ref_params, ref_loss = torch_reference(x, y, method, lr, 60, init=(-3.0, 1.5))
    assert traj.params.shape == (61, 2) and not traj.diverged
    np.testing.assert_allclose(traj.params, ref_params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(traj.loss, ref_loss, rtol=1e-12, atol=1e-9)
    nudged = optim.fit_linear(
        x, y * (1 + 1e-13), method, lr, epochs=60, init=(-3.0, 1.5)
    )
    assert np.abs(nudged.params - traj.params).max() < 1e-9


def test_adam_step_matches_torch_one_step_at_a_time():
    """Fed the same gradients, adam_step and torch.optim.Adam agree at every step.

    No error accumulates: the state compared is torch's own after each step.
    """
    rng = np.random.default_rng(0)
    lr, params = 0.1, rng.normal(size=3)
    weights = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([weights], lr=lr)
    state = optim.AdamState.zeros(3)
    for t in range(1, 31):
        grad = rng.normal(size=3) * 10.0 ** rng.uniform(-3, 3)
        weights.grad = torch.tensor(grad)
        adam.step()
        params, state = optim.adam_step(params, grad, state, lr)
        ref = adam.state[weights]
        assert state.t == t == int(ref["step"])
        np.testing.assert_allclose(state.m, ref["exp_avg"].numpy(), rtol=1e-13)
        np.testing.assert_allclose(state.v, ref["exp_avg_sq"].numpy(), rtol=1e-13)
        np.testing.assert_allclose(params, weights.detach().numpy(), rtol=0, atol=1e-13)
        params = weights.detach().numpy().copy()  # continue from torch's point exactly
        state = optim.AdamState(
            ref["exp_avg"].numpy().copy(), ref["exp_avg_sq"].numpy().copy(), t
        )


def test_gd_step_is_plain_gradient_descent_and_changes_nothing_in_place():
    params, grad = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    new, state = optim.gd_step(params, grad, None, 0.25)
    np.testing.assert_array_equal(new, [0.875, -3.0])
    assert state is None
    np.testing.assert_array_equal(params, [1.0, -2.0])


@pytest.mark.parametrize(
    "method, lr, batch_size",
    [("gd", 0.1, None), ("sgd", 0.01, None), ("minibatch", 0.05, 7), ("adam", 0.5, 10)],
)
def test_fit_linear_records_exactly_what_sgd_steps_yields(
    noisy, method, lr, batch_size
):
    """fit_linear adds nothing to the algorithm: its path is the generator's, step by
    step, and its loss is the full-data loss at each point."""
    x, y = noisy
    traj = optim.fit_linear(x, y, method, lr, 2, batch_size=batch_size, seed=5)
    state = optim.AdamState.zeros() if method == "adam" else None
    steps = optim.sgd_steps(
        x, y, optim.UPDATES[method], state, lambda t: lr, 2, traj.batch_size,
        np.random.default_rng(5), np.zeros(2),
    )  # fmt: skip
    path = [np.zeros(2)] + [theta for _, _, theta in steps]
    np.testing.assert_array_equal(traj.params, np.array(path))
    np.testing.assert_array_equal(traj.loss, [optim.mse(x, y, *p) for p in path])


def test_sgd_steps_calls_the_schedule_with_the_step_number(noisy):
    x, y = noisy
    seen = []

    def schedule(t):
        seen.append(t)
        return 0.01

    rng = np.random.default_rng(0)
    steps = optim.sgd_steps(
        x, y, optim.gd_step, None, schedule, 2, 40, rng, np.zeros(2)
    )
    assert [epoch for epoch, _, _ in steps] == [0, 0, 1, 1]
    assert seen == [0, 1, 2, 3]


def test_lr_schedule_decays_like_one_over_t():
    constant, decaying = optim.lr_schedule(0.1), optim.lr_schedule(0.1, 300)
    assert constant(0) == constant(10**6) == 0.1
    assert decaying(0) == 0.1
    assert decaying(300) == pytest.approx(0.05)
    assert decaying(2700) == pytest.approx(0.01)


def test_epoch_batches_reshuffle_covers_every_sample_once():
    rng = np.random.default_rng(0)
    batches = optim.epoch_batches(10, 4, rng)
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
    np.testing.assert_array_equal(optim.epoch_batches(10, 10, rng)[0], np.arange(10))


def test_epoch_batches_with_replacement_repeat_samples():
    """100 draws of 1 from 100 with replacement miss some sample with probability
    1 - 100!/100^100 (about 1 - 1e-42)."""
    batches = optim.epoch_batches(100, 1, np.random.default_rng(0), replace=True)
    drawn = np.concatenate(batches)
    assert len(batches) == 100 and len(np.unique(drawn)) < 100


def test_mse_gradient_matches_finite_differences(noisy):
    x, y = noisy
    params, h = np.array([3.0, -1.0]), 1e-6
    grad = optim.mse_gradient(x, y, params)
    for k in range(2):
        step = np.eye(2)[k] * h
        numeric = (
            optim.mse(x, y, *(params + step)) - optim.mse(x, y, *(params - step))
        ) / (2 * h)
        assert grad[k] == pytest.approx(numeric, rel=1e-6)


def test_gd_on_the_line_reaches_5_and_2():
    x, y = optim.line_data()
    traj = optim.fit_linear(x, y, "gd", 0.5, 500)
    np.testing.assert_allclose(traj.params[-1], [5.0, 2.0], atol=1e-8)
    assert traj.loss[0] == pytest.approx(np.mean(y**2))


def test_line_data_offset_moves_x_and_keeps_the_line():
    x, y = optim.line_data(10, offset=3.0)
    np.testing.assert_allclose(x, np.linspace(3, 4, 10))
    np.testing.assert_allclose(y, 5 * x + 2)


def shifted_data():
    x = np.linspace(0, 1, 50) + 2.0
    return x, 5 * x + 2 + np.sin(7 * x)


@pytest.mark.parametrize("data", ["line", "noisy", "shifted"])
def test_critical_lr_is_the_sharp_bound(data, noisy):
    x, y = {"line": optim.line_data(), "noisy": noisy, "shifted": shifted_data()}[data]
    crit = optim.critical_lr(x)
    np.testing.assert_allclose(crit, 2 / np.linalg.eigvalsh(optim.hessian(x)).max())
    _, _, best = optim.least_squares(x, y)
    below = optim.fit_linear(x, y, "gd", 0.99 * crit, 20_000)
    above = optim.fit_linear(x, y, "gd", 1.01 * crit, 20_000)
    assert not below.diverged and below.loss[-1] - best < 1e-8 * (below.loss[0] + 1)
    assert above.diverged and above.loss[-1] > above.loss[0]
    assert above.steps < 20_000  # stopped early


def test_divergence_stops_early_without_numpy_warnings():
    x, y = optim.line_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning fails the test
        for lr in (2.0, 1e6, 1e200):
            traj = optim.fit_linear(x, y, "gd", lr, 10_000)
            assert traj.diverged and traj.steps < 10_000
            assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
        assert optim.fit_linear(x, y, "sgd", 50.0, 100).diverged


def test_has_diverged_is_the_one_rule():
    assert not optim.has_diverged(optim.EXPLODE_FACTOR * 2.0, 2.0)
    assert optim.has_diverged(optim.EXPLODE_FACTOR * 2.0 * (1 + 1e-12), 2.0)
    assert optim.has_diverged(float("nan"), 1.0) and optim.has_diverged(np.inf, 1.0)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.01, 100),
    shift=st.floats(-50, 50),
)
def test_loss_surface_equals_brute_force(n, seed, scale, shift):
    rng = np.random.default_rng(seed)
    x = shift + scale * rng.normal(size=n)
    y = rng.normal(size=n) * scale + 3 * x
    w, b = np.linspace(-5, 8, 7), np.linspace(-60, 60, 5)
    surface = optim.loss_surface(x, y, w, b)
    brute = np.array([[np.mean((wi * x + bi - y) ** 2) for wi in w] for bi in b])
    assert surface.shape == (len(b), len(w))
    np.testing.assert_allclose(surface, brute, rtol=1e-9, atol=1e-9 * brute.max())


def test_loss_surface_minimum_is_least_squares(noisy):
    x, y = noisy
    w_star, b_star, best = optim.least_squares(x, y)
    surface = optim.loss_surface(
        x, y, [w_star - 1, w_star, w_star + 1], [b_star - 1, b_star, b_star + 1]
    )
    assert surface[1, 1] == pytest.approx(best, rel=1e-12)
    assert surface.argmin() == 4


@pytest.mark.parametrize(
    "method, batch_size", [("sgd", None), ("minibatch", 7), ("adam", 10)]
)
def test_stochastic_paths_are_determined_by_seed(noisy, method, batch_size):
    x, y = noisy
    lr = 0.01 if method != "adam" else 1.0

    def run(seed):
        return optim.fit_linear(x, y, method, lr, 3, batch_size=batch_size, seed=seed)

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_step_counts_epochs_and_gradient_evaluations(noisy):
    x, y = noisy  # 80 samples
    sgd = optim.fit_linear(x, y, "sgd", 0.001, 2)
    mini = optim.fit_linear(x, y, "minibatch", 0.01, 2, batch_size=30)  # 30, 30, 20
    gd = optim.fit_linear(x, y, "gd", 0.1, 2)
    assert (sgd.steps, mini.steps, gd.steps) == (160, 6, 2)
    assert sgd.grad_evals[-1] == mini.grad_evals[-1] == gd.grad_evals[-1] == 160
    np.testing.assert_allclose(
        mini.epoch, [0, 30 / 80, 60 / 80, 1, 1 + 30 / 80, 1 + 60 / 80, 2]
    )


def test_one_sgd_epoch_visits_every_sample_once(noisy):
    """With lr tiny the update is linear in the gradients, so one SGD epoch equals one
    GD step of n * lr. The gap is second order in lr (about 1e-9 relative here, 1000
    times below the tolerance), not rounding luck."""
    x, y = noisy
    lr = 1e-11
    sgd = optim.fit_linear(x, y, "sgd", lr, 1)
    gd = optim.fit_linear(x, y, "gd", lr * len(x), 1)
    np.testing.assert_allclose(sgd.params[-1], gd.params[-1], rtol=1e-6)


def test_conditioning_theory_matches_experiment():
    study = optim.conditioning_study([0.0, 1.0, 2.0])
    assert study.kappa.is_monotonic_increasing
    assert np.all(np.abs(study.measured_steps - study.predicted_steps) <= 1)


def test_first_step_within_is_the_first_hit_not_the_last():
    x, y = optim.line_data()
    crit = optim.critical_lr(x)
    run = optim.fit_linear(x, y, "gd", 0.5, 200)
    dist = np.linalg.norm(run.params - (5, 2), axis=1)
    first = optim.first_step_within(run, (5, 2), 1e-3)
    assert dist[first] <= 1e-3 * dist[0] < dist[first - 1]
    assert optim.first_step_within(run, (5, 2), 1e-300) is None
    assert crit > 0.5


def test_lr_sweep_flags_exactly_the_rates_above_the_bound():
    x, y = optim.line_data()
    crit = optim.critical_lr(x)
    sweep = optim.lr_sweep(
        x, y, crit * np.array([0.5, 0.9, 0.98, 1.02, 1.1, 1.5]), epochs=3000
    )
    np.testing.assert_array_equal(sweep.diverged, sweep.lr > crit)


def test_adam_in_compare_methods_runs_on_full_batches(noisy):
    x, y = noisy
    runs = optim.compare_methods(x, y, {"adam": 1.0, "minibatch": 0.01}, epochs=3)
    assert runs["adam"].batch_size == len(x) and runs["adam"].steps == 3
    assert runs["minibatch"].batch_size == optim.DEFAULT_MINIBATCH


def test_adam_steps_are_at_most_about_lr_and_shrink_when_gradients_disagree():
    """Kingma and Ba (2015, section 2.1): |step| <~ lr per coordinate; the first step is
    lr * sign(g) exactly; a gradient that flips sign shrinks the step."""
    lr, state, params = 0.1, optim.AdamState.zeros(2), np.zeros(2)
    rng = np.random.default_rng(0)
    first, state = optim.adam_step(params, np.array([1e3, -1e-3]), state, lr)
    np.testing.assert_allclose(first, [-lr, lr], rtol=1e-4)
    steps = []
    for t in range(200):
        grad = np.array([(-1.0) ** t, 1.0]) * rng.uniform(0.5, 2.0, size=2)
        new, state = optim.adam_step(params, grad, state, lr)
        steps.append(np.abs(new - params))
        params = new
    steps = np.array(steps)
    assert steps.max() < 1.5 * lr  # measured 1.14 lr: "at most about lr"
    assert steps[-50:, 0].mean() < 0.2 * steps[-50:, 1].mean()


def test_sgd_steps_with_replacement_floor_matches_the_theory_reshuffling_is_lower():
    """The theory chapter's floor lr tr(Sigma) / 4 describes sampling with replacement;
    random reshuffling ends its epochs far lower (the chapter quotes the ratio).

    Measured on seeds 0-2: with replacement 0.88-1.09 of the formula, reshuffling 0.24-
    0.28 of it; the test asks for 0.6-1.4 and below 0.5.
    """
    x, y, _ = optim.regression_data(n=100, seed=0)
    formula = 0.01 * optim.gradient_noise(x, y) / 4
    floors = [optim.sgd_floor(x, y, 0.01, 300, 20, seed=s) for s in range(3)]
    replace = np.mean([f["replace"] for f in floors])
    reshuffle = np.mean([f["reshuffle"] for f in floors])
    assert 0.6 * formula < replace < 1.4 * formula
    assert reshuffle < 0.5 * formula


def test_gradient_noise_is_the_trace_of_the_per_sample_gradient_covariance(noisy):
    x, y = noisy
    w, b, _ = optim.least_squares(x, y)
    grads = np.array([optim.mse_gradient(x[i : i + 1], y[i : i + 1], np.array([w, b]))
                      for i in range(len(x))])  # fmt: skip
    np.testing.assert_allclose(grads.mean(axis=0), 0, atol=1e-9)
    expected = np.trace(np.cov(grads.T, bias=True))
    assert optim.gradient_noise(x, y) == pytest.approx(expected, rel=1e-12)


# --- Properties the chapter's exercises state ---------------------------------------


@pytest.mark.parametrize("fraction", [0.5, 1.2, 1.5, 1.9])
@pytest.mark.parametrize("data", ["line", "shifted"])
def test_between_one_and_two_over_lambda_max_only_the_steep_direction_flips(
    data, fraction
):
    """Along each eigenvector the error is multiplied by 1 - lr * lambda: for lr in
    (1/lambda_max, 2/lambda_max) the steep factor is negative, the flat one positive
    (on data whose kappa is well above 2), and the run converges."""
    x, y = optim.line_data() if data == "line" else shifted_data()
    eigenvalues, eigenvectors = np.linalg.eigh(optim.hessian(x))
    assert eigenvalues[1] / eigenvalues[0] > 10
    lr = fraction / eigenvalues[-1]
    w_star, b_star, _ = optim.least_squares(x, y)
    run = optim.fit_linear(x, y, "gd", lr, 40, init=(w_star + 3.0, b_star - 2.0))
    along = (run.params - (w_star, b_star)) @ eigenvectors
    factors = along[1:6] / along[:5]
    expected = np.broadcast_to(1 - lr * eigenvalues, factors.shape)
    np.testing.assert_allclose(factors, expected, rtol=0, atol=1e-6)
    assert np.all(factors[:, 0] > 0)
    assert np.all(np.sign(factors[:, 1]) == np.sign(1 - fraction))
    assert not run.diverged and run.loss[-1] < run.loss[0]


def test_the_line_fits_slow_direction_puts_w_below_and_b_above_their_targets():
    """From (0, 0) on y = 5x + 2, x in [0, 1], the error left on the slow eigenvector
    has w < 5 and b > 2: why b overshoots while w creeps."""
    x, y = optim.line_data()
    slow = np.linalg.eigh(optim.hessian(x))[1][:, 0]
    left = ((np.zeros(2) - (5, 2)) @ slow) * slow
    assert left[0] < -1 and left[1] > 1
    run = optim.fit_linear(x, y, "gd", 0.5, 150)
    assert run.params[:, 1].max() > 2 + 0.5 * left[1]


def test_centring_the_feature_makes_kappa_one_over_its_variance():
    x = np.linspace(0, 1, 100) + 3.0
    centred = x - x.mean()
    assert optim.hessian(centred)[0, 1] == pytest.approx(0.0, abs=1e-12)
    assert optim.condition_number(centred) == pytest.approx(
        1 / np.var(centred), rel=1e-9
    )
    study = optim.conditioning_study([-0.5, 1.0])
    assert study.offset[0] == -0.5
    assert study.kappa[0] == pytest.approx(1 / np.var(centred))
    assert study.measured_steps[0] * 5 < study.measured_steps[1]


def test_a_decaying_rate_lowers_sgds_noise_floor():
    """Averaged over seeds, 1/t decay ends far closer to the minimum than constant lr,
    and is behind it after the first epoch, for every seed.

    Measured on seeds 0-9: hundreds of times closer at the end; after one epoch 1.5 to
    2.5 times further. The test asks for 10 times, and for "further" on each seed.
    """
    x, y, _ = optim.regression_data(n=100, seed=0)
    best = optim.least_squares(x, y)[2]
    constant, decaying = [], []
    for seed in range(4):
        run = optim.fit_linear(x, y, "sgd", 0.01, 30, seed=seed)
        decay = optim.fit_linear(x, y, "sgd", 0.01, 30, seed=seed, decay_steps=300)
        assert decay.loss[100] > run.loss[100]  # after the first epoch
        constant.append(run.loss[-1] - best)
        decaying.append(decay.loss[-1] - best)
    assert np.mean(decaying) * 10 < np.mean(constant)


def test_plot_functions_draw_on_the_axes_they_are_given_and_return_them(noisy):
    import matplotlib.pyplot as plt

    x, y = noisy
    w, b = np.linspace(-10, 60, 21), np.linspace(-10, 60, 19)
    W, B = np.meshgrid(w, b)
    L = optim.loss_surface(x, y, w, b)
    lrs = {"gd": 0.1, "sgd": 0.01, "minibatch": 0.05, "adam": 1.0}
    runs = optim.compare_methods(x, y, lrs, epochs=2)
    traj = runs["gd"]
    _, axes = plt.subplots(2, 3)
    ax = axes.flat[0]
    assert optim.plot_surface_contours(W, B, L, ax=ax, paths={"gd": traj.params}) is ax
    assert len(ax.lines) == 2  # the path and its start
    assert optim.plot_params(traj, (5, 2), ax=axes.flat[1]) is axes.flat[1]
    assert optim.plot_loss(traj, ax=axes.flat[2]) is axes.flat[2]
    drawn = optim.plot_method_losses(runs, 0.0, by="grad_evals", ax=axes.flat[3])
    assert drawn is axes.flat[3] and drawn.get_xscale() == "log"
    styles = {(line.get_linestyle(), line.get_color()) for line in drawn.lines}
    assert len(styles) == 4  # told apart by line style as well as colour
    assert len({line.get_linestyle() for line in drawn.lines}) == 4
    paths = optim.plot_paths(W, B, L, runs, ax=axes.flat[4])
    markers = {line.get_marker() for line in paths.lines[::2]}
    assert len(markers) == 4
    one = optim.plot_paths(W, B, L, {"adam": runs["adam"]}, ax=axes.flat[5])
    assert one.get_title().startswith("Adam")
    ax3d = plt.figure().add_subplot(projection="3d")
    drawn = optim.plot_surface_3d(W, B, L, ax=ax3d, path=traj.params,
                                  path_loss=traj.loss)  # fmt: skip
    assert drawn is ax3d
    assert optim.plot_surface_3d(W, B, L).name == "3d"
    sweep = optim.lr_sweep(*optim.line_data(), [0.1, 2.0], epochs=5)
    _, ax = plt.subplots()
    assert optim.plot_lr_sweep(sweep, optim.critical_lr(optim.line_data()[0]), ax) is ax
    _, ax = plt.subplots()
    study = optim.conditioning_study([0.0], tol=1e-2)
    assert optim.plot_conditioning(study, ax=ax) is ax
    plt.close("all")


def test_the_chapters_adam_run_keeps_steps_below_lr_and_shrinks_them_near_the_end():
    """The chapter's comparison: Adam at lr 3 on the make_regression data."""
    x, y, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    run = optim.compare_methods(x, y, {"adam": 3.0}, epochs=30)["adam"]
    moves = np.abs(np.diff(run.params, axis=0))
    np.testing.assert_allclose(moves[0], 3.0, rtol=1e-6)
    assert moves.max() <= 3.0 * (1 + 1e-6)
    assert moves[-10:].max() < 0.5 * 3.0  # measured 0.99


def test_the_chapters_mini_batch_sgd_sits_below_its_sgd_on_every_seed():
    """The comparison's rates (SGD 0.01, mini-batch 0.05, batches of 16): the mean loss
    over the last 20 of 30 epochs is lower for mini-batch SGD on every seed.

    Measured on seeds 0-7: 0.35 to 0.57 of SGD's; the test asks for below 0.75.
    """
    x, y, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    best = optim.least_squares(x, y)[2]
    for seed in range(4):
        runs = optim.compare_methods(
            x, y, {"sgd": 0.01, "minibatch": 0.05}, 30, seed=seed
        )
        late = {m: run.loss[run.epoch > 10].mean() - best for m, run in runs.items()}
        assert late["minibatch"] < 0.75 * late["sgd"]


def test_adam_step_reaches_3_2_lr_after_a_long_run_of_zero_gradients():
    """Kingma and Ba's section 2.1: lr (1 - beta1) / sqrt(1 - beta2), about 3.16 lr
    with the defaults, reached when a gradient follows thousands of zero gradients."""
    params, state = np.zeros(1), optim.AdamState.zeros(1)
    for _ in range(10_000):
        params, state = optim.adam_step(params, np.zeros(1), state, 0.1)
    new, _ = optim.adam_step(params, np.array([5.0]), state, 0.1)
    bound = 0.1 * (1 - 0.9) / np.sqrt(1 - 0.999)
    assert abs(new[0] - params[0]) == pytest.approx(bound, rel=1e-3)


def test_adam_steps_longest_is_the_cauchy_schwarz_bound_not_3_2_lr():
    """The chapter's worst case: (1 - b1) / sqrt((1 - b2) (1 - b1^2 / b2)) lr, about
    7.27 lr, reached by gradients growing by b2 / b1 per step (the Cauchy-Schwarz
    equality case), and no random sequence of gradients exceeds it."""
    beta1, beta2, lr, steps = 0.9, 0.999, 0.1, 20_000
    worst = (1 - beta1) / np.sqrt((1 - beta2) * (1 - beta1**2 / beta2))
    grads = (beta1 / beta2) ** np.arange(steps)[::-1]  # the last one is 1
    params, state = np.zeros(1), optim.AdamState.zeros(1)
    for g in grads:
        new, state = optim.adam_step(params, np.array([g]), state, lr)
        move, params = abs(new[0] - params[0]), new
    assert move == pytest.approx(worst * lr, rel=1e-3)
    assert move > 2 * lr * (1 - beta1) / np.sqrt(1 - beta2)
    rng = np.random.default_rng(0)
    params, state = np.zeros(3), optim.AdamState.zeros(3)
    for _ in range(3000):
        grad = rng.standard_normal(3) * np.exp(rng.uniform(-5, 5, size=3))
        new, state = optim.adam_step(params, grad, state, lr)
        assert np.abs(new - params).max() <= worst * lr * (1 + 1e-9)
        params = new


def test_halving_the_rate_halves_the_replace_floor_and_cuts_reshuffling_far_more():
    """The chapter: with replacement the floor is first order in lr (halving lr halves
    it); reshuffling's end-of-epoch floor is of higher order, so the gap grows.

    Measured on seeds 0-5: replace falls 1.94-2.09-fold, reshuffle 6.36-6.53-fold; the
    test asks for 1.6-2.5 and more than 4.
    """
    x, y, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    for seed in range(3):
        full = optim.sgd_floor(x, y, 0.01, 300, 20, seed=seed)
        half = optim.sgd_floor(x, y, 0.005, 300, 20, seed=seed)
        fall = full / half
        assert 1.6 < fall["replace"] < 2.5
        assert fall["reshuffle"] > 4
        assert half["replace"] / half["reshuffle"] > full["replace"] / full["reshuffle"]


def test_the_decay_exercises_schedule_meets_the_one_over_t_condition():
    """The exercise's lr / (1 + t / T) is c / (t + T) with c = lr T = 3, above
    1 / (2 lambda_min) of the make_regression Hessian (measured 0.26)."""
    x, _, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    schedule = optim.lr_schedule(0.01, 300)
    assert all(schedule(t) == pytest.approx(3.0 / (t + 300)) for t in (0, 100, 2999))
    assert 3.0 > 2 / (2 * np.linalg.eigvalsh(optim.hessian(x))[0])
