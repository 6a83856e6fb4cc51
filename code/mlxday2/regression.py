"""Regression in practice on MPI data: loading, cleaning, dummies, OLS and VIF.

Everything the regression chapter computes lives here: the loaders of the OPHI/UNDP tables
(``load_mpi``, ``load_mpi_subnational``), the cleaning steps (``missingness``,
``harmonise_regions``, ``impute_group_median``), dummies with a named reference
(``make_dummies``), the model (``fit_ols``) and the variance inflation factor (``vif``), the
Stata-to-Python table (``STATA_TO_PYTHON``, ``run_stata_equivalents``), and at the bottom the
chapter's plots.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from mlxday2.data import fetch
from mlxday2.plotting import PALETTE, new_axes

# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

#: Original column name of ``Global-MPI_national.csv`` -> the name ``load_mpi`` gives it.
NATIONAL_COLUMNS: dict[str, str] = {
    "country code": "iso3",
    "Country": "country",
    "World region": "region",
    "Survey ": "survey",
    "Year": "survey_year",
    "Multidimensional Poverty Index": "mpi",
    "Headcount ratio: Population in multidimensional poverty": "headcount_pct",
    "Intensity of deprivation among the poor": "intensity_pct",
    "Vulnerable to poverty (who experience 20-33.32% intensity of deprivations)": "vulnerable_pct",
    "In severe poverty (severity 50% or higher)": "severe_pct",
    "National poverty line 2011-2021": "poverty_national_pct",
    "PPP $2.15 a day 2011-2021": "poverty_215_pct",
    "display difference": "display_flag",
    "Headcount in survey year thousands": "poor_thousands_survey_year",
    "Headcount 2021 thousands": "poor_thousands_2021",
}

#: Original column name of ``MPI_subnational.csv`` -> the name ``load_mpi_subnational`` gives it.
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

_TEXT_COLUMNS = {"iso3", "country", "region", "region_label", "continent", "survey", "survey_year",
                 "admin_type", "admin_name"}

#: The marker the OPHI/UNDP tables use for "no data".
MISSING_MARKER = ".."


def _read(name: str, columns: dict[str, str]) -> pd.DataFrame:
    raw = pd.read_csv(fetch(name), dtype=str, keep_default_na=False)
    unknown = set(raw.columns) - set(columns)
    if unknown:
        raise ValueError(f"{name} has unexpected columns {sorted(unknown)}; update the column map")
    df = raw.rename(columns=columns)
    for col in df.columns:
        text = df[col].str.strip()
        text = text.mask(text.isin(["", MISSING_MARKER]))  # blank cells and ".." mean missing
        df[col] = text if col in _TEXT_COLUMNS else pd.to_numeric(text)
    return df


def load_mpi() -> pd.DataFrame:
    """Return the national MPI 2023 table: one row per country (110), snake_case columns.

    The ``..`` markers become missing values (NaN) and every numeric column is float. Units:
    ``mpi`` in [0, 1]; every ``*_pct`` column in percent of the population; the headcounts in
    thousands of people. ``NATIONAL_COLUMNS`` maps the original names to these.
    """
    return _read("mpi-national", NATIONAL_COLUMNS)


def load_mpi_subnational(harmonise: bool = True) -> pd.DataFrame:
    """Return the sub-national MPI table: one row per region (517), snake_case columns.

    With ``harmonise=True`` (the default) the labels are cleaned by ``harmonise_regions``: a
    ``region`` column in the national table's six UNDP regions is added, and the admin-type
    labels are lower-cased. ``region_label`` keeps the file's own (cleaned) label.
    """
    df = _read("mpi-subnational", SUBNATIONAL_COLUMNS)
    return harmonise_regions(df, load_mpi()) if harmonise else df


# ---------------------------------------------------------------------------------------------
# Cleaning
# ---------------------------------------------------------------------------------------------

#: Spelling variants in the sub-national file's region labels -> one spelling.
REGION_LABEL_FIXES: dict[str, str] = {
    "South East Asia": "Southeast Asia",
    "East Africa": "Eastern Africa",
    "South Africa": "Southern Africa",  # a country name used as a region (for Mozambique)
}

#: Sub-national labels (UN geographic sub-regions) -> UNDP region used in the national table.
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
    """Return a copy of the sub-national table with consistent region and admin-type labels.

    ``region_label`` gets one spelling per region (``REGION_LABEL_FIXES``); a new ``region``
    column holds the UNDP region of the national table: the country's region there when the
    country is in it, else the label mapped by ``LABEL_TO_UNDP_REGION``. Missing labels are filled
    the same way. ``admin_type`` is lower-cased ("District" and "district" are one type).
    """
    for frame, arg in ((sub, "sub"), (national, "national")):
        missing = {"iso3", "region" if arg == "national" else "region_label"} - set(frame.columns)
        if missing:
            raise ValueError(f"{arg} must have columns {sorted(missing)}; load it with the loaders here")
    out = sub.copy()
    out["region_label"] = out["region_label"].replace(REGION_LABEL_FIXES)
    by_country = out["iso3"].map(national.set_index("iso3")["region"])
    by_label = out["region_label"].map(lambda s: LABEL_TO_UNDP_REGION.get(s, s))
    out["region"] = by_country.fillna(by_label)
    if out["region"].isna().any():
        bad = sorted(out.loc[out["region"].isna(), "country"].unique())
        raise ValueError(f"no region found for {bad}; add their label to LABEL_TO_UNDP_REGION")
    if "admin_type" in out:
        out["admin_type"] = out["admin_type"].str.lower()
    return out


def missingness(df: pd.DataFrame) -> pd.DataFrame:
    """Return one row per column with missing values: ``n_missing`` and ``pct_missing`` (%)."""
    n = df.isna().sum()
    table = pd.DataFrame({"n_missing": n, "pct_missing": 100 * n / len(df)})
    return table[table["n_missing"] > 0].sort_values("n_missing", ascending=False)


def impute_group_median(df: pd.DataFrame, columns: list[str], by: str) -> pd.DataFrame:
    """Return a copy with NaNs in ``columns`` replaced by the median of their ``by`` group.

    Adds a boolean ``<column>_imputed`` flag per column so the imputed rows stay visible.
    """
    for col in [*columns, by]:
        if col not in df:
            raise ValueError(f"column {col!r} not in df; choose from {list(df.columns)}")
    out = df.copy()
    for col in columns:
        out[f"{col}_imputed"] = out[col].isna()
        out[col] = out[col].fillna(out.groupby(by)[col].transform("median"))
    return out


# ---------------------------------------------------------------------------------------------
# Dummies and the model
# ---------------------------------------------------------------------------------------------


def make_dummies(values: pd.Series, reference: str, prefix: str | None = None) -> pd.DataFrame:
    """Return k-1 float 0/1 columns for a categorical Series with k levels, ``reference`` left out.

    The left-out level is the baseline every coefficient is compared with; keeping all k columns
    beside an intercept is the dummy trap (the columns sum to the intercept).
    """
    levels = sorted(values.dropna().unique())
    if reference not in levels:
        raise ValueError(f"reference must be one of {levels}, got {reference!r}")
    if values.isna().any():
        raise ValueError(f"values ({values.name!r}) has {values.isna().sum()} missing entries; drop or fill them first")
    prefix = values.name if prefix is None else prefix
    dummies = pd.get_dummies(values, prefix=prefix, prefix_sep="_", dtype=float)
    return dummies.drop(columns=reference if prefix is None else f"{prefix}_{reference}")


#: The chapter's model: multidimensional headcount on monetary poverty and region.
REFERENCE_REGION = "Sub-Saharan Africa"
FORMULA = (
    "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    f" + C(region, Treatment(reference='{REFERENCE_REGION}'))"
)


def fit_ols(data: pd.DataFrame, formula: str = FORMULA, cov_type: str = "nonrobust"):
    """Return the fitted statsmodels OLS results of ``formula`` on ``data`` (rows with NaN dropped).

    ``cov_type="HC1"`` gives Stata's ``reg ..., robust`` standard errors.
    """
    if cov_type not in {"nonrobust", "HC0", "HC1", "HC2", "HC3"}:
        raise ValueError(f"cov_type must be 'nonrobust' or 'HC0'..'HC3', got {cov_type!r}")
    return smf.ols(formula, data=data).fit(cov_type=cov_type)


def short_names(names: list[str]) -> list[str]:
    """Return term names with ``C(x, Treatment(...))[T.level]`` shortened to ``x[level]``."""
    return [re.sub(r"C\((\w+)[^)]*\)*\)\[T\.(.*)\]", r"\1[\2]", n) for n in names]


def coef_table(results, alpha: float = 0.05) -> pd.DataFrame:
    """Return estimate, std. error and ``1 - alpha`` confidence bounds per term (short names)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    ci = results.conf_int(alpha)
    table = pd.DataFrame(
        {"estimate": results.params, "std_err": results.bse, "low": ci[0], "high": ci[1]}
    )
    table.index = short_names(list(table.index))
    return table


