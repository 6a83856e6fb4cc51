"""One loop for every method of the chapter, one record of a run, one divergence rule.

An update is a function ``update(params, state) -> (params, state)``: it computes the
gradient it needs and takes one step. ``iterate`` calls it, records the points and
stops a run that diverges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A run diverges when a point is not finite or moves further than this many times
#: ``1 + |start| + scale`` from its start (``scale``: the size of the problem).
BLOW_UP = 1e8


@dataclass(frozen=True, eq=False)
class Iterates:
    """The points of one run: ``params`` (steps + 1, d), the start first.

    ``diverged`` says the run stopped early because it blew up; ``params`` then ends
    at the last finite point.
    """

    params: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        """Return the number of steps recorded."""
        return len(self.params) - 1


def iterate(update, params: np.ndarray, state, steps: int, scale: float = 1.0):
    """Return the ``Iterates`` of ``steps`` calls of ``update`` from ``params``."""
    start = params
    limit = BLOW_UP * (1.0 + np.linalg.norm(start) + scale)
    path, diverged = [start], False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            params, state = update(params, state)
            if not np.linalg.norm(params - start) < limit:  # also catches NaN
                diverged = True
                break
            path.append(params)
    return Iterates(np.array(path), diverged)
