"""Chapter ``causality``: Simpson's paradox, the kidney stones and back-door adjustment.

- ``simpson``: exercise and cholesterol confounded by age (``exercise_cholesterol``,
  ``slopes``, ``simpson_lines``, ``plot_simpson``), a collider (``add_visits``,
  ``exercise_slope``).
- ``stones``: the kidney-stone counts of Charig et al. (1986), the back-door formula and
  its interval (``kidney_stones``, ``success_rates``, ``backdoor_rate``,
  ``backdoor_adjust``, ``backdoor_difference``, ``naive_difference``), and the era of
  treatment (``with_era``, ``patients_by_stratum``).
- ``backdoor``: the back-door criterion on a small graph (``open_backdoor_paths``,
  ``descendants``).
- ``stone_plots``: the kidney-stone figures.
- ``ols``: least squares by hand, shared with ``causal_representation``.
- ``dag``: ``plot_dag`` draws the small causal graphs of both causal chapters.

Plot functions draw on an optional ``ax``/``axes`` and return the Axes (or an array of
them).
So ``from mlxday2 import causality`` and then ``causality.slopes(...)``.
"""

from mlxday2.causality.backdoor import descendants, open_backdoor_paths
from mlxday2.causality.dag import plot_dag
from mlxday2.causality.ols import ols
from mlxday2.causality.simpson import (
    ExerciseSCM,
    Slopes,
    add_visits,
    age_groups,
    exercise_cholesterol,
    exercise_slope,
    plot_simpson,
    simpson_lines,
    slopes,
    within_group_slope_theory,
)
from mlxday2.causality.stone_plots import (
    plot_adjusted,
    plot_differences,
    plot_success_rates,
)
from mlxday2.causality.stones import (
    ERAS,
    KIDNEY_STONE_COUNTS,
    TREATMENTS,
    backdoor_adjust,
    backdoor_difference,
    backdoor_rate,
    delta_method_se,
    kidney_stones,
    naive_difference,
    patients_by_stratum,
    rates_table,
    success_rates,
    touching_intervals_p,
    with_era,
)
