"""Polynomial regression pictures: fits over data, error by degree and by λ, and the
lecture's error decomposition."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import as_float, save, subplots


def _fit_label(fit: Any) -> str:
    penalty = "".join(f", {k}={v:g}" for k, v in (("l2", fit.l2), ("l1", fit.l1)) if v)
    return f"degree {fit.degree}{penalty}"


def _fit_axes(ax: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Scatter the data, hold the y axis to its range plus half its spread (a wildly
    oscillating fit shows as leaving the frame instead of flattening the data); return the
    x grid to draw curves on (the data's range plus 5 % each side)."""
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo) if hi > lo else 1.0
    ax.scatter(x, y, color="C3", zorder=3, label=f"data (n={x.size})")
    spread = float(y.max() - y.min()) or 1.0
    ax.set_ylim(float(y.min()) - 0.5 * spread, float(y.max()) + 0.5 * spread)
    return np.linspace(lo - pad, hi + pad, 400)


def plot_polyfit(fit: Any, selection: Any = None, path: str | Path | None = None,
                 *, xlabel: str = "x", ylabel: str = "y") -> Any:
    """A polynomial fit over its data and, optionally, the errors that chose its degree.

    Left: the points and the fitted curve (on the data's x range plus 5% each side; the y axis
    is held to the data's range plus half its spread, so a wildly oscillating high-degree fit
    shows as leaving the frame instead of flattening the data). Right, given ``selection`` (a
    :class:`neuralab.poly.DegreeSelection`): train and cross-validated mean squared error by
    degree on a log scale, the best degree marked; errors that are 0 (an interpolating fit)
    are drawn at the bottom of the axis.

    Parameters
    ----------
    fit : neuralab.poly.PolyFit
    selection : neuralab.poly.DegreeSelection, optional
    path : str or Path, optional
        Where to write the PNG (atomically).
    xlabel, ylabel : str
        Axis labels of the fit panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = 1 if selection is None else 2
    fig, axes = subplots(1, panels, figsize=(5.5 * panels, 4.0), squeeze=False)
    ax = axes[0, 0]
    x, y = np.asarray(fit.x), np.asarray(fit.y)
    grid = _fit_axes(ax, x, y)
    ax.plot(grid, fit.predict(grid), color="C0", label=_fit_label(fit))
    r2 = fit.r2
    ax.set(xlabel=xlabel, ylabel=ylabel,
           title=f"Polynomial fit, r² = {r2:.4f}" if np.isfinite(r2) else "Polynomial fit")
    ax.legend(frameon=False)
    if selection is not None:
        ax = axes[0, 1]
        degrees = np.asarray(selection.degrees)
        errors = np.concatenate([selection.train_error, selection.val_error])
        errors = errors[np.isfinite(errors)]
        top = float(errors.max()) if errors.size else 1.0
        # an interpolating fit has training error ~1e-28: rounding, not a value worth 28
        # decades of axis — draw such errors on the floor instead
        real = errors[errors > 1e-10 * top]
        floor = float(real.min()) / 10 if real.size else 1e-12
        for err, label, style in ((selection.train_error, "train", "o-"),
                                  (selection.val_error, f"validation ({selection.cv})", "s-")):
            shown = np.where(np.isfinite(err), np.maximum(err, floor), np.nan)
            ax.plot(degrees, shown, style, label=label)
            for deg in degrees[np.isfinite(err) & (err < floor)]:
                ax.annotate("≈0", (deg, floor), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)
        ax.axvline(selection.best_degree, color="0.5", ls="--", lw=1,
                   label=f"best degree {selection.best_degree}")
        ax.set_yscale("log")
        ax.set_ylim(bottom=floor / 2)
        ax.set(xlabel="degree", ylabel="mean squared error", title="Choosing the degree")
        ax.set_xticks(degrees)
        ax.legend(frameon=False)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_polyfits(
    fits: Sequence[Any], path: str | Path | None = None, *, xlabel: str = "x",
    ylabel: str = "y", title: str = "Polynomial fits",
) -> Any:
    """Several polynomial fits of the same data on one picture (e.g. degree 1, 3 and 7, or
    degree 7 with growing λ).

    Parameters
    ----------
    fits : sequence of neuralab.poly.PolyFit
        Fits of the same points (the first fit's points are drawn).
    path : str or Path, optional
        Where to write the PNG (atomically).
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].lines[i]`` is fit ``i``'s curve, labelled by degree and penalty.
    """
    if not fits:
        raise ValueError("fits is empty; give at least one PolyFit")
    fig, ax = subplots(figsize=(6.0, 4.2))
    grid = _fit_axes(ax, np.asarray(fits[0].x), np.asarray(fits[0].y))
    for k, fit in enumerate(fits):
        ax.plot(grid, fit.predict(grid), color=f"C{k}", label=_fit_label(fit))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_validation_curve(curve: Any, path: str | Path | None = None) -> Any:
    """Training and cross-validated error against the regularization strength λ.

    λ > 0 is on a log axis; the errors at λ = 0 (if tried) are drawn as dotted horizontal
    lines, since 0 has no place on a log axis.

    Parameters
    ----------
    curve : neuralab.poly.ValidationCurve
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lams = np.asarray(curve.lams, dtype=np.float64)
    pos = lams > 0
    if not pos.any():
        raise ValueError("curve has no λ > 0 to draw on a log axis")
    fig, ax = subplots(figsize=(6.0, 4.0))
    shown = np.concatenate([np.asarray(curve.train_error)[pos], np.asarray(curve.val_error)[pos]])
    top = float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.0
    for k, (err, label) in enumerate(((curve.train_error, "train"),
                                      (curve.val_error, f"validation ({curve.cv})"))):
        err = np.asarray(err, dtype=np.float64)
        ax.plot(lams[pos], err[pos], "o-", color=f"C{k}", label=label)
        if not (~pos).any():
            continue
        at_zero = float(err[~pos][0])
        if not np.isfinite(at_zero):  # e.g. leave-one-out of an interpolating degree
            ax.plot([], [], " ", label=f"{label}, λ = 0: cannot be validated")
        elif at_zero < 1e-10 * top:  # an interpolating fit: rounding error, not a level
            ax.plot([], [], " ", label=f"{label}, λ = 0: ≈ 0 (interpolates)")
        else:
            ax.axhline(at_zero, color=f"C{k}", ls=":", lw=1, label=f"{label}, λ = 0")
    ax.axvline(curve.best_lam, color="0.5", ls="--", lw=1, label=f"best λ = {curve.best_lam:g}")
    ax.set(xscale="log", yscale="log", xlabel=f"λ ({curve.penalty})", ylabel="mean squared error",
           title=f"Degree {curve.degree}: choosing λ")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_error_decomposition(
    labels: Sequence[str], bayes: Sequence[float], modelling: Sequence[float],
    estimation: Sequence[float], optimization: Sequence[float],
    path: str | Path | None = None, *, title: str = "Error decomposition",
) -> Any:
    """The lecture's error decomposition as stacked bars, one per model.

    ``test error = irreducible (Bayes) error + modelling error + estimation error +
    optimization error``: the best possible predictor's error; what the best model in the
    class loses to it; what fitting on a finite sample loses to the best in class; what
    stopping the optimizer early loses to the exact minimizer of the training loss.

    Parameters
    ----------
    labels : sequence of str
        One bar per model.
    bayes, modelling, estimation, optimization : sequence of float
        One value per bar. A measured component can come out slightly negative (e.g. an early
        stopped optimizer that happens to generalize better): it is drawn as 0, and the black
        dot marks the true total.
    path : str or Path, optional
        Where to write the PNG (atomically).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].containers[j]`` holds component ``j``'s bars (Bayes first).
    """
    parts = [("irreducible (Bayes)", bayes, "0.75"), ("modelling", modelling, "C0"),
             ("estimation", estimation, "C1"), ("optimization", optimization, "C2")]
    values = [as_float(v).ravel() for _, v, _ in parts]
    n = len(labels)
    for (name, _, _), v in zip(parts, values, strict=True):
        if v.shape != (n,):
            raise ValueError(f"{name}: {v.size} values for {n} labels")
    fig, ax = subplots(figsize=(1.5 * n + 3.0, 4.0))
    bottom = np.zeros(n)
    pos = np.arange(n)
    for (name, _, color), v in zip(parts, values, strict=True):
        shown = np.maximum(v, 0.0)
        ax.bar(pos, shown, bottom=bottom, color=color, label=f"{name} error", width=0.6)
        bottom += shown
    ax.plot(pos, np.sum(values, axis=0), "o", color="black", label="test error (total)")
    ax.set_xticks(pos, labels)
    ax.set(ylabel="mean squared error", title=title)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    save(fig, path)
    return fig
