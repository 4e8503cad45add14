"""Test accuracy of the playground's default network under our rules and TensorFlow
Playground's, next to the numbers TFP's own page reaches.

The README's table: the playground's default settings (circle / xor / gaussian / spiral with
noise 0, 50 % training points, features x1 and x2, hidden layers [4, 2], learning rate 0.03,
batch size 10, plain SGD, no regularization) with tanh and with ReLU, trained 300 epochs,
test accuracy as the frame reports it, mean (and worst) over the weight seeds 0-9 with the
data of data_seed 0:

* ``neuralab`` — the library's rules: softmax loss on two output scores, minibatches in a new
  order every epoch, the playground's start for small nets (He / √8, ReLU biases 0.5;
  ``playground.network.small_net_init``);
* ``tfp`` — ``rules: "tfp"`` (``playground/tfp.py``): TFP's initial values, one tanh output,
  ½(o − t)², its update and its order;
* TFP's page — the numbers issue 18 quotes for playground.tensorflow.org (not measured here).

``--seeds`` and ``--epochs`` change the run; ``--vary-data`` draws the data from the seed too.
Prints one table; asserts nothing. About a minute per rule set on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from machine import machine_lines, without_blas_guard
from neuralab.playground.session import Session

DATASETS = ("circle", "xor", "gaussian", "spiral")
ACTIVATIONS = ("tanh", "relu")
TFP_PAGE = {"tanh": (0.999, 0.989, 1.0, 0.59), "relu": (0.999, 0.945, 1.0, 0.65)}


def accuracy(rules: str, dataset: str, activation: str, seed: int, epochs: int,
             vary_data: bool) -> float:
    s = Session({"rules": rules, "dataset": dataset, "activation": activation, "seed": seed,
                 "data_seed": seed if vary_data else 0})
    for _ in range(epochs):
        s.train_epoch()
    return s.metrics()["test_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--vary-data", action="store_true")
    args = parser.parse_args()
    print("\n".join(machine_lines()))
    print(f"test accuracy at epoch {args.epochs}, mean (worst) over seeds 0-{args.seeds - 1}"
          f"{', data from the seed' if args.vary_data else ', data_seed 0'}")
    print(f"{'rules':10s} {'activation':10s}" + "".join(f"{d:>16s}" for d in DATASETS))
    for activation in ACTIVATIONS:
        for rules in ("neuralab", "tfp"):
            t0 = time.perf_counter()
            cells = []
            for dataset in DATASETS:
                a = np.array([accuracy(rules, dataset, activation, seed, args.epochs,
                                       args.vary_data) for seed in range(args.seeds)])
                cells.append(f"{a.mean():.3f} ({a.min():.3f})")
            print(f"{rules:10s} {activation:10s}" + "".join(f"{c:>16s}" for c in cells)
                  + f"   {time.perf_counter() - t0:.0f} s", flush=True)
        print(f"{'TFP page':10s} {activation:10s}"
              + "".join(f"{v:>16.3f}" for v in TFP_PAGE[activation]))


if __name__ == "__main__":
    without_blas_guard()
    main()
