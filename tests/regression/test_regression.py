"""Tests of mlxday2.regression: the model against NIST's certified Longley values,
Stata's inference, VIF and estat vif, the chapter's claims, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from mlxday2 import regression as reg
from mlxday2.regression import longley as nist


@pytest.fixture(scope="module")
def mpi() -> pd.DataFrame:
    return reg.load_mpi()


# --- Longley (1967): NIST StRD certified values, Stata's numbers, published VIFs ------
# mlxday2.regression.longley holds NIST's certified values (15 digits) and the
# published VIFs, with their sources; they are transcribed from statsmodels' own tests
# (statsmodels/regression/tests/results/results_regression.py, class Longley), which
# agree digit for digit with the copies in GSL's and Octave's Longley tests. Stata's
# output for the same regression, as recorded in that statsmodels file: the 95%
# intervals of `regress` and the standard errors of `regress ..., robust`, as printed.
STATA_CI = {
    "GNPDEFL": (-177.0291, 207.1524),
    "GNP": (-0.111581, 0.0399428),
    "UNEMP": (-3.125065, -0.9153928),
    "ARMED": (-1.517948, -0.5485049),
    "POP": (-0.5625173, 0.4603083),
    "YEAR": (798.7873, 2859.515),
    "Intercept": (-5496529, -1467987),
}
STATA_HC1_SE = {
    "GNPDEFL": 68.29380,
    "GNP": 0.03277,
    "UNEMP": 0.51099,
    "ARMED": 0.19499,
    "POP": 0.21094,
    "YEAR": 571.17917,
    "Intercept": 1109615,
}
LONGLEY_FORMULA = nist.FORMULA


@pytest.fixture(scope="module")
def longley():
    return nist.fit_longley()


def test_longley_matches_nist_certified_values(longley):
    # NIST gives 15 digits; float64 OLS on this ill-conditioned design keeps about 11
    # here. 7 significant digits leave a wide margin for other CPUs and LAPACK builds.
    for term, (estimate, sd) in nist.NIST_CERTIFIED.iterrows():
        assert longley.params[term] == pytest.approx(estimate, rel=1e-7), term
        assert longley.bse[term] == pytest.approx(sd, rel=1e-7), term
    assert np.sqrt(longley.mse_resid) == pytest.approx(nist.NIST_RESIDUAL_SD, rel=1e-9)
    assert longley.rsquared == pytest.approx(nist.NIST_R_SQUARED, rel=1e-12)
    assert longley.fvalue == pytest.approx(nist.NIST_F, rel=1e-9)
    table = nist.compare_with_nist(longley)
    assert len(table) == 2 * 7 + 3 and table["digits agreeing"].min() >= 7


def test_nist_values_are_the_published_ones():
    # spot checks of the transcription against the certified file's digits
    assert nist.NIST_CERTIFIED.loc["YEAR", "estimate"] == 1829.15146461355
    assert nist.NIST_CERTIFIED.loc["GNP", "std_err"] == 0.0334910077722432
    assert nist.digits(1.0000001, 1.0) == pytest.approx(7, abs=0.01)


def test_longley_intervals_and_robust_errors_match_stata(longley):
    # Stata printed 7 significant digits; agreement to 5 allows for Stata's float
    # storage
    ci = longley.conf_int()
    for term, (low, high) in STATA_CI.items():
        assert ci.loc[term, 0] == pytest.approx(low, rel=1e-5), term
        assert ci.loc[term, 1] == pytest.approx(high, rel=1e-5), term
    robust = reg.fit_ols(longley.model.data.frame, LONGLEY_FORMULA, cov_type="HC1")
    for term, se in STATA_HC1_SE.items():
        assert robust.bse[term] == pytest.approx(se, rel=2e-4), term


def test_longley_vifs_match_the_published_ones(longley):
    table = reg.estat_vif(longley)
    for name, published in nist.PUBLISHED_VIF.items():
        assert table.loc[name, "VIF"] == pytest.approx(published, abs=0.006), name


def test_inference_is_stata_t_with_n_minus_k_df(longley):
    from scipy import stats

    n, k = longley.model.exog.shape
    df = n - k
    t = longley.params / longley.bse
    np.testing.assert_allclose(longley.tvalues, t)
    np.testing.assert_allclose(longley.pvalues, 2 * stats.t.sf(np.abs(t), df))
    half = stats.t.ppf(0.975, df) * longley.bse
    np.testing.assert_allclose(longley.conf_int()[0], longley.params - half)
    assert longley.f_pvalue == pytest.approx(stats.f.sf(longley.fvalue, k - 1, df))
    assert longley.rsquared_adj == pytest.approx(
        1 - (1 - longley.rsquared) * (n - 1) / df
    )


def test_robust_f_is_the_wald_test_of_all_slopes_with_hc1(longley):
    from scipy import stats

    robust = reg.fit_ols(longley.model.data.frame, LONGLEY_FORMULA, cov_type="HC1")
    slopes = np.asarray(robust.params)[1:]
    cov = np.asarray(robust.cov_params())[1:, 1:]
    q = len(slopes)
    wald_f = slopes @ np.linalg.solve(cov, slopes) / q
    assert robust.fvalue == pytest.approx(wald_f, rel=1e-8)
    assert robust.f_pvalue == pytest.approx(stats.f.sf(wald_f, q, robust.df_resid))
    ci = robust.conf_int()  # robust intervals are t-based too
    half = stats.t.ppf(0.975, robust.df_resid) * robust.bse
    np.testing.assert_allclose(ci[1], robust.params + half)


# --- estat vif ------------------------------------------------------------------------


def test_estat_vif_is_statas_table(longley):
    table = reg.estat_vif(longley)
    assert list(table.columns) == ["VIF", "1/VIF"]
    assert table.index[-1] == "Mean VIF" and "Intercept" not in table.index
    body = table.iloc[:-1]
    assert list(body["VIF"]) == sorted(body["VIF"], reverse=True)
    np.testing.assert_allclose(body["1/VIF"], 1 / body["VIF"])
    assert table.loc["Mean VIF", "VIF"] == pytest.approx(body["VIF"].mean())
    assert np.isnan(table.loc["Mean VIF", "1/VIF"])


def test_estat_vif_one_regressor_is_one_and_collinear_is_inf():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"x": rng.normal(size=30), "y": rng.normal(size=30)})
    one = reg.estat_vif(reg.fit_ols(df, "y ~ x"))
    assert list(one.index) == ["x", "Mean VIF"]
    assert one.loc["x", "VIF"] == pytest.approx(1.0) and one.loc[
        "x", "1/VIF"
    ] == pytest.approx(1)
    df["x2"] = 2 * df["x"] - 1
    with pytest.warns(RuntimeWarning):
        fit = reg.fit_ols(df, "y ~ x + x2")
    with pytest.warns(RuntimeWarning, match=r"\['x', 'x2'\] are linear combinations"):
        table = reg.estat_vif(fit)
    assert np.isinf(table.loc["x", "VIF"]) and table.loc["x2", "1/VIF"] == 0
    assert np.isinf(table.loc["Mean VIF", "VIF"])


def test_estat_vif_bad_input():
    with pytest.raises(TypeError, match="results must be a fitted regression"):
        reg.estat_vif(pd.DataFrame({"x": [1.0, 2.0]}))
    df = pd.DataFrame({"x": [1.0, 2.0, 4.0, 3.0], "y": [1.0, 3.0, 2.0, 5.0]})
    with pytest.raises(ValueError, match="needs a model with an intercept"):
        reg.estat_vif(reg.fit_ols(df, "y ~ x - 1"))


# --- model ----------------------------------------------------------------------------


def test_robust_is_hc1_and_changes_only_standard_errors(mpi):
    complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])
    plain, robust = reg.fit_ols(complete), reg.fit_ols(complete, cov_type="HC1")
    np.testing.assert_allclose(plain.params, robust.params)
    hc0 = reg.fit_ols(complete, cov_type="HC0").bse
    n, k = plain.model.exog.shape
    np.testing.assert_allclose(
        robust.bse, hc0 * np.sqrt(n / (n - k))
    )  # HC1 = HC0 * n/(n-k)
    assert not np.allclose(robust.bse, plain.bse)


def test_short_names():
    names = [
        "Intercept",
        "C(region, Treatment(reference='Sub-Saharan Africa'))[T.South Asia]",
        "x",
    ]
    assert reg.short_names(names) == ["Intercept", "region[South Asia]", "x"]


# --- vif ------------------------------------------------------------------------------


def test_vif_is_the_diagonal_of_the_inverse_correlation_matrix():
    # an independent route to VIF_j = 1 / (1 - R_j^2), on the ill-conditioned Longley
    # data
    exog = nist.load_longley().drop(columns="TOTEMP")
    ours = reg.vif(exog)
    expected = np.diag(np.linalg.inv(np.corrcoef(exog.to_numpy(), rowvar=False)))
    assert list(ours.index) == list(exog.columns)
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-6)
    assert ours.max() > 1000  # Longley is the classic ill-conditioned example
    # a constant already present is used, not reported, and gives the same numbers
    with_const = sm.add_constant(exog)
    pd.testing.assert_series_equal(reg.vif(with_const), ours)
    theirs = [variance_inflation_factor(with_const.to_numpy(), i) for i in range(1, 7)]
    np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=1e-10)


def test_vif_perfectly_collinear_pair_is_inf_with_warning():
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    df = pd.DataFrame({"a": x, "b": 3 * x + 1, "c": rng.normal(size=50)})
    with pytest.warns(RuntimeWarning, match=r"\['a', 'b'\] are linear combinations"):
        v = reg.vif(df)
    assert np.isinf(v["a"]) and np.isinf(v["b"]) and np.isfinite(v["c"])


def test_vif_single_column_is_one():
    v = reg.vif(pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0]}))
    assert list(v.index) == ["x"] and v["x"] == pytest.approx(1.0)


def test_vif_independent_columns_near_one():
    rng = np.random.default_rng(1)
    v = reg.vif(pd.DataFrame(rng.normal(size=(5000, 3)), columns=list("xyz")))
    assert np.all(np.abs(v - 1) < 0.01)


def test_vif_bad_input():
    with pytest.raises(ValueError, match=r"non-numeric \['s'\]"):
        reg.vif(pd.DataFrame({"x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]}))
    with pytest.raises(ValueError, match="shape"):
        reg.vif(pd.DataFrame())
    with pytest.raises(ValueError, match="NaN"):
        reg.vif(pd.DataFrame({"x": [1.0, np.nan, 3.0], "y": [1.0, 0.0, 2.0]}))
    with pytest.raises(TypeError, match="exog must be a pandas DataFrame, got ndarray"):
        reg.vif(np.ones((3, 2)))
    with pytest.raises(
        ValueError, match="more rows than non-constant columns, got 2 rows"
    ):
        reg.vif(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 1.0]}))


def test_vif_accepts_bool_dummies(mpi):
    d = pd.get_dummies(mpi["region"], drop_first=True)  # bool columns in pandas >= 2
    assert np.isfinite(reg.vif(d)).all()


# --- claims the chapter makes about this data -----------------------------------------


@pytest.fixture(scope="module")
def complete(mpi) -> pd.DataFrame:
    return mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])


def test_listwise_deletion_drops_more_than_either_column(mpi, complete):
    dropped = len(mpi) - len(complete)
    assert dropped > mpi["poverty_215_pct"].isna().sum()
    assert dropped > mpi["poverty_national_pct"].isna().sum()
    assert (
        mpi.loc[~mpi.index.isin(complete.index), "headcount_pct"].mean()
        < complete["headcount_pct"].mean()
    )


def test_imputation_barely_moves_the_215_slope(mpi, complete):
    imputed = reg.impute_group_median(
        mpi, ["poverty_215_pct", "poverty_national_pct"], by="region"
    )
    b_cc = reg.fit_ols(complete).params["poverty_215_pct"]
    b_imp = reg.fit_ols(imputed).params["poverty_215_pct"]
    assert abs(b_imp - b_cc) < 0.05 * abs(b_cc)


def test_national_line_interval_admits_a_slope_as_large_as_the_215_one(complete):
    # the model paragraph: absence of evidence, not evidence of none
    fit = reg.fit_ols(complete)
    high = reg.coef_table(fit).loc["poverty_national_pct", "high"]
    assert fit.pvalues["poverty_national_pct"] > 0.05
    assert high >= fit.params["poverty_215_pct"]


def test_robust_interval_wider_but_excludes_zero(complete):
    plain, robust = reg.fit_ols(complete), reg.fit_ols(complete, cov_type="HC1")
    assert robust.bse["poverty_215_pct"] > plain.bse["poverty_215_pct"]
    assert reg.coef_table(robust).loc["poverty_215_pct", "low"] > 0
    assert plain.pvalues["poverty_national_pct"] > 0.05


def test_estat_vif_is_moderate_but_mpi_h_a_is_collinear(mpi, complete):
    assert reg.estat_vif(reg.fit_ols(complete))["VIF"].max() < 5
    positive = mpi[mpi["mpi"] >= 0.01]
    logs = reg.vif(np.log(positive[["mpi", "headcount_pct", "intensity_pct"]]))
    assert logs.min() > 100  # an identity up to rounding


# --- bad input: every public function names the argument, the value and the fix -------


def test_fit_ols_names_a_missing_column_and_lists_the_datas_columns(complete):
    with pytest.raises(
        ValueError, match="(?s)name 'gdp' is not defined.*data's columns"
    ):
        reg.fit_ols(complete, "headcount_pct ~ poverty_215_pct + gdp")
    with pytest.raises(ValueError, match="(?s)'regio' is not defined.*'region'"):
        reg.fit_ols(complete, "headcount_pct ~ C(regio)")


def test_fit_ols_names_empty_data_and_infinite_values(complete):
    with pytest.raises(ValueError, match="data must have rows"):
        reg.fit_ols(complete.iloc[:0])
    bad = complete.assign(poverty_215_pct=complete["poverty_215_pct"].replace(0, 1))
    bad.loc[bad.index[0], "poverty_215_pct"] = np.inf
    with pytest.raises(ValueError, match=r"infinite values in \['poverty_215_pct'\]"):
        reg.fit_ols(bad)


def test_fit_ols_rejects_non_numeric_outcome(complete):
    with pytest.raises(ValueError, match="column 'country' of data holds text"):
        reg.fit_ols(complete, "country ~ poverty_215_pct")
    as_text = complete.assign(headcount_pct=complete["headcount_pct"].astype(str))
    with pytest.raises(
        ValueError, match="'headcount_pct' of data holds text.*to_numeric"
    ):
        reg.fit_ols(as_text, "headcount_pct ~ poverty_215_pct")


def test_fit_ols_rejects_numbers_stored_as_text(mpi):
    raw = mpi.assign(
        poverty_215_pct=reg.read_raw("mpi-national")["PPP $2.15 a day 2011-2021"]
    )
    with pytest.raises(ValueError, match="'poverty_215_pct' of data holds text"):
        reg.fit_ols(raw, "headcount_pct ~ poverty_215_pct")


def test_fit_ols_bad_arguments(complete):
    with pytest.raises(TypeError, match="data must be a pandas DataFrame, got ndarray"):
        reg.fit_ols(complete.to_numpy())
    with pytest.raises(TypeError, match="formula must be a str"):
        reg.fit_ols(complete, formula=["headcount_pct", "poverty_215_pct"])
    with pytest.raises(ValueError, match="form 'y ~ x1 \\+ x2'"):
        reg.fit_ols(complete, "headcount_pct poverty_215_pct")
    with pytest.raises(ValueError, match="cov_type must be one of .* got 'robust'"):
        reg.fit_ols(complete, cov_type="robust")
    with pytest.raises(
        ValueError, match=r"data has 3 complete rows for \d+ coefficients"
    ):
        reg.fit_ols(complete.head(3))


def test_fit_ols_warns_on_perfectly_collinear_regressors(complete):
    twice = complete.assign(double_215=2 * complete["poverty_215_pct"])
    with pytest.warns(RuntimeWarning, match="perfectly collinear"):
        reg.fit_ols(twice, "headcount_pct ~ poverty_215_pct + double_215")


def test_coef_table_and_short_names_bad_input(complete):
    with pytest.raises(
        TypeError, match="results must be a fitted regression from fit_ols"
    ):
        reg.coef_table(complete)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\), got 5"):
        reg.coef_table(reg.fit_ols(complete), alpha=5)
    with pytest.raises(TypeError, match="names must be a list of strings"):
        reg.short_names("Intercept")


def test_plots_bad_input(mpi):
    with pytest.raises(
        TypeError, match="ax must be a Axes, got str; pass a matplotlib Axes or None"
    ):
        reg.plot_identity(mpi["mpi"], mpi["mpi"], ax="left")
    with pytest.raises(
        ValueError, match="x and y must have the same length, got 110 and 3"
    ):
        reg.plot_identity(mpi["mpi"], mpi["mpi"].head(3))
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['gdp'\]"):
        reg.plot_scatter_by_group(mpi, "gdp", "mpi", "region")
    with pytest.raises(TypeError, match="columns must be a non-empty list"):
        reg.plot_missingness(mpi, "poverty_215_pct", group="region")
    with pytest.raises(ValueError, match=r"terms \['gdp'\] are not in tables\['a'\]"):
        reg.plot_coefficients({"a": reg.coef_table(reg.fit_ols(mpi))}, ["gdp"])


def test_plots_draw_on_the_given_axes_and_return_them(mpi):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert reg.plot_identity(mpi["mpi"], mpi["headcount_pct"] / 100, ax=ax) is ax
    assert (
        reg.plot_scatter_by_group(
            mpi, "poverty_215_pct", "headcount_pct", "region", ax=ax
        )
        is ax
    )
    plt.close(fig)


# --- claims of the chapter's text and exercise solutions ----------------------------


def test_reference_is_the_largest_region_and_drop_first_would_pick_arab_states(mpi):
    counts = mpi["region"].value_counts()
    assert counts.idxmax() == reg.REFERENCE_REGION
    assert sorted(counts.index)[0] == "Arab States"
    assert counts["Arab States"] < counts[reg.REFERENCE_REGION] / 2


def test_destring_ignore_would_strip_decimal_points(mpi):
    # exercise reg-ex-ignore: ignore("..") removes every '.', so values stop being
    # percentages
    text = reg.read_raw("mpi-national")["PPP $2.15 a day 2011-2021"]
    stripped = pd.to_numeric(text.str.replace(".", "", regex=False).replace("", np.nan))
    assert mpi["poverty_215_pct"].max() <= 100 < stripped.max()
    np.testing.assert_array_equal(stripped.isna(), mpi["poverty_215_pct"].isna())
    assert stripped[text == "0.46"].eq(46).all()
    # so destring's note says "replaced as int": whole numbers, all within Stata's int
    # range (-32,767 to 32,740), which destring's automatic compress picks
    measured = stripped.dropna()
    assert (measured == measured.round()).all() and measured.between(0, 32_740).all()


def test_base_level_changes_region_coefficients_only(complete):
    # exercise reg-ex-reference and the i.region_id paragraph
    y_x = "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    base = reg.fit_ols(complete)
    for other in ["C(region)", "C(region, Treatment(reference='South Asia'))"]:
        refit = reg.fit_ols(complete, f"{y_x} + {other}")
        np.testing.assert_allclose(refit.fittedvalues, base.fittedvalues, atol=1e-8)
        assert refit.rsquared == pytest.approx(base.rsquared, rel=1e-10)
        assert refit.params["poverty_215_pct"] == pytest.approx(
            base.params["poverty_215_pct"], rel=1e-8
        )
    old = reg.coef_table(base)["estimate"]
    new = reg.coef_table(refit)["estimate"]
    assert new["region[Arab States]"] - old["region[Arab States]"] == pytest.approx(
        -old["region[South Asia]"], rel=1e-8
    )


def test_hc3_is_wider_than_hc1_and_the_215_interval_still_excludes_zero(complete):
    # exercise reg-ex-hc3
    hc1 = reg.fit_ols(complete, cov_type="HC1")
    hc3 = reg.fit_ols(complete, cov_type="HC3")
    assert hc3.bse["poverty_215_pct"] > hc1.bse["poverty_215_pct"]
    assert reg.coef_table(hc3).loc["poverty_215_pct", "low"] > 0


def test_the_days_numbers_match_the_stata_output(complete):
    # exercise reg-ex-read-stata: the national-line rate is not significant, robust or
    # not
    for cov in ("nonrobust", "HC1"):
        assert (
            reg.fit_ols(complete, cov_type=cov).pvalues["poverty_national_pct"] > 0.05
        )


# --- estat hettest, the generalized VIF ---------------------------------------------


def test_hettest_default_is_statas_fitted_value_normal_version(complete):
    # Stata's estat hettest: regress e^2 / (RSS/n) on the fitted values; chi2 is half
    # the explained sum of squares, with 1 df (Breusch-Pagan / Cook-Weisberg)
    fit = reg.fit_ols(complete)
    e2 = fit.resid.to_numpy() ** 2
    z = e2 / e2.mean()
    aux = sm.OLS(z, sm.add_constant(fit.fittedvalues.to_numpy())).fit()
    test = reg.hettest(fit)
    assert test["df"] == 1
    assert test["chi2"] == pytest.approx(aux.ess / 2, rel=1e-10)
    # rhs + studentized is Koenker's n R^2 on all regressors: statsmodels' default
    koenker = sm.OLS(e2, fit.model.exog).fit()
    both = reg.hettest(fit, rhs=True, studentized=True)
    assert both["chi2"] == pytest.approx(len(e2) * koenker.rsquared, rel=1e-10)
    assert both["df"] == fit.model.exog.shape[1] - 1
    # the chapter's claim: constant variance is rejected either way
    assert test["p"] < 0.01 and both["p"] < 0.01
    with pytest.raises(TypeError, match="rhs must be True or False"):
        reg.hettest(fit, rhs="yes")


def test_gvif_is_the_vif_for_one_column_and_ignores_the_base_level(complete):
    fit = reg.fit_ols(complete)
    g = reg.gvif(fit)
    table = reg.estat_vif(fit)
    for term in ["poverty_215_pct", "poverty_national_pct"]:
        assert g.loc[term, "GVIF"] == pytest.approx(table.loc[term, "VIF"], rel=1e-9)
        assert g.loc[term, "df"] == 1
    y_x = "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    other = reg.gvif(reg.fit_ols(complete, f"{y_x} + C(region)"))
    assert g.loc["region", "df"] == complete["region"].nunique() - 1
    assert other.loc["region", "GVIF"] == pytest.approx(g.loc["region", "GVIF"])
    # while the per-dummy VIFs do depend on the base level
    per_dummy = reg.estat_vif(reg.fit_ols(complete, f"{y_x} + C(region)"))
    assert per_dummy["VIF"].max() > table["VIF"].drop("Mean VIF").max()
    root = g.loc["region", "GVIF^(1/(2df))"]
    assert root == pytest.approx(g.loc["region", "GVIF"] ** (1 / 10))


def test_estat_vif_keeps_the_models_order_with_a_factor(complete):
    table = reg.estat_vif(reg.fit_ols(complete))
    assert list(table.index[:2]) == ["poverty_215_pct", "poverty_national_pct"]
    assert table.index[2].startswith("region[")


def test_a_straight_line_predicts_negative_headcounts(complete):
    # the model paragraph: some fitted H < 0 where the observed H is >= 0
    fitted = reg.fit_ols(complete).fittedvalues
    assert (fitted < 0).sum() >= 1
    assert (complete["headcount_pct"] >= 0).all()
    start = complete["survey_year"].str[:4].astype(int)
    assert start.between(2000, 2023).all()  # a year, as the prose reads it


def test_region_loses_less_precision_than_the_two_rates(complete):
    # the VIF paragraph: GVIF^(1/(2df)) of region below sqrt(VIF) of each rate
    g = reg.gvif(reg.fit_ols(complete))
    root = g["GVIF^(1/(2df))"]
    assert root["region"] < root["poverty_215_pct"]
    assert root["region"] < root["poverty_national_pct"]
    assert root["poverty_215_pct"] == pytest.approx(
        np.sqrt(g.loc["poverty_215_pct", "GVIF"])
    )


def test_the_rates_lose_precision_to_each_other_and_to_the_region(complete):
    # the VIF paragraph: alone, the rates' VIF is 1 / (1 - r^2); the region adds to it
    rates = complete[["poverty_215_pct", "poverty_national_pct"]]
    alone = reg.vif(rates)
    r = rates.corr().iloc[0, 1]
    assert alone.iloc[0] == pytest.approx(1 / (1 - r**2))
    with_region = reg.estat_vif(reg.fit_ols(complete))["VIF"]
    for rate in rates.columns:
        assert with_region[rate] > alone[rate] * 1.2


# --- multiple imputation -------------------------------------------------------------


@pytest.fixture(scope="module")
def mice_table(mpi):
    return reg.fit_mice(mpi, seed=0)


def test_fit_mice_is_reproducible_and_keeps_the_models_terms(mpi, complete, mice_table):
    assert mice_table.equals(reg.fit_mice(mpi, seed=0))
    assert not mice_table.equals(reg.fit_mice(mpi, seed=1))  # it moves with the seed
    assert list(mice_table.index) == sorted(
        reg.coef_table(reg.fit_ols(complete)).index, key=list(mice_table.index).index
    )
    assert np.isfinite(mice_table.to_numpy()).all()
    assert (mice_table["std_err"] > 0).all()


def test_south_asia_moves_most_under_either_imputation(mpi, complete, mice_table):
    # the imputation paragraph (MICE with the chapter's seed, 0)
    base = reg.coef_table(reg.fit_ols(complete))["estimate"]
    imputed = reg.impute_group_median(
        mpi, ["poverty_215_pct", "poverty_national_pct"], by="region"
    )
    median = reg.coef_table(reg.fit_ols(imputed))["estimate"]
    regions = [t for t in base.index if t.startswith("region[")]
    for other in (median, mice_table["estimate"]):
        moves = (other[regions] - base[regions]).abs()
        assert moves.idxmax() == "region[South Asia]"


def test_fit_mice_bad_input(mpi):
    with pytest.raises(ValueError, match=r"data is missing column\(s\) \['region'\]"):
        reg.fit_mice(mpi.drop(columns="region"), seed=0)
    with pytest.raises(TypeError, match="seed must be an integer"):
        reg.fit_mice(mpi, seed=0.5)
    with pytest.raises(ValueError, match="imputations must be an integer >= 2"):
        reg.fit_mice(mpi, seed=0, imputations=1)


def test_intensity_is_floored_at_a_third(mpi):
    # the H-A paragraph: A is averaged over the poor, who have >= 1/3 of deprivations
    assert mpi["intensity_pct"].min() >= 100 / 3
    few_poor = mpi.nsmallest(10, "headcount_pct")["intensity_pct"]
    assert few_poor.median() < mpi["intensity_pct"].median()


def test_residuals_spread_more_at_higher_fitted_values(complete):
    # the rvfplot paragraph: the upper half's residual SD is far above the lower half's
    fit = reg.fit_ols(complete)
    low = fit.fittedvalues < fit.fittedvalues.median()
    spread = fit.resid.groupby(low).std()
    assert spread[False] > 2 * spread[True]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert reg.plot_residuals(fit.fittedvalues, fit.resid, ax=ax) is ax
    plt.close(fig)


def test_south_asia_brings_fewest_countries_and_widest_contrast_interval(complete):
    # the chapter's sentence after fig-reg-coefs: the smallest region (5 countries) has
    # the widest interval of the five contrasts, classical and robust (HC1); the base
    # is the largest region
    counts = complete["region"].value_counts()
    assert counts.idxmin() == "South Asia" and counts.min() == 5
    assert counts.idxmax() == reg.REFERENCE_REGION
    for cov_type in ("nonrobust", "HC1"):
        table = reg.coef_table(reg.fit_ols(complete, cov_type=cov_type))
        regions = table[table.index.str.startswith("region")]
        assert (regions["high"] - regions["low"]).idxmax() == "region[South Asia]"
