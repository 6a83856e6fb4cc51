"""Every public function of mlxday2.regression names the argument it refuses.

One table: function, arguments, the error type, and a pattern the message must contain
(the argument's name first). Wrong types raise TypeError, wrong values ValueError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlxday2 import regression as reg
from mlxday2.regression import longley, stata, workflow

FRAME = pd.DataFrame({"y": [1.0, 3.0, 2.0, 5.0, 4.0], "x": [1.0, 2.0, 4.0, 3.0, 5.0]})
FIT = reg.fit_ols(FRAME, "y ~ x")

CASES = [
    (reg.fit_ols, (FRAME.iloc[:0], "y ~ x"), ValueError, "data must have rows"),
    (reg.fit_ols, (FRAME.assign(x=np.inf), "y ~ x"), ValueError, r"infinite.*\['x'\]"),
    (reg.fit_ols, (FRAME, "y ~ z"), ValueError, "(?s)formula.*'z'.*columns"),
    (reg.fit_ols, (FRAME, "y ~ x", "robust"), ValueError, "cov_type must be one of"),
    (reg.fit_ols, ([1, 2], "y ~ x"), TypeError, "data must be a pandas DataFrame"),
    (reg.coef_table, (FIT, 1.5), ValueError, "alpha must be in"),
    (reg.hettest, (FIT, 1), TypeError, "rhs must be True or False"),
    (reg.hettest, (FIT, False, "no"), TypeError, "studentized must be True or False"),
    (reg.gvif, ("fit",), TypeError, "results must be a fitted regression"),
    (reg.estat_vif, (None,), TypeError, "results must be a fitted regression"),
    (reg.vif, (np.ones((3, 2)),), TypeError, "exog must be a pandas DataFrame"),
    (reg.fit_mice, (FRAME, 0), ValueError, "data is missing column"),
    (stata.stata_number, ("1.5",), TypeError, "x must be a real number"),
    (stata.stata_number, (1.5, 5), ValueError, "width must be an integer >= 8"),
    (stata.stata_header, ("fit",), TypeError, "results must be a fitted regression"),
    (stata.stata_coefficients, (FIT, {"x": 1}), TypeError, "names must be a dict"),
    (stata.stata_output, (FIT, None, 18), ValueError, "version must be"),
    (stata.stata_output, (FIT, None, "17"), TypeError, "version must be an integer"),
    (stata.vif_output, (FIT, ["x"]), TypeError, "names must be a dict"),
    (reg.plot_residuals, (FIT.fittedvalues, [1.0]), TypeError, "residuals must be"),
    (reg.plot_residuals, (FIT.fittedvalues, FIT.resid[:2]), ValueError, "same length"),
    (workflow.stata_table, (("describe",),), TypeError, "steps must be StataStep"),
    (longley.digits, ([1.0, 2.0], [1.0]), ValueError, "value and reference must have"),
    (longley.digits, ("a", 1.0), TypeError, "value must be an array"),
    (longley.compare_with_nist, (FIT,), ValueError, "results lacks the terms"),
]


@pytest.mark.parametrize(
    ("function", "args", "error", "message"),
    CASES,
    ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_bad_input_names_the_argument(function, args, error, message):
    with pytest.raises(error, match=message):
        function(*args)
