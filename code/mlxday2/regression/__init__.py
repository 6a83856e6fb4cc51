"""Chapter ``regression``: the MPI data, OLS, VIF and Stata's layout beside Python.

- ``mpi``: reading the OPHI/UNDP tables (``load_mpi``, ``load_mpi_subnational``), regions,
  missing values, imputation and dummies;
- ``model``: the chapter's model (``FORMULA``, ``fit_ols``, ``coef_table``), VIF
  (``vif``, ``estat_vif``) and the figures;
- ``stata``: Stata's output layout for a fitted model and the Stata-to-Python workflow;
- ``longley``: NIST's certified Longley results, to check the regression against.

So ``from mlxday2 import regression as reg`` and then ``reg.fit_ols(...)``; ``stata`` and
``longley`` are used as modules (``reg.stata.stata_output(fit)``).
"""

from mlxday2.regression import longley, stata  # noqa: E402  (they import model)
from mlxday2.regression.model import (
    COV_TYPES,
    FORMULA,
    PERFECT_COLLINEARITY_VIF,
    REFERENCE_REGION,
    check_exog,
    check_formula,
    check_results,
    coef_table,
    estat_vif,
    fit_ols,
    formula_variables,
    plot_coefficients,
    plot_identity,
    plot_missingness,
    plot_scatter_by_group,
    short_names,
    vif,
)
from mlxday2.regression.mpi import (
    LABEL_TO_UNDP_REGION,
    MISSING_MARKER,
    NATIONAL_COLUMNS,
    REGION_LABEL_FIXES,
    SUBNATIONAL_COLUMNS,
    harmonise_regions,
    impute_group_median,
    load_mpi,
    load_mpi_subnational,
    make_dummies,
    missingness,
    read_raw,
)
