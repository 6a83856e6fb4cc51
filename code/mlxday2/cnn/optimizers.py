"""The optimizer of a training run and what follows each of its steps.

``make_training(config, model, steps_per_epoch)`` returns the optimizer that
``config.optimizer`` names and the step followers: the one-cycle schedule, and
Lookahead's slow weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # the configuration is defined where training is
    from mlxday2.cnn.training import TrainConfig

OPTIMIZERS = ("sgd", "nesterov", "adam")


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """Return the optimizer ``config.optimizer`` names, at ``config.lr``.

    Adam runs fused (one kernel for all weights) on a CPU or CUDA device, which is
    faster for the tutorial network's many small layers.
    """
    params = list(params)
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
    """Return the one-cycle schedule, or None for a constant learning rate.

    One cycle (torch's defaults): the rate rises from lr/25 to lr over the first
    quarter of the steps and anneals to about zero; with momentum, the momentum moves
    the other way, from 0.95 down to 0.85 and back to 0.95.
    """
    if not config.one_cycle:
        return None
    return torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=config.lr,
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
