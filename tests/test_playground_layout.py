"""The playground fits a projector (issue 18, item 5), in a real browser against the real server.

At 1024×768 and 1280×720, on the network page and on the polynomial page, with the default
settings and a big one (6 hidden layers × 8, all features, 3 classes, dropout and batch norm,
so every menu and badge is shown): nothing scrolls sideways and every visible control and
picture lies inside the window. The heatmap follows its column's width; the data set tiles carry
their names; the heatmap resolution (config ``grid``) and a dropout per hidden layer have
controls that round-trip through the URL; a layer with dropout or batch norm is marked; the
class hyperplanes are labelled as what they are. Skips (with the reason) without
/usr/bin/chromium or the ``playwright`` package.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from browser import skip_without_browser

sync_api = skip_without_browser()

from neuralab.playground.tables import PRESETS  # noqa: E402  (after the skip: needs pydantic)

VIEWPORTS = [(1024, 768), (1280, 720)]
ALL_FEATURES = "x1,x2,x1^2,x2^2,x1x2,sin_x1,sin_x2,r,theta"
BIG = (f"#dataset=spiral&classes=3&hidden=8,8,8,8,8,8&features={ALL_FEATURES}"
       "&activation=relu,tanh,sigmoid,leaky_relu,elu,tanh&dropout=0,0.2,0.5,0.1,0.3,0.9"
       "&batchnorm=1&reg=elastic&lam=0.01&show_test=1")
# the polynomial page's big case: a high degree, a penalty, a table and 40 long data lines
POLY_DATA = "\n".join(f"{x * 1.2345678901:.10f} {(-1) ** x * x * 0.987654321:.10f}"
                      for x in range(40))
POLY_BIG = f"#degree=9&reg=l2&lam=0.01&table=0,50,0.25,6&data={quote(POLY_DATA)}"

# Everything a user reads or works: controls, pictures, labels (hidden ones are skipped).
VISIBLE = ("button, select, input, canvas, label, output, a, h2, h3, .stat, .dataset-label, "
           ".layer-badge, .layer-head, .hp-label, .feature-label, table, pre, textarea")


def _open_net(pg, url: str, neurons: int, outputs: int = 2) -> None:
    """Load the network page afresh, wait for the server and the diagram's rebuild."""
    pg.goto("about:blank")
    pg.goto(url)
    pg.wait_for_function(
        "document.getElementById('status').textContent === 'connected'", timeout=15_000)
    pg.wait_for_function(
        "([n, k]) => document.querySelectorAll('.node.neuron').length === n"
        " && document.querySelectorAll('.node.output').length === k", arg=[neurons, outputs])
    pg.wait_for_function("document.getElementById('heatmap').dataset.mapWidth > 0")


def _open_poly(pg, url: str) -> None:
    pg.goto("about:blank")
    pg.goto(url)
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=15_000)


def _layout(pg) -> dict:
    """The page's width against the window's, and every visible element that sticks out of
    the window or is clipped inside its own box (its content wider than it)."""
    return pg.evaluate("""(sel) => {
        const vw = window.innerWidth;
        const out = [];
        for (const e of document.querySelectorAll(sel)) {
            if (!e.getClientRects().length || getComputedStyle(e).visibility === 'hidden') continue;
            if (e.closest('.visually-hidden, [hidden]')) continue;
            const r = e.getBoundingClientRect();
            if (r.width < 2 && r.height < 2) continue;
            const name = e.id || e.className || e.tagName;
            if (r.left < -0.5 || r.right > vw + 0.5) out.push(`${name}: x ${r.left}..${r.right}`);
        }
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
                 bodyWidth: document.body.scrollWidth, outside: out };
    }""", VISIBLE)


