"""Image features: neuralab's batched HOG and colour histogram vs per-image loops, plus what HOG
features buy a classifier on real MNIST.

Table 1 -- HOG throughput. 10,000 random 32x32 images (uniform [0, 1) float64, RGB unless
stated; random pixels are a worst case for branch prediction, not for correctness), 9
orientations, 8x8-pixel cells, L2-Hys, blocks (2, 2) -- and (3, 3), which also fits 32x32 with
8x8 cells (4x4 cells, one 3x3 window per 2x2 position). ``neuralab.features.hog`` runs on the
whole batch twice: with ``n_jobs=1`` (the calling thread only) and with ``n_jobs=None``
(one thread per CPU the process may use, printed in the header). scikit-image's
``skimage.feature.hog`` runs in a plain Python loop over a 1,000-image subset, one image after
the other on one thread -- as users run it -- and its rate is scaled (images/s). So "ratio,
threads" compares our batched code using the machine's cores with skimage's per-image loop
as it is, and "ratio, 1 thread" compares one thread with one thread. All three are timed in
turn in ONE process over several rounds (a shared machine slows them alike); the table reports
per-round medians and ratios of the medians. ``max abs diff`` is the largest difference between
neuralab and skimage on the subset; the threaded result is checked equal, bit for bit, to the
``n_jobs=1`` one. If ``--cifar`` points at CIFAR-10 binary batches (default
/work/shared/data/cifar10), two more rows time real photos (their training images / 255, at
most 10,000): grey areas make colour channels tie, which random pixels never do.

Table 2 -- colour histogram (hue, 10 bins) of 10,000 random 32x32 uint8 RGB images:
``neuralab.features.color_histogram`` (``n_jobs=1`` and ``n_jobs=None``) vs a loop of
``matplotlib.colors.rgb_to_hsv(img / 255)`` + ``np.histogram`` per image (on 1,000 images,
scaled).

Table 3 -- MNIST (if ``--mnist`` points at IDX files; default /work/shared/data/mnist): every
image loaded with ``neuralab.data.load("mnist", root=...)`` (10k test files only -> all 10k),
re-split stratified 8k train / 2k test (seed 0); features standardized with training
statistics; test accuracy of softmax on raw pixels, softmax on HOG (7x7 cells, 2x2 blocks, 9
orientations: 324 features), and a 2-layer MLP on HOG; all trained with neuralab's Trainer.

Run ``python benchmarks/bench_features.py`` (under a minute here; ``--quick`` for a smoke run).
It prints Markdown tables and never asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from machine import cpu_name, machine_lines, without_blas_guard
from neuralab import features


def default_threads() -> int:
    """The number of threads neuralab's feature functions use by default with ``n_jobs=None`` (one
    per CPU), for a batch of many chunks."""
    from neuralab.features.hog import resolve_n_jobs

    return resolve_n_jobs(None, 1 << 30)


def machine() -> str:
    import matplotlib
    import skimage

    return (f"{cpu_name()}, {os.cpu_count()} CPUs visible; Python {platform.python_version()}, "
            f"numpy {np.__version__}, scikit-image {skimage.__version__}, matplotlib "
            f"{matplotlib.__version__}; numpy ufuncs are single-threaded, neuralab's "
            f"n_jobs=None runs {default_threads()} threads here")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rounds(contenders: dict[str, tuple[Callable[[], object], int]], n_rounds: int
           ) -> dict[str, float]:
    """Median images/s of each contender ``name -> (run, images per run)``, timed in turn."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(n_rounds):
        for name, (run, n) in contenders.items():
            rates[name].append(n / timed(run))
    return {name: statistics.median(r) for name, r in rates.items()}


# --------------------------------------------------------------------------- HOG
def _rate_cells(rate: dict[str, float], ref: str) -> str:
    """``ours 1 thread | ours threads | reference | ratio 1 thread | ratio threads`` cells."""
    return (f"{rate['one']:,.0f} | {rate['threads']:,.0f} | {rate[ref]:,.0f} | "
            f"{rate['one'] / rate[ref]:.1f}x | **{rate['threads'] / rate[ref]:.1f}x** |")


def cifar_photos(root: Path) -> np.ndarray | None:
    """The training images of the CIFAR-10 binary batches under ``root`` as float64 in [0, 1]
    (N, 32, 32, 3), or None if there are none."""
    from neuralab.data.cifar import read_cifar_binary_batch

    files = sorted(root.glob("cifar-10-batches-bin/data_batch_*.bin"))
    if not files:
        return None
    return np.concatenate([read_cifar_binary_batch(f)[0] for f in files]) / 255.0


