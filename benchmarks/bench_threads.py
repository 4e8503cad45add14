"""BLAS threads for ``neuralab train``: the default MNIST MLP with ``--threads 1`` and with
``--threads 2`` (OpenBLAS's default on a two-core machine is one thread per core).

Each run is the real command, ``python -m neuralab train --data mnist --root ROOT --quiet
--threads N``, in a fresh process; the two thread counts alternate, so a busy machine slows
both alike. Printed per thread count: the median training time (``seconds`` in metrics.json,
training only) and the median wall time of the whole command (imports, data, pictures), each
with its range, then the ratio of the medians and the load average before and after. Every
run's weights and test accuracy are compared with the first run's: the same thread count gives
the same weights bit for bit; another may round differently in float32 (OpenBLAS splits a long
inner product between its threads), which 50 epochs carry into the weights.

Run ``python benchmarks/bench_threads.py`` (``--repeats 5``, ``--threads 1,2``,
``--root ../shared/data/mnist``). It prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from machine import cpu_count, cpu_name, machine_lines, without_blas_guard

ROOT = Path(__file__).resolve().parents[1]


def train(root: Path, threads: int, out: Path) -> tuple[float, float]:
    """One ``neuralab train`` run: (training seconds from metrics.json, wall seconds)."""
    command = [sys.executable, "-m", "neuralab", "train", "--data", "mnist", "--root", str(root),
               "--quiet", "--threads", str(threads), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)  # notes: once, not per run
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    wall = time.perf_counter() - start
    return json.loads((out / "metrics.json").read_text())["seconds"], wall


def weight_difference(a: Path, b: Path) -> float:
    """The largest absolute difference between two runs' weights."""
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return max(float(np.abs(wa[k] - wb[k]).max()) for k in wa)


def test_accuracy(run: Path) -> float:
    return json.loads((run / "metrics.json").read_text())["test_accuracy"]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    counts = [int(n) for n in args.threads.split(",")]
    print(f"machine: {cpu_name()}, {cpu_count()} CPUs")
    print("\n".join(machine_lines()))
    load_before = os.getloadavg()
    fit: dict[int, list[float]] = {n: [] for n in counts}
    wall: dict[int, list[float]] = {n: [] for n in counts}
    diff: dict[int, list[float]] = {n: [] for n in counts}  # weights vs the first run's
    accuracy: dict[int, list[float]] = {n: [] for n in counts}
    first_threads = counts[0]  # the thread count of the first run, the reference
    with tempfile.TemporaryDirectory(prefix="bench-threads-") as tmp:
        first = Path(tmp) / "first"
        for r in range(args.repeats):
            for n in counts if r % 2 == 0 else counts[::-1]:  # alternate who goes first
                out = Path(tmp) / f"t{n}-r{r}"
                seconds, whole = train(args.root, n, out)
                fit[n].append(seconds)
                wall[n].append(whole)
                accuracy[n].append(test_accuracy(out))
                if not first.exists():
                    out.rename(first)
                    first_threads = n
                else:
                    diff[n].append(weight_difference(first, out))
                print(f"  repeat {r}, --threads {n}: train {seconds:.2f} s, wall {whole:.2f} s",
                      flush=True)
    load_after = os.getloadavg()
    print(f"\nneuralab train --data mnist (default MLP), {args.repeats} runs per thread count")
    print(f"{'threads':>8}  {'training, median (min–max)':<30}{'whole command, median (min–max)'}")
    for n in counts:
        print(f"{n:>8}  {spread(fit[n]):<30}{spread(wall[n])}")
    base = statistics.median(fit[counts[0]])
    for n in counts[1:]:
        print(f"training time, --threads {n} / --threads {counts[0]}: "
              f"{statistics.median(fit[n]) / base:.2f}×")
    for n in counts:
        same = "the same" if n == first_threads else "another"
        delta = max(diff[n], default=0.0)
        print(f"--threads {n}: test accuracy {min(accuracy[n]):.4f}–{max(accuracy[n]):.4f}; "
              f"weights vs the first run ({same} thread count): max |Δ| {delta:.3g}")
    print(f"load average (1, 5, 15 min): before {load_before[0]:.1f} {load_before[1]:.1f} "
          f"{load_before[2]:.1f}, after {load_after[0]:.1f} {load_after[1]:.1f} "
          f"{load_after[2]:.1f}")


if __name__ == "__main__":
    without_blas_guard()
    main()
