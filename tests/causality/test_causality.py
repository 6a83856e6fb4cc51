"""mlxday2.causality: the reversal reverses, the counts are the paper's, adjustment
matches a hand sum."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxday2 import causal_representation as crl
from mlxday2 import causality

# --- exercise and cholesterol ----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 3000))
def test_simpson_reversal_for_any_seed(seed, n):
    s = causality.slopes(causality.exercise_cholesterol(n=n, seed=seed))
    assert s.pooled > 0
    assert s.adjusted < 0


def test_adjusted_slope_recovers_the_scm_effect_and_groups_are_negative():
    df = causality.exercise_cholesterol(n=5000, seed=1)
    assert list(df.columns) == ["age", "exercise", "cholesterol"]
    s = causality.slopes(df)
    assert s.adjusted == pytest.approx(causality.ExerciseSCM().effect, abs=0.2)
    assert len(s.within_group) == 6 and all(v < 0 for v in s.within_group.values())


def test_within_group_slopes_match_their_large_sample_value_not_the_effect():
    scm = causality.ExerciseSCM()
    theory = causality.within_group_slope_theory(scm, width=10)
    assert theory == pytest.approx(-2 + 0.1 * (100 / 12) / (0.01 * 100 / 12 + 1))
    within = causality.slopes(
        causality.exercise_cholesterol(n=30000, seed=5)
    ).within_group
    assert np.mean(list(within.values())) == pytest.approx(theory, abs=0.1)
    assert abs(theory - scm.effect) > 0.5  # the groups are far from the causal effect
    # narrower groups leave less age variation inside them, so less confounding
    assert causality.within_group_slope_theory(scm, width=2) == pytest.approx(
        scm.effect, abs=0.05
    )


def test_simpson_lines_are_the_fits_and_the_plot_draws_them_without_fitting():
    people = causality.exercise_cholesterol(n=500, seed=0)
    lines = causality.simpson_lines(people)
    s = causality.slopes(people)
    assert list(lines["group"]) == ["all", *s.within_group]
    assert lines["slope"].iloc[0] == pytest.approx(s.pooled)
    np.testing.assert_allclose(lines["slope"].iloc[1:], list(s.within_group.values()))
    assert lines["n"].iloc[1:].sum() == lines["n"].iloc[0] == 500
    flat = lines.assign(slope=0.0, intercept=123.0)
    fig = causality.plot_simpson(people, flat)
    drawn = [line.get_ydata() for ax in fig.axes for line in ax.get_lines()]
    assert len(drawn) == len(lines) and all(np.all(y == 123.0) for y in drawn)
    plt.close(fig)


def test_same_seed_same_data_other_seed_other_data():
    a, b = (
        causality.exercise_cholesterol(50, seed=3),
        causality.exercise_cholesterol(50, seed=3),
    )
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(causality.exercise_cholesterol(50, seed=4))


@pytest.mark.parametrize(
    "n, error",
    [
        (1, ValueError),
        (0, ValueError),
        (-5, ValueError),
        (2.5, TypeError),
        ("10", TypeError),
    ],
)
def test_bad_n_names_the_argument(n, error):
    with pytest.raises(error, match="n must be an integer >= 2, got"):
        causality.exercise_cholesterol(n=n)


def test_missing_columns_name_the_argument_and_columns():
    df = causality.exercise_cholesterol(20).drop(columns="age")
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['age'\]"):
        causality.slopes(df)
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['successes'\]"):
        causality.backdoor_adjust(causality.kidney_stones().drop(columns="successes"))
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['outcome'\]"):
        crl.adjusted_effect(crl.hidden_confounder(20, 3).drop(columns="outcome"))


# --- kidney stones ---------------------------------------------------------------------------


def test_kidney_stone_counts_are_charig_1986():
    df = causality.kidney_stones().set_index(["treatment", "stone_size"])
    assert list(causality.kidney_stones().columns) == [
        "treatment",
        "stone_size",
        "successes",
        "total",
    ]
    assert tuple(df.loc[("A", "small")]) == (81, 87)
    assert tuple(df.loc[("B", "small")]) == (234, 270)
    assert tuple(df.loc[("A", "large")]) == (192, 263)
    assert tuple(df.loc[("B", "large")]) == (55, 80)
    assert df["total"].sum() == 700


def test_kidney_stone_paradox():
    r = causality.success_rates(causality.kidney_stones()).set_index(
        ["stone_size", "treatment"]
    )["rate"]
    assert r["overall", "B"] > r["overall", "A"]
    assert r["small", "A"] > r["small", "B"] and r["large", "A"] > r["large", "B"]


def test_backdoor_matches_hand_calculation():
    p_small, p_large = (87 + 270) / 700, (263 + 80) / 700
    do_a = 81 / 87 * p_small + 192 / 263 * p_large
    do_b = 234 / 270 * p_small + 55 / 80 * p_large
    adj = causality.backdoor_adjust(causality.kidney_stones()).set_index("treatment")
    assert adj.loc["A", "rate"] == pytest.approx(do_a, abs=1e-12)
    assert adj.loc["B", "rate"] == pytest.approx(do_b, abs=1e-12)
    assert adj.loc["A", "naive"] == pytest.approx(273 / 350) and adj.loc[
        "B", "naive"
    ] == pytest.approx(289 / 350)
    assert (
        adj.loc["A", "rate"] > adj.loc["B", "rate"]
    )  # the adjustment reverses the naive ranking
    assert (adj["low"] < adj["rate"]).all() and (adj["rate"] < adj["high"]).all()


def test_delta_method_se_matches_a_parametric_bootstrap():
    df = causality.kidney_stones()
    adj = causality.backdoor_adjust(df).set_index("treatment")
    rng = np.random.default_rng(0)
    n_small, n_all, reps = 357, 700, 20000
    n_small_draw = rng.binomial(n_all, n_small / n_all, reps)
    p_small = n_small_draw / n_all
    for t in ["A", "B"]:
        sub = df[df["treatment"] == t].set_index("stone_size")
        r = {
            z: rng.binomial(
                sub.loc[z, "total"], sub.loc[z, "successes"] / sub.loc[z, "total"], reps
            )
            / sub.loc[z, "total"]
            for z in ["small", "large"]
        }
        boot = r["small"] * p_small + r["large"] * (1 - p_small)
        assert boot.std() == pytest.approx(adj.loc[t, "se"], rel=0.05)


def test_difference_interval_is_the_bootstrap_spread_of_the_difference():
    df = causality.kidney_stones()
    adj = causality.backdoor_adjust(df).set_index("treatment")
    diff = causality.backdoor_difference(df, "A", "B")
    assert diff["difference"] == pytest.approx(
        adj.loc["A", "rate"] - adj.loc["B", "rate"]
    )
    assert diff["low"] < diff["difference"] < diff["high"]
    rng = np.random.default_rng(1)
    reps, n_all = 20000, 700
    p_small = rng.binomial(n_all, 357 / n_all, reps) / n_all
    boot = np.zeros(reps)
    for t, sign in [("A", 1), ("B", -1)]:
        sub = df[df["treatment"] == t].set_index("stone_size")
        r = {
            z: rng.binomial(
                sub.loc[z, "total"], sub.loc[z, "successes"] / sub.loc[z, "total"], reps
            )
            / sub.loc[z, "total"]
            for z in ["small", "large"]
        }
        boot += sign * (r["small"] * p_small + r["large"] * (1 - p_small))
    assert boot.std() == pytest.approx(diff["se"], rel=0.05)
    with pytest.raises(ValueError, match="second must be one of the treatments"):
        causality.backdoor_difference(df, "A", "C")


def test_plot_adjusted_labels_the_interval_with_its_level():
    fig = causality.plot_adjusted(
        causality.backdoor_adjust(causality.kidney_stones(), level=0.9)
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("90% CI" in label for label in labels)
    plt.close(fig)


def test_backdoor_rejects_bad_counts_and_level():
    bad = causality.kidney_stones()
    bad.loc[0, "successes"] = 1000
    with pytest.raises(ValueError, match="successes <= total"):
        causality.backdoor_adjust(bad)
    with pytest.raises(ValueError, match="level must be in"):
        causality.backdoor_adjust(causality.kidney_stones(), level=95)
    with pytest.raises(ValueError, match="positivity"):
        causality.backdoor_adjust(causality.kidney_stones().iloc[:3])


# --- claims made in the chapters' exercise solutions ------------------------------------------


def test_pooled_slope_changes_sign_near_the_predicted_confounder_strength():
    def pooled(c):
        scm = causality.ExerciseSCM(chol_per_year=c)
        return causality.slopes(
            causality.exercise_cholesterol(n=5000, seed=2, scm=scm)
        ).pooled

    strengths = np.linspace(0, 0.5, 11)
    values = [pooled(c) for c in strengths]
    assert np.all(np.diff(values) > 0)
    assert values[0] == pytest.approx(
        -2.0, abs=0.2
    )  # no confounding: the causal effect
    crossing = np.interp(0.0, values, strengths)
    assert crossing == pytest.approx(4 / 15, abs=0.04)  # measured 0.266


def test_effect_on_the_treated_is_positive_but_smaller_than_the_population_difference():
    stones = causality.kidney_stones().set_index(["treatment", "stone_size"])
    rate = stones["successes"] / stones["total"]
    shares_a = stones.loc["A", "total"] / stones.loc["A", "total"].sum()
    on_a = causality.backdoor_rate(rate["A"], shares_a) - causality.backdoor_rate(
        rate["B"], shares_a
    )
    overall = causality.backdoor_difference(causality.kidney_stones())["difference"]
    assert 0 < on_a < overall
