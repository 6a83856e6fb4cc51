"""Figures of the CNN chapter.

Each takes computed data (never trains) and an optional ``ax``
(one panel) or ``axes`` (several), draws, and returns what it drew. Without
``ax``/``axes`` a function makes its own figure at a size that suits it; it never
resizes a caller's figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from mlxday2.cnn.cifar import CROP_PAD, CifarDataset
from mlxday2.plotting import PALETTE, new_axes

MARKERS = ("o", "s", "^", "D", "v", "P")  # series told apart by more than colour
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
LINESTYLES = ("-", "--", ":", "-.")


def _grid(images: np.ndarray, nrow: int, pad: int = 2) -> np.ndarray:
    """Return images ``(N, H, W, 3)`` (uint8, or float in [0, 1]) tiled nrow per row."""
    from torchvision.utils import make_grid

    t = torch.as_tensor(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    white = 255 if t.dtype == torch.uint8 else 1.0
    return (
        make_grid(t, nrow=nrow, padding=pad, pad_value=white).permute(1, 2, 0).numpy()
    )


def _axes_grid(nrows: int, ncols: int, width: float, height: float) -> np.ndarray:
    """Return a new (nrows, ncols) array of Axes, each panel width x height inches."""
    size = (ncols * width, nrows * height)
    return plt.subplots(
        nrows, ncols, figsize=size, squeeze=False, layout="constrained"
    )[1]


def _image_axes(ax):
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


def plot_samples(ds: CifarDataset, per_class: int = 8, seed: int = 0, ax=None):
    """Show ``per_class`` random images of each class, a row each; return the Axes."""
    counts = np.bincount(ds.labels, minlength=len(ds.classes))
    if (
        isinstance(per_class, bool)
        or not isinstance(per_class, (int, np.integer))
        or not 1 <= per_class <= counts.min()
    ):
        raise ValueError(
            f"per_class must be an integer in 1..{counts.min()} (the smallest "
            f"class size), got {per_class!r}"
        )
    rng = np.random.default_rng(seed)
    idx = np.concatenate(
        [
            rng.choice(np.flatnonzero(ds.labels == c), per_class, replace=False)
            for c in range(len(ds.classes))
        ]
    )
    _, ax = new_axes(ax, figsize=(per_class * 0.55 + 1.2, len(ds.classes) * 0.55))
    ax.imshow(_grid(ds.images[idx], per_class))
    _image_axes(ax)
    ax.set_yticks([34 * c + 17 for c in range(len(ds.classes))], ds.classes)
    ax.set_title(f"{ds.source_name}: {per_class} training images per class")
    return ax


def plot_convolution(
    image: np.ndarray, brightness: np.ndarray, edges: np.ndarray, axes=None
):
    """Show an image, its brightness and a filter's response; return the three Axes."""
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(8, 2.9))[1]
    limit = np.abs(edges).max()
    panels = (
        (image, None, "the image"),
        (brightness, "gray", "brightness (input)"),
        (edges, "RdBu_r", "edge filter response"),
    )
    for ax, (data, cmap, title) in zip(axes, panels):
        kw = dict(vmin=-limit, vmax=limit) if cmap == "RdBu_r" else {}
        ax.imshow(data, cmap=cmap, interpolation="nearest", **kw)
        _image_axes(ax)
        ax.set_title(title)
    return axes


def plot_augmentations(copies: np.ndarray, ax=None):
    """Show images ``(n, 1 + copies, 32, 32, 3)``, a row each: original, augmented."""
    n, m = copies.shape[:2]
    _, ax = new_axes(ax, figsize=(m * 0.8 + 0.4, n * 0.8 + 0.4))
    ax.imshow(_grid(copies.reshape(n * m, 32, 32, 3), m))
    _image_axes(ax)
    ax.set_xticks([17], ["original"])
    ax.set_title(f"random shift (up to {CROP_PAD} px, edges mirrored) and flip")
    return ax


def plot_curves(histories: dict[str, pd.DataFrame], x: str = "epoch", axes=None):
    """Plot each run's train/test loss and accuracy against ``x`` ("epoch", "seconds").

    Returns the two Axes (loss, accuracy).
    """
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")[1]
    ax_loss, ax_acc = axes
    for color, marker, (name, h) in zip(PALETTE, MARKERS, histories.items()):
        for split, style in (("train", "--"), ("test", "-")):
            for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
                ax.plot(
                    h[x],
                    h[f"{split}_{metric}"],
                    style,
                    color=color,
                    marker=marker,
                    ms=3,
                    label=f"{name}, {split}",
                )
    xlabel = "epoch" if x == "epoch" else "training time (s)"
    ax_loss.set(xlabel=xlabel, ylabel="cross-entropy", title="loss")
    ax_acc.set(xlabel=xlabel, ylabel="accuracy", title="accuracy")
    ax_acc.legend(fontsize="small")
    return axes


def plot_confusion(matrix: pd.DataFrame, ax=None, title: str = ""):
    """Show a confusion matrix (rows true, columns predicted) as row shares."""
    _, ax = new_axes(ax, figsize=(6, 5.5))
    share = matrix.to_numpy() / matrix.to_numpy().sum(1, keepdims=True)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    k = len(matrix)
    for i in range(k):
        for j in range(k):
            text = f"{share[i, j]:.2f}".lstrip("0") if share[i, j] < 1 else "1"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if share[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(k), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(k), matrix.index)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    ax.grid(False)
    return ax


