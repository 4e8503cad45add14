"""The linear-classifier view (linear.js) in a real browser, against the real server.

With no hidden layer (``#hidden=``) the page shows W (D × C) and b (C) as number inputs that
set the server's values, each training point's scores and loss, and "data loss + reg loss =
total"; with hidden layers the panel is hidden. Skips (with the reason) without
/usr/bin/chromium or the ``playwright`` package.
"""

from __future__ import annotations

import math

import pytest

from browser import readme_picture, skip_without_browser

sync_api = skip_without_browser()

LINK = "#hidden=&dataset=blobs&classes=3&n_points=100&features=x1,x2&seed=3"


def _open(pg, url: str) -> None:
    pg.goto("about:blank")
    pg.goto(url)
    pg.wait_for_function(
        "document.getElementById('status').textContent === 'connected'", timeout=15_000)


def _value(pg, selector: str) -> float:
    return float(pg.get_attribute(selector, "data-value"))


def _rows(pg) -> dict[int, list[float]]:
    """The shown scores by training-point index."""
    return {int(k): v for k, v in pg.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#linear-table tbody tr')].map((tr) => [tr.dataset.index,
            [...tr.querySelectorAll('td')].slice(3, 6).map((td) => Number(td.dataset.value))]))
    """).items()}


def _bias(k: int) -> str:
    return f'#linear-params input[data-kind="bias"][data-j="{k}"]'


def _first_row(pg) -> tuple[list[float], int, float]:
    """The first (worst) row's three scores, true class and loss."""
    row = pg.evaluate("""() => {
        const tr = document.querySelector('#linear-table tbody tr');
        const td = [...tr.querySelectorAll('td')].map((c) => Number(c.dataset.value));
        return [td.slice(3, 6), Number(tr.cells[6].textContent), td[7]];
    }""")
    return row[0], row[1], row[2]


def _wait_rows(pg) -> None:
    pg.wait_for_function(
        "document.querySelectorAll('#linear-table tbody tr').length === 50", timeout=10_000)


def test_the_panel_shows_and_edits_w_and_b(page, server):
    _open(page, server + LINK)
    page.wait_for_selector("#linear", state="visible")
    _wait_rows(page)
    inputs = page.locator("#linear-params input")
    assert inputs.count() == 2 * 3 + 3  # D × C weights and C biases
    assert page.locator('#linear-params input[data-kind="weight"]').count() == 6
    # every input is explained (explain.js decorates them as linear.js builds them)
    explained = page.evaluate("""() => [...document.querySelectorAll('#linear-params input')]
        .map((e) => [e.dataset.kind, e.dataset.explain,
                     (e.getAttribute('aria-describedby') || '').includes('explain-linear_')])""")
    assert explained == [["weight", "linear_w", True]] * 6 + [["bias", "linear_b", True]] * 3
    # the table: 50 training points, worst first, each with 3 scores
    losses = page.evaluate("""() => [...document.querySelectorAll('#linear-table tbody tr')]
        .map((tr) => Number(tr.lastElementChild.dataset.value))""")
    assert losses == sorted(losses, reverse=True)
    s, y, loss = _first_row(page)  # softmax, the default loss: Lᵢ = −log softmax(s)_y
    assert loss == pytest.approx(math.log(sum(math.exp(v) for v in s)) - s[y], abs=1e-4)

    # b[1] += 0.5: class 1's score of every point moves by exactly that, the others stay
    before = _rows(page)
    old = _value(page, _bias(1))
    new = round(old + 0.5, 4)
    page.fill(_bias(1), str(new))
    page.press(_bias(1), "Enter")
    page.wait_for_function(f"Number(document.querySelector('{_bias(1)}').dataset.value) === {new}")
    after = _rows(page)
    assert before.keys() == after.keys()
    for i, s in after.items():
        for k in range(3):
            delta = (new - old) if k == 1 else 0.0
            assert s[k] - before[i][k] == pytest.approx(delta, abs=2e-5)

    # a weight: its input shows the server's value after the edit
    w = '#linear-params input[data-kind="weight"][data-i="0"][data-j="2"]'
    page.fill(w, "-1.25")
    page.press(w, "Enter")
    page.wait_for_function(f"Number(document.querySelector('{w}').dataset.value) === -1.25")

    # a value the server refuses: its error names the field, and the input rolls back
    page.fill(_bias(0), "5000")
    page.press(_bias(0), "Enter")
    page.wait_for_selector("#toast", state="visible", timeout=10_000)
    toast = page.inner_text("#toast")
    assert "value=5000" in toast and "[-1000, 1000]" in toast
    page.wait_for_function(f"document.querySelector('{_bias(0)}').value !== '5000'")
    assert float(page.input_value(_bias(0))) == pytest.approx(_value(page, _bias(0)), abs=1e-3)
    assert page.errors == []


