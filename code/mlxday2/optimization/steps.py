"""The update rules: one pure function per optimizer, and the batches SGD draws.

Every step function has the form ``step(params, grad, state, lr) -> (params, state)``:
the parameters, the gradient at them and the optimizer's state go in, the new parameters
and the new state come out; nothing is changed in place. Plain gradient descent has no
state (``None``); Adam's is an ``AdamState``. SGD and mini-batch SGD use ``gd_step``
too: what makes them stochastic is the gradient, computed on the batches
``epoch_batches`` draws. Non-finite gradients pass through (the training loop detects
divergence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlxday2.checks import check_int, check_real


def _check_step(params, grad, lr) -> None:
    # Cheap checks only: these run at every step of every fit.
    for name, a in (("params", params), ("grad", grad)):
        if not isinstance(a, np.ndarray) or a.ndim != 1:
            raise TypeError(
                f"{name} must be a 1-D numpy array, got {a!r}; use np.asarray"
            )
    if params.shape != grad.shape:
        raise ValueError(
            f"grad must have the shape of params {params.shape}, got {grad.shape}; "
            "pass the gradient at params"
        )
    check_real("lr", lr, 0, low_open=True, fix="pass a step size, e.g. lr=0.1")


def gd_step(params: np.ndarray, grad: np.ndarray, state: None, lr: float):
    """Return ``(params - lr * grad, state)``: one gradient-descent step."""
    _check_step(params, grad, lr)
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
    def zeros(cls, size: int = 2) -> "AdamState":
        """Return the state before the first step: ``m = v = 0``, ``t = 0``."""
        size = check_int("size", size, low=1, fix="pass len(params)")
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
    _check_step(params, grad, lr)
    _check_adam(state, grad, beta1, beta2, eps)
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)  # bias correction: m and v start at zero
    v_hat = v / (1 - beta2**t)
    return params - lr * m_hat / (np.sqrt(v_hat) + eps), AdamState(m, v, t)


def _check_adam(state, grad, beta1, beta2, eps) -> None:
    if not isinstance(state, AdamState):
        raise TypeError(
            f"state must be an AdamState, got {state!r}; "
            "start from AdamState.zeros(len(params))"
        )
    if state.m.shape != grad.shape or state.v.shape != grad.shape:
        raise ValueError(
            f"state must match the gradient's shape {grad.shape}, got m "
            f"{state.m.shape} and v {state.v.shape}; start from AdamState.zeros"
        )
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        check_real(
            name,
            beta,
            0,
            1.0,
            low_open=True,
            high_open=True,
            fix="the default is 0.9 / 0.999",
        )
    check_real("eps", eps, 0, low_open=True, fix="the default is eps=1e-8")


def epoch_batches(
    n: int, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Return one epoch's batches: index arrays of ``batch_size``, covering ``0..n-1``.

    Full batches (``batch_size == n``) keep the data's order and draw nothing from
    ``rng``; smaller batches come from a fresh random permutation, the last one possibly
    smaller.
    """
    n = check_int("n", n, low=1, fix="pass the number of samples")
    batch_size = check_int(
        "batch_size", batch_size, low=1, high=n, fix="pass a batch size up to n"
    )
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {rng!r}; "
            "make one per run with np.random.default_rng(seed)"
        )
    order = np.arange(n) if batch_size == n else rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
