"""Stata's view of a regression: ``regress`` and ``estat vif`` in Stata's layout.

``stata_header`` and ``stata_coefficients`` return the numbers Stata's ``regress``
prints, as plain data; ``stata_output`` lays them out as Stata 17 and later print them
(``version=16``: the column titles of Stata 16 and earlier), and ``vif_output`` does
the same for ``estat vif``. The tests compare both with logs that Stata printed. The
Stata commands beside Python are ``mlxday2.regression.workflow``.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal

import numpy as np
import pandas as pd

from mlxday2.checks import check_int
from mlxday2.regression.model import check_results, short_names, term_order
from mlxday2.regression.vif import estat_vif

# --------------------------------------------------------------------------------------
# Numbers and names as Stata shows them
# --------------------------------------------------------------------------------------


def _fixed(x: float, digits: int) -> str:
    """Return |x| rounded to ``digits`` significant digits, in positional notation."""
    text = format(Decimal(f"{abs(x):.{digits - 1}e}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text[1:] if text.startswith("0.") else text


def stata_number(x: float, width: int = 9) -> str:
    """Return ``x`` as Stata's general format ``%{width}.0g`` shows it.

    StataCorp's rule (W. Gould, Statalist, 7 April 2003, "Determining the width of a
    formatted value"): two of the ``width`` positions are set aside for a sign and a
    decimal point, and the number shows as many of its digits as the other
    ``width - 2`` hold, in fixed notation unless the exponent form (``1.23e-07``, with
    ``width - 6`` digits) shows more. No leading zero (``.5``), no trailing zeros; the
    integer digits must all be shown. So ``-.0000544`` and ``975815048`` (width 11) stay
    fixed, ``1.23e-07``, ``1.84e+08`` and ``1.0969e+09`` (width 11) do not. A missing
    value is ``.``.
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"x must be a real number, got {x!r} ({type(x).__name__})")
    width = check_int("width", width, 8, fix="Stata's general format needs width >= 8")
    if not math.isfinite(x):
        return "."
    if x == 0:
        return "0"
    for digits in range(width - 2, width - 7, -1):
        text = _fixed(x, digits)
        whole = len(text.split(".")[0])
        if len(text) <= width - 1 and whole <= width - 2:
            return ("-" if x < 0 else "") + text
    return f"{x:.{width - 7}e}"


def _level_label(level: str) -> str:
    """Return a level of a numeric factor as Stata names it: ``2``, not ``2.0``.

    Stata's factor variables hold nonnegative integers; pandas stores an integer column
    with missing values as float, and the formula then names its levels ``2.0``.
    """
    try:
        value = float(level)
    except ValueError:
        return level
    return str(int(value)) if value.is_integer() else level


def _abbrev(name: str, width: int = 12) -> str:
    """Return ``name`` as Stata abbreviates it: first width-2 characters, ~, last."""
    return name if len(name) <= width else f"{name[: width - 2]}~{name[-1]}"


# --------------------------------------------------------------------------------------
# regress
# --------------------------------------------------------------------------------------


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


#: Column names of Stata's coefficient table (Stata 17 and later).
STATA_COLUMNS = ["Coefficient", "Std. err.", "t", "P>|t|", "[95% conf.", "interval]"]
_TITLES = {
    17: " Coefficient  Std. err.      t    P>|t|     [95% conf. interval]",
    16: "      Coef.   Std. Err.      t    P>|t|     [95% Conf. Interval]",
}


def _check_names(names) -> dict[str, str]:
    if names is None:
        return {}
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in names.items()
    ):
        raise TypeError(
            f"names must be a dict of Python name -> Stata name (str), got {names!r}; "
            "e.g. {'region': 'region_id'}"
        )
    return names


