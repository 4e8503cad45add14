"""neuralab.poly: oracles (numpy.polyfit, scikit-learn pipelines), the lecture's overfitting
lesson on the runners, generated code run in four languages, parsing and validation."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuralab import poly
from neuralab.data import runners
from neuralab.poly.standardized import _standardized_powers

X_RUN, Y_RUN = runners()


def _random_data(n: int = 40, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 5.0, n)
    return x, np.sin(x) + 0.1 * rng.standard_normal(n)


DATASETS = {"runners": (X_RUN, Y_RUN), "random": _random_data()}


def _pipeline(degree: int, estimator: object) -> object:
    """scikit-learn's reference model on the standardized power basis (the oracle)."""
    pytest.importorskip("sklearn", reason="scikit-learn is the oracle")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return make_pipeline(PolynomialFeatures(degree, include_bias=False), StandardScaler(),
                         estimator)


def _fit_oracle(model: object, x: np.ndarray, y: np.ndarray) -> object:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # an unconverged oracle proves nothing
        model.fit(x[:, None], y)  # type: ignore[attr-defined]
    return model


def _grid(x: np.ndarray) -> np.ndarray:
    """Training x and points between them: agreement must hold off the data too."""
    return np.concatenate([x, np.linspace(x.min(), x.max(), 13)])


# --------------------------------------------------------------------------- unregularized
@pytest.mark.parametrize(("name", "degrees"), [("runners", range(7)), ("random", range(11))])
def test_unregularized_fit_equals_numpy_polyfit(name: str, degrees: range) -> None:
    x, y = DATASETS[name]
    for d in degrees:
        ref = np.polyfit(x, y, d)[::-1]  # numpy: highest power first
        np.testing.assert_allclose(poly.fit(x, y, d).coefficients, ref, rtol=1e-8, atol=0,
                                   err_msg=f"degree {d}")


def test_coefficients_and_predict_describe_the_same_polynomial() -> None:
    f = poly.fit(X_RUN, Y_RUN, 3)
    xs = np.linspace(0, 70, 29)
    np.testing.assert_allclose(f.predict(xs), np.polyval(f.coefficients[::-1], xs), rtol=1e-12)
    np.testing.assert_allclose(f.predict((xs - f.center) / f.scale * f.scale + f.center),
                               f.predict(xs), rtol=1e-14)
    assert isinstance(f.predict(29.0), float)
    assert f.predict(xs.reshape(29, 1)).shape == (29, 1)
    assert f(29.0) == f.predict(29.0)


def test_degree_20_on_50_points_is_stable() -> None:
    x = np.linspace(10.0, 60.0, 50)
    y = 12 + 3 * np.sin(x / 6) + 0.05 * np.cos(3 * x)
    f = poly.fit(x, y, 20)
    # numpy's own well-conditioned route: Chebyshev-domain fit on the scaled variable
    ref = np.polynomial.Polynomial.fit(x, y, 20)
    grid = np.linspace(10, 60, 301)
    assert np.all(np.isfinite(f.predict(grid)))
    np.testing.assert_allclose(f.predict(grid), ref(grid), rtol=1e-8)
    assert f.sse <= np.sum((y - ref(x)) ** 2) * (1 + 1e-6) + 1e-20
    # raw normal equations / raw Vandermonde lose it: numpy.polyfit itself warns here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = np.polyval(np.polyfit(x, y, 20), x)
    assert f.sse < np.sum((y - raw) ** 2)


def test_degree_7_interpolates_the_runners_where_the_sklearn_pipeline_cannot() -> None:
    from_ours = poly.fit(X_RUN, Y_RUN, 7)
    assert np.max(np.abs(from_ours.residuals)) < 1e-9
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LinearRegression

    model = _pipeline(7, LinearRegression()).fit(X_RUN[:, None], Y_RUN)  # type: ignore[attr-defined]
    sk_mse = float(np.mean((model.predict(X_RUN[:, None]) - Y_RUN) ** 2))
    # scikit-learn's lstsq on the standardized raw powers leaves ~0.013 (its rank cut-off)
    assert from_ours.mse < 1e-18 < sk_mse


