"""benchmarks/machine.py's FLOP arithmetic (the benchmarks' "% of GEMM peak"); nothing timed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "machine.py"


@pytest.fixture(scope="module")
def machine():
    spec = importlib.util.spec_from_file_location("bench_machine", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gemm_flops_is_a_multiply_and_an_add_per_term(machine):
    assert machine.gemm_flops(2048, 2048, 2048) == 2 * 2048**3 == 17_179_869_184
    assert machine.gemm_flops(2, 3, 4) == 48  # 2·4 outputs, 3 multiply-adds each


def test_mlp_step_flops_counts_three_products_per_layer(machine):
    # 3072-100-10 at batch 200: per layer x@W, xᵀ@dout, dout@Wᵀ, each 2·N·in·out
    per_layer = [machine.gemm_flops(200, 3072, 100), machine.gemm_flops(200, 100, 10)]
    assert machine.mlp_step_flops((3072, 100, 10), 200) == 3 * sum(per_layer) == 369_840_000
    big = machine.mlp_step_flops((3072, 512, 512, 10), 256)
    assert big == 6 * 256 * (3072 * 512 + 512 * 512 + 512 * 10)
    assert machine.mlp_step_flops((5, 7), 1) == 6 * 35
