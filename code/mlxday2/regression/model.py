"""Regression in practice on MPI data: the model, its standard errors and the VIF.

The model half of the regression chapter: ``fit_ols`` (OLS with Stata's t-based
inference, classical or robust), ``coef_table``, the variance inflation factor (``vif``)
and Stata's ``estat vif`` table (``estat_vif``), and at the bottom the chapter's plots,
which draw computed tables and never fit. The data half (loading, cleaning, dummies) is
``mlxday2.regression.mpi``; Stata's printed output and the Stata-to-Python workflow table are ``mlxday2.regression.stata``.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from mlxday2.checks import check_frame
from mlxday2.plotting import PALETTE, new_axes

# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------

#: The chapter's model: multidimensional headcount on monetary poverty and region.
REFERENCE_REGION = "Sub-Saharan Africa"
FORMULA = (
    "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    f" + C(region, Treatment(reference='{REFERENCE_REGION}'))"
)

#: Covariance estimators ``fit_ols`` accepts: classical, and White's HC0 to HC3
#: (Stata's ``, robust`` is HC1; ``vce(hc2)`` and ``vce(hc3)`` are HC2 and HC3).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")

# Names a formula may use besides the data's columns: formula helpers, builtins, numpy.
_FORMULA_HELPERS = set(dir(builtins)) | {
    "C",
    "Treatment",
    "Sum",
    "Diff",
    "Helmert",
    "Poly",
    "I",
    "Q",
    "center",
    "standardize",
    "scale",
    "bs",
    "cr",
    "cc",
    "te",
    "np",
}


def formula_variables(formula: str) -> tuple[list[str], list[str]]:
    """Return the names ``formula`` reads: ``(left of ~, right of ~)``, in order.

    Names are Python identifiers outside strings, not attributes (``log`` in
    ``np.log``) and not keyword arguments (``reference=``); helpers such as ``C`` count.
    """
    if not isinstance(formula, str):
        raise TypeError(
            f"formula must be a string such as 'y ~ x1 + x2', got {formula!r}"
        )
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
        name = tok.type == tokenize.NAME and not keyword.iskeyword(tok.string)
        if name and not after_dot and not keyword_arg and tok.string not in sides[side]:
            sides[side].append(tok.string)
    if side == 0:
        raise ValueError(
            f"formula must have the form 'y ~ x1 + x2', got {formula!r} (no '~')"
        )
    return sides


def _top_level_names(formula: str) -> set[str]:
    """Return the names used outside any parentheses (``x`` in ``y ~ x + C(g)``)."""
    depth, names = 0, set()
    for tok in tokenize.generate_tokens(io.StringIO(formula).readline):
        if tok.type == tokenize.OP:
            depth += {"(": 1, ")": -1}.get(tok.string, 0)
        if tok.type == tokenize.NAME and depth == 0:
            names.add(tok.string)
    return names


def _looks_numeric(text: pd.Series) -> bool:
    values = text.dropna().astype(str).str.strip()
    parsed = pd.to_numeric(values, errors="coerce")
    return len(values) > 0 and parsed.notna().mean() >= 0.5


def check_formula(data: pd.DataFrame, formula: str) -> None:
    """Raise ValueError if ``formula`` names a column ``data`` lacks, or a bad column.

    Bad columns: a non-numeric outcome, and a regressor of numbers stored as text
    (``'12.5'``, ``'..'``), which a formula would turn into one dummy per value.
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
        types = pd.api.types
        if types.is_bool_dtype(column) or not types.is_numeric_dtype(column):
            hint = (
                "it holds numbers stored as text: convert it with pd.to_numeric "
                "(Stata: destring)"
                if _looks_numeric(column)
                else "choose a numeric outcome"
            )
            raise ValueError(
                f"the outcome (y) column {name!r} is not numeric "
                f"(dtype {column.dtype}); {hint}"
            )
    bare = _top_level_names(formula)
    for name in [n for n in regressors if n in data.columns and n in bare]:
        column = data[name]
        text = column.dtype == object or pd.api.types.is_string_dtype(column)
        if text and _looks_numeric(column):
            raise ValueError(
                f"regressor column {name!r} holds numbers stored as text (e.g. "
                f"{column.dropna().iloc[0]!r}), which a formula would turn into one "
                "dummy per value; convert it with pd.to_numeric first (Stata: destring)"
            )


