"""Tests of mlxday2.cnn.experiments: intervals, the tuned comparison's choices, the
ablation table's verdicts and the first step at a far too high learning rate."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cached_cnn_runs import NotCached, cifar_without_training
from scipy import stats

from mlxday2 import cnn
from mlxday2.cnn import experiments


def test_the_interval_is_the_student_t_interval():
    mean, half = experiments.interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3))


def _fake_train_many(scores, calls):
    """A stand-in for training.train_many: each call's accuracy from ``scores``."""

    def train_many(runs, workers=None, desc=""):
        results = []
        for run in runs:
            config = run["config"]
            calls.append((config, run["train_set"], run["test_set"]))
            acc = scores[config.optimizer, config.lr]
            history = pd.DataFrame(dict(train_loss=[1.0], test_acc=[acc]))
            results.append(types.SimpleNamespace(test_accuracy=acc, history=history))
        return results

    return train_many


def test_tune_lr_picks_each_optimizers_best_validation_rate(monkeypatch):
    grid = {"sgd": (0.1, 0.3), "adam": (1e-3, 3e-3)}
    scores = {
        ("sgd", 0.1): 0.4,
        ("sgd", 0.3): 0.5,
        ("adam", 1e-3): 0.6,
        ("adam", 3e-3): np.nan,
    }  # a diverged run is never best
    calls = []
    monkeypatch.setattr(
        experiments.training, "train_many", _fake_train_many(scores, calls)
    )
    table = experiments.tune_lr(experiments.OPTIMIZER_BUDGET, "fit", "val", grid)
    best = table[table["best"]].set_index("optimizer")["lr"].to_dict()
    assert best == {"sgd": 0.3, "adam": 1e-3}
    assert all(held_out == "val" for _, _, held_out in calls)


def test_chapter_runs_are_the_calls_the_chapter_makes(monkeypatch):
    """What the chapter starts in the background is what its cells then ask for: the
    two main runs, the calls tune_lr and ablation make with their defaults, and the
    run without batch norm or Muon."""
    rng = np.random.default_rng(0)

    def images(n):
        x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        return cnn.CifarDataset(x, rng.integers(0, 10, n))

    train_set, test_set, fit, val = images(100), images(20), images(80), images(20)
    made = []

    class Made(Exception):
        pass

    def record(calls, workers=None, desc=""):
        made.extend(calls)
        raise Made

    monkeypatch.setattr(experiments.training, "train_many", record)
    with pytest.raises(Made):
        experiments.tune_lr(experiments.OPTIMIZER_BUDGET, fit, val)
    with pytest.raises(Made):
        experiments.ablation(fit, val)
    mains = [
        dict(config=c, train_set=train_set, test_set=test_set)
        for c in (cnn.SMALL_CNN_RECIPE, cnn.TUTORIAL)
    ]
    no_bn = dict(
        config=experiments.NO_BN_NESTEROV, train_set=fit, test_set=val, each_epoch=False
    )
    expected = mains + made + [no_bn]
    assert experiments.chapter_runs(train_set, test_set, fit, val) == expected


def test_every_optimizer_tuned_has_a_name_for_the_prose():
    assert set(experiments.OPTIMIZER_NAMES) == set(experiments.LR_GRID)


def test_the_tuning_table_tells_a_diverged_run_from_a_rate_not_tried():
    tuning = pd.DataFrame(
        dict(
            optimizer=["sgd", "sgd", "adam"],
            lr=[0.1, 0.3, 1e-3],
            val_acc=[0.41234, np.nan, 0.1],
        )
    )
    table = experiments.tuning_table(tuning)
    assert table.loc[0.1, "sgd"] == "0.412" and table.loc[0.3, "sgd"] == "diverged"
    assert table.loc[0.1, "adam"] == "" and table.loc[1e-3, "adam"] == "0.100"


