"""Tests of mlxday2.cnn.anatomy, the validation split and the chapter's checks: the
parameter breakdown, receptive fields, batch norm by hand, and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from mlxday2 import cnn

CHAPTER = Path(__file__).parents[2] / "book" / "cnn.md"


def test_most_of_the_tutorial_nets_weights_are_in_its_dense_layers():
    net = cnn.TutorialNet()
    table = cnn.parameter_breakdown(net)
    assert table["parameters"].sum() == sum(p.numel() for p in net.parameters())
    assert table.loc[table["kind"] == "Linear", "share"].sum() > 0.9
    assert table["share"].sum() == pytest.approx(1.0)


def test_the_small_cnn_has_one_small_dense_layer_and_a_frozen_first_layer():
    table = cnn.parameter_breakdown(cnn.SmallCNN())
    assert (table["kind"] == "Linear").sum() == 1
    assert table.loc["head.2", "parameters"] == cnn.models.WIDTHS[-1] * 10
    assert table.loc[~table["trainable"], "parameters"].sum() == 24 * 3 * 2 * 2


def test_receptive_fields_follow_the_textbook_recurrence():
    layers = cnn.spatial_layers(cnn.TutorialNet())
    pooled = cnn.receptive_fields(layers)
    assert list(pooled["size"]) == [28, 14, 10, 5]
    assert list(pooled["receptive_field"]) == [5, 6, 14, 16]
    plain = cnn.receptive_fields([lay for lay in layers if lay[0] != "pool"])
    assert list(plain["size"]) == [28, 24] and list(plain["receptive_field"]) == [5, 9]


def test_the_small_cnns_last_convolution_sees_more_than_the_whole_image():
    fields = cnn.receptive_fields(cnn.spatial_layers(cnn.SmallCNN()))
    convs = fields[fields["kind"] == "Conv2d"]
    assert convs["receptive_field"].iloc[-1] > 32
    assert list(fields.loc[fields["kind"] == "MaxPool2d", "size"]) == [15, 7, 3]
    assert fields["size"].iloc[-1] == 1  # the global max pool


def test_receptive_fields_match_a_gradient_probe():
    """The receptive field is where a change of input can change one output."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = cnn.TutorialNet()
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 32, 32, generator=g, requires_grad=True)
    h = net.pool(torch.relu(net.conv2(net.pool(torch.relu(net.conv1(x))))))
    h[0, :, 2, 2].sum().backward()
    rows, cols = np.nonzero(x.grad[0].abs().sum(0).numpy())
    field = cnn.receptive_fields(cnn.spatial_layers(net))["receptive_field"].iloc[-1]
    assert rows.max() - rows.min() + 1 <= field and cols.max() - cols.min() + 1 <= field


def test_batch_norm_by_hand_is_torchs_training_mode_not_its_eval_mode():
    bn = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
        bn.bias.copy_(torch.tensor([-1.0, 0.0, 1.0]))
    z = 2 + 3 * torch.randn(8, 3, 5, 5, generator=torch.Generator().manual_seed(1))
    mine, mean, var = cnn.batch_norm_by_hand(z, bn.weight, bn.bias, bn.eps)
    with torch.no_grad():
        assert torch.allclose(bn.train()(z), mine, atol=1e-5)
        assert not torch.allclose(bn.eval()(z), mine, atol=0.1)  # running statistics
    assert mean.shape == var.shape == (1, 3, 1, 1)
    # the chapter: one training step moves the running mean a share momentum of the
    # way from 0 to the batch mean, so eval mode is off after it
    share = bn.running_mean / mean.flatten()
    assert torch.allclose(share, torch.full((3,), bn.momentum), rtol=1e-4)


def test_the_validation_split_is_disjoint_and_covers_the_set():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 32, 32, 3), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(50)  # a tag per image
    ds = cnn.CifarDataset(images, rng.integers(0, 10, 50))
    fit, val = cnn.validation_split(ds, 10, seed=0)
    tags = [set(part.images[:, 0, 0, 0]) for part in (fit, val)]
    assert len(val) == 10 and len(fit) == 40
    assert not tags[0] & tags[1] and tags[0] | tags[1] == set(range(50))
    with pytest.raises(ValueError, match="n_val must be an integer in 1..49"):
        cnn.validation_split(ds, 50, seed=0)


def test_the_chapter_chooses_on_the_validation_split_never_on_the_test_set():
    text = CHAPTER.read_text()
    for call in ("tune_lr", "ablation"):
        (args,) = re.findall(rf"experiments\.{call}\(([^)]*)\)", text)
        assert "small_val" in args and "test_set" not in args, call
    assert "cnn.validation_split(" in text


def test_without_batch_norm_the_signal_of_a_fresh_network_fades():
    """The chapter: six convolutions in a row shrink the signal, and the last one's
    gradient is far smaller than with batch norm (which keeps every stage's scale)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 3, 32, 32, generator=g)
    scales = {}
    for bn in (True, False):
        torch.manual_seed(0)
        net = cnn.SmallCNN(batch_norm=bn)
        net.set_whitening(x)
        scales[bn] = cnn.signal_scales(net, x)["scale"]
    with_bn, without = scales[True], scales[False]
    stages = [f"stage {i}" for i in range(4)]
    assert with_bn[stages].max() < 3 * with_bn[stages].min()  # kept, about one scale
    assert without["stage 3"] < 0.1 * without["stage 0"]  # faded
    grad = "gradient, last conv"
    assert with_bn[grad] > 100 * without[grad]
    with pytest.raises(TypeError, match="model must be a SmallCNN"):
        cnn.signal_scales(cnn.TutorialNet(), x)


def test_filter_gradient_spectra_show_muon_evening_out_each_gradient():
    torch.manual_seed(0)
    net = cnn.SmallCNN()
    x = torch.randn(64, 3, 32, 32)
    net.set_whitening(x)
    spectra = cnn.filter_gradient_spectra(net, x, torch.arange(64) % 10)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(spectra) == len(convs) - 1  # all but the fixed whitening layer
    top, spread = spectra["top_share"], spectra["spread"]
    assert (top["Muon step"] < top["gradient"]).all()
    assert (spread["Muon step"] < spread["gradient"]).all()
    assert (spread["Muon step"] < 2).all() and (top["gradient"] <= 1).all()
    assert all(p.grad is None or (p.grad == 0).all() for p in net.parameters())