# ---------------------------------------------------------------------------------------------
# Multicollinearity
# ---------------------------------------------------------------------------------------------

#: 1 - R^2 below this (relative to the column's variance) counts as perfect collinearity.
PERFECT_COLLINEARITY_TOL = 1e-10


def vif(exog: pd.DataFrame) -> pd.Series:
    """Return the variance inflation factor of every non-constant column of ``exog``.

    VIF_j = 1 / (1 - R_j^2), with R_j^2 from regressing column j on all the others and an
    intercept (Stata's ``estat vif``). A constant column (``const``, ``Intercept``) is used as
    that intercept and is not reported; one is added when absent. A column that the others
    explain exactly gets ``inf`` and a warning naming it.
    """
    if not isinstance(exog, pd.DataFrame):
        raise ValueError(f"exog must be a pandas DataFrame, got {type(exog).__name__}")
    if exog.shape[0] == 0 or exog.shape[1] == 0:
        raise ValueError(f"exog must have rows and columns, got shape {exog.shape}")
    bad = [c for c in exog.columns
           if not (pd.api.types.is_numeric_dtype(exog[c]) or pd.api.types.is_bool_dtype(exog[c]))]
    if bad:
        raise ValueError(f"exog columns must be numeric, got non-numeric {bad}; "
                         "encode categories with make_dummies first")
    X = exog.to_numpy(dtype=float)
    if not np.isfinite(X).all():
        raise ValueError("exog has NaN or infinite values; drop or impute them first (e.g. exog.dropna())")
    constant = np.ptp(X, axis=0) == 0
    if constant.all():
        raise ValueError(f"exog needs a non-constant column, got only constant columns {list(exog.columns)}")
    others = X[:, ~constant]
    names = exog.columns[~constant]
    n, k = others.shape
    if n <= k:
        raise ValueError(f"exog needs more rows than non-constant columns, got {n} rows and {k} columns")
    out = {}
    for j, name in enumerate(names):
        y = others[:, j]
        A = np.column_stack([np.ones(n), np.delete(others, j, axis=1)])
        beta, *_ = np.linalg.lstsq(A, y, rcond=None)
        ssr = np.sum((y - A @ beta) ** 2)
        sst = np.sum((y - y.mean()) ** 2)
        # 1 - R^2 at rounding level: the others reproduce this column exactly
        out[name] = np.inf if ssr <= PERFECT_COLLINEARITY_TOL * sst else sst / ssr
    infinite = [name for name, v in out.items() if np.isinf(v)]
    if infinite:
        warnings.warn(
            f"columns {infinite} are linear combinations of the other columns (R^2 = 1): their "
            "VIF is infinite. Drop one of the collinear columns (for dummies: leave out a reference).",
            RuntimeWarning,
            stacklevel=2,
        )
    return pd.Series(out, name="VIF", dtype=float)


