"""Hidden causes and their graph from indicators (GIN); edges oriented by change.

All experiments draw data whose truth is known.

1. ``measurement_model`` draws latent causes in a chain L1 -> L2 -> ..., each measured
   by a few indicators with non-Gaussian (or, to see it fail, Gaussian) noise.
   ``gin_condition`` is the test at the heart of GIN (Xie et al., 2020): a combination
   of some indicators, chosen orthogonal to their covariance with others, must be
   independent of those others. ``gin_search`` runs causal-learn's search (``GIN_MI``),
   which returns the clusters of indicators that share a latent, in the latents' causal
   order.
   ``pair_ranks`` finds the same clusters from the covariance alone: two indicators of
   one latent have a rank-one cross-covariance with the rest (vanishing tetrads).
2. ``multi_domain_chain`` draws X -> Y -> Z in several domains, in which only one
   mechanism (X's, unless told otherwise) shifts. ``cdnod_edges`` runs causal-learn's
   CD-NOD with the domain index as an extra variable; ``pc_edges`` runs PC on one
   domain, which cannot orient any edge of a chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from unittest import mock

import numpy as np
import pandas as pd

from mlxday2.causal_representation._causallearn import (
    GIN_MI,
    SkeletonDiscovery,
    cdnod,
    hsic_test_gamma,
    pc,
    single_blas_thread,
)
from mlxday2.causal_representation.identifiability import (
    _check_distribution,
    standard_draws,
)
from mlxday2.checks import (
    check_array,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_real,
    check_seed,
)


@dataclass(frozen=True)
class MeasurementData:
    """Indicators of latent causes, with the truth that produced them."""

    observed: pd.DataFrame  # (n, n_latents * per_latent) columns X1, X2, ...
    latents: np.ndarray  # (n, n_latents), in causal order: L1 -> L2 -> ...
    clusters: tuple[tuple[str, ...], ...]  # each latent's indicators, in causal order


def measurement_model(
    n: int = 300,
    n_latents: int = 2,
    per_latent: int = 3,
    noise: str = "exponential",
    coef: float = 0.8,
    indicator_noise: float = 0.5,
    reverse: bool = False,
    seed: int = 0,
) -> MeasurementData:
    """Return indicators of a chain of latents L1 -> L2 -> ... -> L_k (``n_latents``).

    L1 = e1, L_j = coef * L_(j-1) + e_j; indicator X = loading * L + indicator_noise *
    e, loading uniform on [0.7, 1.3]; every e follows ``noise`` (mean 0, variance 1).
    Each indicator measures exactly one latent (a pure measurement model).

    ``reverse=True`` draws the reversed chain L_k -> ... -> L1 with coefficients and
    noise scales chosen so the latents have the *same covariance* as the forward chain:
    with Gaussian noise the two truths give one and the same distribution of the data.
    """
    n = check_int("n", n, 10)
    n_latents = check_int("n_latents", n_latents, 1)
    per_latent = check_int("per_latent", per_latent, 2)
    _check_distribution("noise", noise)
    coef = check_real("coef", coef)
    indicator_noise = check_real("indicator_noise", indicator_noise, low=0)
    reverse = check_bool("reverse", reverse)
    rng = np.random.default_rng(check_seed("seed", seed))
    if reverse:
        latents = _reversed_chain(rng, noise, n, n_latents, coef)
    else:
        latents = [standard_draws(rng, noise, n)]
        for _ in range(n_latents - 1):
            latents.append(coef * latents[-1] + standard_draws(rng, noise, n))
    columns, clusters = {}, []
    for k, latent in enumerate(latents):
        names = [f"X{k * per_latent + j + 1}" for j in range(per_latent)]
        for name in names:
            loading = rng.uniform(0.7, 1.3)
            own_noise = indicator_noise * standard_draws(rng, noise, n)
            columns[name] = loading * latent + own_noise
        clusters.append(tuple(names))
    order = clusters[::-1] if reverse else clusters
    observed = pd.DataFrame(columns)
    return MeasurementData(observed, np.column_stack(latents), tuple(order))


def _reversed_chain(rng, noise: str, n: int, k: int, coef: float) -> list[np.ndarray]:
    """Return latents L1..Lk drawn as Lk -> ... -> L1, with the forward covariance."""
    var = [1.0]  # Var(L_j) of the forward chain with unit noise variances
    for _ in range(k - 1):
        var.append(coef**2 * var[-1] + 1.0)
    latents = [np.sqrt(var[-1]) * standard_draws(rng, noise, n)]  # L_k, the new root
    for j in range(k - 2, -1, -1):  # L_j from L_(j+1): the population regression
        b = coef * var[j] / var[j + 1]  # Cov(L_j, L_(j+1)) / Var(L_(j+1))
        residual_var = var[j] - b**2 * var[j + 1]
        own = np.sqrt(residual_var) * standard_draws(rng, noise, n)
        latents.insert(0, b * latents[0] + own)
    return latents


def gin_condition(data: pd.DataFrame, tested: list[str], others: list[str]) -> float:
    """Return the p-value of the GIN condition for (``tested``, ``others``).

    Choose w with w' Cov(tested, others) = 0, so that e = tested @ w is uncorrelated
    with every column of ``others``; the condition holds when e is also *independent* of
    them (smallest HSIC p-value over ``others``, by causal-learn's gamma-approximation
    test).
    """
    _check_names(data, tested, "tested")
    _check_names(data, others, "others")
    x, z = data[tested].to_numpy(float), data[others].to_numpy(float)
    cross_cov = np.cov(np.column_stack([z, x]).T)[: z.shape[1], z.shape[1] :]
    w = np.linalg.svd(cross_cov)[2][-1]  # right singular vector of the smallest one
    e = x @ w
    return min(float(hsic_test_gamma(e, z[:, j])[1]) for j in range(z.shape[1]))


def _check_names(data: pd.DataFrame, names: list[str], argument: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not names or any(c not in data.columns for c in names):
        raise ValueError(
            f"{argument} must be a non-empty list of columns of data "
            f"({list(data.columns)}), got {names!r}"
        )
    check_array(f"data[{names!r}]", data[list(names)].to_numpy())


def gin_search(data: pd.DataFrame) -> list[tuple[str, ...]]:
    """Return the clusters of columns sharing a latent, latents in causal order.

    Runs causal-learn's ``GIN_MI`` (the GIN search that ranks candidate clusters and
    roots by their dependence statistic). It assumes a linear model with non-Gaussian
    noise and at least two pure indicators a latent; it returns an answer even where
    these fail.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if data.shape[1] < 4:
        raise ValueError(
            f"data must have at least 4 indicator columns (2 per latent, 2 latents), "
            f"got {data.shape[1]}; add indicators"
        )
    if len(data) < 10:
        raise ValueError(f"data must have at least 10 rows, got {len(data)}")
    x = check_array("data", data.to_numpy())
    with single_blas_thread():
        _, order = GIN_MI(x)
    names = list(data.columns)
    return [tuple(names[i] for i in sorted(cluster)) for cluster in order]


