"""neuralab.viz: every picture function, checked on what it draws (artists and their data),
its errors, and the PNG it writes."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from neuralab import data, models, poly, viz  # noqa: E402
from neuralab.train import History, Trainer  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASSES = ["cat", "car", "frog"]
LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
W_SLIDE = np.array([[0.2, -0.5, 0.1, 2.0], [1.5, 1.3, 2.1, 0.0], [0.0, 0.25, 0.2, -0.3]])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig) -> list[str]:
    """Every text drawn in the figure: titles, labels, annotations, table cells."""
    out = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in out if t]


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > 1000


def history(epochs: int = 3, val: bool = True) -> History:
    h = History()
    for e in range(1, epochs + 1):
        h.append({"epoch": e, "lr": 0.1, "train_loss": 1.0 / e, "reg_loss": 0.01,
                  "train_accuracy": 0.5 + 0.1 * e,
                  "val_loss": 1.2 / e if val else None,
                  "val_accuracy": 0.45 + 0.1 * e if val else None})
    return h


# ------------------------------------------------------------------ package
def test_package_keeps_the_old_module_api_and_stays_light():
    for name in ("plot_history", "plot_confusion", "plot_templates", "plot_polyfit",
                 "confusion_matrix", "close"):
        assert callable(getattr(viz, name))
    assert set(viz.__all__) <= set(dir(viz))
    code = ("import sys, neuralab.viz; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.stdout.strip() == "False"  # matplotlib is imported by the functions only


def test_jupyter_inline_backend_is_kept(monkeypatch):
    from neuralab.viz import _core

    calls = []
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    _core.pyplot()
    assert calls == []  # inside a kernel: figures must reach the notebook
    monkeypatch.delenv("MPLBACKEND")
    _core.pyplot()
    assert calls == [("Agg",)]  # scripts, tests and servers stay headless
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    _core.pyplot()
    assert calls == [("Agg",)]


def test_figures_are_pyplots_only_in_a_notebook(monkeypatch, tmp_path):
    # a script's run draws its PNGs without importing pyplot (a fresh process: this one has it)
    code = ("import sys; from neuralab import viz; from neuralab.train import History; "
            "h = History(); h.append({'epoch': 1, 'lr': 0.1, 'train_loss': 1.0, 'reg_loss': 0.0, "
            "'train_accuracy': 0.5, 'val_loss': None, 'val_accuracy': None}); "
            f"viz.close(viz.plot_history(h, {str(tmp_path / 'curves.png')!r})); "
            "print('matplotlib.pyplot' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "False"
    assert_png(tmp_path / "curves.png")
    # a script here too (test_notebooks imports ipykernel into this process to run notebooks)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    fig = viz.plot_history(history())
    assert fig.canvas.get_renderer().dpi == 110  # laid out at the PNG's dpi
    assert fig not in map(plt.figure, plt.get_fignums())  # nothing keeps it once dropped
    # in a kernel pyplot keeps the figure, so the notebook shows it under the cell
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    fig = viz.plot_history(history())
    assert fig.number in plt.get_fignums()
    viz.close(fig)
    assert fig.number not in plt.get_fignums()


# ------------------------------------------------------------------ training pictures
def test_plot_history_panels_and_png(tmp_path):
    fig = viz.plot_history(history(), tmp_path / "curves.png")
    assert len(fig.axes) == 2
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["train (data loss)", "validation (data loss)",
                      "train data + regularization"]
    np.testing.assert_allclose(fig.axes[0].lines[2].get_ydata(), [1.01, 0.51, 1 / 3 + 0.01])
    assert_png(tmp_path / "curves.png")


def test_plot_history_regression_has_one_panel():
    h = History()
    h.append({"epoch": 1, "train_loss": 1.0, "reg_loss": 0.0})
    assert len(viz.plot_history(h).axes) == 1


def test_plot_histories_one_colour_per_run(tmp_path):
    fig = viz.plot_histories({"a": history(), "b": history(val=False)}, path=tmp_path / "h.png")
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == [
        "a (train)", "a (validation)", "b (train)"]
    assert loss_ax.lines[0].get_color() == loss_ax.lines[1].get_color()
    assert loss_ax.lines[0].get_color() != loss_ax.lines[2].get_color()
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), [0.55, 0.65, 0.75])
    assert_png(tmp_path / "h.png")
    with pytest.raises(ValueError, match="metrics"):
        viz.plot_histories({"a": history()}, metrics=("f1",))
    with pytest.raises(ValueError, match="empty"):
        viz.plot_histories({})


def test_confusion_matrix_counts_and_plot():
    y, p = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    cm = viz.confusion_matrix(y, p, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    fig = viz.plot_confusion(y, p, CLASSES)
    assert "Confusion matrix (accuracy 0.667)" in texts(fig)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), cm)


def test_plot_templates_scales_each_template():
    w = np.stack([np.arange(4.0), -np.arange(4.0)], axis=1)  # (D=4, C=2)
    fig = viz.plot_templates(w, (2, 2), ["up", "down"], clip=0)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    np.testing.assert_allclose(shown[0], [[0, 1 / 3], [2 / 3, 1]])
    np.testing.assert_allclose(shown[1], [[1, 2 / 3], [1 / 3, 0]])


def test_plot_templates_clips_outliers_and_keeps_colour():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(8, 8, 3)) + np.array([0.0, 0.0, 2.0])  # a blue template ...
    t[0, 0, 0] = 100.0                                            # ... with one outlier
    fig = viz.plot_templates(t.reshape(-1, 1), (8, 8, 3), ["ship"])
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (8, 8, 3) and shown.min() == 0 and shown.max() == 1
    assert shown[..., 2].mean() > shown[..., 0].mean() + 0.2      # still blue, not pale grey
    plain = viz.plot_templates(t.reshape(-1, 1), (8, 8, 3), ["ship"], clip=0)
    assert plain.axes[0].images[0].get_array()[..., 2].mean() < 0.1  # squeezed by the outlier
    with pytest.raises(ValueError, match="clip"):
        viz.plot_templates(t.reshape(-1, 1), (8, 8, 3), ["ship"], clip=50)


def test_plot_templates_divides_by_the_input_scale():
    w = np.ones((4, 1))
    fig = viz.plot_templates(w, (2, 2), ["c"], scale=[1.0, 2.0, 4.0, 1.0], clip=0)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), [[1, 1 / 3], [0, 1]])
    with pytest.raises(ValueError, match="weight must have shape"):
        viz.plot_templates(np.ones((5, 1)), (2, 2), ["c"])
    with pytest.raises(ValueError, match="scale"):
        viz.plot_templates(w, (2, 2), ["c"], scale=[1.0, 0.0, 1.0, 1.0])


def drawn_texts(fig) -> list:
    """The window extents of the texts the figure draws, once it is drawn: not the labels of
    ticks outside an axis' view or of axes that are switched off (matplotlib keeps them)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * (hi - lo)
            hidden |= {label for tick in axis.get_major_ticks()
                       if not (ax.axison and lo - slack <= tick.get_loc() <= hi + slack)
                       for label in (tick.label1, tick.label2)}
    return [t.get_window_extent(renderer) for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text() and t not in hidden]


