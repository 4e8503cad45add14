"""A student's first runs, as they wait for them: the wall time of ``neuralab train`` on digits
(the default MLP, and ``--model linear``), each the real command in a fresh process, beside
scikit-learn doing the same job in a fresh process (load the digits, standardize, fit
MLPClassifier / LogisticRegression, score on a held-out fifth).

Issue 21's targets: ``neuralab train --model linear`` in at most 1 s of wall time, the default
``neuralab train`` in at most 2.5 s.

Then where a run's time goes, from the same command run with its phases timed (in a fresh
process as well): the interpreter's start (``python -c pass``), importing the command line and
the library, loading the data, training (``Trainer.fit``, which includes the checkpoints), the
pictures (matplotlib's import and three PNGs) and the rest (evaluating the three splits and
writing the run directory). The two commands and the peers alternate, several rounds;
medians, with the range.

Run ``python benchmarks/bench_cli.py`` (``--rounds 5``). It prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from machine import cpu_count, cpu_name, machine_lines, without_blas_guard

COMMANDS = {
    "neuralab train": ["train"],
    "neuralab train --model linear": ["train", "--model", "linear"],
}

# scikit-learn's version of each run, in a fresh process: the same split sizes (60/20/20 of the
# 1797 digits; the test fifth scored), the same standardization, the default MLP's width.
PEERS = {
    "neuralab train": "MLPClassifier(hidden_layer_sizes=(100,), random_state=0)",
    "neuralab train --model linear": "LogisticRegression()",
}
PEER_SCRIPT = """
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X, y = load_digits(return_X_y=True)
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
model = make_pipeline(StandardScaler(), {model}).fit(X_fit, y_fit)
print(model.score(X_test, y_test))
"""

# The command with its phases timed: each phase's function wrapped, the times printed as JSON.
PHASES_SCRIPT = textwrap.dedent("""
    import json, sys, time
    start = time.perf_counter()
    import neuralab.cli, neuralab.experiment as E, neuralab.train as T
    phases = {"imports": time.perf_counter() - start}

    def timed(owner, name, label):
        inner = getattr(owner, name)
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t
        setattr(owner, name, wrapper)

    for owner, name, label in ((E, "run", "run"), (E, "load_data", "data"),
                               (T.Trainer, "fit", "training"), (E, "_pictures", "pictures")):
        timed(owner, name, label)
    sys.argv = ["neuralab", *sys.argv[1:]]
    try:
        neuralab.cli.main()
    except SystemExit:
        pass
    phases["total"] = time.perf_counter() - start
    print(json.dumps(phases), file=sys.stderr)
""")


def wall(command: list[str]) -> float:
    """Seconds from start to exit of ``command`` (it must succeed)."""
    t = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def phases(args: list[str], out: Path) -> dict[str, float]:
    """The phase times of ``neuralab <args>``, from PHASES_SCRIPT in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PHASES_SCRIPT, *args, "--out", str(out), "-q"],
                          check=True, capture_output=True, text=True)
    times = json.loads(done.stderr.strip().splitlines()[-1])
    times["rest"] = times["run"] - times["data"] - times["training"] - times["pictures"]
    times["command line"] = times["total"] - times["imports"] - times["run"]
    return times


def med(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    without_blas_guard()
    print(f"machine: {cpu_name()}, {cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")
    for line in machine_lines():
        print(line)
    ours: dict[str, list[float]] = {name: [] for name in COMMANDS}
    peers: dict[str, list[float]] = {name: [] for name in COMMANDS}
    split: dict[str, list[dict[str, float]]] = {name: [] for name in COMMANDS}
    start_up: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            start_up.append(wall([sys.executable, "-c", "pass"]))
            for i, (name, argv) in enumerate(COMMANDS.items()):
                out = Path(tmp) / f"{r}-{i}"
                ours[name].append(wall([sys.executable, "-m", "neuralab", *argv, "--out",
                                        str(out), "-q"]))
                peers[name].append(wall([sys.executable, "-c",
                                         PEER_SCRIPT.format(model=PEERS[name])]))
                split[name].append(phases(argv, Path(tmp) / f"{r}-{i}-phases"))
    print(f"\nwall time of the whole command, median of {args.rounds} (range); the peer: "
          f"scikit-learn's same job in a fresh process")
    print(f"{'command':<31} {'neuralab':>22} {'scikit-learn':>22} {'ratio':>7}  peer")
    for name in COMMANDS:
        ratio = statistics.median(peers[name]) / statistics.median(ours[name])
        print(f"{name:<31} {med(ours[name]):>22} {med(peers[name]):>22} {ratio:>6.2f}×  "
              f"{PEERS[name]}")
    print(f"\nwhere the time goes (median seconds of {args.rounds}; python -c pass: "
          f"{statistics.median(start_up):.2f} s)")
    columns = ("imports", "data", "training", "pictures", "rest", "command line", "total")
    print(f"{'command':<31} " + " ".join(f"{c:>12}" for c in columns))
    for name in COMMANDS:
        cells = [statistics.median(s[c] for s in split[name]) for c in columns]
        print(f"{name:<31} " + " ".join(f"{c:>12.3f}" for c in cells))
    print(f"\nload {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
