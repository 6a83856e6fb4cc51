"""Exercise and cholesterol, confounded by age: Simpson's paradox in a simulated world.

``exercise_cholesterol`` draws from a structural causal model in which age drives both
exercise and cholesterol; ``slopes`` shows the pooled slope is positive and the
age-adjusted one negative; ``plot_simpson`` draws the two views side by side.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.causality.ols import ols
from mlxday2.checks import (
    check_array,
    check_choice,
    check_fields,
    check_frame,
    check_instance,
    check_int,
    check_real,
    check_seed,
    numeric_columns,
)
from mlxday2.plotting import PALETTE

_COLUMNS = ["age", "exercise", "cholesterol"]


@dataclass(frozen=True)
class ExerciseSCM:
    """Coefficients of the exercise-cholesterol structural causal model.

    age (years)           ~ Uniform(age_min, age_max)
    exercise (h/week)     = exercise_base + exercise_per_year * age + N(0, exercise_sd)
    cholesterol (mg/dL)   = chol_base + chol_per_year * age + effect * exercise
                            + N(0, chol_sd)
    """

    age_min: float = 20.0
    age_max: float = 80.0
    exercise_base: float = 1.0
    exercise_per_year: float = 0.1
    exercise_sd: float = 1.0
    chol_base: float = 150.0
    chol_per_year: float = 1.0
    effect: float = -2.0  # mg/dL per weekly hour of exercise: the causal effect
    chol_sd: float = 5.0

    def __post_init__(self):
        check_fields(self, positive=("exercise_sd", "chol_sd"))
        if not self.age_min < self.age_max:
            raise ValueError(
                "ExerciseSCM needs age_min < age_max, got "
                f"{self.age_min} and {self.age_max}"
            )


def exercise_cholesterol(
    n: int = 1000, seed: int = 0, scm: ExerciseSCM = ExerciseSCM()
) -> pd.DataFrame:
    """Return an ``(n, 3)`` DataFrame: age (years), exercise (h/week), cholesterol.

    Draws from ``scm``: age raises both exercise and cholesterol (mg/dL), exercise
    lowers it.
    """
    n = check_int("n", n, 2)
    rng = np.random.default_rng(check_seed("seed", seed))
    check_instance("scm", scm, ExerciseSCM)
    age = rng.uniform(scm.age_min, scm.age_max, n)
    exercise = (
        scm.exercise_base
        + scm.exercise_per_year * age
        + rng.normal(0, scm.exercise_sd, n)
    )
    cholesterol = (
        scm.chol_base
        + scm.chol_per_year * age
        + scm.effect * exercise
        + rng.normal(0, scm.chol_sd, n)
    )
    return pd.DataFrame({"age": age, "exercise": exercise, "cholesterol": cholesterol})


def age_groups(
    age: pd.Series | np.ndarray | Sequence[float], width: int = 10
) -> pd.Series:
    """Return labels like ``"20-29"`` binning ``age`` into groups ``width`` years wide.

    ``width`` is a whole number of years (an integral float such as ``10.0`` is
    accepted), so the labels name whole years; ages must be finite and >= 0.
    """
    if isinstance(width, (float, np.floating)) and float(width).is_integer():
        width = int(width)
    width = check_int("width", width, 1)
    years = check_array("age", age)
    if years.ndim != 1:
        raise ValueError(f"age must be one-dimensional, got shape {years.shape}")
    if (years < 0).any():
        raise ValueError(f"age must be >= 0 years, got {years[years < 0][:3].tolist()}")
    lower = (np.floor(years / width) * width).astype(np.int64)
    return pd.Series([f"{lo}-{lo + width - 1}" for lo in lower], name="age_group")


def simpson_lines(df: pd.DataFrame, width: int = 10) -> pd.DataFrame:
    """Return the fitted lines of cholesterol on exercise, pooled and in each age group.

    One row per line: ``group`` (``"all"`` or a label such as ``"20-29"``), ``age_low``
    and ``age_high`` (the group's ages, ``age_low <= age < age_high``; NaN for
    ``"all"``), ``n``, ``intercept`` (mg/dL), ``slope`` (mg/dL per weekly hour),
    ``x_min`` and ``x_max`` (the exercise range the line spans). A group with fewer than
    3 people or constant exercise gets NaN coefficients, with a warning naming it.
    """
    lines = _fit_lines(df, width)
    _warn_empty(lines)
    return lines


def _fit_lines(df: pd.DataFrame, width: int) -> pd.DataFrame:
    age, x, y = numeric_columns("df", df, _COLUMNS)
    if len(df) < 3:
        raise ValueError(
            f"df must have at least 3 rows to fit two slopes, got {len(df)}"
        )
    if np.ptp(x) == 0:
        raise ValueError(
            f"df['exercise'] is constant ({x[0]}), so no slope can be fitted; "
            "pass data in which exercise varies"
        )
    labels = age_groups(age, width).to_numpy()
    lows = np.floor(age / int(width)) * int(width)
    rows = [_fit_row("all", np.nan, np.nan, x, y)]
    for low in np.unique(lows):
        m = lows == low
        rows.append(_fit_row(labels[m][0], low, low + int(width), x[m], y[m]))
    return pd.DataFrame(rows)


def _warn_empty(lines: pd.DataFrame) -> None:
    empty = lines.loc[lines["slope"].isna(), "group"].tolist()
    if empty:
        warnings.warn(
            f"age group(s) {empty} have fewer than 3 people or constant exercise; "
            "their within-group slope is NaN",
            stacklevel=3,
        )


def _fit_row(group: str, low: float, high: float, x: np.ndarray, y: np.ndarray) -> dict:
    ok = len(x) >= 3 and np.ptp(x) > 0
    intercept, slope = ols(y, x) if ok else (np.nan, np.nan)
    return {
        "group": group,
        "age_low": low,
        "age_high": high,
        "n": len(x),
        "intercept": float(intercept),
        "slope": float(slope),
        "x_min": float(x.min()),
        "x_max": float(x.max()),
    }


@dataclass(frozen=True)
class Slopes:
    """Slopes of cholesterol on exercise (mg/dL per weekly hour)."""

    pooled: float  # ignoring age
    adjusted: float  # age as a second regressor (back-door adjustment, linear SCM)
    within_group: dict[str, float]  # fitted separately in each age group (NaN: too few)


def slopes(df: pd.DataFrame, width: int = 10) -> Slopes:
    """Return pooled, age-adjusted and within-group slopes of cholesterol on exercise.

    A group with fewer than 3 people, or in which exercise does not vary, has no slope:
    it is reported as NaN (with a warning naming it), not dropped.
    """
    lines = _fit_lines(df, width)
    _warn_empty(lines)
    age, x, y = numeric_columns("df", df, _COLUMNS)
    try:
        adjusted = float(ols(y, x, age)[1])
    except ValueError:
        raise ValueError(
            "df['exercise'] is collinear with df['age'], so the age-adjusted slope is "
            "not determined; exercise must vary among people of the same age"
        ) from None
    pooled = float(lines["slope"].iloc[0])
    within = dict(zip(lines["group"].iloc[1:], lines["slope"].iloc[1:].astype(float)))
    return Slopes(pooled, adjusted, within)


def within_group_slope_theory(
    scm: ExerciseSCM = ExerciseSCM(), width: int = 10
) -> float:
    """Return the large-sample slope of cholesterol on exercise within one age group.

    Inside a group ``width`` years wide (wholly inside the age range), age still varies
    (variance width^2 / 12, ages being uniform), still raises exercise and cholesterol,
    and so still confounds: slope = effect + chol_per_year * Cov(age, exercise) /
    Var(exercise), both within a group.
    """
    check_instance("scm", scm, ExerciseSCM)
    width = check_int("width", width, 1)
    var_age = width**2 / 12
    cov = scm.exercise_per_year * var_age
    var_exercise = scm.exercise_per_year**2 * var_age + scm.exercise_sd**2
    return scm.effect + scm.chol_per_year * cov / var_exercise


def add_visits(
    df: pd.DataFrame,
    seed: int = 0,
    per_hour: float = 1.0,
    per_mg: float = 0.2,
    sd: float = 1.0,
) -> pd.DataFrame:
    """Return ``df`` with ``visits``, a collider of exercise and cholesterol.

    visits (per year) = per_hour * exercise + per_mg * cholesterol + N(0, sd): sports
    injuries and high cholesterol both bring people to the doctor. Neither exercise
    nor cholesterol is caused by it.
    """
    _, x, y = numeric_columns("df", df, _COLUMNS)
    rng = np.random.default_rng(check_seed("seed", seed))
    per_hour = check_real("per_hour", per_hour)
    per_mg = check_real("per_mg", per_mg)
    sd = check_real("sd", sd, low=0, low_open=True)
    visits = per_hour * x + per_mg * y + rng.normal(0, sd, len(df))
    return df.assign(visits=visits)


def exercise_slope(df: pd.DataFrame, adjust_for: Sequence[str] = ()) -> float:
    """Return the OLS slope of cholesterol on exercise, ``adjust_for`` also regressors.

    ``adjust_for`` names further columns of ``df`` (``["age"]``, ``["age", "visits"]``),
    not exercise or cholesterol themselves; empty gives the pooled slope.
    """
    adjust_for = list(adjust_for)
    for name in adjust_for:
        others = [c for c in df.columns if c not in ("exercise", "cholesterol")]
        check_choice("adjust_for[i]", name, others)
    y, x, *others = numeric_columns("df", df, ["cholesterol", "exercise", *adjust_for])
    return float(ols(y, x, *others)[1])


_MARKERS = "os^DvP*X"
_LINESTYLES = ("-", "--", "-.", ":")


def plot_simpson(
    df: pd.DataFrame, lines: pd.DataFrame, axes: Sequence[plt.Axes] | None = None
) -> np.ndarray:
    """Plot the pooled scatter and line (left) and the same points by age group (right).

    ``lines`` is ``simpson_lines(df)``; ``axes`` two Axes side by side (made when None).
    Each group has its own colour, marker and line style. Returns the two Axes.
    """
    age, x, y = numeric_columns("df", df, _COLUMNS)
    check_frame(
        "lines",
        lines,
        ["group", "age_low", "age_high", "intercept", "slope", "x_min", "x_max"],
    )
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    elif len(axes) != 2:
        raise ValueError(f"axes must be two Axes (left, right), got {len(axes)}")
    left, right = axes
    left.scatter(x, y, s=6, color="0.55", alpha=0.5)
    for i, line in enumerate(lines.itertuples()):
        xs = np.array([line.x_min, line.x_max])
        ys = line.intercept + line.slope * xs
        if line.group == "all":
            left.plot(xs, ys, color="k", lw=2, label="pooled fit")
            continue
        colour = PALETTE[(i - 1) % len(PALETTE)]
        m = (age >= line.age_low) & (age < line.age_high)
        marker = _MARKERS[(i - 1) % len(_MARKERS)]
        right.scatter(x[m], y[m], s=7, color=colour, marker=marker, alpha=0.45)
        right.plot(
            xs,
            ys,
            color=colour,
            lw=2,
            ls=_LINESTYLES[(i - 1) % len(_LINESTYLES)],
            marker=marker,
            markevery=[0, 1],
            label=f"age {line.group}",
        )
    left.set(xlabel="exercise (hours per week)", ylabel="cholesterol (mg/dL)")
    left.set_title("All people")
    left.legend(loc="upper left")
    right.set(xlabel="exercise (hours per week)", title="Coloured by age group")
    right.legend(loc="upper left", fontsize="small", ncol=2)
    return np.asarray(axes)