@pytest.mark.parametrize("loss", [np.geomspace(1, 3e6, 50),  # y ticks ×1e6 (an offset text)
                                  2.302585 + np.linspace(0, 1e-6, 50),  # six-digit y ticks
                                  np.geomspace(2, 1e-4, 300)])
def test_plot_history_laid_out_without_clipping(loss):
    # margins computed from the y tick labels it will draw: all inside, none in the other panel
    h = History()
    for e, v in enumerate(loss, 1):
        h.append({"epoch": e, "lr": 0.1, "train_loss": v, "reg_loss": 0.0, "val_loss": 1.1 * v,
                  "train_accuracy": 0.1 + e / 1e5, "val_accuracy": 0.1})
    fig = viz.plot_history(h)
    inside = fig.bbox.padded(-1)
    boxes = drawn_texts(fig)
    assert all(inside.containsx(b.x0) and inside.containsx(b.x1) and inside.containsy(b.y0)
               and inside.containsy(b.y1) for b in boxes)
    drawn = {b.bounds for b in boxes}
    loss_ax, acc_ax = fig.axes
    for ax, other in ((loss_ax, acc_ax), (acc_ax, loss_ax)):
        mine = [b for b in (t.get_window_extent() for t in ax.findobj(matplotlib.text.Text))
                if b.bounds in drawn]
        assert mine and not any(b.overlaps(other.get_window_extent()) for b in mine)


