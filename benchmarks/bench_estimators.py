"""neuralab.estimators vs scikit-learn: test accuracy and fit time, estimator against estimator.

Pairs (each fitted with ``.fit(X, y)`` on the same arrays, scored with ``.score``):

* ``LinearClassifier(loss="softmax")``  vs ``LogisticRegression()``
* ``LinearClassifier(loss="svm")``      vs ``LinearSVC()``
* ``MLPClassifier((256,))``             vs ``MLPClassifier((256,))`` — the SAME number of epochs E:
  scikit-learn's ``max_iter=E`` with ``tol=0`` and ``n_iter_no_change=E+1``, so it runs exactly E
  epochs (checked: its ``n_iter_`` is printed), and the same minibatch (200, its default), Adam
  learning rate (1e-3, its default) and L2 strength. A third contender, ``HandWritten``, is the
  same training written out by hand as one plain numpy loop with nothing but the arithmetic
  (printed under the table, with neuralab's time over it: the engine's overhead, if any).

Data (pixels scaled to [0, 1]; the split is fixed):

* **digits**: ``sklearn.datasets.load_digits`` (float64, 0..16 -> /16), stratified
  ``train_test_split(test_size=0.2, random_state=0)``: 1437 fit / 360 test. Shown twice: with
  the float64 arrays load_digits gives (scikit-learn then computes in float64, neuralab in
  float32, its default) and with a float32 copy (both compute in float32).
* **mnist**: all 10k images of the MNIST test files in ``--mnist-root`` via
  ``neuralab.data.load("mnist", root=...)``, re-split stratified (seed 0) into 8k fit / 2k test;
  float32 (as the loader returns them), so both compute in float32.

Regularization is matched (see benchmarks/bench_accuracy.py): scikit-learn's defaults C = 1 and
α = 1e-4 are turned into our λ·ΣW² per example mean as λ = 1/(2·C·N) (LogisticRegression,
LinearSVC; the SVM losses still differ: Weston–Watkins hinge vs one-vs-rest squared hinge) and
λ = α/(2·batch) (MLP). Our linear classifiers: Adam, cosine-annealed, with the lr / epochs /
batch size that ``--select`` chose on a validation split of the fit data (``LINEAR``).

Timing: ``fit`` only, wall clock, median over ``--repeats`` runs (repeat r: ``random_state=r``
for both), neuralab and scikit-learn alternating; accuracy is the median over the same runs.
BLAS is pinned to ONE thread for everybody (threadpoolctl): on a small shared machine its worker
threads fight other jobs and turn timings into noise (``--blas-threads N`` pins N instead, e.g.
all cores, numpy's default). CPU time of the process is recorded too (it barely moves when other
jobs steal cores); the ratio column uses wall time.

Run ``python benchmarks/bench_estimators.py`` (``--quick``: one repeat; ``--kinds mlp``: only the
MLP pair). It prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from machine import cpu_count, cpu_name, machine_lines, without_blas_guard

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist"
SPLIT_SEED = 0
HIDDEN = (256,)
MLP_BATCH = 200  # scikit-learn's batch_size="auto" for N >= 200
MLP_LR = 1e-3  # scikit-learn's learning_rate_init
SK_ALPHA = 1e-4  # scikit-learn's MLP default α
EPOCHS = {"digits": 30, "mnist": 20}  # E, the same for both MLPs
# Our linear classifiers' training schedule per dataset, picked once with --select: the best
# validation accuracy on a split carved from the FIT data (never the test split), the cheaper
# setting (fewer epochs, then larger batches) on ties within 0.3 points. Adam, cosine schedule.
LINEAR_GRID = {"lr": (1e-2, 3e-2, 1e-1), "epochs": (10, 30), "batch_size": (32, 128)}
LINEAR: dict[tuple[str, str], dict[str, Any]] = {
    ("digits", "softmax"): {"lr": 1e-1, "epochs": 10, "batch_size": 32},
    ("digits", "svm"): {"lr": 1e-1, "epochs": 10, "batch_size": 32},
    ("mnist", "softmax"): {"lr": 1e-2, "epochs": 10, "batch_size": 128},
    ("mnist", "svm"): {"lr": 1e-2, "epochs": 10, "batch_size": 128},
}


# --------------------------------------------------------------------------- data
@dataclass
class Split:
    name: str  # e.g. "digits (float64)"
    key: str  # "digits" / "mnist"
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits_splits() -> list[Split]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                    random_state=SPLIT_SEED)
    f32 = np.float32
    return [Split("digits (float64)", "digits", X_fit, y_fit, X_test, y_test),
            Split("digits (float32)", "digits", X_fit.astype(f32), y_fit, X_test.astype(f32),
                  y_test)]


def load_mnist_split(root: Path) -> Split:
    from neuralab import data

    with warnings.catch_warnings():  # the loader's "only the test pair" notice: expected here
        warnings.simplefilter("ignore")
        ds = data.load("mnist", root=root, seed=SPLIT_SEED)
    X = np.concatenate([ds.X_train, ds.X_val, ds.X_test])
    X = X.reshape(X.shape[0], -1) / np.float32(255.0)
    y = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    fit, test = data.stratified_split(y, (0.8, 0.2), seed=SPLIT_SEED)
    return Split("mnist (float32)", "mnist", X[fit], y[fit], X[test], y[test])


# --------------------------------------------------------------------------- the contenders
KINDS = ("softmax", "svm", "mlp")
NAMES = {"softmax": ("LinearClassifier(softmax)", "LogisticRegression"),
         "svm": ("LinearClassifier(svm)", "LinearSVC"),
         "mlp": ("MLPClassifier(256)", "MLPClassifier(256)")}


def ours(kind: str, split: Split, seed: int) -> Any:
    from neuralab.estimators import LinearClassifier, MLPClassifier

    n = split.X_fit.shape[0]
    if kind == "mlp":
        return MLPClassifier(HIDDEN, lam=SK_ALPHA / (2 * MLP_BATCH), lr=MLP_LR,
                             epochs=EPOCHS[split.key], batch_size=MLP_BATCH, random_state=seed)
    return LinearClassifier(loss=kind, lam=1.0 / (2 * 1.0 * n), lr_schedule="cosine",
                            random_state=seed, **LINEAR[split.key, kind])


def peer(kind: str, split: Split, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import LinearSVC

    if kind == "softmax":
        return LogisticRegression(max_iter=1000)
    if kind == "svm":
        return LinearSVC(random_state=seed)
    e = EPOCHS[split.key]
    return MLPClassifier(HIDDEN, alpha=SK_ALPHA, batch_size=MLP_BATCH,
                         learning_rate_init=MLP_LR, max_iter=e, tol=0.0, n_iter_no_change=e + 1,
                         random_state=seed)


class HandWritten:
    """The MLP pair's training written out by hand as one plain numpy loop: no framework, no
    checks, no metrics; buffers reused, every update in place. Same network (D-256-C ReLU,
    He-normal weights, zero biases), Adam, L2 weight decay, batch, epochs and a fresh shuffle
    per epoch as ours. neuralab's time over this one is what the engine costs (or saves)."""

    def __init__(self, lam: float, lr: float, epochs: int, batch_size: int, seed: int) -> None:
        self.lam, self.lr, self.epochs = lam, lr, epochs
        self.batch_size, self.seed = batch_size, seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> HandWritten:
        rng = np.random.default_rng(self.seed)
        X = np.asarray(X, dtype=np.float32)
        self.classes_, y = np.unique(y, return_inverse=True)
        (n, d), h, c = X.shape, HIDDEN[0], self.classes_.size
        f32 = np.float32
        params = [(rng.standard_normal((d, h)) * np.sqrt(2 / d)).astype(f32), np.zeros(h, f32),
                  (rng.standard_normal((h, c)) * np.sqrt(2 / h)).astype(f32), np.zeros(c, f32)]
        grads, tmp = [np.empty_like(p) for p in params], [np.empty_like(p) for p in params]
        m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        onehot = np.eye(c, dtype=f32)[y]
        decay = (2 * self.lam, 0.0, 2 * self.lam, 0.0)  # the gradient of λ·ΣW², weights only
        t, buffers = 0, {}
        for _ in range(self.epochs):
            order = rng.permutation(n)
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                xb, tb = X[idx], onehot[idx]
                w1, b1, w2, b2 = params
                if idx.size not in buffers:  # (N, H) hidden, (N, C) scores, (N, H) its grad
                    buffers[idx.size] = (np.empty((idx.size, h), f32),
                                         np.empty((idx.size, c), f32),
                                         np.empty((idx.size, h), f32))
                hid, s, dh = buffers[idx.size]
                np.matmul(xb, w1, out=hid)
                hid += b1
                np.maximum(hid, 0, out=hid)
                np.matmul(hid, w2, out=s)
                s += b2
                s -= s.max(axis=1, keepdims=True)  # softmax − one-hot, over the batch
                np.exp(s, out=s)
                s /= s.sum(axis=1, keepdims=True)
                s -= tb
                s *= 1 / idx.size
                np.matmul(hid.T, s, out=grads[2])
                np.sum(s, axis=0, out=grads[3])
                np.matmul(s, w2.T, out=dh)
                dh *= hid > 0
                np.matmul(xb.T, dh, out=grads[0])
                np.sum(dh, axis=0, out=grads[1])
                t += 1
                root = np.sqrt(1 - 0.999**t)
                rate, eps = -self.lr * root / (1 - 0.9**t), 1e-8 * root
                for p, g, m_, v_, u, c_ in zip(params, grads, m, v, tmp, decay, strict=True):
                    if c_:
                        np.multiply(p, c_, out=u)
                        g += u
                    np.multiply(g, 0.1, out=u)  # m ← 0.9·m + 0.1·g
                    m_ *= 0.9
                    m_ += u
                    np.square(g, out=u)  # v ← 0.999·v + 0.001·g²
                    u *= 0.001
                    v_ *= 0.999
                    v_ += u
                    np.sqrt(v_, out=u)  # w ← w − η·m̂ / (√v̂ + ε)
                    u += eps
                    np.divide(m_, u, out=u)
                    u *= rate
                    p += u
        self.params_ = params
        return self

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2 = self.params_
        scores = np.maximum(np.asarray(X, np.float32) @ w1 + b1, 0) @ w2 + b2
        return float(np.mean(self.classes_[scores.argmax(axis=1)] == y))


