"""Inside a CNN: one convolution by hand, first-layer filters, feature maps, the errors.

Every function here computes and returns plain data (arrays, DataFrames); ``plots``
draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from mlxday2 import checks
from mlxday2.cnn import cifar, models

# A 3x3 Sobel filter: responds to left-to-right changes of brightness (vertical edges).
EDGE_FILTER = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def brightness(image: np.ndarray) -> np.ndarray:
    """Return the brightness in [0, 1], (H, W), of a uint8 RGB image (H, W, 3)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got {image.shape}")
    return image.astype(np.float64).mean(axis=2) / 255.0


def conv2d_by_hand(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Return ``kernel`` slid over ``image`` (no padding), ``(H - k + 1, W - k + 1)``.

    Each output pixel is the sum of the kernel times the patch under it. This is what
    ``torch.nn.functional.conv2d`` computes (a cross-correlation: the kernel is not
    flipped).
    """
    image, kernel = (
        np.asarray(image, dtype=np.float64),
        np.asarray(kernel, dtype=np.float64),
    )
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}"
        )
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def first_layer_filters(model: nn.Module) -> np.ndarray:
    """Return the first convolution's weights as ``(filters, k, k, 3)`` (RGB last)."""
    return models.first_conv(model).weight.detach().float().permute(0, 2, 3, 1).numpy()


@torch.no_grad()
def feature_maps(model: models.SmallCNN, image: np.ndarray) -> list[np.ndarray]:
    """Return what each stage of a ``SmallCNN`` computes from a uint8 image (32, 32, 3).

    One array per stage, ``(channels, size, size)``: the whitening layer's 24 channels
    at 31x31, then each block's output at 15x15, 7x7 and 3x3 (after its activation).
    """
    checks.check_instance("model", model, models.SmallCNN)
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.shape != (32, 32, 3):
        raise ValueError(
            f"image must be uint8 (32, 32, 3), got {image.dtype} {image.shape}"
        )
    model.eval()
    x = cifar.to_model_input(torch.from_numpy(image).permute(2, 0, 1)[None])
    maps = []
    for stage in model.stages:
        x = stage(x)
        maps.append(x[0].numpy().copy())
    return maps


# ------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------


def _check(
    labels, probs, n_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    labels, probs = np.asarray(labels), np.asarray(probs)
    if probs.ndim != 2 or (n_classes is not None and probs.shape[1] != n_classes):
        want = f"(N, {n_classes})" if n_classes is not None else "(N, classes)"
        raise ValueError(f"probs must have shape {want}, got {probs.shape}")
    if labels.ndim != 1 or len(labels) != len(probs):
        raise ValueError(
            f"labels must be 1-D with one label per row of probs ({len(probs)}), "
            f"got shape {labels.shape}"
        )
    if len(labels) and (
        not np.issubdtype(labels.dtype, np.integer)
        or labels.min() < 0
        or labels.max() >= probs.shape[1]
    ):
        raise ValueError(
            f"labels must be integers in 0..{probs.shape[1] - 1}, got "
            f"{labels.dtype} values from {labels.min()} to {labels.max()}"
        )
    if not np.isfinite(probs).all():
        raise ValueError(
            "probs must be finite; a diverged run has NaN probabilities "
            "(check result.diverged)"
        )
    return labels, probs


def confusion(labels: np.ndarray, probs: np.ndarray, classes) -> pd.DataFrame:
    """Return the confusion matrix (counts): rows true classes, columns predicted."""
    classes = list(classes)
    labels, probs = _check(labels, probs, len(classes))
    k = len(classes)
    m = np.bincount(labels * k + probs.argmax(1), minlength=k * k).reshape(k, k)
    return pd.DataFrame(
        m,
        index=pd.Index(classes, name="true"),
        columns=pd.Index(classes, name="predicted"),
    )


def most_confused_pair(matrix: pd.DataFrame) -> tuple[str, str, int]:
    """Return ``(true class, predicted class, count)`` of the largest off-diagonal."""
    off = matrix.where(~np.eye(len(matrix), dtype=bool)).stack()
    true, predicted = off.idxmax()
    return str(true), str(predicted), int(off.max())


def per_class_accuracy(labels: np.ndarray, probs: np.ndarray, classes) -> pd.Series:
    """Return the accuracy of each class (in [0, 1]), indexed by class name."""
    m = confusion(labels, probs, classes).to_numpy()
    with np.errstate(invalid="ignore"):  # a class absent from labels has accuracy NaN
        return pd.Series(np.diag(m) / m.sum(1), index=list(classes), name="accuracy")


def confident_mistakes(
    labels: np.ndarray, probs: np.ndarray, k: int = 16
) -> pd.DataFrame:
    """Return the ``k`` most confident wrong predictions: index, true, predicted, p."""
    k = checks.check_int("k", k, 1, fix="how many mistakes to return")
    labels, probs = _check(labels, probs)
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != labels)
    order = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:k]
    return pd.DataFrame(
        {
            "index": order,
            "true": labels[order],
            "predicted": pred[order],
            "confidence": probs[order, pred[order]],
        }
    )
