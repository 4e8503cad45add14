"""POST /api/poly/fit through FastAPI's TestClient: the numbers equal neuralab.poly's, the
request model refuses what it should (unknown fields, degree > 20, > 10,000 points, oversize
text), bad text comes back with its line number, and nothing is written to disk."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the playground server needs FastAPI")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")

with warnings.catch_warnings():  # newer Starlette nudges httpx users towards httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from neuralab import data, poly
from neuralab.playground import poly_api
from neuralab.playground.app import create_app

X, Y = data.runners()
RUNNERS = "# age speed\n" + "".join(f"{a:g} {b:g}\n" for a, b in zip(X, Y, strict=True))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def post(client: TestClient, **body: Any) -> Any:
    return client.post("/api/poly/fit", json={"text": RUNNERS, **body})


def ok(client: TestClient, **body: Any) -> dict[str, Any]:
    r = post(client, **body)
    assert r.status_code == 200, r.text
    assert "NaN" not in r.text and "Infinity" not in r.text  # strict JSON for the browser
    return r.json()


def nulls(values: Any) -> list[float | None]:
    """poly's NaN (undefined) as the API's null."""
    return [None if math.isnan(v) else float(v) for v in values]


def text_of(x: np.ndarray, y: np.ndarray) -> str:
    return "".join(f"{a!r} {b!r}\n" for a, b in zip(x.tolist(), y.tolist(), strict=True))


# --------------------------------------------------------------------------- equal to poly
@pytest.mark.parametrize(
    ("degree", "penalty", "lam"),
    [(3, "none", 0.0), (7, "none", 0.0), (5, "l2", 0.01), (3, "l1", 0.001), (0, "none", 0.0)],
)
def test_results_equal_neuralab_poly(client: TestClient, degree: int, penalty: str,
                                     lam: float, monkeypatch: pytest.MonkeyPatch) -> None:
    # The lasso curves stop at a time budget (the page stays responsive); a loaded machine
    # would cut them short, so the comparison with poly lifts the budget.
    monkeypatch.setattr(poly_api, "LASSO_BUDGET_S", math.inf)
    out = ok(client, degree=degree, penalty=penalty, lam=lam)
    kw = {} if penalty == "none" else {penalty: lam}
    f = poly.fit(X, Y, degree, **kw)
    assert out["x"] == X.tolist() and out["y"] == Y.tolist()
    assert out["lines"] == list(range(2, 10))  # line 1 is the comment
    assert out["coefficients"] == f.coefficients.tolist()
    assert out["coefficients_text"] == [f"{c:.17g}" for c in f.coefficients]
    assert [float(c) for c in out["coefficients_text"]] == f.coefficients.tolist()  # exact
    assert out["equation"] == f.equation(6)
    expected = {k: v if isinstance(v, int) or not math.isnan(v) else None
                for k, v in f.stats().items()}
    assert {k: out["stats"][k] for k in expected} == expected
    assert out["code"] == {lang: f.to_code(lang) for lang in ("python", "javascript", "c", "java")}
    assert out["table"] == f.table(10.0, 60.0, 5.0, 4)  # the data's range in 10 steps
    assert out["curve"]["y"] == f.predict(np.array(out["curve"]["x"])).tolist()

    v = out["validation"]
    sel = poly.select_degree(X, Y, range(8), **kw)
    assert v["cv"].startswith(sel.cv)  # leave-one-out: eight points
    assert v["degree_curve"]["degrees"] == list(range(8))
    assert v["degree_curve"]["val"] == nulls(sel.val_error)
    assert v["degree_curve"]["train"] == nulls(sel.train_error)
    assert v["degree_curve"]["best"] == sel.best_degree
    assert v["val_error"] == nulls(sel.val_error)[degree]
    lam_penalty = "l1" if penalty == "l1" else "l2"
    vc = poly.validation_curve(X, Y, degree, poly_api.LAM_GRID, penalty=lam_penalty)
    assert v["lam_curve"]["penalty"] == lam_penalty
    assert v["lam_curve"]["lams"] == list(poly_api.LAM_GRID)
    assert v["lam_curve"]["val"] == nulls(vc.val_error)
    assert v["lam_curve"]["best"] == vc.best_lam


def test_the_lecture_lesson_in_numbers(client: TestClient) -> None:
    d3, d7 = ok(client, degree=3), ok(client, degree=7)
    assert d7["stats"]["r2"] == pytest.approx(1.0, abs=1e-12)  # interpolates all 8 points
    assert d7["stats"]["adj_r2"] is None and d7["stats"]["stderr"] is None  # no dof left
    assert d3["validation"]["degree_curve"]["best"] == 3
    # leave-one-out keeps 7 points for 8 coefficients: undefined (the page shows ∞)
    assert d7["validation"]["val_error"] is None
    ridge = ok(client, degree=7, penalty="l2", lam=0.1)["validation"]
    assert math.isfinite(ridge["val_error"]) and ridge["lam_curve"]["best"] == 0.1


def test_lambda_without_a_penalty_is_ignored(client: TestClient) -> None:
    assert ok(client, penalty="none", lam=5.0)["coefficients"] == ok(client)["coefficients"]


def test_lasso_zeros_print_as_0(client: TestClient) -> None:
    """The powers the lasso drops are exact zeros, printed "0", not a residue like 8.67e-19."""
    out = ok(client, degree=5, penalty="l1", lam=0.1, curves=False)
    assert out["coefficients_text"][2:4] == ["0", "0"] and out["coefficients_text"][5] == "0"
    assert all(c == "0" or abs(float(c)) > 1e-12 for c in out["coefficients_text"])
    assert "0·x^2 + 0·x^3" in out["equation"]


def test_curve_samples_span_the_requested_range(client: TestClient) -> None:
    out = ok(client, x_range=[0, 100])
    assert out["curve"]["x"][0] == 0 and out["curve"]["x"][-1] == 100
    assert len(out["curve"]["x"]) == poly_api.CURVE_SAMPLES
    default = ok(client)["curve"]["x"]
    assert default[0] < 10 and default[-1] > 60  # the data plus a margin


def test_curves_false_skips_the_cross_validation(client: TestClient) -> None:
    assert ok(client, curves=False)["validation"] is None


def test_table_spec(client: TestClient) -> None:
    f = poly.fit(X, Y, 3)
    out = ok(client, table={"start": 0, "end": 1, "step": 0.25, "decimals": 6})
    assert out["table"] == f.table(0.0, 1.0, 0.25, 6) and out["table_error"] is None
    # a bad spec keeps the fit and says why
    bad = ok(client, table={"start": 0, "end": 1, "step": -1})
    assert bad["table"] is None and "step" in bad["table_error"]
    big = ok(client, table={"start": 0, "end": 1e6, "step": 1})
    assert big["table"] is None and str(poly_api.MAX_TABLE_ROWS) in big["table_error"]
    assert post(client, table={"decimals": 18}).status_code == 422


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"degree": 21}, "degree"),
        ({"degree": -1}, "degree"),
        ({"degree": 3.5}, "degree"),
        ({"degree": "3"}, "degree"),
        ({"degree": True}, "degree"),
        ({"penalty": "l3"}, "penalty"),
        ({"lam": -0.1}, "lam"),
        ({"lam": 1e7}, "lam"),
        ({"lam": "1"}, "lam"),
        ({"text": 5}, "text"),
        ({"evil": 1}, "evil"),
        ({"table": {"start": 0, "rows": 5}}, "table.rows"),
        ({"x_range": [5, 1]}, "body"),
        ({"x_range": [1]}, "x_range"),
        ({"curves": "no"}, "curves"),
    ],
)
def test_the_request_model_refuses(client: TestClient, body: dict, field: str) -> None:
    r = post(client, **body)
    assert r.status_code == 422
    err = r.json()
    assert err["error"] == "request" and err["line"] is None
    assert (err["field"] or "body") == field, err
    assert field.split(".")[-1] in err["message"] or field == "body"


def test_missing_text_and_non_objects(client: TestClient) -> None:
    r = client.post("/api/poly/fit", json={"degree": 3})
    assert r.status_code == 422 and r.json()["field"] == "text"
    assert client.post("/api/poly/fit", json=[1, 2]).status_code == 422


@pytest.mark.parametrize(
    "raw", [b"{", b"", b'{"text": "1 2", "lam": NaN}', b'{"text": "1 2", "lam": Infinity}',
            b"\xff\xfe"],
)
def test_bodies_that_are_not_json(client: TestClient, raw: bytes) -> None:
    r = client.post("/api/poly/fit", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == "json" and r.json()["message"]


# --------------------------------------------------------------------------- limits
def test_ten_thousand_points_fit_and_one_more_is_refused(client: TestClient) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, poly_api.MAX_POINTS + 1)
    y = np.sin(3 * x) + rng.normal(0, 0.1, x.size)
    text = text_of(x, y)
    assert len(text) <= poly_api.MAX_TEXT_CHARS
    lines = text.splitlines(keepends=True)
    out = client.post("/api/poly/fit", json={"text": "".join(lines[:-1]), "degree": 20,
                                             "penalty": "l2", "lam": 1e-3}).json()
    assert out["n"] == poly_api.MAX_POINTS
    # the cross-validation ran on a sample, and says so
    assert out["validation"]["n_used"] == poly_api.CV_MAX_POINTS
    assert f"on {poly_api.CV_MAX_POINTS} of {poly_api.MAX_POINTS} points" in out["validation"]["cv"]
    r = client.post("/api/poly/fit", json={"text": "# header\n" + text})
    assert r.status_code == 422
    err = r.json()
    assert err["error"] == "data" and err["line"] == poly_api.MAX_POINTS + 2
    assert "10000" in err["message"]


def test_degree_20_is_the_top(client: TestClient) -> None:
    x = np.linspace(-1, 1, 40)
    out = client.post("/api/poly/fit", json={"text": text_of(x, np.cos(4 * x)), "degree": 20})
    assert out.status_code == 200 and len(out.json()["coefficients"]) == 21
    assert out.json()["validation"]["degree_curve"]["degrees"] == list(range(21))


def test_text_and_body_size_limits(client: TestClient) -> None:
    long = "1 2\n" * (poly_api.MAX_TEXT_CHARS // 4 + 1)
    r = client.post("/api/poly/fit", json={"text": long})
    assert r.status_code == 422 and r.json()["field"] == "text"
    huge = json.dumps({"text": "1 2\n" * (poly_api.MAX_BODY_BYTES // 4 + 1)})
    r = client.post("/api/poly/fit", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"


# --------------------------------------------------------------------------- bad text
@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("10 6\n15 9\nabc 5\n", 3, ["abc", "not a number"]),
        ("# header\n\n10 6\n15\n", 4, ["1 value"]),
        ("10 6\n15 9 4\n", 2, ["3 value"]),
        ("10, 6\n15\t9\n20 inf\n", 3, ["finite"]),
        ("10 6\n15 nan # a comment\n", 2, ["finite"]),
    ],
)
def test_bad_text_reports_its_line(client: TestClient, text: str, line: int,
                                   words: list[str]) -> None:
    r = client.post("/api/poly/fit", json={"text": text, "degree": 1})
    assert r.status_code == 422
    err = r.json()
    assert (err["error"], err["field"], err["line"]) == ("data", "text", line)
    assert err["message"].startswith(f"line {line}:")
    for w in words:
        assert w in err["message"]


def test_text_without_points(client: TestClient) -> None:
    for text in ("", "# only a comment\n\n"):
        err = client.post("/api/poly/fit", json={"text": text}).json()
        assert err["error"] == "data" and err["line"] is None and "no data points" in err["message"]


def test_separators_and_comments_like_polysolve(client: TestClient) -> None:
    text = "# age, speed\n10\t6\n15,9\n20 , 11  # peak soon\n25 12\n\n29 13\n"
    out = client.post("/api/poly/fit", json={"text": text, "degree": 1}).json()
    assert out["x"] == [10, 15, 20, 25, 29] and out["lines"] == [2, 3, 4, 5, 7]


def test_an_impossible_fit_names_the_degree(client: TestClient) -> None:
    r = client.post("/api/poly/fit", json={"text": "1 2\n2 3\n", "degree": 3})
    assert r.status_code == 422
    assert r.json()["field"] == "degree" and "degree=3" in r.json()["message"]
    # a penalty makes any degree solvable
    assert client.post("/api/poly/fit", json={"text": "1 2\n2 3\n", "degree": 3, "penalty": "l2",
                                              "lam": 0.1}).status_code == 200


def test_one_point_fits_but_cannot_be_validated(client: TestClient) -> None:
    out = client.post("/api/poly/fit", json={"text": "1 2\n", "degree": 0}).json()
    assert out["coefficients"] == [2.0]
    assert "at least 2 points" in out["validation"]["error"]


# --------------------------------------------------------------------------- the lasso's cap
def test_the_lasso_curve_stops_at_its_budget(client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    poly_api._CACHE.clear()
    monkeypatch.setattr(poly_api, "LASSO_BUDGET_S", 0.0)  # one setting per curve
    v = ok(client, degree=4, penalty="l1", lam=0.003)["validation"]
    poly_api._CACHE.clear()
    assert v["degree_curve"]["degrees"] == [4]  # the chosen degree always comes first
    assert v["val_error"] == v["degree_curve"]["val"][0] is not None
    assert "capped" in v["degree_curve"]["cv"] and "0 s" in v["degree_curve"]["cv"]
    assert v["lam_curve"]["lams"] == [0.0]


# --------------------------------------------------------------------------- the page
def test_the_page_its_example_and_the_link(client: TestClient) -> None:
    page = client.get("/poly")
    assert page.status_code == 200 and 'id="data"' in page.text
    for name in ("poly.js", "poly.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert 'href="poly"' in client.get("/").text
    ex = client.get("/api/poly/example").json()
    x, y = poly.parse_points(ex["text"])
    assert x.tolist() == X.tolist() and y.tolist() == Y.tolist()
    assert ex["max_points"] == 10_000 and ex["max_degree"] == 20


def test_the_example_carries_every_table_the_page_uses(client: TestClient) -> None:
    """The page keeps no copy of the server's limits, choices or defaults: they come with the
    example, equal to the request model's own definitions."""
    from typing import get_args

    from neuralab.playground import poly_api

    ex = client.get("/api/poly/example").json()
    fields = poly_api.FitRequest.model_fields
    assert [p["value"] for p in ex["penalties"]] == list(get_args(fields["penalty"].annotation))
    assert ex["defaults"]["degree"] == fields["degree"].default
    assert ex["defaults"]["penalty"] == fields["penalty"].default
    assert ex["defaults"]["decimals"] == poly_api.TableSpec.model_fields["decimals"].default
    assert ex["max_decimals"] == 17 and ex["max_lam"] == 1e6
    # the limits are the ones the server enforces
    assert post(client, text="1 2\n3 4\n", degree=1,
                table={"decimals": ex["max_decimals"] + 1}).status_code == 422
    assert post(client, text="1 2\n3 4\n", degree=1, penalty="l2",
                lam=ex["max_lam"] * 2).status_code == 422


