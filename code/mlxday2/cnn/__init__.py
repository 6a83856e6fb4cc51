"""A small CNN on CIFAR-10, in five short modules; their public names are re-exported.

- ``data``: ``load_cifar10`` (decoded once, cached), ``CifarDataset``, ``subset``,
  ``class_counts``, the augmentation ``random_crop_flip`` and the input normalisation.
- ``models``: ``TutorialNet`` (PyTorch's tutorial baseline) and ``SmallCNN`` (ours),
  whose first layer is set by ``whitening_filters``.
- ``training``: ``TrainConfig``, ``train`` (cached, numerics chosen at run time),
  ``TrainResult``, ``evaluate`` (over the test-time views of ``tta_views``).
- ``analysis``: a convolution by hand, first-layer filters, feature maps, the errors.
- ``plots``: the figures; they take data and an optional ``ax``/``axes``, never train.

So ``from mlxday2 import cnn; cnn.train(cnn.OURS, *cnn.load_cifar10())`` works.
"""

from mlxday2.cnn.analysis import (
    EDGE_FILTER,
    confident_mistakes,
    confusion,
    conv2d_by_hand,
    feature_maps,
    first_layer_filters,
    grey,
    most_confused_pair,
    per_class_accuracy,
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
)
from mlxday2.cnn.models import (
    MODELS,
    SmallCNN,
    TutorialNet,
    first_conv,
    whitening_filters,
)
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
    COMPARISON,
    OPTIMIZERS,
    OURS,
    TTA,
    TUTORIAL,
    TrainConfig,
    TrainResult,
    bf16_speedup,
    bf16_supported,
    cache_key,
    choose_numerics,
    evaluate,
    recalibrate_batch_norm,
    resolve_device,
    train,
    tta_views,
)
