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
- ``identifiability``: what Gaussianity hides (``mixed_sources``, ``rotation_table``,
  ``unmix``, ``match_sources``, ``cause_effect_pair``, ``residual_dependence``,
  ``lingam_order``).
- ``latent_graphs``: latent causes from indicators with GIN (``measurement_model``,
  ``gin_condition``, ``gin_search``) and orientation from change across domains with
  CD-NOD (``multi_domain_chain``, ``cdnod_edges``, ``pc_edges``).
- ``dag``: ``plot_dag`` draws the small causal graphs of the chapters.

Compute functions return plain data (DataFrames, frozen dataclasses, dicts); plot functions
take that data and an optional ``ax`` (``axes`` for a two-panel figure), draw, and return
the Figure; they never fit or simulate. Bad input raises ``TypeError`` (wrong kind of argument) or ``ValueError`` (wrong value,
shape, NaN or non-numeric data), naming the argument, the value and the fix.
"""

from mlxday2.causal.dag import plot_dag
from mlxday2.causal.identifiability import (
    DISTRIBUTIONS,
    Mixture,
    SourceMatch,
    cause_effect_pair,
    gaussian_loglik,
    lingam_order,
    match_sources,
    mixed_sources,
    plot_source_match,
    residual_dependence,
    rotation,
    rotation_table,
    unmix,
)
from mlxday2.causal.latent_graphs import (
    MeasurementData,
    cdnod_edges,
    gin_condition,
    gin_search,
    measurement_model,
    multi_domain_chain,
    pc_edges,
)
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
    "adjusted_effect",
    "age_groups",
    "backdoor_adjust",
    "backdoor_difference",
    "backdoor_rate",
    "cause_effect_pair",
    "cdnod_edges",
    "DISTRIBUTIONS",
    "Estimates",
    "exercise_cholesterol",
    "ExerciseSCM",
    "fci_hidden_demo",
    "gaussian_loglik",
    "gin_condition",
    "gin_search",
    "hidden_confounder",
    "HiddenSCM",
    "KIDNEY_STONE_COUNTS",
    "kidney_stones",
    "lingam_order",
    "match_sources",
    "measurement_model",
    "MeasurementData",
    "mixed_sources",
    "Mixture",
    "multi_domain_chain",
    "pc_edges",
    "plot_adjusted",
    "plot_dag",
    "plot_proxy_curve",
    "plot_simpson",
    "plot_source_match",
    "plot_success_rates",
    "proxy_columns",
    "proxy_curve",
    "rates_table",
    "recover_latent",
    "residual_dependence",
    "rotation",
    "rotation_table",
    "simpson_lines",
    "slopes",
    "Slopes",
    "SourceMatch",
    "success_rates",
    "theoretical_error",
    "TREATMENTS",
    "unmix",
    "within_group_slope_theory",
]
