"""The playground's plain-language diagnostics in a real browser, against the real server:
a ReLU network killed by a large learning rate shows the dead-unit message and its dead
neurons marked on the diagram (greyed, a ✕ badge, the reason on hover), a big network on a
few noisy points shows the overfitting message, and a healthy default run shows nothing at
any moment. Skips (with the reason) without /usr/bin/chromium or the ``playwright`` package.
"""

from __future__ import annotations

import re

from browser import readme_picture, skip_without_browser
from neuralab.playground.frames import decode_frame

sync_api = skip_without_browser()

DEAD_RELU = "#activation=relu&lr=3&epoch_cap=8"
OVERFIT = ("#dataset=spiral&n_points=60&noise=40&hidden=16,16,16&optimizer=adam&lr=0.01"
           "&epoch_cap=60")
HEALTHY = "#epoch_cap=60"


class Frames:
    """The headers of the binary frames the page receives."""

    def __init__(self, pg) -> None:
        self.headers: list[dict] = []
        pg.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload) -> None:
        if isinstance(payload, bytes):
            self.headers.append(decode_frame(payload)[0])


def _open(pg, url: str) -> None:
    pg.goto("about:blank")
    pg.goto(url)
    pg.wait_for_function(
        "document.getElementById('status').textContent === 'connected'", timeout=15_000)


def _train_to_cap(pg, cap: int) -> None:
    """Press Play and wait until training stopped at the epoch cap."""
    pg.click("#play")
    pg.wait_for_function(
        "(cap) => Number(document.getElementById('epoch').dataset.value) >= cap"
        " && !document.getElementById('play').classList.contains('playing')",
        arg=cap, timeout=30_000)


def _messages(pg) -> list[dict]:
    return pg.evaluate("""() => [...document.querySelectorAll('#diagnostics .diag')]
        .map((p) => ({ kind: p.dataset.kind, text: p.textContent,
                       visible: p.getBoundingClientRect().height > 0 }))""")


def _watch_panel(pg) -> None:
    """Record every message kind the panel ever shows (window.diagSeen)."""
    pg.evaluate("""() => {
        window.diagSeen = [];
        const panel = document.getElementById('diagnostics');
        new MutationObserver(() => {
            for (const p of panel.children) window.diagSeen.push(p.dataset.kind);
        }).observe(panel, { childList: true, subtree: true, characterData: true });
    }""")


def test_dead_relu_units_are_counted_and_marked(page, server):
    frames = Frames(page)
    _open(page, server + DEAD_RELU)
    panel = page.locator("#diagnostics")
    assert panel.get_attribute("role") == "status"
    assert panel.get_attribute("aria-live") == "polite"
    _train_to_cap(page, 8)
    page.wait_for_function(
        "document.querySelector('#diagnostics .diag[data-kind=dead_relu]') !== null")
    (msg,) = [m for m in _messages(page) if m["kind"] == "dead_relu"]
    assert msg["visible"]
    # the README picture without Play's tooltip and the epoch cap's toast over it
    page.evaluate("document.activeElement.blur(); document.getElementById('toast').hidden = true")
    readme_picture(page.locator("main.columns"), "playground-diagnostics.png")
    found = re.match(r"(\d+) of 6 ReLU units (is|are) dead", msg["text"])
    assert found, msg["text"]
    assert "Leaky ReLU" in msg["text"] and "smaller learning rate" in msg["text"]

    # the marked neurons are the frame's dead units, and as many as the message counts
    dead = frames.headers[-1]["diagnostics"]["dead_units"]
    marked = page.evaluate("""() => [...document.querySelectorAll('.node.neuron.dead')]
      .map((n) => ({
        id: n.id, badge: n.querySelector('.dead-badge')?.getBoundingClientRect().width > 0,
        filter: getComputedStyle(n.querySelector('canvas')).filter,
        label: n.getAttribute('aria-label') }))""")
    assert sorted(m["id"] for m in marked) == sorted(f"neuron-L{a}N{b}" for a, b in dead)
    assert len(marked) == int(found.group(1)) > 0
    for m in marked:
        assert m["badge"] and "grayscale" in m["filter"] and "dead" in m["label"], m
    alive = page.locator(".node.neuron:not(.dead)")
    assert alive.count() == 6 - len(marked)
    if alive.count():
        assert alive.first.locator(".dead-badge").count() == 0

    # hovering a dead neuron says why it is marked
    page.evaluate("document.activeElement.blur()")  # Play's tooltip, shown on its focus
    page.hover(f"#{marked[0]['id']}")
    page.wait_for_function("(() => { const t = document.getElementById('explain-tip');"
                           " return !t.hidden && t.dataset.key === 'neuron'; })()", timeout=3000)
    tip = page.locator("#explain-tip").inner_text()
    assert "Dead ReLU unit" in tip and "no gradient flows" in tip
    assert "dead" in page.locator("#neuron-tip").inner_text()
    page.mouse.move(5, 790)

    # Reset: fresh weights, no dead unit, and the marks and the message go
    page.click("#reset")
    page.wait_for_function("document.querySelectorAll('.node.neuron.dead').length === 0")
    page.wait_for_function("document.querySelectorAll('#diagnostics .diag').length === 0")
    assert page.locator(".dead-badge").count() == 0
    assert page.errors == []


def test_overfitting_is_called_by_its_name(page, server):
    _open(page, server + OVERFIT)
    _train_to_cap(page, 60)
    page.wait_for_function(
        "document.querySelector('#diagnostics .diag[data-kind=overfitting]') !== null")
    (msg,) = [m for m in _messages(page) if m["kind"] == "overfitting"]
    assert msg["visible"]
    assert msg["text"].startswith("Overfitting: the test loss rises while the training loss "
                                  "falls (gap test − train")
    assert "more data" in msg["text"] and "L2" in msg["text"] and "dropout" in msg["text"]
    # the panel explains itself on hover
    page.evaluate("document.activeElement.blur()")
    page.hover("#diagnostics .diag")
    page.wait_for_function(
        "document.getElementById('explain-tip').dataset.key === 'diagnostics'"
        " && !document.getElementById('explain-tip').hidden", timeout=3000)
    page.mouse.move(5, 790)
    assert page.errors == []


def test_a_healthy_default_run_shows_no_diagnosis(page, server):
    frames = Frames(page)
    _open(page, server + HEALTHY)
    _watch_panel(page)
    _train_to_cap(page, 60)  # the last frame is drawn: its epoch is shown
    assert page.evaluate("window.diagSeen") == []
    assert _messages(page) == []
    assert page.locator(".node.neuron.dead").count() == 0
    played = [h for h in frames.headers if h["epoch"] > 0]
    assert played and all(h["diagnostics"] == {"dead_units": [], "messages": []}
                          for h in played)
    assert page.errors == []
