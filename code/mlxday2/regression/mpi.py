"""The OPHI/UNDP Multidimensional Poverty Index tables: loading, cleaning and dummies.

The data half of the regression chapter: the loaders (``load_mpi``,
``load_mpi_subnational``), the cleaning steps (``missingness``, ``harmonise_regions``,
``impute_group_median``) and dummies with a named reference level (``make_dummies``).
The model half is ``mlxday2.regression.model``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mlxday2.checks import check_frame
from mlxday2.datasets import fetch


def _check_column_names(names, argument: str) -> list[str]:
    if isinstance(names, str):
        raise TypeError(
            f"{argument} must be a list of column names, got the string {names!r}; "
            f"write [{names!r}] for one column"
        )
    if not isinstance(names, Iterable) or not all(isinstance(c, str) for c in names):
        raise TypeError(
            f"{argument} must be a list of column names (str), got {names!r}"
        )
    return list(names)


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

#: Original column name of ``Global-MPI_national.csv`` -> its name in ``load_mpi()``.
NATIONAL_COLUMNS: dict[str, str] = {
    "country code": "iso3",
    "Country": "country",
    "World region": "region",
    "Survey ": "survey",
    "Year": "survey_year",
    "Multidimensional Poverty Index": "mpi",
    "Headcount ratio: Population in multidimensional poverty": "headcount_pct",
    "Intensity of deprivation among the poor": "intensity_pct",
    (
        "Vulnerable to poverty (who experience 20-33.32% intensity of deprivations)"
    ): "vulnerable_pct",
    "In severe poverty (severity 50% or higher)": "severe_pct",
    "National poverty line 2011-2021": "poverty_national_pct",
    "PPP $2.15 a day 2011-2021": "poverty_215_pct",
    "display difference": "display_flag",
    "Headcount in survey year thousands": "poor_thousands_survey_year",
    "Headcount 2021 thousands": "poor_thousands_2021",
}

#: Original column name of ``MPI_subnational.csv`` -> its name in the loaded table.
SUBNATIONAL_COLUMNS: dict[str, str] = {
    "ISOcountry code": "iso3",
    "country": "country",
    "World region": "region_label",
    "Continent": "continent",
    "Survey": "survey",
    "Year": "survey_year",
    "Admin": "admin_type",
    "Admin name Region": "admin_name",
    "admin level": "admin_level",
    "Population Share (%)": "population_share_pct",
    "MPI": "mpi",
    "Headcount Ratio (H, %)": "headcount_pct",
    "Intensity (A, %)": "intensity_pct",
}

_TEXT_COLUMNS = {
    "iso3",
    "country",
    "region",
    "region_label",
    "continent",
    "survey",
    "survey_year",
    "admin_type",
    "admin_name",
}

#: The marker the OPHI/UNDP tables use for "no data".
MISSING_MARKER = ".."


def read_raw(name: str) -> pd.DataFrame:
    """Return the registered MPI table ``name`` as the file has it, every cell text.

    The ``..`` markers are still there: this is the table before any cleaning.
    """
    return pd.read_csv(fetch(name), dtype=str, keep_default_na=False)


def _read(name: str, columns: dict[str, str]) -> pd.DataFrame:
    raw = read_raw(name)
    unknown = set(raw.columns) - set(columns)
    if unknown:
        raise ValueError(
            f"{name} has unexpected columns {sorted(unknown)}; update the column map"
        )
    df = raw.rename(columns=columns)
    for col in df.columns:
        text = df[col].str.strip()
        # blank cells and ".." mean missing
        text = text.mask(text.isin(["", MISSING_MARKER]))
        df[col] = text if col in _TEXT_COLUMNS else pd.to_numeric(text)
    return df


def load_mpi() -> pd.DataFrame:
    """Return the national MPI 2023 table: one row per country (110), snake_case names.

    The ``..`` markers become missing values (NaN) and every numeric column is float.
    Units: ``mpi`` in [0, 1]; every ``*_pct`` column in percent of the population; the
    headcounts in thousands of people. ``NATIONAL_COLUMNS`` maps the original names to
    these.
    """
    return _read("mpi-national", NATIONAL_COLUMNS)


def load_mpi_subnational(harmonise: bool = True) -> pd.DataFrame:
    """Return the sub-national MPI table: one row per region (517), snake_case columns.

    With ``harmonise=True`` (the default) the labels are cleaned by
    ``harmonise_regions``: a ``region`` column in the national table's six UNDP regions
    is added, and the admin-type labels are lower-cased. ``region_label`` keeps the
    file's own (cleaned) label.
    """
    if not isinstance(harmonise, bool):
        raise TypeError(f"harmonise must be True or False, got {harmonise!r}")
    df = _read("mpi-subnational", SUBNATIONAL_COLUMNS)
    return harmonise_regions(df, load_mpi()) if harmonise else df


# --------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------

#: Spelling variants in the sub-national file's region labels -> one spelling.
REGION_LABEL_FIXES: dict[str, str] = {
    "South East Asia": "Southeast Asia",
    "East Africa": "Eastern Africa",
    "South Africa": "Southern Africa",  # a country's name used for Mozambique's region
}

#: Sub-national labels (UN geographic sub-regions) -> UNDP region used in the national
#: table.
LABEL_TO_UNDP_REGION: dict[str, str] = {
    "Southeast Asia": "East Asia and the Pacific",
    "Eastern Africa": "Sub-Saharan Africa",
    "Southern Africa": "Sub-Saharan Africa",
    "West Africa": "Sub-Saharan Africa",
    "Central Asia": "Europe and Central Asia",
    "South Central Asia": "South Asia",  # Bhutan; UNDP counts it in South Asia
    "Western Asia": "Arab States",  # Palestine
}


def harmonise_regions(sub: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of the sub-national table with consistent region and admin labels.

    ``region_label`` gets one spelling per region (``REGION_LABEL_FIXES``); a new
    ``region`` column holds the UNDP region of the national table: the country's region
    there when the country is in it, else the label mapped by ``LABEL_TO_UNDP_REGION``.
    Missing labels are filled the same way. ``admin_type`` is lower-cased ("District"
    and "district" are one type).
    """
    check_frame("sub", sub, ["iso3", "region_label"])
    check_frame("national", national, ["iso3", "region"])
    out = sub.copy()
    out["region_label"] = out["region_label"].replace(REGION_LABEL_FIXES)
    national_region = national.drop_duplicates("iso3").set_index("iso3")["region"]
    by_country = out["iso3"].map(national_region)
    by_label = out["region_label"].map(lambda s: LABEL_TO_UNDP_REGION.get(s, s))
    out["region"] = by_country.fillna(by_label)
    if out["region"].isna().any():
        who = "country" if "country" in out else "iso3"
        bad = sorted(out.loc[out["region"].isna(), who].astype(str).unique())
        raise ValueError(
            f"no region found for {bad}; add their label to LABEL_TO_UNDP_REGION"
        )
    if "admin_type" in out:
        out["admin_type"] = out["admin_type"].str.lower()
    return out


