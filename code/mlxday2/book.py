"""Book bookkeeping: glue computed values for the prose, out of the reader's way."""

from __future__ import annotations

from myst_nb import glue as _glue


def glue(**values) -> None:
    """Glue each ``name=value`` pair for ``{glue:text}`name``` in the prose, displaying nothing.

    A chapter computes in a visible cell and glues in a hidden one right after it:
    ``glue(line_w=float(w), line_b=float(b))``. Values should be plain Python numbers or
    strings (``float(...)``, ``int(...)``), so the prose formats them as written.
    """
    if not values:
        raise ValueError("glue needs at least one name=value pair, e.g. glue(slope=1.5)")
    for name, value in values.items():
        _glue(name, value, display=False)
