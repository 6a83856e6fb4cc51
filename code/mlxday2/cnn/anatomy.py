"""The anatomy of a CNN: where its weights are, what each layer sees, batch norm.

``parameter_breakdown`` counts the weights of each layer, ``receptive_fields`` follows
the size, stride and receptive field of each convolution and pooling layer, and
``batch_norm_by_hand`` is what a batch-norm layer computes in training mode;
``signal_scales`` follows the scale of the signal through a fresh network, and
``filter_gradient_spectra`` how a convolution's gradient spreads over directions,
before and after Muon orthogonalises it.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from mlxday2 import checks
from mlxday2.cnn import models
from mlxday2.cnn.optimizers import orthogonalise


def parameter_breakdown(model: nn.Module) -> pd.DataFrame:
    """Return one row per layer with weights: kind, parameters, trainable, share (0..1).

    ``share`` is the layer's fraction of all the model's parameters.
    """
    checks.check_instance("model", model, nn.Module)
    rows = []
    for name, layer in model.named_modules():
        params = list(layer.parameters(recurse=False))
        if params:
            rows.append(
                dict(
                    layer=name,
                    kind=type(layer).__name__,
                    parameters=sum(p.numel() for p in params),
                    trainable=all(p.requires_grad for p in params),
                )
            )
    table = pd.DataFrame(rows).set_index("layer")
    table["share"] = table["parameters"] / table["parameters"].sum()
    return table


def spatial_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Return the convolutions and poolings of a book model, in the order they run."""
    checks.check_instance("model", model, tuple(models.MODELS.values()))
    if isinstance(model, models.TutorialNet):
        m = model
        return [
            ("conv1", m.conv1),
            ("pool", m.pool),
            ("conv2", m.conv2),
            ("pool", m.pool),
        ]
    kinds = (nn.Conv2d, nn.MaxPool2d, nn.AdaptiveMaxPool2d)
    return [(n, m) for n, m in model.named_modules() if isinstance(m, kinds)]


def _geometry(layer: nn.Module, size: int) -> tuple[int, int, int]:
    """Return (kernel, stride, padding) of a convolution or pooling layer."""
    if isinstance(layer, nn.AdaptiveMaxPool2d):  # global: one window over the map
        return size, size, 0
    k, s, p = (
        x if isinstance(x, int) else x[0]
        for x in (layer.kernel_size, layer.stride, layer.padding)
    )
    return k, s, p


def receptive_fields(layers, size: int = 32) -> pd.DataFrame:
    """Return, after each layer, its output size and the receptive field of one output.

    ``layers`` are ``(name, layer)`` pairs in the order they run (``spatial_layers``).
    With kernel k, stride s and padding p, a layer maps a map of ``n`` pixels to
    ``(n + 2p - k) // s + 1``; one output sees ``k`` inputs ``jump`` pixels apart, so
    its receptive field grows by ``(k - 1) * jump`` and the jump multiplies by ``s``.
    """
    size = checks.check_int("size", size, 1)
    field, jump, rows = 1, 1, []
    for name, layer in layers:
        k, s, p = _geometry(layer, size)
        size = (size + 2 * p - k) // s + 1
        field, jump = field + (k - 1) * jump, jump * s
        rows.append((name, type(layer).__name__, k, s, size, jump, field))
    columns = ["layer", "kind", "kernel", "stride", "size", "jump", "receptive_field"]
    return pd.DataFrame(rows, columns=columns)


def batch_norm_by_hand(x: torch.Tensor, gamma, beta, eps: float = 1e-5):
    """Return batch norm of ``x`` (B, C, H, W) in training mode, and the batch stats.

    Each channel is normalised by the mean and (biased) variance over the batch and
    the positions, then scaled by ``gamma`` and shifted by ``beta`` (learned, one per
    channel).
    """
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return gamma[None, :, None, None] * x_hat + beta[None, :, None, None], mean, var


@torch.no_grad()
def signal_scales(model: nn.Module, x: torch.Tensor) -> pd.DataFrame:
    """Return, per stage of a ``SmallCNN``, the standard deviation of its output on
    model inputs ``x`` (training mode: batch norm uses the batch's statistics), then of
    the logits, and the norm of the gradient of the cross-entropy with respect to the
    last convolution's weights for labels 0..9 in turn. At initialisation this shows
    whether a signal keeps its scale through the layers or fades away."""
    checks.check_instance("model", model, models.SmallCNN, fix="pass a SmallCNN")
    model.train()
    rows, h = [], x
    for i, stage in enumerate(model.stages):
        h = stage(h)
        rows.append((f"stage {i}", float(h.std())))
    rows.append(("logits", float(model.head(h).std() / model.LOGIT_SCALE)))
    with torch.enable_grad():
        model.zero_grad()
        labels = torch.arange(len(x)) % 10
        nn.functional.cross_entropy(model(x), labels).backward()
    last = [m for m in model.modules() if isinstance(m, nn.Conv2d)][-1]
    rows.append(("gradient, last conv", float(last.weight.grad.norm())))
    model.zero_grad()
    return pd.DataFrame(rows, columns=["where", "scale"]).set_index("where")


def filter_gradient_spectra(model: nn.Module, x: torch.Tensor, y) -> pd.DataFrame:
    """Return, per trainable convolution of ``model``, how its filters' gradient on
    model inputs ``x`` and labels ``y`` spreads over directions, before and after
    ``optimizers.orthogonalise`` (Muon's step).

    The gradient of a convolution's filters is a matrix (one row per output channel);
    ``top_share`` is the share of its squared norm along its largest singular
    direction, ``spread`` its largest singular value over its median one.
    """
    checks.check_instance("model", model, nn.Module)
    model.train()
    model.zero_grad()
    with torch.enable_grad():
        nn.functional.cross_entropy(model(x), torch.as_tensor(y)).backward()
    rows = []
    for name, layer in model.named_modules():
        if isinstance(layer, nn.Conv2d) and layer.weight.requires_grad:
            g = layer.weight.grad.flatten(1)
            for when, m in (("gradient", g), ("Muon step", orthogonalise(g))):
                s = torch.linalg.svdvals(m.double())
                rows.append(
                    dict(
                        layer=name,
                        shape=f"{m.shape[0]} x {m.shape[1]}",
                        of=when,
                        top_share=float(s[0] ** 2 / (s**2).sum()),
                        spread=float(s[0] / s.median()),
                    )
                )
    model.zero_grad()
    return pd.DataFrame(rows).pivot(
        index=["layer", "shape"], columns="of", values=["top_share", "spread"]
    )
