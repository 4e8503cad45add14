"""Where ``features.hog``'s time goes: each stage of its data path timed inside real calls, for
32x32 RGB images with 9 orientations, 8x8-pixel cells, L2-Hys and blocks (3, 3) and (2, 2), on
one thread, beside scikit-image's per-image loop.

The stages are hog.py's own functions, timed by wrapping them for the duration of the run (the
code path is the one users run, not a copy): per chunk of ~32k pixels the gradients
(``_gradients``: two float64 subtractions rounded to float32), the channel choice
(``_choose_channel``: squared magnitudes, the strongest channel, its gradient gathered, ties),
the orientation slots (``_fast_bins``: float32 ``arctan2`` and the bin-edge check), the rest of
``_chunk_votes`` (the float64 votes, the deferred pixels' bookkeeping, the cells' ``bincount``)
and the fold of the slots into bins (``_fold_slots``); per group of ~500k pixels the exact
double-precision votes of the deferred pixels (``_add_exact_votes``) and the block
normalization (``_normalize_blocks``); "other" is the call's remaining time (checks, buffers).

Each stage's time is its median over ``--rounds`` calls on the whole batch; the total is the
median of calls timed without the wrappers, and the last line says what the total would have to
be for 25x scikit-image (timed in the same rounds on ``--n-sk`` images, scaled).

Run ``python benchmarks/profile_hog.py`` (10,000 random images in [0, 1); ``--cifar`` adds the
CIFAR-10 training photos of bench_features.py when present). It prints, never asserts.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench_features import cifar_photos
from machine import cpu_name, machine_lines, without_blas_guard
from neuralab import features

hog_module = importlib.import_module("neuralab.features.hog")

# (label, function of hog.py); _chunk_votes contains the first three, so its own row is what
# is left of it once they are taken out.
STAGES = (
    ("gradients", "_gradients"),
    ("channel choice", "_choose_channel"),
    ("orientation slots (arctan2, edge check)", "_fast_bins"),
    ("votes, deferral bookkeeping, bincount", "_chunk_votes"),
    ("fold slots into bins", "_fold_slots"),
    ("exact votes of deferred pixels", "_add_exact_votes"),
    ("block normalization", "_normalize_blocks"),
)
INSIDE_CHUNK_VOTES = ("_gradients", "_choose_channel", "_fast_bins")


@contextmanager
def timed_stages(seconds: dict[str, float]) -> Iterator[None]:
    """Wrap hog.py's stage functions so that each call adds its time to ``seconds[name]``;
    restores them on exit."""
    originals = {name: getattr(hog_module, name) for _, name in STAGES}

    def wrap(name: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
        return timed

    try:
        for name, fn in originals.items():
            setattr(hog_module, name, wrap(name, fn))
        yield
    finally:
        for name, fn in originals.items():
            setattr(hog_module, name, fn)


def profile(images: np.ndarray, block: tuple[int, int], n_sk: int, rounds: int) -> list[str]:
    """Markdown rows: each stage's median ms and share, the total, and skimage's rate."""
    from skimage.feature import hog as skhog

    kw = {"orientations": 9, "pixels_per_cell": (8, 8), "cells_per_block": block,
          "block_norm": "L2-Hys"}

    def ours() -> np.ndarray:
        return features.hog(images, channel_axis=-1, n_jobs=1, **kw)

    ours()  # warm-up: buffers, page faults
    stage_runs: list[dict[str, float]] = []
    totals, sk_rates = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        ours()
        totals.append(time.perf_counter() - start)
        seconds: dict[str, float] = {}
        with timed_stages(seconds):
            start = time.perf_counter()
            ours()
            seconds["wrapped total"] = time.perf_counter() - start
        for name in INSIDE_CHUNK_VOTES:
            seconds["_chunk_votes"] -= seconds[name]
        stage_runs.append(seconds)
        start = time.perf_counter()
        for image in images[:n_sk]:
            skhog(image, channel_axis=-1, **kw)
        sk_rates.append(n_sk / (time.perf_counter() - start))
    total = statistics.median(totals)
    sk_rate = statistics.median(sk_rates)
    wrapped = 1e3 * statistics.median(run["wrapped total"] for run in stage_runs)
    rows = []
    staged = 0.0
    for label, name in STAGES:
        ms = 1e3 * statistics.median(run[name] for run in stage_runs)
        staged += ms
        rows.append(f"| {label} | {ms:.1f} | {ms / wrapped:.0%} |")
    other = wrapped - staged
    rows.append(f"| other (checks, buffers, Python) | {other:.1f} | {other / wrapped:.0%} |")
    n = len(images)
    rows.append(f"| **total** (unwrapped call) | **{1e3 * total:.1f}** | {n / total:,.0f} img/s, "
                f"{n / total / sk_rate:.1f}x skimage ({sk_rate:,.0f} img/s); 25x needs "
                f"<= {1e3 * n / (25 * sk_rate):.1f} ms |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="random images (default 10,000)")
    parser.add_argument("--n-sk", type=int, default=500, help="images skimage runs per round")
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (default 7)")
    parser.add_argument("--cifar", type=Path, default=Path("/work/shared/data/cifar10"),
                        help="folder with CIFAR-10 binary batches (skipped if missing)")
    args = parser.parse_args()
    print(f"Machine: {cpu_name()}")
    print("\n".join(machine_lines()) + "\n")
    batches = [(f"{args.n:,} random RGB 32x32",
                np.random.default_rng(0).random((args.n, 32, 32, 3)))]
    photos = cifar_photos(args.cifar)
    if photos is not None:
        batches.append((f"{min(len(photos), args.n):,} CIFAR-10 photos", photos[: args.n]))
    for name, images in batches:
        for block in ((3, 3), (2, 2)):
            print(f"### HOG of {name}, blocks {block}, n_jobs=1: medians of {args.rounds} "
                  "rounds\n")
            print("| stage | ms | share |\n|---|---:|---:|")
            print("\n".join(profile(images, block, args.n_sk, args.rounds)) + "\n")


if __name__ == "__main__":
    without_blas_guard()
    main()
