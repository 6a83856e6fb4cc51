"""Argument checks shared by every chapter's package: one wording, one order of
arguments.

Each check takes ``(name, value, ...)``, returns the value converted (an ``int``, a
``float``, a float array ...) and otherwise raises

- ``TypeError`` when the value is the wrong kind of thing (a string for a number, a
  float for a count, a list for a DataFrame), or
- ``ValueError`` when it is the right kind with a wrong value (out of range, NaN, the
  wrong shape, a missing column),

with the message ``"<name> must be <what>, got <value>; <fix>"``. Checks run once, where
a reader calls a public function; the small step functions a chapter shows do not check.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import fields
from typing import Iterable, Sequence

import numpy as np
import pandas as pd


def _fail(error: type[Exception], name: str, what: str, got: str, fix: str = ""):
    message = f"{name} must be {what}, got {got}"
    raise error(f"{message}; {fix}" if fix else message)


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_int(
    name: str, value, low: int | None = None, high: int | None = None, *, fix: str = ""
) -> int:
    """Return ``value`` as an ``int`` in ``low..high`` (an end left None is open)."""
    if low is None:
        what = "an integer" if high is None else f"an integer <= {high}"
    else:
        what = (
            f"an integer >= {low}" if high is None else f"an integer in {low}..{high}"
        )
    if not _is_integer(value):
        _fail(
            TypeError,
            name,
            what,
            f"{value!r} ({type(value).__name__})",
            fix or "pass a whole number (an int)",
        )
    if (low is not None and value < low) or (high is not None and value > high):
        _fail(ValueError, name, what, repr(value), fix)
    return int(value)


def check_real(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    fix: str = "",
) -> float:
    """Return ``value`` as a finite ``float`` in the interval from ``low`` to ``high``.

    ``low_open``/``high_open`` exclude an end: ``check_real("lr", lr, 0,
    low_open=True)`` asks for a number > 0.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        _fail(
            TypeError, name, "a real number", f"{value!r} ({type(value).__name__})", fix
        )
    x = float(value)
    if not math.isfinite(x):
        _fail(ValueError, name, "finite", repr(value), fix)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        if high is None:
            what = f"{'>' if low_open else '>='} {low:g}"
        elif low is None:
            what = f"{'<' if high_open else '<='} {high:g}"
        else:
            what = (
                f"in {'(' if low_open else '['}{low:g}, {high:g}"
                f"{')' if high_open else ']'}"
            )
        _fail(ValueError, name, what, repr(value), fix)
    return x


def check_seed(name: str, value, *, generator: bool = False):
    """Return ``value`` if it is an int >= 0 (or, with ``generator``, a Generator)."""
    if generator and isinstance(value, np.random.Generator):
        return value
    fix = "pass an integer >= 0" + (" or a numpy.random.Generator" if generator else "")
    return check_int(name, value, 0, fix=fix)


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is a ``bool``; a string such as ``"False"`` is refused."""
    if not isinstance(value, (bool, np.bool_)):
        _fail(TypeError, name, "True or False", f"{value!r} ({type(value).__name__})")
    return bool(value)


def check_choice(name: str, value, options: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``options`` (strings)."""
    options = tuple(options)
    if not isinstance(value, str):
        _fail(
            TypeError, name, f"one of {options}", f"{value!r} ({type(value).__name__})"
        )
    if value not in options:
        _fail(ValueError, name, f"one of {options}", repr(value))
    return value


def check_instance(name: str, value, kind: type | tuple[type, ...], *, fix: str = ""):
    """Return ``value`` if it is a ``kind``; else ``TypeError`` naming both."""
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        what = " or ".join(k.__name__ for k in kinds)
        _fail(
            TypeError,
            name,
            f"a {what}",
            type(value).__name__,
            fix or f"build one with {kinds[0].__name__}(...)",
        )
    return value


def _real_array(name: str, value, fix: str) -> np.ndarray:
    """Return ``value`` as a float array; text, complex numbers and None: TypeError."""
    if value is None or isinstance(value, (str, bytes)):
        _fail(TypeError, name, "an array of numbers", repr(value), fix)
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return array.astype(float, copy=False)
    if array.dtype.kind != "c":
        try:
            return array.astype(float)  # numbers stored as objects
        except (TypeError, ValueError):
            pass
    first = array.ravel()[:3].tolist()
    what = f"dtype {array.dtype} (first entries {first})"
    _fail(TypeError, name, "an array of real numbers", what, fix)


def check_array(
    name: str, value, *, ndim: int | None = None, size: int | None = None, fix: str = ""
) -> np.ndarray:
    """Return ``value`` as a non-empty, finite float array (of ``ndim``/``size``).

    Numbers stored as objects (a pandas column of Python floats) are converted; text,
    complex numbers and ``None`` are refused with ``TypeError``.
    """
    fix = fix or "convert it to finite numbers first (drop or impute the missing ones)"
    array = _real_array(name, value, fix)
    if size is not None:
        want = f"{size} numbers"
    else:
        want = (
            f"a non-empty {ndim}-D array" if ndim is not None else "a non-empty array"
        )
    wrong_ndim = ndim is not None and array.ndim != ndim
    if wrong_ndim or array.size == 0 or (size is not None and array.size != size):
        _fail(ValueError, name, want, f"shape {array.shape}", fix)
    # array.sum() is NaN or inf whenever an entry is, so the full scan runs only then.
    if not math.isfinite(array.sum()) and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))
        where = int(bad[0][0]) if array.ndim == 1 else bad[0].tolist()
        got = f"{array[tuple(bad[0])]} at index {where} ({len(bad)} NaN or infinite)"
        _fail(ValueError, name, "finite", got, fix)
    return array


def check_frame(
    name: str, df, columns: Sequence[str] = (), *, fix: str = ""
) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame holding ``columns``; name what is missing."""
    if not isinstance(df, pd.DataFrame):
        _fail(TypeError, name, "a pandas DataFrame", type(df).__name__, fix)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{name} is missing column(s) {missing}; it has {list(df.columns)}. "
            f"Pass a DataFrame with columns {list(columns)}"
        )
    return df


def numeric_columns(name: str, df, columns: Iterable[str]) -> list[np.ndarray]:
    """Return one finite float array per column of ``df`` (present, numeric, finite)."""
    columns = list(columns)
    check_frame(name, df, columns)
    return [check_array(f"{name}[{c!r}]", df[c].to_numpy(), ndim=1) for c in columns]


def check_fields(record, positive: Sequence[str] = ()) -> None:
    """Check that every field of the dataclass ``record`` is a finite real number.

    The fields named in ``positive`` (noise standard deviations, say) must also be > 0.
    Errors name the field as ``<Class>.<field>``.
    """
    kind = type(record).__name__
    for f in fields(record):
        check_real(f"{kind}.{f.name}", getattr(record, f.name))
    for name in positive:
        check_real(f"{kind}.{name}", getattr(record, name), low=0, low_open=True)