def bench_hog(n: int, n_sk: int, n_rounds: int, photos: np.ndarray | None = None) -> list[str]:
    from skimage.feature import hog as skhog

    rng = np.random.default_rng(0)
    rgb = rng.random((n, 32, 32, 3))
    gray = np.ascontiguousarray(rgb[..., 0])
    t = default_threads()
    rows = [f"| images | blocks | dtype | neuralab n_jobs=1 img/s | neuralab {t} threads img/s | "
            "skimage loop (1 thread) img/s | ratio, 1 thread | ratio, threads | max abs diff |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    configs = [("RGB", rgb, -1, (2, 2), np.float64), ("RGB", rgb, -1, (2, 2), np.float32),
               ("RGB", rgb, -1, (3, 3), np.float64), ("gray", gray, None, (2, 2), np.float64)]
    if photos is not None:  # real photos: grey areas tie colour channels, random pixels never
        configs += [("CIFAR-10 photos", photos, -1, b, np.float64) for b in ((3, 3), (2, 2))]
    for kind, images, axis, block, dtype in configs:
        batch = images.astype(dtype, copy=False)
        n = len(batch)
        kw = {"orientations": 9, "pixels_per_cell": (8, 8), "cells_per_block": block,
              "block_norm": "L2-Hys"}

        def one(batch=batch, axis=axis, kw=kw, dtype=dtype) -> np.ndarray:
            return features.hog(batch, channel_axis=axis, dtype=dtype, n_jobs=1, **kw)

        def threads(batch=batch, axis=axis, kw=kw, dtype=dtype) -> np.ndarray:
            return features.hog(batch, channel_axis=axis, dtype=dtype, n_jobs=None, **kw)

        def theirs(batch=batch, axis=axis, kw=kw) -> np.ndarray:
            return np.stack([skhog(im, channel_axis=axis, **kw) for im in batch[:n_sk]])

        ours = one()  # also the warm-up (tables, allocator)
        if not np.array_equal(threads(), ours):
            raise AssertionError("hog: threads and n_jobs=1 differ")  # never expected
        rate = rounds({"one": (one, n), "threads": (threads, n), "skimage": (theirs, n_sk)},
                      n_rounds)
        diff = np.abs(ours[:n_sk] - theirs()).max()
        rows.append(f"| {n:,} {kind} 32x32 | {block} | {np.dtype(dtype).name} | "
                    f"{_rate_cells(rate, 'skimage')} {diff:.1e} |")
    return rows


# --------------------------------------------------------------------------- colour histogram
def bench_color(n: int, n_ref: int, n_rounds: int) -> list[str]:
    from matplotlib.colors import rgb_to_hsv

    images = np.random.default_rng(1).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)

    def one() -> np.ndarray:
        return features.color_histogram(images, bins=10, channel="hue", n_jobs=1)

    def threads() -> np.ndarray:
        return features.color_histogram(images, bins=10, channel="hue", n_jobs=None)

    def theirs() -> np.ndarray:
        return np.stack([np.histogram(rgb_to_hsv(im / 255.0)[..., 0], bins=10, range=(0, 1))[0]
                         / (32 * 32) for im in images[:n_ref]])

    ours = one()
    if not np.array_equal(threads(), ours):
        raise AssertionError("color_histogram: threads and n_jobs=1 differ")  # never expected
    rate = rounds({"one": (one, n), "threads": (threads, n), "ref": (theirs, n_ref)}, n_rounds)
    diff = np.abs(ours[:n_ref] - theirs()).max()
    t = default_threads()
    return [f"| images | neuralab n_jobs=1 img/s | neuralab {t} threads img/s | matplotlib + "
            "np.histogram loop (1 thread) img/s | ratio, 1 thread | ratio, threads | "
            "max abs diff |", "|---|---:|---:|---:|---:|---:|---:|",
            f"| {n:,} uint8 RGB 32x32, hue, 10 bins | {_rate_cells(rate, 'ref')} {diff:.1e} |"]


