"""The hidden-space view (static/hidden.js) in a real browser against the real server.

Opened on a net whose last hidden layer has 2 units it draws the points and the grid's lines
(window.hiddenSpaceStats and the canvas's pixels say so) and follows training; a wider layer
offers PCA or two units; the menus offer only layers and units that exist, so the server never
refuses a choice made in the page. Skips (with the reason) without /usr/bin/chromium or the
``playwright`` package.
"""

from __future__ import annotations

import json

import pytest

from browser import open_page, readme_picture, skip_without_browser

sync_api = skip_without_browser()


@pytest.fixture
def page(browser):
    yield from open_page(browser)


def _open(pg, url: str, neurons: int) -> list[dict]:
    """Open ``url``, wait for its network, open the view; returns the server's JSON messages
    as they arrive (a live list)."""
    seen: list[dict] = []

    def on_socket(ws) -> None:
        ws.on("framereceived", lambda p: seen.append(json.loads(p)) if isinstance(p, str)
              else None)

    pg.on("websocket", on_socket)
    pg.goto(url)
    pg.wait_for_function("document.getElementById('status').textContent === 'connected'",
                         timeout=15_000)
    pg.wait_for_function("(n) => document.querySelectorAll('.node.neuron').length === n",
                         arg=neurons)
    assert not pg.is_visible("#hidden-canvas")  # collapsed by default
    pg.click("#hidden-summary")
    _wait_drawn(pg)
    return seen


def _wait_drawn(pg, **want) -> dict:
    """Wait until the view has drawn a reply matching ``want`` (stats fields); its stats."""
    pg.wait_for_function("""(want) => {
        const s = window.hiddenSpaceStats;
        return s && s.replies > 0 && s.points > 0
            && Object.entries(want).every(([k, v]) => JSON.stringify(s[k]) === JSON.stringify(v));
    }""", arg=want, timeout=10_000)
    return _stats(pg)


def _stats(pg) -> dict:
    return pg.evaluate("({ ...window.hiddenSpaceStats })")


def _pixels(pg) -> dict:
    """The canvas's pixels: not white, class-0 orange, class-1 blue, and a checksum."""
    return pg.evaluate("""() => {
        const c = document.getElementById('hidden-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0, orange = 0, blue = 0, sum = 0;
        for (let i = 0; i < d.length; i += 4) {
            const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
            if (r < 250 || g < 250 || b < 250) ink++;
            if (r > 220 && g > 120 && g < 170 && b < 60) orange++;
            if (r < 30 && g > 100 && g < 140 && b > 170) blue++;
            sum = (sum * 31 + r + 7 * g + 13 * b) % 1000000007;
        }
        return { ink, orange, blue, sum, total: d.length / 4 };
    }""")


def _options(pg, selector: str) -> list[str]:
    return pg.eval_on_selector(selector, "s => [...s.options].map((o) => o.value)")


def _errors(seen: list[dict]) -> list[dict]:
    return [m for m in seen if m.get("type") == "error"]


def test_a_two_unit_layer_shows_points_lines_and_the_decision_line(page, server):
    seen = _open(page, server + "#hidden=4,2", neurons=6)
    stats = _wait_drawn(page, layer=2)
    n_train = int(page.get_attribute("#point-count", "data-train"))
    assert stats["units"] == 2 and stats["axes"] == ["unit 0", "unit 1"]
    assert stats["points"] == n_train  # every training point drawn
    assert stats["lines"] >= 22 * 40 * 0.9  # 11 + 11 lines of 41 samples (all finite)
    assert stats["boundary"] is True  # 2 classes, last hidden layer of 2 units
    px = _pixels(page)
    assert px["ink"] > 0.03 * px["total"] and px["orange"] > 20 and px["blue"] > 20, px
    assert _options(page, "#hidden-layer") == ["0", "1", "2"]
    assert page.eval_on_selector("#hidden-layer", "s => s.value") == "2"
    assert not page.is_visible("#hidden-projection")  # 2 units: drawn as is
    assert "2 units as they are" in page.inner_text("#hidden-caption")
    # show test data: the test points join the picture
    page.check("#show-test")
    page.wait_for_function("(n) => window.hiddenSpaceStats.points > n", arg=n_train)
    # the input plane: x1, x2 as they are
    page.select_option("#hidden-layer", "0")
    stats = _wait_drawn(page, layer=0)
    assert stats["axes"] == ["x1", "x2"] and stats["boundary"] is False
    assert _errors(seen) == [] and page.errors == []


def test_the_picture_follows_training(page, server):
    _open(page, server + "#hidden=4,2&dataset=xor", neurons=6)
    before = _pixels(page)["sum"]
    replies = _stats(page)["replies"]
    page.click("#play")
    page.wait_for_function("(n) => window.hiddenSpaceStats.replies >= n + 5", arg=replies,
                           timeout=15_000)
    page.wait_for_function("Number(document.getElementById('epoch').dataset.value) > 3")
    page.click("#play")  # pause
    page.wait_for_function("document.getElementById('play').getAttribute('aria-pressed') "
                           "=== 'false'")
    page.wait_for_timeout(300)  # the last reply of the paused frame
    assert _pixels(page)["sum"] != before, "the picture did not change while training"
    readme_picture(page.locator("#hidden-space"), "playground-hidden.png")
    stats = _stats(page)
    assert stats["requests"] - stats["replies"] <= 1  # one request out at a time
    # paused: no more requests
    asked = stats["requests"]
    page.wait_for_timeout(500)
    assert _stats(page)["requests"] == asked
    assert page.errors == []


