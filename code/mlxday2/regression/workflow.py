"""The day's Stata workflow, one command per row, beside the chapter's Python line.

``STATA_TO_PYTHON`` holds the rows as plain data; ``stata_table`` lays them out. A test
checks that every Python line appears verbatim in a code cell of the regression chapter,
so the table cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class StataStep:
    """One Stata command, the Python line the chapter runs for it, and what both do."""

    stata: str
    python: str
    what: str


_REGRESS = "regress headcount_pct poverty_215_pct poverty_national_pct"

#: The workflow in order. The chapter runs every ``python`` line (a test checks it).
STATA_TO_PYTHON: tuple[StataStep, ...] = (
    StataStep(
        'import delimited using "Global-MPI_national.csv", varnames(1) clear',
        'raw = pd.read_csv(fetch("mpi-national")).rename(columns=NATIONAL_COLUMNS)',
        "read the csv; a column holding '..' comes in as text (then `rename` the "
        "variables to these names)",
    ),
    StataStep("describe", "raw.dtypes", "variables and their storage types"),
    StataStep(
        'replace poverty_215_pct = "" if poverty_215_pct == ".."',
        'raw["poverty_215_pct"] = raw["poverty_215_pct"].replace("..", np.nan)',
        "the '..' marker becomes missing (the same for poverty_national_pct)",
    ),
    StataStep(
        "destring poverty_215_pct, replace",
        'raw["poverty_215_pct"] = pd.to_numeric(raw["poverty_215_pct"])',
        'text to numbers. If other text is left, Stata prints a note ("contains '
        'nonnumeric characters; no replace"), keeps the variable a string and goes '
        "on (return code 0); pandas raises an error",
    ),
    StataStep(
        "confirm numeric variable poverty_215_pct",
        'assert pd.api.types.is_numeric_dtype(raw["poverty_215_pct"])',
        "stop here unless the conversion happened: Stata's way to fail loudly",
    ),
    StataStep(
        "summarize",
        "mpi.describe().T",
        "is close to: count, mean, sd, min, max per variable (pandas adds the "
        "quartiles, as summarize, detail does)",
    ),
    StataStep(
        "misstable summarize",
        "missingness(mpi)",
        "is close to: missing values per variable that has some (Stata splits . from "
        "the extended missing codes and gives no percentage)",
    ),
    StataStep(
        "tabulate region",
        'mpi["region"].value_counts()',
        "is close to: a frequency table (Stata sorts by value and adds Percent and "
        "Cum.; pandas sorts by frequency)",
    ),
    StataStep(
        "drop if missing(poverty_215_pct, poverty_national_pct)",
        'complete = mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"])',
        "listwise deletion",
    ),
    StataStep(
        "encode region, generate(region_id)",
        'mpi["region_id"] = mpi["region"].astype("category").cat.codes + 1',
        "codes 1..k in alphabetical order, labelled with the region names",
    ),
    StataStep(
        "tabulate region, generate(r_)",
        'r = pd.get_dummies(mpi["region_id"], prefix="r", dtype=float)',
        "one 0/1 variable per region, r_1 ... r_k",
    ),
    StataStep(
        f"{_REGRESS} i.region_id",
        'first_base = fit_ols(complete, y_x + " + C(region)")',
        "OLS with k - 1 region dummies; base: the first level",
    ),
    StataStep(
        f"{_REGRESS} ib(last).region_id",
        "fit = fit_ols(complete)",
        "the same, base: the last level (Sub-Saharan Africa)",
    ),
    StataStep(
        f"{_REGRESS} ib(last).region_id, robust",
        'robust = fit_ols(complete, cov_type="HC1")',
        "heteroskedasticity-robust (HC1) standard errors",
    ),
    StataStep(
        "estat hettest",
        "reg.hettest(fit)",
        "Breusch-Pagan test on the fitted values, normal errors (statsmodels: "
        "het_breuschpagan(resid, [1, yhat], robust=False))",
    ),
    StataStep(
        "estat hettest, rhs iid",
        "reg.hettest(fit, rhs=True, studentized=True)",
        "Koenker's n R^2 on all regressors (statsmodels' default: "
        "het_breuschpagan(resid, exog))",
    ),
    StataStep("estat vif", "estat_vif(fit)", "variance inflation factors"),
    StataStep("predict yhat", "yhat = fit.predict(complete)", "fitted values"),
)


def stata_table(steps: tuple[StataStep, ...] = STATA_TO_PYTHON) -> pd.DataFrame:
    """Return the workflow as a table: ``Stata``, ``Python``, ``what it does``."""
    if not all(isinstance(step, StataStep) for step in steps):
        raise TypeError(f"steps must be StataStep rows, got {steps!r}")
    return pd.DataFrame(
        [{"Stata": s.stata, "Python": s.python, "what it does": s.what} for s in steps]
    )
