"""The chapter's experiments: a tuned optimizer comparison, an ablation, a divergence.

Every choice is made on a validation split (``cifar.validation_split``), never on the
test set. ``tune_lr`` picks each optimizer's learning rate from ``LR_GRID`` by
validation accuracy; ``compare_optimizers`` then trains each at its best rate over
several seeds. ``ablation`` removes one ingredient of our recipe at a time, and adds
test-time augmentation, which changes only the scoring, to the full recipe's models.
Each trains its runs side by side (``training.train_many``).
``first_step`` measures, at a learning rate, how far one step moves each weight tensor
relative to its size.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy import stats

from mlxday2 import checks
from mlxday2.cnn import cifar, evaluation, training
from mlxday2.cnn.numerics import choose_numerics, resolve_device
from mlxday2.cnn.training import SMALL_CNN_RECIPE, TrainConfig

# The tutorial network on a small subset, constant learning rate: cheap enough to tune.
OPTIMIZER_BUDGET = TrainConfig(
    model="tutorial",
    epochs=4,
    batch_size=64,
    optimizer="sgd",
    lr=0.01,
    schedule="constant",
    weight_decay=0.0,
    label_smoothing=0.0,
    augment=False,
    tta="none",
)
# The optimizers' names in the prose
OPTIMIZER_NAMES = {"sgd": "SGD", "nesterov": "Nesterov momentum", "adam": "Adam"}
# Grids a factor of about 3 apart, each with its best rate inside it (the chapter
# checks): Nesterov's steady step along a constant gradient is 1 / (1 - 0.9) = 10
# times its learning rate, so its grid sits lower than plain SGD's.
LR_GRID = {
    "sgd": (0.01, 0.03, 0.1, 0.3, 1.0),
    "nesterov": (0.001, 0.003, 0.01, 0.03, 0.1),
    "adam": (3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
}

# The chapter's small split, on which its experiments choose: SMALL_IMAGES training
# images (``cifar.subset``, seed 0), VALIDATION_IMAGES of them held out for validation
# (``cifar.validation_split``, seed 0), the rest the fit part. Until 2026-12-02 the
# subset had 7,000 images (5,000 to fit); 6,000 take a fifth less arithmetic in the
# runs on the fit part, the chapter's largest cost after our full run.
SMALL_IMAGES = 6_000
VALIDATION_IMAGES = 2_000

# Our recipe on a smaller budget, for the ablation: 2 epochs of the 4,000 fit images in
# batches of 64 at the full run's peak rates: 124 steps, more than 6 epochs in batches
# of 256 take, for a third of their arithmetic (a batch of 64 costs as much per image as
# one of 128 on one thread, measured). The rates were checked on the validation split:
# with 1/8, 1/4, 1/2 and all of the full run's, the full recipe scored 47.5%, 56.5%,
# 62.6% and 63.5% (means over seeds 0-2, one view, bf16; widths 32/96/192 and Muon's
# share 0.1, 2026-12-02, a 2-core Intel Xeon with AMX); half and all are within the
# seeds' spread of each other (62.1-63.3% and 62.2-64.7%), so the budget keeps the full
# run's; no higher rate was tried. (With widths 32/64/128 and share 0.125, on a 2-core
# AMD EPYC: 47.7%, 56.5%, 61.7% and 61.5%.)
# Each model is scored on one view of each image: test-time augmentation changes only
# the scoring, so the ablation adds it apart, to the full recipe's models (TTA_ROW).
ABLATION_BUDGET = dataclasses.replace(
    SMALL_CNN_RECIPE, epochs=2, batch_size=64, tta="none"
)
# Without Muon, Nesterov momentum trains every weight at its tuned rate, the best of
# NESTEROV_ABLATION_GRID on this budget (the same images, seeds 0-2): 43.7%, 49.1%,
# 49.4%, 46.6% and 41.6% (one view, the same CPU and day as the rates above; with
# widths 32/64/128: 37.7%, 42.6%, 46.8%, 46.2% and 40.9%). The best, 0.2, is also the
# earlier recipe's rate per image (0.8 in batches of 256).
NESTEROV_ABLATION_GRID = (0.05, 0.1, 0.2, 0.4, 0.8)
NESTEROV_ABLATION_LR = 0.2
# The ablation's run without Muon, on the network without batch norm: both removed.
NO_BN_NESTEROV = dataclasses.replace(
    ABLATION_BUDGET,
    model="small-no-batchnorm",
    optimizer="nesterov",
    lr=NESTEROV_ABLATION_LR,
)
TTA_ROW = "add test-time augmentation"
MUON_ROW = "no Muon (Nesterov, tuned rate)"  # the prose reads this row's verdict
ABLATIONS = {
    "full recipe": {},
    "no whitening": dict(model="small-no-whitening"),
    "no batch norm": dict(model="small-no-batchnorm"),
    "no augmentation": dict(augment=False),
    "no label smoothing": dict(label_smoothing=0.0),
    MUON_ROW: dict(optimizer="nesterov", lr=NESTEROV_ABLATION_LR),
    # a constant rate at the linear schedule's mean, half the peak: the same path length
    "no schedule (constant, mean rate)": dict(
        schedule="constant", lr=ABLATION_BUDGET.lr / 2
    ),
    "no bf16 (fp32 throughout)": {},
    TTA_ROW: dict(tta=SMALL_CNN_RECIPE.tta),  # the full recipe's models, more views
}


SEEDS = (0, 1, 2)  # the seeds of the comparison and of the ablation, by default


def interval(values, level: float = 0.95) -> tuple[float, float]:
    """Return (mean, half-width) of the Student-t interval for the mean of values."""
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * stats.sem(values)
    return float(values.mean()), float(half)


def tune_lr(
    budget: TrainConfig, fit, val, grid=None, workers: int | None = None
) -> pd.DataFrame:
    """Return one row per (optimizer, lr) of ``grid``: validation accuracy, best lr.

    Each run trains ``budget`` with that optimizer and rate on ``fit`` and is scored on
    ``val``; ``best`` marks each optimizer's highest validation accuracy (a run that
    diverged scores NaN and is never best). The runs train side by side
    (``training.train_many``, ``workers``).
    """
    pairs, calls = _tuning_calls(budget, fit, val, grid)
    runs = training.train_many(calls, workers=workers, desc="tuning")
    table = pd.DataFrame(
        [
            dict(optimizer=o, lr=lr, val_acc=run.test_accuracy)
            for (o, lr), run in zip(pairs, runs)
        ]
    )
    best = table.groupby("optimizer")["val_acc"].transform("max")
    table["best"] = table["val_acc"] == best
    return table


def _tuning_calls(budget: TrainConfig, fit, val, grid=None):
    """Return ``tune_lr``'s (optimizer, lr) pairs and its calls of ``train``."""
    checks.check_instance("budget", budget, TrainConfig)
    pairs = [(o, lr) for o, rates in (grid or LR_GRID).items() for lr in rates]
    calls = [
        dict(
            config=dataclasses.replace(budget, optimizer=o, lr=lr),
            train_set=fit,
            test_set=val,
        )
        for o, lr in pairs
    ]
    return pairs, calls


