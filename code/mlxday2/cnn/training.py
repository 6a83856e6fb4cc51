"""Training a CIFAR-10 network: the configuration, one step, one epoch, the cache.

``train(config, train_set, test_set)`` returns a ``TrainResult`` (model, per-epoch
history, per-step losses, probabilities on ``test_set``, the numerics that ran). It is
cached under everything that changes the result: the configuration, the source of the
chapter's modules, a digest of both data sets, the library versions, the device, the
numerics (fp32 or bf16) and the number of CPU threads. ``train_many`` trains several
runs side by side in worker processes, each on its share of the threads; ``start_many``
starts such runs in the background, and ``train`` or ``train_many`` then waits for them.

Reproducible means: the same seed, data, code, machine type, thread count and numerics
give a bit-identical model. A different thread count, CPU type or numerics adds numbers
in another order, and the run ends at a different model (``bench/cifar.py`` shows how
far apart).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import dataclasses
import inspect
import math
import multiprocessing
import platform
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # plain text bars (tqdm.auto warns without ipywidgets)

from mlxday2 import cache, checks
from mlxday2.cnn import cifar, evaluation, models, optimizers
from mlxday2.cnn.numerics import (
    autocast,
    choose_numerics,
    memory_format,
    resolve_device,
)
from mlxday2.cnn.optimizers import OPTIMIZERS, make_training


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (with code and data: the cache key)."""

    model: str = "small"  # a key of models.MODELS
    epochs: int = 8
    batch_size: int = 512
    # "sgd" (plain), "nesterov" (momentum 0.9), "adam", or "muon" (Muon for the
    # convolution filters at optimizers.MUON_LR_SHARE of lr, Nesterov for the rest)
    optimizer: str = "muon"
    lr: float = 1.6  # peak of the schedule, else constant
    schedule: str = "linear"  # down to 0; or "one-cycle" or "constant"
    weight_decay: float = 5e-4
    label_smoothing: float = 0.2
    augment: bool = True  # random shift (up to CROP_PAD pixels) and mirror
    tta: str = "flip+shift"  # views of each test image averaged in the final evaluation
    lookahead: bool = False  # every 5 steps, restart from a slow average of the weights
    alternating_flip: bool = False  # mirror each image every other epoch (airbench)
    seed: int = 0

    def __post_init__(self):
        checks.check_choice("model", self.model, sorted(models.MODELS))
        checks.check_int("epochs", self.epochs, 1)
        checks.check_int("batch_size", self.batch_size, 1)
        checks.check_choice("optimizer", self.optimizer, OPTIMIZERS)
        lr_fix = "e.g. 1.6 for Muon, 0.8 for SGD, 1e-3 for Adam"
        checks.check_real("lr", self.lr, 0, low_open=True, fix=lr_fix)
        checks.check_real("weight_decay", self.weight_decay, 0, fix="e.g. 5e-4 or 0")
        checks.check_real("label_smoothing", self.label_smoothing, 0, 1, high_open=True)
        checks.check_choice("schedule", self.schedule, optimizers.SCHEDULES)
        checks.check_bool("augment", self.augment)
        checks.check_bool("lookahead", self.lookahead)
        checks.check_bool("alternating_flip", self.alternating_flip)
        if self.alternating_flip and not self.augment:
            raise ValueError(
                "alternating_flip=True mirrors augmented images: it needs augment=True "
                "(or set alternating_flip=False)"
            )
        checks.check_choice("tta", self.tta, evaluation.TTA)
        checks.check_seed("seed", self.seed)


TUTORIAL = TrainConfig(
    model="tutorial",
    epochs=8,
    batch_size=32,
    optimizer="adam",
    lr=1e-3,
    schedule="constant",
    weight_decay=0.0,
    label_smoothing=0.0,
    augment=False,
    tta="none",
)
SMALL_CNN_RECIPE = TrainConfig()


