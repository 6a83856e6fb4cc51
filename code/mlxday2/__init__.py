"""MLx Day 2: the code the book's chapters call.

One module per chapter topic: ``data`` (where data lives, fetch and verify), ``causal``,
``optim``, ``cnn``, ``regression``, and ``plotting`` (the shared figure style).
"""

__version__ = "0.1.0"