def plot_per_class(accuracies: dict[str, pd.Series], ax=None, title: str = ""):
    """Bar chart of per-class accuracy for each model; return the Axes."""
    _, ax = new_axes(ax)
    names = list(accuracies)
    classes = list(next(iter(accuracies.values())).index)
    width = 0.8 / len(names)
    for i, (color, hatch, name) in enumerate(zip(PALETTE, HATCHES, names)):
        offset = (i - (len(names) - 1) / 2) * width
        ax.bar(
            np.arange(len(classes)) + offset,
            accuracies[name].to_numpy(),
            width,
            color=color,
            hatch=hatch,
            edgecolor="white",
            label=name,
        )
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set(
        ylabel="test accuracy", ylim=(0, 1.12), yticks=np.linspace(0, 1, 6), title=title
    )
    ax.legend(fontsize="small", loc="upper left", ncol=len(names))
    return ax


def plot_mistakes(ds: CifarDataset, mistakes: pd.DataFrame, axes=None, ncols: int = 8):
    """Show the images of ``confident_mistakes``, titled "true → predicted (p)".

    Returns the grid of Axes (extra panels are blanked).
    """
    if axes is None:
        nrows = max(1, -(-len(mistakes) // ncols))
        axes = _axes_grid(nrows, ncols, 1.25, 1.9)
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, row in zip(np.ravel(axes), mistakes.itertuples()):
        ax.imshow(ds.images[row.index], interpolation="nearest")
        ax.set_title(
            f"{ds.classes[row.true]}\n→ {ds.classes[row.predicted]} "
            f"({row.confidence:.2f})",
            fontsize=7,
        )
    return axes


def plot_filters(filters: np.ndarray, ax=None, ncols: int = 8):
    """Show filters (n, k, k, 3) as small RGB images, each scaled; return the Axes."""
    lo = filters.min(axis=(1, 2, 3), keepdims=True)
    hi = filters.max(axis=(1, 2, 3), keepdims=True)
    scaled = (filters - lo) / np.maximum(hi - lo, 1e-12)
    n = len(filters)
    _, ax = new_axes(ax, figsize=(ncols * 0.7, -(-n // ncols) * 0.7 + 0.4))
    ax.imshow(_grid(scaled.astype(np.float32), ncols, pad=1), interpolation="nearest")
    _image_axes(ax)
    return ax


def plot_feature_maps(
    image: np.ndarray, maps: list[np.ndarray], per_stage: int = 6, axes=None
):
    """Show an image and ``per_stage`` channels of each stage's feature maps.

    Returns the grid of Axes, shape ``(len(maps), 1 + per_stage)``; the image sits in
    the first column of the first row.
    """
    rows, cols = len(maps), 1 + per_stage
    if axes is None:
        axes = _axes_grid(rows, cols, 1.1, 1.15)
    for ax in np.ravel(axes):
        _image_axes(ax)
    axes[0, 0].imshow(image, interpolation="nearest")
    axes[0, 0].set_title("input", fontsize=8)
    for r, fmap in enumerate(maps):
        axes[r, 1].set_ylabel(
            f"{fmap.shape[1]}x{fmap.shape[2]}\n{fmap.shape[0]} ch", fontsize=8
        )
        strongest = np.argsort(-fmap.mean(axis=(1, 2)), kind="stable")[:per_stage]
        for c, channel in enumerate(strongest):
            axes[r, 1 + c].imshow(
                fmap[channel], cmap="viridis", interpolation="nearest"
            )
        if r:
            axes[r, 0].set_visible(False)
    return axes


def plot_step_losses(losses: dict[str, np.ndarray], ax=None, window: int = 10):
    """Plot each run's training loss per step (running mean of ``window``, log scale).

    The y-axis spans the runs that stayed finite, up to three times the highest mean
    of their first 10 steps; a run that stopped at a non-finite loss leaves the top of
    the plot, with an x at its last finite step. Returns the Axes.
    """
    _, ax = new_axes(ax)
    arrays = {name: np.asarray(loss, dtype=float) for name, loss in losses.items()}
    kept = [a for a in arrays.values() if np.isfinite(a).all() and len(a)]
    head = max(window, 10)  # the first steps, where a blow-up starts
    top = 3 * max((a[:head].mean() for a in kept), default=np.nan)
    styles = zip(PALETTE, LINESTYLES * len(arrays), arrays.items())
    for color, style, (name, loss) in styles:
        finite = loss[np.isfinite(loss)]
        smooth = pd.Series(finite).rolling(window, min_periods=1).mean().to_numpy()
        ax.plot(np.arange(len(finite)), smooth, style, color=color, label=name)
        if len(finite) < len(loss):
            y = smooth[-1] if len(smooth) else 1.0
            y = min(y, top) if np.isfinite(top) else y
            ax.plot(len(finite), y, "x", color=color, ms=10, mew=2, clip_on=False)
    ax.set(xlabel="step", ylabel="training loss", yscale="log")
    if np.isfinite(top):
        ax.set_ylim(0.8 * min(a.min() for a in kept), top)
    ax.legend(fontsize="small")
    return ax