@dataclass(frozen=True)
class TrainResult:
    """A trained model, its history, and how it ran (numerics, threads, divergence)."""

    config: TrainConfig
    model: nn.Module
    history: pd.DataFrame  # epoch, seconds (cumulative), train/test loss and accuracy
    step_losses: np.ndarray  # every step's loss; ends at the first non-finite one
    test_probs: np.ndarray  # (N_test, 10); NaN if the run diverged
    numerics: str  # "fp32" or "bf16" (autocast)
    threads: int  # torch CPU threads during training
    device: str
    diverged_step: int | None = None  # the first step with a non-finite loss, or None
    cached: bool = False

    @property
    def diverged(self) -> bool:
        return self.diverged_step is not None

    @property
    def test_accuracy(self) -> float:
        return float(self.history["test_acc"].iloc[-1])

    @property
    def train_seconds(self) -> float:
        return float(self.history["seconds"].iloc[-1])

    def to_saved(self) -> dict:
        """Return what the cache stores: weights, history, step losses, probs."""
        return {
            "state_dict": self.model.state_dict(),
            "history": self.history.to_dict("list"),
            "step_losses": torch.from_numpy(self.step_losses),
            "test_probs": torch.from_numpy(self.test_probs),
        }

    @classmethod
    def from_saved(cls, config: TrainConfig, saved: dict, **how) -> TrainResult:
        """Return the result ``to_saved`` stored; ``how``: numerics, threads, device."""
        model = models.MODELS[config.model]()
        model.load_state_dict(saved["state_dict"])
        return cls(
            config=config,
            model=model.eval(),
            history=pd.DataFrame(saved["history"]),
            step_losses=saved["step_losses"].numpy(),
            test_probs=saved["test_probs"].numpy(),
            cached=True,
            **how,
        )


def build_model(config: TrainConfig, images: torch.Tensor, g: torch.Generator):
    """Return a fresh model seeded by ``config.seed``, its whitening set from images."""
    with torch.random.fork_rng(devices=[]):  # seed the weight initialisation locally
        torch.manual_seed(config.seed)
        model = models.MODELS[config.model]()
    if getattr(model, "whiten", False):  # from up to 5,000 training images
        sample = images[torch.randperm(len(images), generator=g)[:5000]]
        model.set_whitening(cifar.to_model_input(sample))
    return model


def train_step(model, opt, x, y, label_smoothing: float = 0.0, numerics="fp32"):
    """Return the loss and logits of one step: forward, loss, gradients, update."""
    with autocast(numerics, x.device):
        logits = model(x).float()
    loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss, logits


def train_epoch(
    config: TrainConfig, model, opt, after, data, g, numerics, losses, flips=None
):
    """Train one epoch on ``data`` (uint8 images, labels); return (mean loss, accuracy).

    ``flips`` (a bool per image, or None for random mirrors) says which augmented
    images are mirrored this epoch. After each step, calls ``step()`` of each of
    ``after`` (the schedule, Lookahead).
    Appends each step's loss to ``losses``; stops at the first non-finite loss and
    returns NaNs. A last batch smaller than the others is dropped: batch norm's
    statistics over a handful of images would be noise.
    """
    images, labels = data
    device = next(model.parameters()).device
    model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    for idx in torch.randperm(len(labels), generator=g).split(config.batch_size):
        if len(idx) < config.batch_size:
            break
        batch = images[idx]
        if config.augment:
            flip = None if flips is None else flips[idx]
            batch = cifar.random_crop_flip(batch, g, flip)
        x = cifar.to_model_input(batch, device)
        x, y = x.contiguous(memory_format=memory_format(device)), labels[idx].to(device)
        loss, logits = train_step(model, opt, x, y, config.label_smoothing, numerics)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            return math.nan, math.nan
        for follower in after:
            follower.step()
        loss_sum += losses[-1] * len(idx)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(idx)
    return loss_sum / seen, correct / seen


