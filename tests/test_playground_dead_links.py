"""Dead links in the browser: under TensorFlow Playground's rules with L1 a weight that crosses 0
is set to 0 for good (the frame's ``dead``). TFP's ``updateWeightsUI`` draws every link by its
weight — ``colorScale(w)``, ``linkWidthScale(|w|)`` — and never reads ``isDead``: a dead link is
the thin neutral line of w = 0, neither hidden nor dashed. The page draws it so, and marks it
(class ``dead`` on its hit path, a word in its tooltip)."""

from __future__ import annotations

import numpy as np
import pytest

from browser import open_page, skip_without_browser

sync_api = skip_without_browser()

from neuralab.playground.session import Session  # noqa: E402

# one epoch of this kills x1 -> L1N0 and leaves x2 -> L1N0 and L1N0 -> output alive
CONFIG = {"rules": "tfp", "dataset": "gaussian", "hidden": [1], "features": ["x1", "x2"],
          "reg": "l1", "lam": 0.1, "lr": 0.03}
HASH = "#rules=tfp&dataset=gaussian&hidden=1&features=x1,x2&reg=l1&lam=0.1&lr=0.03"
MID = np.array([232, 234, 235])  # colors.js MID, TFP's colorScale(0) = #e8eaeb


@pytest.fixture()
def page(browser):
    yield from open_page(browser)


def _expected_dead() -> set[str]:
    """The hit-path ids of the links one epoch kills, as the session computes them."""
    s = Session(CONFIG)
    s.train_epoch()
    return {f"weight-{k}-{i}-{j}" for k, mask in enumerate(s._tfp.dead)
            for i, j in zip(*np.nonzero(mask), strict=True)}


_PIXELS = """(id) => {
    // the links canvas's own pixels (RGBA, not premultiplied) around five points of the line
    const p = document.getElementById(id);
    const c = document.querySelector('canvas.links-canvas');
    const scale = c.width / p.ownerSVGElement.width.baseVal.value;
    const ctx = c.getContext('2d');
    return [0.3, 0.4, 0.5, 0.6, 0.7].map((f) => {
        const q = p.getPointAtLength(p.getTotalLength() * f);
        const x = Math.round(q.x * scale), y = Math.round(q.y * scale);
        const d = ctx.getImageData(x - 1, y - 1, 3, 3).data;
        let best = [0, 0, 0, 0];
        for (let k = 0; k < d.length; k += 4) {
            if (d[k + 3] > best[3]) best = Array.from(d.slice(k, k + 4));
        }
        return best;
    });
}"""


def test_a_dead_link_is_drawn_as_tfp_draws_it(page, server):
    dead = _expected_dead()
    assert dead == {"weight-0-0-0"}  # the case: x1 -> L1N0 dies, the other two live
    page.goto(server + HASH)
    page.wait_for_function(
        "document.getElementById('status').textContent === 'connected'", timeout=15_000)
    page.wait_for_function("document.querySelectorAll('#links path.link-hit').length === 3")
    assert page.locator("#links path.link-hit.dead").count() == 0  # nothing dead at epoch 0
    page.click("#step")
    page.wait_for_function("document.getElementById('epoch').dataset.value === '1'")
    page.wait_for_function("document.querySelectorAll('#links path.link-hit.dead').length > 0")
    marked = set(page.eval_on_selector_all("#links path.link-hit.dead", "ps => ps.map(p => p.id)"))
    assert marked == dead
    page.wait_for_timeout(300)  # the links canvas is painted in the same animation frame

    # drawn along its whole length (not hidden, not dashed), in the neutral colour of w = 0
    for r, g, b, a in page.evaluate(_PIXELS, "weight-0-0-0"):
        assert a > 20, "a dead link is still drawn"
        assert np.abs(np.array([r, g, b]) - MID).max() <= 12, (r, g, b)
    # a live link keeps its colour (x2 -> L1N0 is negative: orange)
    for r, g, b, a in page.evaluate(_PIXELS, "weight-0-1-0"):
        assert a > 20 and r - b > 60, (r, g, b, a)

    # the tooltip reads the weight, 0, and says the link is dead; a live one does not
    page.locator("#weight-0-0-0").dispatch_event("mousemove", {"clientX": 600, "clientY": 300})
    tip = page.inner_text("#weight-tip")
    assert "weight 0.0000" in tip and "dead" in tip
    page.locator("#weight-0-1-0").dispatch_event("mousemove", {"clientX": 600, "clientY": 300})
    assert "dead" not in page.inner_text("#weight-tip")
    assert page.errors == []