def test_nothing_is_written(client: TestClient, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ok(client, degree=4, penalty="l1", lam=0.01, table={"step": 1})
    post(client, text="1 x\n")
    assert list(tmp_path.iterdir()) == []


def test_server_time_for_200_points(client: TestClient) -> None:
    """Reports the server's own figure (`timing`, also the Server-Timing header); tests never
    assert on time (docs/design.md) — run with -s to read it."""
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 10, 200)
    text = text_of(x, np.sin(x) + rng.normal(0, 0.2, x.size))
    poly_api._CACHE.clear()
    rows = []
    for label, body in [
        ("new data (both curves)", {"degree": 5}),
        ("degree drag (λ curve)", {"degree": 6}),
        ("ridge λ drag (degree curve)", {"degree": 6, "penalty": "l2", "lam": 0.01}),
        ("point drag (no curves)", {"degree": 6, "curves": False}),
    ]:
        r = client.post("/api/poly/fit", json={"text": text, **body})
        assert r.status_code == 200 and r.headers["server-timing"].startswith("fit;dur=")
        rows.append((label, r.json()["timing"]["total_ms"]))
    print("\nserver time per update, 200 points:")
    for label, ms in rows:
        print(f"  {label:<30} {ms:7.1f} ms")
    assert all(ms >= 0 for _, ms in rows)
