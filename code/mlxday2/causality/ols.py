"""Ordinary least squares, the one regression the causal chapters run by hand."""

from __future__ import annotations

import numpy as np


def ols(y: np.ndarray, *regressors: np.ndarray) -> np.ndarray:
    """Return OLS coefficients of ``y`` on 1 and ``regressors``: intercept, then slopes.

    Raises ``ValueError`` when a regressor is constant or collinear with the others,
    where least squares would return an arbitrary (minimum-norm) answer instead of a
    slope.
    """
    design = np.column_stack([np.ones(len(y)), *regressors])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            "a regressor is constant or collinear with the others, so its slope is not "
            "determined; pass data in which every regressor varies on its own"
        )
    return np.linalg.lstsq(design, y, rcond=None)[0]
