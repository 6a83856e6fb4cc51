"""The update rules, one pure function per optimizer, and the batches SGD draws.

Every step function has the form ``step(params, grad, state, lr) -> (params, state)``:
the parameters, the gradient at them and the optimizer's state go in, the new parameters
and the new state come out; nothing is changed in place. Plain gradient descent has no
state (``None``); Adam's is an ``AdamState``. SGD and mini-batch SGD use ``gd_step``
too: what makes them stochastic is the gradient, computed on the batches
``epoch_batches`` draws.

These functions run at every step of a loop and check nothing: the public functions that
call them (``fit_linear`` and the studies) check their arguments once, before the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def gd_step(params: np.ndarray, grad: np.ndarray, state: None, lr: float):
    """Return ``(params - lr * grad, state)``: one gradient-descent step."""
    return params - lr * grad, state


@dataclass(frozen=True, eq=False)
class AdamState:
    """Adam's state: running means of the gradient and its square, and the step count.

    ``m`` and ``v`` have the parameters' shape; ``t`` is the number of steps taken.
    """

    m: np.ndarray
    v: np.ndarray
    t: int

    @classmethod
    def zeros(cls, size: int = 2) -> AdamState:
        """Return the state before the first step: ``m = v = 0``, ``t = 0``."""
        return cls(np.zeros(size), np.zeros(size), 0)


def adam_step(
    params: np.ndarray,
    grad: np.ndarray,
    state: AdamState,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
):
    """Return ``(params, state)`` after one Adam step (Kingma and Ba 2015, Alg. 1)."""
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)  # bias correction: m and v start at zero
    v_hat = v / (1 - beta2**t)
    return params - lr * m_hat / (np.sqrt(v_hat) + eps), AdamState(m, v, t)


def epoch_batches(
    n: int, batch_size: int, rng: np.random.Generator, replace: bool = False
) -> list[np.ndarray]:
    """Return one epoch's batches: index arrays of ``batch_size`` into ``0..n-1``.

    Full batches (``batch_size == n``) are the data in order, whatever ``replace``
    says. Otherwise, by default (random reshuffling) the
    epoch is a fresh permutation cut into batches, so every sample is used exactly once
    (the last batch may be smaller); with ``replace=True`` every index is drawn
    independently and uniformly, ``n // batch_size`` batches of ``batch_size``.
    """
    if batch_size == n:
        return [np.arange(n)]
    if replace:
        return list(rng.integers(n, size=(n // batch_size, batch_size)))
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
