"""Nonlinear ICA: not identifiable from i.i.d. data, identifiable with segments (TCL).

``segmented_sources`` draws independent Laplace sources whose scales change from one
time segment to the next, mixed by a random invertible network. ``tcl_features`` is
time-contrastive learning (Hyvarinen and Morioka, 2016): an MLP learns features from
which a linear classifier tells the segment of each observation; its features recover
the sources up to component-wise transforms. ``autoencoder_features`` is an
unsupervised nonlinear baseline that ignores the segments. ``mcc`` scores any features
against the sources.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import FastICA
from sklearn.exceptions import ConvergenceWarning
from torch import nn

from mlxday2.causal_representation._causallearn import single_blas_thread
from mlxday2.checks import check_bool, check_int, check_seed


@dataclass(frozen=True)
class SegmentedMixture:
    """Observations of nonstationary sources through an invertible nonlinear mixing."""

    observed: np.ndarray  # (n, k) x = f(s)
    sources: np.ndarray  # (n, k) s, independent Laplace given the segment
    segment: np.ndarray  # (n,) the segment index of each row, 0 .. n_segments - 1


def leaky(z: np.ndarray, slope: float = 0.2) -> np.ndarray:
    """Return the leaky ReLU of ``z``: invertible, piecewise linear."""
    return np.where(z > 0, z, slope * z)


def segmented_sources(
    n_segments: int = 16,
    per_segment: int = 256,
    n_sources: int = 2,
    n_layers: int = 3,
    nonstationary: bool = True,
    seed: int = 0,
) -> SegmentedMixture:
    """Return sources with segment-wise scales, mixed by ``n_layers`` leaky layers.

    s_i = sd_(m,i) * Laplace(0, 1/sqrt(2)) in segment m, sd_(m,i) ~ Uniform(0.2, 2);
    x = f(s) with f = A_L o leaky o ... o leaky o A_1, each A_l a random rotation
    followed by scales in [0.5, 1.5], so f is invertible. ``nonstationary=False``
    gives every segment and source the same scale (the mean of the uniform, 1.1):
    the segment labels then carry no information, the case TCL's theorem excludes.
    """
    n_segments = check_int("n_segments", n_segments, 2)
    per_segment = check_int("per_segment", per_segment, 10)
    k = check_int("n_sources", n_sources, 2)
    n_layers = check_int("n_layers", n_layers, 1)
    nonstationary = check_bool("nonstationary", nonstationary)
    rng = np.random.default_rng(check_seed("seed", seed))
    segment = np.repeat(np.arange(n_segments), per_segment)
    sd = rng.uniform(0.2, 2.0, (n_segments, k))
    if not nonstationary:
        sd = np.full_like(sd, 1.1)
    s = rng.laplace(0.0, 1 / np.sqrt(2), (segment.size, k)) * sd[segment]
    x = s
    for layer in range(n_layers):
        q = np.linalg.qr(rng.normal(size=(k, k)))[0]
        x = (x @ q) * rng.uniform(0.5, 1.5, k)
        if layer < n_layers - 1:
            x = leaky(x)
    return SegmentedMixture(x, s, segment)


def mcc(sources: np.ndarray, features: np.ndarray) -> float:
    """Return the mean |corr| of each source with its best-matched feature.

    A source counts as matched by a feature through s_i itself or |s_i| (TCL recovers
    |s_i|, a component-wise transform), whichever correlates better; sources and
    features are paired one to one to maximise the total. 1: recovered up to
    permutation and those component-wise transforms.
    """
    k = sources.shape[1]
    plain = np.abs(np.corrcoef(sources.T, features.T)[:k, k:])
    folded = np.abs(np.corrcoef(np.abs(sources).T, features.T)[:k, k:])
    best = np.maximum(plain, folded)
    rows, cols = linear_sum_assignment(-best)
    return float(best[rows, cols].mean())


@contextmanager
def _torch_rng(seed: int, threads: int = 1):
    """Seed torch for the block only, with ``threads`` CPU threads, then restore."""
    before = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def mlp(k: int, hidden: int = 32, out: int | None = None) -> nn.Sequential:
    """Return a k -> hidden -> hidden -> out MLP with leaky ReLUs between layers."""
    return nn.Sequential(
        nn.Linear(k, hidden),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden, out or k),
    )


def tcl_step(features, classifier, optimiser, x, segment) -> float:
    """One step of TCL: the cross-entropy of predicting the segment from |h(x)|."""
    logits = classifier(features(x).abs())
    loss = nn.functional.cross_entropy(logits, segment)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def autoencoder_step(encoder, decoder, optimiser, x) -> float:
    """One step of the autoencoder: the squared error of reconstructing x."""
    loss = ((decoder(encoder(x)) - x) ** 2).mean()
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def _minibatches(n: int, steps: int, batch: int):
    """Yield ``steps`` index tensors of ``batch`` rows drawn with replacement."""
    steps, batch = check_int("steps", steps, 1), check_int("batch", batch, 2)
    for _ in range(steps):
        yield torch.randint(0, n, (batch,))


def _ica(z: np.ndarray, seed: int) -> np.ndarray:
    """Return FastICA's components of ``z``, converged or not.

    Features that carry no independent structure (TCL on segments that do not change
    the sources) can keep FastICA from converging on some CPUs and not others; its last
    iterate is then the answer, and ``mcc`` scores it like any other.
    """
    ica = FastICA(z.shape[1], whiten="unit-variance", max_iter=1000, random_state=seed)
    with single_blas_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ica.fit_transform(z)


def tcl_features(
    data: SegmentedMixture, steps: int = 3000, batch: int = 256, seed: int = 0
) -> np.ndarray:
    """Return the ``(n, k)`` unmixed TCL features: FastICA of |h(x)|.

    h is trained to tell the segments apart (``tcl_step``). By Hyvarinen and Morioka's
    theorem |h(x)| equals |s_i| (a component-wise transform of the sources) up to a
    linear mixing, which FastICA then removes.
    """
    seed = check_seed("seed", seed)
    x = torch.as_tensor(data.observed, dtype=torch.float32)
    y = torch.as_tensor(data.segment, dtype=torch.long)
    k, n_segments = x.shape[1], int(data.segment.max()) + 1
    with _torch_rng(seed):
        features, classifier = mlp(k, hidden=64), nn.Linear(k, n_segments)
        params = [*features.parameters(), *classifier.parameters()]
        optimiser = torch.optim.Adam(params, lr=1e-2)
        for rows in _minibatches(len(x), steps, batch):
            tcl_step(features, classifier, optimiser, x[rows], y[rows])
        with torch.no_grad():
            h = features(x).abs().numpy()
    return _ica(h, seed)


def autoencoder_features(
    data: SegmentedMixture, steps: int = 1500, batch: int = 256, seed: int = 0
) -> np.ndarray:
    """Return FastICA of a k-dimensional autoencoder code of x: no segment labels used.

    The code is some invertible function of x, hence of s; nothing in i.i.d. data
    singles out the one that separates the sources.
    """
    seed = check_seed("seed", seed)
    x = torch.as_tensor(data.observed, dtype=torch.float32)
    k = x.shape[1]
    with _torch_rng(seed):
        encoder, decoder = mlp(k), mlp(k)
        params = [*encoder.parameters(), *decoder.parameters()]
        optimiser = torch.optim.Adam(params, lr=1e-2)
        for rows in _minibatches(len(x), steps, batch):
            autoencoder_step(encoder, decoder, optimiser, x[rows])
        with torch.no_grad():
            code = encoder(x).numpy()
    return _ica(code, seed)


def linear_ica(data: SegmentedMixture, seed: int = 0) -> np.ndarray:
    """Return FastICA of x itself: linear unmixing of a nonlinear mixture."""
    return _ica(data.observed, check_seed("seed", seed))