@pytest.mark.parametrize("names", [CLASSES, ["airplane", "automobile", "bird", "cat", "deer",
                                             "dog", "frog", "horse", "ship", "truck"]])
def test_confusion_and_templates_laid_out_without_clipping(names):
    # their margins are computed from the names (not measured by tight_layout): every label,
    # rotated or not, must still lie inside the picture
    rng = np.random.default_rng(0)
    c = len(names)
    y = rng.integers(0, c, 200)
    fig = viz.plot_confusion(y, (y + (rng.random(200) < 0.3)) % c, names)
    inside = fig.bbox.padded(-1)
    assert all(inside.containsx(b.x0) and inside.containsx(b.x1) and inside.containsy(b.y0)
               and inside.containsy(b.y1) for b in drawn_texts(fig))
    # 23 templates: three rows; no name runs into another name or into a template
    fig = viz.plot_templates(rng.normal(size=(64, 23)), (8, 8), [f"{names[k % c]} {k}"
                                                                  for k in range(23)])
    boxes = drawn_texts(fig)
    inside = fig.bbox.padded(-1)
    assert all(inside.containsy(b.y1) and inside.containsx(b.x0) and inside.containsx(b.x1)
               for b in boxes)
    images = [ax.get_window_extent() for ax in fig.axes if ax.images]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(image) for image in images)
        assert not any(box.overlaps(other) for other in boxes[i + 1:])


# ------------------------------------------------------------------ linear classifier
def test_score_function_shows_the_slides_numbers(tmp_path):
    fig = viz.plot_score_function(W_SLIDE.T, [1.1, 3.2, -1.2], [[56, 231], [24, 2]],
                                  ["cat", "dog", "ship"], tmp_path / "s.png")
    scores_ax = fig.axes[4]
    assert [t.get_text() for t in scores_ax.texts] == ["-96.8", "437.9", "60.75"]
    w_texts = [t.get_text() for t in fig.axes[1].texts]
    assert w_texts[:4] == ["0.2", "-0.5", "0.1", "2"]  # row 0: the cat template
    assert_png(tmp_path / "s.png")


@pytest.mark.parametrize(
    ("weight", "bias", "image", "message"),
    [(np.ones((3, 3)), np.ones(3), np.ones((2, 2)), "shape"),
     (np.ones((4, 3)), np.ones(2), np.ones((2, 2)), "one per class"),
     (np.ones((4, 3)), np.ones(3), np.ones(4), "image")],
)
def test_score_function_rejects_bad_shapes(weight, bias, image, message):
    with pytest.raises(ValueError, match=message):
        viz.plot_score_function(weight, bias, image, ["a", "b", "c"])


def test_hyperplanes_lie_where_each_score_is_zero(rng):
    w = np.array([[1.0, -1.0, 0.5], [2.0, 0.5, -1.0]])  # (2, C=3)
    b = np.array([0.5, -1.0, 0.25])
    X = rng.normal(size=(60, 2))
    y = np.argmax(X @ w + b, axis=1)
    fig = viz.plot_hyperplanes(w, b, X, y, CLASSES)
    ax = fig.axes[0]
    for k, line in enumerate(ax.lines):
        pts = np.column_stack([line.get_xdata(), line.get_ydata()])
        np.testing.assert_allclose(pts @ w[:, k] + b[k], 0, atol=1e-9)
        assert line.get_label() == f"{CLASSES[k]}: score = 0"
    region = np.asarray(ax.images[0].get_array())
    assert set(np.unique(region)) <= {0, 1, 2}
    # the arrows point where the score grows: along w_c
    arrows = [a for a in ax.texts if hasattr(a, "xy")]
    assert len(arrows) == 3
    for k, a in enumerate(arrows):
        direction = np.subtract(a.xy, a.xyann)
        assert direction @ w[:, k] > 0


