"""Tests of mlxday2.cnn.cifar: loaders, the decoded-data cache, datasets, augmenting."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from mlxday2 import cache, cnn, datasets
from mlxday2.cnn import cifar

CLASSES = ("cat", "dog", "ship")


def _tiny_jpeg_archive(path, n_per_class=4, seed=0):
    """Write cifar10-jpeg/{train,test}/<class>/NNNN.jpg, flat-coloured 32x32 images."""
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz") as tar:
        for split in ("train", "test"):
            for c, name in enumerate(CLASSES):
                for i in range(n_per_class):
                    pixels = np.full((32, 32, 3), 40 + 80 * c, dtype=np.uint8)
                    pixels[:, :, 2] = rng.integers(0, 256)
                    buf = io.BytesIO()
                    Image.fromarray(pixels).save(buf, format="JPEG", quality=95)
                    info = tarfile.TarInfo(f"cifar10-jpeg/{split}/{name}/{i:04d}.jpg")
                    info.size = len(buf.getvalue())
                    tar.addfile(info, io.BytesIO(buf.getvalue()))


@pytest.fixture
def tiny_data(tmp_path, monkeypatch):
    """A data dir holding only a tiny JPEG archive, registered under its own SHA-256."""
    data, cache_dir = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    archive = data / "cifar10-jpeg.tar.gz"
    _tiny_jpeg_archive(archive)
    entry = dataclasses.replace(
        datasets.REGISTRY["cifar10-jpeg"], sha256=datasets.sha256sum(archive)
    )
    monkeypatch.setitem(datasets.REGISTRY, "cifar10-jpeg", entry)
    monkeypatch.setenv("MLXDAY2_DATA", str(data))
    monkeypatch.setenv("MLXDAY2_CACHE", str(cache_dir))
    return data, cache_dir


def test_jpeg_copy_is_read_decoded_once_and_cached(tiny_data, monkeypatch):
    _, cache_dir = tiny_data
    train, test = cnn.load_cifar10()
    assert (
        train.source == "cifar10-jpeg" and train.source_name == "CIFAR-10 (JPEG copy)"
    )
    assert train.classes == list(CLASSES) and len(train) == len(test) == 12
    x, y = train.images[5], train.labels[5]
    assert x.shape == (32, 32, 3) and x.dtype == np.uint8
    assert train.classes[y] == "dog"
    # JPEG is lossy; a flat colour survives
    assert abs(float(x[..., 0].mean()) - 120) < 5
    assert len(list(cache_dir.glob("cifar10-*.npz"))) == 1
    assert len(list(cache_dir.glob("cifar10-*.npz.sha256"))) == 1
    monkeypatch.setattr(
        cifar, "_decode_jpeg_archive", lambda path: pytest.fail("decoded")
    )
    again, _ = cnn.load_cifar10()
    np.testing.assert_array_equal(again.images, train.images)


def test_the_decoded_cache_key_covers_the_module_source(tiny_data, monkeypatch):
    _, cache_dir = tiny_data
    cnn.load_cifar10()
    real = cache.source_digest
    monkeypatch.setattr(cache, "source_digest", lambda *m: real(*m) + "edited")
    cnn.load_cifar10()
    assert len(list(cache_dir.glob("cifar10-*.npz"))) == 2


def test_a_corrupt_decoded_cache_warns_and_is_rebuilt(tiny_data):
    _, cache_dir = tiny_data
    train, _ = cnn.load_cifar10()
    (cached,) = cache_dir.glob("cifar10-*.npz")
    cached.write_bytes(cached.read_bytes()[:200])
    with pytest.warns(UserWarning, match=str(cached)):
        again, _ = cnn.load_cifar10()
    np.testing.assert_array_equal(again.images, train.images)
    assert cache.load(cached, np.load) is not None  # rebuilt and verified


def test_two_concurrent_cold_loads_both_succeed(tiny_data):
    results, errors = [], []

    def load():
        try:
            results.append(cnn.load_cifar10()[0])
        except Exception as err:  # pragma: no cover - the failure we test against
            errors.append(err)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2
    np.testing.assert_array_equal(results[0].images, results[1].images)


def test_an_unwritable_cache_is_reported_before_decoding(
    tiny_data, monkeypatch, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MLXDAY2_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(
        cifar, "_decode_jpeg_archive", lambda path: pytest.fail("decoded")
    )
    with pytest.raises(datasets.DirectoryError, match="MLXDAY2_CACHE"):
        cnn.load_cifar10()


def test_missing_data_raises_the_helpful_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path))
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(datasets, "_download", offline)
    with pytest.raises(datasets.DataNotFoundError, match="cifar10-jpeg.tar.gz") as err:
        cnn.load_cifar10()
    assert "cifar-10-python.tar.gz" in str(err.value) and str(tmp_path) in str(
        err.value
    )


def test_root_argument_reads_from_that_directory(tiny_data, monkeypatch, tmp_path):
    data, _ = tiny_data
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path / "empty"))
    train, _ = cnn.load_cifar10(root=data)
    assert train.source == "cifar10-jpeg" and len(train) == 12


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3)).astype(np.uint8)


@pytest.mark.parametrize(
    "images, labels, match",
    [
        (
            _images(5),
            np.zeros(10, int),
            "labels must be 1-D with one label per image \\(5\\)",
        ),
        (_images(5), np.zeros((5, 1), int), "labels must be 1-D"),
        (_images(2), [0, 10], "labels must be integers in 0..9"),
        (_images(2), [0.0, 1.0], "labels must be integers"),
        (
            _images(2).astype(np.float32),
            [0, 1],
            "images must be a uint8 array of shape",
        ),
        ([[0]], [0], "images must be a uint8 array"),
    ],
)
def test_a_bad_dataset_raises_a_clear_value_error(images, labels, match):
    with pytest.raises(ValueError, match=match):
        cnn.CifarDataset(images, labels)


def test_subsets_are_seeded_and_checked_and_differ_in_digest():
    ds = cnn.CifarDataset(_images(50), np.arange(50) % 10)
    a, b = cnn.subset(ds, 20, seed=0), cnn.subset(ds, 20, seed=0)
    c = cnn.subset(ds, 20, seed=1)
    np.testing.assert_array_equal(a.images, b.images)
    assert (
        a.digest() == b.digest() and a.digest() != c.digest()
    )  # same length, other data
    for n in (0, 51, 2.5, True):
        with pytest.raises(ValueError, match="n must be an integer in 1..50"):
            cnn.subset(ds, n, seed=0)
    assert cnn.class_counts(ds).sum() == 50


def test_augmentation_keeps_shapes_and_is_seeded():
    images = (
        torch.arange(2 * 3 * 32 * 32)
        .remainder(256)
        .to(torch.uint8)
        .reshape(2, 3, 32, 32)
    )
    a = cnn.random_crop_flip(images, torch.Generator().manual_seed(0))
    b = cnn.random_crop_flip(images, torch.Generator().manual_seed(0))
    assert a.shape == images.shape and a.dtype == torch.uint8 and torch.equal(a, b)
    assert not torch.equal(a, cnn.random_crop_flip(images, torch.Generator()))


def _shifted_views(image, pad):
    """Yield (view, flipped): each crop of the reflect-padded image, and its mirror."""
    padded = F.pad(image[None].float(), (pad,) * 4, mode="reflect")[0].to(torch.uint8)
    h, w = image.shape[1:]
    for dy in range(2 * pad + 1):
        for dx in range(2 * pad + 1):
            view = padded[:, dy : dy + h, dx : dx + w]
            yield view, False
            yield view.flip(2), True


def test_augmentation_is_a_reflected_shift_and_a_mirror():
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (16, 3, 32, 32), generator=g, dtype=torch.uint8)
    out = cnn.random_crop_flip(images, g)
    flipped = []
    for i in range(len(images)):
        flips = [
            f
            for v, f in _shifted_views(images[i], cnn.CROP_PAD)
            if torch.equal(out[i], v)
        ]
        assert flips, f"image {i} is not a reflected shift of at most CROP_PAD"
        flipped += flips
    assert True in flipped and False in flipped  # some mirrored, some not


def test_model_input_is_the_image_normalised():
    images = torch.arange(2 * 3 * 32 * 32).remainder(256).to(torch.uint8)
    images = images.reshape(2, 3, 32, 32)
    plain = cnn.to_model_input(images)
    mean, std = (
        torch.tensor(cnn.MEAN)[:, None, None],
        torch.tensor(cnn.STD)[:, None, None],
    )
    assert torch.allclose((plain * std + mean) * 255, images.float(), atol=1e-3)


def test_augmented_copies_start_with_the_original():
    ds = cnn.CifarDataset(_images(6), np.arange(6))
    copies = cnn.augmented_copies(ds, [1, 4], copies=3, seed=0)
    assert copies.shape == (2, 4, 32, 32, 3) and copies.dtype == np.uint8
    np.testing.assert_array_equal(copies[:, 0], ds.images[[1, 4]])
    with pytest.raises(ValueError, match="copies must be an integer >= 1"):
        cnn.augmented_copies(ds, [1], copies=0, seed=0)


def test_a_given_flip_mirrors_exactly_those_images():
    g = torch.Generator().manual_seed(2)
    images = torch.randint(0, 256, (6, 3, 32, 32), generator=g, dtype=torch.uint8)
    flip = torch.tensor([True, False, True, False, False, True])
    out = cnn.random_crop_flip(images, torch.Generator().manual_seed(0), flip)
    plain = cnn.random_crop_flip(
        images, torch.Generator().manual_seed(0), torch.zeros(6, dtype=torch.bool)
    )
    for i in range(6):  # the same shift, mirrored where asked
        assert torch.equal(out[i], plain[i].flip(2) if flip[i] else plain[i])
        assert not torch.equal(out[i], plain[i]) or not flip[i]


@pytest.mark.parametrize("flip", [torch.ones(5, dtype=torch.bool), torch.ones(6)])
def test_a_bad_flip_raises_a_clear_error(flip):
    images = torch.zeros(6, 3, 32, 32, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"flip must be a bool tensor of shape \(6,\)"):
        cnn.random_crop_flip(images, torch.Generator(), flip)
