"""Argument checks shared by the causal modules: each error names the argument, the value, the fix.

Wrong Python types raise ``TypeError``; values of the right type that are out of range,
non-finite or of the wrong shape (including non-numeric data columns) raise ``ValueError``.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Iterable, Sequence

import numpy as np
import pandas as pd


def check_int(name: str, value, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer >= ``minimum``; raise otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"({type(value).__name__}); pass a whole number (an int)"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a ``float`` if it is a finite real number in the given range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    span = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {span}, got {value!r}")
    return x


def check_seed(name: str, seed) -> int:
    """Return ``seed`` if it is an integer >= 0 (what ``numpy.random.default_rng`` takes)."""
    return check_int(name, seed, 0)


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is a ``bool``; a string such as ``"False"`` is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_instance(name: str, value, kind: type):
    """Return ``value`` if it is an instance of ``kind``; raise ``TypeError`` naming both."""
    if not isinstance(value, kind):
        raise TypeError(
            f"{name} must be a {kind.__name__}, got {type(value).__name__}; "
            f"build one with {kind.__name__}(...)"
        )
    return value


def check_frame(df, columns: Sequence[str], argument: str = "df") -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame holding ``columns``; name what is missing."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{argument} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{argument} is missing column(s) {missing}; it has {list(df.columns)}. "
            f"Pass a DataFrame with columns {list(columns)}"
        )
    return df


def finite_numbers(values, name: str) -> np.ndarray:
    """Return ``values`` as a float array if every entry is a finite number; name bad entries."""
    arr = np.asarray(values)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must hold numbers, got dtype {arr.dtype} "
                f"(first entries {arr.ravel()[:3].tolist()}); convert it to numbers first"
            ) from None
    arr = arr.astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[:3].tolist()
        raise ValueError(
            f"{name} has {int(bad.sum())} NaN or infinite value(s) (first at index {where}); "
            "drop or impute them first"
        )
    return arr


def numeric_columns(df: pd.DataFrame, columns: Iterable[str], argument: str = "df") -> list:
    """Return one finite float array per column of ``df`` (checked: present, numeric, finite)."""
    columns = list(columns)
    check_frame(df, columns, argument)
    return [finite_numbers(df[c].to_numpy(), f"{argument}[{c!r}]") for c in columns]


def ols(y: np.ndarray, *regressors: np.ndarray) -> np.ndarray:
    """Return OLS coefficients of ``y`` on an intercept and ``regressors``, intercept first.

    Raises ``ValueError`` when a regressor is constant or collinear with the others, where
    least squares would return an arbitrary (minimum-norm) answer instead of a slope.
    """
    design = np.column_stack([np.ones(len(y)), *regressors])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            "a regressor is constant or collinear with the others, so its slope is not "
            "determined; pass data in which every regressor varies on its own"
        )
    return np.linalg.lstsq(design, y, rcond=None)[0]