def model_vif(results) -> pd.Series:
    """Return ``vif`` of a fitted formula model's regressors, with short term names."""
    exog = pd.DataFrame(results.model.exog, columns=short_names(results.model.exog_names))
    return vif(exog)


# ---------------------------------------------------------------------------------------------
# Stata beside Python
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StataStep:
    """One Stata command and the Python line the chapter runs for it."""

    stata: str
    python: str
    what: str


#: The chapter runs each ``python`` line (``run_stata_equivalents``) and shows this table.
STATA_TO_PYTHON: tuple[StataStep, ...] = (
    StataStep("describe", "mpi.dtypes", "variables and their storage types"),
    StataStep("summarize", "mpi.describe().T", "count, mean, sd, min, max per variable"),
    StataStep("tab region", 'mpi["region"].value_counts()', "frequency table"),
    StataStep("gen h_times_a = headcount_pct * intensity_pct / 10000",
              'mpi["h_times_a"] = mpi["headcount_pct"] * mpi["intensity_pct"] / 10_000',
              "new variable"),
    StataStep("drop if missing(poverty_215_pct, poverty_national_pct)",
              'complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])',
              "listwise deletion"),
    StataStep("i.region (base: ib(last).region)",
              'dummies = make_dummies(mpi["region"], reference="Sub-Saharan Africa")',
              "k - 1 indicator columns"),
    StataStep("reg headcount_pct poverty_215_pct poverty_national_pct ib(last).region",
              "fit = fit_ols(complete)", "OLS, classical standard errors"),
    StataStep("reg ..., robust", 'robust = fit_ols(complete, cov_type="HC1")',
              "OLS, heteroskedasticity-robust (HC1) standard errors"),
    StataStep("estat vif", "vifs = model_vif(fit)", "variance inflation factors"),
    StataStep("predict yhat", "yhat = fit.predict(complete)", "fitted values"),
)


