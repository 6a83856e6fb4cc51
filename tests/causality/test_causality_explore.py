"""The causality chapter's explorable: each state is a direct draw of the SCM."""

from __future__ import annotations

import dataclasses
import json

import pytest

from mlxday2 import causality
from mlxday2.causality import explore

STRENGTHS = [0.0, 0.01, 0.1, 0.6]


@pytest.fixture(scope="module")
def states():
    return explore.confounding_states(STRENGTHS, n=1000, seed=0)


def test_each_state_is_the_world_drawn_directly(states):
    for strength, state in zip(STRENGTHS, states):
        scm = dataclasses.replace(causality.ExerciseSCM(), exercise_per_year=strength)
        people = causality.exercise_cholesterol(n=1000, seed=0, scm=scm)
        assert state.people.equals(people)
        assert state.slopes == causality.slopes(people)


def test_the_pooled_slope_reverses_only_in_a_middle_range(states):
    # theory: pooled = effect + a Var(age) / (a^2 Var(age) + sd^2), Var(age) = 300;
    # positive for a in about (0.0068, 0.49), so 0 and 0.6 keep the effect's sign
    pooled = {s.exercise_per_year: s.slopes.pooled for s in states}
    assert pooled[0.0] < 0 and pooled[0.6] < 0
    assert pooled[0.01] > 0 and pooled[0.1] > 0
    for state in states:
        assert state.slopes.adjusted == pytest.approx(-2.0, abs=0.3)


def test_the_block_shows_the_states_slopes(states):
    block = explore.confounding_explorable(states, default=0.1)
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert data["default"] == [STRENGTHS.index(0.1)]
    for i, state in enumerate(states):
        numbers = data["frames"][str(i)]["numbers"]
        pooled = numbers["pooled slope (mg/dL per weekly hour)"]
        assert pooled["value"] == state.slopes.pooled
        assert pooled["text"] == f"{state.slopes.pooled:+.2f}"
