"""Bad input at every public function of mlxday2.causality gives an error naming the
argument and the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import with_cell
from mlxday2 import causality


def _people(n=60, **changes):
    df = causality.exercise_cholesterol(n=n, seed=0)
    for col, values in changes.items():
        df[col] = values
    return df


def _stones(cells):
    df = causality.kidney_stones().astype({"successes": object, "total": object})
    for (col, row), value in cells.items():
        df.loc[row, col] = value
    return df


CASES = {
    # exercise and cholesterol
    "seed negative": (
        lambda: causality.exercise_cholesterol(seed=-1),
        ValueError,
        r"seed must be an integer >= 0, got -1",
    ),
    "seed text": (
        lambda: causality.exercise_cholesterol(seed="0"),
        TypeError,
        "seed must be",
    ),
    "scm wrong type": (
        lambda: causality.exercise_cholesterol(scm={"effect": -2}),
        TypeError,
        "scm must be a ExerciseSCM",
    ),
    "scm zero sd": (
        lambda: causality.ExerciseSCM(chol_sd=0),
        ValueError,
        r"ExerciseSCM.chol_sd must be > 0",
    ),
    "scm nan effect": (
        lambda: causality.ExerciseSCM(effect=float("nan")),
        ValueError,
        "ExerciseSCM.effect must be finite",
    ),
    "scm ages reversed": (
        lambda: causality.ExerciseSCM(age_min=80, age_max=20),
        ValueError,
        "age_min < age_max, got 80 and 20",
    ),
    "age_groups half-year width": (
        lambda: causality.age_groups([21, 20.2], 0.5),
        TypeError,
        "width must be an integer >= 1, got 0.5",
    ),
    "age_groups zero width": (
        lambda: causality.age_groups([21], 0),
        ValueError,
        "width must be an integer >= 1, got 0",
    ),
    "age_groups nan": (
        lambda: causality.age_groups([21, np.nan]),
        ValueError,
        r"age must be finite, got nan",
    ),
    "age_groups text": (
        lambda: causality.age_groups(["twenty"]),
        TypeError,
        "age must be an array of real numbers",
    ),
    "age_groups negative": (
        lambda: causality.age_groups([-3, 20]),
        ValueError,
        r"age must be >= 0 years, got \[-3.0\]",
    ),
    "slopes constant exercise": (
        lambda: causality.slopes(_people(exercise=3.0)),
        ValueError,
        r"df\['exercise'\] is constant \(3.0\)",
    ),
    "slopes exercise collinear with age": (
        lambda: causality.slopes(_people(exercise=_people()["age"] / 10)),
        ValueError,
        r"df\['exercise'\] is collinear with df\['age'\]",
    ),
    "slopes nan": (
        lambda: causality.slopes(with_cell(_people(), 4, "cholesterol", np.nan)),
        ValueError,
        r"df\['cholesterol'\] must be finite, got nan",
    ),
    "slopes text column": (
        lambda: causality.slopes(_people(age="old")),
        TypeError,
        r"df\['age'\] must be an array of real numbers",
    ),
    "slopes not a frame": (
        lambda: causality.slopes(np.zeros((5, 3))),
        TypeError,
        "df must be a pandas DataFrame, got ndarray",
    ),
    "slopes two rows": (
        lambda: causality.slopes(_people(n=2)),
        ValueError,
        "at least 3 rows to fit two slopes, got 2",
    ),
    # kidney stones
    "counts nan total": (
        lambda: causality.success_rates(_stones({("total", 0): np.nan})),
        ValueError,
        r"df\['total'\] must be finite, got nan",
    ),
    "counts fractional": (
        lambda: causality.success_rates(_stones({("successes", 1): 2.5})),
        ValueError,
        r"df\['successes'\] must hold whole counts",
    ),
    "counts text": (
        lambda: causality.backdoor_adjust(_stones({("total", 2): "many"})),
        TypeError,
        r"df\['total'\] must be an array of real numbers",
    ),
    "counts above total": (
        lambda: causality.success_rates(_stones({("successes", 0): 90})),
        ValueError,
        "0 <= successes <= total",
    ),
    "counts zero total": (
        lambda: causality.backdoor_adjust(
            _stones({("total", 3): 0, ("successes", 3): 0})
        ),
        ValueError,
        "total > 0",
    ),
    "counts duplicate rows": (
        lambda: causality.success_rates(pd.concat([causality.kidney_stones()] * 2)),
        ValueError,
        r"more than one row .*'A'",
    ),
    "counts empty": (
        lambda: causality.success_rates(causality.kidney_stones().iloc[:0]),
        ValueError,
        "df has no rows",
    ),
    "counts missing label": (
        lambda: causality.backdoor_adjust(
            with_cell(causality.kidney_stones(), 0, "stone_size", None)
        ),
        ValueError,
        r"df\['stone_size'\] has missing labels",
    ),
    "counts reserved size": (
        lambda: causality.success_rates(
            with_cell(causality.kidney_stones(), 0, "stone_size", "overall")
        ),
        ValueError,
        "must not contain 'overall'",
    ),
    "rates_table raw counts": (
        lambda: causality.rates_table(causality.kidney_stones()),
        ValueError,
        r"rates is missing column\(s\) \['rate'\]",
    ),
    "level nan": (
        lambda: causality.backdoor_adjust(causality.kidney_stones(), level=np.nan),
        ValueError,
        "level must be finite",
    ),
    "level text": (
        lambda: causality.backdoor_adjust(causality.kidney_stones(), level="0.95"),
        TypeError,
        "level must be a real number",
    ),
    "level one": (
        lambda: causality.backdoor_adjust(causality.kidney_stones(), level=1.0),
        ValueError,
        r"level must be in \(0, 1\), got 1.0",
    ),
    "naive unknown treatment": (
        lambda: causality.naive_difference(causality.kidney_stones(), "A", "C"),
        ValueError,
        r"second must be one of the treatments \['A', 'B'\], got 'C'",
    ),
    "naive same treatment": (
        lambda: causality.naive_difference(causality.kidney_stones(), "B", "B"),
        ValueError,
        "first and second must differ",
    ),
    "naive level": (
        lambda: causality.naive_difference(causality.kidney_stones(), level=0),
        ValueError,
        r"level must be in \(0, 1\), got 0",
    ),
    "touching level": (
        lambda: causality.touching_intervals_p("95%"),
        TypeError,
        "level must be a real number",
    ),
    "era unknown treatment": (
        lambda: causality.with_era(
            with_cell(causality.kidney_stones(), 0, "treatment", "ESWL")
        ),
        ValueError,
        r"df\['treatment'\] must hold only \['A', 'B'\].*got \['ESWL'\]",
    ),
    "strata no columns": (
        lambda: causality.patients_by_stratum(causality.kidney_stones(), []),
        ValueError,
        "by must name at least one column",
    ),
    "strata unknown column": (
        lambda: causality.patients_by_stratum(causality.kidney_stones(), ["era"]),
        ValueError,
        r"df is missing column\(s\) \['era'\]",
    ),
    "visits zero sd": (
        lambda: causality.add_visits(_people(), sd=0),
        ValueError,
        "sd must be > 0, got 0",
    ),
    "visits seed": (
        lambda: causality.add_visits(_people(), seed=1.5),
        TypeError,
        "seed must be an integer >= 0",
    ),
    "slope unknown column": (
        lambda: causality.exercise_slope(_people(), ["visits"]),
        ValueError,
        r"adjust_for\[i\] must be one of \('age',\), got 'visits'",
    ),
    "slope column not text": (
        lambda: causality.exercise_slope(_people(), [3]),
        TypeError,
        r"adjust_for\[i\] must be one of",
    ),
    # plots
    "dag unplaced node": (
        lambda: causality.plot_dag([("A", "B")], {"A": (0, 0)}),
        ValueError,
        r"node\(s\) \['B'\] have no position",
    ),
    "dag bad position": (
        lambda: causality.plot_dag([], {"A": (0,)}),
        ValueError,
        r"positions\['A'\] must be an \(x, y\) pair",
    ),
    "dag bad edge": (
        lambda: causality.plot_dag([("A",)], {"A": (0, 0)}),
        ValueError,
        r"\(cause, effect\) pair",
    ),
    "plot_success_rates counts": (
        lambda: causality.plot_success_rates(causality.kidney_stones()),
        ValueError,
        r"rates is missing column\(s\) \['rate'\]",
    ),
    "plot_adjusted rates": (
        lambda: causality.plot_adjusted(
            causality.success_rates(causality.kidney_stones())
        ),
        ValueError,
        "adjusted is missing column",
    ),
    "plot_differences list": (
        lambda: causality.plot_differences(
            [causality.naive_difference(causality.kidney_stones())]
        ),
        TypeError,
        r"differences must be a non-empty dict \{label: difference\}, got list",
    ),
    "backdoor edges not a list": (
        lambda: causality.open_backdoor_paths("T->Y", "T", "Y"),
        TypeError,
        r"edges must be a list of \(cause, effect\) pairs, got str",
    ),
    "backdoor edge not a pair": (
        lambda: causality.open_backdoor_paths([("T",)], "T", "Y"),
        ValueError,
        r"each edge must be a \(cause, effect\) pair, got \('T',\)",
    ),
    "backdoor unknown treatment": (
        lambda: causality.open_backdoor_paths([("T", "Y")], "drug", "Y"),
        ValueError,
        r"treatment must be one of .*got 'drug'",
    ),
    "backdoor unknown adjustment": (
        lambda: causality.open_backdoor_paths([("T", "Y")], "T", "Y", ["age"]),
        ValueError,
        r"adjust\[i\] must be one of .*got 'age'",
    ),
    "descendants unknown node": (
        lambda: causality.descendants([("T", "Y")], "Z"),
        ValueError,
        r"node must be one of .*got 'Z'",
    ),
    "plot_differences nan": (
        lambda: causality.plot_differences(
            {"x": {"difference": np.nan, "low": 0, "high": 1, "level": 0.95}}
        ),
        ValueError,
        r"differences\['x'\]\['difference'\] must be finite",
    ),
}


@pytest.mark.parametrize("call, error, message", CASES.values(), ids=CASES.keys())
def test_bad_input_names_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_age_groups_accepts_whole_float_width_and_labels_whole_years():
    assert causality.age_groups([21, 20.2, 39.9], 10.0).tolist() == [
        "20-29",
        "20-29",
        "30-39",
    ]
    assert causality.age_groups([21, 25], 5).tolist() == ["20-24", "25-29"]


def test_a_group_without_a_slope_is_reported_not_dropped():
    df = causality.exercise_cholesterol(n=200, seed=0)
    df = pd.concat(
        [df, pd.DataFrame({"age": [95.0], "exercise": [9.0], "cholesterol": [200.0]})]
    )
    with pytest.warns(UserWarning, match=r"\['90-99'\] have fewer than 3 people"):
        s = causality.slopes(df)
    assert np.isnan(s.within_group["90-99"]) and len(s.within_group) == 7
