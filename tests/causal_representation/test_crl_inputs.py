"""Bad input at every public function of mlxday2.causal_representation gives an error
naming the argument and the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import with_cell
from mlxday2 import causal_representation as crl

HIDDEN = crl.hidden_confounder(50, n_proxies=3, seed=0)


CASES = {
    # hidden confounder
    "hidden n_proxies float": (
        lambda: crl.hidden_confounder(10, n_proxies=2.0),
        TypeError,
        "n_proxies must be an integer",
    ),
    "hidden keep_hidden text": (
        lambda: crl.hidden_confounder(10, keep_hidden="False"),
        TypeError,
        "keep_hidden must be True or False",
    ),
    "hidden scm sd": (
        lambda: crl.HiddenSCM(proxy_sd=0),
        ValueError,
        r"HiddenSCM.proxy_sd must be > 0",
    ),
    "hidden scm inf": (
        lambda: crl.HiddenSCM(effect=np.inf),
        ValueError,
        "HiddenSCM.effect must be finite",
    ),
    "proxy names": (
        lambda: crl.proxy_columns(HIDDEN.rename(columns={"proxy_2": "proxy_b"})),
        ValueError,
        r"named proxy_1, proxy_2, ...; got \['proxy_b'\]",
    ),
    "adjusted no proxies": (
        lambda: crl.adjusted_effect(HIDDEN[["treatment", "outcome"]]),
        ValueError,
        "df must have proxy columns",
    ),
    "adjusted zero proxies": (
        lambda: crl.adjusted_effect(HIDDEN, n_proxies=0),
        ValueError,
        "n_proxies must be an integer >= 1, got 0",
    ),
    "adjusted too many": (
        lambda: crl.adjusted_effect(HIDDEN, n_proxies=5),
        ValueError,
        "n_proxies must be between 1 and 3",
    ),
    "adjusted nan": (
        lambda: crl.adjusted_effect(with_cell(HIDDEN, 3, "treatment", np.nan)),
        ValueError,
        r"df\['treatment'\] must be finite, got nan",
    ),
    "adjusted text outcome": (
        lambda: crl.adjusted_effect(HIDDEN.assign(outcome="high")),
        TypeError,
        r"df\['outcome'\] must be an array of real numbers",
    ),
    "theory negative": (
        lambda: crl.plugin_bias([-1, 2]),
        ValueError,
        r"n_proxies must be >= 0, got \[-1.0, 2.0\]",
    ),
    "theory nan": (
        lambda: crl.plugin_bias([np.nan]),
        ValueError,
        "n_proxies must be finite, got nan",
    ),
    "curve zero proxies": (
        lambda: crl.proxy_curve(n_proxies=(0, 2)),
        ValueError,
        r"n_proxies\[i\] must be an integer >= 1, got 0",
    ),
    "curve no seeds": (
        lambda: crl.proxy_curve(seeds=()),
        ValueError,
        "n_proxies and seeds must each hold at least one value",
    ),
    "curve bad seed": (
        lambda: crl.proxy_curve(seeds=(0, -2)),
        ValueError,
        r"seeds\[i\] must be an integer >= 0, got -2",
    ),
    "fci small n": (
        lambda: crl.instrumented_confounder(n=5),
        ValueError,
        "n must be an integer >= 10, got 5",
    ),
    "fci alpha": (
        lambda: crl.fci_edges(crl.instrumented_confounder(50), alpha=1.5),
        ValueError,
        r"alpha must be in \(0, 1\), got 1.5",
    ),
    # identifiability
    "mixture too few indicators": (
        lambda: crl.mixed_sources(n_sources=3, n_indicators=2),
        ValueError,
        "n_indicators must be >= n_sources",
    ),
    "mixture distribution": (
        lambda: crl.mixed_sources(distribution="cauchy"),
        ValueError,
        r"distribution must be one of \('gaussian'",
    ),
    "mixture noise": (
        lambda: crl.mixed_sources(noise_sd=-1),
        ValueError,
        r"noise_sd must be >= 0",
    ),
    "rotation one source": (
        lambda: crl.rotation_table(crl.mixed_sources(n_sources=1)),
        ValueError,
        "exactly 2 sources",
    ),
    "unmix 1-D": (lambda: crl.unmix(np.zeros(50)), ValueError, r"got shape \(50,\)"),
    "unmix too many": (
        lambda: crl.unmix(np.random.default_rng(0).normal(size=(50, 2)), 3),
        ValueError,
        "n_sources must be <= the 2 columns",
    ),
    "match shapes": (
        lambda: crl.match_sources(np.zeros((10, 2)), np.zeros((10, 3))),
        ValueError,
        "same shape",
    ),
    "pair noise": (
        lambda: crl.cause_effect_pair(noise="student"),
        ValueError,
        "noise must be one of",
    ),
    "dependence lengths": (
        lambda: crl.residual_dependence(np.arange(5.0), np.arange(4.0)),
        ValueError,
        "same length",
    ),
    "dependence constant": (
        lambda: crl.residual_dependence(np.ones(5), np.arange(5.0)),
        ValueError,
        "cause is constant",
    ),
    "lingam array": (
        lambda: crl.lingam_order(np.zeros((20, 2))),
        TypeError,
        "data must be a pandas DataFrame",
    ),
    # latent graphs
    "gin one indicator": (
        lambda: crl.measurement_model(per_latent=1),
        ValueError,
        "per_latent must be an integer >= 2, got 1",
    ),
    "gin no latent": (
        lambda: crl.measurement_model(n_latents=0),
        ValueError,
        "n_latents must be an integer >= 1, got 0",
    ),
    "gin n": (
        lambda: crl.measurement_model(n=1),
        ValueError,
        "n must be an integer >= 10",
    ),
    "gin too few columns": (
        lambda: crl.gin_search(pd.DataFrame(np.ones((20, 3)))),
        ValueError,
        "at least 4 indicator columns",
    ),
    "gin text column": (
        lambda: crl.gin_search(crl.measurement_model(n=20).observed.assign(X1="high")),
        TypeError,
        "data must be an array of real numbers",
    ),
    "gin unknown column": (
        lambda: crl.gin_condition(
            crl.measurement_model(n=20).observed, ["X1", "X9"], ["X2"]
        ),
        ValueError,
        "tested must be a non-empty list of columns",
    ),
    "domains zero": (
        lambda: crl.multi_domain_chain(n_domains=0),
        ValueError,
        "n_domains must be an integer >= 1, got 0",
    ),
    "domains shifted": (
        lambda: crl.multi_domain_chain(shifted="W"),
        ValueError,
        r"shifted must be one of \('X', 'Y', 'Z'\), got 'W'",
    ),
    "cdnod no domain": (
        lambda: crl.cdnod_edges(crl.multi_domain_chain().drop(columns="domain")),
        ValueError,
        "must have a 'domain' column",
    ),
    "cdnod one domain": (
        lambda: crl.cdnod_edges(crl.multi_domain_chain(n_domains=1)),
        ValueError,
        "at least two domains",
    ),
    "cdnod alpha": (
        lambda: crl.cdnod_edges(crl.multi_domain_chain(), alpha=0),
        ValueError,
        r"alpha must be in \(0, 1\), got 0",
    ),
    "pc one variable": (
        lambda: crl.pc_edges(pd.DataFrame({"X": np.arange(20.0)})),
        ValueError,
        "at least 2 variables",
    ),
    "plot_proxy_curve frame": (
        lambda: crl.plot_proxy_curve(HIDDEN),
        ValueError,
        "curve is missing column",
    ),
}


@pytest.mark.parametrize("call, error, message", CASES.values(), ids=CASES.keys())
def test_bad_input_names_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
