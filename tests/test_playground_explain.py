"""The playground page explains itself (explain.js), in a real browser against the real server.

Every control built from ``hello`` has a text with its formula, reachable by hovering and by
keyboard focus (a ``role="tooltip"`` element, and ``aria-describedby`` naming a plain-text
copy); the legend says what the pictures are; the activation tooltip plots f and f′.
Skips (with the reason) without /usr/bin/chromium or the ``playwright`` package.
"""

from __future__ import annotations

import json

import pytest

from browser import skip_without_browser

sync_api = skip_without_browser()

# Every control enabled and shown: elastic net (λ and β), a 3-class set (the class menu), two
# hidden layers with their per-layer menus.
LINK = "#dataset=spiral&classes=3&reg=elastic&lam=0.01&hidden=3,2&activation=relu"
NO_CONTROL: set[str] = set()  # hello's config fields that the page has no control for
REGIONS = ".topbar, .data-col, .net-col, .out-col"


def _hello(pg, url: str) -> dict:
    """Open ``url`` afresh, wait until connected, and return the ``hello`` message."""
    seen: list[dict] = []

    def on_socket(ws) -> None:
        ws.on("framereceived", lambda p: seen.append(json.loads(p))
              if isinstance(p, str) and '"hello"' in p[:40] else None)

    pg.on("websocket", on_socket)
    try:
        pg.goto("about:blank")
        pg.goto(url)
        pg.wait_for_function(
            "document.getElementById('status').textContent === 'connected'", timeout=15_000)
        pg.wait_for_function("document.querySelectorAll('.node.neuron').length === 5")
    finally:
        pg.remove_listener("websocket", on_socket)
    assert len(seen) == 1
    return seen[0]


def _description(pg, selector: str) -> str:
    """The text that the element's aria-describedby names."""
    return pg.evaluate("""(sel) => {
        const e = document.querySelector(sel);
        return (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
            .map((id) => document.getElementById(id)?.textContent || '').join(' ');
    }""", selector)


def _tip(pg) -> dict:
    return pg.evaluate("""() => {
        const t = document.getElementById('explain-tip');
        return { shown: !t.hidden && t.getBoundingClientRect().width > 0, key: t.dataset.key,
                 role: t.getAttribute('role'), text: t.textContent };
    }""")


def test_every_control_from_hello_is_explained(page, server):
    hello = _hello(page, server + LINK)
    fields = set(hello["config"]) - NO_CONTROL
    assert set(hello["defaults"]) == set(hello["config"])
    got = page.evaluate("""(regions) => {
        const shown = (e) => e.getClientRects().length > 0 && !e.disabled;
        const controls = [...document.querySelectorAll(regions)].flatMap((r) =>
            [...r.querySelectorAll('select, input, button, [tabindex]')]);
        const text = (e) => (e.getAttribute('aria-describedby') || '').split(/\\s+/)
            .filter(Boolean).map((id) => document.getElementById(id)?.textContent || '').join(' ');
        const byField = {};
        const bare = [];
        for (const e of controls) {
            const key = e.dataset.explain;
            if (!key || text(e).length < 20) {
                bare.push(e.id || e.className || e.tagName);
                continue;
            }
            if (shown(e)) (byField[key] ||= []).push(e.id || e.className);
        }
        return { byField, bare };
    }""", REGIONS)
    assert got["bare"] == [], "controls without an explanation"
    missing = fields - set(got["byField"])
    assert not missing, f"config fields whose control has no explanation: {missing}"

    # keyboard: Tab through the page; the tooltip names every field on the way
    page.focus("#poly-link")
    keys: set[str] = set()
    for _ in range(160):
        page.keyboard.press("Tab")
        tip = _tip(page)
        if tip["shown"]:
            assert tip["role"] == "tooltip"
            keys.add(tip["key"])
    assert fields <= keys, f"not reached by keyboard focus: {fields - keys}"

    # mouse: hover each field's control; the tooltip shows its text
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    for field in sorted(fields):
        page.locator(f'[data-explain="{field}"]:visible').first.hover()
        page.wait_for_function(
            "(k) => { const t = document.getElementById('explain-tip');"
            " return !t.hidden && t.dataset.key === k; }", arg=field, timeout=3000)
        page.mouse.move(1270, 790)
        page.wait_for_function("document.getElementById('explain-tip').hidden")
    assert page.errors == []


