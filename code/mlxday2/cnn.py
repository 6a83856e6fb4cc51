"""A small CNN on CIFAR-10: data loading, models, training with a cache, error analysis.

Data: ``load_cifar10`` returns the train and test sets as torch Datasets backed by uint8 arrays,
decoded once from the original python archive or from the offline JPEG copy and cached.
Models: ``TutorialNet`` (PyTorch's "Training a classifier" tutorial) and ``SmallCNN`` (ours).
Training: ``train(config, train_set, test_set)`` returns a ``TrainResult`` (model, per-epoch
history, test-set probabilities), cached on disk under the hash of the config and the code.
Plots are at the bottom; they take that data and never train.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import io
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm  # plain text bars, as in mlxday2.data (tqdm.auto warns without ipywidgets)

from mlxday2 import data as _data
from mlxday2.plotting import PALETTE, new_axes

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
SOURCES = {
    "cifar10-python": "CIFAR-10 (original)",
    "cifar10-jpeg": "CIFAR-10 (JPEG copy)",
}

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


class CifarDataset(Dataset):
    """CIFAR-10 images held as uint8 ``(N, 32, 32, 3)``; items are ``(3x32x32 float in [0, 1], label)``.

    ``images`` and ``labels`` are the raw arrays, ``classes`` the class names, ``source`` the
    registry name of the copy they were read from and ``label`` how figures should name it.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes=CLASSES, source: str = ""):
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 3):
            raise ValueError(f"images must be uint8 of shape (N, 32, 32, 3), got {images.dtype} {images.shape}")
        self.images = images
        self.labels = np.asarray(labels, dtype=np.int64)
        self.classes = list(classes)
        self.source = source
        self.label = SOURCES.get(source, source)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i]).permute(2, 0, 1).float() / 255.0
        return x, int(self.labels[i])


def _decode_jpeg_archive(path: Path) -> dict[str, np.ndarray]:
    """Decode ``cifar10-jpeg/{train,test}/<class>/NNNN.jpg`` from a tar.gz into uint8 arrays."""
    from PIL import Image

    found: dict[str, list[tuple[str, str, np.ndarray]]] = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as tar:
        for member in tqdm(tar, desc="decode JPEG copy", unit=" files", mininterval=1.0):
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) < 4 or parts[-3] not in found:
                continue
            with Image.open(io.BytesIO(tar.extractfile(member).read())) as img:
                pixels = np.asarray(img.convert("RGB").resize((32, 32)), dtype=np.uint8)
            found[parts[-3]].append((parts[-2], parts[-1], pixels))
    classes = sorted({c for split in found.values() for c, _, _ in split})
    if not found["train"] or not found["test"]:
        raise ValueError(f"{path} holds no cifar10-jpeg/{{train,test}}/<class>/*.jpg images")
    arrays = {"classes": np.array(classes)}
    for split, items in found.items():
        items.sort(key=lambda t: (t[0], t[1]))  # a fixed order, whatever the archive's order
        arrays[f"{split}_x"] = np.stack([p for _, _, p in items])
        arrays[f"{split}_y"] = np.array([classes.index(c) for c, _, _ in items], dtype=np.int64)
    return arrays


def _decode_python_archive(path: Path, workdir: Path) -> dict[str, np.ndarray]:
    """Read the original archive with ``torchvision.datasets.CIFAR10`` (extracted to ``workdir``)."""
    from torchvision.datasets import CIFAR10

    if not (workdir / "cifar-10-batches-py").exists():
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(workdir, filter="data")
    arrays = {}
    for split in ("train", "test"):
        ds = CIFAR10(str(workdir), train=split == "train", download=False)
        arrays[f"{split}_x"] = np.asarray(ds.data, dtype=np.uint8)
        arrays[f"{split}_y"] = np.asarray(ds.targets, dtype=np.int64)
        arrays["classes"] = np.array(ds.classes)
    return arrays


