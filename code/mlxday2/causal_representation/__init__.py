"""Chapter ``causal_representation``: hidden variables and what can be identified.

- ``proxies``: a confounder seen only through noisy proxies (``hidden_confounder``,
  ``factor_score``, ``adjusted_effect``, ``plugin_bias``, ``iv_estimate``,
  ``two_proxy_effect``, ``proxy_curve``) and FCI flagging a hidden common cause
  (``instrumented_confounder``, ``fci_edges``).
- ``identifiability``: what Gaussianity hides (``mixed_sources``, ``gaussian_loglik``,
  ``nongaussianity``, ``rotation_table``, ``unmix``, ``match_sources``,
  ``ica_resamples``, ``random_rotation_match``).
- ``directions``: a causal direction from non-Gaussian noise (``cause_effect_pair``,
  ``residual_dependence``, ``lingam_order``, ``lingam_hits``, ``confounded_pair``,
  ``lingam_effects``).
- ``latent_graphs``: latent causes from indicators with GIN (``measurement_model``,
  ``gin_condition``, ``gin_search``, ``gin_hit_counts``), by rank constraints
  (``cross_rank_ratio``, ``pair_ranks``), and orientation from change
  across domains with CD-NOD (``multi_domain_chain``, ``cdnod_edges``,
  ``cdnod_one_hot``, ``pc_edges``).
- ``nonlinear_ica``: nonlinear ICA with segments as the auxiliary variable
  (``segmented_sources``, ``tcl_features``, ``autoencoder_features``, ``linear_ica``,
  ``mcc``).
- ``_causallearn``: the one quiet import of causal-learn, and ``single_blas_thread``.

So ``from mlxday2 import causal_representation as crl`` and then ``crl.unmix(...)``;
the graphs are drawn by ``mlxday2.causality.plot_dag``.
"""

from mlxday2.causal_representation.directions import (
    cause_effect_pair,
    confounded_pair,
    lingam_effects,
    lingam_hits,
    lingam_order,
    residual_dependence,
)
from mlxday2.causal_representation.identifiability import (
    DISTRIBUTIONS,
    Mixture,
    SourceMatch,
    gaussian_loglik,
    ica_resamples,
    match_sources,
    mixed_sources,
    nongaussianity,
    plot_rotation_contrast,
    plot_source_match,
    random_rotation_match,
    rotation,
    rotation_table,
    unmix,
)
from mlxday2.causal_representation.latent_graphs import (
    MeasurementData,
    cdnod_edges,
    cdnod_one_hot,
    cross_rank_ratio,
    gin_condition,
    gin_hit_counts,
    gin_search,
    measurement_model,
    multi_domain_chain,
    pair_ranks,
    pc_edges,
)
from mlxday2.causal_representation.nonlinear_ica import (
    SegmentedMixture,
    autoencoder_features,
    linear_ica,
    mcc,
    segmented_sources,
    tcl_features,
)
from mlxday2.causal_representation.proxies import (
    Estimates,
    HiddenSCM,
    adjusted_effect,
    factor_score,
    fci_edges,
    hidden_confounder,
    instrumented_confounder,
    iv_estimate,
    plot_proxy_curve,
    plugin_bias,
    proxy_columns,
    proxy_curve,
    two_proxy_effect,
)
