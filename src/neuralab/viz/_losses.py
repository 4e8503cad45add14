"""The lecture's loss pictures: softmax step by step, the SVM/softmax score table, the
"jiggle" question and the loss at initialization."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..losses import multiclass_hinge, softmax, softmax_cross_entropy
from ._core import as_float, save, subplots


def _per_example(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SVM and softmax loss of each row, computed by the library's own losses."""
    svm = np.array([multiclass_hinge(scores[i : i + 1], y[i : i + 1])[0]
                    for i in range(len(y))])
    soft = np.array([softmax_cross_entropy(scores[i : i + 1], y[i : i + 1])[0]
                     for i in range(len(y))])
    return svm, soft


def _labels(y: Any, n: int, c: int) -> np.ndarray:
    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    if labels.shape != (n,) or labels.min() < 0 or labels.max() >= c:
        raise ValueError(f"y must hold {n} labels in [0, {c - 1}], got {np.asarray(y).tolist()}")
    return labels


def plot_softmax_steps(
    scores: Any, class_names: Sequence[str], label: int | None = None,
    path: str | Path | None = None,
) -> Any:
    """Scores → exp → normalize: the softmax of one example as on the lecture's slide.

    Parameters
    ----------
    scores : array_like
        ``(C,)`` unnormalized log-probabilities (logits) of one example.
    class_names : sequence of str
        One name per class.
    label : int, optional
        The correct class: its bars are outlined and the title gives ``Lᵢ = −log pᵢ``.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels (scores, exp, probabilities); each bar's value is written beside it.
    """
    s = as_float(scores).ravel()
    c = s.size
    if len(class_names) != c:
        raise ValueError(f"class_names has {len(class_names)} names for {c} scores")
    if label is not None and not 0 <= label < c:
        raise ValueError(f"label={label!r} is out of range; allowed: 0..{c - 1}")
    with np.errstate(over="ignore"):  # e^s is only displayed; inf is an honest answer
        e = np.exp(s)
    p = np.asarray(softmax(s[None, :]))[0]
    fig, axes = subplots(1, 3, figsize=(10.5, 2.2 + 0.35 * c))
    panels = (
        (s, "scores s (logits)", lambda v: f"{v:.3g}"),
        (e, "exp: unnormalized probabilities", lambda v: f"{v:.1f}" if v >= 1 else f"{v:.2f}"),
        (p, "normalize: probabilities", lambda v: f"{v:.2f}"),
    )
    rows = np.arange(c)[::-1]
    for ax, (values, title, fmt) in zip(axes, panels, strict=True):
        edges = ["black" if k == label else "none" for k in range(c)]
        ax.barh(rows, values, color=[f"C{k}" for k in range(c)], edgecolor=edges, linewidth=1.5)
        ax.set_yticks(rows, class_names)
        ax.axvline(0, color="0.3", lw=0.8)
        for r, v in zip(rows, values, strict=True):
            ax.text(v, r, f" {fmt(v)} ", va="center", ha="left" if v >= 0 else "right",
                    fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.margins(x=0.3)
    if label is not None:
        fig.suptitle(f"Lᵢ = −log P(Y = {class_names[label]} | X = xᵢ) = −log({p[label]:.2f}) "
                     f"= {-math.log(p[label]):.2f}", fontsize=11)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_loss_table(
    scores: Any, y: Any, class_names: Sequence[str],
    example_names: Sequence[str] | None = None, path: str | Path | None = None,
) -> Any:
    """The lecture's score table with each example's SVM and softmax loss underneath.

    Columns are examples (as on the slide: the cat, car and frog images), rows are class
    scores; the correct class's score is set in bold on a coloured cell. The two last rows are
    each example's multiclass SVM loss (Δ = 1) and softmax loss, and the title their means.

    Parameters
    ----------
    scores : array_like
        ``(N, C)``: row ``i`` holds example ``i``'s class scores.
    y : array_like
        ``(N,)`` correct classes.
    class_names : sequence of str
        One name per class.
    example_names : sequence of str, optional
        One name per example; default ``example 1``, ...
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        The table is ``fig.axes[0].tables[0]``; its cell texts are the numbers shown.
    """
    s = as_float(scores)
    if s.ndim != 2:
        raise ValueError(f"scores must have shape (N, C), got shape {s.shape}")
    n, c = s.shape
    labels = _labels(y, n, c)
    if len(class_names) != c:
        raise ValueError(f"class_names has {len(class_names)} names for {c} classes")
    names = list(example_names) if example_names is not None else [
        f"example {i + 1}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"example_names has {len(names)} names for {n} examples")
    svm, soft = _per_example(s, labels)
    text = [[f"{s[i, k]:.3g}" for i in range(n)] for k in range(c)]
    text.append([f"{v:.3g}" for v in svm])
    text.append([f"{v:.3g}" for v in soft])
    fig, ax = subplots(figsize=(1.3 * n + 2.4, 0.3 * (c + 3) + 0.5))
    ax.axis("off")
    table = ax.table(cellText=text, colLabels=names,
                     rowLabels=[*class_names, "SVM loss Lᵢ", "softmax loss Lᵢ"],
                     loc="center", cellLoc="center")
    table.scale(1, 1.4)
    for i, k in enumerate(labels):
        cell = table[k + 1, i]  # row 0 holds the column labels
        cell.set_facecolor("#cfe3f7")
        cell.get_text().set_fontweight("bold")
    for i in range(n):
        for r in (c + 1, c + 2):
            table[r, i].set_facecolor("#f2f2f2")
    ax.set_title(f"mean over the {n} examples: SVM L = {svm.mean():.3g}, "
                 f"softmax L = {soft.mean():.3g}", fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_jiggle(
    scores: Sequence[Any], label: int = 0, deltas: Any = None, path: str | Path | None = None,
) -> Any:
    """The lecture's question: jiggle an example's correct score a bit — what happens to the
    loss? SVM (left) and softmax (right, log scale) loss against the change δ of ``s_y``.

    Parameters
    ----------
    scores : sequence of array_like
        Score vectors ``(C,)`` of one example each (the lecture's ``[10, -2, 3]``,
        ``[10, 9, 9]``, ``[10, -100, -100]``).
    label : int
        The correct class of every vector (the lecture's: 0).
    deltas : array_like, optional
        Changes added to ``s_y``; default 201 values in [-2, 2].
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].lines[i]`` / ``fig.axes[1].lines[i]``: vector ``i``'s SVM / softmax loss.
    """
    if not scores:
        raise ValueError("scores is empty; give at least one score vector")
    d = np.linspace(-2.0, 2.0, 201) if deltas is None else as_float(deltas).ravel()
    fig, (ax_svm, ax_soft) = subplots(1, 2, figsize=(10, 3.8))
    for k, vec in enumerate(scores):
        s = as_float(vec).ravel()
        if not 0 <= label < s.size:
            raise ValueError(f"label={label!r} is out of range for {s.size} scores")
        batch = np.repeat(s[None, :], d.size, axis=0)
        batch[:, label] += d
        svm, soft = _per_example(batch, np.full(d.size, label))
        name = "[" + ", ".join(f"{v:g}" for v in s) + "]"
        ax_svm.plot(d, svm, color=f"C{k}", label=name)
        # softmax of [10, -100, -100] is ~1e-48: shown on a log axis, never as 0
        ax_soft.plot(d, np.maximum(soft, 1e-300), color=f"C{k}", label=name)
    for ax, title in ((ax_svm, "multiclass SVM loss"), (ax_soft, "softmax loss (log scale)")):
        ax.axvline(0, color="0.5", ls=":", lw=1)
        ax.set(xlabel="δ added to the correct class's score", ylabel="loss", title=title)
        ax.legend(frameon=False, fontsize=8)
    ax_soft.set_yscale("log")
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_loss_at_init(
    n_classes: Sequence[int], softmax_losses: Sequence[float],
    svm_losses: Sequence[float] | None = None, path: str | Path | None = None,
) -> Any:
    """Losses measured at initialization (small W, all scores ≈ 0) against C, over the
    lecture's answers: softmax ``log C`` and multiclass SVM ``C − 1``.

    Parameters
    ----------
    n_classes : sequence of int
        The class counts C measured.
    softmax_losses : sequence of float
        Measured softmax loss for each C.
    svm_losses : sequence of float, optional
        Measured SVM loss for each C.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]``: softmax (line = log C); ``fig.axes[1]`` (when given): SVM (C − 1).
    """
    cs = np.asarray(n_classes, dtype=np.float64)
    measured = [("softmax", as_float(softmax_losses), np.log, "log C")]
    if svm_losses is not None:
        measured.append(("multiclass SVM", as_float(svm_losses), lambda x: x - 1, "C − 1"))
    for name, values, _, _ in measured:
        if values.shape != cs.shape:
            raise ValueError(f"{name} losses: {values.size} values for {cs.size} class counts")
    grid = np.linspace(max(cs.min(), 1.0), cs.max(), 200)
    fig, axes = subplots(1, len(measured), figsize=(4.8 * len(measured), 3.6),
                         squeeze=False)
    for ax, (name, values, theory, formula) in zip(axes[0], measured, strict=True):
        ax.plot(grid, theory(grid), color="0.4", label=formula)
        ax.plot(cs, values, "o", color="C3", label="measured at initialization")
        ax.set(xlabel="number of classes C", ylabel="loss", title=f"{name} loss at init")
        ax.legend(frameon=False)
    fig.tight_layout()
    save(fig, path)
    return fig
