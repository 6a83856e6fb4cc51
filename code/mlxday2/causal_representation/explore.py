"""The chapter's explorable figure: rotate two sources and measure non-Gaussianity.

``rotation_states`` draws two independent sources (``mixed_sources``), Gaussian or
Laplace, rotates them (``rotation``) by each angle, and records each rotated
component's excess kurtosis and the Gaussian factor model's log-likelihood of the same
rotation (``rotation_table``). A rotation of Gaussian sources changes neither; a
rotation of Laplace sources lowers the kurtosis, so only the unrotated sources maximise
it.
``rotation_explorable`` draws each state once and returns the HTML block.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import kurtosis

from mlxday2.causal_representation import mixed_sources, rotation, rotation_table
from mlxday2.checks import check_int, check_seed
from mlxday2.explorable import control, explorable, frame

DISTRIBUTIONS = ("gaussian", "laplace")


@dataclass(frozen=True, eq=False)
class RotationState:
    """Sources of ``distribution`` rotated by ``angle`` degrees, and their numbers.

    ``kurtosis`` holds the excess kurtosis of each rotated component (0 for a
    Gaussian); ``loglik`` the Gaussian factor model's mean log-likelihood per row.
    """

    distribution: str
    angle: float
    rotated: np.ndarray
    kurtosis: np.ndarray
    loglik: float


def rotation_states(angles, n: int = 2000, seed: int = 0) -> list[RotationState]:
    """Return a state per (distribution, angle), Gaussian first, angles in order."""
    n = check_int("n", n, 10)
    seed = check_seed("seed", seed)
    angles = [float(a) for a in angles]
    states = []
    for distribution in DISTRIBUTIONS:
        mixture = mixed_sources(n=n, distribution=distribution, seed=seed)
        table = rotation_table(mixture, angles_deg=angles, seed=seed)
        for angle, loglik in zip(angles, table["loglik"]):
            rotated = mixture.sources @ rotation(angle)
            excess = kurtosis(rotated, axis=0)
            states.append(RotationState(distribution, angle, rotated, excess, loglik))
    return states


def plot_rotated(state: RotationState, axes) -> np.ndarray:
    """Plot the rotated components (left) and component 1's histogram (right)."""
    left, right = axes
    left.scatter(*state.rotated.T, s=3, alpha=0.3, color="C0")
    left.set(xlabel="component 1", ylabel="component 2", aspect="equal")
    left.set(xlim=(-6, 6), ylim=(-6, 6))
    grid = np.linspace(-6, 6, 200)
    right.hist(state.rotated[:, 0], bins=60, range=(-6, 6), density=True, color="C0")
    normal = np.exp(-(grid**2) / 2) / np.sqrt(2 * np.pi)
    right.plot(grid, normal, "k--", lw=1.2, label="standard normal")
    right.set(xlabel="component 1", ylabel="density", ylim=(0, 0.75))
    right.legend(loc="upper right", fontsize="small")
    return axes


def rotation_explorable(states, name: str = "crl-rotation"):
    """Return the explorable figure of ``states`` (from ``rotation_states``)."""
    angles = sorted({s.angle for s in states})
    kind = control("source", "sources", DISTRIBUTIONS, "{}", kind="radio")
    turn = control("angle", "rotation angle (degrees)", angles, "{:g}°")
    frames = []
    for s in states:
        fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.3))
        plot_rotated(s, axes)
        fig.suptitle(f"{s.distribution} sources rotated by {s.angle:g}°")
        alt = (
            f"Scatter of two {s.distribution} sources rotated by {s.angle:g} degrees "
            f"and the histogram of the first component against a standard normal; "
            f"excess kurtosis {s.kurtosis[0]:.2f} and {s.kurtosis[1]:.2f}."
        )
        numbers = {
            "excess kurtosis, component 1": (s.kurtosis[0], "{:.2f}"),
            "component 2": (s.kurtosis[1], "{:.2f}"),
            "mean of the two": (s.kurtosis.mean(), "{:.2f}"),
            "Gaussian log-likelihood per row": (s.loglik, "{:.4f}"),
        }
        frames.append(frame(fig, alt, numbers))
    return explorable(name, [kind, turn], frames, (1, 0))
