"""mlxday2.causal_representation.nonlinear_ica: segments make nonlinear ICA work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlxday2 import causal_representation as crl

SEEDS = range(4)


@pytest.fixture(scope="module")
def scores():
    rows = []
    for seed in SEEDS:
        data = crl.segmented_sources(seed=seed)
        rows.append(
            {
                "tcl": crl.mcc(data.sources, crl.tcl_features(data, seed=seed)),
                "autoencoder": crl.mcc(
                    data.sources, crl.autoencoder_features(data, seed=seed)
                ),
                "linear": crl.mcc(data.sources, crl.linear_ica(data, seed=seed)),
            }
        )
    return rows


def test_tcl_beats_the_unsupervised_unmixings_over_seeds(scores):
    tcl = np.array([r["tcl"] for r in scores])
    best_other = np.array([max(r["autoencoder"], r["linear"]) for r in scores])
    # Another CPU or BLAS changes the float path of 3000 Adam steps, much as another
    # torch seed does; so the margins come from 4 torch seeds x 4 data seeds (16 runs):
    # TCL 0.89-0.99 (mean 0.94), the better baseline 0.82-0.89, margin 0.02-0.14 (mean
    # 0.09, sd 0.035). One run may come close; the mean of four and the majority do not.
    assert (tcl - best_other).mean() > 0.03
    assert (tcl > best_other).sum() >= 3
    assert np.median(tcl) > 0.87


def test_tcl_fails_when_the_segments_do_not_change_the_sources():
    tcl, linear = [], []
    for seed in range(3):
        data = crl.segmented_sources(nonstationary=False, seed=seed)
        tcl.append(crl.mcc(data.sources, crl.tcl_features(data, seed=seed)))
        linear.append(crl.mcc(data.sources, crl.linear_ica(data, seed=seed)))
    # measured on seeds 0-3: TCL 0.43-0.67 (arbitrary features, so a wide spread),
    # linear ICA 0.83-0.86; with changing scales TCL scores 0.89-0.99
    assert np.mean(tcl) < np.mean(linear) - 0.1
    assert max(tcl) < 0.8


def test_constant_scales_keep_the_mixing_and_the_draws():
    changing = crl.segmented_sources(n_segments=4, per_segment=64, seed=2)
    still = crl.segmented_sources(
        n_segments=4, per_segment=64, nonstationary=False, seed=2
    )
    np.testing.assert_allclose(still.sources.std(axis=0), 1.1, rtol=0.2)
    ratio = still.sources / changing.sources  # the same Laplace draws, rescaled
    per_segment = [np.ptp(ratio[changing.segment == m], axis=0) for m in range(4)]
    np.testing.assert_allclose(per_segment, 0, atol=1e-9)
    # ... and the same mixing: with one layer f is linear, so fit it from s to x
    one = {
        flag: crl.segmented_sources(n_layers=1, nonstationary=flag, seed=2)
        for flag in (True, False)
    }
    maps = [np.linalg.lstsq(d.sources, d.observed, rcond=None)[0] for d in one.values()]
    np.testing.assert_allclose(maps[0], maps[1], atol=1e-9)


def test_mcc_is_one_for_the_sources_and_their_absolute_values():
    rng = np.random.default_rng(0)
    s = rng.laplace(size=(5000, 2))
    assert crl.mcc(s, s[:, ::-1] * [2.0, -1.0]) == pytest.approx(1.0)
    assert crl.mcc(s, np.abs(s)) == pytest.approx(1.0)
    mixed = s @ np.array([[1.0, 1.0], [1.0, -1.0]])
    assert crl.mcc(s, mixed) < 0.75


def test_segmented_sources_change_scale_across_segments():
    data = crl.segmented_sources(n_segments=4, per_segment=2000, seed=0)
    sd = [data.sources[data.segment == m].std(axis=0) for m in range(4)]
    assert np.ptp(np.array(sd), axis=0).min() > 0.1
    assert data.observed.shape == data.sources.shape == (8000, 2)


def test_tcl_ignores_the_callers_thread_count_and_global_seed():
    data = crl.segmented_sources(n_segments=4, per_segment=64, seed=1)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    state = torch.random.get_rng_state()
    try:
        a = crl.tcl_features(data, steps=20, seed=3)
        torch.set_num_threads(1)
        b = crl.tcl_features(data, steps=20, seed=3)
        assert torch.equal(state, torch.random.get_rng_state())
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="n_segments"):
        crl.segmented_sources(n_segments=1)
    with pytest.raises(TypeError, match="nonstationary"):
        crl.segmented_sources(nonstationary="no")
    with pytest.raises(TypeError, match="seed"):
        crl.tcl_features(crl.segmented_sources(), seed=0.5)