def test_hyperplanes_reject_non_2d_weights():
    with pytest.raises(ValueError, match=r"\(2, C\)"):
        viz.plot_hyperplanes(np.ones((3, 2)), np.ones(2))


def test_decision_regions_draw_the_models_predictions(tmp_path):
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 0, 0])  # the last point is misclassified by "x1 > 0"
    fig = viz.plot_decision_regions(lambda Z: (Z[:, 0] > 0).astype(int), X, y, title="t",
                                    resolution=20, path=tmp_path / "r.png")
    ax = fig.axes[0]
    region = np.asarray(ax.images[0].get_array())
    assert region.shape == (20, 20)
    assert (region[:, :10] == 0).all() and (region[:, 10:] == 1).all()
    assert ax.get_title() == "t — accuracy 0.75"
    assert_png(tmp_path / "r.png")


def test_decision_regions_accept_models_and_estimators():
    X, y = data.toy("blobs", n=60, classes=2, seed=0)
    model = models.linear(2, 2, seed=0)
    Trainer(model, optimizer="adam", lr=0.1, epochs=20, seed=0).fit(X, y)
    model.train()
    fig = viz.plot_decision_regions(model, X, y)
    assert model.training  # the mode is restored
    assert "accuracy 1.00" in fig.axes[0].get_title()

    class Stub:
        def predict(self, Z):
            return np.zeros(len(Z), dtype=int)

    fig = viz.plot_decision_regions(Stub(), X, y)
    assert (np.asarray(fig.axes[0].images[0].get_array()) == 0).all()
    with pytest.raises(TypeError, match="model"):
        viz.plot_decision_regions(42, X, y)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        viz.plot_decision_regions(Stub(), np.zeros((3, 3)), np.zeros(3))


def test_decision_grid_lays_out_panels():
    X, y = data.toy("xor", n=40, seed=0)
    panels = [("a", lambda Z: np.zeros(len(Z), int), X, y),
              viz.DecisionPanel("b", lambda Z: np.ones(len(Z), int), X, y, "r", "θ"),
              ("c", lambda Z: np.zeros(len(Z), int), X, y)]
    fig = viz.plot_decision_grid(panels, ncols=2, title="grid")
    assert len(fig.axes) == 4
    assert fig.axes[1].get_xlabel() == "r" and fig.axes[1].get_ylabel() == "θ"
    assert not fig.axes[3].axison  # the unused fourth cell is blank
    assert [ax.get_title().split(" — ")[0] for ax in fig.axes[:3]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="empty"):
        viz.plot_decision_grid([])


def test_weight_pictures_rows_scales_and_sparsity(tmp_path):
    dense = np.full((4, 2), 0.5)
    sparse = np.zeros((4, 2))
    sparse[0, 0] = 1.0  # 7 of 8 weights are zero
    fig = viz.plot_weight_pictures({"L2": dense, "L1": sparse}, (2, 2), ["x", "y"],
                                   tmp_path / "w.png")
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "L2\n0% ≈ 0"
    assert fig.axes[2].get_ylabel() == "L1\n88% ≈ 0"
    im = fig.axes[2].images[0]
    assert im.norm.vmin == -1.0 and im.norm.vmax == 1.0  # zero-centred scale per row
    assert_png(tmp_path / "w.png")
    with pytest.raises(ValueError, match=r"\(4, C\)"):
        viz.plot_weight_pictures({"a": np.ones((5, 2))}, (2, 2))


def test_weight_histograms_count_every_weight(rng):
    w = {"a": rng.normal(size=(8, 5)), "b": np.zeros(7)}
    fig = viz.plot_weight_histograms(w, bins=11)
    for ax, v in zip(fig.axes, w.values(), strict=True):
        assert sum(p.get_height() for p in ax.patches) == v.size
    assert f"ΣW² = {np.sum(w['a'] ** 2):.3g}" in fig.axes[0].get_title()


