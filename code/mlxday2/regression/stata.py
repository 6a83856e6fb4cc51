"""Stata's view of a regression: its ``regress`` output, and its commands beside Python.

``stata_header`` and ``stata_coefficients`` return the numbers Stata's ``regress``
prints, as plain data; ``stata_output`` lays them out as Stata 16 does (``Coef.``,
``Std. Err.``; Stata 17 renamed these ``Coefficient``, ``Std. err.``). Numbers use
Stata's general format (``%9.0g``: as many digits as fit in 8 characters, no leading
zero), as closely as Python's ``g`` format allows. ``estat vif`` is
``mlxday2.regression.estat_vif``.

``STATA_TO_PYTHON`` lists the day's Stata workflow, one command per row, with the Python
line the regression chapter runs for it. The rows are plain data: the chapter runs each
Python line in its own cell, and a test checks that every line appears verbatim in a
chapter code cell, so the table cannot drift from the code. (An earlier design ran the
strings again with ``exec``; running them where the reader sees them is plainer and
checks the same thing.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlxday2.regression.model import check_results, short_names

# --------------------------------------------------------------------------------------
# regress, as Stata prints it
# --------------------------------------------------------------------------------------


def stata_number(x: float, width: int = 9) -> str:
    """Return ``x`` as Stata's ``%{width}.0g`` shows it (most digits in width - 1).

    Trailing zeros and the leading zero of ``0.5`` are dropped (``.5``); numbers too
    large or too small for fixed notation use ``1.84e+08``; a missing value is ``.``.
    """
    if not math.isfinite(x):
        return "."
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    for digits in range(width - 1, 0, -1):
        text = f"{abs(x):.{digits}g}"
        if "e" in text:
            continue
        if text.startswith("0."):
            text = text[1:]
        if len(text) <= width - 1:
            return sign + text
    return f"{x:.2e}"


def _abbrev(name: str, width: int = 12) -> str:
    """Return ``name`` as Stata abbreviates it: first width-2 characters, ~, last."""
    return name if len(name) <= width else f"{name[: width - 2]}~{name[-1]}"


def stata_header(results) -> dict[str, float]:
    """Return the statistics of Stata's ``regress`` header for a ``fit_ols`` result.

    Keys: ``Number of obs``, ``df_model`` (k - 1), ``df_resid`` (n - k), ``F``
    (classical, or the Wald F from the robust covariance for a robust fit), ``Prob >
    F``, ``R-squared``, ``Adj R-squared``, ``Root MSE``, and the ANOVA sums of squares
    ``SS model``, ``SS residual``.
    """
    check_results(results)
    return {
        "Number of obs": int(results.nobs),
        "df_model": int(results.df_model),
        "df_resid": int(results.df_resid),
        "F": float(results.fvalue),
        "Prob > F": float(results.f_pvalue),
        "R-squared": float(results.rsquared),
        "Adj R-squared": float(results.rsquared_adj),
        "Root MSE": float(np.sqrt(results.mse_resid)),
        "SS model": float(results.ess),
        "SS residual": float(results.ssr),
    }


#: Column names of Stata's coefficient table (Stata 16).
STATA_COLUMNS = ["Coef.", "Std. Err.", "t", "P>|t|", "[95% Conf.", "Interval]"]


def stata_coefficients(results) -> pd.DataFrame:
    """Return Stata's coefficient table: Coef., Std. Err., t, P>|t|, 95% interval.

    Rows are the terms with short names (``region[South Asia]``) and the constant last,
    named ``_cons`` as in Stata. t and the interval use the t distribution with n - k
    df.
    """
    check_results(results)
    ci = results.conf_int(0.05)
    table = pd.DataFrame(
        np.column_stack(
            [
                results.params,
                results.bse,
                results.tvalues,
                results.pvalues,
                ci[0],
                ci[1],
            ]
        ),
        index=short_names(list(results.params.index)),
        columns=STATA_COLUMNS,
    )
    table = table.rename(index={"Intercept": "_cons", "const": "_cons"})
    order = [t for t in table.index if t != "_cons"]
    order += [t for t in table.index if t == "_cons"]
    return table.loc[order]


_COLUMN_TITLES = "      Coef.   Std. Err.      t    P>|t|     [95% Conf. Interval]"


def _coefficient_rows(table: pd.DataFrame) -> list[str]:
    rows, factor = [], None
    for term, row in table.iterrows():
        name = term
        if "[" in term and term.endswith("]"):
            variable, level = term[:-1].split("[", 1)
            if variable != factor:  # a factor: a blank line, its name, then levels
                rows += [f"{'':>12} |", f"{_abbrev(variable):>12} |"]
                factor = variable
            name = level
        else:
            factor = None
        rows.append(
            f"{_abbrev(name):>12} |{stata_number(row['Coef.']):>11}"
            f"{stata_number(row['Std. Err.']):>11}{row['t']:>9.2f}{row['P>|t|']:>8.3f}"
            f"{stata_number(row['[95% Conf.']):>13}{stata_number(row['Interval]']):>12}"
        )
    return rows


def stata_output(results) -> str:
    """Return the text Stata's ``regress`` prints for a ``fit_ols`` result.

    A classical fit gets the ANOVA block (Source, SS, df, MS) beside Number of obs, F,
    Prob > F, R-squared, Adj R-squared and Root MSE; a robust fit gets Stata's "Linear
    regression" header (no ANOVA, no Adj R-squared) and "Robust" above Std. Err.
    """
    h = stata_header(results)
    table = stata_coefficients(results)
    robust = results.cov_type != "nonrobust"
    f_label = f"F({h['df_model']}, {h['df_resid']})"
    stats = [
        ("Number of obs", f"{h['Number of obs']}"),
        (f_label, f"{h['F']:.2f}"),
        ("Prob > F", f"{h['Prob > F']:.4f}"),
        ("R-squared", f"{h['R-squared']:.4f}"),
    ]
    if robust:
        stats.append(("Root MSE", _root_mse(h["Root MSE"])))
        lines = [
            f"{'Linear regression' if i == 0 else '':<48}{label:<18}={value:>11}"
            for i, (label, value) in enumerate(stats)
        ]
        lines.append("")
    else:
        stats += [
            ("Adj R-squared", f"{h['Adj R-squared']:.4f}"),
            ("Root MSE", _root_mse(h["Root MSE"])),
        ]
        total = h["SS model"] + h["SS residual"]
        n_total = h["df_model"] + h["df_resid"]
        rule = "-------------+----------------------------------"
        left = [
            "      Source |       SS           df       MS   ",
            rule,
            _anova_row("Model", h["SS model"], h["df_model"]),
            _anova_row("Residual", h["SS residual"], h["df_resid"]),
            rule,
            _anova_row("Total", total, n_total),
        ]
        lines = [
            f"{text:<51}{label:<16}={value:>10}"
            for text, (label, value) in zip(left, stats)
        ]
        lines.append("")
    outcome = _abbrev(results.model.endog_names)
    lines += ["-" * 78]
    if robust:
        label = {"HC1": "Robust"}.get(results.cov_type, f"Robust {results.cov_type}")
        lines.append(f"{'':>12} |{label:>21}"[:78])
    lines += [
        f"{outcome:>12} |{_COLUMN_TITLES}",
        "-" * 13 + "+" + "-" * 64,
        *_coefficient_rows(table),
        "-" * 78,
    ]
    return "\n".join(lines)


def _root_mse(x: float) -> str:
    """Stata prints Root MSE to 5 significant digits (``%9.5g``)."""
    text = f"{x:.5g}"
    return text[1:] if text.startswith("0.") else text


def _anova_row(source: str, ss: float, df: int) -> str:
    ms = stata_number(ss / df, 11) if df > 0 else "."
    return f"{source:>12} |{stata_number(ss, 11):>12}{df:>10}{ms:>12}"


# --------------------------------------------------------------------------------------
# The day's Stata workflow, each command beside the Python line the chapter runs
# --------------------------------------------------------------------------------------


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
        "text to numbers; fails loudly if any other text is left",
    ),
    StataStep(
        "summarize", "mpi.describe().T", "count, mean, sd, min, max per variable"
    ),
    StataStep(
        "misstable summarize",
        "missingness(mpi)",
        "missing values per variable, only variables that have some",
    ),
    StataStep("tabulate region", 'mpi["region"].value_counts()', "frequency table"),
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
