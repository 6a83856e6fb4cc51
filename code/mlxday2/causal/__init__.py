"""Causality: Simpson's paradox, back-door adjustment, hidden confounders and their proxies.

One module per story, each a compute section followed by its plots; every public name is
also available here, so ``from mlxday2 import causal`` then ``causal.slopes(...)`` works:

- ``simpson``: exercise and cholesterol confounded by age (``exercise_cholesterol``,
  ``slopes``, ``plot_simpson``).
- ``stones``: the kidney-stone counts of Charig et al. (1986) and the back-door formula
  (``kidney_stones``, ``recovery_rates``, ``backdoor_adjust``).
- ``proxies``: a confounder seen only through noisy proxies (``hidden_confounder``,
  ``adjusted_effect``, ``proxy_curve``, ``fci_hidden_demo``).
- ``dag``: ``plot_dag`` draws the small causal graphs of the chapters.

Bad input raises ``TypeError`` (wrong kind of argument) or ``ValueError`` (wrong value,
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
    slopes,
)
from mlxday2.causal.stones import (
    KIDNEY_STONE_COUNTS,
    TREATMENTS,
    backdoor_adjust,
    kidney_stones,
    plot_adjusted,
    plot_recovery,
    rates_table,
    recovery_rates,
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
    "exercise_cholesterol",
    "fci_hidden_demo",
    "hidden_confounder",
    "kidney_stones",
    "plot_adjusted",
    "plot_dag",
    "plot_proxy_curve",
    "plot_recovery",
    "plot_simpson",
    "proxy_columns",
    "proxy_curve",
    "rates_table",
    "recover_latent",
    "recovery_rates",
    "slopes",
    "theoretical_error",
]
