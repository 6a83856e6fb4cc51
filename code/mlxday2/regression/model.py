"""The regression chapter's model: OLS with Stata's inference, and its coefficients.

``fit_ols`` fits a formula with statsmodels, with Stata's ``regress`` inference
(t-based, classical or robust); ``coef_table`` lists estimates and intervals with
short names; ``hettest`` is Stata's ``estat hettest`` (the Breusch-Pagan test). The
VIF is in ``mlxday2.regression.vif``, the figures in ``mlxday2.regression.plots``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.imputation import mice
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.tools.sm_exceptions import MissingDataError, SingularMatrixWarning

from mlxday2.checks import (
    check_bool,
    check_choice,
    check_frame,
    check_instance,
    check_int,
    check_real,
    check_seed,
)
from mlxday2.regression.mpi import make_dummies

#: The chapter's model: multidimensional headcount on monetary poverty and region.
REFERENCE_REGION = "Sub-Saharan Africa"
FORMULA = (
    "headcount_pct ~ poverty_215_pct + poverty_national_pct"
    f" + C(region, Treatment(reference='{REFERENCE_REGION}'))"
)

#: Covariance estimators ``fit_ols`` accepts: classical, and White's HC0 to HC3
#: (Stata's ``, robust`` is HC1; ``vce(hc2)`` and ``vce(hc3)`` are HC2 and HC3).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)


def _looks_numeric(column: pd.Series) -> bool:
    values = column.dropna().astype(str).str.strip()
    parsed = pd.to_numeric(values, errors="coerce")
    return len(values) > 0 and parsed.notna().mean() >= 0.5


def check_numbers_as_text(data: pd.DataFrame, formula: str) -> None:
    """Raise ValueError if ``formula`` uses a column of numbers stored as text.

    A formula turns a text column into one dummy per distinct value, so ``'12.5'`` and
    ``'..'`` would each become a dummy: convert with ``pd.to_numeric`` (Stata:
    ``destring``) first. A text column inside ``C(...)`` is a category, and allowed.
    """
    outcome = formula.split("~", 1)[0].strip()
    for name in [c for c in data.columns if isinstance(c, str) and _is_text(data[c])]:
        used = re.search(rf"(?<![\w.(])(?<!C\(){re.escape(name)}(?!\w)", formula)
        if used and (name == outcome or _looks_numeric(data[name])):
            example = data[name].dropna().iloc[0] if data[name].notna().any() else None
            raise ValueError(
                f"column {name!r} of data holds text (e.g. {example!r}), which a "
                "formula would turn into one dummy per value; convert it with "
                "pd.to_numeric first (Stata: destring)"
            )


def _design(data: pd.DataFrame, formula: str):
    """Return statsmodels' OLS model of ``formula``; a ValueError names the columns."""
    try:
        return smf.ols(formula, data=data)
    except (patsy.PatsyError, SyntaxError) as error:
        raise ValueError(
            f"formula {formula!r} cannot be used with data ({error}); data's columns "
            f"are {list(data.columns)}"
        ) from None
    except MissingDataError:  # statsmodels' word for an infinite value
        numeric = data.select_dtypes("number")
        infinite = list(numeric.columns[np.isinf(numeric).any()])
        raise ValueError(
            f"data must hold finite values in the model's variables, got infinite "
            f"values in {infinite or 'a transformed variable'}; drop or replace them "
            "(e.g. data.replace([np.inf, -np.inf], np.nan))"
        ) from None


def fit_ols(data: pd.DataFrame, formula: str = FORMULA, cov_type: str = "nonrobust"):
    """Return the fitted statsmodels OLS results of ``formula`` on ``data``.

    Rows with a missing value in a variable of the model are dropped (as Stata does).
    Inference is Stata's ``regress``: t, P>|t| and confidence intervals use the t
    distribution with n - k degrees of freedom; the model F test has (k - 1, n - k).
    ``cov_type="HC1"`` gives Stata's ``regress ..., robust`` (standard errors and F).
    """
    check_frame("data", data)
    check_instance("formula", formula, str, fix="write it as 'y ~ x1 + x2'")
    cov_type = check_choice("cov_type", cov_type, COV_TYPES)
    if len(data) == 0:
        raise ValueError("data must have rows, got an empty DataFrame")
    if "~" not in formula:
        raise ValueError(f"formula must have the form 'y ~ x1 + x2', got {formula!r}")
    check_numbers_as_text(data, formula)
    model = _design(data, formula)
    n, k = model.exog.shape
    if n <= k:
        raise ValueError(
            f"data has {n} complete rows for {k} coefficients; a regression needs more "
            "rows than coefficients (drop regressors or fill missing values)"
        )
    return _fit(model, formula, cov_type)


