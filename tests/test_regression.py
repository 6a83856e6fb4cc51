"""Tests of mlxday2.regression: loaders, label harmonisation, dummies, VIF, the Stata table."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from mlxday2 import regression as R
from mlxday2.data import fetch

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "regression.md"


@pytest.fixture(scope="module")
def mpi() -> pd.DataFrame:
    return R.load_mpi()


@pytest.fixture(scope="module")
def sub() -> pd.DataFrame:
    return R.load_mpi_subnational()


# --- loaders ---------------------------------------------------------------------------------


def test_load_mpi_has_110_countries_with_readable_names(mpi):
    assert len(mpi) == 110
    assert mpi["iso3"].is_unique
    assert list(mpi.columns) == list(R.NATIONAL_COLUMNS.values())
    assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in mpi.columns)


def test_load_mpi_markers_become_nan(mpi):
    raw = pd.read_csv(fetch("mpi-national"), dtype=str, keep_default_na=False)
    for original, new in [("PPP $2.15 a day 2011-2021", "poverty_215_pct"),
                          ("National poverty line 2011-2021", "poverty_national_pct")]:
        is_marker = (raw[original].str.strip() == "..").to_numpy()
        assert is_marker.sum() > 0
        np.testing.assert_array_equal(mpi[new].isna().to_numpy(), is_marker)
    assert not (mpi == "..").any().any()


def test_load_mpi_numeric_columns_are_numeric(mpi):
    text = {"iso3", "country", "region", "survey", "survey_year"}
    for col in set(mpi.columns) - text:
        assert pd.api.types.is_float_dtype(mpi[col]), col
    assert mpi["mpi"].between(0, 1).all()
    assert mpi["headcount_pct"].between(0, 100).all()


def test_mpi_is_h_times_a_up_to_rounding(mpi):
    # the chapter's claim: MPI = H x A / 10000 (both in percent), MPI rounded to 3 decimals
    gap = (mpi["mpi"] - mpi["headcount_pct"] * mpi["intensity_pct"] / 10_000).abs()
    assert gap.max() <= 0.0005 + 1e-9


def test_load_subnational_shape_and_types(sub):
    assert len(sub) == 517
    assert pd.api.types.is_float_dtype(sub["mpi"])
    assert sub["population_share_pct"].isna().sum() > 0


# --- harmonisation ---------------------------------------------------------------------------


def test_raw_subnational_labels_are_inconsistent():
    raw = R.load_mpi_subnational(harmonise=False)
    assert {"South East Asia", "Southeast Asia"} <= set(raw["region_label"].dropna())
    assert {"East Africa", "Eastern Africa"} <= set(raw["region_label"].dropna())


def test_harmonised_labels_are_one_spelling(sub):
    labels = set(sub["region_label"].dropna())
    assert "South East Asia" not in labels and "Southeast Asia" in labels
    assert "East Africa" not in labels and "South Africa" not in labels
    assert set(sub["admin_type"].dropna()) == set(sub["admin_type"].dropna().str.lower())


def test_harmonised_regions_match_national_table(sub, mpi):
    assert sub["region"].notna().all()
    assert set(sub["region"]) <= set(mpi["region"])
    national = mpi.set_index("iso3")["region"]
    both = sub[sub["iso3"].isin(national.index)]
    assert (both["region"] == both["iso3"].map(national)).all()
    # Thailand ("South East Asia") and Viet Nam ("Southeast Asia") end up in one region
    assert sub.loc[sub["iso3"].isin(["THA", "VNM"]), "region"].nunique() == 1


def test_harmonise_regions_rejects_wrong_frame(mpi):
    with pytest.raises(ValueError, match="sub must have columns"):
        R.harmonise_regions(pd.DataFrame({"x": [1]}), mpi)


# --- cleaning --------------------------------------------------------------------------------


def test_missingness_counts(mpi):
    table = R.missingness(mpi)
    assert table.loc["poverty_215_pct", "n_missing"] == mpi["poverty_215_pct"].isna().sum()
    assert (table["n_missing"] > 0).all()
    assert "mpi" not in table.index


def test_impute_group_median_fills_with_region_median(mpi):
    out = R.impute_group_median(mpi, ["poverty_215_pct"], by="region")
    assert out["poverty_215_pct"].notna().all()
    assert out["poverty_215_pct_imputed"].sum() == mpi["poverty_215_pct"].isna().sum()
    row = out[out["poverty_215_pct_imputed"]].iloc[0]
    expected = mpi.loc[mpi["region"] == row["region"], "poverty_215_pct"].median()
    assert row["poverty_215_pct"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="not in df"):
        R.impute_group_median(mpi, ["nope"], by="region")


# --- dummies ---------------------------------------------------------------------------------


def test_make_dummies_k_minus_one_with_reference(mpi):
    d = R.make_dummies(mpi["region"], reference="Sub-Saharan Africa")
    k = mpi["region"].nunique()
    assert d.shape == (110, k - 1)
    assert "region_Sub-Saharan Africa" not in d.columns
    ssa = (mpi["region"] == "Sub-Saharan Africa").to_numpy()
    assert (d.to_numpy()[ssa] == 0).all()  # the reference is the all-zero row
    assert (d.to_numpy()[~ssa].sum(axis=1) == 1).all()


def test_make_dummies_matches_formula_coding(mpi):
    complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])
    fit = R.fit_ols(complete)
    d = R.make_dummies(complete["region"], reference=R.REFERENCE_REGION)
    X = sm.add_constant(pd.concat([d, complete[["poverty_215_pct", "poverty_national_pct"]]], axis=1))
    manual = sm.OLS(complete["headcount_pct"], X).fit()
    np.testing.assert_allclose(manual.params["poverty_215_pct"], fit.params["poverty_215_pct"], rtol=1e-10)
    np.testing.assert_allclose(manual.rsquared, fit.rsquared, rtol=1e-12)


def test_dummy_trap_all_k_columns_are_perfectly_collinear_with_constant(mpi):
    full = pd.get_dummies(mpi["region"], dtype=float)
    with pytest.warns(RuntimeWarning, match="linear combinations"):
        v = R.vif(full)
    assert np.isinf(v).all()


def test_make_dummies_bad_reference(mpi):
    with pytest.raises(ValueError, match="reference must be one of"):
        R.make_dummies(mpi["region"], reference="Atlantis")


# --- model -----------------------------------------------------------------------------------


def test_robust_is_hc1_and_changes_only_standard_errors(mpi):
    complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])
    plain, robust = R.fit_ols(complete), R.fit_ols(complete, cov_type="HC1")
    np.testing.assert_allclose(plain.params, robust.params)
    hc0 = R.fit_ols(complete, cov_type="HC0").bse
    n, k = plain.model.exog.shape
    np.testing.assert_allclose(robust.bse, hc0 * np.sqrt(n / (n - k)))  # HC1 = HC0 * n/(n-k)
    assert not np.allclose(robust.bse, plain.bse)


def test_short_names():
    names = ["Intercept", "C(region, Treatment(reference='Sub-Saharan Africa'))[T.South Asia]", "x"]
    assert R.short_names(names) == ["Intercept", "region[South Asia]", "x"]


# --- vif -------------------------------------------------------------------------------------


def test_vif_matches_statsmodels_on_longley():
    exog = sm.datasets.longley.load_pandas().exog
    ours = R.vif(exog)
    with_const = sm.add_constant(exog)
    theirs = [variance_inflation_factor(with_const.to_numpy(), i) for i in range(1, with_const.shape[1])]
    assert list(ours.index) == list(exog.columns)
    np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=1e-8)
    assert ours.max() > 1000  # Longley is the classic ill-conditioned example
    # a constant already present is used, not reported, and gives the same numbers
    pd.testing.assert_series_equal(R.vif(with_const), ours)


def test_vif_perfectly_collinear_pair_is_inf_with_warning():
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    df = pd.DataFrame({"a": x, "b": 3 * x + 1, "c": rng.normal(size=50)})
    with pytest.warns(RuntimeWarning, match=r"\['a', 'b'\] are linear combinations"):
        v = R.vif(df)
    assert np.isinf(v["a"]) and np.isinf(v["b"]) and np.isfinite(v["c"])


def test_vif_single_column_is_one():
    v = R.vif(pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0]}))
    assert list(v.index) == ["x"] and v["x"] == pytest.approx(1.0)


def test_vif_independent_columns_near_one():
    rng = np.random.default_rng(1)
    v = R.vif(pd.DataFrame(rng.normal(size=(5000, 3)), columns=list("xyz")))
    assert np.all(np.abs(v - 1) < 0.01)


def test_vif_bad_input():
    with pytest.raises(ValueError, match=r"non-numeric \['s'\]"):
        R.vif(pd.DataFrame({"x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]}))
    with pytest.raises(ValueError, match="shape"):
        R.vif(pd.DataFrame())
    with pytest.raises(ValueError, match="NaN"):
        R.vif(pd.DataFrame({"x": [1.0, np.nan, 3.0], "y": [1.0, 0.0, 2.0]}))
    with pytest.raises(ValueError, match="DataFrame"):
        R.vif(np.ones((3, 2)))


def test_vif_accepts_bool_dummies(mpi):
    d = pd.get_dummies(mpi["region"], drop_first=True)  # bool columns in pandas >= 2
    assert np.isfinite(R.vif(d)).all()


# --- the Stata table shows code the chapter runs ------------------------------------------------


def test_stata_table_runs_and_matches_chapter_code():
    table, ns = R.run_stata_equivalents()
    assert len(table) == len(R.STATA_TO_PYTHON)
    assert ns["fit"].nobs == len(ns["complete"])
    assert ns["robust"].cov_type == "HC1"
    chapter = CHAPTER.read_text()
    cells = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", chapter, flags=re.S))
    for step in R.STATA_TO_PYTHON:
        assert step.python in cells, f"the chapter never runs {step.python!r}"


# --- claims the chapter makes about this data --------------------------------------------------


@pytest.fixture(scope="module")
def complete(mpi) -> pd.DataFrame:
    return mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])


def test_listwise_deletion_drops_more_than_either_column(mpi, complete):
    dropped = len(mpi) - len(complete)
    assert dropped > mpi["poverty_215_pct"].isna().sum()
    assert dropped > mpi["poverty_national_pct"].isna().sum()
    assert mpi.loc[~mpi.index.isin(complete.index), "headcount_pct"].mean() < complete["headcount_pct"].mean()


def test_imputation_barely_moves_the_215_slope(mpi, complete):
    imputed = R.impute_group_median(mpi, ["poverty_215_pct", "poverty_national_pct"], by="region")
    b_cc = R.fit_ols(complete).params["poverty_215_pct"]
    b_imp = R.fit_ols(imputed).params["poverty_215_pct"]
    assert abs(b_imp - b_cc) < 0.05 * abs(b_cc)


def test_robust_interval_wider_but_excludes_zero(complete):
    plain, robust = R.fit_ols(complete), R.fit_ols(complete, cov_type="HC1")
    assert robust.bse["poverty_215_pct"] > plain.bse["poverty_215_pct"]
    assert R.coef_table(robust).loc["poverty_215_pct", "low"] > 0
    assert plain.pvalues["poverty_national_pct"] > 0.05


def test_model_vif_is_moderate_but_mpi_h_a_is_collinear(mpi, complete):
    assert R.model_vif(R.fit_ols(complete)).max() < 5
    positive = mpi[mpi["mpi"] >= 0.01]
    logs = R.vif(np.log(positive[["mpi", "headcount_pct", "intensity_pct"]]))
    assert logs.min() > 100  # an identity up to rounding


def test_make_dummies_unnamed_series_and_missing_values():
    d = R.make_dummies(pd.Series(["a", "b", "c", "a"]), reference="b")
    assert list(d.columns) == ["a", "c"]
    with pytest.raises(ValueError, match="missing"):
        R.make_dummies(pd.Series(["a", None, "b"], name="g"), reference="a")
