"""The polynomial page's true-function mode (poly_decompose.js) in a real browser, against the
real server: the button opens it, the fits and the error curves are drawn from
POST /api/poly/decompose, they change when σ or n or the degree change, and /poly still fits
1024×768 without scrolling sideways.

Skips (with the reason) without /usr/bin/chromium or the ``playwright`` package. Set
``NEURALAB_UPDATE_SCREENSHOT=1`` to refresh docs/poly_decompose.png (also written when missing).
"""

from __future__ import annotations

import json

import pytest

from browser import open_page, readme_picture, skip_without_browser
from neuralab.playground.poly_api import LAM_GRID

sync_api = skip_without_browser()


@pytest.fixture
def page(browser):
    yield from open_page(browser)


def _settled(pg) -> None:
    pg.wait_for_function("document.body.dataset.ready === '1' && "
                         "document.getElementById('decomp').dataset.ready === '1'",
                         timeout=20_000)


def _series(pg, chart: str) -> dict:
    return json.loads(pg.get_attribute(f"#{chart}", "data-series"))


def _set_range(pg, selector: str, value: float) -> None:
    pg.eval_on_selector(
        selector, "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }",
        value)
    _settled(pg)


def _open_mode(pg, server: str) -> None:
    pg.goto(server + "poly")
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=15_000)
    assert pg.is_hidden("#decomp")
    pg.click("#truth-mode")
    assert pg.get_attribute("#truth-mode", "aria-pressed") == "true"
    _settled(pg)


def test_the_curves_appear_and_follow_sigma_and_n(page, server):
    _open_mode(page, server)
    before = _series(page, "decomp-degree")
    assert before["noise"] == pytest.approx(0.09)  # the default σ = 0.3
    assert len(before["x"]) == 11 and all(v is not None for v in before["test"][:8])
    # the parts add up to the measured test error on the page too
    for b, v, t in zip(before["bias2"][:8], before["variance"][:8], before["test"][:8],
                       strict=True):
        assert abs(b + v + before["noise"] - t) < 0.15 * t
    assert int(page.get_attribute("#decomp-fits", "data-fits")) > 10
    assert "bias²" in page.text_content("#decomp-note")
    lam = _series(page, "decomp-lam")
    assert len(lam["x"]) == len(LAM_GRID)  # λ = 0 and the page's λ grid
    readme_picture(page.locator("#decomp"), "poly_decompose.png")

    _set_range(page, "#sigma", 0.6)
    after = _series(page, "decomp-degree")
    assert after["noise"] == pytest.approx(0.36)
    assert after["test"][3] > before["test"][3]
    assert page.text_content("#sigma-value") == "0.60"

    _set_range(page, "#n-points", 80)
    more = _series(page, "decomp-degree")
    assert more["variance"][5] < after["variance"][5]  # more data: less estimation error

    page.click("#resample")
    _settled(page)
    assert page.text_content("#seed-value") == "1"
    assert _series(page, "decomp-degree")["test"] != more["test"]

    page.uncheck("#log-y")
    assert page.get_attribute("#decomp-degree", "data-scale") == "linear"
    assert page.errors == []


def test_the_degree_slider_moves_the_mode(page, server):
    _open_mode(page, server)
    page.select_option("#truth", "runners2")
    _settled(page)
    _set_range(page, "#degree", 2)
    s = _series(page, "decomp-degree")
    # the truth is a quadratic: bias² vanishes from degree 2 on
    assert s["bias2"][2] < 0.01 * s["bias2"][1]
    assert "Degree 2" in page.text_content("#decomp-note")
    assert page.errors == []


def test_fits_1024x768_without_horizontal_scroll(browser, server):
    for pg in open_page(browser):
        pg.set_viewport_size({"width": 1024, "height": 768})
        _open_mode(pg, server)
        overflow = pg.evaluate("document.documentElement.scrollWidth - "
                               "document.documentElement.clientWidth")
        assert overflow <= 0
        box = pg.locator("#decomp-lam").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1024



def _open_link(pg, server: str, hash_: str) -> None:
    """Open /poly with ``hash_`` on ``pg`` and wait until it settles (the mode too)."""
    pg.goto(server + "poly" + hash_)
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=15_000)
    if "mode=truth" in hash_:
        _settled(pg)


def test_the_modes_settings_are_in_the_link(page, browser, server):
    """Like the top bar's, the mode's settings live in the URL hash: a link opens the mode with
    them (the same curves), values out of range fall back to the defaults, and closing the mode
    takes its settings out of the link."""
    _open_mode(page, server)
    assert "mode=truth" in page.evaluate("location.hash")
    page.select_option("#truth", "step")
    _settled(page)
    _set_range(page, "#sigma", 0.5)
    _set_range(page, "#n-points", 40)
    page.click("#resample")
    _settled(page)
    page.uncheck("#log-y")
    link = page.evaluate("location.hash")
    parts = link.lstrip("#").split("&")
    for part in ("mode=truth", "truth=step", "sigma=0.5", "n=40", "seed=1", "logy=0"):
        assert part in parts, (part, link)
    curves = _series(page, "decomp-degree")

    for other in open_page(browser):
        _open_link(other, server, link)
        assert other.get_attribute("#truth-mode", "aria-pressed") == "true"
        assert other.input_value("#truth") == "step"
        assert other.input_value("#sigma") == "0.5" and other.input_value("#n-points") == "40"
        assert other.text_content("#seed-value") == "1" and not other.is_checked("#log-y")
        assert _series(other, "decomp-degree") == curves
        assert other.evaluate("location.hash") == link
        assert other.errors == []

    for bad in open_page(browser):
        _open_link(bad, server, "#mode=truth&truth=nope&sigma=99&n=1&k=abc&seed=-1&gd=7&logy=2")
        defaults = json.loads(bad.evaluate("fetch('api/poly/truths').then(r => r.text())"))[
            "defaults"]
        assert bad.input_value("#truth") == defaults["truth"]
        assert float(bad.input_value("#sigma")) == pytest.approx(defaults["sigma"])
        assert bad.input_value("#n-points") == str(defaults["n"])
        assert bad.input_value("#k-sets") == str(defaults["k"])
        assert bad.text_content("#seed-value") == str(defaults["seed"])
        assert bad.is_checked("#log-y")
        assert bad.errors == []

    page.click("#truth-mode")  # closed: the link keeps the top bar's settings only
    assert page.get_attribute("#truth-mode", "aria-pressed") == "false"
    assert "mode=" not in page.evaluate("location.hash")
    assert page.errors == []
