"""The polynomial page (/poly) in a real browser, against the real server.

Starts ``neuralab playground --no-browser --port PORT`` and drives Debian's chromium with
Playwright: the page opens on the lecture's runners, degree 7 interpolates them and
validates worse than degree 3, λ brings the validation error back down, bad text is reported
with its line number, the plot edits the data, and a reload of the URL restores everything.

Skips (with the reason) without /usr/bin/chromium or the ``playwright`` package. Set
``NEURALAB_UPDATE_SCREENSHOT=1`` to refresh docs/poly.png (it is also written when missing).
"""

from __future__ import annotations

import math
import os
from urllib.parse import unquote

import pytest

from browser import ROOT, open_page, skip_without_browser
from neuralab import data, poly

sync_api = skip_without_browser()
SCREENSHOT = ROOT / "docs" / "poly.png"


@pytest.fixture
def page(browser, server):
    for pg in open_page(browser):
        pg.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                     origin=server.rstrip("/"))
        yield pg


def _open(pg, url: str) -> None:
    pg.goto("about:blank")
    pg.goto(url)
    _settled(pg)


def _settled(pg) -> None:
    """Wait until the page has drawn the reply to its latest state."""
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=15_000)


def _value(pg, selector: str) -> float:
    text = pg.get_attribute(selector, "data-value")
    return float(text) if text else math.nan


def _set_range(pg, selector: str, value: float) -> None:
    """Move a slider as a drag does: set the value, fire `input`."""
    pg.eval_on_selector(
        selector,
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }",
        value,
    )
    _settled(pg)


def _coefficients(pg) -> list[str]:
    return pg.eval_on_selector_all(
        "#coefficients td[data-value]", "tds => tds.map(t => t.dataset.value)"
    )


def test_opens_on_the_runners_and_matches_poly(page, server):
    x, y = data.runners()
    f = poly.fit(x, y, 3)
    _open(page, server + "poly")
    text = page.input_value("#data")
    assert "10 6" in text and "60 9" in text
    assert _value(page, "#point-count") == 8
    assert page.input_value("#degree") == "3"
    assert page.inner_text("label[for=lam]").startswith("λ")  # not Λ: the label is uppercase
    assert page.inner_text("#equation") == f.equation(6)
    # the coefficients to 17 significant digits, the numbers neuralab.poly computes
    assert _coefficients(page) == [f"{c:.17g}" for c in f.coefficients]
    assert _value(page, "#r2") == pytest.approx(f.r2, rel=1e-12)
    assert _value(page, "#stderr") == pytest.approx(f.stderr, rel=1e-12)
    sel = poly.select_degree(x, y, range(8), cv="loo")
    assert _value(page, "#best-degree") == sel.best_degree == 3
    assert _value(page, "#val-error") == pytest.approx(sel.val_error[3], rel=1e-12)
    assert page.inner_text("#table-out") == f.table(10.0, 60.0, 5.0, 4)
    assert page.inner_text("#code") == f.to_code("python")
    page.click(".tab[data-lang=java]")
    assert page.inner_text("#code") == f.to_code("java")
    page.click("#copy-code")
    page.wait_for_function("document.getElementById('copy-code').dataset.copied === '1'")
    assert page.evaluate("navigator.clipboard.readText()") == f.to_code("java")
    assert page.errors == []


def test_the_main_page_links_here(page, server):
    page.goto(server)
    page.click("#poly-link")
    page.wait_for_url("**/poly*")
    _settled(page)
    assert _value(page, "#point-count") == 8


def test_degree_7_interpolates_and_overfits_and_lambda_helps(page, server):
    _open(page, server + "poly")
    val3 = _value(page, "#val-error")
    train3 = _value(page, "#train-error")
    page.focus("#degree")
    for _ in range(4):  # 3 -> 7, as a user would with the arrow keys
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('plot').dataset.degree === '7'")
    _settled(page)
    assert page.inner_text("#degree-value") == "7"
    # eight points, eight coefficients: the curve passes through every point
    assert _value(page, "#r2") == pytest.approx(1.0, abs=1e-12)
    assert _value(page, "#rmse") < 1e-9
    assert _value(page, "#train-error") < train3
    # ... and generalizes worse: leave-one-out cannot even pin it down (∞)
    val7 = _value(page, "#val-error")
    assert val7 > val3
    assert page.inner_text("#val-error") == "∞"
    assert "learned the noise" in page.inner_text("#lesson")
    if os.environ.get("NEURALAB_UPDATE_SCREENSHOT") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.activeElement.blur()")  # no focus ring in the picture
        page.screenshot(path=str(SCREENSHOT))
        page.focus("#degree")

    # ridge: a tiny λ makes the fit unique again (a huge validation error), a larger λ
    # brings it down — the λ curve's lesson
    page.select_option("#reg", "l2")
    _settled(page)
    _set_range(page, "#lam", -6)
    assert page.inner_text("#lam-value") == "0.000001"
    tiny = _value(page, "#val-error")
    _set_range(page, "#lam", -1)
    assert page.inner_text("#lam-value") == "0.1"
    ridge = _value(page, "#val-error")
    assert math.isfinite(tiny) and ridge < tiny < val7
    x, y = data.runners()
    curve = poly.validation_curve(x, y, 7, [1e-6, 0.1], cv="loo")
    assert [tiny, ridge] == pytest.approx(list(curve.val_error), rel=1e-12)
    assert _value(page, "#rmse") > 1e-3  # no longer interpolating
    assert page.errors == []


