"""Train the tutorial baseline and our small CNN on CIFAR-10 in one run; print what ran.

    MLXDAY2_DATA=/path/to/data .venv/bin/python bench/cifar.py [--cached]

Both models train from scratch (the runs are written to the cache, so the chapter then
loads them); ``--cached`` reuses cached runs instead. Prints, for both models, the
numerics chosen at run time, epochs, training seconds, ms per step and test accuracy,
then the ratio of our model's accuracy to the baseline's, all measured in this run on
this machine, with the load average (other work on the machine inflates the seconds, not
the accuracies).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from mlxday2 import cnn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cached", action="store_true", help="reuse cached training runs"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    train_set, test_set = cnn.load_cifar10()
    print(
        f"data: {train_set.source_name}, {len(train_set)} train / "
        f"{len(test_set)} test, "
        f"loaded in {time.perf_counter() - start:.1f} s; torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}, cpus {os.cpu_count()}, bf16 supported "
        f"{cnn.bf16_supported()}, load average {os.getloadavg()[0]:.2f}"
    )
    results = {}
    for name, config in (
        ("baseline (tutorial net)", cnn.TUTORIAL),
        ("ours (small CNN)", cnn.OURS),
    ):
        results[name] = cnn.train(config, train_set, test_set, use_cache=args.cached)
    print(
        f"{'model':<26}{'numerics':>9}{'epochs':>7}{'train s':>9}{'ms/step':>9}"
        f"{'test acc':>10}{'cached':>8}"
    )
    for name, r in results.items():
        steps = r.config.epochs * -(-len(train_set) // r.config.batch_size)
        print(
            f"{name:<26}{r.numerics:>9}{r.config.epochs:>7}{r.train_seconds:>9.1f}"
            f"{1000 * r.train_seconds / steps:>9.1f}{r.test_accuracy:>10.4f}"
            f"{r.cached!s:>8}"
        )
    base, ours = results.values()
    print(
        f"accuracy ratio ours/baseline: {ours.test_accuracy / base.test_accuracy:.3f}; "
        f"time ratio: {ours.train_seconds / base.train_seconds:.2f}; "
        f"load average after: "
        f"{os.getloadavg()[0]:.2f}; total wall time {time.perf_counter() - start:.0f} s"
    )
    print(ours.history.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
