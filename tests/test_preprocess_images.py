"""ImageScaler (mean image, one global std, floored) and the floored Standardizer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuralab import data
from neuralab.data import preprocess


def _pixels(rng: np.random.Generator, n: int, shape: tuple[int, ...], pmax: float) -> np.ndarray:
    return rng.integers(0, int(pmax) + 1, (n, *shape)).astype(np.float32)


def test_image_scaler_stats_match_numpy(rng):
    X = _pixels(rng, 9000, (4, 4, 3), 255)  # > one 4096-row chunk
    X[:, 0, 0, :] = 0.0  # an always-black pixel
    sc = data.ImageScaler().fit(X)
    X64 = X.astype(np.float64)
    mean = X64.mean(axis=0)
    np.testing.assert_allclose(sc.mean_, mean, rtol=1e-6)
    assert sc.mean_.dtype == np.float32 and sc.mean_.shape == (4, 4, 3)
    assert sc.std_ == pytest.approx((X64 - mean).std(), rel=1e-9)  # ONE std for all pixels
    assert sc.scale_ == pytest.approx(sc.std_, rel=1e-6) and sc.pixel_max_ == 255.0
    Z = sc.transform(X)
    assert Z.dtype == np.float32 and Z.shape == X.shape
    np.testing.assert_allclose(Z, (X64 - mean) / sc.scale_, atol=1e-4)
    assert Z.std() == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_array_equal(Z[:, 0, 0, :], 0.0)  # the dead pixel stays 0, not 0/0


def test_image_scaler_inverse_round_trip(rng):
    X = _pixels(rng, 50, (8, 8), 16)
    sc = data.ImageScaler(pixel_max=16).fit(X)
    other = _pixels(rng, 7, (8, 8), 16)
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(other)), other, atol=1e-4)
    np.testing.assert_allclose(sc.fit_transform(X), sc.transform(X))
    out = data.apply(data.Dataset("d", X, np.zeros(50, int), other, np.zeros(7, int), other,
                                  np.zeros(7, int), image_shape=(8, 8)), data.flatten, sc)
    assert out.X_val.shape == (7, 64) and out.X_val.dtype == np.float32


@pytest.mark.parametrize("pmax", [1.0, 16.0, 255.0, 0.1, 1000.0])
def test_image_scaler_bound_on_adversarial_inputs(rng, pmax):
    """Any image in [0, pixel_max] maps into |x| <= 100, whatever the training set."""
    shape = (6, 5)
    extremes = np.stack([np.zeros(shape), np.full(shape, pmax),
                         np.where(np.indices(shape).sum(0) % 2, pmax, 0.0)]).astype(np.float32)
    noise = rng.uniform(0, pmax, (200, *shape)).astype(np.float32)
    trainings = {
        "all black": np.zeros((20, *shape), np.float32),
        "all white": np.full((20, *shape), pmax, np.float32),
        "one white pixel in one image": np.zeros((1000, *shape), np.float32),
        "near constant": np.full((30, *shape), pmax / 2, np.float32)
        + rng.normal(0, 1e-6 * pmax, (30, *shape)).astype(np.float32),
        "noise": noise,
    }
    trainings["one white pixel in one image"][0, 0, 0] = pmax
    for name, X in trainings.items():
        X = np.clip(X, 0, pmax).astype(np.float32)
        sc = data.ImageScaler(pixel_max=pmax).fit(X)
        for Z in (sc.transform(extremes), sc.transform(noise), sc.transform(X)):
            assert np.abs(Z).max() <= 100.0, name
        if name != "noise":  # a (nearly) constant training set: the floor is what divides
            assert sc.std_ < 0.01 * pmax and sc.scale_ >= 0.01 * pmax, name
            assert sc.scale_ == pytest.approx(0.01 * pmax, rel=1e-6), name
    # The extreme case reaches the bound exactly, and does not pass it by a float32 ulp.
    sc = data.ImageScaler(pixel_max=pmax).fit(np.zeros((3, *shape), np.float32))
    assert np.abs(sc.transform(extremes)).max() == pytest.approx(100.0, rel=1e-6)


def test_image_scaler_floor_parameter(rng):
    X = np.zeros((10, 3, 3), np.float32)
    X[0, 1, 1] = 255
    std = (X - X.mean(axis=0)).std()  # 25.5 here
    sc = data.ImageScaler(pixel_max=255, floor=0.2).fit(X)
    assert sc.std_ == pytest.approx(std) and sc.scale_ == pytest.approx(51.0, rel=1e-6)
    assert np.abs(sc.transform(np.full((1, 3, 3), 255.0))).max() <= 5.0  # 1 / floor
    assert data.ImageScaler(pixel_max=255, floor=1e-4).fit(X).scale_ == pytest.approx(std)


def test_image_scaler_infers_pixel_max(rng):
    X = _pixels(rng, 30, (4, 4), 16)
    X[0, 0, 0] = 16
    assert data.ImageScaler().fit(X).pixel_max_ == 16.0
    assert data.ImageScaler(pixel_max=255).fit(X).pixel_max_ == 255.0


def test_image_scaler_errors():
    message = r"pixel_max=0 is out of range; allowed: None or \(0, inf\) \(the largest"
    with pytest.raises(ValueError, match=message):
        data.ImageScaler(pixel_max=0)
    with pytest.raises(ValueError, match=r"pixel_max=nan"):
        data.ImageScaler(pixel_max=float("nan"))
    with pytest.raises(ValueError, match=r"floor=0 is out of range; allowed: \(0, 1\]"):
        data.ImageScaler(floor=0)
    with pytest.raises(ValueError, match=r"floor=2"):
        data.ImageScaler(floor=2)
    with pytest.raises(ValueError, match=r"outside \[0, pixel_max=16\]"):
        data.ImageScaler(pixel_max=16).fit(np.full((3, 2), 17.0))
    with pytest.raises(ValueError, match=r"pixels in \[-1, 1\], outside"):
        data.ImageScaler().fit(np.array([[-1.0, 1.0]]))
    with pytest.raises(ValueError, match="cannot be inferred; pass pixel_max"):
        data.ImageScaler().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN or inf"):
        data.ImageScaler().fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="N >= 1"):
        data.ImageScaler().fit(np.zeros((0, 3)))
    with pytest.raises(RuntimeError, match="not fitted"):
        data.ImageScaler().transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sample shape"):
        data.ImageScaler().fit(np.ones((4, 3))).transform(np.zeros((2, 4)))


# --------------------------------------------------------------------------- floored Standardizer
def _tabular(rng: np.random.Generator, n: int = 10_000) -> np.ndarray:
    X = np.stack([rng.normal(5, 1, n), rng.normal(0, 100, n), np.zeros(n), np.full(n, 3.0)], 1)
    X[0, 2] = 1.0  # nearly constant: one sample in 10,000 is not 0 (std 0.01)
    return X.astype(np.float32)


def test_standardizer_floor_on_near_constant_feature(rng):
    X = _tabular(rng)
    st = data.Standardizer().fit(X)
    std = X.astype(np.float64).std(axis=0)
    np.testing.assert_allclose(st.std_, std, rtol=1e-5)
    # Floor: 1 % of the largest std (100) = 1.0; features above it keep their own std.
    np.testing.assert_allclose(st.scale_[:3], [std[0], std[1], 0.01 * std[1]], rtol=1e-5)
    new = np.array([[5.0, 0.0, 1000.0, 3.0]], np.float32)  # the near-constant feature jumps
    z = st.transform(new)
    assert z[0, 2] == pytest.approx((1000 - 1e-4) / (0.01 * std[1]), rel=1e-5)  # ~1000, not 1e5
    assert z[0, 3] == 0.0  # zero variance: still 0, whatever the value
    assert data.Standardizer(floor=0).fit(X).transform(new)[0, 2] == pytest.approx(1e5, rel=1e-2)
    Z = st.transform(X)  # the features above the floor are standardized exactly
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1, atol=1e-4)
    back = st.inverse_transform(st.transform(new))
    np.testing.assert_allclose(back, [[5.0, 0.0, 1000.0, 3.0]], rtol=1e-4)


def test_standardizer_floor_errors_and_all_constant():
    with pytest.raises(ValueError, match=r"floor=-0.1 is out of range; allowed: \[0, 1\]"):
        data.Standardizer(floor=-0.1)
    with pytest.raises(ValueError, match=r"floor='a'"):
        data.Standardizer(floor="a")
    st = data.Standardizer().fit(np.ones((5, 3)))
    np.testing.assert_array_equal(st.transform(np.full((2, 3), 9.0)), 0.0)


# --------------------------------------------------------------------------- saved state
def test_state_round_trip(rng):
    X = _pixels(rng, 40, (5, 5), 255)
    for scaler in (data.ImageScaler().fit(X), data.Standardizer().fit(_tabular(rng))):
        arrays, meta = scaler.get_state()
        json.dumps(meta)  # JSON metadata
        back = preprocess.from_state(arrays, json.loads(json.dumps(meta)))
        assert type(back) is type(scaler) and back.floor == scaler.floor
        probe = X[:3] if isinstance(scaler, data.ImageScaler) else _tabular(rng, 7) * 3
        np.testing.assert_array_equal(back.transform(probe), scaler.transform(probe))
    assert meta["kind"] == "standardizer" and set(arrays) == {"mean", "std", "scale"}


def test_state_written_before_the_floor_divides_by_std(rng):
    """{kind: standardizer, mean, std} — the state of runs written before the image scaler
    existed — is each feature divided by its own std, zero-variance features 0, as then."""
    X = _tabular(rng)
    mean, std = X.mean(axis=0), X.std(axis=0)
    old = preprocess.from_state({"mean": mean, "std": std}, {"kind": "standardizer"})
    new = np.array([[5.0, 0.0, 1000.0, 3.0]], np.float32)
    expect = np.where(std > 0, (new - mean) / np.where(std > 0, std, 1), 0)
    np.testing.assert_allclose(old.transform(new), expect, rtol=1e-6)
    assert old.transform(new)[0, 2] > 9e4  # no floor: exactly the old behaviour


def test_from_state_unknown_kind():
    with pytest.raises(ValueError, match=r"kind='pca' is not a preprocessing scheme; allowed: "
                                         r"image_scaler, standardizer"):
        preprocess.from_state({}, {"kind": "pca"})
    with pytest.raises(RuntimeError, match="not fitted"):
        data.ImageScaler().get_state()