# --------------------------------------------------------------------------- regularized
@pytest.mark.parametrize("name", ["runners", "random"])
@pytest.mark.parametrize("degree", [1, 2, 3, 4, 5])
def test_ridge_equals_sklearn_ridge(name: str, degree: int) -> None:
    from sklearn.linear_model import Ridge

    x, y = DATASETS[name]
    for lam in (1e-3, 0.1, 1.0, 10.0):
        model = _fit_oracle(_pipeline(degree, Ridge(alpha=lam)), x, y)
        ours = poly.fit(x, y, degree, l2=lam)
        np.testing.assert_allclose(ours.predict(_grid(x)), model.predict(_grid(x)[:, None]),
                                   rtol=1e-8, err_msg=f"l2={lam}")


@pytest.mark.parametrize("name", ["runners", "random"])
@pytest.mark.parametrize("degree", [1, 2, 3, 4, 5])
def test_lasso_equals_sklearn_lasso(name: str, degree: int) -> None:
    from sklearn.linear_model import Lasso

    x, y = DATASETS[name]
    for lam in (1e-3, 1e-2, 0.1, 1.0):
        model = _fit_oracle(_pipeline(degree, Lasso(alpha=lam, tol=1e-12, max_iter=10**6)), x, y)
        ours = poly.fit(x, y, degree, l1=lam)
        np.testing.assert_allclose(ours.predict(_grid(x)), model.predict(_grid(x)[:, None]),
                                   rtol=1e-6, err_msg=f"l1={lam}")


@pytest.mark.parametrize("degree", [4, 5])
def test_lasso_zeros_are_exact_zeros(degree: int) -> None:
    """A power the lasso drops has coefficient exactly 0 — where scikit-learn's standardized
    coefficient is 0 — not the ~1e-19 residue of the conversion through powers of t."""
    from sklearn.linear_model import Lasso

    for lam in (1e-3, 1e-2, 0.1, 1.0):
        model = _fit_oracle(_pipeline(degree, Lasso(alpha=lam, tol=1e-12, max_iter=10**6)),
                            X_RUN, Y_RUN)
        dropped = model[-1].coef_ == 0
        ours = poly.fit(X_RUN, Y_RUN, degree, l1=lam).coefficients[1:]
        assert dropped.any(), lam
        assert np.array_equal(ours == 0, dropped), (lam, ours)
        assert all(f"{c:.17g}" == "0" for c in ours[dropped])


@pytest.mark.parametrize("degree", [2, 4])
def test_elastic_net_equals_sklearn_elastic_net(degree: int) -> None:
    from sklearn.linear_model import ElasticNet

    x, y = DATASETS["random"]
    n = x.size
    for l1, l2 in ((1e-3, 0.5), (1e-2, 5.0), (0.1, 0.01)):
        alpha = l1 + l2 / n  # (1/2n)Σr² + l1·Σ|β| + (l2/2n)·Σβ² in sklearn's parametrization
        est = ElasticNet(alpha=alpha, l1_ratio=l1 / alpha, tol=1e-12, max_iter=10**6)
        model = _fit_oracle(_pipeline(degree, est), x, y)
        ours = poly.fit(x, y, degree, l2=l2, l1=l1)
        np.testing.assert_allclose(ours.predict(_grid(x)), model.predict(_grid(x)[:, None]),
                                   rtol=1e-6, err_msg=f"l1={l1}, l2={l2}")


