"""The same core code on numpy, array_api_strict and torch — and nothing else imports numpy."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import array_api_strict
import numpy as np
import pytest

from neuralab import backend as B
from neuralab.backend import cupy_kernels
from neuralab.losses import softmax_cross_entropy
from neuralab.nn import BatchNorm, Dropout, Linear, ReLU, Sequential
from neuralab.optim import Adam
from neuralab.regularizers import L2

SRC = Path(__file__).resolve().parents[1] / "src" / "neuralab"
CORE = ["nn", "losses.py", "regularizers.py", "optim.py", "gradcheck.py", "train.py"]


def _core_files() -> list[Path]:
    files: list[Path] = []
    for entry in CORE:
        path = SRC / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return files


def numpy_uses(text: str, where: str = "<source>") -> list[str]:
    """Every place ``text`` imports numpy or names ``np``/``numpy``: the rule for core code."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [f"{where}:{node.lineno} imports {a.name}" for a in node.names
                      if a.name.split(".")[0] == "numpy"]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
            found.append(f"{where}:{node.lineno} imports from {node.module}")
        if isinstance(node, ast.Name) and node.id in ("np", "numpy"):
            found.append(f"{where}:{node.lineno} uses {node.id}")
    return found


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_never_calls_numpy(path: Path) -> None:
    # Core code must take its namespace from its inputs; a direct numpy call would silently
    # move torch/CuPy data to the host (or fail on array_api_strict).
    assert numpy_uses(path.read_text(), str(path)) == []


@pytest.mark.parametrize("text", [
    "import numpy as np\n",
    "import numpy\n",
    "import numpy.linalg as la\n",
    "from numpy import zeros\n",
    "from numpy.random import default_rng\n",
    "def f(x):\n    import numpy\n    return x\n",
    "def f(x):\n    return np.zeros(3)\n",  # np from anywhere (a star import, a global)
])
def test_the_numpy_check_catches_a_violation(text: str) -> None:
    # Guard the guard: the very check the core modules pass must flag each planted spelling.
    assert numpy_uses(text) != []


def test_the_numpy_check_passes_code_written_the_core_way() -> None:
    assert numpy_uses("from . import backend as B\n\ndef f(x):\n    return B.zeros_like(x)\n") == []


def _one_step(backend: str) -> tuple[float, dict[str, np.ndarray]]:
    """One full training step of a small MLP on ``backend``, built from fixed seeds."""
    # BatchNorm after ReLU, not right after Linear: there the Linear's bias gradient is exactly
    # 0 in exact arithmetic, and Adam would turn float rounding noise into ±lr steps.
    model = Sequential(
        Linear(6, 16, rng=1), ReLU(), BatchNorm(16), Dropout(0.25, rng=7),  # same mask: same seed
        Linear(16, 4, rng=2),
    ).to(backend)
    data = np.random.default_rng(3)
    x_np = data.normal(size=(12, 6)).astype(np.float32)
    y_np = data.integers(0, 4, size=12)
    like = model[0].weight.value
    x, y = B.asarray(x_np, like=like), B.asarray(y_np, like=like)
    reg, opt = L2(1e-2), Adam(model.params(), lr=1e-2)

    scores = model.forward(x)
    loss, dscores = softmax_cross_entropy(scores, y)
    loss += reg.penalty(model.params())
    model.backward(dscores)
    reg.add_grad(model.params())
    opt.step()
    state = {k: B.to_numpy(v).copy() for k, v in model.state_dict().items()}
    return loss, state


def _backends() -> list[str]:
    names = ["numpy", "array_api_strict"]
    try:
        import torch  # noqa: F401

        names.append("torch")
    except ImportError:
        pass
    return names


def test_one_training_step_is_the_same_on_every_backend() -> None:
    backends = _backends()
    if "torch" not in backends:
        pytest.skip("torch is not installed (CI installs the CPU build)")
    ref_loss, ref_state = _one_step("numpy")
    for name in backends[1:]:
        loss, state = _one_step(name)
        assert loss == pytest.approx(ref_loss, rel=1e-5), name
        for key, value in ref_state.items():
            np.testing.assert_allclose(state[key], value, rtol=1e-5, atol=1e-7, err_msg=key)


def test_strict_step_runs_without_torch() -> None:
    # The array_api_strict half of the test above, independent of torch being installed.
    ref_loss, ref_state = _one_step("numpy")
    loss, state = _one_step("array_api_strict")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(state["4.weight"], ref_state["4.weight"], rtol=1e-5, atol=1e-7)


def test_model_outputs_live_on_the_models_backend() -> None:
    model = Sequential(Linear(3, 2, rng=0)).to("array_api_strict")
    x = B.asarray(np.ones((4, 3), dtype=np.float32), like=model[0].weight.value)
    out = model.forward(x)
    assert B.namespace(out) is array_api_strict
    assert out.dtype == array_api_strict.float32