# --------------------------------------------------------------------------- MNIST accuracy
def bench_mnist(root: Path, epochs: int) -> list[str]:
    from neuralab import data, models
    from neuralab.train import Trainer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.DatasetNotice)  # "only the 10k test files"
        ds = data.load("mnist", root=root, seed=0)
    X = np.concatenate([ds.split(s)[0] for s in ("train", "val", "test")])
    y = np.concatenate([ds.split(s)[1] for s in ("train", "val", "test")])
    train, test = data.stratified_split(y, (0.8, 0.2), seed=0)
    hog_kw = {"hog_orientations": 9, "hog_pixels_per_cell": (7, 7), "hog_cells_per_block": (2, 2)}
    start = time.perf_counter()
    H = features.extract(X, "hog", **hog_kw)
    hog_seconds = time.perf_counter() - start

    def run(name: str, F: np.ndarray, hidden: tuple[int, ...] | None, lr: float) -> str:
        scaler = data.Standardizer().fit(F[train])
        F_train, F_test = scaler.transform(F[train]), scaler.transform(F[test])
        d, k = F.shape[1], int(y.max()) + 1
        model = (models.linear(d, k, seed=0) if hidden is None
                 else models.mlp(d, k, hidden, seed=0))
        trainer = Trainer(model, loss="softmax", optimizer="adam", lr=lr, epochs=epochs,
                          batch_size=128, seed=0)
        t = time.perf_counter()
        trainer.fit(F_train, y[train])
        seconds = time.perf_counter() - t
        acc = trainer.evaluate(F_test, y[test])["accuracy"]
        train_acc = trainer.evaluate(F_train, y[train])["accuracy"]
        return (f"| {name} | {d} | {train_acc:.3f} | {acc:.3f} | {seconds:.1f} |")

    raw = X.reshape(len(X), -1)
    return [
        f"{len(train):,} train / {len(test):,} test (stratified, seed 0), standardized with "
        f"training statistics, Adam, batch 128, {epochs} epochs; HOG of all {len(X):,} images "
        f"took {hog_seconds:.2f} s.",
        "",
        "| model | features | train acc | test acc | train s |",
        "|---|---:|---:|---:|---:|",
        run("softmax on raw pixels", raw, None, 1e-3),
        run("softmax on HOG (7x7 cells, 2x2 blocks, 9 bins)", H, None, 1e-3),
        run("MLP 256 ReLU on HOG", H, (256,), 1e-3),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="timing rounds (default 7)")
    parser.add_argument("--cifar", type=Path, default=Path("/work/shared/data/cifar10"),
                        help="folder with CIFAR-10 binary batches (HOG rows on real photos; "
                        "skipped if missing)")
    parser.add_argument("--mnist", type=Path, default=Path("/work/shared/data/mnist"),
                        help="folder with MNIST IDX files (table 3 is skipped if missing)")
    args = parser.parse_args()
    n, n_sk = (2_000, 200) if args.quick else (10_000, 1_000)
    n_rounds = args.rounds or (2 if args.quick else 7)

    print(f"Machine: {machine()}")
    print("\n".join(machine_lines()) + "\n")
    print(f"### HOG, {n:,} random 32x32 images, 9 orientations, 8x8 cells, L2-Hys\n")
    print(f"skimage timed on the first {n_sk:,} images and scaled; medians of {n_rounds} "
          f"rounds. \"1 thread\": neuralab with n_jobs=1; \"threads\": neuralab's default "
          f"n_jobs ({default_threads()} threads on this machine); skimage always runs its usual "
          "per-image loop on one thread. Threaded results equal n_jobs=1 bit for bit.\n")
    photos = cifar_photos(args.cifar)
    print("\n".join(bench_hog(n, n_sk, n_rounds, None if photos is None else photos[:n])))
    print(f"\n### Colour histogram, {n:,} images\n")
    print(f"Reference loop (one thread) timed on the first {n_sk:,} images and scaled; "
          f"medians of {n_rounds} rounds; neuralab with n_jobs=1 and with n_jobs=None "
          f"({default_threads()} threads).\n")
    print("\n".join(bench_color(n, n_sk, n_rounds)))
    if any(args.mnist.glob("*idx3-ubyte*")):
        print("\n### MNIST: raw pixels vs HOG features\n")
        print("\n".join(bench_mnist(args.mnist, epochs=3 if args.quick else 15)))
    else:
        print(f"\n(MNIST table skipped: no IDX files in {args.mnist})")


if __name__ == "__main__":
    without_blas_guard()
    main()
