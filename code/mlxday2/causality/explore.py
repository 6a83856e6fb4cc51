"""The chapter's explorable figure: how strongly age drives exercise, and the slopes.

``confounding_states`` draws the exercise-cholesterol world (``exercise_cholesterol``)
for each strength of the arrow age -> exercise and fits its slopes (``slopes``);
``confounding_explorable`` draws each state once with ``plot_simpson`` and returns the
HTML block (``mlxday2.explorable``) the page switches between in the browser.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from mlxday2.causality.simpson import (
    ExerciseSCM,
    Slopes,
    exercise_cholesterol,
    plot_simpson,
    simpson_lines,
    slopes,
)
from mlxday2.checks import check_instance, check_int, check_real
from mlxday2.explorable import control, explorable, frame


@dataclass(frozen=True, eq=False)
class ConfoundingState:
    """One world: its ``exercise_per_year``, the people drawn and their slopes."""

    exercise_per_year: float
    people: pd.DataFrame
    slopes: Slopes


def confounding_states(
    strengths, n: int = 1000, seed: int = 0, scm: ExerciseSCM | None = None
) -> list[ConfoundingState]:
    """Return one state per ``exercise_per_year`` in ``strengths``, else like ``scm``.

    ``scm`` defaults to ``ExerciseSCM()``, the chapter's world.
    """
    scm = ExerciseSCM() if scm is None else check_instance("scm", scm, ExerciseSCM)
    n = check_int("n", n, 2)
    states = []
    for strength in strengths:
        strength = check_real("strengths[i]", strength)
        world = dataclasses.replace(scm, exercise_per_year=strength)
        people = exercise_cholesterol(n=n, seed=seed, scm=world)
        states.append(ConfoundingState(strength, people, slopes(people)))
    return states


def confounding_explorable(states, default: float = 0.1, name: str = "causal-age"):
    """Return the explorable figure of ``states``; first the one nearest ``default``."""
    strengths = [s.exercise_per_year for s in states]
    slider = control(
        "strength", "extra weekly hours of exercise per year of age", strengths, "{:g}"
    )
    frames = []
    for s in states:
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True)
        plot_simpson(s.people, simpson_lines(s.people), axes=axes)
        sign = "rises" if s.slopes.pooled > 0 else "falls"
        alt = (
            f"Cholesterol against exercise when each year of age adds "
            f"{s.exercise_per_year:g} weekly hours of exercise: the pooled line {sign} "
            f"(slope {s.slopes.pooled:+.2f}), the lines within age groups fall."
        )
        numbers = {
            "pooled slope (mg/dL per weekly hour)": (s.slopes.pooled, "{:+.2f}"),
            "age-adjusted slope": (s.slopes.adjusted, "{:+.2f}"),
        }
        frames.append(frame(fig, alt, numbers))
    near = min(strengths, key=lambda v: abs(v - default))
    return explorable(name, [slider], frames, (strengths.index(near),))
