"""Tests of mlxday2.cnn on a few hundred images: loader paths, shapes, determinism, learning, cache."""

from __future__ import annotations

import dataclasses
import io
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from mlxday2 import cnn
from mlxday2 import data as mdata

CLASSES = ("cat", "dog", "ship")


def _tiny_jpeg_archive(path, n_per_class=4, seed=0):
    """Write cifar10-jpeg/{train,test}/<class>/NNNN.jpg with flat-coloured 32x32 images."""
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
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    archive = data / "cifar10-jpeg.tar.gz"
    _tiny_jpeg_archive(archive)
    entry = mdata.REGISTRY["cifar10-jpeg"]
    monkeypatch.setitem(mdata.REGISTRY, "cifar10-jpeg", dataclasses.replace(entry, sha256=mdata.sha256sum(archive)))
    monkeypatch.setenv("MLXDAY2_DATA", str(data))
    monkeypatch.setenv("MLXDAY2_CACHE", str(cache))
    return data, cache


def test_jpeg_copy_is_read_decoded_once_and_cached(tiny_data):
    _, cache = tiny_data
    train, test = cnn.load_cifar10()
    assert train.source == "cifar10-jpeg" and train.label == "CIFAR-10 (JPEG copy)"
    assert train.classes == list(CLASSES) and len(train) == len(test) == 12
    x, y = train[5]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert isinstance(y, int) and train.classes[y] == "dog"
    # JPEG is lossy but a flat colour survives almost exactly
    assert abs(float(x[0].mean()) - 120 / 255) < 0.02
    cached = list(cache.glob("cifar10-*.npz"))
    assert len(cached) == 1
    again, _ = cnn.load_cifar10()
    np.testing.assert_array_equal(again.images, train.images)


def test_missing_data_raises_the_helpful_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path))
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(mdata, "_download", offline)
    with pytest.raises(mdata.DataNotFoundError, match="cifar10-jpeg.tar.gz") as err:
        cnn.load_cifar10()
    assert "cifar-10-python.tar.gz" in str(err.value) and str(tmp_path) in str(err.value)


def test_root_argument_reads_from_that_directory(tiny_data, monkeypatch, tmp_path):
    data, _ = tiny_data
    monkeypatch.setenv("MLXDAY2_DATA", str(tmp_path / "empty"))
    train, _ = cnn.load_cifar10(root=data)
    assert train.source == "cifar10-jpeg" and len(train) == 12


@pytest.fixture(scope="module")
def small_sets():
    """400 random-ish but learnable images: class = which quadrant is bright."""
    rng = np.random.default_rng(0)
    n = 400
    labels = rng.integers(0, 4, n)
    images = rng.integers(0, 80, (n, 32, 32, 3)).astype(np.uint8)
    for i, c in enumerate(labels):
        r, q = divmod(int(c), 2)
        images[i, 16 * r:16 * r + 16, 16 * q:16 * q + 16] += 150
    return cnn.CifarDataset(images[:300], labels[:300]), cnn.CifarDataset(images[300:], labels[300:])


@pytest.mark.parametrize("model", ["tutorial", "small"])
def test_models_map_images_to_ten_logits(model):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = cnn.MODELS[model]()
    assert net(torch.zeros(5, 3, 32, 32)).shape == (5, 10)


def test_two_seeded_runs_are_identical_and_another_seed_differs(small_sets, tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path))
    train_set, test_set = small_sets
    config = cnn.TrainConfig(epochs=1, batch_size=64, seed=3)
    a = cnn.train(config, train_set, test_set, device="cpu", use_cache=False)
    b = cnn.train(config, train_set, test_set, device="cpu", use_cache=False)
    np.testing.assert_array_equal(a.test_probs, b.test_probs)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)
    c = cnn.train(dataclasses.replace(config, seed=4), train_set, test_set, device="cpu", use_cache=False)
    assert not np.array_equal(a.test_probs, c.test_probs)