def missingness(df: pd.DataFrame) -> pd.DataFrame:
    """Return one row per column with missing values: ``n_missing``, ``pct_missing``."""
    check_frame("df", df)
    if len(df) == 0:
        raise ValueError(
            "df has no rows, so no share of missing values; pass a non-empty table"
        )
    n = df.isna().sum()
    table = pd.DataFrame({"n_missing": n, "pct_missing": 100 * n / len(df)})
    return table[table["n_missing"] > 0].sort_values("n_missing", ascending=False)


def impute_group_median(df: pd.DataFrame, columns: list[str], by: str) -> pd.DataFrame:
    """Return a copy with NaNs in ``columns`` filled with their ``by`` group's median.

    Adds a boolean ``<column>_imputed`` flag per column so the imputed rows stay
    visible. A group with no observed value of a column has no median: that is an error,
    never a gap left silently.
    """
    columns = _check_column_names(columns, "columns")
    if not isinstance(by, str):
        raise TypeError(f"by must be one column name (str), got {by!r}")
    check_frame("df", df, [*columns, by])
    if df[by].isna().any():
        raise ValueError(
            f"by column {by!r} has {int(df[by].isna().sum())} missing values, so those "
            "rows have no group; fill or drop them first"
        )
    for col in columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise ValueError(
                f"column {col!r} is not numeric (dtype {df[col].dtype}); a median "
                "needs numbers: convert it with pd.to_numeric first"
            )
        observed = df[col].notna().groupby(df[by]).any()
        empty = sorted(observed.index[~observed].astype(str))
        if empty:
            raise ValueError(
                f"column {col!r} has no observed value in group(s) {empty} of {by!r}, "
                "so there is no median to impute; drop those rows or group by a "
                "coarser column"
            )
    return _fill_group_median(df, columns, by)


def _fill_group_median(df: pd.DataFrame, columns: list[str], by: str) -> pd.DataFrame:
    out = df.copy()
    for col in columns:
        out[f"{col}_imputed"] = out[col].isna()
        out[col] = out[col].fillna(out.groupby(by)[col].transform("median"))
    return out


# --------------------------------------------------------------------------------------
# Dummies
# --------------------------------------------------------------------------------------


def make_dummies(
    values: pd.Series, reference: str, prefix: str | None = None
) -> pd.DataFrame:
    """Return k-1 float 0/1 columns for a Series with k levels, ``reference`` left out.

    The left-out level is the baseline every coefficient is compared with; keeping all k
    columns beside an intercept is the dummy trap (the columns sum to the intercept).
    """
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"values must be a pandas Series (one column, e.g. mpi['region']), "
            f"got {type(values).__name__}"
        )
    if prefix is not None and not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string or None, got {prefix!r}")
    if values.isna().any():
        raise ValueError(
            f"values ({values.name!r}) has {values.isna().sum()} missing entries; "
            "drop or fill them first"
        )
    levels = sorted(values.unique())
    if len(levels) < 2:
        raise ValueError(
            f"values ({values.name!r}) needs at least two levels for a dummy, "
            f"got {levels}"
        )
    if reference not in levels:
        raise ValueError(f"reference must be one of {levels}, got {reference!r}")
    return _dummies_without(
        values, reference, values.name if prefix is None else prefix
    )


def _dummies_without(values: pd.Series, reference: str, prefix) -> pd.DataFrame:
    dummies = pd.get_dummies(values, prefix=prefix, prefix_sep="_", dtype=float)
    return dummies.drop(
        columns=reference if prefix is None else f"{prefix}_{reference}"
    )
