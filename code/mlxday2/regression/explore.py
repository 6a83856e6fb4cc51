"""The chapter's explorable figure: the base level of the region factor.

``base_states`` refits the chapter's model (``fit_ols``) once with each region as the
base (Stata's ``ib#.region_id``) and keeps its coefficient table (``coef_table``);
``base_explorable`` draws each state once with ``plot_coefficients`` beside the
chapter's own base and returns the HTML block. The slopes, the fit and R-squared stay;
the intercept and every region contrast move, because they are measured from the base.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlxday2.checks import check_frame, check_instance
from mlxday2.explorable import control, explorable, frame
from mlxday2.regression import REFERENCE_REGION, coef_table, fit_ols, plot_coefficients

#: The chapter's model without its region term; each state adds one with its base.
RHS = "headcount_pct ~ poverty_215_pct + poverty_national_pct"


def formula_with_base(base: str, factor: str = "region") -> str:
    """Return the chapter's formula with ``base`` as the factor's reference level."""
    check_instance("base", base, str)
    return f"{RHS} + C({factor}, Treatment(reference={base!r}))"


@dataclass(frozen=True, eq=False)
class BaseState:
    """One base level: the fit's coefficient table (the base a row of zeros) and how
    far its fitted values are from the chapter's fit's."""

    base: str
    table: pd.DataFrame
    rsquared: float
    fitted_change: float


def base_states(data: pd.DataFrame, bases) -> list[BaseState]:
    """Return one ``BaseState`` per region in ``bases``, each a refit of the model."""
    check_frame("data", data, ["region"])
    reference = fit_ols(data, formula_with_base(REFERENCE_REGION))
    states = []
    for base in bases:
        fit = fit_ols(data, formula_with_base(base))
        table = coef_table(fit)
        table.loc[f"region[{base}]"] = 0.0  # the base: its contrast is 0 by definition
        change = float(np.abs(fit.fittedvalues - reference.fittedvalues).max())
        states.append(BaseState(base, table, float(fit.rsquared), change))
    return states


def base_explorable(states, name: str = "reg-base"):
    """Return the explorable figure of ``states`` (from ``base_states``)."""
    bases = [s.base for s in states]
    choice = control("base", "base (reference) region", bases, "{}", kind="radio")
    chapter = next(s for s in states if s.base == REFERENCE_REGION)
    terms = ["Intercept", "poverty_215_pct", "poverty_national_pct"]
    terms += [f"region[{b}]" for b in sorted(bases)]
    frames = []
    for s in states:
        fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        tables = {
            f"base {REFERENCE_REGION} (the chapter's)": chapter.table,
            f"base {s.base}": s.table,
        }
        plot_coefficients(tables, terms, ax=ax, legend=None)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        ax.set_xlabel("estimate and 95% interval (percentage points)")
        ax.set_title(f"base: {s.base}")
        alt = (
            f"Coefficients of the chapter's model with {s.base} as the base region, "
            f"beside those with {REFERENCE_REGION}: the slopes agree, the intercept "
            "and the region contrasts shift."
        )
        numbers = {
            "Intercept": (s.table.loc["Intercept", "estimate"], "{:.2f}"),
            "slope on poverty_215_pct": (
                s.table.loc["poverty_215_pct", "estimate"],
                "{:.3f}",
            ),
            "R-squared": (s.rsquared, "{:.3f}"),
            "largest change in a fitted value": (s.fitted_change, "{:.1e}"),
        }
        frames.append(frame(fig, alt, numbers))
    return explorable(name, [choice], frames, (bases.index(REFERENCE_REGION),))