STALE_VIEWS = ("#plot", "#curves", "#equation", "#results")


def _stale(pg) -> list[bool]:
    return [pg.eval_on_selector(sel, "e => e.classList.contains('stale')") for sel in STALE_VIEWS]


def test_bad_text_shows_the_line_number(page, server):
    _open(page, server + "poly")
    assert not page.is_visible("#stale-note") and not any(_stale(page))
    page.fill("#data", "# age speed\n10 6\n15 9\n20 eleven\n25 12\n")
    page.wait_for_selector("#data-error", state="visible")
    assert page.get_attribute("#data-error", "data-line") == "4"
    message = page.inner_text("#data-error")
    assert message.startswith("Line 4:") and "eleven" in message
    assert message.lower().count("line 4") == 1  # not "Line 4: line 4: ..."
    assert page.inner_text("#gutter mark") == "4"
    # the runners' fit still shows, greyed out and said to be stale
    assert all(_stale(page))
    note = page.inner_text("#stale-note")
    assert note.startswith("Stale:") and "degree 3, no penalty" in note
    # fixed text clears it
    page.fill("#data", "10 6\n15 9\n20 11\n25 12\n")
    page.wait_for_selector("#data-error", state="hidden")
    _settled(page)
    assert _value(page, "#point-count") == 4
    assert not page.is_visible("#stale-note") and not any(_stale(page))
    # too few points for the degree: said above the plot, the 4-point fit stale
    page.fill("#data", "10 6\n15 9\n")
    page.wait_for_selector("#fit-error", state="visible")
    assert "degree=3" in page.inner_text("#fit-error")
    assert all(_stale(page)) and page.is_visible("#stale-note")
    assert page.errors == []


def test_the_plot_adds_moves_and_deletes_points(page, server):
    _open(page, server + "poly#degree=1")
    box = page.locator("#plot").bounding_box()
    before = page.inner_text("#equation")
    # an empty spot near the top left: a new ninth point, on a new last line
    page.mouse.click(box["x"] + 70, box["y"] + 30)
    page.wait_for_function("document.getElementById('point-count').dataset.value === '9'")
    _settled(page)
    lines = [ln for ln in page.input_value("#data").splitlines() if ln.strip()]
    assert len(lines) == 10 and lines[-1].split()[0] != "60"
    assert page.inner_text("#equation") != before
    # drag the new point down by 100 px: only its own line changes
    new_y = float(lines[-1].split()[1])
    page.mouse.move(box["x"] + 70, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 70, box["y"] + 80, steps=5)
    page.mouse.move(box["x"] + 70, box["y"] + 130, steps=5)
    page.mouse.up()
    _settled(page)
    moved = [ln for ln in page.input_value("#data").splitlines() if ln.strip()]
    assert moved[:-1] == lines[:-1]
    assert float(moved[-1].split()[1]) < new_y
    # shift-click deletes it again
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + 70, box["y"] + 130)
    page.keyboard.up("Shift")
    page.wait_for_function("document.getElementById('point-count').dataset.value === '8'")
    assert page.errors == []


def test_a_reload_of_the_url_restores_the_state(page, server):
    _open(page, server + "poly")
    page.fill("#data", page.input_value("#data") + "70 8  # an older runner\n")
    _settled(page)
    _set_range(page, "#degree", 5)
    page.select_option("#reg", "l1")
    _settled(page)
    _set_range(page, "#lam", -2)
    page.fill("#table-step", "10")
    page.fill("#table-decimals", "2")
    _settled(page)
    url = page.url
    h = unquote(url.split("#", 1)[1])
    for part in ("degree=5", "reg=l1", "lam=0.01", "table=,,10,2", "70 8  # an older runner"):
        assert part in h, (part, h)
    shown = {sel: page.inner_text(sel) for sel in ("#equation", "#table-out", "#val-error")}
    coefficients = _coefficients(page)
    text = page.input_value("#data")

    page.goto("about:blank")
    page.goto(url)
    _settled(page)
    assert page.input_value("#data") == text
    assert page.input_value("#degree") == "5"
    assert page.input_value("#reg") == "l1"
    assert page.inner_text("#lam-value") == "0.01"
    assert page.input_value("#table-step") == "10"
    assert {sel: page.inner_text(sel) for sel in shown} == shown
    assert _coefficients(page) == coefficients
    assert _value(page, "#point-count") == 9
    assert page.errors == []
