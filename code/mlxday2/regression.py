"""Regression in practice on MPI data: the model, its standard errors and the VIF.

The model half of the regression chapter: the model (``fit_ols``, with Stata's t-based
inference), its coefficient table (``coef_table``), the variance inflation factor (``vif``),
the Stata-to-Python table (``STATA_TO_PYTHON``, ``run_stata_equivalents``), and at the bottom
the chapter's plots. The data half (loading, cleaning, dummies) is ``mlxday2.mpi_data``; its
names are re-exported here, so ``regression.load_mpi`` works.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize
import warnings
from dataclasses import dataclass

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from mlxday2.mpi_data import (  # noqa: F401  (re-exported: the chapter's data half)
    LABEL_TO_UNDP_REGION,
    MISSING_MARKER,
    NATIONAL_COLUMNS,
    REGION_LABEL_FIXES,
    SUBNATIONAL_COLUMNS,
    check_frame,
    harmonise_regions,
    impute_group_median,
    load_mpi,
    load_mpi_subnational,
    make_dummies,
    missingness,
    read_raw,
)
from mlxday2.plotting import PALETTE, new_axes

# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

#: The chapter's model: multidimensional headcount on monetary poverty and region.
REFERENCE_REGION = "Sub-Saharan Africa"
FORMULA = (
    "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    f" + C(region, Treatment(reference='{REFERENCE_REGION}'))"
)


#: Covariance estimators ``fit_ols`` accepts: classical, and White's HC0 to HC3 (Stata's
#: ``vce(robust)`` = ``, robust`` is HC1; ``vce(hc2)``, ``vce(hc3)`` are HC2, HC3).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")

# Names a formula may use besides the data's columns: patsy/formulaic helpers, builtins, numpy.
_FORMULA_HELPERS = set(dir(builtins)) | {
    "C", "Treatment", "Sum", "Diff", "Helmert", "Poly", "I", "Q", "center", "standardize",
    "scale", "bs", "cr", "cc", "te", "np",
}


def formula_variables(formula: str) -> tuple[list[str], list[str]]:
    """Return the names ``formula`` reads, ``(left of ~, right of ~)``, in order of appearance.

    Names are Python identifiers outside strings, not attributes (``log`` in ``np.log``) and not
    keyword arguments (``reference=``); helpers such as ``C`` or ``np`` are included.
    """
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string such as 'y ~ x1 + x2', got {formula!r}")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(formula).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise ValueError(f"formula {formula!r} cannot be read ({error})") from None
    sides: tuple[list[str], list[str]] = ([], [])
    side = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string == "~":
            side += 1
            if side > 1:
                raise ValueError(f"formula {formula!r} has more than one '~'")
            continue
        after_dot = i > 0 and tokens[i - 1].string == "."
        keyword_arg = i + 1 < len(tokens) and tokens[i + 1].string == "="
        if (tok.type == tokenize.NAME and not keyword.iskeyword(tok.string)
                and not after_dot and not keyword_arg and tok.string not in sides[side]):
            sides[side].append(tok.string)
    if side == 0:
        raise ValueError(f"formula must have the form 'y ~ x1 + x2', got {formula!r} (no '~')")
    return sides


def _looks_numeric(text: pd.Series) -> bool:
    values = text.dropna().astype(str).str.strip()
    return len(values) > 0 and pd.to_numeric(values, errors="coerce").notna().mean() >= 0.5


def _top_level_names(formula: str) -> set[str]:
    """Return the names used outside any parentheses (``x`` in ``y ~ x + C(g)``)."""
    depth, names = 0, set()
    for tok in tokenize.generate_tokens(io.StringIO(formula).readline):
        depth += {"(": 1, ")": -1}.get(tok.string, 0) if tok.type == tokenize.OP else 0
        if tok.type == tokenize.NAME and depth == 0:
            names.add(tok.string)
    return names


def check_formula(data: pd.DataFrame, formula: str) -> None:
    """Raise ValueError if ``formula`` names a column ``data`` lacks or a non-numeric outcome.

    Also rejects a regressor that is numbers stored as text (``'12.5'``, ``'..'``): a formula
    would silently turn it into one dummy per distinct value.
    """
    outcome, regressors = formula_variables(formula)
    for name in outcome + regressors:
        if name not in data.columns and name not in _FORMULA_HELPERS:
            raise ValueError(
                f"formula names column {name!r}, which data does not have; "
                f"data's columns are {list(data.columns)}"
            )
    for name in [n for n in outcome if n in data.columns]:
        column = data[name]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            hint = ("it holds numbers stored as text: convert it with pd.to_numeric "
                    "(Stata: destring)" if _looks_numeric(column) else "choose a numeric outcome")
            raise ValueError(
                f"the outcome (y) column {name!r} is not numeric (dtype {column.dtype}); {hint}"
            )
    bare = _top_level_names(formula)
    for name in regressors:
        column = data[name] if name in data.columns else None
        if (column is not None and name in bare and _looks_numeric(column)
                and (column.dtype == object or pd.api.types.is_string_dtype(column))):
            raise ValueError(
                f"regressor column {name!r} holds numbers stored as text (e.g. "
                f"{column.dropna().iloc[0]!r}), which a formula would turn into one dummy per "
                "value; convert it with pd.to_numeric first (Stata: destring)"
            )


def fit_ols(data: pd.DataFrame, formula: str = FORMULA, cov_type: str = "nonrobust"):
    """Return the fitted statsmodels OLS results of ``formula`` on ``data`` (NaN rows dropped).

    Inference is Stata's ``regress``: t statistics, P>|t| and confidence intervals use the t
    distribution with n - k degrees of freedom, and the model F test has (k - 1, n - k).
    ``cov_type="HC1"`` gives Stata's ``regress ..., robust`` standard errors (and F).
    """
    check_frame(data, "data")
    check_formula(data, formula)
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    model = smf.ols(formula, data=data)
    n, k = model.exog.shape
    if n <= k:
        raise ValueError(
            f"data has {n} complete rows for {k} coefficients; a regression needs more rows "
            "than coefficients (drop regressors or fill missing values)"
        )
    if np.linalg.matrix_rank(model.exog) < k:
        warnings.warn(
            f"the regressors of {formula!r} are perfectly collinear (rank "
            f"{np.linalg.matrix_rank(model.exog)} < {k} columns); some coefficients are not "
            "identified (Stata would omit a variable). Drop one of the collinear regressors.",
            RuntimeWarning,
            stacklevel=2,
        )
        with warnings.catch_warnings():  # said above, with the formula
            warnings.simplefilter("ignore", SingularMatrixWarning)
            return model.fit(cov_type=cov_type, use_t=True)
    return model.fit(cov_type=cov_type, use_t=True)


def check_results(results, argument: str = "results") -> None:
    """Raise TypeError unless ``results`` is a fitted statsmodels OLS result (``fit_ols``)."""
    if not isinstance(results, RegressionResultsWrapper):
        raise TypeError(
            f"{argument} must be a fitted regression from fit_ols(...), "
            f"got {type(results).__name__}"
        )


def short_names(names: list[str]) -> list[str]:
    """Return term names with ``C(x, Treatment(...))[T.level]`` shortened to ``x[level]``."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a list of strings, got {names!r}")
    return [re.sub(r"C\((\w+)[^)]*\)*\)\[T\.(.*)\]", r"\1[\2]", n) for n in names]


def coef_table(results, alpha: float = 0.05) -> pd.DataFrame:
    """Return estimate, std. error and ``1 - alpha`` confidence bounds per term (short names)."""
    check_results(results)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number in (0, 1) such as 0.05, got {alpha!r}")
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
