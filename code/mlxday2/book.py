"""Book bookkeeping: glue computed values for the prose, out of the reader's way."""

from __future__ import annotations

import numpy as np
from myst_nb import glue as _glue


def _plain(value):
    """Return a numpy or pandas scalar as the Python number it holds; else ``value``."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(**values) -> None:
    """Glue each ``name=value`` pair for ``{glue:text}`name``` in the prose, displaying
    nothing.

    A chapter computes in a visible cell and glues in a hidden one right after it:
    ``glue(line_w=w, line_b=b)``. numpy and pandas scalars (``np.float64``,
    ``np.int64``, ``np.bool_``) are glued as the plain Python number they hold, so the
    prose formats them as written (``{glue:text}`line_w:.2f```).
    """
    if not values:
        raise ValueError(
            "glue needs at least one name=value pair, e.g. glue(slope=1.5)"
        )
    for name, value in values.items():
        _glue(name, _plain(value), display=False)


def listing(words, last: str = "and") -> str:
    """Return ``words`` as an English list: "a", "a and b", "a, b and c" (``last``
    joins the last two: "or" gives "a, b or c"); "" for no words."""
    *head, tail = list(words) or [""]
    return f"{', '.join(head)} {last} {tail}" if head else tail