# Images that reset batch norm's statistics after training. On the ablation's three
# full-recipe models (trained on 5,000 images then), 1,000, 2,500 and 5,000 images gave
# validation accuracies within 0.3 points of each other, as close as two draws of 5,000
# (measured).
CALIBRATION_IMAGES = 2_500


def finish_training(config: TrainConfig, model, images, g, numerics) -> None:
    """Reset batch norm's running statistics to the final weights' (over up to
    ``CALIBRATION_IMAGES`` training images).

    The images are augmented if training was: the weights were fitted to those.
    """
    calibration = images[torch.randperm(len(images), generator=g)[:CALIBRATION_IMAGES]]
    if config.augment:
        calibration = cifar.random_crop_flip(calibration, g)
    evaluation.recalibrate_batch_norm(model, calibration, numerics)


def _fit(
    config: TrainConfig, train_set, test_set, device, numerics, each_epoch
) -> dict:
    """Return the fields of a ``TrainResult``: a fresh model trained per ``config``;
    ``test_set`` evaluated after every epoch if ``each_epoch``, else after the last."""
    g = torch.Generator().manual_seed(config.seed)
    images, labels = cifar.as_tensors(train_set)
    model = build_model(config, images, g)
    model = model.to(device, memory_format=memory_format(device))
    opt, after = make_training(config, model, len(labels) // config.batch_size)
    # alternating flip (airbench): each image's mirror drawn once, then on every other
    # epoch, so that over two epochs every image is seen both ways
    mirror = None
    if config.alternating_flip:
        mirror = torch.rand(len(labels), generator=g) < 0.5
    rows, losses, seconds = [], [], 0.0
    epochs = range(1, config.epochs + 1)
    quiet = len(labels) < 10**4 or _IN_WORKER  # a worker's bar would land in any cell
    for epoch in tqdm(epochs, desc=f"train {config.model}", disable=quiet):
        start = time.perf_counter()
        flips = None if mirror is None else mirror ^ (epoch % 2 == 0)
        fit = train_epoch(
            config, model, opt, after, (images, labels), g, numerics, losses, flips
        )
        last = epoch == config.epochs
        if last and math.isfinite(fit[0]):
            for follower in after:  # Lookahead ends at its slow weights
                if hasattr(follower, "finish"):
                    follower.finish()
            finish_training(config, model, images, g, numerics)
        seconds += time.perf_counter() - start
        if not math.isfinite(fit[0]):
            nan = dict.fromkeys(_METRICS, math.nan)
            rows.append(dict(epoch=epoch, seconds=seconds, **nan))
            break
        test_loss = test_acc = math.nan
        if last or each_epoch:
            tta = config.tta if last else "none"
            test_loss, test_acc, probs = evaluation.evaluate(
                model, test_set, numerics, tta
            )
        rows.append(
            dict(
                epoch=epoch,
                seconds=seconds,
                train_loss=fit[0],
                train_acc=fit[1],
                test_loss=test_loss,
                test_acc=test_acc,
            )
        )
    diverged = None if math.isfinite(fit[0]) else len(losses) - 1
    if diverged is not None:
        probs = np.full((len(test_set), 10), np.nan, np.float32)
    model = model.cpu().to(memory_format=torch.contiguous_format).eval()
    return dict(
        model=model,
        history=pd.DataFrame(rows),
        step_losses=np.array(losses),
        test_probs=probs,
        diverged_step=diverged,
    )


_METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")


def cache_key(
    config: TrainConfig,
    train_set,
    test_set,
    device: str = "cpu",
    numerics: str = "fp32",
    threads: int | None = None,
    each_epoch: bool = True,
) -> str:
    """Return a run's key: config, code, data, libraries, device, numerics, threads,
    and whether the held-out set was scored after each epoch (the history holds it)."""
    code = cache.source_digest(
        models,
        cifar,
        evaluation,
        optimizers,
        sys.modules["mlxday2.cnn.numerics"],
        sys.modules[__name__],
    )
    return cache.make_key(
        dataclasses.asdict(config),
        code,
        cifar.MEAN,
        cifar.STD,
        train_set.digest(),
        test_set.digest(),
        cache.library_versions("torch", "numpy"),
        device,
        numerics,
        torch.get_num_threads() if threads is None else threads,
        torch.backends.cpu.get_cpu_capability(),
        platform.machine(),
        each_epoch,
    )


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Run the block on ``threads`` torch CPU threads (None: leave them as they are)."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _plan(
    config, train_set, test_set, device, numerics, use_cache, each_epoch, threads
):
    """Check ``train``'s arguments; return (device, how the run runs, cache path)."""
    checks.check_instance("config", config, TrainConfig)
    for name, ds in (("train_set", train_set), ("test_set", test_set)):
        checks.check_instance(name, ds, cifar.CifarDataset, fix="use load_cifar10")
        checks.check_int(f"len({name})", len(ds), 1, fix="pass a non-empty dataset")
    fix = "use a smaller batch_size or a larger train_set"
    checks.check_int("config.batch_size", config.batch_size, 1, len(train_set), fix=fix)
    checks.check_bool("use_cache", use_cache)
    checks.check_bool("each_epoch", each_epoch)
    if threads is None:
        threads = torch.get_num_threads()
    checks.check_int(
        "threads", threads, 1, fix="e.g. threads=1, or None for the default"
    )
    dev = resolve_device(device)
    chosen = choose_numerics(dev.type, numerics, model=config.model)
    how = dict(numerics=chosen, threads=threads, device=dev.type)
    key = cache_key(config, train_set, test_set, dev.type, chosen, threads, each_epoch)
    return dev, how, cache.writable_dir() / f"cnn-{config.model}-{key}.pt"


