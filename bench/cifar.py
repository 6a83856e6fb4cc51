"""Train the tutorial baseline and our small CNN on CIFAR-10 in one run; print what ran.

    MLXDAY2_DATA=/path/to/data .venv/bin/python bench/cifar.py [--cached] [--validation]

Both models train from scratch, one after the other, on all of torch's threads (the
chapter trains them side by side, each on its share of the threads: other runs, cached
apart); ``--cached`` reuses cached runs instead. ``--validation`` trains on 45,000
training images and scores the 5,000 others (``VALIDATION`` images, split with seed 0):
compare recipes that way, and look at the test accuracy only for the recipe chosen, so
that the test set never picks anything. Prints, for both models, the numerics chosen at
run time, epochs, training seconds, ms per step and held-out accuracy on the copy of
CIFAR-10 found, then our accuracy and our training time as a ratio to the baseline's,
both measured in this run on this machine, with the load average. Other work on the
machine inflates the seconds but not the accuracies: the numerics (bf16 or fp32) are
chosen from the CPU's flags (``numerics.choose_numerics``), not by a timing. Then the
speed-ups the package's choices rest on: bf16 over fp32 and channels-last over the
default layout, for the forward and backward pass of each model (the optimizer's update
left out).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import torch
import torch.nn.functional as F

from mlxday2 import cnn
from mlxday2.cnn import numerics

VALIDATION = 5_000


def step_seconds(model: str, layout, dtype: str, batch: int = 128, repeats: int = 5):
    """Return the best time of ``repeats`` training steps (forward and backward)."""
    g = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):  # seed the initialisation locally
        torch.manual_seed(0)
        net = cnn.MODELS[model]().to(memory_format=layout)
    x = torch.randn(batch, 3, 32, 32, generator=g).contiguous(memory_format=layout)
    y = torch.arange(batch) % 10
    best = math.inf
    for _ in range(1 + repeats):
        start = time.perf_counter()
        with numerics.autocast(dtype, torch.device("cpu")):
            loss = F.cross_entropy(net(x).float(), y)
        loss.backward()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cached", action="store_true", help="reuse cached training runs"
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help=f"score on {VALIDATION:,} held-out training images, not the test set",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    train_set, test_set = cnn.load_cifar10()
    held_out = "test"
    if args.validation:
        train_set, test_set = cnn.validation_split(train_set, VALIDATION, seed=0)
        held_out = "validation"
    print(
        f"data: {train_set.source_name}, {len(train_set)} train / "
        f"{len(test_set)} test, loaded in {time.perf_counter() - start:.1f} s; "
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
        f"cpus {os.cpu_count()}, cpu {cnn.cpu_name()}, bf16 supported "
        f"{cnn.bf16_supported()}, load average {os.getloadavg()[0]:.2f}"
    )
    results = {}
    for name, config in (
        ("baseline (tutorial net)", cnn.TUTORIAL),
        ("ours (small CNN)", cnn.SMALL_CNN_RECIPE),
    ):
        results[name] = cnn.train(config, train_set, test_set, use_cache=args.cached)
    print(
        f"{'model':<26}{'numerics':>9}{'epochs':>7}{'train s':>9}{'ms/step':>9}"
        f"{held_out[:4] + ' acc':>10}{'cached':>8}"
    )
    for name, r in results.items():
        steps = r.config.epochs * (len(train_set) // r.config.batch_size)
        print(
            f"{name:<26}{r.numerics:>9}{r.config.epochs:>7}{r.train_seconds:>9.1f}"
            f"{1000 * r.train_seconds / steps:>9.1f}{r.test_accuracy:>10.4f}"
            f"{r.cached!s:>8}"
        )
    base, ours = results.values()
    print(
        f"our {held_out} accuracy on {train_set.source_name}: "
        f"{ours.test_accuracy:.4f}; "
        f"our training time / the baseline's: "
        f"{ours.train_seconds / base.train_seconds:.2f}; load average after: "
        f"{os.getloadavg()[0]:.2f}; total wall time {time.perf_counter() - start:.0f} s"
    )
    print(ours.history.round(4).to_string(index=False))
    for model in ("small", "tutorial"):
        t = {
            (layout, dtype): step_seconds(model, layout, dtype)
            for layout in (torch.channels_last, torch.contiguous_format)
            for dtype in ("fp32", "bf16")
        }
        cl, cf = torch.channels_last, torch.contiguous_format
        print(
            f"{model}: bf16 speed-up {t[cl, 'fp32'] / t[cl, 'bf16']:.2f}x; "
            f"channels-last speed-up fp32 {t[cf, 'fp32'] / t[cl, 'fp32']:.2f}x, "
            f"bf16 {t[cf, 'bf16'] / t[cl, 'bf16']:.2f}x"
        )


if __name__ == "__main__":
    main()
