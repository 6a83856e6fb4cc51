"""MLx Day 2: the code the book's chapters call.

One module per chapter topic: ``data`` (where data lives, fetch and verify), ``causal``,
``optim``, ``cnn``, ``regression``, and ``plotting`` (the shared figure style). The
regression chapter's code is split in four: ``mpi_data`` (loading, cleaning, dummies),
``regression`` (the model, VIF, plots; re-exports ``mpi_data``), ``stata`` (Stata's output
and the Stata-to-Python workflow) and ``longley`` (NIST's certified values to check against).
"""

__version__ = "0.1.0"