def train(
    config: TrainConfig,
    train_set: cifar.CifarDataset,
    test_set: cifar.CifarDataset,
    *,
    device: str = "auto",
    numerics: str = "auto",
    use_cache: bool = True,
    each_epoch: bool = True,
    threads: int | None = None,
) -> TrainResult:
    """Return a model trained as ``config`` says, its history and test probabilities.

    ``test_set`` is the held-out set evaluated after each epoch: the test set for a
    final run, a validation split for a run that chooses something. ``numerics="auto"``
    picks bf16 for our CNN on a CPU with bf16 instructions (``choose_numerics``). A
    run is cached under ``cache_key`` (``result.cached`` says it was loaded). A
    non-finite loss stops training: the result says at which step (``diverged_step``),
    its accuracies are NaN, and it is never cached. ``each_epoch=False`` scores
    ``test_set`` after the last epoch only (the history's other test columns are NaN):
    for runs of which only the final accuracy is used, such as the ablation's.
    ``threads`` torch CPU threads run it (None: as many as torch uses now). A run that
    ``start_many`` started (the same arguments, ``threads`` included) is not trained
    again: with ``use_cache``, ``train`` waits for it.
    """
    plan = _plan(
        config, train_set, test_set, device, numerics, use_cache, each_epoch, threads
    )
    if use_cache and plan[2] in _STARTED:  # start_many is training it: wait for it
        return _claim(plan[2])
    return _run(config, train_set, test_set, plan, use_cache, each_epoch)


def _run(config, train_set, test_set, plan, use_cache, each_epoch) -> TrainResult:
    """Return ``train``'s result for checked arguments and their ``_plan``."""
    dev, how, path = plan
    with torch_threads(how["threads"]):
        return cache.cached(
            path,
            lambda: TrainResult(
                config=config,
                **_fit(config, train_set, test_set, dev, how["numerics"], each_epoch),
                **how,
            ),
            read=lambda p: TrainResult.from_saved(
                config, torch.load(p, weights_only=True), **how
            ),
            write=lambda result, f: torch.save(result.to_saved(), f),
            keep=lambda result: not result.diverged,
            use=use_cache,
        )


