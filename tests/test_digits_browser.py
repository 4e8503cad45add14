"""The draw-a-digit page (/digits) in a real browser, against the real server.

Starts ``neuralab playground --no-browser --port PORT`` (its /digits models train on
scikit-learn's digits in the background) and drives Debian's chromium with Playwright: strokes
drawn with the mouse (pointer events) are read by the linear classifier and the MLP — a
vertical stroke as 1, a circle as 0 —, the normalized input and the templates are painted,
undo and clear remove strokes, the page fits 1024×768 without a sideways scroll, and a touch
screen context draws too.

Skips (with the reason) without /usr/bin/chromium or the ``playwright`` package. Set
``NEURALAB_UPDATE_SCREENSHOT=1`` to refresh docs/digits.png (it is also written when missing).
"""

from __future__ import annotations

import math

import pytest

from browser import open_page, readme_picture, skip_without_browser

sync_api = skip_without_browser()


@pytest.fixture
def page(browser, server):
    for pg in open_page(browser):
        _open(pg, server + "digits")
        yield pg


def _open(pg, url: str) -> None:
    pg.goto(url)
    # the models train at start-up (about 2 s on digits); the page says so until ready
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)


def _settled(pg) -> None:
    """Wait until the page shows the reply to its latest drawing."""
    pg.wait_for_function("document.body.dataset.answered === document.body.dataset.drawn",
                         timeout=15_000)


def _stroke(pg, points: list[tuple[float, float]]) -> None:
    """Draw one stroke through ``points``, given as shares (0..1) of the pad's side."""
    box = pg.locator("#pad").bounding_box()
    at = [(box["x"] + u * box["width"], box["y"] + v * box["height"]) for u, v in points]
    pg.mouse.move(*at[0])
    pg.mouse.down()
    for x, y in at[1:]:
        pg.mouse.move(x, y, steps=3)
    pg.mouse.up()


def _circle(n: int = 24) -> list[tuple[float, float]]:
    return [(0.5 + 0.22 * math.cos(2 * math.pi * k / n), 0.5 + 0.32 * math.sin(2 * math.pi * k / n))
            for k in range(n + 1)]


def _predicted(pg) -> tuple[str, str]:
    return (pg.get_attribute("#linear-bars", "data-predicted"),
            pg.get_attribute("#mlp-bars", "data-predicted"))


def _ink(pg, selector: str) -> int:
    """Pixels of the canvas at ``selector`` that are neither black nor transparent."""
    return pg.evaluate("""(sel) => {
        const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] || d[i + 1] || d[i + 2])) n++;
        return n; }""", selector)


def test_a_vertical_stroke_is_a_one_and_a_circle_a_zero(page):
    _stroke(page, [(0.5, 0.12), (0.5, 0.5), (0.5, 0.88)])
    _settled(page)
    assert "1" in _predicted(page), _predicted(page)
    assert _ink(page, "#normalized") > 0  # the normalized input is drawn
    assert page.locator("#contributions canvas").count() == 3
    page.click("#clear")
    _settled(page)
    assert _predicted(page) == ("", "")
    _stroke(page, _circle())
    _settled(page)
    assert "0" in _predicted(page), _predicted(page)
    assert page.get_attribute("#templates", "data-predicted") == _predicted(page)[0]
    assert page.locator("#templates .map.win").count() == 1
    readme_picture(page.locator("body"), "digits.png")
    assert page.errors == []


def test_templates_are_painted_and_undo_removes_the_last_stroke(page):
    assert page.locator("#templates canvas").count() == 10
    assert all(_ink(page, f"#templates .map:nth-child({k + 1}) canvas") > 0 for k in range(10))
    _stroke(page, _circle())
    _settled(page)
    zero = _predicted(page)
    _stroke(page, [(0.75, 0.1), (0.75, 0.9)])  # a bar to the right: no longer a plain 0
    _settled(page)
    assert page.get_attribute("body", "data-strokes") == "2"
    page.click("#undo")
    _settled(page)
    assert page.get_attribute("body", "data-strokes") == "1"
    assert _predicted(page) == zero  # the same drawing as before the second stroke
    assert page.errors == []


def test_fits_1024_by_768_without_sideways_scroll(browser, server):
    for pg in open_page(browser):
        pg.set_viewport_size({"width": 1024, "height": 768})
        _open(pg, server + "digits")
        _stroke(pg, [(0.5, 0.12), (0.5, 0.88)])
        _settled(pg)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 1024
        assert pg.locator("#pad").bounding_box()["width"] >= 200


def test_a_touch_screen_draws(browser, server):
    for pg in open_page(browser, has_touch=True, is_mobile=False):
        _open(pg, server + "digits")
        assert pg.evaluate("getComputedStyle(document.getElementById('pad')).touchAction") \
            == "none"  # a finger draws instead of scrolling
        box = pg.locator("#pad").bounding_box()
        cx = box["x"] + box["width"] / 2
        # a finger's touches, through the browser's input pipeline (Chrome DevTools Protocol):
        # the page sees them as pointer events of pointerType "touch"
        cdp = pg.context.new_cdp_session(pg)
        ys = [box["y"] + (0.12 + 0.076 * k) * box["height"] for k in range(11)]
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchStart", "touchPoints": [{"x": cx, "y": ys[0]}]})
        for y in ys[1:]:
            cdp.send("Input.dispatchTouchEvent",
                     {"type": "touchMove", "touchPoints": [{"x": cx, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        _settled(pg)
        assert pg.get_attribute("body", "data-strokes") == "1"
        assert "1" in _predicted(pg)
        assert pg.errors == []


def test_the_playground_links_to_the_page(page, server):
    page.goto(server)
    page.click("#digits-link")
    page.wait_for_url("**/digits")
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