def test_the_comparison_runs_every_optimizer_at_its_rate_for_every_seed(monkeypatch):
    scores = {("sgd", 0.3): 0.5, ("adam", 1e-3): 0.6}
    calls = []
    monkeypatch.setattr(
        experiments.training, "train_many", _fake_train_many(scores, calls)
    )
    runs = experiments.compare_optimizers(
        experiments.OPTIMIZER_BUDGET, {"sgd": 0.3, "adam": 1e-3}, "fit", "test"
    )
    assert len(runs) == 6 and set(runs["seed"]) == {0, 1, 2}
    assert {(c.optimizer, c.lr, c.seed) for c, _, _ in calls} == {
        (o, lr, s) for o, lr in (("sgd", 0.3), ("adam", 1e-3)) for s in (0, 1, 2)
    }
    summary = experiments.summarize(runs, "test_acc", "optimizer")
    assert summary.loc["adam", "mean"] == 0.6 and summary.loc["sgd", "runs"] == 3


def test_the_ablation_table_calls_a_difference_real_only_beyond_the_seed_spread():
    rows = []
    for seed, base in enumerate((0.70, 0.72, 0.71)):
        rows += [
            dict(
                change="full recipe",
                seed=seed,
                val_acc=base,
                seconds=10.0,
                diverged=False,
            ),
            dict(
                change="big",
                seed=seed,
                val_acc=base - 0.10 - 0.001 * seed,
                seconds=9.0,
                diverged=False,
            ),
            dict(
                change="noise",
                seed=seed,
                val_acc=base + (-0.02, 0.02, 0.001)[seed],
                seconds=9.0,
                diverged=False,
            ),
        ]
    table = experiments.ablation_table(pd.DataFrame(rows))
    assert table.loc["big", "real"] and table.loc["big", "difference"] < 0
    assert not table.loc["noise", "real"] and not table.loc["full recipe", "real"]
    assert table.loc["full recipe", "difference"] == 0
    # p is the paired t-test's: below 0.05 exactly where the interval excludes zero
    assert table.loc["big", "p"] < 0.05 < table.loc["noise", "p"]
    assert table.loc["full recipe", "p"] == 1.0
    big = np.array([-0.10, -0.101, -0.102])
    assert table.loc["big", "p"] == pytest.approx(stats.ttest_1samp(big, 0).pvalue)


def test_one_step_at_lr_1e4_moves_some_weights_far_more_than_weight_decay_does():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    ds = cnn.CifarDataset(images, rng.integers(0, 10, 64))
    config = cnn.TrainConfig(optimizer="sgd", lr=1e4, schedule="constant")
    step = experiments.first_step(config, ds)
    assert (step["step_norm"] > 0).all()
    assert step["step_over_weight"].isna().sum() == (step["weight_norm"] == 0).sum()
    # weight decay alone would scale the weights by |1 - lr * wd| = 4 per step
    assert step["step_over_weight"].max() > 10 * abs(
        1 - config.lr * config.weight_decay
    )


def _split_as_the_chapter(train_set):
    """Return the chapter's fit and validation parts of ``train_set``."""
    small = cnn.subset(train_set, experiments.SMALL_IMAGES, seed=0)
    return cnn.validation_split(small, experiments.VALIDATION_IMAGES, seed=0)


@pytest.fixture
def chapter_split(monkeypatch):
    """The chapter's fit and validation split; training is refused, so a test using it
    reads the chapter's cached runs or is skipped (other data, code, threads, CPU)."""
    train_set, _ = cifar_without_training(monkeypatch)
    return _split_as_the_chapter(train_set)