# ------------------------------------------------------------------ losses
def test_softmax_steps_reproduce_the_slide(tmp_path):
    fig = viz.plot_softmax_steps(LECTURE_SCORES[0], CLASSES, label=0, path=tmp_path / "p.png")
    scores_ax, exp_ax, prob_ax = fig.axes
    assert [t.get_text().strip() for t in scores_ax.texts] == ["3.2", "5.1", "-1.7"]
    assert [t.get_text().strip() for t in exp_ax.texts] == ["24.5", "164.0", "0.18"]
    assert [t.get_text().strip() for t in prob_ax.texts] == ["0.13", "0.87", "0.00"]
    heights = [p.get_width() for p in prob_ax.patches]
    assert sum(heights) == pytest.approx(1.0)
    assert "−log(0.13) = 2.04" in fig._suptitle.get_text()
    assert prob_ax.patches[0].get_linewidth() > 0 and prob_ax.patches[1].get_edgecolor()[3] == 0
    assert_png(tmp_path / "p.png")
    with pytest.raises(ValueError, match="label"):
        viz.plot_softmax_steps(LECTURE_SCORES[0], CLASSES, label=3)


def test_loss_table_has_the_lectures_losses(tmp_path):
    fig = viz.plot_loss_table(LECTURE_SCORES, [0, 1, 2], CLASSES, ["cat", "car", "frog"],
                              tmp_path / "t.png")
    table = fig.axes[0].tables[0]
    cells = table.get_celld()
    svm_row = [cells[4, i].get_text().get_text() for i in range(3)]
    soft_row = [cells[5, i].get_text().get_text() for i in range(3)]
    assert svm_row == ["2.9", "0", "12.9"]
    assert soft_row[0] == "2.04"
    assert cells[1, 0].get_text().get_fontweight() == "bold"  # the cat's correct score
    assert cells[2, 0].get_text().get_fontweight() != "bold"
    assert "SVM L = 5.27" in fig.axes[0].get_title()
    assert_png(tmp_path / "t.png")
    with pytest.raises(ValueError, match="labels"):
        viz.plot_loss_table(LECTURE_SCORES, [0, 1, 3], CLASSES)


def test_jiggle_svm_is_flat_where_softmax_keeps_moving():
    vectors = [[10, -2, 3], [10, 9, 9], [10, -100, -100]]
    d = np.linspace(-0.5, 0.5, 11)
    fig = viz.plot_jiggle(vectors, label=0, deltas=d)
    svm_ax, soft_ax = fig.axes
    np.testing.assert_array_equal(svm_ax.lines[0].get_ydata(), 0)  # far beyond the margin
    np.testing.assert_allclose(svm_ax.lines[1].get_ydata(), 2 * np.maximum(0, -d))  # at it
    for line in soft_ax.lines[:3]:  # (the last line marks δ = 0)
        y = np.asarray(line.get_ydata())
        assert (np.diff(y) < 0).all() and (y > 0).all()
    assert soft_ax.lines[2].get_ydata()[5] == pytest.approx(3.4e-48, rel=2e-2)
    assert soft_ax.get_yscale() == "log"


def test_loss_at_init_draws_log_c_and_c_minus_1():
    fig = viz.plot_loss_at_init([2, 5, 10], [0.7, 1.6, 2.3], [1, 4, 9])
    soft_ax, svm_ax = fig.axes
    x, y = soft_ax.lines[0].get_data()
    np.testing.assert_allclose(y, np.log(x))
    x, y = svm_ax.lines[0].get_data()
    np.testing.assert_allclose(y, x - 1)
    np.testing.assert_allclose(soft_ax.lines[1].get_ydata(), [0.7, 1.6, 2.3])
    assert len(viz.plot_loss_at_init([2, 3], [0.7, 1.1]).axes) == 1
    with pytest.raises(ValueError, match="values"):
        viz.plot_loss_at_init([2, 3], [0.7])


