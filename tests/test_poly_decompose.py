"""neuralab.poly.decompose (bias², variance, σ², the optimization error of gradient descent)
and POST /api/poly/decompose: the parts sum to the Monte-Carlo test error within its sampling
error, bias² vanishes at the true degree, variance grows with the degree, GD never fits the
training data better than the exact solve and reaches it with enough steps, and bad requests
name their field."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from neuralab import poly
from neuralab.poly import decompose as dc


def sine(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * x)


def cubic(x: np.ndarray) -> np.ndarray:
    return 1.0 - 2.0 * x + 0.5 * x ** 3


@pytest.fixture(scope="module")
def sine_sample() -> dc.Sample:
    return dc.draw(sine, (0.0, 1.0), 0.3, 25, 200, n_test=800, seed=3)


def test_parts_sum_to_the_test_error(sine_sample: dc.Sample) -> None:
    r = dc.decompose(sine_sample, range(9))
    parts = r.bias2 + r.variance + r.noise
    # the difference is the test noise's sampling error: 4 standard errors
    assert np.all(np.abs(r.test_error - parts) <= 4 * r.test_se)
    assert np.all(r.test_se < 0.05 * r.test_error)  # the check has teeth
    assert r.noise == pytest.approx(0.09)


def test_penalized_parts_sum_too(sine_sample: dc.Sample) -> None:
    lams = [1e-4, 1e-2, 1.0, 100.0]
    for kw in ({"l2": lams}, {"l1": [lam / 100 for lam in lams]}):
        r = dc.decompose(sine_sample, [6] * 4, **kw, max_sweeps=200)
        assert np.all(np.abs(r.test_error - (r.bias2 + r.variance + r.noise)) <= 4 * r.test_se)
        # a larger λ: a simpler model, less variance
        assert r.variance[-1] < r.variance[0]


def test_bias_vanishes_at_and_above_the_true_degree() -> None:
    k = 200
    s = dc.draw(cubic, (-2.0, 2.0), 0.5, 30, k, n_test=500, seed=1)
    r = dc.decompose(s, range(7))
    # unbiased: a true bias of 0 leaves only the sampling error of the mean fit, ~variance/K
    assert np.all(np.abs(r.bias2[3:]) <= 3 * r.variance[3:] / k)
    assert np.all(r.bias2[:3] > 100 * r.variance[:3] / k)  # below degree 3 f is out of reach
    assert r.bias2[2] > 0.1


def test_variance_grows_with_the_degree(sine_sample: dc.Sample) -> None:
    r = dc.decompose(sine_sample, range(11))
    assert np.all(np.diff(r.variance) > 0)
    assert r.bias2[0] > 10 * r.bias2[5]  # and the modeling error falls


def test_gradient_descent_is_the_iteration() -> None:
    s = dc.draw(cubic, (-2.0, 2.0), 0.5, 12, 3, seed=0)
    center, scale, w_star = dc.fit_all(s.x, s.y, 3)
    a = np.vander((s.x - center) / scale, 4, increasing=True)
    lr = 1.0 / np.linalg.eigvalsh(a.T @ a / s.x.size)[-1]
    w = np.zeros_like(w_star)
    for _ in range(25):
        w -= lr * a.T @ (a @ w - s.y.T) / s.x.size
    np.testing.assert_allclose(dc.gradient_descent(s.x, w_star, center, scale, 25), w,
                               rtol=1e-9, atol=1e-12)


def test_gradient_descent_gap(sine_sample: dc.Sample) -> None:
    few = dc.decompose(sine_sample, range(8), gd_steps=100)
    assert np.all(few.gd_train_error >= few.exact_train_error * (1 - 1e-12))
    gap = few.gd_train_error - few.exact_train_error
    assert gap[7] > gap[1] and gap[7] > 1e-3  # nearly collinear powers: GD creeps
    np.testing.assert_array_equal(few.exact_test_error, few.test_error)
    many = dc.decompose(sine_sample, range(8), gd_steps=10**8)
    np.testing.assert_allclose(many.gd_test_error, many.exact_test_error, rtol=1e-6)
    assert np.all(many.optimization_error**2 < (few.optimization_error**2 + 1e-15))


def test_an_impossible_degree_is_nan() -> None:
    s = dc.draw(sine, (0.0, 1.0), 0.1, 4, 5, seed=0)
    r = dc.decompose(s, [3, 4])
    assert np.isfinite(r.test_error[0]) and np.isnan(r.test_error[1])


def test_fit_all_is_fit() -> None:
    s = dc.draw(sine, (0.0, 1.0), 0.2, 15, 4, seed=2)
    for kw in ({}, {"l2": 0.1}, {"l1": 0.01}):
        *_, tcoef = dc.fit_all(s.x, s.y, 5, **kw)
        for j in range(4):
            one = poly.fit(s.x, s.y[j], 5, **kw)
            np.testing.assert_allclose(tcoef[:, j], one.t_coefficients, rtol=1e-9, atol=1e-9)


def test_draw_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="sigma"):
        dc.draw(sine, (0.0, 1.0), -1.0, 10)
    with pytest.raises(ValueError, match="domain"):
        dc.draw(sine, (1.0, 0.0), 0.1, 10)
    with pytest.raises(ValueError, match="k"):
        dc.draw(sine, (0.0, 1.0), 0.1, 10, 1)


# --------------------------------------------------------------------------- the API
@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from neuralab.playground.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_api_reply(client: Any) -> None:
    r = client.post("/api/poly/decompose", json={"truth": "sin", "n": 15, "k": 20,
                                                  "max_degree": 6, "degree": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    d = body["by_degree"]
    assert d["degrees"] == list(range(7)) and d["noise"] == pytest.approx(0.09)
    assert len(body["sample"]["fits"]) == 20 and len(body["sample"]["x"]) == 15
    assert len(body["by_lam"]["lams"]) == len(body["by_lam"]["test"])
    assert all(g >= e * (1 - 1e-12) for g, e in zip(d["gd_train"], d["exact_train"], strict=True))
    same = client.post("/api/poly/decompose", json={"truth": "sin", "n": 15, "k": 20,
                                                     "max_degree": 6, "degree": 3}).json()
    assert same["by_degree"]["test"] == d["test"]  # seeded


def test_api_truths(client: Any) -> None:
    menu = client.get("/api/poly/truths").json()
    values = [t["value"] for t in menu["truths"]]
    assert {"sin", "step", "runners1", "runners2"} <= set(values)
    for truth in values:
        r = client.post("/api/poly/decompose", json={"truth": truth, "k": 5, "max_degree": 3})
        assert r.status_code == 200, (truth, r.text)


@pytest.mark.parametrize(("body", "field"), [
    ({"sigma": -1}, "sigma"), ({"n": 1}, "n"), ({"k": 10_000}, "k"),
    ({"truth": "cosine"}, "truth"), ({"degree": 5, "max_degree": 3}, "degree"),
    ({"gd_steps": -3}, "gd_steps"), ({"sigma": "high"}, "sigma"), ({"colour": 1}, "colour"),
])
def test_api_errors_name_the_field(client: Any, body: dict[str, Any], field: str) -> None:
    r = client.post("/api/poly/decompose", json=body)
    assert r.status_code == 422
    err = r.json()
    assert err["field"] == field and field in err["message"]


def test_api_bad_json(client: Any) -> None:
    r = client.post("/api/poly/decompose", content=b"{nope")
    assert r.status_code == 400 and r.json()["error"] == "json"
