"""Causality: Simpson's paradox, back-door adjustment, hidden confounders and their proxies.

One module per story, each a compute section followed by its plots; every public name is
also available here, so ``from mlxday2 import causal`` then ``causal.slopes(...)`` works:

- ``simpson``: exercise and cholesterol confounded by age (``exercise_cholesterol``,
  ``slopes``, ``simpson_lines``, ``plot_simpson``).
- ``stones``: the kidney-stone counts of Charig et al. (1986) and the back-door formula
  (``kidney_stones``, ``success_rates``, ``backdoor_rate``, ``backdoor_adjust``,
  ``backdoor_difference``).
- ``proxies``: a confounder seen only through noisy proxies (``hidden_confounder``,
  ``adjusted_effect``, ``proxy_curve``, ``fci_hidden_demo``).
- ``dag``: ``plot_dag`` draws the small causal graphs of the chapters.

Compute functions return plain data (DataFrames, frozen dataclasses, dicts); plot functions
take that data and an optional ``ax`` (``axes`` for a two-panel figure), draw, and return
the Figure; they never fit or simulate. Bad input raises ``TypeError`` (wrong kind of argument) or ``ValueError`` (wrong value,
shape, NaN or non-numeric data), naming the argument, the value and the fix.
"""

from mlxday2.causal.dag import plot_dag
from mlxday2.causal.proxies import (
    Estimates,
    HiddenSCM,
    adjusted_effect,
    fci_hidden_demo,
    hidden_confounder,
    plot_proxy_curve,
    proxy_columns,
    proxy_curve,
    recover_latent,
    theoretical_error,
)
from mlxday2.causal.simpson import (
    ExerciseSCM,
    Slopes,
    age_groups,
    exercise_cholesterol,
    plot_simpson,
    simpson_lines,
    slopes,
    within_group_slope_theory,
)
from mlxday2.causal.stones import (
    KIDNEY_STONE_COUNTS,
    TREATMENTS,
    backdoor_adjust,
    backdoor_difference,
    backdoor_rate,
    kidney_stones,
    plot_adjusted,
    plot_success_rates,
    rates_table,
    success_rates,
)

__all__ = [
    "Estimates",
    "ExerciseSCM",
    "HiddenSCM",
    "KIDNEY_STONE_COUNTS",
    "Slopes",
    "TREATMENTS",
    "adjusted_effect",
    "age_groups",
    "backdoor_adjust",
    "backdoor_difference",
    "backdoor_rate",
    "exercise_cholesterol",
    "fci_hidden_demo",
    "hidden_confounder",
    "kidney_stones",
    "plot_adjusted",
    "plot_dag",
    "plot_proxy_curve",
    "plot_success_rates",
    "plot_simpson",
    "proxy_columns",
    "proxy_curve",
    "rates_table",
    "recover_latent",
    "simpson_lines",
    "slopes",
    "success_rates",
    "theoretical_error",
    "within_group_slope_theory",
]