def test_the_loss_split(page, server):
    _open(page, server + LINK + "&loss=svm&reg=l2&lam=0.1")
    page.wait_for_selector("#linear-loss", state="visible")
    page.wait_for_function("document.getElementById('linear-reg-loss').dataset.value > 0")
    data = _value(page, "#linear-data-loss")
    reg = _value(page, "#linear-reg-loss")
    total = _value(page, "#linear-total-loss")
    assert data == pytest.approx(_value(page, "#train-loss"))
    assert total == pytest.approx(data + reg)
    text = page.inner_text("#linear-loss")
    assert text.startswith("data loss") and "+ reg loss" in text and "=" in text
    assert "multiclass SVM" in text
    readme_picture(page.locator("#linear"), "playground-linear.png")
    # the row's loss is the hinge of its scores (Δ = 1)
    s, y, loss = _first_row(page)
    hinge = sum(max(0.0, s[j] - s[y] + 1) for j in range(3) if j != y)
    assert loss == pytest.approx(hinge, abs=1e-4)


def test_hover_marks_a_row(page, server):
    _open(page, server + LINK)
    _wait_rows(page)
    row = page.locator("#linear-table tbody tr").nth(2)
    row.hover()
    assert "hot" in (row.get_attribute("class") or "")
    # the pointer over a training point in the output picture marks that point's row
    index, x1, x2 = page.evaluate("""() => {
        const tr = document.querySelectorAll('#linear-table tbody tr')[5];
        const x = [...tr.cells].slice(1, 3).map((c) => Number(c.dataset.value));
        return [Number(tr.dataset.index), ...x];
    }""")
    page.locator("#heatmap").scroll_into_view_if_needed()
    box = page.locator("#heatmap").bounding_box()
    page.mouse.move(box["x"] + (x1 + 6) / 12 * box["width"],
                    box["y"] + (6 - x2) / 12 * box["height"])
    page.wait_for_function("(i) => document.querySelector('#linear-table tr.hot')?.dataset.index"
                           " === String(i)", arg=index)
    assert page.locator("#linear-table tr.hot").count() == 1


def test_hidden_with_hidden_layers_and_a_note_under_tfp_rules(page, server):
    _open(page, server + "#hidden=2&dataset=blobs")
    page.wait_for_selector(".node.neuron")
    assert not page.is_visible("#linear")
    page.click("#remove-layer")  # 0 hidden layers: the linear classifier
    page.wait_for_selector("#linear", state="visible")
    page.wait_for_function("document.querySelectorAll('#linear-params input').length === 6")
    page.click("#add-layer")
    page.wait_for_selector("#linear", state="hidden")
    _open(page, server + "#hidden=&rules=tfp")
    page.wait_for_selector("#linear-note", state="visible")
    assert "TensorFlow Playground" in page.inner_text("#linear-note")
    assert not page.is_visible("#linear-points")
    assert page.locator("#linear-params input").count() == 2 + 1  # W (2 × 1) and b (1)
    assert page.errors == []