def load_cifar10(root: str | Path | None = None) -> tuple[CifarDataset, CifarDataset]:
    """Return ``(train, test)``: CIFAR-10 as 50,000 and 10,000 ``(3x32x32 float, label)`` items.

    Looks for the original python archive, then the JPEG copy, in ``root`` (default: the data
    directory, ``mlxday2.data.data_dir()``), then downloads the original; if all fail, raises
    ``mlxday2.data.DataNotFoundError`` saying where to put the files. The decoded uint8 arrays are
    cached in ``cache_dir()`` under the archive's SHA-256, so later calls take a second or two.
    ``train.source`` names the copy used; ``train.label`` is the name figures should carry.
    """
    source, path = None, None
    for name in ("cifar10-python", "cifar10-jpeg"):
        path = _data.local_copy(name, root)
        if path is not None:
            source = name
            break
    if source is None:
        source = "cifar10-python"
        try:
            path = _data.fetch(source)
        except _data.DataNotFoundError as err:
            jpeg = _data.REGISTRY["cifar10-jpeg"]
            where = Path(root) if root is not None else _data.data_dir()
            raise _data.DataNotFoundError(
                f"{err} Alternatively put the offline JPEG copy {jpeg.filename} into {where} "
                f"(source: {jpeg.source})."
            ) from err

    digest = _data.REGISTRY[source].sha256
    cached = _data.cache_dir() / f"cifar10-{digest[:16]}.npz"
    if cached.exists():
        arrays = dict(np.load(cached))
    else:
        if source == "cifar10-jpeg":
            arrays = _decode_jpeg_archive(path)
        else:
            arrays = _decode_python_archive(path, _data.cache_dir() / f"cifar10-python-{digest[:16]}")
        tmp = cached.with_name(cached.stem + ".part.npz")
        np.savez(tmp, **arrays)
        tmp.replace(cached)
    classes = [str(c) for c in arrays["classes"]]
    train = CifarDataset(arrays["train_x"], arrays["train_y"], classes, source)
    test = CifarDataset(arrays["test_x"], arrays["test_y"], classes, source)
    return train, test


def subset(ds: CifarDataset, n: int, seed: int) -> CifarDataset:
    """Return a random ``n``-image subset of ``ds`` (without replacement), for quick runs and tests."""
    if not 1 <= n <= len(ds):
        raise ValueError(f"n must be in 1..{len(ds)}, got {n}")
    idx = np.sort(np.random.default_rng(seed).choice(len(ds), size=n, replace=False))
    return CifarDataset(ds.images[idx], ds.labels[idx], ds.classes, ds.source)


def class_counts(ds: CifarDataset) -> pd.Series:
    """Return the number of images per class, indexed by class name."""
    return pd.Series(np.bincount(ds.labels, minlength=len(ds.classes)), index=ds.classes, name="images")


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

# Per-channel mean and standard deviation of the CIFAR-10 training images (0..1 scale).
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


class TutorialNet(nn.Module):
    """The classic baseline of PyTorch's "Training a classifier": two conv layers, three linear ones."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def _conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SmallCNN(nn.Module):
    """Our CNN: conv + batch norm + ReLU layers, halving the resolution early (cheap on a CPU).

    32x32 -> one conv (w) -> pool -> 16x16: two convs (2w) -> pool -> 8x8: two convs (4w) -> pool
    -> 4x4: one conv (8w) -> global max pool -> linear. About 35 million multiply-adds per image.
    """

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            _conv_bn(3, w), nn.MaxPool2d(2),
            _conv_bn(w, 2 * w), _conv_bn(2 * w, 2 * w), nn.MaxPool2d(2),
            _conv_bn(2 * w, 4 * w), _conv_bn(4 * w, 4 * w), nn.MaxPool2d(2),
            _conv_bn(4 * w, 8 * w), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(8 * w, 10)

    def forward(self, x):
        return self.head(self.features(x))


MODELS = {"tutorial": TutorialNet, "small": SmallCNN}


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; its hash (with the code's) keys the cache."""

    model: str = "small"  # a key of MODELS
    epochs: int = 5
    batch_size: int = 256
    optimizer: str = "sgd"  # "sgd" (Nesterov momentum 0.9) or "adam"
    lr: float = 0.2  # peak learning rate of the one-cycle schedule ("sgd"), constant for "adam"
    one_cycle: bool = True
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    augment: bool = True  # random crop (pad 4) and horizontal flip
    seed: int = 0

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)}, got {self.model!r}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")