def fit_ols(data: pd.DataFrame, formula: str = FORMULA, cov_type: str = "nonrobust"):
    """Return the fitted statsmodels OLS results of ``formula`` on ``data``.

    Rows with a missing value in a variable of the model are dropped (as Stata does).
    Inference is Stata's ``regress``: t, P>|t| and confidence intervals use the t
    distribution with n - k degrees of freedom; the model F test has (k - 1, n - k).
    ``cov_type="HC1"`` gives Stata's ``regress ..., robust`` (standard errors and F).
    """
    check_frame("data", data)
    check_formula(data, formula)
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    model = smf.ols(formula, data=data)
    n, k = model.exog.shape
    if n <= k:
        raise ValueError(
            f"data has {n} complete rows for {k} coefficients; a regression needs more "
            "rows than coefficients (drop regressors or fill missing values)"
        )
    rank = np.linalg.matrix_rank(model.exog)
    if rank == k:
        return model.fit(cov_type=cov_type, use_t=True)
    warnings.warn(
        f"the regressors of {formula!r} are perfectly collinear (rank {rank} < {k} "
        "columns); some coefficients are not identified (Stata would omit a "
        "variable). Drop one of the collinear regressors.",
        RuntimeWarning,
        stacklevel=2,
    )
    with warnings.catch_warnings():  # said above, with the formula
        warnings.simplefilter("ignore", SingularMatrixWarning)
        return model.fit(cov_type=cov_type, use_t=True)


def check_results(results, argument: str = "results") -> None:
    """Raise TypeError unless ``results`` is a fitted OLS result from ``fit_ols``."""
    if not isinstance(results, RegressionResultsWrapper):
        raise TypeError(
            f"{argument} must be a fitted regression from fit_ols(...), "
            f"got {type(results).__name__}"
        )


