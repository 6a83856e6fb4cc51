"""The chapter's rotation explorable: each state is a direct rotation of the sources."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import kurtosis

from mlxday2 import causal_representation as crl
from mlxday2.causal_representation import explore

ANGLES = [0, 45, 90]


@pytest.fixture(scope="module")
def states():
    return explore.rotation_states(ANGLES, n=2000, seed=0)


def test_each_state_is_the_rotation_computed_directly(states):
    for state in states:
        mixture = crl.mixed_sources(n=2000, distribution=state.distribution, seed=0)
        rotated = mixture.sources @ crl.rotation(state.angle)
        np.testing.assert_allclose(state.rotated, rotated)
        np.testing.assert_allclose(state.kurtosis, kurtosis(rotated, axis=0))
        table = crl.rotation_table(mixture, angles_deg=[state.angle], seed=0)
        assert state.loglik == pytest.approx(table["loglik"].iloc[0])


def test_only_laplace_sources_mark_the_true_rotation(states):
    by = {(s.distribution, s.angle): s for s in states}
    for distribution in ("gaussian", "laplace"):
        # the Gaussian likelihood cannot tell the angles apart, for either kind
        logliks = [by[distribution, a].loglik for a in ANGLES]
        assert np.ptp(logliks) < 1e-9
    gauss = [by["gaussian", a].kurtosis.mean() for a in ANGLES]
    assert np.ptp(gauss) < 0.25
    # theory: 3 at 0 and 90 degrees, 3 * (cos^4 + sin^4) = 1.5 at 45 degrees
    laplace = {a: by["laplace", a].kurtosis.mean() for a in ANGLES}
    assert laplace[45] == pytest.approx(1.5, abs=0.5)
    assert min(laplace[0], laplace[90]) > laplace[45] + 0.8


def test_the_block_has_a_source_choice_and_an_angle_slider(states):
    block = explore.rotation_explorable(states)
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert [c["kind"] for c in data["controls"]] == ["radio", "range"]
    assert len(data["frames"]) == 2 * len(ANGLES)
    for i, distribution in enumerate(explore.DISTRIBUTIONS):
        for j, angle in enumerate(ANGLES):
            state = next(
                s for s in states if s.distribution == distribution and s.angle == angle
            )
            shown = data["frames"][f"{i}-{j}"]["numbers"]["mean of the two"]
            assert shown["value"] == pytest.approx(state.kurtosis.mean())