def test_mixing_backends_is_a_clear_error() -> None:
    model = Sequential(Linear(3, 2, rng=0)).to("array_api_strict")
    with pytest.raises(TypeError, match="different backends"):
        model.forward(np.ones((4, 3), dtype=np.float32))


def test_get_backend_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"backend='jax'.*numpy"):
        B.get_backend("jax")


def test_to_numpy_and_asarray_round_trip() -> None:
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    strict = B.get_backend("array_api_strict").asarray(a)
    np.testing.assert_array_equal(B.to_numpy(strict), a)
    like32 = B.get_backend("array_api_strict").asarray(np.zeros(1, dtype=np.float32))
    assert B.asarray(a, like=like32).dtype == array_api_strict.float32  # floats take like's dtype
    assert B.asarray(np.arange(3), like=like32).dtype == array_api_strict.int64  # ints stay ints


def test_random_helpers_are_reproducible_and_backend_independent() -> None:
    like = B.get_backend("array_api_strict").asarray(np.zeros(1, dtype=np.float32))
    a = B.normal(B.make_rng(5), (3, 4), like=like)
    b = B.normal(B.make_rng(5), (3, 4))
    np.testing.assert_allclose(B.to_numpy(a), b.astype(np.float32))
    mask = B.bernoulli(B.make_rng(1), (1000,), 0.3)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert 0.25 < mask.mean() < 0.35
    u = B.uniform(B.make_rng(2), (1000,), low=-2.0, high=3.0)
    assert u.min() >= -2.0 and u.max() < 3.0


def test_make_rng_refuses_non_integer_seeds() -> None:
    with pytest.raises(TypeError, match="seed"):
        B.make_rng(1.5)


@pytest.mark.parametrize("shape", [(7,), (100, 200), (600, 500)])  # small, one slice, several
def test_axpy_matches_the_plain_formula_on_every_path(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    y, x = rng.normal(size=shape), rng.normal(size=shape)
    expected = y + 0.37 * x
    out = B.axpy_(y, x, 0.37)
    assert out is y  # in place
    np.testing.assert_array_equal(out, expected)


def test_relu_kernel_keeps_nan_and_dtype() -> None:
    x = np.array([[-1.0, 0.0, 2.0, np.nan]], dtype=np.float32)
    out = B.maximum(x, 0.0, out=np.empty_like(x))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0, np.nan]])


@pytest.mark.parametrize("shape", [(7,), (100, 200), (600, 500)])  # small, one slice, several
def test_fused_sgd_update_matches_the_plain_formula(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    w, g = rng.normal(size=shape), rng.normal(size=shape)
    g_before = g.copy()
    expected = w - 0.1 * (g + 0.02 * w)
    out = B.sgd_update_(w, g, 0.1, weight_decay=0.02)
    assert out is w  # in place
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(g, g_before)  # the gradient is left alone


def test_numpy_updates_give_the_bits_of_the_formula_with_python_scalars() -> None:
    """The numpy SGD and Adam kernels pass their scalars to numpy as 0-d arrays of the
    parameters' dtype (cheaper than Python floats): float32 results bit for bit those of the
    same operations written with Python floats, L2 as a number and per entry."""
    rng = np.random.default_rng(0)
    w, g, m = (rng.normal(size=300).astype(np.float32) for _ in range(3))
    v = np.abs(rng.normal(size=300)).astype(np.float32)
    per_entry = np.where(np.arange(300) < 200, 0.02, 0.0).astype(np.float32)
    for c in (0.02, per_entry):
        out = B.sgd_update_(w.copy(), g, 0.1, weight_decay=c)
        np.testing.assert_array_equal(out, w * (1.0 - 0.1 * c) + g * -0.1)
        lr, b1, b2, eps, t = 1e-3, 0.9, 0.999, 1e-8, 3
        root = math.sqrt(1.0 - b2**t)
        gc = g + w * c
        m_new = m * b1 + gc * (1.0 - b1)
        v_new = v * b2 + np.square(gc) * (1.0 - b2)
        w_new = w + m_new / (np.sqrt(v_new) + eps * root) * (-lr * root / (1.0 - b1**t))
        w1, m1, v1 = w.copy(), m.copy(), v.copy()
        out = B.adam_update_(w1, g, m1, v1, lr=lr, beta1=b1, beta2=b2, eps=eps, step=t,
                             weight_decay=c)
        for got, expected in ((out, w_new), (m1, m_new), (v1, v_new)):
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, expected)