TUTORIAL = TrainConfig(model="tutorial", epochs=8, batch_size=32, optimizer="adam", lr=1e-3,
                       one_cycle=False, weight_decay=0.0, label_smoothing=0.0, augment=False)
OURS = TrainConfig()


@dataclass(frozen=True)
class TrainResult:
    """A trained model with its per-epoch ``history`` and its test-set class probabilities."""

    config: TrainConfig
    model: nn.Module
    history: pd.DataFrame  # epoch, seconds (cumulative training time), train/test loss and accuracy
    test_probs: np.ndarray  # (N_test, 10)
    device: str
    cached: bool

    @property
    def test_accuracy(self) -> float:
        return float(self.history["test_acc"].iloc[-1])

    @property
    def train_seconds(self) -> float:
        return float(self.history["seconds"].iloc[-1])


def resolve_device(device: str = "auto") -> torch.device:
    """Return CUDA or MPS when present and ``device="auto"``, else the CPU; or the named device."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if device not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'mps', got {device!r}")
    return torch.device(device)


def _batch(images: torch.Tensor, idx: torch.Tensor, augment: bool, g: torch.Generator | None, device) -> torch.Tensor:
    """Return normalised float images ``(B, 3, 32, 32)``; crop/flip the uint8 batch first if asked."""
    x = images[idx]  # (B, 3, 32, 32) uint8
    if augment:
        b = x.shape[0]
        padded = F.pad(x, (4, 4, 4, 4))  # zero padding, as in the usual recipe
        dy, dx = torch.randint(0, 9, (2, b), generator=g)
        ar = torch.arange(32)
        rows = (dy[:, None] + ar)[:, None, :, None]
        cols = (dx[:, None] + ar)[:, None, None, :]
        x = padded[torch.arange(b)[:, None, None, None], torch.arange(3)[None, :, None, None], rows, cols]
        flip = torch.rand(b, generator=g) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
    x = x.to(device).float().div_(255.0)
    mean = torch.tensor(MEAN, device=device)[None, :, None, None]
    std = torch.tensor(STD, device=device)[None, :, None, None]
    return (x - mean) / std


def _as_tensors(ds: CifarDataset) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(ds.images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(ds.labels)


@torch.no_grad()
def evaluate(model: nn.Module, ds: CifarDataset, device="cpu", batch_size: int = 1000) -> tuple[float, float, np.ndarray]:
    """Return ``(mean cross-entropy, accuracy, class probabilities (N, 10))`` of ``model`` on ``ds``."""
    device = torch.device(device)
    images, labels = _as_tensors(ds)
    model.eval()
    losses, probs = [], []
    for start in range(0, len(labels), batch_size):
        idx = torch.arange(start, min(start + batch_size, len(labels)))
        logits = model(_batch(images, idx, False, None, device)).float().cpu()
        losses.append(F.cross_entropy(logits, labels[idx], reduction="sum").item())
        probs.append(logits.softmax(1))
    p = torch.cat(probs).numpy()
    return sum(losses) / len(labels), float((p.argmax(1) == ds.labels).mean()), p


def _fit(config: TrainConfig, train_set: CifarDataset, test_set: CifarDataset, device: torch.device):
    """Train a fresh model for ``config.epochs``; return ``(model, history DataFrame, test probs)``."""
    g = torch.Generator().manual_seed(config.seed)
    with torch.random.fork_rng(devices=[]):  # seed the weight initialisation locally
        torch.manual_seed(config.seed)
        model = MODELS[config.model]().to(device)
    images, labels = _as_tensors(train_set)
    loader = DataLoader(torch.arange(len(labels)), batch_size=config.batch_size, shuffle=True,
                        generator=g, num_workers=0)
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, nesterov=True,
                              weight_decay=config.weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = None
    if config.one_cycle:
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, epochs=config.epochs,
                                                    steps_per_epoch=len(loader), pct_start=0.25)
    rows, seconds = [], 0.0
    bar = tqdm(total=config.epochs * len(loader), desc=f"train {config.model}", unit=" batch", mininterval=1.0)
    for epoch in range(1, config.epochs + 1):
        model.train()
        start, loss_sum, correct = time.perf_counter(), 0.0, 0
        for idx in loader:
            x, y = _batch(images, idx, config.augment, g, device), labels[idx].to(device)
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=config.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
            bar.update()
        seconds += time.perf_counter() - start
        test_loss, test_acc, probs = evaluate(model, test_set, device)
        rows.append(dict(epoch=epoch, seconds=seconds, train_loss=loss_sum / len(labels),
                         train_acc=correct / len(labels), test_loss=test_loss, test_acc=test_acc))
        bar.set_postfix(test_acc=f"{test_acc:.3f}")
    bar.close()
    return model.cpu().eval(), pd.DataFrame(rows), probs


def cache_key(config: TrainConfig, n_train: int = 50_000, source: str = "", device: str = "cpu") -> str:
    """Return a hex key for ``config`` + the model and training code + what data and device it sees."""
    code = "".join(inspect.getsource(f) for f in (MODELS[config.model], _conv_bn, _batch, _fit, evaluate))
    text = repr(dataclasses.astuple(config)) + code + f"|{n_train}|{source}|{device}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def train(config: TrainConfig, train_set: CifarDataset, test_set: CifarDataset, *,
          device: str = "auto", use_cache: bool = True) -> TrainResult:
    """Return a model trained as ``config`` says, its history and test probabilities.

    Deterministic on the CPU for a given ``config.seed``. The result is cached in ``cache_dir()``
    under ``cache_key``; a cached run is loaded in a second (``result.cached`` says which).
    """
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
    dev = resolve_device(device)
    key = cache_key(config, len(train_set), train_set.source + f"|{len(test_set)}", dev.type)
    path = _data.cache_dir() / f"cnn-{config.model}-{key}.pt"
    if use_cache and path.exists():
        saved = torch.load(path, weights_only=False)
        model = MODELS[config.model]()
        model.load_state_dict(saved["state_dict"])
        return TrainResult(config, model.eval(), pd.DataFrame(saved["history"]), saved["test_probs"], dev.type, True)
    model, history, probs = _fit(config, train_set, test_set, dev)
    tmp = path.with_suffix(".part")
    torch.save({"state_dict": model.state_dict(), "history": history.to_dict("list"), "test_probs": probs}, tmp)
    tmp.replace(path)
    return TrainResult(config, model, history, probs, dev.type, False)


# ---------------------------------------------------------------------------------------------
# Error analysis
# ---------------------------------------------------------------------------------------------


def confusion(labels: np.ndarray, probs: np.ndarray, classes) -> pd.DataFrame:
    """Return the confusion matrix as counts: rows are true classes, columns predicted ones."""
    k = len(classes)
    m = np.bincount(np.asarray(labels) * k + probs.argmax(1), minlength=k * k).reshape(k, k)
    return pd.DataFrame(m, index=pd.Index(classes, name="true"), columns=pd.Index(classes, name="predicted"))


def per_class_accuracy(labels: np.ndarray, probs: np.ndarray, classes) -> pd.Series:
    """Return the test accuracy of each class (fraction in [0, 1]), indexed by class name."""
    m = confusion(labels, probs, classes).to_numpy()
    return pd.Series(np.diag(m) / m.sum(1), index=list(classes), name="accuracy")


def confident_mistakes(labels: np.ndarray, probs: np.ndarray, k: int = 16) -> pd.DataFrame:
    """Return the ``k`` wrong predictions with the highest confidence: index, true, predicted, p."""
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != np.asarray(labels))
    order = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:k]
    return pd.DataFrame({"index": order, "true": np.asarray(labels)[order], "predicted": pred[order],
                         "confidence": probs[order, pred[order]]})


# ---------------------------------------------------------------------------------------------
# Plots (take data, never train)
# ---------------------------------------------------------------------------------------------


def _grid_image(images: np.ndarray, nrow: int) -> np.ndarray:
    from torchvision.utils import make_grid

    t = torch.from_numpy(images).permute(0, 3, 1, 2)
    return make_grid(t, nrow=nrow, padding=2, pad_value=255).permute(1, 2, 0).numpy()


def plot_samples(ds: CifarDataset, per_class: int = 8, seed: int = 0):
    """Show ``per_class`` random images of each class in a grid, one row per class; return the Figure."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(ds.labels == c), per_class, replace=False)
                          for c in range(len(ds.classes))])
    fig, ax = plt.subplots(figsize=(per_class * 0.55 + 1.2, len(ds.classes) * 0.55))
    ax.imshow(_grid_image(ds.images[idx], per_class))
    ax.set_yticks([34 * c + 17 for c in range(len(ds.classes))], ds.classes)
    ax.set_xticks([])
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(f"{ds.label}: {per_class} training images per class")
    return fig