def run_stata_equivalents(steps: tuple[StataStep, ...] = STATA_TO_PYTHON) -> tuple[pd.DataFrame, dict]:
    """Run every step's Python line in order on a fresh ``mpi = load_mpi()``.

    Returns ``(table, namespace)``: a table of Stata command, Python line and a one-line summary
    of what the line produced, and the namespace holding the results (``fit``, ``vifs``, ...).
    """
    namespace: dict = {"mpi": load_mpi(), "make_dummies": make_dummies, "fit_ols": fit_ols,
                       "model_vif": model_vif, "pd": pd}
    rows = []
    for step in steps:
        try:
            value = eval(step.python, namespace)  # an expression: keep its value
        except SyntaxError:
            before = set(namespace)
            exec(step.python, namespace)  # a statement: show what it assigned
            new = [k for k in namespace if k not in before]
            value = namespace[new[0]] if new else namespace["mpi"]
        rows.append({"Stata": step.stata, "Python": step.python, "result": _summarise(value)})
    return pd.DataFrame(rows), namespace


def _summarise(value) -> str:
    if isinstance(value, pd.DataFrame):
        return f"{value.shape[0]} rows x {value.shape[1]} columns"
    if isinstance(value, pd.Series):
        return f"{len(value)} values"
    if hasattr(value, "rsquared"):
        return f"n = {int(value.nobs)}, R^2 = {value.rsquared:.3f}, {value.cov_type} SEs"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Plots (take computed data, never fit)
# ---------------------------------------------------------------------------------------------


def plot_missingness(df: pd.DataFrame, columns: list[str], group: str, ax: plt.Axes | None = None):
    """Draw which row misses which of ``columns`` (a red cell), rows sorted and labelled by ``group``."""
    fig, ax = new_axes(ax)
    data = df.sort_values([group]).reset_index(drop=True)
    grid = data[columns].isna().to_numpy().T.astype(float)
    cmap = mpl.colors.ListedColormap(["#f2f2f2", PALETTE[1]])
    ax.imshow(grid, aspect="auto", cmap=cmap, interpolation="none", vmin=0, vmax=1)
    ax.set_yticks(range(len(columns)), columns)
    edges = np.flatnonzero(data[group].to_numpy()[1:] != data[group].to_numpy()[:-1]) + 1
    for e in edges:
        ax.axvline(e - 0.5, color="black", lw=0.8)
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(data)]
    ax.set_xticks((starts + ends - 1) / 2, data[group].iloc[starts], rotation=30, ha="right",
                  fontsize="small")
    ax.grid(False)
    ax.set_title("Missing values (red), one column per country, grouped by region")
    return fig


def plot_scatter_by_group(df: pd.DataFrame, x: str, y: str, group: str, ax: plt.Axes | None = None):
    """Scatter ``y`` against ``x``, one colour per ``group`` level."""
    fig, ax = new_axes(ax)
    for color, (level, part) in zip(PALETTE, df.groupby(group)):
        ax.scatter(part[x], part[y], s=18, color=color, label=level, alpha=0.8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize="small", loc="lower right")
    return fig


def plot_coefficients(tables: dict[str, pd.DataFrame], terms: list[str], ax: plt.Axes | None = None,
                      legend: str | None = "best"):
    """Draw the estimate and confidence interval of each of ``terms``, one colour per table.

    ``legend`` is the legend's matplotlib ``loc``, or None for no legend.
    """
    fig, ax = new_axes(ax)
    offsets = np.linspace(-0.15, 0.15, len(tables))
    for off, color, (label, table) in zip(offsets, PALETTE, tables.items()):
        t = table.loc[terms]
        ypos = np.arange(len(terms)) + off
        ax.errorbar(t["estimate"], ypos, xerr=[t["estimate"] - t["low"], t["high"] - t["estimate"]],
                    fmt="o", color=color, capsize=3, label=label)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(terms)), terms)
    ax.invert_yaxis()
    if legend is not None:
        ax.legend(fontsize="small", loc=legend)
    return fig


def plot_identity(x: pd.Series, y: pd.Series, ax: plt.Axes | None = None):
    """Scatter ``y`` against ``x`` with the line y = x."""
    fig, ax = new_axes(ax)
    ax.scatter(x, y, s=14, color=PALETTE[0])
    lim = [min(x.min(), y.min()), max(x.max(), y.max())]
    ax.plot(lim, lim, color=PALETTE[1], lw=1, label="y = x")
    ax.set_xlabel(x.name)
    ax.set_ylabel(y.name)
    ax.legend()
    return fig
