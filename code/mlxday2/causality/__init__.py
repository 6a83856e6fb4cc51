"""Chapter ``causality``: Simpson's paradox, the kidney stones and back-door adjustment.

- ``simpson``: exercise and cholesterol confounded by age (``exercise_cholesterol``,
  ``slopes``, ``simpson_lines``, ``plot_simpson``).
- ``stones``: the kidney-stone counts of Charig et al. (1986) and the back-door formula
  (``kidney_stones``, ``success_rates``, ``backdoor_rate``, ``backdoor_adjust``,
  ``backdoor_difference``).
- ``ols``: least squares by hand, shared with ``causal_representation``.
- ``dag``: ``plot_dag`` draws the small causal graphs of both causal chapters.

So ``from mlxday2 import causality`` and then ``causality.slopes(...)``.
"""

from mlxday2.causality.dag import plot_dag
from mlxday2.causality.ols import ols
from mlxday2.causality.simpson import (
    ExerciseSCM,
    Slopes,
    age_groups,
    exercise_cholesterol,
    plot_simpson,
    simpson_lines,
    slopes,
    within_group_slope_theory,
)
from mlxday2.causality.stones import (
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