def tuning_table(tuning: pd.DataFrame) -> pd.DataFrame:
    """Return ``tune_lr``'s validation accuracies as text with 3 decimals, a row per
    rate and a column per optimizer: "diverged" where a run diverged, blank where a
    rate is not in that optimizer's grid."""
    acc = tuning["val_acc"].map("{:.3f}".format)
    shown = tuning.assign(val_acc=acc.where(tuning["val_acc"].notna(), "diverged"))
    table = shown.pivot(index="lr", columns="optimizer", values="val_acc")
    return table.fillna("")


def compare_optimizers(
    budget,
    best_lr: dict,
    fit,
    test,
    seeds=SEEDS,
    workers: int | None = None,
    val=None,
):
    """Return one row per (optimizer, seed): lr, last epoch's mean training loss, test
    accuracy; each optimizer at its tuned rate ``best_lr[optimizer]``, the runs side by
    side (``training.train_many``, ``workers``).

    With ``val``, the validation part ``tune_lr`` scored, the run with ``budget``'s own
    seed is the tuning's run at that rate (from the cache, or else trained once): its
    model is scored on ``test`` instead of trained again. Training is the same either
    way, since scoring draws no random numbers.
    """
    checks.check_instance("budget", budget, TrainConfig)
    keys = [(o, lr, seed) for o, lr in best_lr.items() for seed in seeds]
    tuned = [val is not None and seed == budget.seed for _, _, seed in keys]
    calls = [
        dict(
            config=dataclasses.replace(budget, optimizer=o, lr=lr, seed=seed),
            train_set=fit,
            test_set=val if reuse else test,
        )
        for (o, lr, seed), reuse in zip(keys, tuned)
    ]
    runs = training.train_many(calls, workers=workers, desc="comparison")
    rows = []
    for (optimizer, lr, seed), reuse, run in zip(keys, tuned, runs):
        last = run.history.iloc[-1]
        acc = _score(run, test, budget.tta) if reuse else last["test_acc"]
        rows.append(
            dict(
                optimizer=optimizer,
                lr=lr,
                seed=seed,
                train_loss=last["train_loss"],
                test_acc=acc,
            )
        )
    return pd.DataFrame(rows)


