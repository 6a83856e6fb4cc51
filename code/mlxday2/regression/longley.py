"""The Longley (1967) regression: published reference values to check the package
against.

Longley's 16 years of US labour statistics are so collinear that least-squares programs
of the 1960s got few digits right. NIST's Statistical Reference Datasets certify the
regression's results, computed in 500-digit arithmetic and published to 15 significant
digits (``NIST_CERTIFIED``); the variance inflation factors are published too
(``PUBLISHED_VIF``). ``compare_with_nist`` puts the package's fit beside the certified
values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlxday2.checks import check_array
from mlxday2.regression.model import check_results, fit_ols

#: The model NIST certifies: total employment on all six regressors and an intercept.
FORMULA = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"

#: NIST StRD, "Longley"
#: (https://www.itl.nist.gov/div898/strd/lls/data/LINKS/DATA/Longley.dat): certified
#: estimate and standard deviation of each coefficient.
NIST_CERTIFIED = pd.DataFrame(
    {
        "estimate": [
            -3482258.63459582,
            15.0618722713733,
            -0.358191792925910e-01,
            -2.02022980381683,
            -1.03322686717359,
            -0.511041056535807e-01,
            1829.15146461355,
        ],
        "std_err": [
            890420.383607373,
            84.9149257747669,
            0.334910077722432e-01,
            0.488399681651699,
            0.214274163161675,
            0.226073200069370,
            455.478499142212,
        ],
    },
    index=["Intercept", "GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"],
)
#: NIST's certified residual standard deviation, R-squared and F statistic (6 and 9 df).
NIST_RESIDUAL_SD = 304.854073561965
NIST_R_SQUARED = 0.995479004577296
NIST_F = 330.285339234588

#: VIFs of the six regressors as published (5 significant digits) by the R package
#: genridge (Friendly 2013; README of github.com/friendly/genridge, ``vif()`` at ridge
#: constant 0).
PUBLISHED_VIF = pd.Series(
    {
        "GNP": 1788.51,
        "YEAR": 758.98,
        "POP": 399.15,
        "GNPDEFL": 135.53,
        "UNEMP": 33.619,
        "ARMED": 3.589,
    },
    name="published VIF",
)


def load_longley() -> pd.DataFrame:
    """Return the Longley data (statsmodels'): 16 rows, ``TOTEMP`` and 6 regressors."""
    from statsmodels.datasets import longley

    return longley.load_pandas().data


def digits(value, reference) -> np.ndarray:
    """Return the number of significant digits ``value`` shares with ``reference``.

    That is -log10 of the relative error, capped at 15 (NIST's precision).
    """
    value, reference = check_array("value", value), check_array("reference", reference)
    if value.shape != reference.shape:
        raise ValueError(
            f"value and reference must have the same shape, got {value.shape} and "
            f"{reference.shape}"
        )
    relative = np.abs(value - reference) / np.abs(reference)
    with np.errstate(divide="ignore"):
        return np.minimum(-np.log10(relative), 15.0)


def compare_with_nist(results) -> pd.DataFrame:
    """Return the fit's estimates beside NIST's certified ones, with digits agreeing.

    ``results`` is ``fit_ols(load_longley(), FORMULA)``; the last rows compare the
    residual standard deviation, R-squared and F.
    """
    check_results(results)
    missing = [t for t in NIST_CERTIFIED.index if t not in results.params.index]
    if missing:
        raise ValueError(
            f"results lacks the terms {missing}; fit it with "
            "fit_ols(load_longley(), FORMULA)"
        )
    rows = []
    for term in NIST_CERTIFIED.index:
        ours = {"estimate": results.params[term], "std_err": results.bse[term]}
        for what, value in ours.items():
            rows.append((f"{term} {what}", NIST_CERTIFIED.loc[term, what], value))
    rows += [
        ("residual SD", NIST_RESIDUAL_SD, float(np.sqrt(results.mse_resid))),
        ("R-squared", NIST_R_SQUARED, float(results.rsquared)),
        ("F", NIST_F, float(results.fvalue)),
    ]
    table = pd.DataFrame(rows, columns=["statistic", "NIST certified", "mlxday2"])
    table["digits agreeing"] = digits(table["mlxday2"], table["NIST certified"])
    return table.set_index("statistic")


def fit_longley(cov_type: str = "nonrobust"):
    """Return ``fit_ols`` of NIST's Longley model on the Longley data."""
    return fit_ols(load_longley(), FORMULA, cov_type=cov_type)
