"""What every benchmark prints about the machine it ran on."""

from __future__ import annotations

import os
import platform
from itertools import pairwise


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


def blas_lines() -> list[str]:
    """One line per BLAS library threadpoolctl finds in this process: its implementation,
    version, the kernel it picked (``architecture``: e.g. SkylakeX = AVX-512, Haswell = AVX2)
    and its default thread count. Import numpy (and any peer that brings its own BLAS) first."""
    import numpy  # noqa: F401  (loads the BLAS for threadpoolctl to find)
    import threadpoolctl

    return [
        f"BLAS: {info.get('internal_api')} {info.get('version')}, kernel "
        f"{info.get('architecture', '?')}, {info.get('num_threads')} threads by default "
        f"({info.get('filepath', '').rsplit('/', 1)[-1]})"
        for info in threadpoolctl.threadpool_info()
        if info.get("user_api") == "blas"
    ]


def gemm_flops(m: int, k: int, n: int) -> int:
    """Floating-point operations of one (m, k) @ (k, n) product: m·n dot products of length k,
    a multiply and an add each."""
    return 2 * m * k * n


def mlp_step_flops(sizes: tuple[int, ...], batch: int) -> int:
    """The matrix-product FLOPs of one training step of a fully-connected net with layer sizes
    ``sizes`` (D, H..., C) at batch N: per layer (in, out) the forward ``x @ W`` (2·N·in·out),
    ``dW = xᵀ @ dout`` (2·N·in·out) and ``dx = dout @ Wᵀ`` (2·N·in·out), i.e.
    6·N·Σ in·out. The first layer's dx is not needed, but we count it (the usual 6·N·params
    rule; it is < 1 % of the small nets' total and keeps the count the textbook one). Bias,
    activation, softmax and update work are O(N·Σ out) and left out."""
    return 6 * batch * sum(a * b for a, b in pairwise(sizes))


def gemm_peak_gflops(n: int = 2048, runs: int = 5) -> float:
    """This machine's float32 GEMM speed in GFLOP/s: the median over ``runs`` timed
    (n, n) @ (n, n) products with numpy (its BLAS, default threads), after one untimed."""
    import statistics
    import time

    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
    secs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        secs.append(time.perf_counter() - t0)
    return gemm_flops(n, n, n) / statistics.median(secs) / 1e9


def machine_lines(peak: float | None = None) -> list[str]:
    """The lines every benchmark prints about the BLAS it ran on: the kernel, whether the
    guard was kept, the load average and the float32 GEMM peak (measured unless given)."""
    if peak is None:
        peak = gemm_peak_gflops()
    guard = ", ".join(f"{v}={os.environ[v]}" for v in BLAS_GUARD if v in os.environ)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        *blas_lines(),
        f"BLAS guard: {guard or 'unset (the kernel OpenBLAS picks itself)'}; "
        f"load average {load}",
        f"float32 GEMM peak (2048³, numpy, median of 5): {peak:,.0f} GFLOP/s",
    ]
