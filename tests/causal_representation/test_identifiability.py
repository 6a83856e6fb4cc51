"""mlxday2.causal_representation: each estimator against the simulated truth.

Every test runs several seeds. Thresholds sit far from the values the seeds give (noted
in each test), so they hold on any CPU, BLAS and thread count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlxday2 import causal_representation as crl

SEEDS = range(5)


ANGLES = tuple(range(0, 90, 5))


@pytest.mark.parametrize("distribution", ["gaussian", "laplace"])
@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_factor_likelihood_is_blind_to_rotation_for_any_data(
    distribution, seed
):
    mixture = crl.mixed_sources(distribution=distribution, seed=seed)
    table = crl.rotation_table(mixture, angles_deg=ANGLES)
    np.testing.assert_allclose(
        table["loglik"], table["loglik"].iloc[0], rtol=0, atol=1e-9
    )
    # ... while the factors it would call "the" factors change with the angle
    assert np.ptp(table["match"]) > 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_nongaussianity_is_flat_for_gaussian_and_peaks_at_the_truth_for_laplace(seed):
    gauss = crl.rotation_table(
        crl.mixed_sources(distribution="gaussian", seed=seed), angles_deg=ANGLES
    )
    lap = crl.rotation_table(
        crl.mixed_sources(distribution="laplace", seed=seed), angles_deg=ANGLES
    )
    # measured over seeds 0-2: Gaussian spread 0.11-0.16, Laplace spread 2.8-3.0
    assert np.ptp(gauss["nongaussianity"]) < 0.6
    assert np.ptp(lap["nongaussianity"]) > 1.5
    peak = lap["angle"][lap["nongaussianity"].idxmax()]
    truth = lap["angle"][lap["match"].idxmax()]
    gap = abs(peak - truth) % 90
    assert min(gap, 90 - gap) <= 10  # the grid step is 5 degrees
    assert lap["match"].max() > 0.95


def test_nongaussianity_is_zero_for_gaussian_and_three_for_laplace():
    rng = np.random.default_rng(0)
    z = np.column_stack([rng.normal(size=200_000), rng.laplace(size=200_000)])
    assert crl.nongaussianity(z[:, :1]) < 0.05
    assert crl.nongaussianity(z[:, 1:]) == pytest.approx(3.0, abs=0.15)


def test_random_rotation_match_is_the_mean_over_angles():
    t = np.linspace(0, np.pi / 2, 100_001)
    mean = np.maximum(np.abs(np.cos(t)), np.abs(np.sin(t))).mean()
    assert crl.random_rotation_match() == pytest.approx(mean, abs=1e-4)
    assert crl.random_rotation_match() == pytest.approx(0.9003, abs=1e-4)


def test_ica_answer_moves_with_the_sample_only_for_gaussian_sources():
    gauss = crl.ica_resamples(crl.mixed_sources(distribution="gaussian", seed=0))
    lap = crl.ica_resamples(crl.mixed_sources(distribution="laplace", seed=0))
    assert np.ptp(gauss) > 0.1 and gauss.min() >= 1 / np.sqrt(2) - 1e-9
    assert np.ptp(lap) < 0.02 and lap.min() > 0.95


@pytest.mark.parametrize("distribution", ["laplace", "uniform", "exponential"])
@pytest.mark.parametrize("seed", SEEDS)
def test_ica_recovers_non_gaussian_sources_up_to_order_and_sign(distribution, seed):
    mixture = crl.mixed_sources(
        n=2000, n_sources=2, distribution=distribution, seed=seed
    )
    recovered = crl.unmix(mixture.observed, n_sources=2, seed=seed)
    match = crl.match_sources(mixture.sources, recovered)
    assert sorted(match.order) == [0, 1]
    assert (match.matched > 0.95).all()  # measured: >= 0.97 on these seeds


def test_ica_on_gaussian_sources_returns_some_rotation_not_the_sources():
    matched = [
        crl.match_sources(m.sources, crl.unmix(m.observed, 2, seed=s)).matched.min()
        for s in SEEDS
        for m in [crl.mixed_sources(distribution="gaussian", seed=s)]
    ]
    assert min(matched) < 0.9  # measured: 0.71-0.90 (non-Gaussian: >= 0.97)


def test_match_sources_undoes_a_known_permutation_and_sign():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(500, 3))
    match = crl.match_sources(
        true, np.column_stack([true[:, 2], -true[:, 0], true[:, 1]])
    )
    assert list(match.order) == [1, 2, 0]
    np.testing.assert_allclose(match.matched, 1.0)
    assert match.corr[0, 1] == pytest.approx(-1.0)


@pytest.mark.parametrize("noise", ["uniform", "laplace", "exponential"])
@pytest.mark.parametrize("seed", SEEDS)
def test_lingam_finds_the_direction_with_non_gaussian_noise(noise, seed):
    pair = crl.cause_effect_pair(n=2000, noise=noise, seed=seed)
    assert crl.lingam_order(pair, seed=seed) == ["x", "y"]
    assert crl.lingam_order(pair[["y", "x"]], seed=seed) == ["x", "y"]
    forward = crl.residual_dependence(pair["x"], pair["y"])
    backward = crl.residual_dependence(pair["y"], pair["x"])
    assert abs(forward) < 0.1 and abs(backward) > 0.2  # measured: < 0.05 and > 0.3


def test_lingam_hit_counts_per_noise_law():
    for noise in ["uniform", "laplace", "exponential"]:
        assert crl.lingam_hits(noise, seeds=range(20)) == 20
    # Gaussian: a fair coin over 40 data sets lands in 10..30 with prob. > 0.998
    gauss = crl.lingam_hits("gaussian", seeds=range(40))
    assert 10 <= gauss <= 30


@pytest.mark.parametrize("seed", SEEDS)
def test_with_gaussian_noise_both_directions_leave_independent_residuals(seed):
    pair = crl.cause_effect_pair(n=2000, noise="gaussian", seed=seed)
    assert abs(crl.residual_dependence(pair["x"], pair["y"])) < 0.15
    assert abs(crl.residual_dependence(pair["y"], pair["x"])) < 0.15  # measured: < 0.06


@pytest.mark.parametrize("seed", SEEDS)
def test_gin_recovers_clusters_and_latent_order_with_non_gaussian_noise(seed):
    data = crl.measurement_model(n=300, n_latents=2, noise="exponential", seed=seed)
    assert crl.gin_search(data.observed) == list(data.clusters)
    o = data.observed
    # L1 is the root: its GIN condition holds, L2's fails
    # (measured: p >= 0.18, p <= 2e-5)
    assert crl.gin_condition(o, ["X1", "X4"], ["X2"]) > 1e-3
    assert crl.gin_condition(o, ["X4", "X1"], ["X5"]) < 1e-3


def test_gin_recovers_three_latents_in_order():
    for seed in (0, 1):
        data = crl.measurement_model(n=400, n_latents=3, seed=seed)
        assert crl.gin_search(data.observed) == list(data.clusters)


@pytest.mark.parametrize("seed", SEEDS)
def test_with_gaussian_noise_gin_cannot_tell_which_latent_is_the_root(seed):
    o = crl.measurement_model(n=300, n_latents=2, noise="gaussian", seed=seed).observed
    # both conditions hold (measured: p >= 0.025 for both): the order is not identified
    assert crl.gin_condition(o, ["X1", "X4"], ["X2"]) > 1e-3
    assert crl.gin_condition(o, ["X4", "X1"], ["X5"]) > 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_gin_recovers_the_reversed_chain_too(seed):
    data = crl.measurement_model(n=300, noise="exponential", reverse=True, seed=seed)
    assert data.clusters == (("X4", "X5", "X6"), ("X1", "X2", "X3"))
    assert crl.gin_search(data.observed) == list(data.clusters)


def test_reversed_chain_has_the_forward_chain_covariance():
    kw = dict(n=200_000, n_latents=3, noise="gaussian", seed=0)
    forward = np.cov(crl.measurement_model(**kw).latents.T)
    backward = np.cov(crl.measurement_model(reverse=True, **kw).latents.T)
    np.testing.assert_allclose(backward, forward, atol=0.03)  # sampling error ~ 0.006
    np.testing.assert_allclose(forward[0], [1.0, 0.8, 0.64], atol=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_cdnod_orients_the_chain_that_one_domain_cannot(seed):
    data = crl.multi_domain_chain(n_per_domain=200, n_domains=3, seed=seed)
    assert crl.cdnod_edges(data) == ["X --> Y", "Y --> Z", "domain --> X"]
    one = data[data["domain"] == 0]
    assert crl.pc_edges(one) == ["X --- Y", "Y --- Z"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shift_in_z_orients_only_the_edge_into_z(seed):
    data = crl.multi_domain_chain(shifted="Z", seed=seed)
    assert crl.cdnod_edges(data) == ["X --- Y", "Y --> Z", "domain --> Z"]


def test_cdnod_prints_no_progress_bar(capfd):
    crl.cdnod_edges(crl.multi_domain_chain(seed=0))
    assert capfd.readouterr().err == ""


def test_measurement_truth_matches_the_columns():
    data = crl.measurement_model(n=50, n_latents=3, per_latent=2, seed=0)
    assert list(data.observed.columns) == [f"X{i}" for i in range(1, 7)]
    assert data.clusters == (("X1", "X2"), ("X3", "X4"), ("X5", "X6"))
    assert data.latents.shape == (50, 3)
    assert isinstance(data.observed, pd.DataFrame)


def test_gin_hit_counts_for_skewed_noise_are_perfect():
    assert crl.gin_hit_counts("exponential", seeds=range(3)) == {
        "L1 -> L2": 3,
        "L2 -> L1": 3,
        "clusters right": 6,
    }


def _order_hits(counts: dict[str, int]) -> int:
    return counts["L1 -> L2"] + counts["L2 -> L1"]


def test_gin_counts_fall_with_lighter_tails_or_fewer_rows():
    counts = {
        "skewed": crl.gin_hit_counts("exponential", range(5)),
        "lighter": crl.gin_hit_counts("laplace", range(5)),
        "fewer": crl.gin_hit_counts("exponential", range(5), n=50),
    }
    hits = {name: _order_hits(c) for name, c in counts.items()}
    assert hits["skewed"] == 10  # measured: laplace 8 and n = 50 8 of 10
    assert hits["lighter"] < hits["skewed"] and hits["fewer"] < hits["skewed"]
    # the misses are misses of the order: the clusters are right in every data set
    assert all(c["clusters right"] == 10 for c in counts.values())


def test_alternating_shift_is_missed_by_the_index_and_found_by_its_indicator():
    for seed in range(4):
        data = crl.multi_domain_chain(pattern="alternating", seed=seed)
        assert crl.cdnod_edges(data) == ["X --- Y", "Y --- Z"]
        chain = ["X --> Y", "Y --> Z", "domain --> X"]
        assert crl.cdnod_one_hot(data)[1] == chain


def test_lingam_reports_an_effect_under_a_hidden_common_cause():
    largest = [
        crl.lingam_effects(crl.confounded_pair(seed=s)).abs().to_numpy().max()
        for s in range(20)
    ]
    assert min(largest) > 0.3  # measured about 0.5 (the truth: no effect)


@pytest.mark.parametrize("distribution", ["gaussian", "laplace"])
def test_fastica_random_start_does_not_change_the_answer_on_one_sample(distribution):
    mixture = crl.mixed_sources(distribution=distribution, seed=0)
    matched = [
        crl.match_sources(
            mixture.sources, crl.unmix(mixture.observed, 2, seed=s)
        ).matched.min()
        for s in range(5)
    ]
    assert np.ptp(matched) < 0.01  # measured < 0.002


def test_uniform_noise_gives_a_negative_reverse_dependence():
    for seed in SEEDS:
        pair = crl.cause_effect_pair(noise="uniform", seed=seed)
        assert crl.residual_dependence(pair["y"], pair["x"]) < -0.2


@pytest.mark.parametrize("noise", ["gaussian", "exponential"])
@pytest.mark.parametrize("seed", range(3))
def test_rank_ratio_separates_the_clusters(noise, seed):
    table = crl.pair_ranks(crl.measurement_model(n=300, noise=noise, seed=seed))
    # measured: same latent <= 0.03, two latents >= 0.14
    assert table[table.same_latent].ratio.max() < 0.07
    assert table[~table.same_latent].ratio.min() > 0.1


@pytest.mark.parametrize("seed", range(3))
def test_rank_ratio_cannot_separate_nearly_collinear_latents(seed):
    data = crl.measurement_model(n=300, noise="gaussian", coef=10.0, seed=seed)
    table = crl.pair_ranks(data)
    assert table[~table.same_latent].ratio.min() < table[table.same_latent].ratio.max()


def test_cross_rank_ratio_is_zero_for_an_exact_rank_one_block():
    loadings = np.array([1.0, 2.0, 0.5, 1.5])
    cov = np.outer(loadings, loadings) + np.eye(4)
    assert crl.cross_rank_ratio(cov, (0, 1)) == pytest.approx(0.0, abs=1e-12)


def test_gaussian_gin_scores_about_one_hit_per_seed_over_both_truths():
    counts = crl.gin_hit_counts("gaussian", range(12))
    # measured 15 of 24; the expectation is at most 12, the coin sd about 2.4
    assert abs(_order_hits(counts) - 12) <= 8
    # the clusters rest on the covariance: right in all 24 (60 of 60 over seeds 0-29)
    assert counts["clusters right"] == 24
