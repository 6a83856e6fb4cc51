"""Where and in what arithmetic a CNN trains: the device, bf16 or fp32, the layout.

``choose_numerics`` picks bf16 mixed precision (autocast: the convolutions and linear
layers compute in bf16, and the layers between them work on bf16 activations; the
weights, the optimizer state, batch norm's running statistics and the loss stay in
float32) for our CNN on a CPU with bf16 instructions, from the CPU's flags, not from a
timing: a timing taken on a busy machine could flip the choice and with it which cached
runs the chapter shows. ``bf16_speedup`` measures what the choice buys in the forward
and backward pass (the chapter prints it; ``bench/cifar.py`` times the same both ways).
"""

from __future__ import annotations

import functools
import math
import platform
import time

import torch
import torch.nn.functional as F

from mlxday2 import checks
from mlxday2.cnn import models

NUMERICS = ("auto", "fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def resolve_device(device: str = "auto") -> torch.device:
    """Return CUDA or MPS if present and device="auto", else the CPU; or that named.

    A GPU asked for by name on a machine without one raises ``ValueError`` naming
    ``device``, rather than torch's driver error at the first tensor moved there.
    """
    checks.check_choice("device", device, DEVICES)
    present = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": _mps_available()}
    if device == "auto":
        return torch.device(next(d for d in ("cuda", "mps", "cpu") if present[d]))
    if not present[device]:
        raise ValueError(
            f"device must be a device this machine has, got {device!r} (not "
            f"available here); pass device='auto' or device='cpu'"
        )
    return torch.device(device)


def bf16_supported() -> bool:
    """Return True if PyTorch's oneDNN backend runs bf16 on this CPU.

    The check (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) asks for AVX-512
    (BW/VL/DQ) or newer; CPUs that pass it may still emulate bf16 without native
    instructions, which is why ``choose_numerics`` also asks ``native_bf16``.
    """
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


#: CPU flags (Linux /proc/cpuinfo) of instructions that compute in bf16: AVX512-BF16
#: and AMX-BF16 on x86, the BF16 extension on Arm.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def cpuinfo_field(keys, cpuinfo: str = "/proc/cpuinfo") -> str | None:
    """Return the value of the first line of ``cpuinfo`` whose key is one of ``keys``
    (Linux's "key : value" lines), or None where there is no such line or no file."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in keys:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """Return the CPU's feature flags from ``cpuinfo`` (empty where there is none)."""
    flags = cpuinfo_field(("flags", "Features"), cpuinfo)  # x86, Arm
    return frozenset(flags.split()) if flags else frozenset()


def native_bf16(flags: frozenset[str] | None = None) -> bool:
    """Return True if the CPU has instructions that compute in bf16 (``BF16_FLAGS``).

    Without them oneDNN emulates bf16 with conversions, and a network trains no
    faster, or slower, than in fp32.
    """
    return bool((cpu_flags() if flags is None else flags) & BF16_FLAGS)


def autocast(numerics: str, device: torch.device):
    """Return the autocast context of ``numerics`` ("bf16" mixed precision, or off)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=numerics == "bf16")


def memory_format(device: torch.device):
    """Return channels-last on a CPU, whose convolutions run fastest on that layout
    (``bench/cifar.py`` measures it); elsewhere the default layout."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


def bf16_speedup(
    model: str = "small", batch_size: int = 128, repeats: int = 3
) -> float:
    """Return how many times faster the forward and backward pass of ``model`` runs in
    bf16 than in fp32.

    The optimizer's update is left out: it runs in fp32 either way (for Muon, its
    Newton-Schulz iterations), so a whole step gains less than this ratio. Best of
    ``repeats`` interleaved passes each on a batch of ``batch_size``, after a warm-up,
    so that other work on the machine inflates both sides alike, on as many threads as
    torch uses now. Measured once per process, arguments and thread count:
    it depends on the CPU and on the network's shape.
    """
    return _bf16_speedup(model, batch_size, repeats, torch.get_num_threads())


@functools.cache
def _bf16_speedup(model: str, batch_size: int, repeats: int, threads: int) -> float:
    """``bf16_speedup`` on ``threads`` threads (the number torch uses now)."""
    x = torch.randn(batch_size, 3, 32, 32)
    y = torch.arange(batch_size) % 10
    best = {"fp32": math.inf, "bf16": math.inf}
    cpu = torch.device("cpu")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layout = memory_format(cpu)  # as training lays them out
        nets = {n: models.MODELS[model]().to(memory_format=layout) for n in best}
        x = x.contiguous(memory_format=layout)
        for _ in range(1 + repeats):
            for numerics, net in nets.items():
                start = time.perf_counter()
                with autocast(numerics, cpu):
                    loss = F.cross_entropy(net(x).float(), y)
                loss.backward()
                best[numerics] = min(best[numerics], time.perf_counter() - start)
    return best["fp32"] / best["bf16"]


#: Models "auto" may train in bf16. The tutorial network is left out: its small
#: convolutions run no faster in bf16 (ratios of 0.95 to 1.02 measured by
#: ``bf16_speedup``), and in fp32 its run is the same on every CPU type's arithmetic.
BF16_CANDIDATES = ("small",)


def choose_numerics(device: str = "cpu", numerics: str = "auto", model="small") -> str:
    """Return "bf16" or "fp32": the arithmetic to train ``model`` with on ``device``.

    "auto" picks bf16 (autocast) only for a model in ``BF16_CANDIDATES``, on a CPU
    where oneDNN runs bf16 (``bf16_supported``) with the CPU's own bf16 instructions
    (``native_bf16``); else fp32 (also on GPUs, which this book does not tune for).
    The decision reads the CPU's flags and never a timing, so it is the same on every
    call on a machine. "fp32" and "bf16" force a choice.
    """
    checks.check_choice("numerics", numerics, NUMERICS)
    checks.check_choice("model", model, sorted(models.MODELS))
    if numerics != "auto":
        return numerics
    if model not in BF16_CANDIDATES or torch.device(device).type != "cpu":
        return "fp32"
    return "bf16" if bf16_supported() and native_bf16() else "fp32"


def cpu_name() -> str:
    """Return the CPU model name (from /proc/cpuinfo on Linux), else the platform."""
    name = cpuinfo_field(("model name",))
    return name or platform.processor() or platform.machine()
