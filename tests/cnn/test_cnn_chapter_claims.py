"""The chapter's claims about its two main runs, read from their cached runs.

Training is refused: on a machine, thread count or data copy whose runs are not cached,
these tests are skipped (the chapter then shows that machine's own numbers).
"""

from __future__ import annotations

import numpy as np
import pytest
from cached_cnn_runs import NotCached, cifar_without_training

from mlxday2 import cnn


@pytest.fixture
def main_runs(monkeypatch):
    train_set, test_set = cifar_without_training(monkeypatch)
    threads = cnn.parallel_plan()[1]  # as the chapter's start_many trained them
    try:
        runs = [
            cnn.train(c, train_set, test_set, threads=threads)
            for c in (cnn.TUTORIAL, cnn.SMALL_CNN_RECIPE)
        ]
    except NotCached:
        pytest.skip("the chapter's main runs are not cached for this machine")
    return test_set, *runs


def test_the_learning_curves_say_what_the_chapter_reads_in_them(main_runs):
    _, baseline, ours = main_runs
    history = baseline.history
    change = history.iloc[-1] - history.iloc[len(history) // 2 - 1]
    assert change["train_loss"] < change["test_loss"]  # the gap widens
    eps = ours.config.label_smoothing
    q = np.full(10, eps / 10) + np.eye(10)[0] * (1 - eps)
    last = ours.history.iloc[-1]
    assert -(q * np.log(q)).sum() < last["train_loss"]  # above the smoothed floor
    assert last["train_loss"] > last["test_loss"]  # and above the test loss
    passed = ours.history[ours.history["test_acc"] > baseline.test_accuracy]
    assert len(passed) and passed["epoch"].iloc[0] < ours.config.epochs


def test_the_errors_cluster_within_animals_and_within_vehicles(main_runs):
    test_set, _, ours = main_runs
    matrix = cnn.confusion(test_set.labels, ours.test_probs, test_set.classes)
    animal = np.isin(test_set.classes, ["bird", "cat", "deer", "dog", "frog", "horse"])
    errors = matrix.to_numpy() * (1 - np.eye(10))
    same = np.equal.outer(animal, animal) & ~np.eye(10, dtype=bool)
    chance = (errors.sum(1) * same.sum(1) / 9).sum() / errors.sum()
    assert errors[same].sum() / errors.sum() > chance + 0.2


def test_the_most_confident_mistake_exceeds_what_smoothing_asks_for(main_runs):
    test_set, _, ours = main_runs
    mistakes = cnn.confident_mistakes(test_set.labels, ours.test_probs, k=1)
    eps = ours.config.label_smoothing
    assert mistakes["confidence"].iloc[0] > 1 - eps + eps / 10


def test_the_per_class_figure_says_what_its_alt_text_says(main_runs):
    """The alt text: ours is taller for every class, lowest for cat."""
    test_set, baseline, ours = main_runs
    per_class = {
        name: cnn.per_class_accuracy(test_set.labels, run.test_probs, test_set.classes)
        for name, run in (("tutorial", baseline), ("ours", ours))
    }
    assert (per_class["ours"] > per_class["tutorial"]).all()
    assert per_class["ours"].idxmin() == "cat"
