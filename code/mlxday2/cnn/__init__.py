"""A small CNN on CIFAR-10, in short modules by topic; their public names are here.

- ``cifar``: ``load_cifar10`` (decoded once, cached), ``CifarDataset``, ``subset``,
  ``validation_split``, ``class_counts``, the augmentation ``random_crop_flip`` and the
  input normalisation.
- ``models``: ``TutorialNet`` (PyTorch's tutorial baseline) and ``SmallCNN`` (ours),
  built from ``conv_block``s, whose first layer is set by ``whitening_filters``.
- ``anatomy``: the parameters per layer, the receptive fields, batch norm by hand.
- ``numerics``: the device, bf16 or fp32 (``choose_numerics``), the memory layout.
- ``optimizers``: the optimizers (with ``Muon``), the schedules and ``Lookahead``.
- ``training``: ``TrainConfig``, ``train_step``, ``train`` (cached), ``TrainResult``,
  ``train_many`` (runs side by side), ``start_many`` (the same, in the background).
- ``evaluation``: ``evaluate`` (over the test-time views of ``tta_views``) and
  ``recalibrate_batch_norm``.
- ``experiments``: the tuned optimizer comparison, the ablation, the first step at a
  far too high learning rate.
- ``analysis``: a convolution by hand, first-layer filters, feature maps, the errors.
- ``plots``: the figures; they take data and an optional ``ax``/``axes``, never train.

So ``from mlxday2 import cnn; cnn.train(cnn.SMALL_CNN_RECIPE, *cnn.load_cifar10())``
works.
"""

from mlxday2.cnn.analysis import (
    EDGE_FILTER,
    brightness,
    confident_mistakes,
    confusion,
    conv2d_by_hand,
    feature_maps,
    first_layer_filters,
    most_confused_pair,
    per_class_accuracy,
)
from mlxday2.cnn.anatomy import (
    batch_norm_by_hand,
    filter_gradient_spectra,
    parameter_breakdown,
    receptive_fields,
    signal_scales,
    spatial_layers,
)
from mlxday2.cnn.cifar import (
    CLASSES,
    CROP_PAD,
    MEAN,
    SOURCES,
    STD,
    CifarDataset,
    augmented_copies,
    class_counts,
    load_cifar10,
    random_crop_flip,
    subset,
    to_model_input,
    validation_split,
)
from mlxday2.cnn.evaluation import (
    TTA,
    batch_norms,
    evaluate,
    recalibrate_batch_norm,
    tta_views,
)
from mlxday2.cnn.experiments import (
    ABLATION_BUDGET,
    ABLATIONS,
    LR_GRID,
    OPTIMIZER_BUDGET,
    ablation,
    compare_optimizers,
    first_step,
    tune_lr,
    tuning_table,
)
from mlxday2.cnn.models import (
    MODELS,
    SmallCNN,
    TutorialNet,
    conv_block,
    first_conv,
    whitening_filters,
)
from mlxday2.cnn.numerics import (
    bf16_speedup,
    bf16_supported,
    choose_numerics,
    cpu_name,
    native_bf16,
    resolve_device,
)
from mlxday2.cnn.optimizers import OPTIMIZERS, SCHEDULES, Lookahead, Muon, orthogonalise
from mlxday2.cnn.plots import (
    plot_augmentations,
    plot_confusion,
    plot_convolution,
    plot_curves,
    plot_feature_maps,
    plot_filters,
    plot_mistakes,
    plot_per_class,
    plot_samples,
    plot_step_losses,
)
from mlxday2.cnn.training import (
    SMALL_CNN_RECIPE,
    TUTORIAL,
    TrainConfig,
    TrainResult,
    cache_key,
    parallel_plan,
    start_many,
    train,
    train_many,
    train_step,
)
