"""Argument checks for ``mlxday2.optim``: errors name the argument, value and fix."""

from __future__ import annotations

import math
import numbers

import numpy as np


def real_number(name: str, value, *, fix: str) -> float:
    """Return ``value`` as a finite float, or raise TypeError / ValueError."""
    if type(value) is float and math.isfinite(value):  # the common case, checked fast
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a real number, got {value!r} ({kind}); {fix}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}; {fix}")
    return value


def positive_number(name: str, value, *, fix: str, upper: float | None = None) -> float:
    """Return ``value`` as a finite float > 0 (and < ``upper`` if given), or raise."""
    number = real_number(name, value, fix=fix)
    if not number > 0 or (upper is not None and not number < upper):
        bound = f"in (0, {upper:g})" if upper is not None else "> 0"
        raise ValueError(
            f"{name} must be a finite number {bound}, got {value!r}; {fix}"
        )
    return number


def whole_number(
    name: str, value, *, minimum: int, maximum: int | None = None, fix: str
) -> int:
    """Return ``value`` as an int in ``minimum..maximum``, or raise."""
    in_range = type(value) is int and minimum <= value
    if in_range and (maximum is None or value <= maximum):
        return value  # the common case, checked fast
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise TypeError(f"{name} must be an integer, got {value!r} ({kind}); {fix}")
    if not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}; {fix}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}; {fix}")
    return int(value)


def finite_vector(name: str, value, *, fix: str, size: int | None = None) -> np.ndarray:
    """Return ``value`` as a non-empty finite 1-D float array (of ``size`` if given)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a 1-D array of numbers, got {value!r}; {fix}")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a 1-D array of real numbers, got dtype {array.dtype}; "
            f"{fix}"
        )
    array = array.astype(float, copy=False)
    if array.ndim != 1 or array.size == 0 or (size is not None and array.size != size):
        want = f"{size} numbers" if size is not None else "a non-empty 1-D array"
        raise ValueError(f"{name} must be {want}, got shape {array.shape}; {fix}")
    # array.sum() is NaN or inf whenever an entry is; only then (or on overflow) look.
    if not math.isfinite(array.sum()) and not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(
            f"{name} must be finite, got {array[bad]} at index {bad}; {fix}"
        )
    return array


def seed_or_generator(value):
    """Return ``value`` if it is an int >= 0 or a ``numpy.random.Generator``."""
    if isinstance(value, np.random.Generator):
        return value
    return whole_number(
        "seed", value, minimum=0, fix="pass an integer >= 0 or a numpy.random.Generator"
    )
