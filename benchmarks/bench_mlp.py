"""Training-step throughput of a fully-connected net: neuralab vs PyTorch, scikit-learn and JAX.

One step = forward, mean softmax cross-entropy, backward, L2 gradient, plain SGD update, with
the loss read back as a Python float, in float32 on the CPU. The three libraries (and the GEMM
floor, see below) are timed in turn in ONE process over several rounds, so a noisy or shared
machine slows all of them alike; the table reports per-round medians and the ratios of those
medians.

* **neuralab**: ``train.train_step`` — exactly what ``Trainer.fit`` runs for each batch — on
  ``Sequential(Linear, ReLU, ..., Linear)`` with ``losses.softmax_step`` (one-hot targets made
  once, as the Trainer does), ``regularizers.L2(lam)`` and ``optim.SGD``; the Trainer's scores
  check (``check_finite``) included. The L2 gradient 2λW is folded into the SGD update as
  weight decay (``SGD.step(weight_decay=2·lam)``), as train_step does for L2.
* **PyTorch**: ``torch.nn.Sequential`` + ``F.cross_entropy`` + ``torch.optim.SGD`` with
  ``weight_decay = 2·lam`` on the weights only (our L2 is λ·ΣW², gradient 2λW), default threads.
* **scikit-learn**: ``MLPClassifier(solver="sgd", batch_size=N, momentum=0).partial_fit`` on one
  batch = one step; ``alpha = 2·lam·N`` (sklearn's penalty is α/(2N)·ΣW²).
* **JAX** (optional: ``pip install 'neuralab[bench]'``; without it the column stays empty):
  one ``jax.jit``-compiled function = forward, mean softmax cross-entropy, backward by
  ``jax.grad``, the L2 gradient 2λW and the SGD update, the parameters donated to it (updated in
  place); the loss read back with ``float()``. XLA's CPU backend, its own threads.

The penalty's value λ·ΣW² is not part of neuralab's or PyTorch's step: neither needs it for the
update (the Trainer computes it once per epoch for its History; torch's weight_decay never
does). scikit-learn adds it to every step's loss, a dot product over the weights.
* **GEMM floor**: only the step's matrix products, with numpy into preallocated outputs:
  ``x @ W`` and ``dW = xᵀ @ dout`` for every layer, ``dx = dout @ Wᵀ`` for all but the first.
  ``vs floor`` = floor time / our step time: how much of our step is matrix products.
* **GEMM peak**: this machine's float32 GEMM speed, a 2048³ product with numpy
  (``machine.gemm_peak_gflops``); ``% of peak`` = our step's matrix-product FLOPs
  (6·N·Σ in·out, ``machine.mlp_step_flops``) per second over that peak.

Like every benchmark here it runs without this machine's OpenBLAS guard variables
(``machine.without_blas_guard``) and prints the kernel threadpoolctl reports.

Each timed block starts after a short idle pause (``--pause``): OpenBLAS's worker threads keep
spinning for ~0.1 s after numpy's last matrix product and would otherwise steal a core from
PyTorch's OpenMP threads (without the pause PyTorch looks up to ~2x slower than it is).

Run ``python benchmarks/bench_mlp.py`` (``--quick`` for a smoke run, ``--rounds R``; on a
machine shared with other jobs add ``--wait-idle 30`` to rerun blocks they disturbed).
It prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from machine import (
    cpu_count,
    cpu_name,
    gemm_peak_gflops,
    machine_lines,
    mlp_step_flops,
    without_blas_guard,
)

NETS = (  # (name, layer sizes, batch size)
    ("3072-100-10", (3072, 100, 10), 200),
    ("3072-512-512-10", (3072, 512, 512, 10), 256),
)
LAM, LR = 1e-4, 1e-3

Step = Callable[[], None]


# --------------------------------------------------------------------------- the contenders
def neuralab_step(sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray) -> Step:
    from neuralab import backend as B
    from neuralab.losses import one_hot, softmax_step
    from neuralab.nn import Linear, ReLU, Sequential
    from neuralab.optim import SGD
    from neuralab.regularizers import L2
    from neuralab.train import train_step

    layers = []
    for i, (d_in, d_out) in enumerate(pairwise(sizes)):
        layers.append(Linear(d_in, d_out, rng=i))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    model = Sequential(*layers)
    reg, opt = L2(LAM), SGD(model.params(), lr=LR)
    target = one_hot(y, sizes[-1], x)  # the Trainer makes it once per fit

    def step() -> None:
        loss, _ = train_step(model, softmax_step, reg, opt, x, target, check_finite=True)
        B.to_float(loss)  # the Trainer reads each step's loss on the CPU; torch calls .item()

    return step


def torch_step(sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray) -> Step:
    import torch
    from torch import nn

    torch.manual_seed(0)
    mods: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(pairwise(sizes)):
        mods.append(nn.Linear(d_in, d_out))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    biases = [m.bias for m in model if isinstance(m, nn.Linear)]
    opt = torch.optim.SGD(
        [{"params": weights, "weight_decay": 2 * LAM}, {"params": biases, "weight_decay": 0.0}],
        lr=LR,
    )
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        loss.item()  # neuralab hands back a Python float too

    return step


def sklearn_step(sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray) -> tuple[Step, str]:
    import warnings

    from sklearn.neural_network import MLPClassifier

    n = x.shape[0]
    clf = MLPClassifier(
        hidden_layer_sizes=sizes[1:-1], solver="sgd", batch_size=n, alpha=2 * LAM * n,
        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, shuffle=False,
        random_state=0,
    )
    classes = np.arange(sizes[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(x, y, classes=classes)  # first call builds the layers
    dtype = str(clf.coefs_[0].dtype)

    def step() -> None:
        clf.partial_fit(x, y)

    return step, dtype


JAX_MISSING = "JAX is not installed: its column stays empty (pip install 'neuralab[bench]')"


def jax_step(sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray) -> Step | None:
    """The same step as one ``jax.jit`` function; None if JAX is not installed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    keys = jax.random.split(jax.random.key(0), len(sizes) - 1)
    params = [
        (jax.random.normal(k, (a, b), jnp.float32) * (2.0 / a) ** 0.5, jnp.zeros(b, jnp.float32))
        for k, (a, b) in zip(keys, pairwise(sizes), strict=True)
    ]

    def loss_fn(params: list, x: jax.Array, y: jax.Array) -> jax.Array:
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    def update(params: list, x: jax.Array, y: jax.Array) -> tuple[list, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        new = [
            (w - LR * (gw + 2 * LAM * w), b - LR * gb)  # L2 gradient 2λW on the weights only
            for (w, b), (gw, gb) in zip(params, grads, strict=True)
        ]
        return new, loss

    update_jit = jax.jit(update, donate_argnums=0)
    xj, yj = jnp.asarray(x), jnp.asarray(y.astype(np.int32))
    state = {"params": params}

    def step() -> None:
        state["params"], loss = update_jit(state["params"], xj, yj)
        float(loss)  # back on the host as a Python float, as the others do

    return step


def gemm_floor_step(sizes: tuple[int, ...], n: int) -> Step:
    """Only the step's matrix products, numpy into preallocated float32 outputs."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    ws = [rng.standard_normal((a, b), dtype=f32) for a, b in pairwise(sizes)]
    acts = [rng.standard_normal((n, d), dtype=f32) for d in sizes]  # layer inputs/outputs
    dws = [np.empty_like(w) for w in ws]
    dxs = [np.empty((n, d), dtype=f32) for d in sizes]

    def step() -> None:
        for i, w in enumerate(ws):  # forward
            np.matmul(acts[i], w, out=acts[i + 1])
        for i in range(len(ws) - 1, -1, -1):  # backward
            dout = acts[i + 1]  # same shape as the real dout
            np.matmul(acts[i].T, dout, out=dws[i])
            if i > 0:
                np.matmul(dout, ws[i].T, out=dxs[i])

    return step


# --------------------------------------------------------------------------- timing
def _cpu_counters() -> tuple[float, float] | None:
    """(CPU seconds used by the whole machine, by this process) so far; None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait, in clock ticks
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


def timed_block(step: Step, steps: int, pause: float, patience: float) -> tuple[float, bool]:
    """Seconds per step over ``steps`` steps, after ``pause`` seconds of idling (which lets the
    previous contender's BLAS/OpenMP threads stop spinning).

    With ``patience`` > 0 (a shared machine), a block during which other processes used more
    than 5 % of the machine's CPU time is thrown away and run again after another pause, for up
    to ``patience`` seconds. Returns the time and whether the block ran undisturbed.
    """
    deadline = time.monotonic() + patience
    while True:
        time.sleep(pause)
        before = _cpu_counters()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        wall = time.perf_counter() - t0
        after = _cpu_counters()
        if patience <= 0 or before is None or after is None:
            return wall / steps, True
        others = (after[0] - before[0]) - (after[1] - before[1])
        if others <= 0.05 * wall * cpu_count():
            return wall / steps, True
        if time.monotonic() > deadline:
            return wall / steps, False


def time_block(step: Step, steps: int) -> float:
    """Seconds per step over a block of ``steps`` consecutive steps."""
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


@dataclass
class Result:
    net: str
    sizes: tuple[int, ...]
    batch: int
    times: dict[str, list[float]]  # seconds per step, one entry per round
    noisy: int = 0  # blocks disturbed by other processes even after --wait-idle

    def median(self, who: str) -> float:
        return statistics.median(self.times[who])

    def throughput(self, who: str) -> float | None:
        """Samples per second (median step time); None for a contender that did not run."""
        return self.batch / self.median(who) if who in self.times else None

    def paired(self, who: str) -> float:
        """Median over rounds of who's step time / neuralab's (robust to slow drifts)."""
        ours = self.times["neuralab"]
        return statistics.median(t / o for t, o in zip(self.times[who], ours, strict=True))


def bench_net(
    name: str, sizes: tuple[int, ...], n: int, rounds: int, block_s: float, warmup: int,
    pause: float, patience: float,
) -> tuple[Result, str]:
    rng = np.random.default_rng(42)
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], size=n, dtype=np.int64)
    sk_step, sk_dtype = sklearn_step(sizes, x, y)
    contenders: dict[str, Step] = {
        "neuralab": neuralab_step(sizes, x, y),
        "torch": torch_step(sizes, x, y),
        "sklearn": sk_step,
        "floor": gemm_floor_step(sizes, n),
    }
    jx = jax_step(sizes, x, y)
    if jx is not None:
        contenders["jax"] = jx
    for step in contenders.values():
        for _ in range(warmup):
            step()
    # One block ~ block_s of neuralab time; every contender runs the same number of steps.
    per_step = time_block(contenders["neuralab"], 3)
    steps = max(3, round(block_s / per_step))
    times: dict[str, list[float]] = {k: [] for k in contenders}
    order = list(contenders)
    noisy = 0
    for r in range(rounds):
        # rotate the order each round so no contender always follows the same one
        for who in order[r % len(order):] + order[: r % len(order)]:
            t, quiet = timed_block(contenders[who], steps, pause, patience)
            times[who].append(t)
            noisy += not quiet
    return Result(name, sizes, n, times, noisy), sk_dtype


