"""A helper for the tests that read the chapter's cached runs."""

from __future__ import annotations

import pytest

from mlxday2 import cnn, datasets
from mlxday2.cnn import training


class NotCached(Exception):
    """Raised instead of training: the run is not in the cache for this machine."""


def cifar_without_training(monkeypatch):
    """Return CIFAR-10's (train, test) with training refused: runs then come from the
    cache, or raise ``NotCached`` (catch it and skip) where they are not cached."""
    try:
        sets = cnn.load_cifar10()
    except datasets.DataNotFoundError:
        pytest.skip("CIFAR-10 is not in the data directory")

    def refuse(*args):
        raise NotCached

    monkeypatch.setattr(training, "_fit", refuse)
    monkeypatch.setattr(training, "_pool", refuse)  # train_many's runs not cached
    return sets