def test_lasso_is_exact_where_coordinate_descent_alone_creeps() -> None:
    """Degree 7 on 8 points with a tiny λ: the standardized powers are nearly collinear
    (condition ~1e12) and plain descent — ours or scikit-learn's — stalls. The answer must
    satisfy the lasso's KKT conditions and beat scikit-learn's objective."""
    x, y, lam, d = X_RUN, Y_RUN, 1e-5, 7
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "did not converge"
        f = poly.fit(x, y, d, l1=lam)
    z, _, _ = _standardized_powers(x, d)
    z = z - z.mean(axis=0)
    beta = np.linalg.lstsq(z, f.fitted - f.fitted.mean(), rcond=None)[0]
    corr = z.T @ (y - f.fitted)  # n·(1/n)zᵀr: must be ±n·λ on the support, within it off it
    n = x.size
    on = np.abs(beta) > 1e-8
    np.testing.assert_allclose(corr[on], n * lam * np.sign(beta[on]), atol=1e-8)
    assert np.all(np.abs(corr[~on]) <= n * lam + 1e-8)
    pytest.importorskip("sklearn")
    from sklearn.linear_model import Lasso

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _pipeline(d, Lasso(alpha=lam, tol=1e-12, max_iter=10**5)).fit(x[:, None], y)
    sk = model.predict(x[:, None])

    def objective(pred: np.ndarray, coef: np.ndarray) -> float:
        return float(np.sum((y - pred) ** 2) / (2 * n) + lam * np.abs(coef).sum())

    assert objective(f.fitted, beta) <= objective(sk, model[-1].coef_) + 1e-12


def test_penalties_shrink_and_allow_underdetermined_fits() -> None:
    free = poly.fit(X_RUN, Y_RUN, 6)
    ridge = poly.fit(X_RUN, Y_RUN, 6, l2=1.0)
    assert ridge.mse > free.mse  # the penalty trades training error for smaller weights
    few = poly.fit(X_RUN[:3], Y_RUN[:3], 5, l2=0.1)  # 3 points, degree 5: fine with a penalty
    assert np.all(np.isfinite(few.coefficients))
    huge = poly.fit(X_RUN, Y_RUN, 4, l1=100.0)  # every β thresholded: the mean remains
    np.testing.assert_allclose(huge.fitted, Y_RUN.mean(), rtol=1e-12)


def test_degree_0_is_the_mean_and_constant_data_is_fine() -> None:
    f = poly.fit(X_RUN, Y_RUN, 0)
    assert f.coefficients.tolist() == [Y_RUN.mean()]
    flat = poly.fit(X_RUN, np.full(8, 2.5), 2)
    np.testing.assert_allclose(flat.fitted, 2.5, rtol=1e-12)
    assert np.isnan(flat.r) and np.isnan(flat.r2_score)


# --------------------------------------------------------------------------- statistics
def test_statistics_follow_their_formulas() -> None:
    x, y = X_RUN, Y_RUN
    f = poly.fit(x, y, 3)
    n, p = 8, 4
    sse = float(np.sum((y - f.fitted) ** 2))
    assert f.sse == pytest.approx(sse, rel=1e-12)
    assert f.r == pytest.approx(np.corrcoef(f.fitted, y)[0, 1], rel=1e-12)
    assert f.r2 == pytest.approx(f.r**2, rel=1e-15)
    assert f.r2 == pytest.approx(1 - sse / np.sum((y - y.mean()) ** 2), rel=1e-10)
    assert f.r2_score == pytest.approx(f.r2, rel=1e-10)  # least squares with an intercept
    assert f.adj_r2 == pytest.approx(1 - (1 - f.r2) * (n - 1) / (n - p), rel=1e-12)
    assert f.stderr == pytest.approx(np.sqrt(sse / (n - p)), rel=1e-12)
    assert f.stderr_polysolve == pytest.approx(np.sqrt(sse / (n - 2)), rel=1e-12)
    assert f.rmse == pytest.approx(np.sqrt(sse / n), rel=1e-12)
    np.testing.assert_allclose(f.residuals, y - f.fitted)
    assert set(f.stats()) >= {"r", "r2", "adj_r2", "stderr", "stderr_polysolve", "rmse"}
    # undefined with no residual degrees of freedom
    g = poly.fit(x, y, 7)
    assert np.isnan(g.stderr) and np.isnan(g.adj_r2) and g.r == pytest.approx(1.0)


