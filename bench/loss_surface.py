"""Benchmark: the moment-based ``loss_surface`` against brute force, n = 1e3 and 1e6.

The MSE on a 400 x 400 grid of (w, b) is computed two ways:

* ``mlxday2.optimization.loss_surface``: five moments of the data (one pass,
  ``problem._moments``), then arithmetic on the grid (timed on its own too);
* brute force: ``mean((w * x + b - y) ** 2)`` at every grid point, over chunks of
  samples so the memory stays bounded (at most ``CHUNK_ELEMENTS`` floats at once).

Brute force costs grid size x n. At n = 1e6 that is 1.6e11 residuals (minutes), so by
default it is timed on ``ROWS_1E6`` of the 400 grid rows and scaled up linearly (the
cost is exactly linear in the number of rows, each row being the same work); ``--full``
times every row. The values are checked against each other on the rows computed.

A measurement that shaped the package, kept here rather than in its code: the moments
are sums ``np.einsum("i,i->", x, x)`` rather than ``x @ x`` because, on the two-core
development machine, einsum streamed the data once without starting BLAS threads and
was the faster of the two.

Run: ``.venv/bin/python bench/loss_surface.py [--full]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mlxday2.optimization import loss_surface

GRID = 400
CHUNK_ELEMENTS = 4_000_000  # 32 MB of float64 per chunk
ROWS_1E6 = 4
REPEATS = 20


def brute_force(x, y, w, b) -> np.ndarray:
    """Return the MSE on ``meshgrid(w, b)``, summing residuals in chunks of samples."""
    out = np.empty((len(b), len(w)))
    chunk = max(1, CHUNK_ELEMENTS // len(w))
    for i, bi in enumerate(b):
        total = np.zeros(len(w))
        for s in range(0, len(x), chunk):
            r = np.multiply.outer(w, x[s : s + chunk]) + (bi - y[s : s + chunk])
            total += np.einsum("ij,ij->i", r, r)
        out[i] = total / len(x)
    return out


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="brute force on every grid row at n = 1e6 too",
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    w = np.linspace(-10, 60, GRID)
    b = np.linspace(-10, 60, GRID)
    totals, grids = {}, {}
    print(
        f"grid {GRID} x {GRID}; times are the best of {REPEATS} runs "
        "(brute force: one run)"
    )
    print(
        f"{'n':>9} {'loss_surface (s)':>17} {'of which grid (s)':>18}"
        f" {'brute force (s)':>16}"
        f" {'brute/loss_surface':>19}  max rel. diff"
    )
    for n in (1_000, 1_000_000):
        x = rng.normal(size=n)
        y = 42 * x + 30 + 15 * rng.normal(size=n)
        totals[n] = best_time(lambda x=x, y=y: loss_surface(x, y, w, b), REPEATS)
        # the grid part: the same grid from two samples, whose moments cost nothing
        grids[n] = best_time(lambda x=x, y=y: loss_surface(x[:2], y[:2], w, b), REPEATS)
        surface = loss_surface(x, y, w, b)
        rows = GRID if (n <= 1_000 or args.full) else ROWS_1E6
        start = time.perf_counter()
        brute = brute_force(x, y, w, b[:rows])
        brute_time = (time.perf_counter() - start) * GRID / rows
        diff = np.max(np.abs(brute - surface[:rows]) / brute)
        note = (
            ""
            if rows == GRID
            else f"  (brute force timed on {rows} of {GRID} rows, scaled up)"
        )
        print(
            f"{n:>9.0e} {totals[n]:>17.5f} {grids[n]:>18.5f} {brute_time:>16.2f}"
            f" {brute_time / totals[n]:>19.0f}  {diff:.1e}{note}"
        )
    big, small = 1_000_000, 1_000
    print(
        f"loss_surface time, n=1e6 / n=1e3: {totals[big] / totals[small]:.2f}"
        f" (the grid part: {grids[big] / grids[small]:.2f}; "
        "the rest is one pass over the data)"
    )


if __name__ == "__main__":
    main()
