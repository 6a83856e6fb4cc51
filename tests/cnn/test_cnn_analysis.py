"""Tests of mlxday2.cnn.analysis and .plots: convolution by hand, filters, feature maps,
error analysis, and the plotting rule (draw on the given axes, return them)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mlxday2 import cnn  # noqa: E402


def _image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (32, 32, 3)).astype(np.uint8)


def test_the_convolution_by_hand_equals_torch_conv2d():
    image = cnn.brightness(_image())
    by_hand = cnn.conv2d_by_hand(image, cnn.EDGE_FILTER)
    torch_out = F.conv2d(
        torch.from_numpy(image)[None, None],
        torch.from_numpy(cnn.EDGE_FILTER)[None, None],
    )[0, 0].numpy()
    assert by_hand.shape == (30, 30)
    np.testing.assert_allclose(by_hand, torch_out, atol=1e-12)
    # an edge filter answers a vertical edge and ignores a flat image
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0
    assert np.abs(cnn.conv2d_by_hand(np.ones((8, 8)), cnn.EDGE_FILTER)).max() == 0
    assert cnn.conv2d_by_hand(step, cnn.EDGE_FILTER).max() == pytest.approx(4.0)
    with pytest.raises(ValueError, match="image and kernel must be 2-D"):
        cnn.conv2d_by_hand(np.ones((4, 4, 3)), cnn.EDGE_FILTER)
    with pytest.raises(ValueError, match="image must have shape \\(H, W, 3\\)"):
        cnn.brightness(np.ones((4, 4)))


def test_filters_and_feature_maps_have_the_right_shapes():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        small, tutorial = cnn.SmallCNN(), cnn.TutorialNet()
    assert cnn.first_layer_filters(small).shape == (24, 2, 2, 3)
    assert cnn.first_layer_filters(tutorial).shape == (6, 5, 5, 3)
    maps = cnn.feature_maps(small, _image())
    assert [m.shape for m in maps] == [
        (24, 31, 31),
        (cnn.models.WIDTHS[0], 15, 15),
        (cnn.models.WIDTHS[1], 7, 7),
        (cnn.models.WIDTHS[2], 3, 3),
    ]
    assert all(m.min() >= -0.17 for m in maps)  # after GELU, whose minimum is -0.17
    with pytest.raises(TypeError, match="model must be a SmallCNN"):
        cnn.feature_maps(tutorial, _image())
    with pytest.raises(ValueError, match="image must be uint8 \\(32, 32, 3\\)"):
        cnn.feature_maps(small, _image().astype(float))


LABELS = np.array([0, 0, 1, 1, 2])
PROBS = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0, 1, 0], [0.6, 0.4, 0], [0, 0, 1]])


def test_error_analysis_counts_add_up():
    m = cnn.confusion(LABELS, PROBS, ["a", "b", "c"])
    assert m.to_numpy().sum() == 5 and m.loc["a", "b"] == 1 and m.loc["b", "a"] == 1
    np.testing.assert_allclose(
        cnn.per_class_accuracy(LABELS, PROBS, "abc"), [0.5, 0.5, 1.0]
    )
    mistakes = cnn.confident_mistakes(LABELS, PROBS, k=5)
    assert (
        list(mistakes["index"]) == [1, 3]
        and mistakes["confidence"].is_monotonic_decreasing
    )
    m.loc["b", "a"] = 7
    assert cnn.most_confused_pair(m) == ("b", "a", 7)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: cnn.confusion(LABELS[:4], PROBS, "abc"),
            ValueError,
            "labels must be 1-D with one label per row of probs \\(5\\), "
            "got shape \\(4,\\)",
        ),
        (
            lambda: cnn.confusion(LABELS, PROBS, "ab"),
            ValueError,
            "probs must have shape \\(N, 2\\), got \\(5, 3\\)",
        ),
        (
            lambda: cnn.confusion(LABELS + 1, PROBS, "abc"),
            ValueError,
            "labels must be integers in 0..2",
        ),
        (
            lambda: cnn.per_class_accuracy(LABELS, PROBS[:, 0], "abc"),
            ValueError,
            "probs must have shape",
        ),
        (
            lambda: cnn.confident_mistakes(LABELS, PROBS, k=-1),
            ValueError,
            "k must be an integer >= 1, got -1",
        ),
        (
            lambda: cnn.confident_mistakes(LABELS, PROBS, k=2.5),
            TypeError,
            "k must be an integer >= 1, got 2.5",
        ),
        (
            lambda: cnn.confident_mistakes(LABELS[:3], PROBS),
            ValueError,
            "labels must be 1-D",
        ),
        (
            lambda: cnn.confusion(LABELS, PROBS * np.nan, "abc"),
            ValueError,
            "probs must be finite",
        ),
    ],
)
def test_bad_error_analysis_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.fixture
def dataset():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 32, 32, 3)).astype(np.uint8)
    return cnn.CifarDataset(images, np.arange(40) % 10, source="cifar10-jpeg")


def test_plot_samples_checks_per_class(dataset):
    for bad in (0, 5, 1.5):
        with pytest.raises(ValueError, match="per_class must be an integer in 1..4"):
            cnn.plot_samples(dataset, per_class=bad)


def test_plots_draw_on_the_given_axes_and_leave_the_figure_size_alone(dataset):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = cnn.SmallCNN()
    history = pd.DataFrame(
        dict(
            epoch=[1, 2],
            seconds=[1.0, 2.0],
            train_loss=[2.0, 1.0],
            test_loss=[2.1, 1.2],
            train_acc=[0.3, 0.5],
            test_acc=[0.3, 0.4],
        )
    )
    matrix = cnn.confusion(dataset.labels, np.eye(10)[dataset.labels], dataset.classes)
    mistakes = pd.DataFrame(
        dict(index=[0, 1], true=[0, 1], predicted=[1, 0], confidence=[0.9, 0.8])
    )
    image = dataset.images[0]
    single = [
        lambda ax: cnn.plot_samples(dataset, per_class=2, ax=ax),
        lambda ax: cnn.plot_confusion(matrix, ax=ax),
        lambda ax: cnn.plot_per_class(
            {
                "a": cnn.per_class_accuracy(
                    dataset.labels, np.eye(10)[dataset.labels], dataset.classes
                )
            },
            ax=ax,
        ),
        lambda ax: cnn.plot_filters(cnn.first_layer_filters(net), ax=ax),
        lambda ax: cnn.plot_augmentations(
            cnn.augmented_copies(dataset, [0, 1], 3, 0), ax=ax
        ),
        lambda ax: cnn.plot_step_losses(
            {"ok": np.array([2.0, 1.0]), "diverged": np.array([2.0, 50.0, np.inf])},
            ax=ax,
        ),
    ]
    for draw in single:
        fig, ax = plt.subplots(figsize=(3, 2))
        assert draw(ax) is ax and tuple(fig.get_size_inches()) == (3, 2)
        plt.close(fig)
    multi = [
        (1, 2, lambda axes: cnn.plot_curves({"run": history}, axes=axes)),
        (
            1,
            3,
            lambda axes: cnn.plot_convolution(
                image,
                cnn.brightness(image),
                cnn.conv2d_by_hand(cnn.brightness(image), cnn.EDGE_FILTER),
                axes=axes,
            ),
        ),
        (1, 2, lambda axes: cnn.plot_mistakes(dataset, mistakes, axes=axes)),
        (
            4,
            3,
            lambda axes: cnn.plot_feature_maps(
                image, cnn.feature_maps(net, image), per_stage=2, axes=axes
            ),
        ),
    ]
    for rows, cols, draw in multi:
        fig, axes = plt.subplots(rows, cols, figsize=(3, 2), squeeze=False)
        axes = axes if rows > 1 else axes[0]
        assert draw(axes) is axes and tuple(fig.get_size_inches()) == (3, 2)
        plt.close(fig)


def test_mirroring_the_image_mirrors_and_negates_the_edge_response():
    """The chapter's exercise cnn-ex-mirror: the Sobel filter is antisymmetric."""
    image = cnn.brightness(_image(3))
    response = cnn.conv2d_by_hand(image, cnn.EDGE_FILTER)
    mirrored = cnn.conv2d_by_hand(image[:, ::-1], cnn.EDGE_FILTER)
    np.testing.assert_allclose(mirrored, -response[:, ::-1], atol=1e-12)
    assert np.abs(response).max() > 0.1
