"""mlxday2.causal: the reversal reverses, the counts are the paper's, adjustment matches a hand sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxday2 import causal


# --- exercise and cholesterol ----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 3000))
def test_simpson_reversal_for_any_seed(seed, n):
    s = causal.slopes(causal.exercise_cholesterol(n=n, seed=seed))
    assert s.pooled > 0
    assert s.adjusted < 0


def test_adjusted_slope_recovers_the_scm_effect_and_groups_are_negative():
    df = causal.exercise_cholesterol(n=5000, seed=1)
    assert list(df.columns) == ["age", "exercise", "cholesterol"]
    s = causal.slopes(df)
    assert s.adjusted == pytest.approx(causal.ExerciseSCM().effect, abs=0.2)
    assert len(s.within_group) == 6 and all(v < 0 for v in s.within_group.values())


def test_same_seed_same_data_other_seed_other_data():
    a, b = causal.exercise_cholesterol(50, seed=3), causal.exercise_cholesterol(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(causal.exercise_cholesterol(50, seed=4))


@pytest.mark.parametrize("n, error", [(1, ValueError), (0, ValueError), (-5, ValueError),
                                      (2.5, TypeError), ("10", TypeError)])
def test_bad_n_names_the_argument(n, error):
    with pytest.raises(error, match="n must be an integer >= 2, got"):
        causal.exercise_cholesterol(n=n)


def test_missing_columns_name_the_argument_and_columns():
    df = causal.exercise_cholesterol(20).drop(columns="age")
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['age'\]"):
        causal.slopes(df)
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['recovered'\]"):
        causal.backdoor_adjust(causal.kidney_stones().drop(columns="recovered"))
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['outcome'\]"):
        causal.adjusted_effect(causal.hidden_confounder(20, 3).drop(columns="outcome"))


# --- kidney stones ---------------------------------------------------------------------------


def test_kidney_stone_counts_are_charig_1986():
    df = causal.kidney_stones().set_index(["treatment", "stone_size"])
    assert list(causal.kidney_stones().columns) == ["treatment", "stone_size", "recovered", "total"]
    assert tuple(df.loc[("A", "small")]) == (81, 87)
    assert tuple(df.loc[("B", "small")]) == (234, 270)
    assert tuple(df.loc[("A", "large")]) == (192, 263)
    assert tuple(df.loc[("B", "large")]) == (55, 80)
    assert df["total"].sum() == 700


def test_kidney_stone_paradox():
    r = causal.recovery_rates(causal.kidney_stones()).set_index(["stone_size", "treatment"])["rate"]
    assert r["overall", "B"] > r["overall", "A"]
    assert r["small", "A"] > r["small", "B"] and r["large", "A"] > r["large", "B"]


def test_backdoor_matches_hand_calculation():
    p_small, p_large = (87 + 270) / 700, (263 + 80) / 700
    do_a = 81 / 87 * p_small + 192 / 263 * p_large
    do_b = 234 / 270 * p_small + 55 / 80 * p_large
    adj = causal.backdoor_adjust(causal.kidney_stones()).set_index("treatment")
    assert adj.loc["A", "rate"] == pytest.approx(do_a, abs=1e-12)
    assert adj.loc["B", "rate"] == pytest.approx(do_b, abs=1e-12)
    assert adj.loc["A", "naive"] == pytest.approx(273 / 350) and adj.loc["B", "naive"] == pytest.approx(289 / 350)
    assert adj.loc["A", "rate"] > adj.loc["B", "rate"]  # the adjustment reverses the naive ranking
    assert (adj["low"] < adj["rate"]).all() and (adj["rate"] < adj["high"]).all()


def test_delta_method_se_matches_a_parametric_bootstrap():
    df = causal.kidney_stones()
    adj = causal.backdoor_adjust(df).set_index("treatment")
    rng = np.random.default_rng(0)
    n_small, n_all, reps = 357, 700, 20000
    n_small_draw = rng.binomial(n_all, n_small / n_all, reps)
    p_small = n_small_draw / n_all
    for t in ["A", "B"]:
        sub = df[df["treatment"] == t].set_index("stone_size")
        r = {z: rng.binomial(sub.loc[z, "total"], sub.loc[z, "recovered"] / sub.loc[z, "total"], reps)
             / sub.loc[z, "total"] for z in ["small", "large"]}
        boot = r["small"] * p_small + r["large"] * (1 - p_small)
        assert boot.std() == pytest.approx(adj.loc[t, "se"], rel=0.05)


def test_backdoor_rejects_bad_counts_and_level():
    bad = causal.kidney_stones()
    bad.loc[0, "recovered"] = 1000
    with pytest.raises(ValueError, match="recovered <= total"):
        causal.backdoor_adjust(bad)
    with pytest.raises(ValueError, match="level must be in"):
        causal.backdoor_adjust(causal.kidney_stones(), level=95)
    with pytest.raises(ValueError, match="positivity"):
        causal.backdoor_adjust(causal.kidney_stones().iloc[:3])


# --- hidden confounder -----------------------------------------------------------------------


def test_hidden_data_hold_proxies_but_not_the_confounder():
    df = causal.hidden_confounder(100, n_proxies=4, seed=0)
    assert list(df.columns) == ["treatment", "outcome", "proxy_1", "proxy_2", "proxy_3", "proxy_4"]
    assert "hidden" in causal.hidden_confounder(100, 4, seed=0, keep_hidden=True)


def test_naive_estimate_is_biased_and_oracle_is_not():
    df = causal.hidden_confounder(5000, n_proxies=3, seed=2, keep_hidden=True)
    est = causal.adjusted_effect(df)
    scm = causal.HiddenSCM()
    assert abs(est.naive - scm.effect) > 0.8
    assert est.oracle == pytest.approx(scm.effect, abs=0.1)
    assert abs(est.adjusted - scm.effect) < abs(est.naive - scm.effect)


def test_recovery_error_decreases_with_more_proxies():
    curve = causal.proxy_curve(n_proxies=(1, 3, 8, 20), seeds=(0, 1, 2), n=2000)
    mean = curve.groupby("n_proxies")["error"].mean()
    assert mean.is_monotonic_decreasing
    assert mean[20] < 0.2 * curve["naive_error"].mean()
    # ... but it does not vanish: attenuation leaves residual confounding, as theory says.
    assert mean[20] == pytest.approx(causal.theoretical_error([20])[0], rel=0.35)
    assert curve.groupby("n_proxies")["latent_corr"].mean().is_monotonic_increasing


def test_hidden_bad_input():
    with pytest.raises(ValueError, match="n must be"):
        causal.hidden_confounder(n=1)
    with pytest.raises(ValueError, match="n_proxies must be"):
        causal.hidden_confounder(n=10, n_proxies=0)
    with pytest.raises(ValueError, match="n_proxies must be between 1 and 3"):
        causal.adjusted_effect(causal.hidden_confounder(50, 3), n_proxies=5)


def test_fci_flags_the_hidden_confounder_with_a_bidirected_edge():
    edges = causal.fci_hidden_demo(n=2000, seed=0)
    assert "T <-> Y" in edges
    assert not any(e in edges for e in ["T --> Y", "Y --> T", "Z1 --> Y", "Z2 --> T"])
