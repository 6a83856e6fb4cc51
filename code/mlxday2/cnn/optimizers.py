"""The optimizer of a training run and what follows each of its steps.

``make_training(config, model, steps_per_epoch)`` returns the optimizer that
``config.optimizer`` names and the step followers: the learning-rate schedule, and
Lookahead's slow weights. ``Muon`` orthogonalises the update of each bank of
convolution filters (``orthogonalise``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # the configuration is defined where training is
    from mlxday2.cnn.training import TrainConfig

OPTIMIZERS = ("sgd", "nesterov", "adam", "muon")
SCHEDULES = ("one-cycle", "linear", "constant")
# Muon's filters: their peak learning rate as a share of config.lr (the other weights'),
# and their momentum. The share was chosen with a prototype of this optimizer on the
# bench's validation split (45,000 / 5,000, seed 0, 4 epochs, one run each): filter
# rates of 0.15, 0.2 and 0.3 in batches of 512 scored 85.1%, 85.3% and 83.9%, and 0.1,
# 0.2 and 0.3 in batches of 256 scored 84.9%, 84.6% and 83.2%. The momentum is
# that of airbench94_muon.py (github.com/KellerJordan/cifar10-airbench); on the same
# split at 8 epochs (seed 0, the package's Muon) it scored 87.0% against 86.6% for 0.45
# with three Newton-Schulz steps, and 87.1% against 86.2% and 85.1% for 0.8 and 0.9
# with five. Those runs had widths 32/64/128 and a share of 0.125 (0.2 / 1.6); with the
# wider blocks of models.WIDTHS, 0.1 scored 88.24% against 0.125's 88.04% (seed 0, 8
# epochs, the same split, 2026-12-01).
MUON_LR_SHARE = 0.1
MUON_MOMENTUM = 0.6

# Newton-Schulz quintic x -> a x + b (x x^T) x + c (x x^T)^2 x. On x = U S V^T it maps
# each singular value s to a s + b s^3 + c s^5 and keeps U and V. The coefficients
# (Muon's) make small values grow fast (the slope at 0 is a), at the price of not
# converging: 1 maps to 0.70, and with enough iterations the values settle in a band
# from about 0.7 to 1.2 (after three, from about 0.6, for those above 1/65 of the norm).
NEWTON_SCHULZ = (3.4445, -4.7750, 2.0315)
# Iterations per Muon step: three, as airbench94_muon.py takes (there in bf16, here in
# fp32). On the bench's validation split (45,000 / 5,000, 8 epochs, the filters' rate
# and momentum chosen with five), three in fp32 scored 87.0% (seed 0), three in bf16
# 86.9% and 87.1% (seeds 0 and 1), five in fp32 87.1% and 87.0% (seeds 0 and 1):
# differences of 0.1-0.2 points, the size of the spread between seeds, though two
# seeds cannot resolve a gap below about half a point. Three took about 0.55-0.6 of
# the time of five per step of our six filter banks (5.3 ms against 9.5 ms, one thread).
# (Measured with widths 32/64/128 and Muon's share 0.125, the recipe then.)
NEWTON_SCHULZ_STEPS = 3


def orthogonalise(g: torch.Tensor, steps: int = NEWTON_SCHULZ_STEPS) -> torch.Tensor:
    """Return a matrix with the singular vectors of ``g``, its singular values lifted
    into a band around 1.

    For ``g = U S V^T`` the answer approximates ``U V^T`` (on the directions where
    ``g`` is not zero): ``g`` is divided by its Frobenius norm, so that its singular
    values are at most 1, and each of ``steps`` Newton-Schulz iterations
    (``NEWTON_SCHULZ``) moves them while keeping the singular vectors; only matrix
    products, no SVD. Three bring every singular value above about 1/65 of the norm
    to between about 0.6 and 1.2, not exactly 1; five, every one above about 1/770.
    """
    if g.ndim != 2:
        raise ValueError(f"g must be a matrix, got shape {tuple(g.shape)}")
    a, b, c = NEWTON_SCHULZ
    x = g / (g.norm() + 1e-7)  # Frobenius norm >= largest singular value
    wide = x.shape[0] <= x.shape[1]
    if not wide:  # iterate on the smaller Gram matrix
        x = x.T
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x if wide else x.T


class Muon(torch.optim.Optimizer):
    """Nesterov momentum whose step for each convolution's filters is orthogonalised
    (Muon, Jordan et al. 2024); other weights take the plain Nesterov step.

    Group ``orthogonal=True``: the filters ``(out, in, k, k)`` of one convolution, a
    matrix ``(out, in*k*k)``. Its momentum-averaged gradient is replaced by
    ``orthogonalise`` of it, a step of about the same size in every direction the
    gradient spans above about 1/65 of its norm, so that directions with small
    gradients still move. Before each step the filters are rescaled to Frobenius norm
    ``sqrt(out)`` (as airbench94_muon does): where batch norm follows the convolution,
    their scale does not change the network's output, and the rescaling keeps a
    step's size relative to the filters set by the learning rate alone; where none
    follows, it changes the output, a per-layer normalisation (root-mean-square filter
    norm 1). Other groups: Nesterov SGD with ``weight_decay``, as
    ``torch.optim.SGD(nesterov=True)``.
    ``closure`` is not supported.
    """

    def __init__(self, groups, lr: float, momentum: float = 0.9, weight_decay=0.0):
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay)
        super().__init__(groups, dict(defaults, orthogonal=False))

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            raise ValueError("Muon.step takes no closure: compute the loss first")
        for group in self.param_groups:
            m, lr = group["momentum"], group["lr"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if group["weight_decay"] and not group["orthogonal"]:
                    grad = grad.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if "momentum" not in state:
                    state["momentum"] = torch.zeros_like(p)
                buf = state["momentum"].mul_(m).add_(grad)
                update = grad.add(buf, alpha=m)  # Nesterov: look one step ahead
                if group["orthogonal"]:  # airbench94_muon's rescaling
                    p.mul_(math.sqrt(len(p)) / p.norm().clamp_min(1e-12))
                    flat = update.flatten(1).float()
                    update = orthogonalise(flat).view_as(p).to(p.dtype)
                p.add_(update, alpha=-lr)


def muon_groups(config: TrainConfig, params) -> list[dict]:
    """Return ``Muon``'s parameter groups: the filters of the hidden convolutions
    (4-d weights), orthogonalised, at ``MUON_LR_SHARE`` of ``config.lr``, with
    ``MUON_MOMENTUM`` and without weight decay; the rest.

    A convolution that sees the image itself (3 input channels: in these networks
    only the first layer, where it is learned) stays with the rest, as Muon's
    authors advise.
    """
    params = list(params)
    filters = [p for p in params if p.ndim == 4 and p.shape[1] != 3]
    rest = [p for p in params if not any(p is f for f in filters)]
    groups = [dict(params=rest, weight_decay=config.weight_decay)]
    if filters:
        lr = config.lr * MUON_LR_SHARE
        groups.append(
            dict(
                params=filters,
                orthogonal=True,
                lr=lr,
                momentum=MUON_MOMENTUM,
                weight_decay=0.0,
            )
        )
    return [g for g in groups if g["params"]]


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """Return the optimizer ``config.optimizer`` names, at ``config.lr``.

    Adam runs fused (one kernel for all weights) on a CPU or CUDA device, which is
    faster for the tutorial network's many small layers.
    """
    params = list(params)
    if config.optimizer == "muon":
        return Muon(muon_groups(config, params), lr=config.lr, momentum=0.9)
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


def make_schedule(config: TrainConfig, opt, steps_per_epoch: int):
    """Return the schedule ``config.schedule`` names, or None for a constant rate.

    Each parameter group's rate follows it from the group's own peak. ``"linear"``:
    from the peak down to zero over the run. ``"one-cycle"`` (torch's defaults): the
    rate rises from a 25th of the peak to the peak over the first quarter of the steps
    and anneals to about zero; with momentum, the momentum moves the other way, from
    0.95 down to 0.85 and back to 0.95 (in every group, Muon's filters' too).
    """
    total = config.epochs * steps_per_epoch
    if config.schedule == "constant":
        return None
    if config.schedule == "linear":
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / total)
    return torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=[group["lr"] for group in opt.param_groups],
        epochs=config.epochs,
        steps_per_epoch=steps_per_epoch,
        pct_start=0.25,
    )


class Lookahead:
    """Every ``every`` steps, move a slow copy of the weights toward the weights, then
    restart training from the slow copy (Lookahead, Zhang et al. 2019).

    The slow copy keeps ``decay`` of itself and takes ``1 - decay`` of the weights.
    The paper keeps that step constant (``1 - decay`` = 0.5); here, as in the airbench
    recipes, ``decay`` rises with the cube of the fraction of training done, from 0
    (the slow copy simply follows) to ``final_decay``, so late in training the steps'
    noise is averaged out. ``finish`` leaves the model at the slow copy.
    """

    def __init__(self, params, total_steps: int, every: int = 5, final_decay=0.95**5):
        self.params = [p for p in params if p.requires_grad]
        self.slow = [p.detach().clone() for p in self.params]
        self.total, self.every, self.final = total_steps, every, final_decay
        self.steps = 0

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        if self.steps % self.every == 0:
            self._pull(self.final * (self.steps / self.total) ** 3)

    @torch.no_grad()
    def finish(self) -> None:
        self._pull(1.0)

    def _pull(self, decay: float) -> None:
        for p, slow in zip(self.params, self.slow):
            slow.lerp_(p, 1 - decay)
            p.copy_(slow)


def make_training(config: TrainConfig, model, steps_per_epoch: int):
    """Return the optimizer and what follows each of its steps: the schedule, if any,
    and Lookahead, if ``config.lookahead``."""
    opt = make_optimizer(config, [p for p in model.parameters() if p.requires_grad])
    sched = make_schedule(config, opt, steps_per_epoch)
    steps = config.epochs * steps_per_epoch
    look = Lookahead(model.parameters(), steps) if config.lookahead else None
    return opt, [f for f in (sched, look) if f is not None]