def stata_coefficients(results, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Return Stata's coefficient table, rows in the formula's order, ``_cons`` last.

    Rows are named like ``poverty_215_pct`` and ``region[South Asia]``; ``names`` maps a
    Python variable to the name the Stata command uses (``{"region": "region_id"}``).
    Columns are ``STATA_COLUMNS``; t and the interval use the t distribution with n - k
    df.
    """
    check_results(results)
    rename = _check_names(names)
    ci = results.conf_int(0.05)
    columns = [results.params, results.bse, results.tvalues, results.pvalues]
    table = pd.DataFrame(
        np.column_stack([*columns, ci[0], ci[1]]),
        index=short_names(list(results.params.index)),
        columns=STATA_COLUMNS,
    ).iloc[term_order(results)]
    index = []
    for term in table.index:
        variable, _, level = term.partition("[")
        level = f"[{_level_label(level[:-1])}]" if level else ""
        index.append(rename.get(variable, variable) + level)
    table.index = ["_cons" if t in ("Intercept", "const") else t for t in index]
    return table


def _blank(width: int = 12) -> str:
    return f"{'':>{width}} |"


def _inline(labels: list[str]) -> list[str]:
    """Return labels with a factor of one numbered level written ``1.post``, as Stata.

    A factor shown with a single level whose label is a number (no value label) is one
    row, ``level.variable``; a labelled level still gets the factor's block.
    """
    variables = [label.partition("[")[0] for label in labels if label.endswith("]")]
    out = []
    for label in labels:
        variable, bracket, level = label.partition("[")
        numbered = level[:-1].replace(".", "", 1).isdigit()
        single = bracket and variables.count(variable) == 1 and numbered
        out.append(f"{level[:-1]}.{variable}" if single else label)
    return out


def _block_rows(
    labels: list[str], cells: list[str], apart: bool = True, width: int = 12
) -> list[str]:
    """Return Stata's rows of a table: a factor's levels under its name.

    ``regress`` sets a factor's block apart with blank rows (``apart``): one before
    it, and one after it when it has more than one level; ``estat vif`` does not.
    Names are right-aligned in ``width`` columns, level labels end two spaces before
    the bar.
    """
    rows, factor, levels = [], None, 0
    for label, cell in zip(_inline(labels), cells):
        variable, bracket, level = label.partition("[")
        if factor is not None and (not bracket or variable != factor):
            rows += [_blank(width)] if apart and levels > 1 else []
            factor = None
        if bracket and variable != factor:
            if apart and rows and rows[-1] != _blank(width):
                rows.append(_blank(width))
            rows.append(f"{_abbrev(variable, width):>{width}} |")
            factor, levels = variable, 0
        levels += bool(bracket)
        level_name = f"{_abbrev(level[:-1], width - 1):>{width - 1}}  |"
        rows.append(
            (level_name if bracket else f"{_abbrev(label, width):>{width}} |") + cell
        )
    return rows


def _stub_width(names: list[str], linesize: int | None) -> int:
    """Return the width of Stata's first column: 12, widened to fit long names.

    Stata's default ``set lstretch on`` widens the column (to at most 32 characters for
    a name) so every variable name and, one column shorter, every level label fits,
    as far as the Results window's ``linesize`` allows: the table (the column plus 66)
    stays within ``max(79, linesize - 1)`` characters. ``linesize=None`` is a window
    wide enough for everything.
    """
    need = 12
    for name in _inline(names):
        variable, bracket, level = name.partition("[")
        need = max(need, min(len(variable), 32), len(level[:-1]) + 1 if bracket else 0)
    return need if linesize is None else max(12, min(need, max(79, linesize - 1) - 66))


def _coefficient_cells(table: pd.DataFrame) -> list[str]:
    return [
        f"{stata_number(c):>11}{stata_number(se):>11}{t:>9.2f}{p:>8.3f}"
        f"{stata_number(low):>13}{stata_number(high):>12}"
        for c, se, t, p, low, high in table.to_numpy()
    ]


def _statistics(h: dict, adjusted: bool) -> list[tuple[str, str]]:
    """Return the header's (label, value) pairs; ``adjusted`` adds Adj R-squared."""
    stats = [
        ("Number of obs", f"{h['Number of obs']:,}"),
        (f"F({h['df_model']}, {h['df_resid']})", f"{h['F']:.2f}"),
        ("Prob > F", f"{h['Prob > F']:.4f}"),
        ("R-squared", f"{h['R-squared']:.4f}"),
    ]
    if adjusted:
        stats.append(("Adj R-squared", f"{h['Adj R-squared']:.4f}"))
    return [*stats, ("Root MSE", _root_mse(h["Root MSE"]))]


def _robust_header(h: dict) -> list[str]:
    """Stata's header of ``regress ..., robust``: no ANOVA table, no Adj R-squared."""
    stats = _statistics(h, adjusted=False)
    return [
        f"{'Linear regression' if i == 0 else '':<48}{label:<18}={value:>11}"
        for i, (label, value) in enumerate(stats)
    ]


def _anova_header(h: dict) -> list[str]:
    """Stata's header of ``regress``: the ANOVA table beside the fit statistics."""
    stats = _statistics(h, adjusted=True)
    rule = "-------------+----------------------------------"
    total = h["SS model"] + h["SS residual"]
    left = [
        "      Source |       SS           df       MS",
        rule,
        _anova_row("Model", h["SS model"], h["df_model"]),
        _anova_row("Residual", h["SS residual"], h["df_resid"]),
        rule,
        _anova_row("Total", total, h["df_model"] + h["df_resid"]),
    ]
    return [
        f"{text:<51}{label:<16}={value:>10}"
        for text, (label, value) in zip(left, stats)
    ]


