"""Training-step throughput on an NVIDIA GPU: neuralab on torch CUDA and on CuPy vs torch.nn.

One step = forward, mean softmax cross-entropy, backward, plain SGD update, fp32 with TF32 off
(both libraries then run true fp32 GEMMs), on batches already on the GPU:

* **neuralab**: ``nn.Sequential(Linear, ReLU, ..., Linear)`` moved with ``.to("torch:cuda")``
  or ``.to("cupy")``, and ``train.train_step`` with ``losses.softmax_step`` and ``optim.SGD``
  (the step ``Trainer.fit`` runs, without its batch gathering and bookkeeping).
* **torch.nn**: ``torch.nn.Sequential(Linear, ReLU, ..., Linear)``, ``F.cross_entropy``,
  ``loss.backward()``, ``torch.optim.SGD`` (its default, multi-tensor update on CUDA) and
  ``zero_grad(set_to_none=True)``.

The contenders are timed in turn over several rounds in one process, each round long enough
(~``--seconds``) to dwarf the synchronisation that ends it; the table reports per-round medians
of samples/s, the model's TFLOP/s (6·N·Σ fan_in·fan_out multiply-adds ×2, less the first layer's
unneeded input gradient) and the ratio to torch.nn. A float64 check first runs one step of each
GPU backend against the numpy backend.

Run ``python benchmarks/bench_gpu.py`` on a machine with an NVIDIA GPU (about 1 minute);
``--dry-run`` checks the script on the CPU with tiny nets. It prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np

from machine import machine_lines, without_blas_guard

os.environ.pop("CUPY_TF32", None)  # CuPy's fp32 GEMMs stay true fp32 (its default)

NETS = (  # (layer sizes, batch size)
    ((3072, 100, 10), 200),
    ((3072, 512, 512, 10), 256),
    ((3072, 512, 512, 10), 1024),
    ((3072, 4096, 4096, 10), 4096),
)
DRY_NETS = (((48, 16, 10), 20), ((48, 32, 32, 10), 64))
LR = 1e-3
N_BATCHES = 4  # distinct batches cycled through, as an epoch would

Step = Callable[[int], None]


def model_flops(sizes: tuple[int, ...], batch: int) -> float:
    """Floating-point operations of one step's matrix products: forward x@W and backward
    xᵀ@dout for every layer, dout@Wᵀ for all but the first (its input needs no gradient)."""
    macs = sum(a * b for a, b in pairwise(sizes))
    return 2.0 * batch * (3 * macs - sizes[0] * sizes[1])


# --------------------------------------------------------------------------- the contenders
def neuralab_step(backend: str, sizes: tuple[int, ...], xs: list, ys: list[np.ndarray]) -> Step:
    from neuralab import backend as B
    from neuralab.losses import get_loss, one_hot
    from neuralab.nn import Linear, ReLU, Sequential
    from neuralab.optim import SGD
    from neuralab.regularizers import NoReg
    from neuralab.train import train_step

    layers: list = []
    for i, (d_in, d_out) in enumerate(pairwise(sizes)):
        layers += [Linear(d_in, d_out, rng=i), ReLU()]
    model = Sequential(*layers[:-1]).to(backend)
    target = B.get_backend(backend)
    batches = [target.asarray(x) for x in xs]
    onehots = [one_hot(target.asarray(y), sizes[-1], b) for y, b in zip(ys, batches, strict=True)]
    opt, loss, reg = SGD(model.params(), lr=LR), get_loss("softmax", step=True), NoReg()

    def step(i: int) -> None:
        k = i % len(batches)
        train_step(model, loss, reg, opt, batches[k], onehots[k])

    return step


def torch_step(device: str, sizes: tuple[int, ...], xs: list, ys: list[np.ndarray]) -> Step:
    import torch

    layers: list = []
    for d_in, d_out in pairwise(sizes):
        layers += [torch.nn.Linear(d_in, d_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1]).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    batches = [torch.as_tensor(x, device=device) for x in xs]
    labels = [torch.as_tensor(y, device=device) for y in ys]

    def step(i: int) -> None:
        k = i % len(batches)
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(net(batches[k]), labels[k]).backward()
        opt.step()

    return step


# --------------------------------------------------------------------------- timing
def synchronizer(name: str) -> Callable[[], None]:
    if name == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    import torch

    return torch.cuda.synchronize if "cuda" in name else (lambda: None)


def steps_per_round(step: Step, sync: Callable[[], None], seconds: float) -> int:
    """Enough steps for a round of about ``seconds`` (after a warm-up)."""
    for i in range(5):
        step(i)
    sync()
    t0 = time.perf_counter()
    for i in range(10):
        step(i)
    sync()
    per_step = (time.perf_counter() - t0) / 10
    return int(min(5000, max(10, seconds / per_step)))


def timed(step: Step, sync: Callable[[], None], n: int) -> float:
    sync()
    t0 = time.perf_counter()
    for i in range(n):
        step(i)
    sync()
    return time.perf_counter() - t0


def bench(
    sizes: tuple[int, ...], batch: int, contenders: dict[str, str], rounds: int, seconds: float,
) -> dict[str, float]:
    """Median samples/s of each contender (name -> backend) on this net."""
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(batch, sizes[0])).astype(np.float32) for _ in range(N_BATCHES)]
    ys = [rng.integers(0, sizes[-1], size=batch) for _ in range(N_BATCHES)]
    runs = {}
    for name, backend in contenders.items():
        make = torch_step if name == "torch.nn" else neuralab_step
        try:
            step, sync = make(backend, sizes, xs, ys), synchronizer(backend)
            runs[name] = (step, sync, steps_per_round(step, sync, seconds))
        except Exception as err:  # report and go on: one library's failure is not the table's
            print(f"  {name}: FAILED to run: {type(err).__name__}: {err}", file=sys.stderr)
    speeds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (step, sync, n) in runs.items():
            speeds[name].append(n * batch / timed(step, sync, n))
    return {name: statistics.median(v) for name, v in speeds.items()}


# --------------------------------------------------------------------------- float64 check
def float64_check(backends: list[str], sizes: tuple[int, ...], batch: int) -> dict[str, float]:
    """Max difference of the parameters after two momentum-SGD steps with batch norm and L2,
    on each backend vs numpy, all in float64, relative to the largest parameter."""
    from neuralab import backend as B
    from neuralab.losses import get_loss, one_hot
    from neuralab.models import mlp
    from neuralab.optim import SGD
    from neuralab.regularizers import L2
    from neuralab.train import train_step

    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, sizes[0]))
    y = rng.integers(0, sizes[-1], size=batch)
    params = {}
    for backend in ["numpy", *backends]:
        model = mlp(sizes[0], sizes[-1], sizes[1:-1], batchnorm=True, seed=0)
        model.to(backend, dtype="float64")
        xb = B.get_backend(backend).asarray(x)
        opt = SGD(model.params(), lr=0.1, momentum=0.9)
        for _ in range(2):
            train_step(model, get_loss("softmax", step=True), L2(1e-3), opt, xb,
                       one_hot(B.asarray(y, like=xb), sizes[-1], xb))
        params[backend] = [B.to_numpy(p.value) for p in model.params()]
    # Relative to the largest parameter: the bias before a batch norm has a zero gradient and
    # stays at rounding-error size, where a per-array relative difference would mean nothing.
    scale = max(float(np.max(np.abs(p))) for p in params["numpy"])
    return {
        backend: max(float(np.max(np.abs(a - b)))
                     for a, b in zip(params[backend], params["numpy"], strict=True)) / scale
        for backend in backends
    }


# --------------------------------------------------------------------------- main
def available(names: list[str]) -> list[str]:
    from neuralab import backend as B

    found = []
    for name in names:
        try:
            B.get_backend(name)
            found.append(name)
        except ValueError as err:
            print(f"skipping {name}: {err}", file=sys.stderr)
    return found


def describe() -> str:
    import torch

    parts = [f"torch {torch.__version__}"]
    if torch.cuda.is_available():
        parts.insert(0, torch.cuda.get_device_name())
        parts.append(f"CUDA {torch.version.cuda}")
    try:
        import cupy

        parts.append(f"CuPy {cupy.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.25, help="length of one round")
    parser.add_argument("--dry-run", action="store_true", help="tiny nets on the CPU")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False  # true fp32 GEMMs, as CuPy's and numpy's
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    if args.dry_run:
        nets, ours, peer = DRY_NETS, available(["torch", "cupy"]), "cpu"
    else:
        nets, ours, peer = NETS, available(["torch:cuda", "cupy"]), "cuda"
        if "torch:cuda" not in ours:  # not an error: `make bench` runs on GPU-less machines
            print("bench_gpu.py: no CUDA GPU for torch here, nothing to measure (--dry-run "
                  "checks the script on the CPU)")
            return
    print(f"# {describe()}")
    print("\n".join(f"# {line}" for line in machine_lines()))  # the numpy (CPU) side
    errors = float64_check(ours, (nets[0][0][0], 64, 32, 10), 128)
    print("float64 check, two steps vs numpy (max parameter difference / max |parameter|): "
          + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    contenders = {f"neuralab ({b})": b for b in ours} | {"torch.nn": peer}
    header = ["net", "batch", *[f"{c} samples/s" for c in contenders],
              *[f"{c} TFLOP/s" for c in contenders], *[f"{c} ÷ torch.nn" for c in contenders
                                                         if c != "torch.nn"]]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    results = []
    for sizes, batch in nets:
        speed = bench(sizes, batch, contenders, args.rounds, args.seconds)
        flops = model_flops(sizes, batch) / batch  # per sample
        peer_speed = speed.get("torch.nn", float("nan"))
        row = ["-".join(map(str, sizes)), str(batch)]
        row += [f"{speed.get(c, float('nan')):,.0f}" for c in contenders]
        row += [f"{speed.get(c, float('nan')) * flops / 1e12:.2f}" for c in contenders]
        row += [f"{speed.get(c, float('nan')) / peer_speed:.2f}×" for c in contenders
                if c != "torch.nn"]
        print("| " + " | ".join(row) + " |", flush=True)
        results.append({"sizes": sizes, "batch": batch, "samples_per_s": speed})
    if args.json:
        args.json.write_text(json.dumps({"device": describe(), "float64": errors,
                                         "results": results}, indent=2))


if __name__ == "__main__":
    without_blas_guard()
    main()
