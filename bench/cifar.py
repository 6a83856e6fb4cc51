"""Train the tutorial baseline and our small CNN on CIFAR-10 in one run; print accuracy and time.

    MLXDAY2_DATA=/path/to/data .venv/bin/python bench/cifar.py [--cached]

Both models train from scratch (the results are written to the cache, so the chapter then loads
them); ``--cached`` reuses cached runs instead. Prints test accuracy, training seconds, and the
ratio of our model's accuracy to the baseline's, measured in this run on this machine.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from mlxday2 import cnn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cached", action="store_true", help="reuse cached training runs")
    args = parser.parse_args()

    start = time.perf_counter()
    train_set, test_set = cnn.load_cifar10()
    load_s = time.perf_counter() - start
    print(f"data: {train_set.label} ({train_set.source}), {len(train_set)} train / {len(test_set)} test, "
          f"loaded in {load_s:.1f} s; torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    results = {}
    for name, config in (("baseline (tutorial net)", cnn.TUTORIAL), ("ours (small CNN)", cnn.OURS)):
        results[name] = cnn.train(config, train_set, test_set, use_cache=args.cached)
    print(f"{'model':<26}{'epochs':>7}{'train s':>10}{'test acc':>10}")
    for name, r in results.items():
        print(f"{name:<26}{r.config.epochs:>7}{r.train_seconds:>10.1f}{r.test_accuracy:>10.4f}")
    base, ours = results.values()
    print(f"accuracy ratio ours/baseline: {ours.test_accuracy / base.test_accuracy:.3f}; "
          f"time ratio: {ours.train_seconds / base.train_seconds:.2f}; load average after: "
          f"{os.getloadavg()[0]:.2f}; total wall time {time.perf_counter() - start:.0f} s")
    print(ours.history.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
