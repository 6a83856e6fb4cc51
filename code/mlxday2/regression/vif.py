"""Multicollinearity: the variance inflation factor, Stata's ``estat vif``, the GVIF.

``vif`` computes VIF_j = 1 / (1 - R_j^2) for the columns of a design; ``estat_vif`` is
Stata's table for a fitted model; ``gvif`` is the generalized VIF of Fox and Monette
(1992), one number per term, the measure for a factor with several dummies.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from mlxday2.regression.model import check_results, short_names, term_order

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
    with warnings.catch_warnings():
        # statsmodels warns "poorly conditioned" whenever a VIF is large: the VIFs are
        # that diagnosis, and perfect collinearity is warned about below, with names
        warnings.filterwarnings("ignore", "The design matrix is poorly conditioned")
        warnings.simplefilter("ignore", SingularMatrixWarning)
        values = _inflation(X[:, ~constant])
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


def _inflation(X: np.ndarray) -> list[float]:
    design = np.column_stack(
        [np.ones(len(X)), X]
    )  # the auxiliary regressions' intercept
    return [variance_inflation_factor(design, j) for j in range(1, design.shape[1])]


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


def _term(name: str) -> str:
    """Return the term a design column belongs to: ``region`` for ``region[Asia]``."""
    return name.split("[", 1)[0] if name.endswith("]") else name


def estat_vif(results) -> pd.DataFrame:
    """Return Stata's ``estat vif`` table of a fit: ``VIF``, ``1/VIF`` per regressor.

    As Stata orders it: largest VIF first when every regressor is a single column, the
    model's own order when it has a factor (``region[...]`` columns). A last row
    ``Mean VIF`` holds their mean (its ``1/VIF`` empty). The constant is not listed.
    Perfect collinearity gives ``inf`` (``1/VIF`` 0) with a warning naming the columns.
    """
    check_results(results)
    order = term_order(results)
    names = [short_names(results.model.exog_names)[i] for i in order]
    exog = pd.DataFrame(results.model.exog[:, order], columns=names)
    if not (np.ptp(exog.to_numpy(), axis=0) == 0).any():
        raise ValueError(
            "estat_vif needs a model with an intercept (the VIF's R^2 is "
            "centred); refit without '- 1' in the formula"
        )
    v = vif(exog)
    if all(_term(n) == n for n in v.index):
        v = v.sort_values(ascending=False, kind="stable")
    table = pd.DataFrame({"VIF": v, "1/VIF": 1 / v})
    table.loc["Mean VIF"] = [v.mean(), np.nan]
    table.index.name = "Variable"
    return table


def gvif(results) -> pd.DataFrame:
    """Return each term's generalized VIF: ``GVIF``, ``df`` and ``GVIF^(1/(2df))``.

    GVIF = det(R_11) det(R_22) / det(R), with R the correlation matrix of the
    regressors, R_11 the block of the term's columns and R_22 the rest (Fox and Monette
    1992). It does not depend on the factor's base level; for a one-column term it is
    the VIF, and ``GVIF^(1/(2df))`` is then its square root, the factor by which the
    interval widens.
    """
    check_results(results)
    order = term_order(results)
    names = [short_names(results.model.exog_names)[i] for i in order]
    X = results.model.exog[:, order]
    varying = np.ptp(X, axis=0) > 0
    terms = np.array([_term(n) for n in names])[varying]
    table = _gvif(np.corrcoef(X[:, varying], rowvar=False), terms)
    return pd.DataFrame.from_dict(
        table, orient="index", columns=["GVIF", "df", "GVIF^(1/(2df))"]
    )


def _gvif(R: np.ndarray, terms: np.ndarray) -> dict[str, tuple[float, int, float]]:
    rows = {}
    for term in dict.fromkeys(terms):  # each term once, in order
        inside = terms == term
        block = np.linalg.det(R[np.ix_(inside, inside)])
        rest = np.linalg.det(R[np.ix_(~inside, ~inside)]) if (~inside).any() else 1.0
        gvif = block * rest / np.linalg.det(R)
        rows[term] = (gvif, int(inside.sum()), gvif ** (1 / (2 * inside.sum())))
    return rows