def test_equation_text() -> None:
    f = poly.fit(X_RUN, Y_RUN, 3)
    assert f.equation(4) == "y = -4.796 + 1.4·x - 0.03557·x^2 + 0.000268·x^3"
    assert poly.fit([0, 1], [1, 3], 1).equation() == "y = 1 + 2·x"
    assert "degree=3" in repr(f)


# --------------------------------------------------------------------------- the lecture
def test_the_lectures_overfitting_lesson_on_the_runners() -> None:
    x, y = X_RUN, Y_RUN
    # degree 7 through 8 points: a perfect training fit ...
    assert poly.fit(x, y, 7).mse < 1e-20
    # ... but the held-out points tell the truth
    sel = poly.select_degree(x, y, range(8), cv="loo")
    val = dict(zip(sel.degrees.tolist(), sel.val_error, strict=True))
    assert sel.best_degree == 3
    assert val[3] == pytest.approx(0.35716119775608, rel=1e-9)
    assert val[6] > 100 * val[3]  # ~7067 vs ~0.357: about 20 000 times worse
    assert np.isnan(val[7])  # 7 points cannot determine a degree-7 polynomial
    np.testing.assert_array_less(sel.train_error[1:7], sel.train_error[:6] + 1e-12)
    # regularization rescues the degree-6 model
    curve = poly.validation_curve(x, y, 6, [0.0, 1e-2])
    assert curve.val_error[0] == pytest.approx(val[6], rel=1e-9)
    assert curve.val_error[1] * 10 <= curve.val_error[0]
    assert curve.best_lam == 1e-2
    # the default degree range (0..20) agrees
    assert poly.select_degree(x, y).best_degree == 3


def test_select_degree_matches_sklearn_cross_validation() -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, LeaveOneOut, cross_val_score

    x, y = DATASETS["random"]
    for cv, splitter in (("loo", LeaveOneOut()), (4, KFold(4)), (7, KFold(7))):
        sel = poly.select_degree(x, y, [1, 3, 5], cv=cv, l2=0.1, seed=None)
        for d, ours in zip(sel.degrees, sel.val_error, strict=True):
            ref = -cross_val_score(_pipeline(int(d), Ridge(alpha=0.1)), x[:, None], y,
                                   cv=splitter, scoring="neg_mean_squared_error").mean()
            assert ours == pytest.approx(ref, rel=1e-8), (cv, d)
        for d, tr in zip(sel.degrees, sel.train_error, strict=True):
            assert tr == pytest.approx(poly.fit(x, y, int(d), l2=0.1).mse, rel=1e-12)


def test_kfold_is_shuffled_and_reproducible() -> None:
    x, y = DATASETS["random"]
    a = poly.select_degree(x, y, range(6), cv=5, seed=3)
    b = poly.select_degree(x, y, range(6), cv=5, seed=3)
    c = poly.select_degree(x, y, range(6), cv=5, seed=None)
    np.testing.assert_array_equal(a.val_error, b.val_error)
    assert not np.allclose(a.val_error, c.val_error)
    assert a.cv == "5-fold (shuffled, seed 3)" and c.cv == "5-fold"
    assert poly.select_degree(x, y, [2]).cv == "5-fold (shuffled, seed 0)"  # n = 40 > 20
    assert poly.select_degree(X_RUN, Y_RUN, [2]).cv == "leave-one-out"


def test_validation_curve_for_lasso() -> None:
    lams = [1e-3, 1e-2, 0.1, 1.0]
    curve = poly.validation_curve(X_RUN, Y_RUN, 6, lams, penalty="l1", cv="loo")
    assert curve.penalty == "l1" and curve.degree == 6 and curve.lams.tolist() == lams
    assert curve.best_lam in lams
    assert np.all(np.isfinite(curve.val_error))
    assert curve.train_error[-1] >= curve.train_error[0]  # a stronger penalty fits worse


