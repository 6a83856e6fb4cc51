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


@pytest.fixture(scope="module")
def mixes():
    stones = causality.kidney_stones()
    shares = sorted({0.1, 0.9, *explore.published_shares(stones)})
    return shares, explore.case_mix_states(stones, shares)


def test_the_published_mix_gives_back_the_published_counts():
    stones = causality.kidney_stones()
    counts = explore.case_mix_counts(stones, *explore.published_shares(stones))
    key = ["treatment", "stone_size"]
    got = counts.set_index(key).sort_index()
    want = stones.set_index(key).sort_index()
    assert got.equals(want[got.columns])


def test_each_mix_state_is_success_rates_of_its_counts(mixes):
    shares, states = mixes
    stones = causality.kidney_stones()
    for state in states:
        counts = explore.case_mix_counts(stones, state.share_a, state.share_b)
        assert state.rates.equals(causality.success_rates(counts))


def test_the_pooled_rates_reverse_only_when_b_gets_more_small_stones(mixes):
    _, states = mixes
    for state in states:
        # A is better within each size; pooled, it loses only if B's mix is easier
        for size in ("small", "large"):
            by = state.rates[state.rates.stone_size == size].set_index("treatment")
            assert by.rate["A"] > by.rate["B"] - 0.01  # rounding to whole patients
        if state.share_a >= state.share_b:
            assert state.pooled("A") > state.pooled("B")
    published = next(s for s in states if s.share_a < 0.3 and 0.7 < s.share_b < 0.8)
    assert published.pooled("A") < published.pooled("B")


def test_the_mix_block_opens_on_the_published_mix(mixes):
    shares, states = mixes
    default = explore.published_shares(causality.kidney_stones())
    block = explore.case_mix_explorable(states, default=default)
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert data["default"] == [shares.index(default[0]), shares.index(default[1])]
    for state in states:
        key = f"{shares.index(state.share_a)}-{shares.index(state.share_b)}"
        shown = data["frames"][key]["numbers"]["difference A − B"]
        assert shown["value"] == pytest.approx(state.pooled("A") - state.pooled("B"))
