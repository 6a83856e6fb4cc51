"""MLx Day 2: the code the book's chapters call.

The package is a map of the book, one module (or small subpackage) per topic:

- ``data``: where the data live; ``fetch`` a registered file, verified by SHA-256.
- ``causal``: Simpson's paradox, the kidney stones and back-door adjustment, hidden
  confounders, and what can be identified (chapters ``causality`` and
  ``causal_representation``).
- ``optim``: the practical's gradient descent, SGD, mini-batch SGD and Adam on least squares
  (chapter ``optimization``).
- ``theory`` and ``saddles``: the lecture's rates, momentum, stochastic gradients and saddle
  points (chapter ``optimization_theory``).
- ``cnn``: CIFAR-10, the models, training with a cache, and what a trained network does
  (chapter ``cnn``).
- ``mpi_data``, ``regression``, ``stata``, ``longley``: the MPI data, the regression, Stata's
  output and workflow, and NIST's certified values to check against (chapter ``regression``).
- ``plotting`` (the shared figure style) and ``book`` (``glue`` for numbers in the prose).

Conventions every module follows (CONTRIBUTING.md has the long form):

1. Compute functions return plain data: numpy arrays, pandas objects, frozen dataclasses.
2. Plot functions take that data and an optional ``ax`` (a one-panel figure) or ``axes`` (a
   figure of several panels: a sequence of Axes, one per panel), draw, and return what they
   drew (the Axes, or the array of Axes). They never fit, train, simulate or download, and
   never resize a figure they were handed.
3. Every stochastic function takes a ``seed`` (or a numpy ``Generator``); nothing is seeded
   globally.
4. Bad input raises ``ValueError`` or ``TypeError`` naming the argument, its value and the fix.
5. Work that takes seconds shows a plain ``tqdm`` bar; work that takes milliseconds shows none.
"""

__version__ = "0.1.0"
