"""Adam drifts to the worst point of Reddi et al.'s problem; AMSGrad does not."""

from __future__ import annotations

import numpy as np
import pytest

from mlxday2.optimization_theory import adaptive


@pytest.mark.parametrize("big_c", [3.0, 4.0])
def test_adam_drifts_from_the_optimum_and_amsgrad_converges(big_c):
    adam = adaptive.online_counterexample("adam", 3000, 0.05, big_c)
    ams = adaptive.online_counterexample("amsgrad", 3000, 0.05, big_c)
    assert adam.params[-300:, 0].mean() > 0.9  # the worst point, +1
    assert ams.params[-300:, 0].mean() < -0.9  # the best point, -1
    adam_regret = adaptive.average_regret(adam, big_c)
    ams_regret = adaptive.average_regret(ams, big_c)
    assert adam_regret[-1] > 0.5
    assert ams_regret[-1] < 0.1 and ams_regret[-1] < ams_regret[999]


def test_amsgrad_never_lets_the_second_moment_fall():
    state = adaptive.AmsgradState(np.zeros(1), np.zeros(1), np.zeros(1))
    params, seen = np.zeros(1), []
    for t in range(30):
        params, state = adaptive.amsgrad_step(
            params, adaptive.reddi_gradient(t, 3.0), state, 0.01, 0.0, 0.1
        )
        seen.append(state.v_max[0])
    # (1 - beta2) C^2 = 8.1 at the first large gradient, then never less.
    assert np.all(np.diff(seen) >= 0) and min(seen) >= 8.1 - 1e-12
