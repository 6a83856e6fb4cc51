"""The optimization chapter's explorable: each precomputed state is a direct GD run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlxday2 import optimization as optim
from mlxday2.optimization import explore

FRACTIONS = [0.3, 0.5, 0.9, 1.0, 1.1]


@pytest.fixture(scope="module")
def data():
    x, y, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    return x, y


@pytest.fixture(scope="module")
def states(data):
    return explore.lr_grid_states(*data, FRACTIONS, epochs=25)


def test_each_state_is_the_run_fit_linear_gives(data, states):
    x, y = data
    crit, best = optim.critical_lr(x), optim.least_squares(x, y)[2]
    lambda_max = np.linalg.eigvalsh(optim.hessian(x)).max()
    for fraction, state in zip(FRACTIONS, states):
        direct = optim.fit_linear(x, y, "gd", fraction * crit, 25)
        np.testing.assert_array_equal(state.run.params, direct.params)
        assert state.factor == pytest.approx(abs(1 - fraction * crit * lambda_max))
        assert state.excess == pytest.approx(max(direct.loss[-1] - best, 0.0))


def test_the_bound_splits_shrinking_from_growing(states):
    # |1 - lr * lambda_max| = |1 - 2 * fraction|: below 1 under the bound, above it over
    for fraction, state in zip(FRACTIONS, states):
        assert state.factor == pytest.approx(abs(1 - 2 * fraction))
        grows = state.run.loss[-1] > state.run.loss[0]
        assert grows == (fraction > 1)


def test_the_block_carries_the_states_numbers(states):
    w, b = np.linspace(-120, 200, 41), np.linspace(-130, 190, 41)
    x, y, _ = optim.regression_data(n=100, noise=15, bias=30, seed=0)
    W, B = np.meshgrid(w, b)
    block = explore.lr_explorable(states, W, B, optim.loss_surface(x, y, w, b))
    data = json.loads(
        block.html.split('class="explorable-data">')[1].split("</script>")[0]
    )
    assert data["default"] == [FRACTIONS.index(0.5)]
    for i, state in enumerate(states):
        numbers = data["frames"][str(i)]["numbers"]
        assert numbers["learning rate"]["value"] == pytest.approx(state.run.lr)
        assert numbers["|1 − lr·λmax| (error factor per step)"]["value"] == (
            pytest.approx(state.factor)
        )


def test_fractions_must_be_positive(data):
    with pytest.raises(ValueError, match="fractions"):
        explore.lr_grid_states(*data, [0.5, -1.0])