def test_the_ablation_claims_of_the_chapter(chapter_split):
    try:
        runs = experiments.ablation(*chapter_split, seeds=(0, 1, 2))
    except NotCached:
        pytest.skip("the chapter's ablation runs are not cached for this machine")
    table = experiments.ablation_table(runs)
    # "real" is a paired difference whose 95% interval excludes zero, in whichever
    # direction: the same call as a two-sided paired t-test at 5% (scipy's, here)
    full = runs[runs["change"] == "full recipe"].set_index("seed")["val_acc"]
    for change, rows in runs[runs["change"] != "full recipe"].groupby("change"):
        rows = rows.set_index("seed")["val_acc"]
        p = stats.ttest_rel(rows, full[rows.index]).pvalue
        assert bool(table.loc[change, "real"]) == (p < 0.05), (change, p)
        if not np.isnan(p):  # NaN where the differences have no spread
            assert table.loc[change, "p"] == pytest.approx(p), change
    # the chapter: without batch norm the network under Muon learns (it explains why
    # it learns there and not under Nesterov momentum); chance is 10%
    assert table.loc["no batch norm", "mean"] > 0.15
    # the chapter glues what the batch-norm and Muon rows show, whichever it is; the
    # rows exist and trained (a network that learns nothing scores about 10%)
    assert {"no batch norm", experiments.MUON_ROW} <= set(table.index)
    assert table.loc["full recipe", "mean"] > 0.3
    # the chapter: TTA is scored on the full recipe's models and trains nothing
    tta = runs[runs["change"] == experiments.TTA_ROW]
    assert tta["seconds"].isna().all()
    # fp32 is never faster
    fp32 = table.loc["no bf16 (fp32 throughout)", "seconds"]
    assert fp32 >= table.loc["full recipe", "seconds"]
    # the chapter: across the rows one spurious "real" has "roughly one chance in three"
    rows = len(table) - 1
    assert rows == len(experiments.ABLATIONS) - 1 and 0.25 < 1 - 0.95**rows < 0.42


def test_without_batch_norm_nesterov_momentum_learns_nothing(chapter_split):
    """The chapter: the network without batch norm, trained on the ablation's budget
    with Nesterov momentum for every weight, ends at ln 10 and at chance."""
    config = experiments.NO_BN_NESTEROV
    assert config == dataclasses.replace(
        experiments.ABLATION_BUDGET,
        model="small-no-batchnorm",
        optimizer="nesterov",
        lr=experiments.NESTEROV_ABLATION_LR,
    )
    threads = cnn.parallel_plan()[1]  # as the chapter's start_many trained it
    try:
        run = cnn.train(config, *chapter_split, each_epoch=False, threads=threads)
    except NotCached:
        pytest.skip("the chapter's no-batch-norm run is not cached for this machine")
    assert abs(run.history["train_loss"].iloc[-1] - math.log(10)) < 0.02
    assert run.test_accuracy < 0.15  # chance, 10 classes


def test_the_runs_at_lr_1e4_end_as_the_chapter_says(monkeypatch):
    """The chapter's two one-epoch runs at lr 1e4, trained here (a run that diverges
    stops there and is never cached, so a cache could not tell): with weight decay the
    loss stops being finite (the build asserts it); without, the chapter's text takes
    one of two branches, and whichever this machine's arithmetic gives must hold: it
    diverges too, or it explodes within a few steps, stays finite and freezes at
    ln 10, at chance."""
    train_set, _ = cifar_without_training(monkeypatch)
    monkeypatch.undo()  # these runs train
    fit, val = _split_as_the_chapter(train_set)
    high = dataclasses.replace(
        experiments.OPTIMIZER_BUDGET, model="small", lr=1e4, weight_decay=5e-4, epochs=1
    )
    with_wd = cnn.train(high, fit, val)
    assert with_wd.diverged and math.isnan(with_wd.test_accuracy)
    assert with_wd.diverged_step < 20  # within a few steps (5-7, bf16 and fp32)
    run = cnn.train(dataclasses.replace(high, weight_decay=0.0), fit, val)
    losses = run.step_losses
    if run.diverged:
        assert run.diverged_step < 20 and math.isnan(run.test_accuracy)
        return
    peak = int(np.argmax(losses))
    assert np.isfinite(losses).all()
    assert losses[peak] > 1e6 and peak < 10  # explodes within a few steps
    np.testing.assert_allclose(losses[peak + 1 :], math.log(10), atol=1e-3)
    assert run.test_accuracy < 0.15  # chance, 10 classes