def short_names(names: list[str]) -> list[str]:
    """Return term names with ``C(x, Treatment(...))[T.level]`` made ``x[level]``."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a list of strings, got {names!r}")
    return [re.sub(r"C\((\w+)[^)]*\)*\)\[T\.(.*)\]", r"\1[\2]", n) for n in names]


def coef_table(results, alpha: float = 0.05) -> pd.DataFrame:
    """Return estimate, std. error and ``1 - alpha`` bounds per term (short names)."""
    check_results(results)
    number = isinstance(alpha, (int, float)) and not isinstance(alpha, bool)
    if not number or not 0 < alpha < 1:
        raise ValueError(
            f"alpha must be a number in (0, 1) such as 0.05, got {alpha!r}"
        )
    ci = results.conf_int(alpha)
    table = pd.DataFrame(
        {
            "estimate": results.params,
            "std_err": results.bse,
            "low": ci[0],
            "high": ci[1],
        }
    )
    table.index = short_names(list(table.index))
    return table


# --------------------------------------------------------------------------------------
# Multicollinearity
# --------------------------------------------------------------------------------------

#: A VIF at or above this (1 - R^2 <= 1e-10: rounding level) is perfect collinearity.
PERFECT_COLLINEARITY_VIF = 1e10


def vif(exog: pd.DataFrame) -> pd.Series:
    """Return the variance inflation factor of every non-constant column of ``exog``.

    VIF_j = 1 / (1 - R_j^2), R_j^2 from regressing column j on the others and an
    intercept (Stata's ``estat vif``); statsmodels' ``variance_inflation_factor``
    computes it. This adds the intercept: a constant column (``const``) is used as the
    intercept and not reported, and one is added when absent. A column the others
    explain exactly gets ``inf``, with a RuntimeWarning naming the collinear columns.
    """
    check_exog(exog)
    X = exog.to_numpy(dtype=float)
    constant = np.ptp(X, axis=0) == 0
    design = np.column_stack([np.ones(len(X)), X[:, ~constant]])
    with warnings.catch_warnings():
        # statsmodels warns "poorly conditioned" whenever a VIF is large: the VIFs are
        # that diagnosis, and perfect collinearity is warned about below, with names
        warnings.filterwarnings("ignore", "The design matrix is poorly conditioned")
        warnings.simplefilter("ignore", SingularMatrixWarning)
        values = [
            variance_inflation_factor(design, j) for j in range(1, design.shape[1])
        ]
    out = pd.Series(values, index=exog.columns[~constant], name="VIF", dtype=float)
    collinear = list(out.index[out >= PERFECT_COLLINEARITY_VIF])
    if collinear:
        out[collinear] = np.inf
        warnings.warn(
            f"columns {collinear} are linear combinations of the other columns "
            "(R^2 = 1): their VIF is infinite. Drop one of the collinear columns (for "
            "dummies: leave out a reference level).",
            RuntimeWarning,
            stacklevel=2,
        )
    return out


def check_exog(exog) -> None:
    """Raise unless ``exog`` is a finite numeric DataFrame that ``vif`` can use."""
    if not isinstance(exog, pd.DataFrame):
        raise TypeError(f"exog must be a pandas DataFrame, got {type(exog).__name__}")
    if exog.shape[0] == 0 or exog.shape[1] == 0:
        raise ValueError(f"exog must have rows and columns, got shape {exog.shape}")
    types = pd.api.types
    bad = [
        c
        for c in exog.columns
        if not (types.is_numeric_dtype(exog[c]) or types.is_bool_dtype(exog[c]))
    ]
    if bad:
        raise ValueError(
            f"exog columns must be numeric, got non-numeric {bad}; "
            "encode categories with make_dummies first"
        )
    X = exog.to_numpy(dtype=float)
    if not np.isfinite(X).all():
        raise ValueError(
            "exog has NaN or infinite values; drop or impute them first "
            "(e.g. exog.dropna())"
        )
    varying = int((np.ptp(X, axis=0) > 0).sum())
    if varying == 0:
        raise ValueError(
            "exog needs a non-constant column, got only constant columns "
            f"{list(exog.columns)}"
        )
    if len(X) <= varying:
        raise ValueError(
            "exog needs more rows than non-constant columns, got "
            f"{len(X)} rows and {varying} columns"
        )


def estat_vif(results) -> pd.DataFrame:
    """Return Stata's ``estat vif`` table of a fit: ``VIF``, ``1/VIF`` per regressor.

    Rows are sorted by VIF, largest first; a last row ``Mean VIF`` holds their mean
    (its ``1/VIF`` empty, as in Stata). The constant is not listed. Perfect collinearity
    gives ``inf`` (``1/VIF`` 0) with a warning naming the columns; one regressor has
    VIF 1.
    """
    check_results(results)
    names = short_names(results.model.exog_names)
    exog = pd.DataFrame(results.model.exog, columns=names)
    if not (np.ptp(exog.to_numpy(), axis=0) == 0).any():
        raise ValueError(
            "estat_vif needs a model with an intercept (the VIF's R^2 is "
            "centred); refit without '- 1' in the formula"
        )
    v = vif(exog).sort_values(ascending=False, kind="stable")
    table = pd.DataFrame({"VIF": v, "1/VIF": 1 / v})
    table.loc["Mean VIF"] = [v.mean(), np.nan]
    table.index.name = "Variable"
    return table


# --------------------------------------------------------------------------------------
# Plots: each takes computed data and an optional ``ax``, draws on it and returns it.
# None of them fits anything.
# --------------------------------------------------------------------------------------


def _check_ax(ax) -> None:
    if ax is not None and not isinstance(ax, mpl.axes.Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes or None, got {type(ax).__name__}"
        )


def plot_missingness(
    df: pd.DataFrame, columns: list[str], group: str, ax: plt.Axes | None = None
) -> plt.Axes:
    """Draw which row misses which of ``columns`` (red), rows grouped by ``group``.

    Returns the Axes.
    """
    if isinstance(columns, str) or len(columns) == 0:
        raise TypeError(
            f"columns must be a non-empty list of column names, got {columns!r}"
        )
    check_frame("df", df, [*columns, group])
    _check_ax(ax)
    _, ax = new_axes(ax)
    data = df.sort_values([group]).reset_index(drop=True)
    grid = data[columns].isna().to_numpy().T.astype(float)
    cmap = mpl.colors.ListedColormap(["#f2f2f2", PALETTE[1]])
    ax.imshow(grid, aspect="auto", cmap=cmap, interpolation="none", vmin=0, vmax=1)
    ax.set_yticks(range(len(columns)), columns)
    labels = data[group].to_numpy()
    edges = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    for e in edges:
        ax.axvline(e - 0.5, color="black", lw=0.8)
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(data)]
    ax.set_xticks(
        (starts + ends - 1) / 2,
        labels[starts],
        rotation=30,
        ha="right",
        fontsize="small",
    )
    ax.grid(False)
    ax.set_title("Missing values (red), one column per country, grouped by region")
    return ax


def plot_scatter_by_group(
    df: pd.DataFrame, x: str, y: str, group: str, ax: plt.Axes | None = None
) -> plt.Axes:
    """Scatter ``y`` against ``x``, one colour per ``group`` level; return the Axes."""
    check_frame("df", df, [x, y, group])
    _check_ax(ax)
    _, ax = new_axes(ax)
    for color, (level, part) in zip(PALETTE, df.groupby(group)):
        ax.scatter(part[x], part[y], s=18, color=color, label=level, alpha=0.8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_coefficients(
    tables: dict[str, pd.DataFrame],
    terms: list[str],
    ax: plt.Axes | None = None,
    legend: str | None = "best",
) -> plt.Axes:
    """Draw estimate and interval of each of ``terms``, one colour per ``coef_table``.

    ``tables`` maps a label to a ``coef_table``; ``legend`` is the legend's matplotlib
    ``loc``, or None for no legend. Returns the Axes.
    """
    if not isinstance(tables, dict) or not tables:
        raise TypeError(
            f"tables must be a non-empty dict of label -> coef_table, got {tables!r}"
        )
    for label, table in tables.items():
        check_frame(f"tables[{label!r}]", table, ["estimate", "low", "high"])
        missing = [t for t in terms if t not in table.index]
        if missing:
            raise ValueError(
                f"terms {missing} are not in tables[{label!r}]; its terms "
                f"are {list(table.index)}"
            )
    _check_ax(ax)
    _, ax = new_axes(ax)
    offsets = np.linspace(-0.15, 0.15, len(tables))
    for off, color, (label, table) in zip(offsets, PALETTE, tables.items()):
        t = table.loc[terms]
        ypos = np.arange(len(terms)) + off
        ax.errorbar(
            t["estimate"],
            ypos,
            xerr=[t["estimate"] - t["low"], t["high"] - t["estimate"]],
            fmt="o",
            color=color,
            capsize=3,
            label=label,
        )
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(terms)), terms)
    ax.invert_yaxis()
    if legend is not None:
        ax.legend(fontsize="small", loc=legend)
    return ax


def plot_identity(x: pd.Series, y: pd.Series, ax: plt.Axes | None = None) -> plt.Axes:
    """Scatter ``y`` against ``x`` with the line y = x; return the Axes."""
    for arg, s in (("x", x), ("y", y)):
        if not isinstance(s, pd.Series) or not pd.api.types.is_numeric_dtype(s):
            raise TypeError(
                f"{arg} must be a numeric pandas Series, got {type(s).__name__}"
            )
    if len(x) != len(y):
        raise ValueError(
            f"x and y must have the same length, got {len(x)} and {len(y)}"
        )
    _check_ax(ax)
    _, ax = new_axes(ax)
    ax.scatter(x, y, s=14, color=PALETTE[0])
    lim = [min(x.min(), y.min()), max(x.max(), y.max())]
    ax.plot(lim, lim, color=PALETTE[1], lw=1, label="y = x")
    ax.set_xlabel(x.name)
    ax.set_ylabel(y.name)
    ax.legend()
    return ax
