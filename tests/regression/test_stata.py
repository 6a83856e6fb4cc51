"""Tests of mlxday2.regression.stata: Stata's layout and numbers, and the workflow."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlxday2 import regression as reg
from mlxday2.regression import longley as nist
from mlxday2.regression import stata, workflow

CHAPTER = Path(__file__).resolve().parents[2] / "book" / "regression.md"


@pytest.fixture(scope="module")
def longley():
    return nist.fit_longley()


def test_stata_number_prints_numbers_as_statas_logs_do():
    # %9.0g: intervals Stata printed for Longley (tests/regression/test_regression.py),
    # and numbers from the logs in stata_logs/ on both sides of the fixed/exponent rule
    for value, printed in [
        (-177.0291, "-177.0291"),
        (-0.111581, "-.111581"),
        (0.0399428, ".0399428"),
        (-5496529.0, "-5496529"),
        (15.0618722713733, "15.06187"),
        (-0.0358191792925910, "-.0358192"),
        (-0.00005440, "-.0000544"),  # wage1_robust.log: fixed, not -5.44e-05
        (0.00008560, ".0000856"),  # cps78_85_regress.log
        (101307.5, "101307.5"),
        (1.234e-7, "1.23e-07"),  # 1 significant digit fixed: the exponent shows 3
        (184172401.944494, "1.84e+08"),  # 9 integer digits do not fit 7
        (12345678.4, "1.23e+07"),
        (0.5, ".5"),
    ]:
        assert stata.stata_number(value) == printed, value
    # %10.0g of the ANOVA table (kielmc_regress.log): 9 digits fixed, 10 not
    assert stata.stata_number(384905860.2, 11) == "384905860"
    assert stata.stata_number(1.0969e9 + 12345.6, 11) == "1.0969e+09"
    assert stata.stata_number(94.98154240014665, 11) == "94.9815424"
    assert stata.stata_number(float("nan")) == "."


def test_stata_number_reproduces_statacorps_own_examples():
    # William Gould (StataCorp), Statalist 7 April 2003, "Re: st: Determining the width
    # of a formatted value" (stata.com/statalist/archive/2003-04/msg00205.html): what
    # `display %12.0g` prints for multiples of pi, on both sides of the switch to %e
    pi = math.pi
    for value, printed in [
        (pi, "3.141592654"),
        (pi * 10, "31.41592654"),
        (pi * 1e5, "314159.2654"),
        (pi * 1e8, "314159265.4"),
        (pi * 1e9, "3141592654"),
        (pi * 1e10, "3.14159e+10"),
        (pi * 1e-1, ".3141592654"),
        (pi * 1e-4, ".0003141593"),
        (pi * 1e-5, ".0000314159"),
        (pi * 1e-6, "3.14159e-06"),
    ]:
        assert stata.stata_number(value, 12) == printed, value


def test_stata_coefficients_columns_and_constant_last(longley):
    table = stata.stata_coefficients(longley)
    assert list(table.columns) == stata.STATA_COLUMNS
    assert stata.STATA_COLUMNS[:2] == ["Coefficient", "Std. err."]
    assert table.index[-1] == "_cons" and "Intercept" not in table.index
    assert table.loc["_cons", "Coefficient"] == longley.params["Intercept"]
    assert table.loc["YEAR", "P>|t|"] == longley.pvalues["YEAR"]


def test_stata_output_robust_title_and_stata_16_titles(longley):
    robust = nist.fit_longley(cov_type="HC1")
    lines = stata.stata_output(robust).splitlines()
    assert lines[0].startswith("Linear regression")
    i = lines.index(f"{'':>12} |{'Robust':>21}")
    assert "Coefficient  std. err." in lines[i + 1]
    old = stata.stata_output(longley, version=16)
    assert "      TOTEMP |      Coef.   Std. Err.      t    P>|t|     [95% Conf." in old
    with pytest.raises(ValueError, match="version must be"):
        stata.stata_output(longley, version=15)


def test_stata_output_lists_terms_in_the_commands_order_with_factor_blocks(mpi_fit):
    lines = stata.stata_output(mpi_fit, names={"region": "region_id"}).splitlines()
    # Stata's default lstretch: the first column fits the longest level label plus one
    width = len("Latin America and the Caribbean") + 1
    rows = lines[lines.index("-" * (width + 1) + "+" + "-" * 64) + 1 : -1]
    names = [row.split("|")[0] for row in rows]
    blank = " " * (width + 1)
    # Stata: the varlist's order, a blank line before and after the factor block, the
    # factor under the command's name, its levels ending two spaces before the bar
    assert [n.strip() for n in names[:3]] == [
        "poverty_215_pct",
        "poverty_national_pct",
        "",
    ]
    assert names[2] == blank and names[3] == f"{'region_id':>{width}} "
    assert names[4] == f"{'Arab States':>{width - 1}}  " and names[-2] == blank
    assert names[-1].strip() == "_cons" and len(rows) == 2 + 1 + 1 + 5 + 1 + 1
    assert lines[-1] == "-" * (width + 66)
    assert any(line.startswith(f"{'headcount_pct':>{width}} |") for line in lines)


def test_a_narrow_window_abbreviates_names_to_a_79_column_table(mpi_fit):
    lines = stata.stata_output(mpi_fit, linesize=80).splitlines()
    assert max(len(line) for line in lines) == 79
    assert any(line.startswith("poverty_215~t |") for line in lines)
    with pytest.raises(ValueError, match="linesize"):
        stata.stata_output(mpi_fit, linesize=20)


def test_a_factor_opening_the_table_has_no_blank_line_before_it():
    df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 7, 6, 9], "g": list("abcdabcd")})
    df["x"] = np.arange(8.0) ** 1.5
    lines = stata.stata_output(reg.fit_ols(df, "y ~ C(g) + x")).splitlines()
    rule = lines.index("-" * 13 + "+" + "-" * 64)
    assert lines[rule + 1] == f"{'g':>12} |" and lines[rule + 5] == f"{'':>12} |"
    assert lines[rule + 6].startswith(f"{'x':>12} |")


def test_vif_output_is_estat_vifs_layout(longley, mpi_fit):
    # without factor variables: sorted, largest first (as in Stata logs of estat vif)
    text = stata.vif_output(longley).splitlines()
    assert text[:2] == [
        "    Variable |       VIF       1/VIF  ",
        "-------------+----------------------",
    ]
    assert text[2] == "         GNP |   1788.51    0.000559"  # published VIF 1788.51
    assert text[-2] == text[1] and text[-1].startswith("    Mean VIF |")
    assert re.fullmatch(r" {4}Mean VIF \| +\d+\.\d\d", text[-1])
    # with a factor: the model's order, the factor's levels under its name
    lines = stata.vif_output(mpi_fit, names={"region": "region_id"}).splitlines()
    # (no blank rows around the factor's block, unlike regress: as in Stata's logs)
    assert [line.split("|")[0].strip() for line in lines[2:5]] == [
        "poverty_21~t",
        "poverty_na~t",
        "region_id",
    ]
    # estat vif shows encode's codes (1 = Arab States ... 6 = Sub-Saharan Africa, the
    # base), where regress shows the labels
    assert lines[4] == "   region_id |" and lines[5].startswith("          1  |")
    assert [line[:14] for line in lines[5:10]] == [f"{c:>11}  |" for c in range(1, 6)]
    assert re.fullmatch(r" +1  \| +\d\.\d\d +0\.\d{6}", lines[5])
    assert lines[10] == lines[1] and f"{'':>12} |" not in lines


def test_a_factor_with_one_numbered_level_is_one_row_as_in_stata():
    # Stata logs print a 0/1 factor without value labels as "1.post", in one row
    df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 7, 6, 9], "post": [0, 1] * 4})
    df["x"] = np.arange(8.0) ** 1.5
    lines = stata.stata_output(reg.fit_ols(df, "y ~ C(post) + x")).splitlines()
    rule = lines.index("-" * 13 + "+" + "-" * 64)
    assert lines[rule + 1].startswith("      1.post |")
    assert lines[rule + 2].startswith("           x |")


def test_a_numeric_factor_shows_its_values_in_regress_and_estat_vif():
    # Stata's factor variables are integers, and both commands name a level by its
    # value (estat vif has no value labels to show); pandas keeps an integer column
    # with a missing value as float, whose levels the formula names "3.0", "5.0"
    df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 7, 6, 9, 8], "x": np.arange(9.0) ** 1.5})
    df["post"] = [0, 1, 0, 1, 0, 1, 0, 1, np.nan]
    df["grade"] = [1, 3, 5, 1, 3, 5, 1, 3, 5]
    fit = reg.fit_ols(df, "y ~ C(post) + C(grade) + x")
    rows = [line.split("|")[0] for line in stata.stata_output(fit).splitlines()]
    assert "      1.post " in rows and rows.count("          3  ") == 1
    rows = [line.split("|")[0] for line in stata.vif_output(fit).splitlines()]
    # values 1, 3, 5: levels 3 and 5 (not the positions 2 and 3 of encode's codes)
    assert rows[2:6] == [
        "      1.post ",
        "       grade ",
        "          3  ",
        "          5  ",
    ]


@pytest.fixture(scope="module")
def mpi_fit():
    mpi = reg.load_mpi()
    return reg.fit_ols(mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"]))


def test_stata_functions_reject_other_objects():
    with pytest.raises(TypeError, match="results must be a fitted regression"):
        stata.stata_output("regress y x")
    with pytest.raises(TypeError, match="names must be a dict"):
        stata.stata_output(nist.fit_longley(), names=["region_id"])
    with pytest.raises(TypeError, match="results must be a fitted regression"):
        stata.vif_output("estat vif")
    with pytest.raises(TypeError, match="steps must be StataStep rows"):
        workflow.stata_table(("describe",))


# --- the workflow table: real Stata commands, Python lines the chapter runs -----------

STATA_COMMANDS = {
    "import",
    "describe",
    "replace",
    "destring",
    "summarize",
    "misstable",
    "tabulate",
    "drop",
    "encode",
    "regress",
    "estat",
    "predict",
    "confirm",
}


def test_workflow_covers_the_days_commands():
    commands = [step.stata for step in workflow.STATA_TO_PYTHON]
    assert {c.split()[0] for c in commands} == STATA_COMMANDS
    for needed in [
        'replace poverty_215_pct = "" if poverty_215_pct == ".."',
        "destring poverty_215_pct, replace",
        "encode region, generate(region_id)",
        "tabulate region, generate(r_)",
        "estat vif",
        "predict yhat",
        "misstable summarize",
        "confirm numeric variable poverty_215_pct",
        "estat hettest",
    ]:
        assert needed in commands
    assert any(c.endswith(" i.region_id") for c in commands)
    assert any("ib(last).region_id" in c and c.endswith(", robust") for c in commands)
    table = workflow.stata_table()
    assert list(table.columns) == ["Stata", "Python", "what it does"]
    assert len(table) == len(workflow.STATA_TO_PYTHON)


def test_every_python_line_runs_in_the_chapter():
    chapter = CHAPTER.read_text()
    cells = "\n".join(
        re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", chapter, flags=re.S)
    )
    for step in workflow.STATA_TO_PYTHON:
        assert step.python in cells, f"the chapter never runs {step.python!r}"


def test_encode_codes_follow_the_alphabet_so_last_is_sub_saharan_africa():
    mpi = reg.load_mpi()
    codes = mpi["region"].astype("category").cat.codes + 1
    levels = sorted(mpi["region"].unique())
    assert dict(zip(mpi["region"], codes)) == {
        lev: i + 1 for i, lev in enumerate(levels)
    }
    assert (
        levels[-1] == reg.REFERENCE_REGION
    )  # so ib(last).region_id is Sub-Saharan Africa


def test_encode_gives_south_asia_code_5_as_the_exercise_says():
    mpi = reg.load_mpi()
    codes = dict(zip(mpi["region"], mpi["region"].astype("category").cat.codes + 1))
    assert codes["South Asia"] == 5


def test_a_model_without_a_formula_keeps_its_order_with_the_constant_last():
    import statsmodels.api as sm

    df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 7], "b": [1.0, 2, 4, 3, 6, 5]})
    df["a"] = [0.5, 0.1, 0.9, 0.4, 0.2, 0.8]
    fit = sm.OLS(df["y"], sm.add_constant(df[["b", "a"]])).fit()
    assert list(stata.stata_coefficients(fit).index) == ["b", "a", "_cons"]