def plot_curves(histories: dict[str, pd.DataFrame], x: str = "epoch", title: str = ""):
    """Plot train/test loss and accuracy of each run against ``x`` ("epoch" or "seconds"); return the Figure."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6))
    for color, (name, h) in zip(PALETTE, histories.items()):
        for split, style in (("train", "--"), ("test", "-")):
            ax_loss.plot(h[x], h[f"{split}_loss"], style, color=color, marker="o", ms=3, label=f"{name}, {split}")
            ax_acc.plot(h[x], h[f"{split}_acc"], style, color=color, marker="o", ms=3, label=f"{name}, {split}")
    xlabel = "epoch" if x == "epoch" else "training time (s, two CPU cores)"
    ax_loss.set(xlabel=xlabel, ylabel="cross-entropy", title="loss")
    ax_acc.set(xlabel=xlabel, ylabel="accuracy", title="accuracy")
    ax_acc.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(matrix: pd.DataFrame, ax=None, title: str = ""):
    """Show a confusion matrix (rows true, columns predicted) as row-normalised shares; return the Axes."""
    fig, ax = new_axes(ax)
    share = matrix.to_numpy() / matrix.to_numpy().sum(1, keepdims=True)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    k = len(matrix)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{share[i, j]:.2f}".lstrip("0") if share[i, j] < 1 else "1", ha="center",
                    va="center", fontsize=7, color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(k), matrix.index)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    ax.grid(False)
    fig.set_size_inches(6, 5.5)
    return ax


def plot_per_class(accuracies: dict[str, pd.Series], ax=None, title: str = ""):
    """Bar chart of per-class accuracy for each model; return the Axes."""
    fig, ax = new_axes(ax)
    names = list(accuracies)
    classes = list(next(iter(accuracies.values())).index)
    width = 0.8 / len(names)
    for i, (color, name) in enumerate(zip(PALETTE, names)):
        ax.bar(np.arange(len(classes)) + (i - (len(names) - 1) / 2) * width, accuracies[name].to_numpy(),
               width, color=color, label=name)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set(ylabel="test accuracy", ylim=(0, 1.12), yticks=np.linspace(0, 1, 6), title=title)
    ax.legend(fontsize="small", loc="upper left", ncol=len(names))
    return ax


def plot_mistakes(ds: CifarDataset, mistakes: pd.DataFrame, ncols: int = 8):
    """Show the images of ``confident_mistakes`` with "true -> predicted (confidence)"; return the Figure."""
    import matplotlib.pyplot as plt

    n = len(mistakes)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 1.25, nrows * 1.9), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, row in zip(axes.flat, mistakes.itertuples()):
        ax.imshow(ds.images[row.index], interpolation="nearest")
        ax.set_title(f"{ds.classes[row.true]}\n→ {ds.classes[row.predicted]} ({row.confidence:.2f})", fontsize=7)
    fig.suptitle(f"{ds.label}: the most confident mistakes (true → predicted, confidence)", fontsize=9)
    fig.tight_layout()
    return fig
