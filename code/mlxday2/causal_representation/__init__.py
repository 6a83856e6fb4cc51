"""Chapter ``causal_representation``: hidden variables and what can be identified.

- ``proxies``: a confounder seen only through noisy proxies (``hidden_confounder``,
  ``adjusted_effect``, ``proxy_curve``, ``fci_hidden_demo``).
- ``identifiability``: what Gaussianity hides (``mixed_sources``, ``rotation_table``,
  ``unmix``, ``match_sources``, ``cause_effect_pair``, ``residual_dependence``,
  ``lingam_order``).
- ``latent_graphs``: latent causes from indicators with GIN (``measurement_model``,
  ``gin_condition``, ``gin_search``, ``gin_hit_counts``) and orientation from change
  across domains with CD-NOD (``multi_domain_chain``, ``cdnod_edges``, ``pc_edges``).

So ``from mlxday2 import causal_representation as crl`` and then ``crl.unmix(...)``;
the graphs are drawn by ``mlxday2.causality.plot_dag``.
"""

from mlxday2.causal_representation.identifiability import (
    DISTRIBUTIONS,
    Mixture,
    SourceMatch,
    cause_effect_pair,
    gaussian_loglik,
    ica_resamples,
    lingam_hits,
    nongaussianity,
    plot_rotation_contrast,
    random_rotation_match,
    lingam_order,
    match_sources,
    mixed_sources,
    plot_source_match,
    residual_dependence,
    rotation,
    rotation_table,
    unmix,
)
from mlxday2.causal_representation.latent_graphs import (
    MeasurementData,
    cdnod_edges,
    cdnod_one_hot,
    gin_condition,
    gin_hit_counts,
    gin_search,
    measurement_model,
    multi_domain_chain,
    pc_edges,
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