def _fit(model, formula: str, cov_type: str):
    rank = np.linalg.matrix_rank(model.exog)
    if rank < model.exog.shape[1]:
        warnings.warn(
            f"the regressors of {formula!r} are perfectly collinear (rank {rank} < "
            f"{model.exog.shape[1]} columns); some coefficients are not identified "
            "(Stata would omit a variable). Drop one of the collinear regressors.",
            RuntimeWarning,
            stacklevel=3,
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


def _rhs_terms(formula: str) -> list[str]:
    """Return the terms right of ``~`` in the order written, without spaces."""
    pieces, depth, piece = [], 0, ""
    for char in formula.split("~", 1)[1]:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "+" and depth == 0:
            pieces.append(piece)
            piece = ""
        else:
            piece += char
    return ["".join(p.split()) for p in [*pieces, piece]]


def term_order(results) -> list[int]:
    """Return the coefficients' positions in the formula's (Stata's varlist) order.

    statsmodels puts a factor's columns first; Stata keeps the order of the command,
    and the constant last. A model built without a formula keeps its columns' order.
    """
    formula = getattr(results.model, "formula", None)
    terms = _rhs_terms(formula) if isinstance(formula, str) else []
    rank = []
    for name in results.model.exog_names:
        term = "".join(name.split("[T.", 1)[0].split())
        constant = name in ("Intercept", "const")
        rank.append(len(terms) + 1 if constant else _index(terms, term))
    return sorted(range(len(rank)), key=rank.__getitem__)


def _index(terms: list[str], term: str) -> int:
    return terms.index(term) if term in terms else len(terms)


def coef_table(results, alpha: float = 0.05) -> pd.DataFrame:
    """Return estimate, std. error and ``1 - alpha`` bounds per term (short names)."""
    check_results(results)
    alpha = check_real("alpha", alpha, 0, 1, low_open=True, high_open=True)
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


def hettest(results, rhs: bool = False, studentized: bool = False) -> dict[str, float]:
    """Return the Breusch-Pagan test of constant variance: ``chi2``, ``df``, ``p``.

    The defaults are Stata's ``estat hettest``: the squared residuals (over RSS/n) are
    regressed on the fitted values, and the statistic assumes normal errors (half the
    explained sum of squares). ``rhs=True`` uses all regressors instead (``, rhs``);
    ``studentized=True`` is Koenker's n R^2 (``, iid``), statsmodels' default.
    """
    check_results(results)
    rhs, studentized = check_bool("rhs", rhs), check_bool("studentized", studentized)
    exog = results.model.exog
    if not rhs:
        exog = np.column_stack([np.ones(len(exog)), results.fittedvalues])
    chi2, p, _, _ = het_breuschpagan(results.resid, exog, robust=studentized)
    return {"chi2": chi2, "df": exog.shape[1] - 1, "p": p}


#: The variables of the chapter's model, which ``fit_mice`` imputes from each other.
MODEL_COLUMNS = ["headcount_pct", "poverty_215_pct", "poverty_national_pct", "region"]


def fit_mice(data: pd.DataFrame, seed: int, imputations: int = 20) -> pd.DataFrame:
    """Return the chapter's model fitted by multiple imputation: estimate and std. err.

    statsmodels' MICE fills each gap from all the model's other variables, the outcome
    included, ``imputations`` times (each after 10 burn-in cycles), fits OLS to each
    completed table and pools the fits by Rubin's rules, so the standard errors carry
    the uncertainty of the filling. Valid if the data are missing at random given
    these variables.
    """
    check_frame("data", data, MODEL_COLUMNS)
    rng = np.random.default_rng(check_seed("seed", seed))
    imputations = check_int("imputations", imputations, 2)
    return _mice(data, rng, imputations)


def _mice(data: pd.DataFrame, rng, imputations: int) -> pd.DataFrame:
    dummies = make_dummies(data["region"], REFERENCE_REGION, prefix="region")
    names = {c: f"r{i}" for i, c in enumerate(dummies.columns)}  # formula-safe names
    table = pd.concat([data[MODEL_COLUMNS[:3]], dummies.rename(columns=names)], axis=1)
    formula = f"{MODEL_COLUMNS[0]} ~ " + " + ".join(table.columns[1:])
    model = mice.MICE(formula, sm.OLS, mice.MICEData(table, rng=rng))
    pooled = model.fit(n_burnin=10, n_imputations=imputations)
    index = ["Intercept", *MODEL_COLUMNS[1:3], *(f"region[{c[7:]}]" for c in names)]
    return pd.DataFrame({"estimate": pooled.params, "std_err": pooled.bse}, index=index)
