"""Training a CIFAR-10 network: the configuration, the numerics, the loop, the cache.

``train(config, train_set, test_set)`` returns a ``TrainResult`` (model, per-epoch
history, per-step losses, test-set probabilities, the numerics that ran). It is cached
by ``mlxday2.cache`` under everything that changes the result: the configuration, the
source of the models, data and training code, a digest of both data sets, the library
versions, the device, the numerics (fp32 or bf16) and the number of CPU threads.

Reproducible means: the same seed, data, code, machine type, thread count and numerics
give a bit-identical model. A different thread count, CPU type or numerics adds numbers
in another order, and the run ends at a different model: measured, up to about two
percentage points of test accuracy apart.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # plain text bars (tqdm.auto warns without ipywidgets)

from mlxday2 import cache
from mlxday2.cnn import cifar, models

OPTIMIZERS = ("sgd", "nesterov", "adam")
NUMERICS = ("auto", "fp32", "bf16")
TTA = ("none", "flip", "flip+shift")  # test-time views: see tta_views


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, bool
    )


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (with code and data: the cache key)."""

    model: str = "small"  # a key of models.MODELS
    epochs: int = 8
    batch_size: int = 256
    optimizer: str = "nesterov"  # "sgd" (plain), "nesterov" (momentum 0.9) or "adam"
    lr: float = 0.8  # peak of the one-cycle schedule, else constant
    one_cycle: bool = True  # rise for a quarter of the steps, then anneal to ~0
    weight_decay: float = 5e-4
    label_smoothing: float = 0.2
    augment: bool = True  # random shift (up to CROP_PAD pixels) and mirror
    tta: str = "flip+shift"  # views of each test image averaged in the final evaluation
    seed: int = 0

    def __post_init__(self):
        def bad(name, want):
            value = getattr(self, name)
            raise ValueError(f"{name} must be {want}, got {value!r}")

        if self.model not in models.MODELS:
            bad("model", f"one of {sorted(models.MODELS)}")
        for name in ("epochs", "batch_size"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                bad(name, "an integer >= 1")
        if self.optimizer not in OPTIMIZERS:
            bad("optimizer", f"one of {OPTIMIZERS}")
        if not _is_real(self.lr) or not math.isfinite(self.lr) or self.lr <= 0:
            bad("lr", "a finite number > 0 (e.g. 0.8 for SGD, 1e-3 for Adam)")
        if not _is_real(self.weight_decay) or not 0 <= self.weight_decay < math.inf:
            bad("weight_decay", "a finite number >= 0 (e.g. 5e-4, or 0 for none)")
        if not _is_real(self.label_smoothing) or not 0 <= self.label_smoothing < 1:
            bad("label_smoothing", "a number in [0, 1) (e.g. 0.1, or 0 for none)")
        for name in ("one_cycle", "augment"):
            if not isinstance(getattr(self, name), bool):
                bad(name, "True or False (a bool, not a string)")
        if self.tta not in TTA:
            bad("tta", f"one of {TTA}")
        if not _is_int(self.seed) or self.seed < 0:
            bad("seed", "an integer >= 0")


TUTORIAL = TrainConfig(
    model="tutorial",
    epochs=8,
    batch_size=32,
    optimizer="adam",
    lr=1e-3,
    one_cycle=False,
    weight_decay=0.0,
    label_smoothing=0.0,
    augment=False,
    tta="none",
)
OURS = TrainConfig()

# The optimizers of the optimization chapter on the CNN, with one small budget (2
# epochs on a subset) and a constant learning rate, so that only the update rule
# differs (a one-cycle warm-up would hide the first steps, where they differ most). The
# last run's step is far beyond the stability bound of weight decay alone
# (lr * weight_decay = 5 > 2): its weights grow geometrically until the loss is no
# longer a finite number.
_BUDGET = TrainConfig(
    epochs=2, batch_size=64, one_cycle=False, tta="none", label_smoothing=0.0
)
COMPARISON = {
    "SGD": dataclasses.replace(_BUDGET, optimizer="sgd", lr=0.1),
    "SGD + Nesterov momentum": dataclasses.replace(
        _BUDGET, optimizer="nesterov", lr=0.1
    ),
    "Adam": dataclasses.replace(_BUDGET, optimizer="adam", lr=2e-3),
    "SGD, lr far too high": dataclasses.replace(_BUDGET, optimizer="sgd", lr=1e4),
}


@dataclass(frozen=True)
class TrainResult:
    """A trained model, its history, and how it ran (numerics, threads, divergence)."""

    config: TrainConfig
    model: nn.Module
    history: pd.DataFrame  # epoch, seconds (cumulative), train/test loss and accuracy
    step_losses: (
        np.ndarray
    )  # training loss of every step; ends at the first non-finite one
    test_probs: np.ndarray  # (N_test, 10); NaN if the run diverged
    numerics: str  # "fp32" or "bf16" (autocast)
    threads: int  # torch CPU threads during training
    device: str
    diverged_step: int | None  # index of the first step with a non-finite loss, or None
    cached: bool

    @property
    def diverged(self) -> bool:
        return self.diverged_step is not None

    @property
    def test_accuracy(self) -> float:
        return float(self.history["test_acc"].iloc[-1])

    @property
    def train_seconds(self) -> float:
        return float(self.history["seconds"].iloc[-1])


# ------------------------------------------------------------------------------
# Device and numerics
# ------------------------------------------------------------------------------


def resolve_device(device: str = "auto") -> torch.device:
    """Return CUDA or MPS if present and device="auto", else the CPU; or that named."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if (
            getattr(torch.backends, "mps", None) is not None
            and torch.backends.mps.is_available()
        ):
            return torch.device("mps")
        return torch.device("cpu")
    if device not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'mps', got {device!r}"
        )
    return torch.device(device)


def bf16_supported() -> bool:
    """Return True if this CPU has native bfloat16 arithmetic (AVX512-BF16, AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


@functools.cache
def bf16_speedup(
    model: str = "small", batch_size: int = 128, repeats: int = 3
) -> float:
    """Return how many times faster a training step of ``model`` runs in bf16 than fp32.

    Best of ``repeats`` interleaved steps each on a batch of ``batch_size``, after a
    warm-up, so that other work on the machine inflates both sides alike. Measured once
    per process and model: it depends on the CPU and on the network's shape (a large
    convolution gains, a tiny one at batch 32 loses to bf16's conversions).
    """
    x = torch.randn(batch_size, 3, 32, 32)
    y = torch.arange(batch_size) % 10
    best = {"fp32": math.inf, "bf16": math.inf}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layout = _memory_format(torch.device("cpu"))  # as training lays them out
        nets = {n: models.MODELS[model]().to(memory_format=layout) for n in best}
        x = x.contiguous(memory_format=layout)
        for _ in range(1 + repeats):
            for numerics, net in nets.items():
                start = time.perf_counter()
                with _autocast(numerics, torch.device("cpu")):
                    loss = F.cross_entropy(net(x).float(), y)
                loss.backward()
                best[numerics] = min(best[numerics], time.perf_counter() - start)
    return best["fp32"] / best["bf16"]


def choose_numerics(
    device: str = "cpu",
    numerics: str = "auto",
    min_speedup: float = 1.25,
    model: str = "small",
    batch_size: int = 128,
) -> str:
    """Return "bf16" or "fp32": the arithmetic to train ``model`` with on ``device``.

    "auto" picks bf16 (autocast) only on a CPU with native bf16 where a
    quick measurement of this model at this batch size (``bf16_speedup``) shows it at
    least ``min_speedup`` times faster; else fp32 (also on GPUs, which this book does
    not tune for). "fp32" and "bf16" force a choice.
    """
    if numerics not in NUMERICS:
        raise ValueError(f"numerics must be one of {NUMERICS}, got {numerics!r}")
    if model not in models.MODELS:
        raise ValueError(f"model must be one of {sorted(models.MODELS)}, got {model!r}")
    if numerics != "auto":
        return numerics
    if torch.device(device).type != "cpu" or not bf16_supported():
        return "fp32"
    return "bf16" if bf16_speedup(model, batch_size) >= min_speedup else "fp32"


def _autocast(numerics: str, device: torch.device):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=numerics == "bf16")


def _memory_format(device: torch.device):
    """Channels-last on a CPU: its convolutions run fastest on that layout (measured
    here 1.4x in float32 and 1.5x in bfloat16 for ``SmallCNN``, about 1.08x for the
    tutorial network). Elsewhere the default layout, which this book does not tune."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


# ------------------------------------------------------------------------------
# Evaluation and batch-norm statistics
# ------------------------------------------------------------------------------


def tta_views(x: torch.Tensor, tta: str = "none"):
    """Yield ``(weight, view)``: the test-time views of a batch of model inputs ``x``.

    "none": the images. "flip": also their mirror images. "flip+shift": also the images
    shifted one pixel down-right and one pixel up-left (edges reflected), and the
    mirrors of those, each shifted view at half weight.
    """
    if tta not in TTA:
        raise ValueError(f"tta must be one of {TTA}, got {tta!r}")
    yield 1.0, x
    if tta != "none":
        yield 1.0, x.flip(3)
    if tta == "flip+shift":
        h, w = x.shape[2:]
        padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
        for offset in (0, 2):
            shifted = padded[:, :, offset : offset + h, offset : offset + w]
            yield 0.5, shifted
            yield 0.5, shifted.flip(3)


@torch.no_grad()
def predict_probs(
    model: nn.Module,
    images: torch.Tensor,
    numerics: str = "fp32",
    tta: str = "none",
    batch_size: int = 250,
) -> torch.Tensor:
    """Return class probabilities ``(N, 10)`` for uint8 images ``(N, 3, 32, 32)``.

    Each image's probabilities are the weighted mean over its ``tta_views``.
    """
    device = next(model.parameters()).device
    model.eval()
    probs = []
    for start in range(0, len(images), batch_size):
        x = cifar.to_model_input(images[start : start + batch_size], device)
        x = x.contiguous(memory_format=_memory_format(device))
        total, p = 0.0, 0.0
        for weight, view in tta_views(x, tta):
            with _autocast(numerics, device):
                p = p + weight * model(view).float().softmax(1)
            total += weight
        probs.append((p / total).cpu())
    return torch.cat(probs)


def evaluate(
    model: nn.Module,
    ds: cifar.CifarDataset,
    numerics: str = "fp32",
    tta: str = "none",
) -> tuple[float, float, np.ndarray]:
    """Return ``(mean cross-entropy, accuracy, class probabilities (N, 10))`` on ds.

    ``tta`` names the test-time views averaged per image (see ``tta_views``).
    """
    images, labels = cifar.as_tensors(ds)
    p = predict_probs(model, images, numerics, tta)
    loss = -torch.log(p[torch.arange(len(labels)), labels].clamp_min(1e-12)).mean()
    return float(loss), float((p.argmax(1) == labels).float().mean()), p.numpy()


@torch.no_grad()
def recalibrate_batch_norm(
    model: nn.Module,
    images: torch.Tensor,
    numerics: str = "fp32",
    batch_size: int = 500,
) -> None:
    """Set every batch norm's running mean/variance to their average over ``images``.

    During training the running statistics are an exponential average over the last few
    dozen batches, taken while the weights moved; after a short run at a high learning
    rate they can be far from the final weights' statistics, and the model in eval mode
    then does much worse than in training mode. One pass of the final weights fixes
    that. Pass images like those of training (augmented, if training was): the weights
    were fitted to their statistics.
    """
    norms = [
        m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    if not norms:
        return
    device = next(model.parameters()).device
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches that follow
    model.train()
    for start in range(0, len(images), batch_size):
        x = cifar.to_model_input(images[start : start + batch_size], device)
        with _autocast(numerics, device):
            model(x.contiguous(memory_format=_memory_format(device)))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


# ------------------------------------------------------------------------------
# The training loop
# ------------------------------------------------------------------------------


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """Return the optimizer ``config.optimizer`` names, at ``config.lr``.

    Adam runs fused (one kernel for all weights) on a CPU or CUDA device: for the
    tutorial network's small layers its per-weight loop took a sixth of each step.
    """
    params = list(params)
    if config.optimizer == "adam":
        fused = all(p.device.type in ("cpu", "cuda") for p in params)
        return torch.optim.Adam(
            params, lr=config.lr, weight_decay=config.weight_decay, fused=fused
        )
    momentum = 0.9 if config.optimizer == "nesterov" else 0.0
    return torch.optim.SGD(
        params,
        lr=config.lr,
        momentum=momentum,
        nesterov=momentum > 0,
        weight_decay=config.weight_decay,
    )


def _fit(config: TrainConfig, train_set, test_set, device: torch.device, numerics: str):
    """Train a fresh model; return model, history, step losses, test probs, diverged."""
    g = torch.Generator().manual_seed(config.seed)
    with torch.random.fork_rng(devices=[]):  # seed the weight initialisation locally
        torch.manual_seed(config.seed)
        model = models.MODELS[config.model]()
    images, labels = cifar.as_tensors(train_set)
    n, bs = len(labels), config.batch_size
    if hasattr(model, "set_whitening"):  # from up to 5,000 training images
        sample = images[torch.randperm(n, generator=g)[:5000]]
        model.set_whitening(cifar.to_model_input(sample))
    model = model.to(device, memory_format=_memory_format(device))
    steps_per_epoch = -(-n // bs)
    opt = make_optimizer(config, [p for p in model.parameters() if p.requires_grad])
    sched = None
    if config.one_cycle:
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=config.lr,
            epochs=config.epochs,
            steps_per_epoch=steps_per_epoch,
            pct_start=0.25,
        )
    rows, step_losses, seconds, diverged = [], [], 0.0, None
    bar = tqdm(
        total=config.epochs * steps_per_epoch,
        desc=f"train {config.model}",
        unit=" batch",
        mininterval=2.0,
        disable=config.epochs * n < 200_000,
    )
    for epoch in range(1, config.epochs + 1):
        model.train()
        start, loss_sum, correct = time.perf_counter(), 0.0, 0
        for idx in torch.randperm(n, generator=g).split(bs):
            batch = images[idx]
            if config.augment:
                batch = cifar.random_crop_flip(batch, g)
            x = cifar.to_model_input(batch, device)
            x = x.contiguous(memory_format=_memory_format(device))
            y = labels[idx].to(device)
            with _autocast(numerics, device):
                logits = model(x).float()
            loss = F.cross_entropy(logits, y, label_smoothing=config.label_smoothing)
            step_losses.append(loss.item())
            if not math.isfinite(step_losses[-1]):
                diverged = len(step_losses) - 1
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            loss_sum += step_losses[-1] * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
            bar.update()
        seconds += time.perf_counter() - start
        if diverged is not None:
            rows.append(
                dict(
                    epoch=epoch,
                    seconds=seconds,
                    train_loss=math.nan,
                    train_acc=math.nan,
                    test_loss=math.nan,
                    test_acc=math.nan,
                )
            )
            break
        last = epoch == config.epochs
        if last:
            # statistics of what the weights were fitted to (augmented, if training was)
            calibration = images[torch.randperm(n, generator=g)[:10_000]]
            if config.augment:
                calibration = cifar.random_crop_flip(calibration, g)
            recalibrate_batch_norm(model, calibration, numerics)
        test_loss, test_acc, probs = evaluate(
            model, test_set, numerics, config.tta if last else "none"
        )
        rows.append(
            dict(
                epoch=epoch,
                seconds=seconds,
                train_loss=loss_sum / n,
                train_acc=correct / n,
                test_loss=test_loss,
                test_acc=test_acc,
            )
        )
        bar.set_postfix(test_acc=f"{test_acc:.3f}")
    bar.close()
    if diverged is not None:
        probs = np.full((len(test_set), 10), np.nan, dtype=np.float32)
    model = model.cpu().to(memory_format=torch.contiguous_format).eval()
    return model, pd.DataFrame(rows), np.array(step_losses), probs, diverged


def cache_key(
    config: TrainConfig,
    train_set,
    test_set,
    device: str = "cpu",
    numerics: str = "fp32",
    threads: int | None = None,
) -> str:
    """Return a run's key: config, code, data, libraries, device, numerics, threads."""
    code = cache.source_digest(models, cifar, sys.modules[__name__])
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
    )