MAX_WORKERS = 4  # each worker process holds its own copy of torch and of the data


def parallel_plan(workers: int | None = None) -> tuple[int, int]:
    """Return ``(workers, threads per run)`` for ``train_many``.

    By default one worker per torch thread (at most ``MAX_WORKERS``), each run on one
    thread: on a small CPU two one-thread runs side by side finish sooner than the same
    two runs one after the other on two threads each.
    """
    total = torch.get_num_threads()
    if workers is None:
        workers = min(total, MAX_WORKERS)
    checks.check_int(
        "workers", workers, 1, fix="e.g. workers=2, or None for the default"
    )
    return workers, max(1, total // workers)


_POOLS: dict[int, concurrent.futures.ProcessPoolExecutor] = {}


@atexit.register
def _close_pools(wait: bool = True, cancel_futures: bool = False) -> None:
    """Stop the workers before the interpreter tears down the modules they need (with
    ``cancel_futures``, the runs not begun are dropped)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=wait, cancel_futures=cancel_futures)


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """Return a pool of ``workers`` fresh ("spawn") processes, kept for later calls."""
    if workers not in _POOLS:
        _POOLS[workers] = concurrent.futures.ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(_in_notebook(),),
        )
    return _POOLS[workers]


_IN_WORKER = False  # set in the pool's processes


def _start_worker(in_notebook: bool) -> None:
    """Set up a pool's process: no progress bars (a worker shares its parent's output:
    in a notebook, its bars would land in whatever cell runs). A notebook's worker is
    deaf to the interrupts the notebook sends to the kernel's whole process group, so
    that interrupting a cell that waits stops the waiting, not the runs (a kernel
    restart stops them); a script's worker stops at Ctrl-C, as the script does."""
    global _IN_WORKER
    _IN_WORKER = True
    if in_notebook:  # (inherited by any process the worker starts)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def train_many(
    calls, *, workers: int | None = None, desc: str = "runs"
) -> list[TrainResult]:
    """Return ``[train(**call) for call in calls]``, the runs not yet cached trained
    side by side in ``workers`` processes.

    Each call is a dict of ``train``'s arguments except ``threads``: every run gets
    ``parallel_plan(workers)``'s threads, both to train and to be looked up in the
    cache, so its result depends on the thread count and not on whether a pool trained
    it. Cached runs load here, without a pool; identical calls train once; a run that
    ``start_many`` started is waited for (where the call uses the cache). The runs
    start costliest first (``_cost``), so that fewer workers wait at the end beside a
    long run. The order changes no model or accuracy; a run's seconds, measured while
    the other workers train beside it, depend on what trains there. With one worker the
    runs train here, one after another. The workers are fresh processes that import the
    calling script, so a script needs the ``if __name__ == "__main__":`` guard.
    """
    workers, calls, results, todo = _sort_calls(calls, workers)
    mine = {  # runs start_many is training, for calls that may use them: claimed here
        path: _STARTED[path]
        for path, (first, *_) in todo.items()
        if path in _STARTED and calls[first].get("use_cache", True)
    }
    firsts = [todo[path][0] for path in todo if path not in mine]
    if firsts and (workers == 1 or len(firsts) + len(mine) == 1):
        for i in tqdm(firsts, desc=desc, disable=len(firsts) < 2):
            results[i] = train(**calls[i])
        firsts = []
    index, pools = {}, {}  # future -> the call it answers; future -> its pool
    try:
        for i in firsts:
            pool, future = _submit(workers, calls[i])
            index[future], pools[future] = i, pool
        for path, (pool, future) in mine.items():
            index[future], pools[future] = todo[path][0], pool
        done = concurrent.futures.as_completed(pools)
        for future in tqdm(done, desc=desc, total=len(pools), disable=not pools):
            results[index[future]] = future.result()
    except BaseException as error:
        path_of = {todo[path][0]: path for path in todo}
        _STARTED.update(  # the runs still training: the next call waits for them
            (path_of[i], (pools[future], future))
            for future, i in index.items()
            if not future.done() and calls[i].get("use_cache", True)
        )
        _settle(pools, error)
        raise
    _unstart(mine)
    for first, *same in todo.values():
        for i in same:
            results[i] = results[first]
    return results