def hand_written(kind: str, split: Split, seed: int) -> HandWritten:
    return HandWritten(SK_ALPHA / (2 * MLP_BATCH), MLP_LR, EPOCHS[split.key], MLP_BATCH, seed)


# --------------------------------------------------------------------------- measuring
@dataclass
class Row:
    split: Split
    kind: str
    # who: "ours", "peer" and, for the MLP, "hand" (HandWritten)
    acc: dict[str, list[float]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    peer_iters: list[int] = field(default_factory=list)
    peer_dtype: str = "?"
    warnings: int = 0

    def med(self, what: str, who: str) -> float:
        return statistics.median(getattr(self, what)[who])


def fit_timed(est: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """(wall s, process CPU s, ConvergenceWarnings) of ``est.fit(X, y)``."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w0, c0 = time.perf_counter(), time.process_time()
        est.fit(X, y)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return wall, cpu, sum(issubclass(w.category, ConvergenceWarning) for w in caught)


def bench(kind: str, split: Split, repeats: int) -> Row:
    row = Row(split, kind)
    makers: dict[str, Callable[[str, Split, int], Any]] = {"ours": ours, "peer": peer}
    if kind == "mlp":
        makers["hand"] = hand_written
    for who, maker in makers.items():  # untimed warm-up: imports, first allocations
        fit_timed(maker(kind, split, 0), split.X_fit[:300], split.y_fit[:300])
        row.acc[who], row.wall[who], row.cpu[who] = [], [], []
    for seed in range(repeats):
        # rotate who goes first, so that nobody always runs on the quieter machine
        order = list(makers)[seed % len(makers):] + list(makers)[:seed % len(makers)]
        for who in order:
            est = makers[who](kind, split, seed)
            wall, cpu, warned = fit_timed(est, split.X_fit, split.y_fit)
            row.wall[who].append(wall)
            row.cpu[who].append(cpu)
            row.acc[who].append(float(est.score(split.X_test, split.y_test)))
            if who == "peer":
                row.warnings += warned
                row.peer_iters.append(int(np.max(getattr(est, "n_iter_", 0))))
                if kind == "mlp":
                    row.peer_dtype = str(est.coefs_[0].dtype)
    return row


def select(split: Split) -> None:
    """Validation accuracy of each LINEAR_GRID setting (seed 0) and the setting chosen."""
    import itertools

    from neuralab import data
    from neuralab.estimators import LinearClassifier

    tr, va = data.stratified_split(split.y_fit, (0.75, 0.25), seed=SPLIT_SEED)
    n = tr.size
    for kind in ("softmax", "svm"):
        print(f"\n{split.name} / {kind}: validation accuracy ({n} train / {va.size} val)")
        results = []
        for values in itertools.product(*LINEAR_GRID.values()):
            setting = dict(zip(LINEAR_GRID, values, strict=True))
            est = LinearClassifier(loss=kind, lam=1.0 / (2 * n), lr_schedule="cosine",
                                   random_state=0, **setting)
            acc = est.fit(split.X_fit[tr], split.y_fit[tr]).score(split.X_fit[va],
                                                                   split.y_fit[va])
            results.append((acc, setting))
            print(f"  {acc:.4f}  {setting}")
        best = max(acc for acc, _ in results)
        near = [s for acc, s in results if acc >= best - 0.003]
        print(f"  -> chosen: {min(near, key=lambda s: (s['epochs'], -s['batch_size']))}")


# --------------------------------------------------------------------------- reporting
def environment() -> list[str]:
    import sklearn

    import neuralab

    cpu = cpu_name()
    ncpu = cpu_count()
    lines = [f"CPU: {cpu} ({ncpu} logical cores available); load average "
             f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}",
             f"Python {platform.python_version()}, neuralab {neuralab.__version__}, "
             f"numpy {np.__version__}, scikit-learn {sklearn.__version__}"]
    return [*lines, *machine_lines()]


def table(rows: list[Row]) -> str:
    out = ["| data | neuralab | scikit-learn | acc neuralab | acc sklearn | fit s neuralab "
           "| fit s sklearn | time ratio |", "|" + "---|" * 8]
    for r in rows:
        ours_name, peer_name = NAMES[r.kind]
        if r.kind == "mlp":
            e = EPOCHS[r.split.key]
            ours_name, peer_name = f"{ours_name}, {e} ep", f"{peer_name}, {e} ep"
        ratio = r.med("wall", "ours") / r.med("wall", "peer")
        out.append(f"| {r.split.name} | {ours_name} | {peer_name} "
                   f"| {r.med('acc', 'ours'):.4f} | {r.med('acc', 'peer'):.4f} "
                   f"| {r.med('wall', 'ours'):.3f} | {r.med('wall', 'peer'):.3f} "
                   f"| {ratio:.2f} |")
    return "\n".join(out)


def details(rows: list[Row]) -> list[str]:
    lines = []
    for r in rows:
        ratio_cpu = r.med("cpu", "ours") / r.med("cpu", "peer")
        d_acc = r.med("acc", "ours") - r.med("acc", "peer")
        line = (f"  {r.split.name} / {r.kind}: accuracy {100 * d_acc:+.2f} points "
                f"({d_acc * r.split.y_test.size:+.0f} of {r.split.y_test.size} test images); "
                f"CPU-time ratio {ratio_cpu:.2f}; sklearn n_iter_ {r.peer_iters}")
        if r.kind == "mlp":
            ratio = r.med("wall", "ours") / r.med("wall", "peer")
            verdict = "met" if d_acc >= 0 and ratio <= 2 / 3 else "MISSED"
            line += (f"; sklearn computed in {r.peer_dtype}; target (acc >= sklearn, "
                     f"time <= 2/3): {verdict}")
        if r.warnings:
            line += f"; {r.warnings} ConvergenceWarning(s) from sklearn"
        lines.append(line)
        if "hand" in r.wall:
            hand = r.med("wall", "hand")
            lines.append(f"    the same training as a hand-written numpy loop: {hand:.3f} s = "
                         f"{hand / r.med('wall', 'peer'):.2f} of sklearn's time (accuracy "
                         f"{r.med('acc', 'hand'):.4f}); neuralab takes "
                         f"{r.med('wall', 'ours') / hand:.2f}× its time")
    return lines


def main(argv: list[str] | None = None) -> None:
    from threadpoolctl import threadpool_limits

    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--repeats", type=int, default=5, help="fits per contender (5)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 fit per contender")
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                    help="which pairs to run (default: all three)")
    ap.add_argument("--select", action="store_true",
                    help="redo the choice of LINEAR on validation data, then stop")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads while timing, for everybody (1)")
    ap.add_argument("--mnist-root", type=Path, default=DEFAULT_MNIST,
                    help="folder with the MNIST IDX files (default ../shared/data/mnist)")
    args = ap.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    print("\n".join(environment()))
    splits = load_digits_splits()
    if args.mnist_root.is_dir():
        splits.append(load_mnist_split(args.mnist_root))
    else:
        print(f"(no MNIST at {args.mnist_root}: digits only)")
    if args.select:
        for split in splits[1:]:  # float32 digits and MNIST (digits float64: the same choice)
            select(split)
        return
    rows = []
    with threadpool_limits(args.blas_threads):
        for split in splits:
            for kind in args.kinds:
                rows.append(bench(kind, split, repeats))
                print(f"  done: {split.name} / {kind}", flush=True)
    print(f"\nfit time: median of {repeats} run(s) (random_state 0..{repeats - 1}), wall clock, "
          f"{args.blas_threads} BLAS thread(s); accuracy: median over the same runs\n")
    print(table(rows))
    print()
    print("\n".join(details(rows)))
    print(f"\nload average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    without_blas_guard()
    main()