def _read_run(path):
    return torch.load(path, weights_only=True)


def train(
    config: TrainConfig,
    train_set: cifar.CifarDataset,
    test_set: cifar.CifarDataset,
    *,
    device: str = "auto",
    numerics: str = "auto",
    use_cache: bool = True,
) -> TrainResult:
    """Return a model trained as ``config`` says, its history and test probabilities.

    ``numerics="auto"`` picks bf16 where it pays on this CPU (``choose_numerics``). A
    run is cached under ``cache_key``; a cached run loads in a second (``result.cached``
    says so). A non-finite loss stops training: the result says at which step
    (``diverged_step``), its accuracies are NaN, and it is never cached.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    for name, ds in (("train_set", train_set), ("test_set", test_set)):
        if not isinstance(ds, cifar.CifarDataset) or len(ds) == 0:
            raise TypeError(
                f"{name} must be a non-empty CifarDataset (from load_cifar10 or "
                f"subset), got {type(ds).__name__} of length {len(ds)}"
            )
    dev = resolve_device(device)
    chosen = choose_numerics(
        dev.type, numerics, model=config.model, batch_size=config.batch_size
    )
    threads = torch.get_num_threads()
    key = cache_key(config, train_set, test_set, dev.type, chosen, threads)
    path = (
        cache.writable_dir() / f"cnn-{config.model}-{key}.pt"
    )  # check before training
    saved = cache.load(path, _read_run) if use_cache else None
    if saved is not None:
        model = models.MODELS[config.model]()
        model.load_state_dict(saved["state_dict"])
        return TrainResult(
            config,
            model.eval(),
            pd.DataFrame(saved["history"]),
            saved["step_losses"].numpy(),
            saved["test_probs"].numpy(),
            chosen,
            threads,
            dev.type,
            None,
            True,
        )
    model, history, step_losses, probs, diverged = _fit(
        config, train_set, test_set, dev, chosen
    )
    if diverged is None:
        run = {
            "state_dict": model.state_dict(),
            "history": history.to_dict("list"),
            "step_losses": torch.from_numpy(step_losses),
            "test_probs": torch.from_numpy(probs),
        }
        cache.save(path, lambda f: torch.save(run, f))
    return TrainResult(
        config,
        model,
        history,
        step_losses,
        probs,
        chosen,
        threads,
        dev.type,
        diverged,
        False,
    )
