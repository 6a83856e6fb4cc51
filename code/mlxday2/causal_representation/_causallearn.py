"""causal-learn, imported once and quietly, and one BLAS thread for small matrices.

causal-learn imports ``tqdm.auto``, which warns in a Jupyter kernel without ipywidgets;
every call in this package switches causal-learn's progress bars off, so the warning
says nothing about a run and is silenced here, once.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

from threadpoolctl import threadpool_limits
from tqdm import TqdmWarning

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=TqdmWarning)
    from causallearn.search.ConstraintBased.CDNOD import cdnod
    from causallearn.search.ConstraintBased.FCI import fci
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.search.FCMBased.lingam import DirectLiNGAM
    from causallearn.search.FCMBased.lingam.hsic import hsic_test_gamma
    from causallearn.search.HiddenCausal.GIN.GIN import GIN_MI
    from causallearn.utils.cit import fisherz
    from causallearn.utils.PCUtils import SkeletonDiscovery

__all__ = [
    "DirectLiNGAM",
    "GIN_MI",
    "SkeletonDiscovery",
    "cdnod",
    "fci",
    "fisherz",
    "hsic_test_gamma",
    "pc",
    "single_blas_thread",
]


@contextmanager
def single_blas_thread():
    """Run the block with one BLAS thread: on the small matrices of this chapter a
    second thread gains nothing, and its busy-waiting slows a shared machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
