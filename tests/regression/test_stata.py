"""Tests of mlxday2.regression.stata: Stata's regress layout and numbers, and the workflow table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlxday2 import regression as R
from mlxday2.regression import longley as L
from mlxday2.regression import stata as S

CHAPTER = Path(__file__).resolve().parents[2] / "book" / "regression.md"


@pytest.fixture(scope="module")
def longley():
    return L.fit_longley()


def test_stata_number_prints_statas_own_numbers_as_stata_did():
    # intervals Stata printed for the Longley regression (see tests/test_regression.py)
    for value, printed in [
        (-177.0291, "-177.0291"),
        (207.1524, "207.1524"),
        (-0.111581, "-.111581"),
        (0.0399428, ".0399428"),
        (-0.9153928, "-.9153928"),
        (-5496529.0, "-5496529"),
        (2859.515, "2859.515"),
        (15.0618722713733, "15.06187"),
        (-0.0358191792925910, "-.0358192"),
    ]:
        assert S.stata_number(value) == printed
    assert S.stata_number(float("nan")) == "."
    assert S.stata_number(184172401.944494) == "1.84e+08"
    assert S.stata_number(184172401.944494, 11) == "184172402"


def test_stata_coefficients_columns_and_constant_last(longley):
    table = S.stata_coefficients(longley)
    assert list(table.columns) == [
        "Coef.",
        "Std. Err.",
        "t",
        "P>|t|",
        "[95% Conf.",
        "Interval]",
    ]
    assert table.index[-1] == "_cons" and "Intercept" not in table.index
    assert table.loc["_cons", "Coef."] == longley.params["Intercept"]
    assert table.loc["YEAR", "P>|t|"] == longley.pvalues["YEAR"]


def test_stata_output_classical_layout_and_numbers(longley):
    text = S.stata_output(longley)
    lines = text.splitlines()
    assert all(len(line) <= 78 for line in lines)
    assert lines[0].startswith("      Source |       SS           df       MS")
    labels = r"Number of obs|F\(\d+, \d+\)|Prob > F|Adj R-squared|R-squared|Root MSE"
    header = dict(re.findall(rf"({labels})\s*=\s+(\S+)$", text, flags=re.M))
    h = S.stata_header(longley)
    assert header["Number of obs"] == "16"
    assert header["F(6, 9)"] == f"{L.NIST_F:.2f}" == "330.29"
    assert header["Prob > F"] == "0.0000"
    assert header["R-squared"] == "0.9955" and header["Adj R-squared"] == "0.9925"
    assert float(header["Root MSE"]) == pytest.approx(L.NIST_RESIDUAL_SD, rel=1e-4)
    assert h["df_resid"] == 9 and h["df_model"] == 6
    assert (
        "      TOTEMP |      Coef.   Std. Err.      t    P>|t|     [95% Conf. Interval]"
        in lines
    )
    year = next(line for line in lines if line.strip().startswith("YEAR |"))
    assert year.split()[2:] == [
        "1829.151",
        "455.4785",
        "4.02",
        "0.003",
        "798.7875",
        "2859.515",
    ]
    assert lines[-2].split()[:2] == ["_cons", "|"]


def test_stata_output_robust_layout(longley):
    robust = L.fit_longley(cov_type="HC1")
    text = S.stata_output(robust)
    assert text.startswith("Linear regression")
    assert "Adj R-squared" not in text and "Source" not in text
    assert re.search(r"^\s+\|\s+Robust$", text, flags=re.M)
    gnp = next(line for line in text.splitlines() if line.strip().startswith("GNP |"))
    assert gnp.split()[3] == ".032768"  # Stata: 0.03277 (HC1)


def test_stata_output_groups_factor_levels(mpi_fit):
    text = S.stata_output(mpi_fit)
    lines = text.splitlines()
    i = lines.index(f"{'region':>12} |")
    assert lines[i - 1] == f"{'':>12} |"
    assert lines[i + 1].split("|")[0].strip() == "Arab States"
    assert "headcount_~t |" in text  # Stata abbreviates names longer than 12 characters


@pytest.fixture(scope="module")
def mpi_fit():
    mpi = R.load_mpi()
    return R.fit_ols(mpi.dropna(subset=["poverty_215_pct", "poverty_national_pct"]))


def test_stata_functions_reject_other_objects():
    with pytest.raises(TypeError, match="results must be a fitted regression"):
        S.stata_output("regress y x")
    with pytest.raises(TypeError, match="steps must be StataStep rows"):
        S.stata_table(("describe",))


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
}


def test_workflow_covers_the_days_commands():
    commands = [step.stata for step in S.STATA_TO_PYTHON]
    assert {c.split()[0] for c in commands} == STATA_COMMANDS
    for needed in [
        'replace poverty_215_pct = "" if poverty_215_pct == ".."',
        "destring poverty_215_pct, replace",
        "encode region, generate(region_id)",
        "tabulate region, generate(r_)",
        "estat vif",
        "predict yhat",
        "misstable summarize",
    ]:
        assert needed in commands
    assert any(c.endswith(" i.region_id") for c in commands)
    assert any("ib(last).region_id" in c and c.endswith(", robust") for c in commands)
    table = S.stata_table()
    assert list(table.columns) == ["Stata", "Python", "what it does"]
    assert len(table) == len(S.STATA_TO_PYTHON)


def test_every_python_line_runs_in_the_chapter():
    chapter = CHAPTER.read_text()
    cells = "\n".join(
        re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", chapter, flags=re.S)
    )
    for step in S.STATA_TO_PYTHON:
        assert step.python in cells, f"the chapter never runs {step.python!r}"


def test_encode_codes_follow_the_alphabet_so_last_is_sub_saharan_africa():
    mpi = R.load_mpi()
    codes = mpi["region"].astype("category").cat.codes + 1
    levels = sorted(mpi["region"].unique())
    assert dict(zip(mpi["region"], codes)) == {
        lev: i + 1 for i, lev in enumerate(levels)
    }
    assert (
        levels[-1] == R.REFERENCE_REGION
    )  # so ib(last).region_id is Sub-Saharan Africa


def test_encode_gives_south_asia_code_5_as_the_exercise_says():
    mpi = R.load_mpi()
    codes = dict(zip(mpi["region"], mpi["region"].astype("category").cat.codes + 1))
    assert codes["South Asia"] == 5