def summarize(runs: pd.DataFrame, column: str, by: str) -> pd.DataFrame:
    """Return mean, 95% half-width and runs of ``column`` per group of ``by``."""
    groups = runs.groupby(by, sort=False)[column]
    out = groups.apply(lambda v: pd.Series(interval(v), index=["mean", "pm95"]))
    out = out.unstack()
    out["runs"] = groups.size()
    return out


def _score(run, ds, tta: str) -> float:
    """Return the accuracy of ``run``'s trained model on ``ds`` with the views ``tta``
    (NaN if the run diverged)."""
    if run.diverged:
        return math.nan
    return evaluation.evaluate(run.model, ds, run.numerics, tta)[1]


def _ablation_row(name, run, full, val) -> dict:
    """Return one ablation row's numbers for one seed from its run: validation
    accuracy, seconds, diverged, and the last epoch's training accuracy and mean loss.
    ``TTA_ROW`` scores the full recipe's model ``full`` on ``val`` with the views of
    ``ABLATIONS[TTA_ROW]``; it trains nothing, so it has no seconds (NaN)."""
    acc, seconds = run.test_accuracy, run.train_seconds
    if name == TTA_ROW:
        acc, seconds = _score(full, val, ABLATIONS[name]["tta"]), math.nan
    last = run.history.iloc[-1]
    return dict(
        val_acc=acc,
        seconds=seconds,
        diverged=run.diverged,
        train_acc=last["train_acc"],
        train_loss=last["train_loss"],
    )


def ablation(
    fit,
    val,
    seeds=SEEDS,
    budget: TrainConfig = ABLATION_BUDGET,
    workers: int | None = None,
):
    """Return one row per (change, seed), the change a key of ``ABLATIONS`` (the full
    recipe, an ingredient removed, or test-time augmentation added): validation
    accuracy, seconds, whether it diverged, and the last epoch's training accuracy and
    mean loss (on the augmented images, where the row augments).

    Each row trains ``budget`` with one ingredient of ``ABLATIONS`` removed on ``fit``
    and scores it on ``val`` with ``budget``'s views (one, in ``ABLATION_BUDGET``);
    ``TTA_ROW`` scores the full recipe's models again with the recipe's test-time
    views, and "no bf16" trains in fp32 (the same run as the full recipe where this CPU
    chose fp32); every other row trains in the full recipe's numerics, so that it
    changes one thing only. A diverged run has NaN accuracy. The runs train side by
    side (``training.train_many``, ``workers``).
    """
    trained, calls = _ablation_calls(fit, val, seeds, budget)
    runs = dict(
        zip(trained, training.train_many(calls, workers=workers, desc="ablation"))
    )
    rows = []
    for seed in seeds:
        full = runs["full recipe", seed]
        for name in ABLATIONS:
            run = runs.get((name, seed), full)
            row = _ablation_row(name, run, full, val)
            rows.append(dict(change=name, seed=seed, **row))
    return pd.DataFrame(rows)