# cache path -> (pool, future) of a run that start_many started and no call claimed
_STARTED: dict = {}


def start_many(calls, *, workers: int | None = None) -> int:
    """Start training the runs of ``calls`` that are not cached, in the background, and
    return the threads each run gets (``parallel_plan(workers)``).

    ``calls`` is as for ``train_many``. The runs go to ``train_many``'s pool of
    ``workers`` processes, costliest first (``_cost``), and train while this process
    goes on. A later call of ``train`` with the same arguments, ``threads`` included,
    or of ``train_many`` whose ``workers`` give the same threads per run, waits for
    the run instead of training it again and gets the worker's result (``cached`` is
    False), provided it uses the cache. In a notebook, interrupting that wait leaves
    the run training and started (a kernel restart stops it); in a script, Ctrl-C
    cancels every run. If the run raised, the call that waits for it raises the same
    error, and a later call trains the run afresh; if a worker died, the runs started
    in its pool are dropped and the next call starts a fresh pool. ``unclaimed()``
    lists the runs no call has waited for yet: those still training keep the workers
    busy, and the interpreter waits for them before it exits. With one worker nothing
    starts: the runs train when they are asked for.
    """
    workers, calls, _, todo = _sort_calls(calls, workers, load=False)
    threads = parallel_plan(workers)[1]
    if workers == 1:
        return threads
    for path, (first, *_) in todo.items():
        if path not in _STARTED:
            _STARTED[path] = _submit(workers, calls[first])
    return threads


def unclaimed() -> list[Path]:
    """Return the cache paths of the runs ``start_many`` started that no call of
    ``train`` or ``train_many`` has waited for (a chapter checks this is empty at its
    end: a run started and never used was time spent for nothing)."""
    return list(_STARTED)


def _claim(path) -> TrainResult:
    """Wait for the run ``start_many`` started for ``path`` and return it."""
    pool, future = _STARTED[path]
    try:
        result = future.result()
    except BaseException as error:
        _settle({future: pool}, error)
        raise
    _unstart([path])
    return result


def _settle(pools: dict, error: BaseException) -> None:
    """After waiting for the futures of ``pools`` (future -> its pool) ended in
    ``error``: drop the pools whose worker died (seen by these futures or by any
    started run), with the runs started in them, and forget the started runs that
    raised (a later call trains them afresh). The runs still training, or done, stay
    started: a later call waits for them. Outside a notebook an interrupt (Ctrl-C)
    stops everything: the queued runs are cancelled and the pools shut down, so that
    the script can exit."""
    for future, pool in [*pools.items(), *((f, p) for p, f in _STARTED.values())]:
        if future.done() and not future.cancelled():
            if isinstance(future.exception(), concurrent.futures.BrokenExecutor):
                _forget_pool(pool)
    _unstart([path for path, (_, f) in _STARTED.items() if f.done() and _raised(f)])
    if isinstance(error, KeyboardInterrupt) and not _in_notebook():
        _close_pools(wait=False, cancel_futures=True)
        _STARTED.clear()


def _raised(future) -> bool:
    """Whether a done future was cancelled or raised."""
    return future.cancelled() or future.exception() is not None


def _in_notebook() -> bool:
    """Whether this process is a notebook's kernel (IPython's kernel is imported)."""
    return "ipykernel" in sys.modules


def _unstart(paths) -> None:
    """Forget that ``start_many`` started the runs of ``paths``."""
    for path in paths:
        _STARTED.pop(path, None)