@pytest.mark.parametrize(("selector", "formula"), [
    ("#lr", "w ← w − η·g"),
    ("#lam", "λ·ΣW²"),
    ("#reg", "gradient 2λW (no ½)"),
    ("#reg", "λ·Σ(β·W² + |W|)"),
    ("#reg", "proximal step"),
    ("#dropout", "p = probability of dropping"),
    ("#loss", "−log softmax(s)_y"),
    ("#loss", "Σ_{j≠y} max(0, s_j − s_y + Δ),  Δ = 1"),
    ("#optimizer", "v ← μ·v + g"),
    ("#batchnorm", "√(σ²_B + ε)"),
    ("#batch-size", "(1/B)"),
    ("#feature-r", "r = √(x₁² + x₂²)"),
    ("#activation-1", "max(0, z)"),
])
def test_explanations_hold_their_formulas(page, server, selector, formula):
    if "explain-tip" not in page.content():
        _hello(page, server + LINK)
    assert formula in _description(page, selector)
    page.focus(selector)
    tip = _tip(page)
    assert tip["shown"] and formula in tip["text"], tip


def test_the_legend_says_what_the_pictures_are(page, server):
    _hello(page, server + LINK)
    legend = page.locator("#explain-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    for words in ("neuron's output", "over the input square", "colour = sign", "width = |w|",
                  "class probabilities", "white rim", "dark rim"):
        assert words in text, words
    # a neuron, an output unit and the big picture point at their legend text
    assert "neuron's output" in _description(page, "#neuron-L1N0")
    assert "probability softmax(s)ₖ" in _description(page, "#neuron-out-0")
    assert "class probabilities" in _description(page, "#heatmap")
    page.focus("#heatmap")
    assert _tip(page)["key"] == "heatmap"
    assert page.errors == []


def _plot(pg) -> dict:
    return pg.evaluate("""() => {
        const c = document.querySelector('#explain-tip canvas.xt-plot');
        if (!c) return null;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] < 60 && d[i + 1] > 90 && d[i + 2] > 160) blue++;
            if (d[i] > 200 && d[i + 1] > 110 && d[i + 1] < 180 && d[i + 2] < 90) orange++;
        }
        return { name: c.dataset.activation, blue, orange };
    }""")


def test_the_activation_tooltip_plots_f_and_its_derivative(page, server):
    _hello(page, server + LINK)
    page.focus("#activation")
    plot = _plot(page)
    assert plot and plot["name"] == "relu" and plot["blue"] > 50 and plot["orange"] > 50, plot
    assert "f′(z) = 1 if z > 0, else 0" in _tip(page)["text"]
    relu_pixels = plot["blue"]
    for name in ("sigmoid", "tanh", "leaky_relu", "elu", "maxout", "linear"):
        page.select_option("#activation", name)
        page.focus("#activation")
        page.wait_for_function(
            "(n) => document.querySelector('#explain-tip .xt-plot')?.dataset.activation === n",
            arg=name)
        plot = _plot(page)
        assert plot["blue"] > 50 and plot["orange"] > 50, (name, plot)
        if name == "sigmoid":
            assert plot["blue"] != relu_pixels
    # the per-layer menu in the diagram plots its own layer's activation
    page.focus("#activation-2")
    assert _plot(page)["name"] == page.eval_on_selector("#activation-2", "e => e.value")
    page.keyboard.press("Escape")
    assert _tip(page)["shown"] is False
    assert page.errors == []