# --------------------------------------------------------------------------- generated code
def _cases() -> list[poly.PolyFit]:
    x50 = np.linspace(10.0, 60.0, 50)
    y50 = 12 + 3 * np.sin(x50 / 6)
    xr, yr = DATASETS["random"]
    return [poly.fit(X_RUN, Y_RUN, 0), poly.fit(X_RUN, Y_RUN, 3), poly.fit(X_RUN, Y_RUN, 7),
            poly.fit(X_RUN, Y_RUN, 6, l2=0.01), poly.fit(xr, yr, 5, l1=1e-3),
            poly.fit(x50, y50, 20), poly.fit(-xr * 1e4, yr, 9)]


XS = [-1e4, -3.0, 0.0, 0.5, 10.0, 17.25, 29.0, 44.4, 60.0, 75.0, 1e5]


def _assert_reproduces(values: list[float], fits: list[poly.PolyFit]) -> None:
    got = np.array(values).reshape(len(fits), len(XS))
    for row, f in zip(got, fits, strict=True):
        want = f.predict(np.array(XS))
        np.testing.assert_allclose(row, want, rtol=1e-12, atol=0, err_msg=repr(f))


def test_python_code_reproduces_predict() -> None:
    fits = _cases()
    values = []
    for f in fits:
        namespace: dict = {}
        exec(f.to_code("python", name="f"), namespace)
        values += [namespace["f"](v) for v in XS]
        # numpy arrays work too
        np.testing.assert_allclose(namespace["f"](np.array(XS)), f.predict(np.array(XS)),
                                   rtol=1e-12)
    _assert_reproduces(values, fits)


def test_python_code_in_powers_of_x_is_polysolves_form() -> None:
    for d in range(4):
        f = poly.fit(X_RUN, Y_RUN, d)
        source = f.to_code("py", centered=False)
        assert "t = " not in source
        namespace: dict = {}
        exec(source, namespace)
        xs = np.linspace(0, 70, 15)
        np.testing.assert_allclose([namespace["poly"](v) for v in xs], f.predict(xs),
                                   rtol=1e-12)