def _submit(workers: int, call: dict) -> tuple:
    """Submit ``train(**call)`` to the pool of ``workers`` (a fresh pool if a worker of
    the last one died since it was last used); return (the pool, the future)."""
    pool = _pool(workers)
    try:
        return pool, pool.submit(train, **call)
    except concurrent.futures.BrokenExecutor:
        _forget_pool(pool)
        pool = _pool(workers)
        return pool, pool.submit(train, **call)


def _forget_pool(pool) -> None:
    """Drop ``pool`` (a worker died) and the runs started in it: the next call starts a
    fresh pool."""
    for workers in [w for w, p in _POOLS.items() if p is pool]:
        del _POOLS[workers]
    _unstart([path for path, (p, _) in _STARTED.items() if p is pool])


def _sort_calls(calls, workers, load: bool = True):
    """Check ``train_many``'s calls and give each ``parallel_plan(workers)``'s threads;
    return (workers, the calls, their results with the cached ones loaded if ``load``,
    and the runs not loaded, to train or to wait for if started: cache path -> the
    calls it answers, costliest first)."""
    if isinstance(calls, Mapping) or not all(isinstance(c, Mapping) for c in calls):
        raise TypeError(
            "calls must be a list of dicts of train()'s arguments, e.g. "
            "[dict(config=config, train_set=fit, test_set=val)]"
        )
    workers, threads = parallel_plan(workers)
    calls = [dict(call) for call in calls]
    for i, call in enumerate(calls):
        if "threads" in call:
            raise ValueError(
                f"calls[{i}] sets threads: train_many sets it (threads per run = "
                "torch threads // workers); choose workers instead"
            )
        call["threads"] = threads
    results: list[TrainResult | None] = [None] * len(calls)
    todo: dict = {}  # cache path -> the calls it answers
    costs: dict = {}  # cache path -> its run's rough cost
    for i, call in enumerate(calls):
        args = {**_TRAIN_DEFAULTS, **call}
        plan = _plan(**args)
        path = plan[2]
        if args["use_cache"] and path.exists() and path not in _STARTED:
            if load:  # verified and loaded here
                results[i] = _run(
                    args["config"],
                    args["train_set"],
                    args["test_set"],
                    plan,
                    args["use_cache"],
                    args["each_epoch"],
                )
        else:
            todo.setdefault(path, []).append(i)
            costs[path] = _cost(args["config"], args["train_set"], plan[1]["numerics"])
    longest_first = sorted(todo, key=lambda path: -costs[path])  # a stable sort
    return workers, calls, results, {path: todo[path] for path in longest_first}


# A training image's rough cost by model, relative to ours, at the same numerics: the
# tutorial network's 8 epochs took 59 s in fp32 against our 316 s in bf16, each on one
# thread beside another run, and _cost counts fp32 as 1.5 (59 / 316 / 1.5 = 0.12;
# widths 32/64/128 on an AMD EPYC). With 32/96/192 on an Intel Xeon with AMX: 50 s
# against 237 s, and fp32 1.9 times bf16 in the ablation; only the order of runs
# matters here, and it is the same.
_IMAGE_COST = {"tutorial": 0.12}


def _cost(config: TrainConfig, train_set, numerics: str) -> float:
    """Return a run's rough cost, for ordering runs: the images it trains on, times
    ``_IMAGE_COST`` of its model (1 for ours and its variants), times 1.5 in fp32
    (against bf16 our network took about 1.45 times as long in the ablation). Only the
    order matters: where every run is fp32 the factor changes nothing."""
    images = config.epochs * len(train_set) * _IMAGE_COST.get(config.model, 1.0)
    return images * (1.5 if numerics == "fp32" else 1.0)


# train()'s keyword defaults, for planning a call of train_many without running it
_TRAIN_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(train).parameters.items()
    if p.kind is p.KEYWORD_ONLY
}
