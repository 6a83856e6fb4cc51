"""mlxday2.checks: one wording, TypeError for the kind, ValueError for the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlxday2 import checks
from mlxday2.book import _plain, listing

GOOD = [
    (checks.check_int, ("n", np.int64(3), 1), 3),
    (checks.check_int, ("n", 5, 1, 5), 5),
    (checks.check_real, ("lr", 1, 0), 1.0),
    (checks.check_real, ("lr", np.float32(0.5), 0, 1), 0.5),
    (checks.check_seed, ("seed", 0), 0),
    (checks.check_bool, ("flag", np.bool_(True)), True),
    (checks.check_choice, ("mode", "a", ("a", "b")), "a"),
]

BAD = [
    # (check, args, kwargs, error, message start)
    (
        checks.check_int,
        ("n", 2.0, 1),
        {},
        TypeError,
        "n must be an integer >= 1, got 2.0",
    ),
    (checks.check_int, ("n", True, 1), {}, TypeError, "n must be an integer"),
    (checks.check_int, ("n", 0, 1), {}, ValueError, "n must be an integer >= 1, got 0"),
    (checks.check_int, ("n", 9, 1, 5), {}, ValueError, "n must be an integer in 1..5"),
    (checks.check_real, ("lr", "0.1"), {}, TypeError, "lr must be a real number"),
    (checks.check_real, ("lr", float("nan")), {}, ValueError, "lr must be finite"),
    (
        checks.check_real,
        ("lr", 0.0, 0),
        dict(low_open=True),
        ValueError,
        "lr must be > 0",
    ),
    (
        checks.check_real,
        ("p", 1.0, 0, 1),
        dict(high_open=True),
        ValueError,
        r"p must be in \[0, 1\)",
    ),
    (checks.check_seed, ("seed", -1), {}, ValueError, "seed must be an integer >= 0"),
    (checks.check_seed, ("seed", "0"), {}, TypeError, "seed must be"),
    (checks.check_bool, ("flag", "False"), {}, TypeError, "flag must be True or False"),
    (
        checks.check_choice,
        ("mode", "c", ("a", "b")),
        {},
        ValueError,
        "mode must be one of",
    ),
    (
        checks.check_choice,
        ("mode", 1, ("a", "b")),
        {},
        TypeError,
        "mode must be one of",
    ),
    (
        checks.check_instance,
        ("df", [], pd.DataFrame),
        {},
        TypeError,
        "df must be a DataFrame, got list",
    ),
    (checks.check_array, ("x", None), {}, TypeError, "x must be an array of numbers"),
    (checks.check_array, ("x", ["a"]), {}, TypeError, "x must be an array of real"),
    (checks.check_array, ("x", [1j]), {}, TypeError, "x must be an array of real"),
    (checks.check_array, ("x", []), {}, ValueError, "x must be a non-empty array"),
    (
        checks.check_array,
        ("x", [[1.0]]),
        dict(ndim=1),
        ValueError,
        "x must be a non-empty",
    ),
    (
        checks.check_array,
        ("x", [1.0, 2.0]),
        dict(size=3),
        ValueError,
        "x must be 3 numbers",
    ),
    (
        checks.check_array,
        ("x", [1.0, np.inf, 2.0]),
        {},
        ValueError,
        r"x must be finite, got inf at index 1 \(1 NaN or infinite\)",
    ),
    (
        checks.check_frame,
        ("df", {"a": 1}),
        {},
        TypeError,
        "df must be a pandas DataFrame",
    ),
    (
        checks.check_frame,
        ("df", pd.DataFrame({"a": [1]}), ["b"]),
        {},
        ValueError,
        r"df is missing column\(s\) \['b'\]",
    ),
    (
        checks.numeric_columns,
        ("df", pd.DataFrame({"a": ["x"]}), ["a"]),
        {},
        TypeError,
        r"df\['a'\] must be an array of real numbers",
    ),
]


@pytest.mark.parametrize("check, args, expected", GOOD)
def test_a_good_value_comes_back_converted(check, args, expected):
    result = check(*args)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "check, args, kwargs, error, message",
    BAD,
    ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(BAD)],
)
def test_a_bad_value_names_the_argument_the_value_and_the_kind_of_fault(
    check, args, kwargs, error, message
):
    with pytest.raises(error, match="^" + message):
        check(*args, **kwargs)


def test_a_fix_follows_the_fault():
    with pytest.raises(
        ValueError, match=r"^lr must be > 0, got -1; pass e\.g\. lr=0\.1$"
    ):
        checks.check_real("lr", -1, 0, low_open=True, fix="pass e.g. lr=0.1")


def test_arrays_of_numbers_stored_as_objects_are_converted():
    column = pd.Series([1, 2.5, 3], dtype=object)
    np.testing.assert_array_equal(checks.check_array("x", column), [1.0, 2.5, 3.0])


def test_glue_receives_plain_python_numbers():
    assert type(_plain(np.float64(1.5))) is float and type(_plain(np.int64(2))) is int
    assert type(_plain(np.bool_(True))) is bool and _plain("text") == "text"


def test_listing_joins_words_as_prose_does():
    assert listing([]) == "" and listing(["a"]) == "a"
    assert listing(["a", "b"]) == "a and b"
    assert listing(iter("abc"), "or") == "a, b or c"


def test_check_fields_names_the_class_and_field():
    from dataclasses import dataclass

    @dataclass
    class Model:
        effect: float = 1.0
        sd: float = 1.0

    checks.check_fields(Model())
    with pytest.raises(ValueError, match=r"^Model\.effect must be finite"):
        checks.check_fields(Model(effect=float("nan")))
    with pytest.raises(ValueError, match=r"^Model\.sd must be > 0, got 0"):
        checks.check_fields(Model(sd=0), positive=("sd",))
    with pytest.raises(TypeError, match=r"^Model\.effect must be a real number"):
        checks.check_fields(Model(effect="1"))