def test_projection_of_a_wider_layer(page, server):
    seen = _open(page, server + "#hidden=5,3", neurons=8)
    _wait_drawn(page, layer=2)
    # the menu names each layer's units (the link changed [4, 2] into [5, 3]: same depth)
    texts = page.eval_on_selector("#hidden-layer", "s => [...s.options].map((o) => o.text)")
    assert "5 units" in texts[1] and "3 units" in texts[2], texts
    page.select_option("#hidden-layer", "1")
    stats = _wait_drawn(page, layer=1, projection="pca")
    assert stats["units"] == 5 and stats["axes"] == ["PC1", "PC2"]
    assert stats["boundary"] is False  # not the last hidden layer
    assert page.is_visible("#hidden-projection") and not page.is_visible("#hidden-unit-i")
    assert "principal directions" in page.inner_text("#hidden-caption")
    page.select_option("#hidden-projection", "units")
    assert page.is_visible("#hidden-unit-i") and page.is_visible("#hidden-unit-j")
    _wait_drawn(page, layer=1, projection=[0, 1])
    assert _options(page, "#hidden-unit-i") == ["0", "1", "2", "3", "4"]
    page.select_option("#hidden-unit-i", "3")
    assert "3" not in _options(page, "#hidden-unit-j")  # a unit against itself: not offered
    page.select_option("#hidden-unit-j", "4")
    stats = _wait_drawn(page, layer=1, projection=[3, 4])
    assert stats["axes"] == ["unit 3", "unit 4"]
    # picking unit j as the new i moves j away from it
    page.select_option("#hidden-unit-i", "4")
    j = page.eval_on_selector("#hidden-unit-j", "s => s.value")
    assert j != "4" and "4" not in _options(page, "#hidden-unit-j")
    _wait_drawn(page, layer=1, projection=[4, int(j)])
    assert _errors(seen) == [] and page.errors == []


def test_a_bad_choice_cannot_be_made_from_the_page(page, server):
    seen = _open(page, server + "#hidden=5,3,2", neurons=10)
    _wait_drawn(page, layer=3)
    assert _options(page, "#hidden-layer") == ["0", "1", "2", "3"]
    texts = page.eval_on_selector("#hidden-layer", "s => [...s.options].map((o) => o.text)")
    assert "5 units" in texts[1] and "3 units" in texts[2] and "2 units" in texts[3], texts
    # the chosen layer removed: the menu follows the network, the last layer is shown
    page.click("#remove-layer")
    page.wait_for_function("document.querySelectorAll('.node.neuron').length === 8")
    stats = _wait_drawn(page, layer=2)
    assert _options(page, "#hidden-layer") == ["0", "1", "2"] and stats["units"] == 3
    # units 3 and 4 of layer 1 chosen, then layer 1 shrinks to 3 units: the choice falls back
    page.select_option("#hidden-layer", "1")
    page.select_option("#hidden-projection", "units")
    page.select_option("#hidden-unit-i", "3")
    page.select_option("#hidden-unit-j", "4")
    _wait_drawn(page, layer=1, projection=[3, 4])
    for _ in range(2):
        page.click('[aria-label="Remove a neuron from hidden layer 1"]')
        page.wait_for_timeout(150)
    page.wait_for_function("document.querySelectorAll('.node.neuron').length === 6")
    stats = _wait_drawn(page, layer=1, units=3)
    assert stats["projection"] in ([0, 1], "pca")
    assert _options(page, "#hidden-unit-i") == ["0", "1", "2"]
    # down to 2 units: drawn as is, no projection to choose
    page.click('[aria-label="Remove a neuron from hidden layer 1"]')
    _wait_drawn(page, layer=1, units=2)
    assert not page.is_visible("#hidden-projection")
    # no hidden layer: only the input plane is offered
    for _ in range(2):
        page.click("#remove-layer")
        page.wait_for_timeout(150)
    page.wait_for_function("document.querySelectorAll('.node.neuron').length === 0")
    _wait_drawn(page, layer=0)
    assert _options(page, "#hidden-layer") == ["0"]
    assert not page.is_visible("#toast")
    assert _errors(seen) == [], _errors(seen)
    assert page.errors == []


def test_the_view_is_in_the_link(page, browser, server):
    """The panel and its choice live in the URL hash (hidden_space=LAYER or LAYER,I,J): a link
    opens the view on that layer and those units, on the link's network; a link without the
    key leaves the panel closed, and closing the panel takes the key out."""
    _open(page, server + "#hidden=5,3", neurons=8)
    assert "hidden_space=2" in page.evaluate("location.hash").split("&")
    page.select_option("#hidden-layer", "1")
    page.select_option("#hidden-projection", "units")
    page.select_option("#hidden-unit-i", "3")
    page.select_option("#hidden-unit-j", "4")
    _wait_drawn(page, layer=1, projection=[3, 4])
    link = page.evaluate("location.hash")
    assert "hidden_space=1,3,4" in link.split("&"), link

    for other in open_page(browser):
        other.goto(server + link)
        stats = _wait_drawn(other, layer=1, projection=[3, 4])
        assert other.is_visible("#hidden-canvas") and stats["units"] == 5
        assert other.eval_on_selector("#hidden-unit-i", "s => s.value") == "3"
        assert other.evaluate("location.hash") == link
        assert other.errors == []

    for other in open_page(browser):  # units beyond the layer: the page's own fallback
        other.goto(server + "#hidden=5,3&hidden_space=2,7,9")
        stats = _wait_drawn(other, layer=2, projection=[0, 1])
        assert stats["units"] == 3 and other.errors == []
        assert "hidden_space=2,0,1" in other.evaluate("location.hash").split("&")

    page.click("#hidden-summary")  # closed: out of the link
    page.wait_for_function("!location.hash.includes('hidden_space')")
    assert page.errors == []
