"""Tests of mlxday2.regression.mpi: loaders, label harmonisation, cleaning, dummies, bad
input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mlxday2 import regression as reg
from mlxday2.datasets import fetch
from mlxday2.regression import mpi as mpi_data


@pytest.fixture(scope="module")
def mpi() -> pd.DataFrame:
    return mpi_data.load_mpi()


@pytest.fixture(scope="module")
def sub() -> pd.DataFrame:
    return mpi_data.load_mpi_subnational()


# --- loaders --------------------------------------------------------------------------


def test_load_mpi_has_110_countries_with_readable_names(mpi):
    assert len(mpi) == 110
    assert mpi["iso3"].is_unique
    assert list(mpi.columns) == list(mpi_data.NATIONAL_COLUMNS.values())
    assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in mpi.columns)


def test_load_mpi_markers_become_nan(mpi):
    raw = pd.read_csv(fetch("mpi-national"), dtype=str, keep_default_na=False)
    for original, new in [
        ("PPP $2.15 a day 2011-2021", "poverty_215_pct"),
        ("National poverty line 2011-2021", "poverty_national_pct"),
    ]:
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
    # the chapter's claim: MPI = H x A / 10000 (both in percent), MPI rounded to 3
    # decimals
    gap = (mpi["mpi"] - mpi["headcount_pct"] * mpi["intensity_pct"] / 10_000).abs()
    assert gap.max() <= 0.0005 + 1e-9


def test_load_subnational_shape_and_types(sub):
    assert len(sub) == 517
    assert pd.api.types.is_float_dtype(sub["mpi"])
    assert sub["population_share_pct"].isna().sum() > 0


# --- harmonisation --------------------------------------------------------------------


def test_raw_subnational_labels_are_inconsistent():
    raw = mpi_data.load_mpi_subnational(harmonise=False)
    assert {"South East Asia", "Southeast Asia"} <= set(raw["region_label"].dropna())
    assert {"East Africa", "Eastern Africa"} <= set(raw["region_label"].dropna())


def test_harmonised_labels_are_one_spelling(sub):
    labels = set(sub["region_label"].dropna())
    assert "South East Asia" not in labels and "Southeast Asia" in labels
    assert "East Africa" not in labels and "South Africa" not in labels
    assert set(sub["admin_type"].dropna()) == set(
        sub["admin_type"].dropna().str.lower()
    )


def test_harmonised_regions_match_national_table(sub, mpi):
    assert sub["region"].notna().all()
    assert set(sub["region"]) <= set(mpi["region"])
    national = mpi.set_index("iso3")["region"]
    both = sub[sub["iso3"].isin(national.index)]
    assert (both["region"] == both["iso3"].map(national)).all()
    # Thailand ("South East Asia") and Viet Nam ("Southeast Asia") end up in one region
    assert sub.loc[sub["iso3"].isin(["THA", "VNM"]), "region"].nunique() == 1


def test_harmonise_regions_rejects_wrong_frame(mpi):
    with pytest.raises(
        ValueError, match=r"sub is missing column\(s\) \['iso3', 'region_label'\]"
    ):
        mpi_data.harmonise_regions(pd.DataFrame({"x": [1]}), mpi)


# --- cleaning -------------------------------------------------------------------------


def test_missingness_counts(mpi):
    table = mpi_data.missingness(mpi)
    assert (
        table.loc["poverty_215_pct", "n_missing"] == mpi["poverty_215_pct"].isna().sum()
    )
    assert (table["n_missing"] > 0).all()
    assert "mpi" not in table.index


def test_impute_group_median_fills_with_region_median(mpi):
    out = mpi_data.impute_group_median(mpi, ["poverty_215_pct"], by="region")
    assert out["poverty_215_pct"].notna().all()
    assert out["poverty_215_pct_imputed"].sum() == mpi["poverty_215_pct"].isna().sum()
    row = out[out["poverty_215_pct_imputed"]].iloc[0]
    expected = mpi.loc[mpi["region"] == row["region"], "poverty_215_pct"].median()
    assert row["poverty_215_pct"] == pytest.approx(expected)


# --- dummies --------------------------------------------------------------------------


def test_make_dummies_k_minus_one_with_reference(mpi):
    d = mpi_data.make_dummies(mpi["region"], reference="Sub-Saharan Africa")
    k = mpi["region"].nunique()
    assert d.shape == (110, k - 1)
    assert "region_Sub-Saharan Africa" not in d.columns
    ssa = (mpi["region"] == "Sub-Saharan Africa").to_numpy()
    assert (d.to_numpy()[ssa] == 0).all()  # the reference is the all-zero row
    assert (d.to_numpy()[~ssa].sum(axis=1) == 1).all()


def test_make_dummies_matches_formula_coding(mpi):
    complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])
    fit = reg.fit_ols(complete)
    d = mpi_data.make_dummies(complete["region"], reference=reg.REFERENCE_REGION)
    X = sm.add_constant(
        pd.concat([d, complete[["poverty_215_pct", "poverty_national_pct"]]], axis=1)
    )
    manual = sm.OLS(complete["headcount_pct"], X).fit()
    np.testing.assert_allclose(
        manual.params["poverty_215_pct"], fit.params["poverty_215_pct"], rtol=1e-10
    )
    np.testing.assert_allclose(manual.rsquared, fit.rsquared, rtol=1e-12)


def test_dummy_trap_all_k_columns_are_perfectly_collinear_with_constant(mpi):
    full = pd.get_dummies(mpi["region"], dtype=float)
    with pytest.warns(RuntimeWarning, match="linear combinations"):
        v = reg.vif(full)
    assert np.isinf(v).all()


def test_make_dummies_bad_reference(mpi):
    with pytest.raises(ValueError, match="reference must be one of"):
        mpi_data.make_dummies(mpi["region"], reference="Atlantis")


def test_make_dummies_unnamed_series_and_missing_values():
    d = mpi_data.make_dummies(pd.Series(["a", "b", "c", "a"]), reference="b")
    assert list(d.columns) == ["a", "c"]
    with pytest.raises(ValueError, match="missing"):
        mpi_data.make_dummies(pd.Series(["a", None, "b"], name="g"), reference="a")


# --- bad input: every public function names the argument, the value and the fix -------


def test_loaders_reject_bad_arguments():
    with pytest.raises(TypeError, match="harmonise must be True or False, got 'yes'"):
        mpi_data.load_mpi_subnational(harmonise="yes")


def test_frames_must_be_dataframes(mpi):
    with pytest.raises(TypeError, match="df must be a pandas DataFrame, got list"):
        mpi_data.missingness([1, 2])
    with pytest.raises(
        TypeError, match="national must be a pandas DataFrame, got dict"
    ):
        mpi_data.harmonise_regions(
            mpi_data.load_mpi_subnational(harmonise=False), {"iso3": []}
        )
    with pytest.raises(ValueError, match="df has no rows"):
        mpi_data.missingness(mpi.iloc[:0])


def test_impute_group_median_bad_input(mpi):
    with pytest.raises(
        TypeError, match=r"got the string 'poverty_215_pct'; write \['pov"
    ):
        mpi_data.impute_group_median(mpi, "poverty_215_pct", by="region")
    with pytest.raises(ValueError, match=r"df is missing column\(s\) \['nope'\]"):
        mpi_data.impute_group_median(mpi, ["nope"], by="region")
    with pytest.raises(ValueError, match=r"missing column\(s\) \[.continent.\]"):
        mpi_data.impute_group_median(mpi, ["poverty_215_pct"], by="continent")
    with pytest.raises(TypeError, match="by must be one column name"):
        mpi_data.impute_group_median(mpi, ["poverty_215_pct"], by=["region"])
    with pytest.raises(ValueError, match="column 'country' is not numeric"):
        mpi_data.impute_group_median(mpi, ["country"], by="region")
    gappy = mpi.assign(region=mpi["region"].where(mpi.index > 0))
    with pytest.raises(ValueError, match="by column 'region' has 1 missing values"):
        mpi_data.impute_group_median(gappy, ["poverty_215_pct"], by="region")
    # a group with no observed value has no median: an error, not a silent gap
    empty = mpi.assign(
        poverty_215_pct=mpi["poverty_215_pct"].where(mpi["region"] != "South Asia")
    )
    with pytest.raises(
        ValueError, match=r"no observed value in group\(s\) \['South Asia'\]"
    ):
        mpi_data.impute_group_median(empty, ["poverty_215_pct"], by="region")


def test_make_dummies_bad_input(mpi):
    with pytest.raises(TypeError, match="values must be a pandas Series"):
        mpi_data.make_dummies(mpi[["region"]], reference="South Asia")
    with pytest.raises(TypeError, match="prefix must be a string or None, got 3"):
        mpi_data.make_dummies(mpi["region"], reference="South Asia", prefix=3)
    with pytest.raises(ValueError, match=r"needs at least two levels.*\['a'\]"):
        mpi_data.make_dummies(pd.Series(["a", "a"], name="g"), reference="a")


def test_the_label_slips_the_chapter_names():
    raw = mpi_data.load_mpi_subnational(harmonise=False)
    unlabelled = set(raw.loc[raw["region_label"].isna(), "country"])
    assert unlabelled == {"Colombia", "Guatemala"}
    label = raw.drop_duplicates("country").set_index("country")["region_label"]
    assert (
        label["Thailand"] == "South East Asia" and label["Vietnam"] == "Southeast Asia"
    )
    assert label["Rwanda"] == "East Africa" and label["Seychelles"] == "Eastern Africa"
    assert label["Mozambique"] == "South Africa"
    years = raw.loc[raw["iso3"] == "UGA", "survey_year"]
    assert years.is_unique and len(years) > 3  # counts up row by row: drag-to-fill
