"""benchmarks/bench_accuracy.py's "time to scikit-learn's accuracy" bookkeeping; nothing timed."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    name = "bench_accuracy_under_test"
    spec = importlib.util.spec_from_file_location(name, _DIR / "bench_accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # the benchmark imports its neighbour machine.py; its dataclasses look the module up
    sys.path.insert(0, str(_DIR))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(_DIR))
        del sys.modules[name]
    return module


def test_first_reaching_is_the_first_epoch_at_or_above_the_target(bench):
    accs = [0.80, 0.91, 0.90, 0.95, 0.97]
    assert bench.first_reaching(accs, 0.90) == 1  # not 2: the first one, not a later dip
    assert bench.first_reaching(accs, 0.95) == 3  # equal counts as reached
    assert bench.first_reaching(accs, 0.50) == 0
    assert bench.first_reaching(accs, 0.98) is None
    assert bench.first_reaching([], 0.5) is None


def test_time_to_target_reads_the_epoch_and_its_training_seconds(bench):
    trace = bench.TestAccuracyTrace(np.zeros((1, 1)), np.zeros(1), t0=0.0)
    trace.accuracies, trace.seconds = [0.5, 0.8, 0.9], [1.0, 2.0, 3.0]
    assert bench.time_to_target(trace, 0.8) == (2, 2.0)  # epochs count from 1
    assert bench.time_to_target(trace, 0.95) == (math.inf, math.inf)


def test_median_time_to_target_counts_a_fit_that_never_gets_there_as_slowest(bench):
    traces = []
    for secs in ([1.0, 2.0], [1.5, 2.5], [3.0, 4.0]):
        t = bench.TestAccuracyTrace(np.zeros((1, 1)), np.zeros(1), t0=0.0)
        t.seconds = secs
        traces.append(t)
    traces[0].accuracies, traces[1].accuracies, traces[2].accuracies = (
        [0.7, 0.9], [0.9, 0.9], [0.7, 0.8])
    row = bench.Row("d", "softmax", {"ours": [0.9], "peer": [0.85, 0.9, 0.9]},
                    {"ours": [1.0], "peer": [1.0]}, n_test=10, traces=traces)
    # target = median of peer accuracies = 0.9: fits reach it at 2.0 s, 1.5 s and never
    assert row.to_peer_acc() == (2, 2.0, 2)
    traces[1].accuracies = [0.7, 0.8]
    epoch, secs, reached = row.to_peer_acc()
    assert math.isinf(epoch) and math.isinf(secs) and reached == 1