def _heads(pg) -> dict:
    """The layer heads' horizontal extents, and their parts that stick out of their head."""
    return pg.evaluate("""() => {
        const heads = [...document.querySelectorAll('.layer-head')].map((h) => {
            const r = h.getBoundingClientRect();
            const parts = [...h.querySelectorAll('select, button, .units, .layer-badge')]
                .map((e) => e.getBoundingClientRect())
                .filter((p) => p.left < r.left - 1 || p.right > r.right + 1);
            return { left: r.left, right: r.right, bottom: r.bottom, sticking: parts.length };
        });
        const firstNeuron = document.querySelector('.node.neuron')?.getBoundingClientRect().top;
        return { heads, firstNeuron };
    }""")


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_the_network_page_fits(page, server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for url, neurons, outputs in ((server, 6, 2), (server + BIG, 48, 3)):
        _open_net(page, url, neurons, outputs)
        got = _layout(page)
        assert got["scrollWidth"] <= got["innerWidth"] == width, (url, got)
        assert got["outside"] == [], (url, got["outside"])
        heads = _heads(page)
        for a, b in zip(heads["heads"], heads["heads"][1:], strict=False):
            assert a["right"] <= b["left"] + 0.5, f"layer heads overlap at {width}: {heads}"
        assert all(h["sticking"] == 0 for h in heads["heads"]), heads
        assert max(h["bottom"] for h in heads["heads"]) <= heads["firstNeuron"] + 0.5, heads
    # the big config shows every per-layer menu and badge
    assert page.locator(".act-select").count() == 6
    assert page.locator(".drop-select").count() == 6
    assert page.locator(".layer-badge.bn").count() == 6
    assert page.locator(".layer-badge.drop").count() == 5  # layer 1 has p = 0
    assert page.errors == []


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_the_polynomial_page_fits(page, server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for url in (server + "poly", server + "poly" + POLY_BIG):
        _open_poly(page, url)
        got = _layout(page)
        assert got["scrollWidth"] <= got["innerWidth"] == width, (url, got)
        assert got["outside"] == [], (url, got["outside"])
    assert page.input_value("#degree") == "9"
    assert page.errors == []


def _description(pg, selector: str) -> str:
    """The explanation that the element's aria-describedby names (explain.js)."""
    return pg.evaluate("""(sel) => (document.querySelector(sel).getAttribute('aria-describedby')
        || '').split(/\\s+/).map((id) => document.getElementById(id)?.textContent || '')
        .join(' ')""", selector)


def _heatmap(pg) -> dict:
    return pg.evaluate("""() => {
        const c = document.getElementById('heatmap');
        const r = c.getBoundingClientRect();
        const col = c.closest('.column').getBoundingClientRect();
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < d.length; i += 4 * 97) painted += d[i] === 255 ? 1 : 0;
        return { css: r.width, cssH: r.height, bitmap: c.width, column: col.width,
                 dpr: window.devicePixelRatio, painted, samples: Math.ceil(d.length / (4 * 97)) };
    }""")


def test_the_heatmap_follows_the_window(page, server):
    page.set_viewport_size({"width": 1024, "height": 768})
    _open_net(page, server, 6)
    sizes = []
    for width in (1024, 1280, 1600):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_function(
            """() => {
                const c = document.getElementById('heatmap');
                const css = c.getBoundingClientRect().width;
                return Math.abs(c.width - Math.round(css * Math.min(2, devicePixelRatio))) <= 1;
            }""")
        page.wait_for_timeout(300)  # the redraw after the resize (a frame away)
        got = _heatmap(page)
        assert got["css"] == pytest.approx(got["cssH"], abs=1)  # square
        assert 0.6 * got["column"] <= got["css"] <= got["column"], got  # it fills its column
        assert got["painted"] == got["samples"], f"not redrawn after the resize: {got}"
        sizes.append(got["css"])
    assert sizes[0] >= 250, sizes  # readable on a 1024 projector
    assert sizes[0] < sizes[1] < sizes[2], sizes
    assert page.errors == []


def test_dataset_tiles_are_named(page, server):
    page.set_viewport_size({"width": 1024, "height": 768})
    _open_net(page, server, 6)
    tiles = page.evaluate("""() => [...document.querySelectorAll('#datasets .dataset')]
        .filter((b) => !b.hidden).map((b) => {
            const l = b.querySelector('.dataset-label');
            const r = l?.getBoundingClientRect(), t = b.getBoundingClientRect();
            return { name: b.getAttribute('aria-label'), text: l?.textContent || '',
                     shown: !!l && r.height > 6 && getComputedStyle(l).visibility === 'visible',
                     inside: !!l && r.left >= t.left - 0.5 && r.right <= t.right + 0.5
                         && l.scrollWidth <= l.clientWidth + 1 };
        })""")
    assert len(tiles) >= 8
    for t in tiles:
        assert t["text"] and t["name"] == f"{t['text']} dataset", t
        assert t["shown"] and t["inside"], t
    assert any(t["text"] == "Spiral" for t in tiles)


def test_the_heatmap_resolution_control_round_trips(page, server):
    _open_net(page, server + "#grid=20", 6)
    assert page.input_value("#grid") == "20"
    assert page.get_attribute("#heatmap", "data-map-width") == "20"
    options = page.eval_on_selector_all("#grid option", "os => os.map((o) => Number(o.value))")
    assert options == PRESETS["grid"]
    page.select_option("#grid", "100")
    page.wait_for_function("document.getElementById('heatmap').dataset.mapWidth === '100'")
    page.wait_for_function("location.hash.includes('grid=100')")
    url = page.url
    _open_net(page, url, 6)
    assert page.input_value("#grid") == "100"
    assert page.get_attribute("#heatmap", "data-map-width") == "100"
    # it is explained, with its formula
    assert "G × G" in _description(page, "#grid")
    assert page.errors == []


def test_per_layer_dropout_round_trips_and_is_marked(page, server):
    _open_net(page, server + "#hidden=4,4,2&dropout=0", 10)
    assert page.locator(".drop-select").count() == 3
    assert page.locator(".layer-badge").count() == 0
    page.select_option("#dropout-2", "0.3")
    page.wait_for_function("location.hash.includes('dropout=0,0.3,0&')")
    page.wait_for_selector("#layer-2-dropout-badge", state="visible")
    assert "0.3" in page.inner_text("#layer-2-dropout-badge")
    assert page.locator("#layer-1-dropout-badge, #layer-3-dropout-badge").count() == 0
    assert page.input_value("#dropout") == "mixed"  # the top bar's menu: "(per layer)"
    # hover the badge: what dropout is, and this layer's p
    page.hover("#layer-2-dropout-badge")
    page.wait_for_function("!document.getElementById('explain-tip').hidden")
    tip = page.inner_text("#explain-tip")
    assert "Hidden layer 2" in tip and "0.3" in tip and "1/(1 − p)" in tip
    # the link restores it; batch norm marks every layer
    _open_net(page, page.url.replace("batchnorm=0", "batchnorm=1"), 10)
    assert [page.input_value(f"#dropout-{n}") for n in (1, 2, 3)] == ["0", "0.3", "0"]
    assert page.locator(".layer-badge.bn").count() == 3
    page.hover("#layer-3-bn-badge")
    page.wait_for_function(
        "document.getElementById('explain-tip').dataset.key === 'batchnorm'"
        " && !document.getElementById('explain-tip').hidden")
    # removing a layer drops its entry; the top bar's menu sets every layer
    page.click("#remove-layer")
    page.wait_for_function(
        "location.hash.includes('hidden=4,4&') && location.hash.includes('dropout=0,0.3&')")
    page.select_option("#dropout", "0.2")
    page.wait_for_function("location.hash.includes('dropout=0.2&')")
    page.wait_for_function("document.querySelectorAll('.layer-badge.drop').length === 2")
    assert page.errors == []


def test_hyperplanes_are_labelled(page, server):
    page.set_viewport_size({"width": 1024, "height": 768})
    _open_net(page, server + "#dataset=gaussian&hidden=none&features=x1,x2", 0)
    page.wait_for_function("document.querySelectorAll('.hp-label:not([hidden])').length === 2")
    labels = page.evaluate("""() => {
        const h = document.getElementById('heatmap').getBoundingClientRect();
        return [...document.querySelectorAll('.hp-label:not([hidden])')].map((e) => {
            const r = e.getBoundingClientRect();
            const cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
            return { text: e.textContent, unit: e.dataset.unit,
                     inside: cx > h.left && cx < h.right && cy > h.top && cy < h.bottom };
        });
    }""")
    assert sorted(t["text"] for t in labels) == ["w₀·x + b₀ = 0", "w₁·x + b₁ = 0"]
    assert all(t["inside"] for t in labels), labels
    # the checkbox's explanation says what the lines are, and what they are not
    text = _description(page, "#show-hyperplanes")
    assert "not the decision boundary" in text and "score" in text
    page.click("#show-hyperplanes")
    page.wait_for_function("document.querySelectorAll('.hp-label:not([hidden])').length === 0")
    assert "hyperplanes=0" in page.url
    assert page.errors == []
