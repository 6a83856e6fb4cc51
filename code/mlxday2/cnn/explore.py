"""The chapter's explorable figure: a test image, its feature maps, its probabilities.

``pick_images`` chooses a few test images, the network right on most and wrong on one;
``image_states`` computes each one's feature maps (``feature_maps``) and takes its
predicted probabilities from the test run; ``image_explorable`` draws each state once
with ``plot_feature_maps`` beside a bar chart of the probabilities and returns the HTML
block. Nothing here trains: the model and probabilities come from ``train``'s result.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from mlxday2.checks import check_array, check_int
from mlxday2.cnn import confident_mistakes, feature_maps, plot_feature_maps
from mlxday2.explorable import control, explorable, frame


def pick_images(labels, probs, right: int = 5) -> list[int]:
    """Return sorted test indices: the first ``right`` correct ones of distinct
    classes and the most confident mistake."""
    mistake = int(confident_mistakes(labels, probs, k=1)["index"].iloc[0])
    labels, probs = np.asarray(labels), np.asarray(probs)
    right = check_int("right", right, 1, probs.shape[1])
    correct = np.flatnonzero(probs.argmax(1) == labels)
    chosen, seen = [], set()
    for i in correct:
        if labels[i] not in seen:
            chosen.append(int(i))
            seen.add(labels[i])
        if len(chosen) == right:
            break
    return sorted(chosen + [mistake])


@dataclass(frozen=True, eq=False)
class ImageState:
    """One test image: its index, label, feature maps (one per stage), probabilities."""

    index: int
    label: int
    image: np.ndarray
    maps: list[np.ndarray]
    probs: np.ndarray


def image_states(model, images, labels, probs, indices) -> list[ImageState]:
    """Return one ``ImageState`` per test index; ``probs`` is the run's test_probs."""
    labels = check_array("labels", labels, ndim=1)
    probs = check_array("probs", probs, ndim=2, fix="pass the run's test_probs")
    states = []
    for i in indices:
        i = check_int("indices[i]", i, 0, len(labels) - 1)
        maps = feature_maps(model, images[i])
        states.append(ImageState(i, int(labels[i]), images[i], maps, probs[i]))
    return states


def plot_probabilities(probs: np.ndarray, label: int, classes, ax):
    """Plot the class probabilities as bars, the true class hatched; return the Axes."""
    bars = ax.barh(range(len(classes)), probs, color="C0")
    bars[label].set_facecolor("C2")
    bars[label].set_edgecolor("black")
    bars[label].set_hatch("//")
    ax.set(yticks=range(len(classes)), yticklabels=classes, xlim=(0, 1))
    ax.invert_yaxis()
    ax.set_xlabel("predicted probability")
    ax.set_title(f"top: {classes[int(np.argmax(probs))]} (hatched: true)", fontsize=8)
    return ax


def _article(word: str) -> str:
    """Return "an" before a vowel ("an airplane"), else "a"."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def image_explorable(states, classes, name: str = "cnn-image"):
    """Return the explorable figure of ``states`` (from ``image_states``)."""
    texts = [f"{k + 1}: {classes[s.label]}" for k, s in enumerate(states)]
    choice = control("image", "test image (its true class)", texts, "{}", kind="radio")
    frames = []
    for s in states:
        fig = plt.figure(figsize=(9, 4.2), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=[2.3, 1])
        grid = left.subplots(len(s.maps), 7, squeeze=False)
        plot_feature_maps(s.image, s.maps, per_stage=6, axes=grid)
        plot_probabilities(s.probs, s.label, classes, right.subplots())
        top = int(np.argmax(s.probs))
        alt = (
            f"A test image of {_article(classes[s.label])} {classes[s.label]}, the six "
            f"most active feature maps after each stage of the small CNN, and its "
            f"class probabilities: top {classes[top]} at {s.probs[top]:.2f}."
        )
        numbers = {
            "probability of the true class": (s.probs[s.label], "{:.3f}"),
            "top probability": (s.probs[top], "{:.3f}"),
        }
        frames.append(frame(fig, alt, numbers))
    return explorable(name, [choice], frames, (0,))
