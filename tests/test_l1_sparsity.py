"""L1 makes exact zeros: the proximal (soft-threshold) step, its oracle, and the lecture's lesson
on real data — L1 zeroes weights where L2 only shrinks them."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neuralab import backend as B
from neuralab import io as nio
from neuralab.cli import app
from neuralab.nn import Param
from neuralab.optim import SGD, Adam, RMSProp

LAMS = (1e-3, 3e-3, 1e-2, 3e-2)


# --------------------------------------------------------------------------- the prox itself
def test_soft_threshold_matches_torch_softshrink(rng, torch) -> None:
    w = rng.normal(size=(50, 7))
    w[0, :3] = [0.25, -0.25, 0.0]  # exactly at the threshold and at 0
    expected = torch.nn.functional.softshrink(torch.tensor(w), 0.25).numpy()
    out = B.soft_threshold_(w.copy(), 0.25)
    np.testing.assert_array_equal(out, expected)
    assert (out[np.abs(w) <= 0.25] == 0).all()


def test_soft_threshold_with_a_step_per_entry(rng) -> None:
    w, t = rng.normal(size=(20, 5)), rng.uniform(0, 1, size=(20, 5))
    expected = np.sign(w) * np.maximum(np.abs(w) - t, 0.0)
    np.testing.assert_array_equal(B.soft_threshold_(w.copy(), t), expected)


@pytest.mark.parametrize("backend", ["torch", "array_api_strict"])
def test_soft_threshold_on_other_backends(backend, rng) -> None:
    pytest.importorskip(backend, reason=f"the {backend} backend needs {backend}")
    w = rng.normal(size=(30, 4))
    like = B.get_backend(backend).asarray(w, dtype="float64")
    out = B.to_numpy(B.soft_threshold_(like, 0.5))
    np.testing.assert_array_equal(out, np.sign(w) * np.maximum(np.abs(w) - 0.5, 0.0))


def test_sgd_step_is_proximal_gradient_descent(rng, torch) -> None:
    """SGD with weight decay c and l1=λ: w ← softshrink(w − η(g + c·w), η·λ), torch's
    softshrink as the oracle; the bias (decay=False) is neither decayed nor thresholded."""
    lr, c, lam = 0.1, 0.2, 0.5
    w, b = Param(rng.normal(size=(6, 4))), Param(rng.normal(size=4), decay=False)
    g_w, g_b = rng.normal(size=(6, 4)), rng.normal(size=4)
    w0, b0 = w.value.copy(), b.value.copy()
    w.grad, b.grad = g_w, g_b
    SGD([w, b], lr=lr).step(weight_decay=c, l1=lam)
    F = torch.nn.functional
    expected = F.softshrink(torch.tensor(w0 - lr * (g_w + c * w0)), lr * lam).numpy()
    np.testing.assert_allclose(w.value, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(b.value, b0 - lr * g_b, rtol=1e-14)


def test_a_zero_weight_stays_zero_while_its_gradient_is_below_lambda() -> None:
    """Plain SGD: a weight at 0 with |g| ≤ λ stays exactly 0; with |g| > λ it leaves 0 by
    η(|g| − λ); a weight that the step carries across 0 lands on exactly 0."""
    lam, lr = 0.3, 0.5
    w = Param(np.array([0.0, 0.0, 0.0, 0.0, 0.05]))
    opt = SGD([w], lr=lr)
    for _ in range(5):
        w.grad = np.array([0.29, -0.3, 0.0, 0.5, 0.2])  # the last pushes 0.05 across 0
        opt.step(l1=lam)
        assert w.value[:3].tolist() == [0.0, 0.0, 0.0]
    w.value, w.grad = np.array([0.0, 0.0, 0.0, 0.0, 0.05]), np.array([0, 0, 0, 0.5, 0.2])
    opt.step(l1=lam)
    np.testing.assert_allclose(w.value[3], -lr * (0.5 - lam))
    assert w.value[4] == 0.0


@pytest.mark.parametrize("make", [Adam, RMSProp], ids=lambda c: c.__name__)
def test_adaptive_optimizers_threshold_in_their_own_metric(make, rng) -> None:
    """Adam/RMSProp: the threshold is η·λ/(√ŝ + ε) per entry, so a weight at 0 stays there
    while its (averaged, normalized) gradient is below λ — however small its scale."""
    lam = 0.1
    w = Param(np.zeros(4))
    opt = make([w], lr=0.01)
    for _ in range(20):  # constant gradients: Adam's m̂ equals g
        w.grad = np.array([1e-4, -0.05, 0.2, -3.0])
        opt.step(l1=lam)
    if make is Adam:
        assert w.value[:2].tolist() == [0.0, 0.0]  # |g| ≤ λ, even 1e-4: no creeping away
        assert w.value[2] < 0 < w.value[3]  # |g| > λ: they move against the gradient
    assert (w.value != 0).sum() >= 1


def test_negative_l1_is_refused() -> None:
    w = Param(np.ones(3))
    w.grad = np.ones(3)
    with pytest.raises(ValueError, match="l1 must be >= 0"):
        SGD([w], lr=0.1).step(l1=-1.0)


# --------------------------------------------------------------------------- the lesson on digits
def _train_linear(tmp: Path, reg: str, lam: float) -> tuple[np.ndarray, dict]:
    """`neuralab train --model linear --reg REG --lam LAM` on digits (the CLI's defaults
    otherwise): the weight matrix W (D, C) and metrics.json."""
    out = tmp / f"{reg}-{lam:g}"
    result = CliRunner().invoke(app, ["train", "--model", "linear", "--reg", reg, "--lam",
                                      str(lam), "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    weight = np.asarray(nio.load(out / "model.safetensors")[0].weight.value)
    return weight, json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def digits_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, float], tuple]:
    tmp = tmp_path_factory.mktemp("l1")
    return {(reg, lam): _train_linear(tmp, reg, lam)
            for reg in ("l1", "l2", "elastic") for lam in LAMS}


def test_l1_zeroes_a_third_of_the_weights_at_l2_accuracy(digits_runs) -> None:
    """The lecture's point: at a λ where L1 loses at most 2 points of test accuracy against L2
    with the same λ, at least 30 % of its weights are exactly 0 — and L2 has none."""
    lam = 1e-2
    w_l1, m_l1 = digits_runs["l1", lam]
    w_l2, m_l2 = digits_runs["l2", lam]
    assert (w_l1 == 0).mean() >= 0.30
    assert (w_l2 == 0).mean() == 0.0
    assert m_l1["test_accuracy"] >= m_l2["test_accuracy"] - 0.02


@pytest.mark.parametrize("reg", ["l1", "l2", "elastic"])
def test_larger_lambda_more_zeros_smaller_weights(digits_runs, reg) -> None:
    """Over four λ: the share of exact zeros never falls (it rises strictly for the penalties
    with an L1 part) and ‖W‖ falls strictly."""
    zeros = [float((digits_runs[reg, lam][0] == 0).mean()) for lam in LAMS]
    norms = [float(np.linalg.norm(digits_runs[reg, lam][0])) for lam in LAMS]
    assert all(b < a for a, b in pairwise(norms)), norms
    if reg == "l2":
        assert zeros == [0.0] * len(LAMS)
    else:
        assert all(b > a for a, b in pairwise(zeros)), zeros


def test_estimator_l1_has_exact_zeros() -> None:
    """The scikit-learn estimator trains through the same step: L1 gives exact zeros in coef_."""
    from sklearn.datasets import load_digits

    from neuralab.estimators import LinearClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    coef = {reg: LinearClassifier(reg=reg, lam=1e-2, epochs=10, random_state=0)
            .fit(X, y).coef_ for reg in ("l1", "l2")}
    assert (coef["l1"] == 0).mean() >= 0.3
    assert (coef["l2"] == 0).mean() < 0.1  # only the pixels that are 0 in every image
