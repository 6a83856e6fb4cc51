"""mlxday2.causality: the reversal reverses, the counts are the paper's, adjustment
matches a hand sum."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
from statistics import NormalDist  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxday2 import causal_representation as crl
from mlxday2 import causality

# --- exercise and cholesterol ---------------------------------------------------------


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
    axes = causality.plot_simpson(people, flat)
    assert axes.shape == (2,) and all(isinstance(ax, plt.Axes) for ax in axes)
    drawn = [line for ax in axes for line in ax.get_lines()]
    assert len(drawn) == len(lines)
    assert all(np.all(line.get_ydata() == 123.0) for line in drawn)
    # the groups differ in line style or marker, not in colour alone
    styles = {(line.get_linestyle(), line.get_marker()) for line in axes[1].get_lines()}
    assert len(styles) == len(lines) - 1
    plt.close(axes[0].figure)


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


# --- kidney stones --------------------------------------------------------------------


def test_kidney_stone_margins_are_those_in_charig_1986_abstract():
    # The abstract gives 350 patients per operation, 273 (78%) and 289 (83%) successes;
    # the size split must add up to those margins.
    df = causality.kidney_stones()
    assert list(df.columns) == ["treatment", "stone_size", "successes", "total"]
    margins = df.groupby("treatment")[["successes", "total"]].sum()
    assert margins.loc["A"].tolist() == [273, 350]
    assert margins.loc["B"].tolist() == [289, 350]


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


def _bootstrap_backdoor(df, t, p_small, rng):
    """Return redrawn back-door rates of ``t``: binomial rates, the given P(small)."""
    sub = df[df["treatment"] == t].set_index("stone_size")
    n, k = sub["total"], sub["successes"]
    r = {z: rng.binomial(n[z], k[z] / n[z], len(p_small)) / n[z] for z in n.index}
    return r["small"] * p_small + r["large"] * (1 - p_small)


def _bootstrap_p_small(rng, reps=20000):
    """Return redrawn shares of small stones among all 700 patients (357 of them)."""
    return rng.binomial(700, 357 / 700, reps) / 700


def test_delta_method_se_matches_a_parametric_bootstrap():
    df = causality.kidney_stones()
    adj = causality.backdoor_adjust(df).set_index("treatment")
    rng = np.random.default_rng(0)
    p_small = _bootstrap_p_small(rng)
    for t in ["A", "B"]:
        boot = _bootstrap_backdoor(df, t, p_small, rng)
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
    p_small = _bootstrap_p_small(rng)
    boot = _bootstrap_backdoor(df, "A", p_small, rng) - _bootstrap_backdoor(
        df, "B", p_small, rng
    )
    assert boot.std() == pytest.approx(diff["se"], rel=0.05)
    with pytest.raises(ValueError, match="second must be one of the treatments"):
        causality.backdoor_difference(df, "A", "C")


def test_plot_adjusted_labels_the_interval_with_its_level():
    ax = causality.plot_adjusted(
        causality.backdoor_adjust(causality.kidney_stones(), level=0.9)
    )
    labels = ax.get_legend_handles_labels()[1]
    assert any("90% CI" in label for label in labels)
    plt.close(ax.figure)


def test_backdoor_rejects_bad_counts_and_level():
    bad = causality.kidney_stones()
    bad.loc[0, "successes"] = 1000
    with pytest.raises(ValueError, match="successes <= total"):
        causality.backdoor_adjust(bad)
    with pytest.raises(ValueError, match="level must be in"):
        causality.backdoor_adjust(causality.kidney_stones(), level=95)
    with pytest.raises(ValueError, match="positivity"):
        causality.backdoor_adjust(causality.kidney_stones().iloc[:3])


# --- claims made in the chapters' exercise solutions ----------------------------------


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


# --- claims of the corrected kidney-stone section -------------------------------------


def test_chapter_within_group_slopes_are_all_flatter_than_the_effect():
    # the chapter's data (n=1000, seed 0): "every one flatter than beta"
    scm = causality.ExerciseSCM()
    s = causality.slopes(causality.exercise_cholesterol(n=1000, seed=0, scm=scm))
    within = np.array(list(s.within_group.values()))
    assert len(within) == 6
    assert scm.effect < within.min() and within.max() < 0


def test_naive_difference_is_the_pooled_gap_and_its_interval_includes_zero():
    d = causality.naive_difference(causality.kidney_stones(), "A", "B")
    assert d["difference"] == pytest.approx(273 / 350 - 289 / 350)
    a, b = 273 / 350, 289 / 350
    se = np.sqrt(a * (1 - a) / 350 + b * (1 - b) / 350)
    assert d["se"] == pytest.approx(se)
    assert d["low"] == pytest.approx(d["difference"] - 1.959964 * se, abs=1e-6)
    assert d["low"] < 0 < d["high"]  # the naive advantage of B is not distinguishable
    assert d["difference"] < 0  # B ahead before adjustment


def test_adjusted_difference_reverses_the_naive_one_and_includes_zero():
    df = causality.kidney_stones()
    naive = causality.naive_difference(df)
    adjusted = causality.backdoor_difference(df)
    assert naive["difference"] < 0 < adjusted["difference"]  # the reversal
    assert adjusted["low"] < 0 < adjusted["high"]
    # the numbers the chapter states, to the decimal it prints them
    assert round(100 * adjusted["difference"], 1) == 5.4
    assert round(100 * adjusted["low"], 1) == -1.2
    assert round(100 * adjusted["high"], 1) == 12.0


def test_delta_method_se_is_the_hand_formula():
    p = pd.Series([0.4, 0.6])
    w = pd.Series([0.9, 0.7])
    var = pd.Series([0.001, 0.002])
    by_hand = 0.4**2 * 0.001 + 0.6**2 * 0.002 + 0.4 * 0.6 * (0.9 - 0.7) ** 2 / 100
    assert causality.delta_method_se(var, w, p, 100) == pytest.approx(np.sqrt(by_hand))


def test_with_era_leaves_every_stratum_with_one_treatment_positivity_fails():
    strata = causality.patients_by_stratum(
        causality.with_era(causality.kidney_stones()), ["stone_size", "era"]
    )
    assert strata.shape == (4, 2)
    assert ((strata > 0).sum(axis=1) == 1).all()  # one operation per stratum
    assert (strata == 0).to_numpy().sum() == 4
    assert strata.to_numpy().sum() == 700
    # by size alone every stratum has both: the adjustment the chapter runs is possible
    by_size = causality.patients_by_stratum(causality.kidney_stones(), ["stone_size"])
    assert (by_size > 0).to_numpy().all()


def test_touching_95_percent_intervals_mean_p_far_below_five_percent():
    p = causality.touching_intervals_p(0.95)
    assert p == pytest.approx(2 * (1 - NormalDist().cdf(1.959964 * np.sqrt(2))))
    assert 0.005 < p < 0.006
    # at any level, intervals that just touch mean a difference significant beyond it
    for level in (0.5, 0.8, 0.9, 0.99):
        assert causality.touching_intervals_p(level) < 1 - level


@pytest.mark.parametrize("seed", range(5))
def test_adjusting_for_a_collider_biases_the_slope_as_predicted(seed):
    scm = causality.ExerciseSCM()
    people = causality.exercise_cholesterol(n=5000, seed=seed, scm=scm)
    clinic = causality.add_visits(people, seed=seed + 100)
    k = 0.2 * scm.chol_sd**2 / (0.2**2 * scm.chol_sd**2 + 1)
    predicted = scm.effect - k * (1 + 0.2 * scm.effect)  # -3.5
    age_only = causality.exercise_slope(clinic, ["age"])
    collider = causality.exercise_slope(clinic, ["age", "visits"])
    # s.e. of either slope at n=5000 is below 0.1; margins are several s.e.
    assert age_only == pytest.approx(scm.effect, abs=0.25)
    assert collider == pytest.approx(predicted, abs=0.25)
    assert collider < scm.effect - 1
    assert causality.exercise_slope(clinic) == pytest.approx(
        causality.slopes(clinic).pooled
    )


def test_plots_return_axes_and_the_bar_axis_starts_at_zero():
    df = causality.kidney_stones()
    ax = causality.plot_success_rates(causality.success_rates(df))
    assert isinstance(ax, plt.Axes) and ax.get_ylim()[0] == 0
    assert {str(p.get_hatch()) for p in ax.patches} == {"", "//"}  # A plain, B hatched
    plt.close(ax.figure)
    diffs = {
        "naive": causality.naive_difference(df),
        "adj": causality.backdoor_difference(df),
    }
    ax = causality.plot_differences(diffs)
    assert isinstance(ax, plt.Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["naive", "adj"]
    plt.close(ax.figure)


def test_plot_dag_returns_its_axes_and_draws_one_arrow_per_edge():
    fig, ax = plt.subplots()
    edges = [("S", "T"), ("S", "Y"), ("T", "Y"), ("E", "T"), ("E", "Y")]
    places = {"S": (1, 1), "T": (0, 0), "Y": (2, 0), "E": (1, -1)}
    out = causality.plot_dag(edges, places, hidden=["E"], ax=ax)
    assert out is ax
    fig.canvas.draw()
    arrows = [c for c in ax.texts if getattr(c, "arrow_patch", None) is not None]
    assert len(arrows) == len(edges)
    dashed = [a for a in arrows if a.arrow_patch.get_linestyle() != "-"]
    assert len(dashed) == 2  # the arrows out of the hidden node
    # Arrows are clipped to the node boxes, which are placed only when their text is
    # drawn: an arrow drawn before its boxes would run to the node's centre and hide
    # its head under the box (the faint era arrow), so every arrow is drawn after them.
    labels = [t for t in ax.texts if t not in arrows]
    assert min(a.get_zorder() for a in arrows) > max(t.get_zorder() for t in labels)
    assert all(a.arrow_patch.patchB is not None for a in arrows)
    plt.close(fig)


# --- the back-door check, the narrow groups and the interval's sampling model ---------

_STONES = [("size", "T"), ("size", "Y"), ("T", "Y")]
_ERA = _STONES + [("era", "T"), ("era", "Y")]


def test_open_backdoor_paths_finds_the_era_path_that_stone_size_leaves_open():
    assert causality.open_backdoor_paths(_STONES, "T", "Y") == [["T", "size", "Y"]]
    assert causality.open_backdoor_paths(_STONES, "T", "Y", ["size"]) == []
    era_path = [["T", "era", "Y"]]
    assert causality.open_backdoor_paths(_ERA, "T", "Y", ["size"]) == era_path
    assert causality.open_backdoor_paths(_ERA, "T", "Y", ["size", "era"]) == []


def test_conditioning_on_a_collider_or_its_descendant_opens_the_path():
    # M-graph: T <- U1 -> M <- U2 -> Y, and D a child of the collider M
    m = [("U1", "T"), ("U1", "M"), ("U2", "M"), ("U2", "Y"), ("T", "Y"), ("M", "D")]
    assert causality.open_backdoor_paths(m, "T", "Y") == []
    opened = [["T", "U1", "M", "U2", "Y"]]
    assert causality.open_backdoor_paths(m, "T", "Y", ["M"]) == opened
    assert causality.open_backdoor_paths(m, "T", "Y", ["D"]) == opened
    assert causality.open_backdoor_paths(m, "T", "Y", ["M", "U1"]) == []
    assert causality.descendants(m, "U1") == {"T", "M", "Y", "D"}


def test_the_collider_exercise_passes_the_path_check_but_not_the_descendant_one():
    g = [("A", "X"), ("A", "C"), ("X", "C"), ("X", "V"), ("C", "V")]
    assert causality.open_backdoor_paths(g, "X", "C") == [["X", "A", "C"]]
    assert causality.open_backdoor_paths(g, "X", "C", ["A", "V"]) == []
    assert causality.descendants(g, "X") == {"C", "V"}


def test_two_year_groups_measure_the_predicted_slope_near_the_effect():
    # the first exercise's solution: n=30000, seed 1; s.e. of the 30-group mean ~0.03
    scm = causality.ExerciseSCM()
    many = causality.exercise_cholesterol(n=30000, seed=1, scm=scm)
    narrow = list(causality.slopes(many, width=2).within_group.values())
    predicted = causality.within_group_slope_theory(scm, width=2)
    assert len(narrow) == 30
    assert np.mean(narrow) == pytest.approx(predicted, abs=0.15)
    assert abs(predicted - scm.effect) < 0.05


def test_fixed_operation_sizes_make_the_shares_less_variable_than_multinomial():
    # "the interval errs on the wide side": with 350 patients of each operation fixed,
    # Var(p_small) = sum_t n_t q_t (1 - q_t) / N^2 <= p (1 - p) / N (total variance)
    df = causality.kidney_stones().set_index(["treatment", "stone_size"])["total"]
    n_t = df.groupby(level="treatment").sum()
    assert n_t.tolist() == [350, 350]
    q = df.xs("small", level="stone_size") / n_t
    n_all = n_t.sum()
    p = df.xs("small", level="stone_size").sum() / n_all
    fixed = (n_t * q * (1 - q)).sum() / n_all**2
    assert fixed < p * (1 - p) / n_all
