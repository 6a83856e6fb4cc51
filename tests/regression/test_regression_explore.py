"""The regression chapter's base-level explorable: each state is a direct refit."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mlxday2.regression as reg
from mlxday2.regression import explore


@pytest.fixture(scope="module")
def complete():
    mpi = reg.load_mpi()
    return mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])


@pytest.fixture(scope="module")
def states(complete):
    return explore.base_states(complete, sorted(complete["region"].unique()))


def test_the_chapters_base_gives_the_chapters_formula():
    assert explore.formula_with_base(reg.REFERENCE_REGION) == reg.FORMULA


def test_each_state_is_the_refit_with_that_base(complete, states):
    for state in states:
        direct = reg.coef_table(
            reg.fit_ols(complete, explore.formula_with_base(state.base))
        )
        shared = direct.index
        np.testing.assert_allclose(state.table.loc[shared], direct)
        assert (state.table.loc[f"region[{state.base}]"] == 0).all()


def test_only_the_intercept_and_contrasts_move(states):
    by = {s.base: s for s in states}
    chapter = by[reg.REFERENCE_REGION].table["estimate"]
    for state in states:
        est = state.table["estimate"]
        assert state.fitted_change < 1e-8
        assert state.rsquared == pytest.approx(by[reg.REFERENCE_REGION].rsquared)
        for slope in ("poverty_215_pct", "poverty_national_pct"):
            assert est[slope] == pytest.approx(chapter[slope], abs=1e-9)
        # a contrast measured from the new base: old contrast minus the base's old one
        shift = chapter[f"region[{state.base}]"]
        assert est["Intercept"] == pytest.approx(chapter["Intercept"] + shift)
        for other in by:
            term = f"region[{other}]"
            assert est[term] == pytest.approx(chapter[term] - shift, abs=1e-9)


def test_the_block_offers_every_base(states):
    block = explore.base_explorable(states)
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert data["controls"][0]["texts"] == [s.base for s in states]
    for k, state in enumerate(states):
        shown = data["frames"][str(k)]["numbers"]["Intercept"]
        assert shown["value"] == pytest.approx(state.table.loc["Intercept", "estimate"])
