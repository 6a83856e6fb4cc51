"""CIFAR-10 for the CNN chapter: loading (decoded once, cached), augmentation, input.

``load_cifar10`` returns the train and test sets as ``CifarDataset`` objects backed by
uint8 arrays, decoded from the original python archive or the offline JPEG copy and
cached by ``mlxday2.cache`` under the archive's SHA-256, this module's source and the
decoders' library versions. ``random_crop_flip`` is the training augmentation (on uint8
batches) and ``to_model_input`` the normalisation every model sees.
"""

from __future__ import annotations

import io
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm  # plain text bars (tqdm.auto warns without ipywidgets)

from mlxday2 import cache, checks, datasets

CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
SOURCES = {
    "cifar10-python": "CIFAR-10 (original)",
    "cifar10-jpeg": "CIFAR-10 (JPEG copy)",
}

# Per-channel mean and standard deviation of the CIFAR-10 training images (0..1 scale).
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


class CifarDataset:
    """CIFAR-10 images, uint8 ``(N, 32, 32, 3)``, and their labels.

    ``images`` and ``labels`` are the raw arrays (treat them as read-only), ``classes``
    the class names, ``source`` the registry name of the copy they came from and
    ``source_name`` how figures name that copy.
    """

    def __init__(self, images: np.ndarray, labels, classes=CLASSES, source: str = ""):
        if (
            not isinstance(images, np.ndarray)
            or images.dtype != np.uint8
            or images.ndim != 4
            or images.shape[1:] != (32, 32, 3)
        ):
            what = (
                f"{images.dtype} {images.shape}"
                if isinstance(images, np.ndarray)
                else type(images).__name__
            )
            raise ValueError(
                f"images must be a uint8 array of shape (N, 32, 32, 3), got {what}"
            )
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(
                f"labels must be 1-D with one label per image ({len(images)}), "
                f"got shape {labels.shape}"
            )
        classes = [str(c) for c in classes]
        if len(labels) and (
            not np.issubdtype(labels.dtype, np.integer)
            or labels.min() < 0
            or labels.max() >= len(classes)
        ):
            raise ValueError(
                f"labels must be integers in 0..{len(classes) - 1} (indices into "
                f"classes), got {labels.dtype} values {np.unique(labels)[:5]}..."
            )
        self.images = images
        self.labels = labels.astype(np.int64)
        self.classes = classes
        self.source = source
        self.source_name = SOURCES.get(source, source)

    def __len__(self) -> int:
        return len(self.labels)

    def digest(self) -> str:
        """Return a digest of the images, labels and class names."""
        return cache.make_key(
            cache.array_digest(self.images, self.labels), self.classes
        )


def subset(ds: CifarDataset, n: int, seed: int) -> CifarDataset:
    """Return a random ``n``-image subset of ``ds`` (no repeats, in index order)."""
    if (
        isinstance(n, bool)
        or not isinstance(n, (int, np.integer))
        or not 1 <= n <= len(ds)
    ):
        raise ValueError(
            f"n must be an integer in 1..{len(ds)} (the dataset size), got {n!r}"
        )
    idx = np.sort(np.random.default_rng(seed).choice(len(ds), size=n, replace=False))
    return CifarDataset(ds.images[idx], ds.labels[idx], ds.classes, ds.source)


def validation_split(
    ds: CifarDataset, n_val: int, seed: int
) -> tuple[CifarDataset, CifarDataset]:
    """Return ``(fit, validation)``: ``ds`` split at random, ``n_val`` images held out.

    The two parts are disjoint and together are ``ds``. Choices (a learning rate, a
    recipe) are made on the validation part, so the test set is never used to choose.
    """
    n_val = checks.check_int("n_val", n_val, 1, len(ds) - 1)
    checks.check_seed("seed", seed)
    held = np.zeros(len(ds), dtype=bool)
    held[np.random.default_rng(seed).choice(len(ds), size=n_val, replace=False)] = True
    parts = (np.flatnonzero(~held), np.flatnonzero(held))
    return tuple(
        CifarDataset(ds.images[i], ds.labels[i], ds.classes, ds.source) for i in parts
    )


