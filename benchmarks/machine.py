"""What every benchmark prints about the machine it ran on."""

from __future__ import annotations

import os
import platform


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (or what ``platform`` knows elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            names = (line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
            return next(names)
    except (OSError, StopIteration):
        return platform.processor() or platform.machine() or "?"


def cpu_count() -> int:
    """Logical CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# This machine's environment sets these two as a guard for old OpenBLAS builds; they force
# OpenBLAS's Haswell (AVX2) kernels, which halve numpy's float32 GEMM on an AVX-512 CPU. Users'
# machines don't set them, so benchmarks measure without them (tests and CI keep them).
BLAS_GUARD = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
KEEP_GUARD = "NEURALAB_BENCH_KEEP_BLAS_GUARD"  # =1: measure with the guard, for comparison


def without_blas_guard() -> None:
    """Run this benchmark without :data:`BLAS_GUARD`: if either is set, start the same command
    again in a fresh process without them (OpenBLAS reads them once, when numpy loads it, so
    they cannot be unset in a process that has imported numpy). ``NEURALAB_BENCH_KEEP_BLAS_GUARD=1``
    keeps them. Call it first thing in ``__main__``; the kernel that ran is in the BLAS line
    each benchmark prints (threadpoolctl)."""
    import sys

    if os.environ.get(KEEP_GUARD) == "1" or not any(v in os.environ for v in BLAS_GUARD):
        return
    env = {k: v for k, v in os.environ.items() if k not in BLAS_GUARD}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)
