"""mlxday2.causal_representation.proxies: a hidden confounder seen through proxies."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mlxday2 import causal_representation as crl


def test_hidden_data_hold_proxies_but_not_the_confounder():
    df = crl.hidden_confounder(100, n_proxies=4, seed=0)
    assert list(df.columns) == [
        "treatment",
        "outcome",
        "proxy_1",
        "proxy_2",
        "proxy_3",
        "proxy_4",
    ]
    assert "hidden" in crl.hidden_confounder(100, 4, seed=0, keep_hidden=True)


def test_naive_estimate_is_biased_and_oracle_is_not():
    df = crl.hidden_confounder(5000, n_proxies=3, seed=2, keep_hidden=True)
    est = crl.adjusted_effect(df)
    scm = crl.HiddenSCM()
    assert abs(est.naive - scm.effect) > 0.8
    assert est.oracle == pytest.approx(scm.effect, abs=0.1)
    assert abs(est.adjusted - scm.effect) < abs(est.naive - scm.effect)


def test_recovery_error_decreases_with_more_proxies():
    curve = crl.proxy_curve(n_proxies=(1, 3, 8, 20), seeds=(0, 1, 2), n=2000)
    mean = curve.groupby("n_proxies")["error"].mean()
    assert mean.is_monotonic_decreasing
    assert mean[20] < 0.2 * curve["naive_error"].mean()
    # ... but the plug-in's error does not vanish: attenuation leaves residual
    # confounding, as theory says.
    assert mean[20] == pytest.approx(crl.plugin_bias([20])[0], rel=0.35)
    assert curve.groupby("n_proxies")["latent_corr"].mean().is_monotonic_increasing


def test_hidden_bad_input():
    with pytest.raises(ValueError, match="n must be"):
        crl.hidden_confounder(n=1)
    with pytest.raises(ValueError, match="n_proxies must be"):
        crl.hidden_confounder(n=10, n_proxies=0)
    with pytest.raises(ValueError, match="n_proxies must be between 1 and 3"):
        crl.adjusted_effect(crl.hidden_confounder(50, 3), n_proxies=5)


def test_theory_uses_the_scm_loading_range():
    scm = crl.HiddenSCM()
    assert scm.mean_square_loading == pytest.approx(13 / 12)
    draws = np.random.default_rng(0).uniform(0.2, 2.0, 10**6)
    wide = crl.HiddenSCM(loading_low=0.2, loading_high=2.0)
    assert wide.mean_square_loading == pytest.approx(np.mean(draws**2), rel=0.01)
    ones = crl.HiddenSCM(loading_low=1.0, loading_high=1.0)
    v = 1 / (1 + np.arange(4))
    np.testing.assert_allclose(crl.plugin_bias(range(4), ones), 2 * v / (v + 1))
    with pytest.raises(ValueError, match="loading_low <= loading_high"):
        crl.HiddenSCM(loading_low=2.0, loading_high=1.0)


def test_theory_follows_the_simulation_when_the_loadings_change():
    strong = crl.HiddenSCM(loading_low=1.5, loading_high=2.5)
    curve = crl.proxy_curve(n_proxies=(2, 10), seeds=range(4), n=4000, scm=strong)
    mean = curve.groupby("n_proxies")["error"].mean()
    theory = crl.plugin_bias([2, 10], strong)
    np.testing.assert_allclose(mean.to_numpy(), theory, rtol=0.35)


def test_fci_flags_the_hidden_confounder_with_a_bidirected_edge():
    edges = crl.fci_edges(crl.instrumented_confounder(n=2000, seed=0))
    assert "T <-> Y" in edges
    assert not any(e in edges for e in ["T --> Y", "Y --> T", "Z1 --> Y", "Z2 --> T"])


def test_proxies_needed_for_a_bias_below_a_tenth():
    k = np.arange(1, 41)
    bias = crl.plugin_bias(k)
    assert np.all(np.diff(bias) < 0)
    needed = int(k[bias < 0.1][0])
    assert needed == 17
    curve = crl.proxy_curve(n_proxies=(needed,), seeds=range(5), n=4000)
    assert curve["error"].mean() == pytest.approx(bias[needed - 1], abs=0.03)


def test_fci_without_the_instruments_cannot_flag_the_confounder():
    edges = crl.fci_edges(crl.instrumented_confounder(n=2000, seed=0)[["T", "Y"]])
    assert edges == ["T o-o Y"]


@pytest.mark.parametrize("seed", range(20))
def test_two_proxies_identify_the_effect(seed):
    # IV sd at n = 2000 is about 0.08 (200 seeds: mean 0.995, largest miss 0.24)
    df = crl.hidden_confounder(n=2000, n_proxies=2, seed=seed)
    assert crl.two_proxy_effect(df) == pytest.approx(1.0, abs=0.35)


def test_two_proxies_beat_the_plug_in_on_average():
    curve = crl.proxy_curve(n_proxies=(2, 20), seeds=range(10), n=2000)
    two = curve.groupby("seed")["two_proxy_error"].first()
    assert two.mean() < 0.15  # measured about 0.06; the plug-in bias with 2 is 0.48
    assert curve[curve.n_proxies == 2]["error"].mean() > 3 * two.mean()
    assert curve[curve.n_proxies == 20]["error"].mean() > two.mean()


def test_iv_estimate_solves_the_moment_equations():
    rng = np.random.default_rng(0)
    z, w = rng.normal(size=(2, 50, 2))
    y = rng.normal(size=50)
    b = crl.iv_estimate(y, w, z)
    design = np.column_stack([np.ones(50), w])
    instruments = np.column_stack([np.ones(50), z])
    np.testing.assert_allclose(instruments.T @ (y - design @ b), 0, atol=1e-10)


def test_an_impure_proxy_breaks_the_two_proxy_estimate():
    df = crl.hidden_confounder(n=20_000, n_proxies=2, seed=0)
    df["outcome"] += 0.5 * df["proxy_2"]
    assert abs(crl.two_proxy_effect(df) - 1.0) > 0.2  # measured 0.32