def test_training_lowers_the_loss_and_the_cache_returns_the_same_run(small_sets, tmp_path, monkeypatch):
    monkeypatch.setenv("MLXDAY2_CACHE", str(tmp_path))
    train_set, test_set = small_sets
    config = cnn.TrainConfig(epochs=4, batch_size=32, seed=0, augment=False, label_smoothing=0.0)
    fresh = cnn.train(config, train_set, test_set, device="cpu")
    h = fresh.history
    assert not fresh.cached and list(h["epoch"]) == [1, 2, 3, 4]
    assert h["train_loss"].iloc[-1] < 0.5 * h["train_loss"].iloc[0]
    assert h["test_acc"].iloc[-1] > 0.6  # chance is 0.25
    assert np.all(np.diff(h["seconds"]) > 0)
    again = cnn.train(config, train_set, test_set, device="cpu")
    assert again.cached
    np.testing.assert_array_equal(again.test_probs, fresh.test_probs)
    _, acc, probs = cnn.evaluate(again.model, test_set)
    assert acc == pytest.approx(fresh.test_accuracy) and np.allclose(probs, fresh.test_probs, atol=1e-5)


def test_cache_key_changes_with_the_config_but_not_without():
    base = cnn.TrainConfig()
    assert cnn.cache_key(base) == cnn.cache_key(cnn.TrainConfig())
    for change in (dict(epochs=6), dict(lr=0.3), dict(seed=1), dict(augment=False), dict(model="tutorial")):
        assert cnn.cache_key(dataclasses.replace(base, **change)) != cnn.cache_key(base)
    assert cnn.cache_key(base, n_train=10) != cnn.cache_key(base)


def test_augmentation_keeps_shapes_and_pixels_and_is_seeded():
    images = torch.arange(2 * 3 * 32 * 32, dtype=torch.int64).remainder(256).to(torch.uint8).reshape(2, 3, 32, 32)
    idx = torch.tensor([0, 1])
    a = cnn._batch(images, idx, True, torch.Generator().manual_seed(0), "cpu")
    b = cnn._batch(images, idx, True, torch.Generator().manual_seed(0), "cpu")
    plain = cnn._batch(images, idx, False, None, "cpu")
    assert a.shape == plain.shape == (2, 3, 32, 32) and torch.equal(a, b)
    # normalised per channel: a plain batch undoes to the original pixels
    mean, std = torch.tensor(cnn.MEAN)[:, None, None], torch.tensor(cnn.STD)[:, None, None]
    assert torch.allclose((plain * std + mean) * 255, images.float(), atol=1e-3)


def test_error_analysis_counts_add_up():
    labels = np.array([0, 0, 1, 1, 2])
    probs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0, 1, 0], [0.6, 0.4, 0], [0, 0, 1]])
    m = cnn.confusion(labels, probs, ["a", "b", "c"])
    assert m.to_numpy().sum() == 5 and m.loc["a", "b"] == 1 and m.loc["b", "a"] == 1
    np.testing.assert_allclose(cnn.per_class_accuracy(labels, probs, ["a", "b", "c"]), [0.5, 0.5, 1.0])
    mistakes = cnn.confident_mistakes(labels, probs, k=5)
    assert list(mistakes["index"]) == [1, 3] and mistakes["confidence"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(batch_size=0), "batch_size must be >= 1, got 0"), (dict(epochs=0), "epochs must be >= 1, got 0"),
     (dict(lr=-1.0), "lr must be > 0"), (dict(model="vgg"), "model must be one of")],
)
def test_bad_config_raises_a_clear_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cnn.TrainConfig(**kwargs)


def test_unknown_device_raises_a_clear_value_error(small_sets):
    with pytest.raises(ValueError, match="device must be 'auto', 'cpu', 'cuda' or 'mps', got 'tpu'"):
        cnn.train(cnn.TrainConfig(epochs=1), *small_sets, device="tpu")
    assert cnn.resolve_device("auto").type in ("cpu", "cuda", "mps")
