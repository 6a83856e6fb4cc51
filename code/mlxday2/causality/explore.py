"""The chapter's explorable figures: the confounder's strength, and the case mix.

``confounding_states`` draws the exercise-cholesterol world (``exercise_cholesterol``)
for each strength of the arrow age -> exercise and fits its slopes (``slopes``);
``confounding_explorable`` draws each state once with ``plot_simpson``.
``case_mix_states`` keeps each kidney-stone treatment's success rate within each stone
size and its number of patients, and changes only the share of small stones it was
given (``success_rates``); ``case_mix_explorable`` draws each with
``plot_success_rates``. Both return the HTML block (``mlxday2.explorable``) the page
switches between in the browser.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from mlxday2.causality import (
    ExerciseSCM,
    Slopes,
    exercise_cholesterol,
    plot_simpson,
    plot_success_rates,
    simpson_lines,
    slopes,
    success_rates,
)
from mlxday2.checks import check_frame, check_instance, check_int, check_real
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


def case_mix_counts(
    stones: pd.DataFrame, share_a: float, share_b: float
) -> pd.DataFrame:
    """Return ``stones`` with the shares of small stones given A and B changed.

    Each treatment keeps its number of patients and its success rate within each stone
    size; counts are rounded to whole patients.
    """
    check_frame("stones", stones, ["treatment", "stone_size", "successes", "total"])
    rows = []
    for treatment, share in (("A", share_a), ("B", share_b)):
        share = check_real(f"share_{treatment.lower()}", share, 0, 1)
        mine = stones[stones["treatment"] == treatment].set_index("stone_size")
        patients = int(mine["total"].sum())
        small = round(share * patients)
        for size, n in (("small", small), ("large", patients - small)):
            rate = mine.loc[size, "successes"] / mine.loc[size, "total"]
            rows.append(
                {
                    "treatment": treatment,
                    "stone_size": size,
                    "successes": round(rate * n),
                    "total": n,
                }
            )
    return pd.DataFrame(rows)


def published_shares(stones: pd.DataFrame) -> tuple[float, float]:
    """Return the shares of small stones among A's and among B's patients."""
    check_frame("stones", stones, ["treatment", "stone_size", "total"])
    totals = stones.set_index(["treatment", "stone_size"])["total"]
    return tuple(
        float(totals[t, "small"] / (totals[t, "small"] + totals[t, "large"]))
        for t in ("A", "B")
    )


@dataclass(frozen=True, eq=False)
class CaseMixState:
    """One case mix: the shares of small stones given A and B, and the rates."""

    share_a: float
    share_b: float
    rates: pd.DataFrame

    def pooled(self, treatment: str) -> float:
        """Return ``treatment``'s success rate over all its patients."""
        overall = self.rates[self.rates["stone_size"] == "overall"]
        return float(overall.set_index("treatment").loc[treatment, "rate"])


def case_mix_states(stones: pd.DataFrame, shares) -> list[CaseMixState]:
    """Return one state per (share for A, share for B) in ``shares``, A slowest."""
    states = []
    for share_a, share_b in itertools.product(shares, shares):
        counts = case_mix_counts(stones, share_a, share_b)
        states.append(CaseMixState(share_a, share_b, success_rates(counts)))
    return states


def case_mix_explorable(states, default, name: str = "causal-mix"):
    """Return the explorable figure of ``states``; ``default``: (share A, share B)."""
    shares = sorted({s.share_a for s in states})
    controls = [
        control(
            "share-a", "share of small stones among A's patients", shares, "{:.0%}"
        ),
        control(
            "share-b", "share of small stones among B's patients", shares, "{:.0%}"
        ),
    ]
    frames = []
    for s in states:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        plot_success_rates(s.rates, ax=ax)
        better = "A" if s.pooled("A") > s.pooled("B") else "B"
        alt = (
            f"Success rates of A and B by stone size and overall when {s.share_a:.0%} "
            f"of A's and {s.share_b:.0%} of B's patients have small stones: A is "
            f"better within each size, {better} over all patients."
        )
        difference = s.pooled("A") - s.pooled("B")
        numbers = {
            "A over all patients": (s.pooled("A"), "{:.3f}"),
            "B over all patients": (s.pooled("B"), "{:.3f}"),
            "difference A − B": (difference, "{:+.3f}"),
        }
        frames.append(frame(fig, alt, numbers))
    index = (shares.index(default[0]), shares.index(default[1]))
    return explorable(name, controls, frames, index)
