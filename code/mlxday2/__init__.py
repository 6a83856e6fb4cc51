"""MLx Day 2: the code the book's chapters call.

The package is a map of the book: chapter ``book/<chapter>.md`` calls the subpackage
``mlxday2.<chapter>``, tested in ``tests/<chapter>/`` (``tests/test_layout.py`` derives
the map from ``_toc.yml`` and holds it):

- ``causality``, ``causal_representation``: Prof. Kun Zhang's lecture;
- ``optimization`` (the practical) and ``optimization_theory`` (Prof. Chi Jin's
  lecture);
- ``cnn``: the practical's Part 2, a small CNN on CIFAR-10;
- ``regression``: the MPI data, OLS, VIF and Stata's layout beside Python.

Below them a small shared core that imports no chapter: ``checks`` (argument checks),
``plotting`` (the figure style), ``book`` (``glue`` for numbers in the prose),
``datasets`` (registered, verified data files), ``cache`` (derived artefacts) and
``explorable`` (explorable figures and self-check questions for the static page). A
chapter imports only the core and chapters before it in the table of contents.

Conventions every module follows (CONTRIBUTING.md has the long form):

1. Compute functions return plain data: numpy arrays, pandas objects, frozen
   dataclasses.
2. Plot functions take that data and an optional ``ax`` (a one-panel figure) or ``axes``
   (a figure of several panels: a sequence of Axes, one per panel), draw, and return
   what they drew (the Axes, or the array of Axes). They never fit, train, simulate or
   download, and never resize a figure they were handed.
3. Every stochastic function takes a ``seed`` (or a numpy ``Generator``); nothing is
   seeded globally.
4. Bad input raises ``ValueError`` or ``TypeError`` naming the argument, its value and
   the fix.
5. Work that takes seconds shows a plain ``tqdm`` bar; work that takes milliseconds
   shows none.
"""

__version__ = "0.1.0"