# ------------------------------------------------------------------ regularization / poly
def test_plot_polyfit_with_selection(tmp_path):
    x, y = data.runners()
    sel = poly.select_degree(x, y, range(8), cv="loo")
    fig = viz.plot_polyfit(poly.fit(x, y, 3), sel, tmp_path / "f.png")
    fit_ax, sel_ax = fig.axes
    assert fit_ax.lines[0].get_label() == "degree 3"
    assert "best degree 3" in [line.get_label() for line in sel_ax.lines]
    assert sel_ax.get_yscale() == "log"
    assert_png(tmp_path / "f.png")


def test_plot_polyfits_overlays_curves():
    x, y = data.runners()
    fits = [poly.fit(x, y, 1), poly.fit(x, y, 7, l2=0.1)]
    fig = viz.plot_polyfits(fits, xlabel="age")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["degree 1", "degree 7, l2=0.1"]
    gx, gy = ax.lines[0].get_data()
    np.testing.assert_allclose(gy, fits[0].predict(gx))
    assert gx.min() < x.min() and gx.max() > x.max()
    with pytest.raises(ValueError, match="empty"):
        viz.plot_polyfits([])


def test_plot_validation_curve_handles_lambda_zero(tmp_path):
    x, y = data.runners()
    curve = poly.validation_curve(x, y, 7, [0, 1e-3, 1e-1, 10])
    fig = viz.plot_validation_curve(curve, tmp_path / "v.png")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert "train, λ = 0: ≈ 0 (interpolates)" in labels  # degree 7 on 8 points
    assert any("cannot be validated" in label for label in labels)  # LOO: 7 points, 8 coefs
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1e-3, 1e-1, 10])
    assert f"best λ = {curve.best_lam:g}" in labels
    assert ax.get_xscale() == "log"
    assert_png(tmp_path / "v.png")
    only_zero = poly.validation_curve(x, y, 3, [0])
    with pytest.raises(ValueError, match="λ > 0"):
        viz.plot_validation_curve(only_zero)


def test_error_decomposition_stacks_components():
    fig = viz.plot_error_decomposition(["a", "b"], [1, 1], [2, 0.5], [0.1, 1], [0.3, -0.2])
    ax = fig.axes[0]
    assert len(ax.containers) == 4
    tops = [bar.get_y() + bar.get_height() for bar in ax.containers[-1]]
    np.testing.assert_allclose(tops, [3.4, 2.5])  # the negative part is drawn as 0 ...
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [3.4, 2.3])  # ... the total is exact
    with pytest.raises(ValueError, match="modelling"):
        viz.plot_error_decomposition(["a"], [1], [1, 2], [0], [0])


# ------------------------------------------------------------------ features
def test_hog_lines_follow_the_edges(tmp_path):
    img = np.zeros((16, 16))
    img[:, 8:] = 1.0  # a vertical edge: horizontal gradient, vertical edge lines
    cells = viz.hog_cells(img, 9, (8, 8))
    assert cells.shape == (2, 2, 9)
    fig = viz.plot_hog(img, 9, (8, 8), tmp_path / "hog.png")
    segs = fig.axes[1].collections[0].get_segments()
    assert len(segs) == 2 * 2 * 9
    alphas = fig.axes[1].collections[0].get_colors()[:, 3]
    strongest = segs[int(np.argmax(alphas))]
    dx, dy = np.abs(strongest[1] - strongest[0])
    assert dy > 5 * dx  # drawn along the (vertical) edge
    assert_png(tmp_path / "hog.png")


def test_hog_of_a_flat_image_is_dark():
    fig = viz.plot_hog(np.full((16, 16), 0.5), 9, (8, 8))
    assert (fig.axes[1].collections[0].get_colors()[:, 3] == 0).all()
    with pytest.raises(ValueError, match="shape"):
        viz.hog_cells(np.zeros(16))


