"""Chapter ``regression``: the MPI data, OLS, VIF and Stata's layout beside Python.

- ``mpi``: reading the OPHI/UNDP tables (``load_mpi``, ``load_mpi_subnational``),
  regions, missing values, imputation and dummies;
- ``model``: the chapter's model (``FORMULA``, ``fit_ols``, ``coef_table``) and the
  Breusch-Pagan test (``hettest``);
- ``vif``: the variance inflation factor (``vif``, ``estat_vif``, ``gvif``);
- ``plots``: the chapter's figures;
- ``stata``: Stata's layout of ``regress`` and ``estat vif``;
- ``workflow``: the day's Stata commands beside the Python lines;
- ``longley``: NIST's certified Longley results, to check the regression against.

So ``from mlxday2 import regression as reg``, then ``reg.fit_ols(...)``; ``stata`` and
``longley`` are used as modules (``reg.stata.stata_output(fit)``).
"""

from mlxday2.regression import longley, stata, workflow
from mlxday2.regression.model import (
    COV_TYPES,
    FORMULA,
    REFERENCE_REGION,
    check_numbers_as_text,
    check_results,
    coef_table,
    fit_mice,
    fit_ols,
    hettest,
    short_names,
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
from mlxday2.regression.plots import (
    plot_coefficients,
    plot_identity,
    plot_missingness,
    plot_residuals,
    plot_scatter_by_group,
)
from mlxday2.regression.vif import (
    PERFECT_COLLINEARITY_VIF,
    check_exog,
    estat_vif,
    gvif,
    vif,
)