def test_each_tuned_rate_is_inside_its_grid(chapter_split):
    try:
        tuning = experiments.tune_lr(experiments.OPTIMIZER_BUDGET, *chapter_split)
    except NotCached:
        pytest.skip("the chapter's tuning runs are not cached for this machine")
    for optimizer, runs in tuning.groupby("optimizer"):
        best = runs.loc[runs["best"], "lr"].item()
        grid = experiments.LR_GRID[optimizer]
        # the grids were widened where the best rate sat at an edge; the chapter says
        # which optimizers (if any) still have it there
        assert min(grid) < best < max(grid), (optimizer, best, grid)


def test_augmentation_narrows_the_train_validation_gap_as_the_exercise_says(
    chapter_split,
):
    fit, val = chapter_split
    try:
        tuning = experiments.tune_lr(experiments.OPTIMIZER_BUDGET, fit, val)
        adam = tuning[tuning["best"] & (tuning["optimizer"] == "adam")]["lr"].item()
        longer = dataclasses.replace(
            experiments.OPTIMIZER_BUDGET, optimizer="adam", lr=adam, epochs=12
        )
        runs = cnn.train_many(
            [
                dict(
                    config=dataclasses.replace(longer, augment=aug),
                    train_set=fit,
                    test_set=val,
                )
                for aug in (False, True)
            ]
        )
        last = {aug: run.history.iloc[-1] for aug, run in zip((False, True), runs)}
    except NotCached:
        pytest.skip("the chapter's exercise runs are not cached for this machine")
    gap = {aug: row["train_acc"] - row["test_acc"] for aug, row in last.items()}
    assert gap[False] > 0.1 and gap[True] < gap[False] / 2


def test_the_ablation_budget_keeps_the_rates_and_enough_steps():
    """The recipe's peak rates; at least the steps of 6 epochs of 256 (at 57 steps
    a constant rate had looked better than one cycle), in fewer epochs, so with less
    arithmetic (the images seen); one view per image, the recipe's views left to the
    TTA row. The row without Muon trains at Nesterov's rate tuned inside its grid."""
    budget, recipe = experiments.ABLATION_BUDGET, cnn.SMALL_CNN_RECIPE
    assert budget.lr == recipe.lr
    grid = experiments.NESTEROV_ABLATION_GRID
    assert min(grid) < experiments.NESTEROV_ABLATION_LR < max(grid)
    row = experiments.ABLATIONS[experiments.MUON_ROW]
    assert row == dict(optimizer="nesterov", lr=experiments.NESTEROV_ABLATION_LR)
    fit = experiments.SMALL_IMAGES - experiments.VALIDATION_IMAGES
    assert budget.epochs * (fit // budget.batch_size) >= 6 * (fit // 256)
    assert budget.epochs < 6  # and less arithmetic
    changed = {
        f: getattr(budget, f)
        for f in ("epochs", "batch_size", "lr", "tta")
        if getattr(budget, f) != getattr(recipe, f)
    }
    assert dataclasses.replace(recipe, **changed) == budget  # nothing else differs
    assert budget.tta == "none"
    assert experiments.ABLATIONS[experiments.TTA_ROW] == dict(tta=recipe.tta)


def test_every_recipe_variant_of_the_bench_is_a_valid_config(monkeypatch):
    path = Path(__file__).parents[2] / "bench" / "cifar_recipes.py"
    spec = importlib.util.spec_from_file_location("cifar_recipes", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(cnn.models, "MODELS", dict(cnn.models.MODELS))
    bench.register_widths()
    assert len(bench.VARIANTS) >= 10
    for change in bench.VARIANTS.values():
        config = dataclasses.replace(cnn.SMALL_CNN_RECIPE, **change)
        assert cnn.models.MODELS[config.model]()  # the network builds