def test_sum_rows_and_count_hits_agree_across_backends() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(50, 7)).astype(np.float32)
    y = rng.integers(0, 7, size=50)
    expected_hits = int((scores.argmax(axis=1) == y).sum())
    np.testing.assert_allclose(B.sum_rows(scores), scores.sum(axis=0), rtol=1e-5)
    out = np.empty(7, dtype=np.float32)
    assert B.sum_rows(scores, out=out) is out
    np.testing.assert_array_equal(out, B.sum_rows(scores))  # reused buffer, same bits
    for name in _backends():
        like = B.get_backend(name).asarray(scores)
        assert int(B.count_hits(like, B.asarray(y, like=like))) == expected_hits, name
        np.testing.assert_allclose(B.to_numpy(B.sum_rows(like)), scores.sum(axis=0), rtol=1e-5)


def test_all_finite_sees_nan_and_inf() -> None:
    for bad in (np.nan, np.inf, -np.inf):
        a = np.ones((3, 4), dtype=np.float32)
        assert B.all_finite(a)
        a[2, 1] = bad
        assert not B.all_finite(a)


def test_cupy_softmax_kernel_source_matches_numpy(tmp_path, rng) -> None:
    """The CUDA source of CuPy's fused softmax loss, built as plain C++ (one "thread" per row
    in a loop) and compared with the numpy loss, so a GPU-less CI still checks its math."""
    import shutil
    import subprocess

    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        pytest.skip("needs a C++ compiler to build the CUDA kernel's source on the CPU")
    n, c = 5, 7
    scores = rng.normal(scale=3.0, size=(n, c))
    scores[2, 4] = 1e4  # a huge score: the max shift must keep exp finite
    y = rng.integers(0, c, size=n)
    onehot = np.eye(c)[y]
    harness = (
        "#include <cmath>\n#include <cstdio>\nusing std::exp; using std::log;\n"
        "typedef double T;\nstruct Index { int x; } blockIdx{0}, blockDim{1}, threadIdx{0};\n"
        + cupy_kernels._CUPY_SOFTMAX_XENT.replace('extern "C" __global__', 'extern "C"')
        + "int main() {\n"
        f"  const int n = {n}, c = {c}; T g[n * c], loss[n];\n"
        f"  const T s[] = {{{', '.join(map(repr, scores.ravel().tolist()))}}};\n"
        f"  const T hot[] = {{{', '.join(map(repr, onehot.ravel().tolist()))}}};\n"
        "  for (int i = 0; i < n; ++i) { blockIdx.x = i; softmax_xent(s, hot, g, loss, n, c,"
        " 1.0 / n); }\n"
        "  for (int k = 0; k < n * c; ++k) printf(\"%.17g \", g[k]);\n"
        "  printf(\"\\n\"); for (int i = 0; i < n; ++i) printf(\"%.17g \", loss[i]);\n}\n"
    )
    (tmp_path / "kernel.cpp").write_text(harness)
    subprocess.run([compiler, "-O1", "-o", str(tmp_path / "kernel"), str(tmp_path / "kernel.cpp")],
                   check=True, capture_output=True)
    grad_line, loss_line = subprocess.run([str(tmp_path / "kernel")], capture_output=True,
                                          text=True, check=True).stdout.splitlines()
    loss, grad = softmax_cross_entropy(scores, y)
    np.testing.assert_allclose(np.array(grad_line.split(), float).reshape(n, c), grad,
                               rtol=1e-12, atol=1e-15)
    assert sum(map(float, loss_line.split())) == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize("backend", ["array_api_strict", "torch"])
def test_the_trainer_runs_unchanged_on_other_backends(backend: str) -> None:
    # N = 103 is not a multiple of the batch (the last batch holds 3 rows), with validation
    # data and evaluate(): the array API defines no out-of-bounds slice stop and no partial
    # multi-axis index, so each slice the Trainer takes must be exact. The history and the
    # evaluation must match numpy's.
    if backend == "torch":
        pytest.importorskip("torch", reason="torch is not installed (CI installs the CPU build)")
    from neuralab.models import mlp
    from neuralab.train import Trainer

    data = np.random.default_rng(0)
    X = data.normal(size=(103, 5)).astype(np.float32)
    y = data.integers(0, 3, size=103)
    runs = {}
    for name in ("numpy", backend):
        trainer = Trainer(mlp(5, 3, [8], seed=0), optimizer="sgd", lr=0.1, epochs=3,
                          batch_size=10, backend=name)
        history = trainer.fit(X, y, X[:33], y[:33])
        runs[name] = (history.last, trainer.evaluate(X, y),
                      B.to_numpy(trainer.predict_scores(X[:7])))
    (ref, ref_eval, ref_scores), (got, got_eval, got_scores) = runs["numpy"], runs[backend]
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert got[key] == pytest.approx(ref[key], rel=1e-5), key
    assert got_eval["loss"] == pytest.approx(ref_eval["loss"], rel=1e-5)
    assert got_eval["accuracy"] == ref_eval["accuracy"]
    assert got_scores.shape == (7, 3)
    np.testing.assert_allclose(got_scores, ref_scores, rtol=1e-4, atol=1e-6)
