"""Where a training step's time goes: each part of neuralab's step timed on its own, for the nets
of ``bench_mlp.py`` and for the lecture's small models.

The step is ``train.train_step`` taken apart: each layer's forward, the scores check, the loss
(softmax cross-entropy and its gradient), each layer's backward, the optimizer's update (SGD with
the L2 term folded in; ``--optimizer adam`` for Adam). Each Linear layer's matrix products are
also timed alone — ``x @ W`` forward, ``xᵀ @ dout`` and ``dout @ Wᵀ`` backward, numpy into
preallocated outputs, as ``bench_mlp.py``'s GEMM floor — so each row says how much of it is
matrix product and how much is the rest (bias, activation, copies, Python). The parts are
timed in turn, each part's median over ``--rounds`` blocks; their sum is compared with the
whole step timed as one.

The small models: a 64 → 10 linear classifier at batch 64 (``neuralab train --model linear``
on digits) and the playground's default net, 2 → 4 → 2 → 2 with tanh at batch 10.

Run ``python benchmarks/profile_step.py`` (``--rounds 9``, ``--optimizer sgd|adam``). BLAS on
one thread (``--threads``), as ``neuralab train`` runs it. It prints, never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from machine import cpu_count, cpu_name, machine_lines, without_blas_guard

MODELS = (  # (name, layer sizes, activation, batch)
    ("3072-100-10", (3072, 100, 10), "relu", 200),
    ("3072-512-512-10", (3072, 512, 512, 10), "relu", 256),
    ("linear 64-10", (64, 10), "relu", 64),
    ("playground 2-4-2-2", (2, 4, 2, 2), "tanh", 10),
)
LAM, LR = 1e-4, 1e-3


def per_call(fn: Callable[[], object], seconds: float, rounds: int) -> float:
    """Median seconds per call of ``fn`` over ``rounds`` blocks of about ``seconds`` each."""
    fn()
    t = time.perf_counter()
    fn()
    calls = max(1, int(seconds / max(time.perf_counter() - t, 1e-7)))
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times)


def profile(sizes: tuple[int, ...], activation: str, n: int, optimizer: str, rounds: int,
            seconds: float) -> list[tuple[str, float, float | None]]:
    """Rows (part, seconds, of which matrix products or None) of one step, then the total."""
    from neuralab import backend as B
    from neuralab.losses import one_hot, softmax_step
    from neuralab.models import mlp
    from neuralab.optim import get_optimizer
    from neuralab.regularizers import L2
    from neuralab.train import train_step

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    target = one_hot(rng.integers(0, sizes[-1], n), sizes[-1], x)
    model = mlp(sizes[0], sizes[-1], sizes[1:-1], activation=activation, seed=0)
    reg, opt = L2(LAM), get_optimizer(optimizer, model.params(), LR)
    decay = reg.weight_decay()

    def step() -> None:
        loss, _ = train_step(model, softmax_step, reg, opt, x, target, check_finite=True)
        B.to_float(loss)

    step()
    inputs, rows = [x], []
    for layer in model:  # each layer's input, as the step's forward makes it
        inputs.append(layer.forward(inputs[-1]))
    for i, layer in enumerate(model):
        gemm = None
        if hasattr(layer, "weight"):
            w, out = layer.weight.value, np.empty((n, layer.out_features), np.float32)
            gemm = per_call(lambda w=w, out=out, a=inputs[i]: np.matmul(a, w, out=out),
                            seconds, rounds)
        rows.append((f"forward {i} {type(layer).__name__}",
                     per_call(lambda layer=layer, a=inputs[i]: layer.forward(a), seconds, rounds),
                     gemm))
    scores = model.forward(x)
    rows.append(("scores check", per_call(lambda: B.all_finite(scores), seconds, rounds), None))
    rows.append(("loss + its gradient",
                 per_call(lambda: softmax_step(scores, target), seconds, rounds), None))
    _, dout = softmax_step(scores, target)
    grads = [dout]
    for i in range(len(model) - 1, -1, -1):  # forward again so each layer's cache is this x's
        model[i].forward(inputs[i])
    for i in range(len(model) - 1, -1, -1):
        grads.append(model[i].backward(grads[-1], need_dx=i > 0))
    grads = grads[::-1]  # grads[i + 1]: the gradient reaching layer i
    for i in range(len(model) - 1, -1, -1):
        layer, g = model[i], grads[i + 1]
        gemm = None
        if hasattr(layer, "weight"):
            w, a = layer.weight.value, inputs[i]
            dw, dx = np.empty_like(w), np.empty_like(a)
            gemm = per_call(lambda a=a, g=g, dw=dw: np.matmul(a.T, g, out=dw), seconds, rounds)
            if i > 0:
                gemm += per_call(lambda g=g, w=w, dx=dx: np.matmul(g, w.T, out=dx), seconds,
                                 rounds)
        layer.forward(inputs[i])  # its cache
        rows.append((f"backward {i} {type(layer).__name__}",
                     per_call(lambda layer=layer, g=g, i=i: layer.backward(g, need_dx=i > 0),
                              seconds, rounds), gemm))
    rows.append((f"update ({optimizer}, L2 folded in)",
                 per_call(lambda: opt.step(weight_decay=decay), seconds, rounds), None))
    rows.append(("whole step (timed as one)", per_call(step, seconds, rounds), None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.05, help="length of a timed block")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    without_blas_guard()
    print(f"machine: {cpu_name()}, {cpu_count()} CPUs; BLAS threads: {args.threads}")
    for line in machine_lines():
        print(line)
    with threadpool_limits(limits=args.threads):
        for name, sizes, activation, n in MODELS:
            rows = profile(sizes, activation, n, args.optimizer, args.rounds, args.seconds)
            *parts, (_, whole, _) = rows
            total = sum(t for _, t, _ in parts)
            gemm = sum(g for _, _, g in parts if g is not None)
            print(f"\n{name}, batch {n}, {args.optimizer}: step {whole * 1e6:,.1f} µs timed as "
                  f"one, {total * 1e6:,.1f} µs as the sum of its parts; matrix products "
                  f"{gemm * 1e6:,.1f} µs ({gemm / total:.0%}), the rest "
                  f"{(total - gemm) * 1e6:,.1f} µs")
            print(f"  {'part':<34} {'µs':>10} {'% of parts':>10} {'GEMM µs':>10}")
            for part, t, g in parts:
                gemm_cell = "" if g is None else f"{g * 1e6:,.1f}"
                print(f"  {part:<34} {t * 1e6:>10,.1f} {t / total:>10.0%} {gemm_cell:>10}")


if __name__ == "__main__":
    main()