def gin_hit_counts(noise: str, seeds, n: int = 300) -> dict[str, int]:
    """Return how many ``seeds`` give GIN's true clusters and order, for two truths.

    Keys ``"L1 -> L2"`` (``measurement_model`` with two latents) and ``"L2 -> L1"`` (the
    same with ``reverse=True``, which has the same latent covariance): clusters and
    order right. ``"clusters right"``: the data sets of both truths in which the
    clusters are right, whatever their order.
    """
    seeds = [check_seed("seeds[i]", s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got an empty sequence")
    counts, clusters_right = {}, 0
    for truth, reverse in [("L1 -> L2", False), ("L2 -> L1", True)]:
        for s in seeds:
            data = measurement_model(n=n, noise=noise, reverse=reverse, seed=s)
            found = gin_search(data.observed)
            counts[truth] = counts.get(truth, 0) + (found == list(data.clusters))
            clusters_right += sorted(found) == sorted(data.clusters)
    counts["clusters right"] = clusters_right
    return counts


def cross_rank_ratio(cov: np.ndarray, pair: tuple[int, int]) -> float:
    """Return s2 / s1, the singular values of Cov(pair, all other columns).

    For two pure indicators of one latent the two rows are proportional (rank one, the
    ratio near 0); for indicators of two different latents the rank is two.
    """
    rest = [j for j in range(len(cov)) if j not in pair]
    s = np.linalg.svd(cov[np.ix_(list(pair), rest)], compute_uv=False)
    return float(s[1] / s[0])


def pair_ranks(data: MeasurementData) -> pd.DataFrame:
    """Return ``cross_rank_ratio`` for every pair of indicators, and whether they share
    a latent in the truth (columns ``pair``, ``same_latent``, ``ratio``)."""
    check_instance("data", data, MeasurementData, fix="use measurement_model(...)")
    names = list(data.observed.columns)
    cov = np.cov(data.observed.to_numpy(float).T)
    cluster = {x: k for k, c in enumerate(data.clusters) for x in c}
    rows = [
        {
            "pair": f"{names[i]}, {names[j]}",
            "same_latent": cluster[names[i]] == cluster[names[j]],
            "ratio": cross_rank_ratio(cov, (i, j)),
        }
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]
    return pd.DataFrame(rows)


def multi_domain_chain(
    n_per_domain: int = 200,
    n_domains: int = 3,
    shift: float = 1.0,
    shifted: str = "X",
    pattern: str = "linear",
    seed: int = 0,
) -> pd.DataFrame:
    """Return X -> Y -> Z drawn in ``n_domains`` domains, with a ``domain`` column.

    X = N(0, 1), Y = 0.8 X + N(0, 1), Z = 0.8 Y + N(0, 1), and the mechanism of the
    variable named ``shifted`` gains ``shift * domain`` (``pattern="linear"``, a change
    that grows with the domain index, which a linear test such as Fisher-z sees) or
    ``shift * (domain % 2)`` (``"alternating"``: up, down, up, uncorrelated with the
    index over three domains, so Fisher-z misses it).
    """
    n_per_domain = check_int("n_per_domain", n_per_domain, 10)
    n_domains = check_int("n_domains", n_domains, 1)
    shift = check_real("shift", shift)
    check_choice("shifted", shifted, ("X", "Y", "Z"))
    check_choice("pattern", pattern, ("linear", "alternating"))
    rng = np.random.default_rng(check_seed("seed", seed))
    domain = np.repeat(np.arange(n_domains), n_per_domain)
    level = domain if pattern == "linear" else domain % 2
    change = {name: (shift * level if name == shifted else 0.0) for name in "XYZ"}
    x = change["X"] + rng.normal(size=domain.size)
    y = 0.8 * x + change["Y"] + rng.normal(size=domain.size)
    z = 0.8 * y + change["Z"] + rng.normal(size=domain.size)
    return pd.DataFrame({"X": x, "Y": y, "Z": z, "domain": domain})


def _edges(graph, names: list[str]) -> list[str]:
    """Return a causal-learn graph's edges as text such as ``"X --> Y"``."""
    labels = {f"X{i + 1}": name for i, name in enumerate(names)}
    out = []
    for edge in graph.get_graph_edges():
        a, b = labels[edge.get_node1().get_name()], labels[edge.get_node2().get_name()]
        arrow = str(edge).split(" ")[1]
        out.append(f"{a} {arrow} {b}")
    return sorted(out)


def cdnod_edges(data: pd.DataFrame, alpha: float = 0.01) -> list[str]:
    """Return the edges CD-NOD finds, with the ``domain`` column as its change index.

    ``"A --> B"``: oriented; ``"A --- B"``: adjacent, direction unknown. Edges out of
    ``domain`` say which mechanisms change across domains. The tests are Fisher-z
    (partial correlations), so CD-NOD sees only changes that move linearly with the
    index.
    """
    x, names, domain = _domains(data, alpha)
    return _cdnod(x, domain, alpha, names)


def cdnod_one_hot(data: pd.DataFrame, alpha: float = 0.01) -> dict[int, list[str]]:
    """Return CD-NOD's edges for each domain d, with the 0/1 indicator of d as index.

    A change confined to some domains moves each indicator's mean linearly, so
    Fisher-z can see it through at least one indicator.
    """
    x, names, domain = _domains(data, alpha)
    return {int(v): _cdnod(x, domain == v, alpha, names) for v in np.unique(domain)}


def _domains(data: pd.DataFrame, alpha: float):
    x, names = _variables(data, require_domain=True)
    check_real("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    domain = data["domain"].to_numpy(float)
    if len(np.unique(domain)) < 2:
        raise ValueError(
            "data['domain'] has one value; CD-NOD needs at least two domains"
        )
    return x, names, domain


def _cdnod(x: np.ndarray, c: np.ndarray, alpha: float, names: list[str]) -> list[str]:
    # cdnod does not pass show_progress on to its skeleton search, whose bar would print
    # to stderr for a search that takes milliseconds; switch that bar off for this call.
    quiet = partial(SkeletonDiscovery.tqdm, disable=True)
    with mock.patch.object(SkeletonDiscovery, "tqdm", quiet), single_blas_thread():
        c = c.astype(float).reshape(-1, 1)
        graph = cdnod(x, c, alpha, "fisherz", show_progress=False).G
    return _edges(graph, names + ["domain"])


def pc_edges(data: pd.DataFrame, alpha: float = 0.01) -> list[str]:
    """Return the edges PC finds among ``data``'s variables (``domain`` is ignored)."""
    x, names = _variables(data, require_domain=False)
    alpha = check_real("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    graph = pc(x, alpha, "fisherz", show_progress=False).G
    return _edges(graph, names)


def _variables(
    data: pd.DataFrame, require_domain: bool
) -> tuple[np.ndarray, list[str]]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if require_domain and "domain" not in data.columns:
        raise ValueError(
            f"data must have a 'domain' column; it has {list(data.columns)}"
        )
    names = [str(c) for c in data.columns if c != "domain"]
    if len(names) < 2 or len(data) < 10:
        raise ValueError(
            f"data must have at least 2 variables besides 'domain' and 10 rows, got "
            f"{names} and {len(data)} rows"
        )
    return check_array("data", data[names].to_numpy()), names