def class_counts(ds: CifarDataset) -> pd.Series:
    """Return the number of images per class, indexed by class name."""
    counts = np.bincount(ds.labels, minlength=len(ds.classes))
    return pd.Series(counts, index=ds.classes, name="images")


CROP_PAD = 2  # the most pixels an augmented training image is shifted by


def _reflect(i: torch.Tensor, n: int) -> torch.Tensor:
    """Map indices ``-n < i < 2n - 1`` into ``0..n-1``, mirrored at the edges.

    The rule of ``F.pad(mode="reflect")``: index -1 reads pixel 1, index n pixel n-2.
    """
    i = i.abs()
    return torch.where(i >= n, 2 * (n - 1) - i, i)


def random_crop_flip(
    images: torch.Tensor, generator: torch.Generator, flip: torch.Tensor | None = None
) -> torch.Tensor:
    """Return uint8 images ``(B, 3, H, W)``, shifted up to ``CROP_PAD`` pixels, flipped.

    Each image is shifted by a random offset in each direction, its border filled with
    the image's own reflection (as ``tta_views`` does at test time), so no black band
    appears, and mirrored left-right with probability 1/2 (or where ``flip``, a bool per
    image, is True). Shift and mirror are a single gather of pixel indices, on uint8:
    cheap next to the network's work.
    """
    b, c, h, w = images.shape
    dy, dx = torch.randint(-CROP_PAD, CROP_PAD + 1, (2, b), generator=generator)
    if flip is None:
        flip = torch.rand(b, generator=generator) < 0.5
    elif flip.shape != (b,) or flip.dtype != torch.bool:
        raise ValueError(f"flip must be a bool tensor of shape ({b},), got {flip!r}")
    rows = _reflect(dy[:, None] + torch.arange(h), h)
    cols = _reflect(dx[:, None] + torch.arange(w), w)
    cols = torch.where(flip[:, None], cols.flip(1), cols)  # a mirror: read backwards
    return images[
        torch.arange(b)[:, None, None, None],
        torch.arange(c)[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


def augmented_copies(ds: CifarDataset, indices, copies: int, seed: int) -> np.ndarray:
    """Return uint8 (len(indices), 1 + copies, 32, 32, 3): images, augmented copies."""
    if (
        isinstance(copies, bool)
        or not isinstance(copies, (int, np.integer))
        or copies < 1
    ):
        raise ValueError(f"copies must be an integer >= 1, got {copies!r}")
    g = torch.Generator().manual_seed(seed)
    images = torch.from_numpy(ds.images[np.asarray(indices)]).permute(0, 3, 1, 2)
    out = [images] + [random_crop_flip(images, g) for _ in range(copies)]
    return torch.stack(out, 1).permute(0, 1, 3, 4, 2).numpy()


def to_model_input(images: torch.Tensor, device="cpu") -> torch.Tensor:
    """Return uint8 images ``(B, 3, 32, 32)`` as floats normalised by MEAN and STD."""
    x = images.to(device).float().div_(255.0)
    mean = torch.tensor(MEAN, device=x.device)[None, :, None, None]
    std = torch.tensor(STD, device=x.device)[None, :, None, None]
    return (x - mean) / std


def as_tensors(ds: CifarDataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images uint8 (N, 3, 32, 32), labels int64 (N,))`` as torch tensors."""
    images = torch.from_numpy(ds.images).permute(0, 3, 1, 2).contiguous()
    return images, torch.from_numpy(ds.labels)


# ------------------------------------------------------------------------------
# Reading the archives
# ------------------------------------------------------------------------------


def _decode_jpeg_archive(path: Path) -> dict[str, np.ndarray]:
    """Decode ``cifar10-jpeg/{train,test}/<class>/NNNN.jpg`` from a tar.gz to arrays."""
    from PIL import Image

    found: dict[str, list[tuple[str, str, np.ndarray]]] = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as tar:
        for member in tqdm(
            tar, desc="decode JPEG copy", unit=" files", mininterval=1.0
        ):
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) < 4 or parts[-3] not in found:
                continue
            with Image.open(io.BytesIO(tar.extractfile(member).read())) as img:
                # convert and resize only where needed: each copies the image, and
                # skipping them took a third off decoding the archive (measured)
                if img.mode != "RGB":
                    img = img.convert("RGB")
                if img.size != (32, 32):
                    img = img.resize((32, 32))
                pixels = np.asarray(img, dtype=np.uint8)
            found[parts[-3]].append((parts[-2], parts[-1], pixels))
    classes = sorted({c for split in found.values() for c, _, _ in split})
    if not found["train"] or not found["test"]:
        raise ValueError(
            f"{path} holds no cifar10-jpeg/{{train,test}}/<class>/*.jpg images"
        )
    arrays = {"classes": np.array(classes)}
    for split, items in found.items():
        items.sort(
            key=lambda t: (t[0], t[1])
        )  # a fixed order, whatever the archive's order
        arrays[f"{split}_x"] = np.stack([p for _, _, p in items])
        arrays[f"{split}_y"] = np.array(
            [classes.index(c) for c, _, _ in items], dtype=np.int64
        )
    return arrays


def _decode_python_archive(path: Path, workdir: Path) -> dict[str, np.ndarray]:
    """Read the original archive with torchvision's CIFAR10 (extracted in workdir)."""
    from torchvision.datasets import CIFAR10

    with tarfile.open(path, "r:gz") as tar:
        if sys.version_info >= (3, 12):
            tar.extractall(workdir, filter="data")
        else:
            tar.extractall(workdir)
    arrays = {}
    for split in ("train", "test"):
        ds = CIFAR10(str(workdir), train=split == "train", download=False)
        arrays[f"{split}_x"] = np.asarray(ds.data, dtype=np.uint8)
        arrays[f"{split}_y"] = np.asarray(ds.targets, dtype=np.int64)
        arrays["classes"] = np.array(ds.classes)
    return arrays


def _find_archive(root) -> tuple[str, Path]:
    """Return (registry name, verified path) of the CIFAR-10 copy found or fetched."""
    for name in ("cifar10-python", "cifar10-jpeg"):
        path = datasets.local_copy(name, root)
        if path is not None:
            return name, path
    try:
        return "cifar10-python", datasets.fetch("cifar10-python")
    except datasets.DataNotFoundError as err:
        jpeg = datasets.REGISTRY["cifar10-jpeg"]
        where = Path(root) if root is not None else datasets.data_dir()
        raise datasets.DataNotFoundError(
            f"{err} Alternatively put the offline JPEG copy {jpeg.filename} into "
            f"{where} "
            f"(source: {jpeg.source})."
        ) from err


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def load_cifar10(root: str | Path | None = None) -> tuple[CifarDataset, CifarDataset]:
    """Return ``(train, test)``: CIFAR-10, 50,000 and 10,000 ``(3x32x32 float, label)``.

    Looks for the original python archive, then the JPEG copy, in ``root`` (default:
    the data directory, ``mlxday2.datasets.data_dir()``), then downloads the original;
    if all fail, raises ``mlxday2.datasets.DataNotFoundError`` saying where to put the
    files. The decoded arrays are cached (``mlxday2.cache``): later calls take seconds.
    ``train.source`` names the copy used; ``train.source_name`` is the name figures
    carry.
    """
    source, path = _find_archive(root)
    cache_dir = cache.writable_dir()  # before the decode, not after it
    key = cache.make_key(
        source,
        datasets.REGISTRY[source].sha256,
        cache.source_digest(sys.modules[__name__]),
        cache.library_versions("numpy", "pillow", "torchvision"),
    )

    def decode():
        if source == "cifar10-jpeg":
            return _decode_jpeg_archive(path)
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".cifar10-") as tmp:
            return _decode_python_archive(path, Path(tmp))

    arrays = cache.cached(
        cache_dir / f"cifar10-{key}.npz",
        decode,
        read=_read_npz,
        write=lambda arrays, f: np.savez(f, **arrays),
    )
    classes = [str(c) for c in arrays["classes"]]
    train = CifarDataset(arrays["train_x"], arrays["train_y"], classes, source)
    test = CifarDataset(arrays["test_x"], arrays["test_y"], classes, source)
    return train, test
