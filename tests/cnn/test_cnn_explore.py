"""The CNN chapter's explorable: each state is the model's own feature maps and probs.

An untrained ``SmallCNN`` on random images keeps this fast; the chapter passes the
trained model and its test probabilities through the same functions.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlxday2 import cnn
from mlxday2.cnn import explore

CLASSES = [f"class {k}" for k in range(10)]


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(40) % 10
    probs = rng.dirichlet(np.ones(10), 40)
    probs[:, 3] = 0  # nothing is ever predicted as class 3, so every 3 is a mistake
    probs /= probs.sum(1, keepdims=True)
    return cnn.SmallCNN(), images, labels, probs


def test_pick_images_takes_right_ones_of_distinct_classes_then_a_mistake(world):
    _, _, labels, probs = world
    picks = explore.pick_images(labels, probs, right=4)
    pred = probs.argmax(1)
    worst = cnn.confident_mistakes(labels, probs, k=1)["index"].iloc[0]
    assert len(picks) == 5 and picks == sorted(picks) and worst in picks
    right = [i for i in picks if i != worst]
    assert all(pred[i] == labels[i] for i in right)
    assert len({labels[i] for i in right}) == 4
    assert pred[worst] != labels[worst]


def test_each_state_holds_the_models_own_maps_and_the_runs_probs(world):
    model, images, labels, probs = world
    states = explore.image_states(model, images, labels, probs, [0, 7])
    for state, i in zip(states, [0, 7]):
        direct = cnn.feature_maps(model, images[i])
        assert len(state.maps) == len(direct)
        for got, want in zip(state.maps, direct):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(state.probs, probs[i])
        assert state.label == labels[i]


def test_the_block_offers_each_image_and_shows_its_probabilities(world):
    model, images, labels, probs = world
    states = explore.image_states(model, images, labels, probs, [0, 7])
    block = explore.image_explorable(states, CLASSES)
    payload = block.html.split('class="explorable-data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert data["controls"][0]["kind"] == "radio"
    assert data["controls"][0]["texts"] == ["1: class 0", "2: class 7"]
    for k, state in enumerate(states):
        numbers = data["frames"][str(k)]["numbers"]
        assert numbers["probability of the true class"]["value"] == pytest.approx(
            state.probs[state.label]
        )
        assert numbers["top probability"]["value"] == pytest.approx(state.probs.max())
