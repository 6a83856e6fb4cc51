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


# --- bad input: every public function names the argument, the value and the fix --------------


def test_formula_variables_reads_names_not_helpers_or_keywords():
    outcome, regressors = R.formula_variables(R.FORMULA)
    assert outcome == ["headcount_pct"]
    assert regressors == ["poverty_215_pct", "poverty_national_pct", "C", "region", "Treatment"]
    assert R.formula_variables("y ~ np.log(x):g - 1") == (["y"], ["np", "x", "g"])


def test_fit_ols_names_a_missing_column(complete):
    with pytest.raises(ValueError, match="formula names column 'gdp', which data does not have"):
        R.fit_ols(complete, "headcount_pct ~ poverty_215_pct + gdp")
    with pytest.raises(ValueError, match="column 'regio', which data does not have"):
        R.fit_ols(complete, "headcount_pct ~ C(regio)")


def test_fit_ols_rejects_non_numeric_outcome(complete):
    with pytest.raises(ValueError, match=r"outcome \(y\) column 'country' is not numeric"):
        R.fit_ols(complete, "country ~ poverty_215_pct")
    as_text = complete.assign(headcount_pct=complete["headcount_pct"].astype(str))
    with pytest.raises(ValueError, match="'headcount_pct' is not numeric.*pd.to_numeric"):
        R.fit_ols(as_text, "headcount_pct ~ poverty_215_pct")


def test_fit_ols_rejects_numbers_stored_as_text(mpi):
    raw = mpi.assign(poverty_215_pct=R.read_raw("mpi-national")["PPP $2.15 a day 2011-2021"])
    with pytest.raises(ValueError, match="'poverty_215_pct' holds numbers stored as text"):
        R.fit_ols(raw, "headcount_pct ~ poverty_215_pct")


def test_fit_ols_bad_arguments(complete):
    with pytest.raises(TypeError, match="data must be a pandas DataFrame, got ndarray"):
        R.fit_ols(complete.to_numpy())
    with pytest.raises(TypeError, match="formula must be a string"):
        R.fit_ols(complete, formula=["headcount_pct", "poverty_215_pct"])
    with pytest.raises(ValueError, match="no '~'"):
        R.fit_ols(complete, "headcount_pct poverty_215_pct")
    with pytest.raises(ValueError, match="cov_type must be one of .* got 'robust'"):
        R.fit_ols(complete, cov_type="robust")
    with pytest.raises(ValueError, match=r"data has 3 complete rows for \d+ coefficients"):
        R.fit_ols(complete.head(3))


def test_fit_ols_warns_on_perfectly_collinear_regressors(complete):
    twice = complete.assign(double_215=2 * complete["poverty_215_pct"])
    with pytest.warns(RuntimeWarning, match="perfectly collinear"):
        R.fit_ols(twice, "headcount_pct ~ poverty_215_pct + double_215")


def test_coef_table_and_short_names_bad_input(complete):
    with pytest.raises(TypeError, match="results must be a fitted regression from fit_ols"):
        R.coef_table(complete)
    with pytest.raises(ValueError, match="alpha must be a number in \\(0, 1\\).*got 5"):
        R.coef_table(R.fit_ols(complete), alpha=5)
    with pytest.raises(TypeError, match="names must be a list of strings"):
        R.short_names("Intercept")