# --------------------------------------------------------------------------- reporting
def environment(peak: float) -> list[str]:
    import sklearn
    import torch

    try:
        import jax

        jax_line = f"JAX {jax.__version__} (XLA CPU, {jax.device_count()} device)"
    except ImportError:
        jax_line = JAX_MISSING
    return [
        f"CPU: {cpu_name()} ({cpu_count()} logical cores available)",
        f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}"
        f" ({torch.get_num_threads()} threads, MKL {torch.backends.mkl.is_available()}), "
        f"scikit-learn {sklearn.__version__}",
        jax_line,
        *machine_lines(peak),
    ]


def _num(v: float | None, fmt: str = ",.0f", unit: str = "") -> str:
    return "" if v is None else f"{v:{fmt}}{unit}"


def table(results: list[Result], peak: float) -> str:
    """Samples/s, our ratios to each peer (× > 1: we are faster), the GEMM floor and our step's
    matrix-product GFLOP/s as a fraction of the machine's GEMM peak (GFLOP/s)."""
    head = (
        "| net (batch) | neuralab | PyTorch | scikit-learn | JAX | vs PyTorch | vs sklearn "
        "| vs JAX | GEMM floor | vs floor | step GFLOP/s | % of GEMM peak |"
    )
    rows = [head, "|" + "---|" * 12]
    for r in results:
        ours = r.throughput("neuralab")
        peers = {who: r.throughput(who) for who in ("torch", "sklearn", "jax")}
        ratios = {who: None if v is None else ours / v for who, v in peers.items()}
        gflops = mlp_step_flops(r.sizes, r.batch) / r.median("neuralab") / 1e9
        rows.append(
            f"| {r.net} ({r.batch}) | {ours:,.0f} | {_num(peers['torch'])} "
            f"| {_num(peers['sklearn'])} | {_num(peers['jax'])} "
            f"| {_num(ratios['torch'], '.2f', '×')} | {_num(ratios['sklearn'], '.2f', '×')} "
            f"| {_num(ratios['jax'], '.2f', '×')} | {r.throughput('floor'):,.0f} "
            f"| {100 * r.median('floor') / r.median('neuralab'):.0f} % "
            f"| {gflops:.0f} | {100 * gflops / peak:.0f} % |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rounds", type=int, default=7, help="timed rounds per contender (7)")
    ap.add_argument("--block", type=float, default=0.5,
                    help="seconds of neuralab steps per timed block (0.5)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps per contender (5)")
    ap.add_argument("--pause", type=float, default=0.2,
                    help="seconds of idle before each timed block (0.2)")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                    help="on a shared machine: rerun a block that other processes disturbed, "
                         "for up to SECONDS per block (default 0: keep every block)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 rounds of short blocks")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.block, args.warmup = 2, 0.1, 2

    peak = gemm_peak_gflops()
    print("\n".join(environment(peak)))
    results, dtypes = [], []
    for name, sizes, n in NETS:
        res, sk_dtype = bench_net(
            name, sizes, n, args.rounds, args.block, args.warmup, args.pause, args.wait_idle
        )
        results.append(res)
        dtypes.append(f"{name}: {sk_dtype}")
        spread = ", ".join(
            f"{who} {1e3 * res.median(who):.2f} ({1e3 * min(t):.2f}–{1e3 * max(t):.2f})"
            for who, t in res.times.items()
        )
        paired = ", ".join(
            f"{who}/neuralab {res.paired(who):.2f}"
            for who in ("torch", "sklearn", "jax", "floor") if who in res.times
        )
        print(f"{name} batch {n}: ms/step, median (min–max) of {args.rounds} rounds: {spread}")
        print(f"  median of per-round time ratios: {paired}")
        if args.wait_idle > 0:
            print(f"  blocks still disturbed by other processes: {res.noisy} of "
                  f"{args.rounds * len(res.times)}")
    print(f"scikit-learn computes in: {'; '.join(dtypes)}")
    print()
    print("Training-step throughput, samples/s (median of "
          f"{args.rounds} rounds; float32; forward + softmax loss + backward + L2 gradient + "
          "SGD):")
    print()
    peak_after = gemm_peak_gflops()
    # another process slows a measurement, never speeds it up: the peak is the faster of the two
    print(table(results, max(peak, peak_after)))
    print(f"\nGEMM peak {peak:,.0f} GFLOP/s before the runs, {peak_after:,.0f} after; % of GEMM "
          "peak uses the higher. Step FLOPs = 6·N·Σ in·out (forward x@W, backward xᵀ@dout and "
          "dout@Wᵀ per layer).")
    if "jax" not in results[0].times:
        print(JAX_MISSING)


if __name__ == "__main__":
    without_blas_guard()
    main()