def _ablation_calls(fit, val, seeds, budget: TrainConfig):
    """Return ``ablation``'s trained (change, seed) pairs and its calls of ``train``."""
    checks.check_instance("budget", budget, TrainConfig)
    numerics = choose_numerics(resolve_device("auto").type, "auto", model=budget.model)
    trained = [
        (name, seed)
        for seed in seeds
        for name in ABLATIONS
        if name != TTA_ROW  # the full recipe's models, scored with more views
    ]
    calls = [
        dict(
            config=dataclasses.replace(budget, seed=seed, **ABLATIONS[name]),
            train_set=fit,
            test_set=val,
            numerics="fp32" if name.startswith("no bf16") else numerics,
            each_epoch=False,
        )
        for name, seed in trained
    ]
    return trained, calls


def chapter_runs(train_set, test_set, fit, val) -> list[dict]:
    """Return the calls of ``train`` for the chapter's runs that depend on nothing
    computed on the way: our recipe and the tutorial network on ``train_set`` (scored on
    ``test_set`` after each epoch), and on ``fit`` and ``val`` the runs of ``tune_lr``
    (``OPTIMIZER_BUDGET``, ``LR_GRID``), of ``ablation`` (``ABLATION_BUDGET``,
    ``SEEDS``) and ``NO_BN_NESTEROV`` (scored after its last epoch only). The chapter
    starts them all at once (``training.start_many``), so that the workers train while
    its cells go on instead of waiting between them.
    """
    mains = [
        dict(config=c, train_set=train_set, test_set=test_set)
        for c in (SMALL_CNN_RECIPE, training.TUTORIAL)
    ]
    _, tuning = _tuning_calls(OPTIMIZER_BUDGET, fit, val)
    _, ablation_runs = _ablation_calls(fit, val, SEEDS, ABLATION_BUDGET)
    no_bn = dict(config=NO_BN_NESTEROV, train_set=fit, test_set=val, each_epoch=False)
    return mains + tuning + ablation_runs + [no_bn]


def paired_p(diffs) -> float:
    """Return the two-sided p-value of a paired t-test from the paired differences
    ``diffs`` (1 where they are all zero, 0 where they are equal and not zero: no
    spread to test against)."""
    d = np.asarray(diffs, dtype=float)
    if d.std(ddof=1) == 0:  # scipy returns NaN here
        return 1.0 if d.mean() == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def ablation_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Return per change (ingredient removed or added): mean accuracy, its 95%
    half-width, seconds (NaN for a row that trains nothing), runs that diverged, and
    the mean paired difference from the full recipe (same seed) with its half-width;
    ``real`` when that interval excludes zero, and ``p`` the paired t-test's p-value
    (``real`` is ``p < 0.05``)."""
    full = runs[runs["change"] == "full recipe"].set_index("seed")["val_acc"]
    runs = runs.assign(diff=runs["val_acc"] - runs["seed"].map(full))
    table = summarize(runs, "val_acc", "change")[["mean", "pm95"]]
    diff = summarize(runs, "diff", "change")
    table["seconds"] = runs.groupby("change", sort=False)["seconds"].mean()
    table["diverged"] = runs.groupby("change", sort=False)["diverged"].sum()
    table["difference"], table["diff_pm95"] = diff["mean"], diff["pm95"]
    table["real"] = (table["difference"].abs() > table["diff_pm95"]) & (
        table.index != "full recipe"
    )
    table["p"] = runs.groupby("change", sort=False)["diff"].apply(paired_p)
    return table


def first_step(config: TrainConfig, train_set, batch: int = 64) -> pd.DataFrame:
    """Return, per weight tensor of a fresh model: its norm, the norm of one plain step
    ``lr * gradient`` on one batch, and their ratio (NaN for a tensor that starts at
    zero, as batch norm's shifts do)."""
    checks.check_instance("config", config, TrainConfig)
    g = torch.Generator().manual_seed(config.seed)
    images, labels = cifar.as_tensors(train_set)
    model = training.build_model(config, images, g).train()
    x = cifar.to_model_input(images[:batch])
    F.cross_entropy(model(x), labels[:batch]).backward()
    with torch.no_grad():
        rows = [
            (name, p.norm().item(), config.lr * p.grad.norm().item())
            for name, p in model.named_parameters()
            if p.grad is not None
        ]
    table = pd.DataFrame(rows, columns=["tensor", "weight_norm", "step_norm"])
    table = table.set_index("tensor")
    weight = table["weight_norm"].where(table["weight_norm"] > 0)
    table["step_over_weight"] = table["step_norm"] / weight
    return table