def _run(cmd: list[str], cwd: Path) -> str:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_javascript_code_reproduces_predict(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot run the generated JavaScript")
    fits = _cases()
    parts = [f.to_code("js", name=f"p{i}") for i, f in enumerate(fits)]
    calls = ", ".join(f"p{i}" for i in range(len(fits)))
    parts.append(f"for (const f of [{calls}]) for (const x of {XS!r}) "
                 "console.log(String(f(x)));")
    (tmp_path / "poly.js").write_text("\n".join(parts))
    _assert_reproduces([float(v) for v in _run(["node", "poly.js"], tmp_path).split()], fits)


def test_c_code_reproduces_predict(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: cannot compile the generated C")
    fits = _cases()
    parts = ["#include <stdio.h>"]
    parts += [f.to_code("c", name=f"p{i}") for i, f in enumerate(fits)]
    table = ", ".join(f"p{i}" for i in range(len(fits)))
    xs = ", ".join(repr(v) for v in XS)
    parts.append(f"int main(void) {{ double (*f[])(double) = {{{table}}}; "
                 f"double xs[] = {{{xs}}};\n"
                 f"  for (int i = 0; i < {len(fits)}; ++i) for (int j = 0; j < {len(XS)}; ++j)"
                 ' printf("%.17g\\n", f[i](xs[j]));\n  return 0; }')
    (tmp_path / "poly.c").write_text("\n".join(parts))
    _run(["gcc", "-std=c99", "-Wall", "-Werror", "-O2", "poly.c", "-o", "poly"], tmp_path)
    _assert_reproduces([float(v) for v in _run(["./poly"], tmp_path).split()], fits)


def test_java_code_reproduces_predict(tmp_path: Path) -> None:
    if shutil.which("javac") is None or shutil.which("java") is None:
        pytest.skip("javac/java are not installed: cannot compile the generated Java")
    fits = _cases()
    methods = "\n".join(f.to_code("java", name=f"p{i}") for i, f in enumerate(fits))
    xs = ", ".join(repr(v) for v in XS)
    calls = "\n".join(f"for (double x : xs) System.out.println(p{i}(x));"
                      for i in range(len(fits)))
    (tmp_path / "Poly.java").write_text(
        f"public class Poly {{\n{methods}\n"
        f"public static void main(String[] a) {{ double[] xs = {{{xs}}};\n{calls}\n}}\n}}\n")
    _run(["javac", "Poly.java"], tmp_path)
    _assert_reproduces([float(v) for v in _run(["java", "-cp", ".", "Poly"], tmp_path).split()],
                       fits)


def test_code_has_17_significant_digits_and_valid_options() -> None:
    f = poly.fit(X_RUN, Y_RUN, 2)
    source = f.to_code("c")
    for c in f.t_coefficients:
        assert f"{c:.17g}" in source
    for lang in ("python", "javascript", "c", "java", "PY", "JS"):
        assert "poly" in f.to_code(lang)
    allowed = "lang='rust' is not allowed; choose one of: python, javascript, c, java"
    with pytest.raises(ValueError, match=allowed):
        f.to_code("rust")
    with pytest.raises(ValueError, match="name='2x'"):
        f.to_code("c", name="2x")


# --------------------------------------------------------------------------- table
def test_table_is_polysolves_generator() -> None:
    f = poly.fit(X_RUN, Y_RUN, 3)
    text = f.table(10, 60, 5, 4)
    lines = text.splitlines()
    assert len(lines) == 11 and text.endswith("\n")
    assert lines[0].split() == ["10.0000", f"{f.predict(10.0):.4f}"]
    assert lines[-1].split()[0] == "60.0000"
    xs, ys = poly.parse_points(text)  # the table reads back as data
    np.testing.assert_allclose(ys, f.predict(xs), atol=5e-5)
    assert f.table(0, 1, 0.1, 1).splitlines()[-1].split()[0] == "1.0"  # 0.1 steps reach 1
    assert len(f.table(60, 10, -10, 0).splitlines()) == 6
    assert len(f.table(5, 5, 1).splitlines()) == 1
    assert f.table(10, 60, 50, 0) == "10  6\n60  9\n"


@pytest.mark.parametrize(("args", "message"), [
    ((10, 60, 0, 2), "step=0"), ((10, 60, -5, 2), "step=-5"), ((10, 60, 5, 18), "decimals=18"),
    ((10, 60, 5, -1), "decimals=-1"), ((0, 1e9, 1, 2), "rows"), ((float("nan"), 1, 1, 2), "start"),
])
def test_table_rejects_bad_arguments(args: tuple, message: str) -> None:
    f = poly.fit(X_RUN, Y_RUN, 1)
    with pytest.raises(ValueError, match=message):
        f.table(*args)


# --------------------------------------------------------------------------- parsing
def test_parse_points_separators_comments_blank_lines() -> None:
    text = ("# age speed\n10 6\n15\t9\n\n20,11\n  25 ,  12   # peak soon\n29, 13\n"
            "40\t,\t11\n5e1 10\n-6.0e1 -9\n")
    x, y = poly.parse_points(text)
    assert x.tolist() == [10, 15, 20, 25, 29, 40, 50, -60]
    assert y.tolist() == [6, 9, 11, 12, 13, 11, 10, -9]
    assert x.dtype == np.float64


@pytest.mark.parametrize(("text", "pieces"), [
    ("1 2\n2 3\n3 abc\n", ["line 3", "'3 abc'", "y='abc'", "not a number"]),
    ("1 2\n\n# c\nx1 2\n", ["line 4", "x='x1'"]),
    ("1 2 3\n", ["line 1", "'1 2 3'", "3 value(s)", "two numbers"]),
    ("1 2\n7\n", ["line 2", "1 value(s)"]),
    ("1 nan\n", ["line 1", "y='nan'", "not finite"]),
    ("inf 2\n", ["line 1", "x='inf'", "not finite"]),
    ("# nothing\n\n", ["no data points"]),
])
def test_parse_points_errors_name_the_line(text: str, pieces: list[str]) -> None:
    with pytest.raises(ValueError) as err:
        poly.parse_points(text)
    for piece in pieces:
        assert piece in str(err.value)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(("kwargs", "pieces"), [
    ({"degree": 21}, ["degree=21 is out of range; allowed: integers in [0, 20]"]),
    ({"degree": -1}, ["degree=-1 is out of range; allowed: integers in [0, 20]"]),
    ({"degree": 2.5}, ["degree=2.5 is not an integer"]),
    ({"degree": True}, ["degree=True is not an integer"]),
    ({"degree": 2, "l2": -1.0}, ["l2=-1.0 is out of range; allowed: [0, inf)"]),
    ({"degree": 2, "l1": -0.1}, ["l1=-0.1 is out of range; allowed: [0, inf)"]),
    ({"degree": 2, "l2": float("nan")}, ["l2=nan is not a number"]),
    ({"degree": 2, "l2": "0.1"}, ["l2='0.1' is not a number"]),
    ({"degree": 8}, ["degree=8", "at least 9 points", "got 8", "degree <= 7"]),
])
def test_fit_rejects_bad_arguments(kwargs: dict, pieces: list[str]) -> None:
    with pytest.raises(ValueError) as err:
        poly.fit(X_RUN, Y_RUN, **kwargs)
    for piece in pieces:
        assert piece in str(err.value)


def test_fit_rejects_bad_data() -> None:
    with pytest.raises(ValueError, match=r"x\[2\]=nan is not finite"):
        poly.fit([1, 2, np.nan, 4], [1, 2, 3, 4], 1)
    with pytest.raises(ValueError, match=r"y\[0\]=inf is not finite"):
        poly.fit([1, 2, 3], [np.inf, 2, 3], 1)
    with pytest.raises(ValueError, match="same length"):
        poly.fit([1, 2, 3], [1, 2], 1)
    with pytest.raises(ValueError, match="empty"):
        poly.fit([], [], 0)
    with pytest.raises(ValueError, match="x must be 1-D, got shape"):
        poly.fit([[1, 2]], [[1, 2]], 0)
    with pytest.raises(ValueError, match="y must hold real numbers"):
        poly.fit([1, 2], ["a", "b"], 0)
    with pytest.raises(ValueError, match="x must hold real numbers"):
        poly.fit([[1], [2, 3]], [1, 2], 0)
    # duplicate x: 5 points but only 3 distinct x values cannot fix a cubic ...
    x, y = [1, 1, 2, 2, 3], [1, 1.1, 2, 2.1, 3]
    with pytest.raises(ValueError, match=r"degree=3 needs at least 4 distinct x values.*got 3"):
        poly.fit(x, y, 3)
    poly.fit(x, y, 2)  # ... a quadratic they can
    poly.fit(x, y, 3, l2=1e-3)  # and a penalty makes the cubic unique


def test_cv_arguments_are_validated() -> None:
    for bad in (1, 9, "kfold", 2.5, True):
        with pytest.raises(ValueError, match="cv="):
            poly.select_degree(X_RUN, Y_RUN, [1], cv=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="degrees is empty"):
        poly.select_degree(X_RUN, Y_RUN, [])
    with pytest.raises(ValueError, match="degree=30"):
        poly.select_degree(X_RUN, Y_RUN, [1, 30])
    with pytest.raises(ValueError, match="cannot be cross-validated"):
        poly.select_degree(X_RUN, Y_RUN, [7, 8], cv="loo")
    with pytest.raises(ValueError, match="penalty='l3'"):
        poly.validation_curve(X_RUN, Y_RUN, 3, [1.0], penalty="l3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"lams\[1\]=-1"):
        poly.validation_curve(X_RUN, Y_RUN, 3, [1.0, -1])
    with pytest.raises(ValueError, match="conflicts"):
        poly.validation_curve(X_RUN, Y_RUN, 3, [1.0], l2=0.5)


def test_poly_does_not_import_scikit_learn() -> None:
    code = ("import sys, neuralab.poly as p; p.fit([1, 2, 3], [1, 4, 9], 2, l1=0.1); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
