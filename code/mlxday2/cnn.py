"""A small CNN on CIFAR-10: data loading, models, training with a cache, error analysis."""