def stata_output(
    results,
    names: dict[str, str] | None = None,
    version: int = 17,
    linesize: int | None = None,
) -> str:
    """Return ``results`` in the layout of Stata's ``regress`` (Stata ``version``).

    A classical fit gets the ANOVA block beside Number of obs, F, Prob > F, R-squared,
    Adj R-squared and Root MSE; a robust fit gets "Linear regression" and "Robust" above
    the standard errors. Terms come in the formula's order, a factor's levels under its
    name (``names`` renames a variable as the Stata command has it), ``_cons`` last.
    The first column widens for long names and labels as far as ``linesize`` allows
    (``None``: a Results window wide enough), as Stata's default ``lstretch`` does.
    """
    check_results(results)
    if check_int("version", version, 16, 17, fix="pass 16 or 17") not in _TITLES:
        raise ValueError(f"version must be 16 or 17, got {version!r}")
    if linesize is not None:
        linesize = check_int("linesize", linesize, 40, 255, fix="Stata allows 40-255")
    h = stata_header(results)
    table = stata_coefficients(results, names)
    depvar = results.model.endog_names
    w = _stub_width([depvar, *table.index], linesize)
    robust = results.cov_type != "nonrobust"
    lines = [*(_robust_header(h) if robust else _anova_header(h)), "", "-" * (w + 66)]
    if robust:
        label = {"HC1": "Robust"}.get(results.cov_type, f"Robust {results.cov_type}")
        lines.append(f"{'':>{w}} |{label:>21}")
    titles = _TITLES[version]
    if robust:  # Stata 17 writes "std. err." under "Robust"; Stata 16 kept capitals
        titles = titles.replace("Std. err.", "std. err.")
    lines.append(f"{_abbrev(depvar, w):>{w}} |{titles}")
    lines += ["-" * (w + 1) + "+" + "-" * 64]
    lines += _block_rows(list(table.index), _coefficient_cells(table), width=w)
    return "\n".join([*lines, "-" * (w + 66)])


def _root_mse(x: float) -> str:
    """Stata prints Root MSE to 5 significant digits (``%9.5g``)."""
    text = f"{x:.5g}"
    return text[1:] if text.startswith("0.") else text


def _anova_row(source: str, ss: float, df: int) -> str:
    ms = stata_number(ss / df, 11) if df > 0 else "."
    return f"{source:>12} |{stata_number(ss, 11):>12}{df:>10,}{ms:>12}"


# --------------------------------------------------------------------------------------
# estat vif
# --------------------------------------------------------------------------------------


def vif_output(results, names: dict[str, str] | None = None) -> str:
    """Return ``estat_vif(results)`` in the layout of Stata's ``estat vif``.

    VIF with 2 decimals, 1/VIF with 6, ``Mean VIF`` under a rule; a factor's levels
    under its name by their values, as ``estat vif`` shows a factor variable's values
    where ``regress`` shows their value labels: a numeric column's own values, a text
    column's codes from ``encode`` (1, 2, ... in alphabetical order). ``names`` renames
    a variable as the Stata command has it.
    """
    check_results(results)
    rename = _check_names(names)
    table = estat_vif(results)
    body = table.drop(index="Mean VIF")
    frame = results.model.data.frame
    labels = []
    for term in body.index:
        variable, bracket, level = term.partition("[")
        if bracket and variable in frame:
            labels.append(rename.get(variable, variable) + f"[{_code(frame, term)}]")
        else:
            labels.append(rename.get(variable, variable) + bracket + level)
    return _vif_lines(labels, body.to_numpy(), table.loc["Mean VIF", "VIF"])


def _code(frame: pd.DataFrame, term: str) -> str:
    """Return the value Stata shows for the level of ``variable[level]``."""
    variable, _, level = term[:-1].partition("[")
    column = frame[variable]
    if pd.api.types.is_numeric_dtype(column):  # i.var on a numeric variable: its values
        return _level_label(level)
    codes = sorted(map(str, column.dropna().unique()))  # text: encode's codes
    return str(codes.index(level) + 1)


def _vif_lines(labels: list[str], values: np.ndarray, mean: float) -> str:
    """Lay out ``estat vif``: VIF and 1/VIF under 12-character names, never widened."""
    cells = [f"{v:>10.2f}{inv:>12.6f}" for v, inv in values]
    rule = "-------------+----------------------"
    return "\n".join(
        [
            "    Variable |       VIF       1/VIF  ",
            rule,
            *_block_rows(labels, cells, apart=False),
            rule,
            f"{'Mean VIF':>12} |{mean:>10.2f}",
        ]
    )
