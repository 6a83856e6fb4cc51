"""The theory chapter's momentum explorable: each state is a direct run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlxday2.optimization_theory import explore, momentum, problems

LRS, MOMENTA = [1.0, 1.9, 3.3], [0.0, 0.7, 0.9]


@pytest.fixture(scope="module")
def problem():
    return problems.line_fit(offset=1)


@pytest.fixture(scope="module")
def states(problem):
    return explore.momentum_states(problem, LRS, MOMENTA, steps=150)


def test_each_state_is_the_run_of_run_method(problem, states):
    big_l = problems.curvature(problem).smoothness
    for state in states:
        method = "gd" if state.momentum == 0 else "heavy_ball"
        direct = momentum.run_method(
            problem, method, (0.0, 0.0), 150, state.lr_times_l / big_l, state.momentum
        )
        np.testing.assert_array_equal(state.run.params, direct.params)


def test_the_predicted_factor_is_the_theorys(problem, states):
    curv = problems.curvature(problem)
    by = {(s.lr_times_l, s.momentum): s for s in states}
    # gradient descent with step 1/L: 1 - 1/kappa
    assert by[1.0, 0.0].predicted == pytest.approx(1 - 1 / curv.kappa)
    # every direction oscillating: sqrt(momentum), whatever the step
    for lr in LRS:
        assert by[lr, 0.9].predicted == pytest.approx(math.sqrt(0.9))
    # stable iff lr * L < 2 (1 + momentum): 3.3 needs momentum > 0.65
    assert by[3.3, 0.0].predicted > 1 and by[3.3, 0.0].run.diverged
    assert by[3.3, 0.7].predicted < 1 and not by[3.3, 0.7].run.diverged


def test_measured_factors_agree_with_the_prediction(states):
    # over 150 steps the transient (and the start's small slow component) let the
    # measured factor sit a little below the asymptotic one, never far
    for state in states:
        if not state.run.diverged:
            assert abs(state.measured - state.predicted) < 0.03


def test_the_block_has_two_sliders_and_the_states_numbers(problem, states):
    block = explore.momentum_explorable(problem, states, default=(1.0, 0.0))
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert [c["name"] for c in data["controls"]] == ["lr", "momentum"]
    assert data["default"] == [0, 0]
    for state in states:
        key = f"{LRS.index(state.lr_times_l)}-{MOMENTA.index(state.momentum)}"
        shown = data["frames"][key]["numbers"]["predicted error factor per step"]
        assert shown["value"] == pytest.approx(state.predicted)