def test_color_histograms_bars_equal_the_features(rng, tmp_path):
    from neuralab import features

    images = rng.integers(0, 256, (2, 6, 6, 3), dtype=np.uint8)
    fig = viz.plot_color_histograms(images, bins=6, names=["a", "b"], path=tmp_path / "c.png")
    expected = features.color_histogram(images, bins=6)
    for i in range(2):
        bars = fig.axes[2 * i + 1].patches
        np.testing.assert_allclose([b.get_height() for b in bars], expected[i])
    first = fig.axes[1].patches[0].get_facecolor()
    assert first[0] > 0.9 and first[2] < 0.1  # the first hue bin is red
    assert_png(tmp_path / "c.png")
    with pytest.raises(ValueError, match="names"):
        viz.plot_color_histograms(images, names=["a"])


def test_accuracies_flat_and_grouped(tmp_path):
    fig = viz.plot_accuracies({"raw": 0.9, "hog": 0.95}, tmp_path / "a.png")
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [0.9, 0.95]
    ticks = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert ticks == {1: "raw", 0: "hog"}  # the first entry on top
    assert "0.950" in texts(fig)
    fig = viz.plot_accuracies({"raw": {"linear": 0.9, "net": 0.97},
                               "hog": {"linear": 0.93, "net": 0.98}})
    ax = fig.axes[0]
    assert sorted(p.get_width() for p in ax.patches) == [0.9, 0.93, 0.97, 0.98]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["linear", "net"]
    assert_png(tmp_path / "a.png")
    with pytest.raises(ValueError, match="empty"):
        viz.plot_accuracies({})


# ------------------------------------------------------------------ neural networks
def test_activation_curves_come_from_the_layers():
    x = np.array([-2.0, 0.0, 2.0])
    f, df = viz.activation_curve("sigmoid", x)
    np.testing.assert_allclose(df[1], 0.25)
    np.testing.assert_allclose(f, 1 / (1 + np.exp(-x)))
    f, df = viz.activation_curve("leaky_relu", x, alpha=0.1)
    np.testing.assert_allclose(f, [-0.2, 0, 2])
    np.testing.assert_allclose(df, [0.1, 0.1, 1])
    f, df = viz.activation_curve("maxout", x, maxout_pieces=((1.0, 0.0), (-0.5, -1.0)))
    np.testing.assert_allclose(f, [0.0, 0.0, 2.0])  # max(x, -0.5x - 1)
    np.testing.assert_allclose(df, [-0.5, 1.0, 1.0])
    f, df = viz.activation_curve("elu", x)
    np.testing.assert_allclose(df[0], math.exp(-2))


def test_plot_activations_panels(tmp_path):
    fig = viz.plot_activations(path=tmp_path / "act.png")
    assert len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("sigmoid") and titles[3] == "leaky_relu: max(αx, x), α = 0.1"
    relu = fig.axes[2]
    x, f = relu.lines[0].get_data()
    _, df = relu.lines[1].get_data()
    np.testing.assert_allclose(f, np.maximum(0, x))
    np.testing.assert_array_equal(df, (x > 0).astype(float))
    tanh_df = fig.axes[1].lines[1].get_ydata()
    assert tanh_df.max() == pytest.approx(1.0)
    assert_png(tmp_path / "act.png")
    assert len(viz.plot_activations(["relu", "tanh"], ncols=3).axes) == 2


def test_layer_histograms_grid_and_stats(rng):
    acts = {"no bn": [rng.normal(0, 1, 100), rng.normal(0, 0.1, 100)],
            "bn": [rng.normal(0, 1, (10, 10)), rng.normal(0, 1, 100)]}
    fig = viz.plot_layer_histograms(acts, bins=10)
    assert len(fig.axes) == 4
    for ax in fig.axes:
        assert sum(p.get_height() for p in ax.patches) == 100
    assert fig.axes[0].get_ylabel() == "no bn"
    assert f"std {np.std(acts['no bn'][1]):.2g}" in fig.axes[1].get_title()
    assert "-0.00" not in " ".join(ax.get_title() for ax in fig.axes)
    with pytest.raises(ValueError, match="same number"):
        viz.plot_layer_histograms({"a": [np.zeros(3)], "b": [np.zeros(3), np.zeros(3)]})
