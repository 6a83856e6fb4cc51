"""Adam and AMSGrad on the counterexample of Reddi, Kale and Kumar (2018).

The online problem on ``x in [-1, 1]``: at steps ``t = 1, 4, 7, ...`` the loss is
``C x``, at the other steps ``-x``. Over each three steps the losses sum to
``(C - 2) x``, so for ``C > 2`` the best point is ``x = -1``. With ``beta1 = 0`` and
``beta2 = 1 / (1 + C^2)`` Adam's rare large gradient is forgotten within a step, so
the two small ones push it up by about ``lr`` each while the large one pushes it down
by about ``lr``: it drifts to ``x = +1``, the worst point. AMSGrad keeps the largest
second moment seen and never forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlxday2.checks import check_int, check_real
from mlxday2.optimization import AdamState, adam_step
from mlxday2.optimization_theory.runs import Iterates, iterate


def reddi_gradient(t: int, big_c: float) -> np.ndarray:
    """Return the gradient of step ``t`` (from 0): ``C`` if ``t % 3 == 0``, else -1."""
    return np.array([big_c if t % 3 == 0 else -1.0])


@dataclass(frozen=True, eq=False)
class AmsgradState:
    """AMSGrad's state: running means ``m``, ``v``, the largest ``v`` seen ``v_max``."""

    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


def amsgrad_step(params, grad, state, lr, beta1, beta2, eps=1e-8):
    """Return ``(params, state)`` after one AMSGrad step (Reddi et al. 2018, Alg. 2).

    As Adam without bias correction, except that the step divides by the square root
    of the largest second moment seen so far, so the effective step never grows.
    """
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * grad * grad
    v_max = np.maximum(state.v_max, v)
    return params - lr * m / (np.sqrt(v_max) + eps), AmsgradState(m, v, v_max)


def online_counterexample(
    method: str,
    steps: int = 3000,
    lr: float = 0.05,
    big_c: float = 3.0,
    beta1: float = 0.0,
    init: float = 0.0,
) -> Iterates:
    """Return the iterates of ``"adam"`` or ``"amsgrad"`` on Reddi et al.'s problem.

    Every step is projected back onto [-1, 1]. ``beta2 = 1 / (1 + C^2)`` and, by
    default, ``beta1 = 0``, the paper's values (section 3); the step is constant.
    """
    if method not in ("adam", "amsgrad"):
        raise ValueError(f"method must be 'adam' or 'amsgrad', got {method!r}")
    steps = check_int("steps", steps, low=1, fix="pass e.g. steps=3000")
    lr = check_real("lr", lr, 0, low_open=True, fix="pass e.g. lr=0.05")
    big_c = check_real("big_c", big_c, 2, low_open=True, fix="C > 2 makes -1 best")
    beta1 = check_real("beta1", beta1, 0, 1, high_open=True, fix="e.g. beta1=0")
    init = check_real("init", init, -1, 1, fix="start inside [-1, 1]")
    beta2 = 1.0 / (1.0 + big_c**2)
    step = adam_step if method == "adam" else amsgrad_step
    zeros = np.zeros(1)
    state = (
        AdamState.zeros(1) if method == "adam" else AmsgradState(zeros, zeros, zeros)
    )

    def update(params, carried):
        inner, t = carried
        grad = reddi_gradient(t, big_c)
        new, inner = step(params, grad, inner, lr, beta1, beta2)
        return np.clip(new, -1.0, 1.0), (inner, t + 1)

    return iterate(update, np.array([init]), (state, 0), steps)


def average_regret(run: Iterates, big_c: float = 3.0) -> np.ndarray:
    """Return the regret against ``x = -1`` per step so far, shape (steps,).

    ``R_T / T = sum_t (f_t(x_t) - f_t(-1)) / T``: it tends to 0 for a method that
    converges to the best point, and stays positive for one that does not.
    """
    x = run.params[:-1, 0]
    grads = np.array([reddi_gradient(t, big_c)[0] for t in range(len(x))])
    regret = np.cumsum(grads * (x + 1.0))
    return regret / np.arange(1, len(x) + 1)
