"""Shared plumbing of :mod:`neuralab.viz`: new figures (headless, or pyplot's in a notebook),
atomic PNG writes, model wrappers and the class colours every picture uses."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_numpy

# One colour per class, the same in every picture (the playground's palette order).
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")

#: Dots per inch of every PNG :func:`save` writes.
DPI = 110


def in_jupyter_kernel() -> bool:
    """Whether this process is a Jupyter kernel (ipykernel also sets MPLBACKEND to its inline
    backend when the user has not chosen one)."""
    return "ipykernel" in sys.modules or "inline" in os.environ.get("MPLBACKEND", "")


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend — except inside a Jupyter
    kernel, whose backend is kept so that figures show in the notebook."""
    import matplotlib

    # Forcing Agg in a kernel would turn every figure into a "<Figure size ...>" line of text.
    if not in_jupyter_kernel():
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def figure(figsize: tuple[float, float]) -> Any:
    """A new, empty figure of ``figsize`` inches, for every picture of :mod:`neuralab.viz`.

    Outside a Jupyter kernel it is a plain ``matplotlib.figure.Figure`` on an Agg canvas: pyplot
    is never imported (a tenth of a second a process) and nothing keeps the figure once its
    caller drops it. Its dpi is the PNG's, so the layout and the saved drawing share one
    renderer and the text sizes measured for the layout are reused when it is drawn. In a
    kernel it is ``pyplot.figure``'s, on the notebook's backend, so that it shows in the cell.
    """
    if in_jupyter_kernel():
        return pyplot().figure(figsize=figsize)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float],
             **kwargs: Any) -> tuple[Any, Any]:
    """``pyplot.subplots`` on a :func:`figure`: the figure and its axes (``kwargs`` as
    ``Figure.subplots``: ``squeeze``, ``sharex``, ``gridspec_kw``, ...)."""
    fig = figure(figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def panel_grid(n: int, ncols: int, width: float, height: float) -> tuple[Any, list[Any]]:
    """A figure of ``n`` panels, ``ncols`` to a row (fewer if ``n`` is smaller), each
    ``width`` × ``height`` inches; returns it and the ``n`` axes in reading order (the unused
    cells of the last row are switched off)."""
    cols = min(ncols, n)
    rows = -(-n // cols)
    fig, axes = subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, list(axes.flat[:n])


def top_title(ax: Any, text: str, **kwargs: Any) -> None:
    """Title ``ax`` with ``text`` just above its top edge (``kwargs`` as ``Axes.set_title``).

    Where the axes has no tick labels on top, that is where matplotlib puts a title anyway;
    saying so spares it checking at every draw, which lays out the axes' ticks once more (and
    creates them for axes that hide theirs).
    """
    ax.set_title(text, y=1.0, **kwargs)


def text_width(text: str, size: Any) -> float:
    """Width in inches of one line of ``text`` in the default font at ``size`` (points, or a
    name such as ``"medium"``), measured without a renderer (and without drawing)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    width, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=size),
                                                            ismath=False)
    return width / 72


def line_height(size: Any) -> float:
    """Height in inches of a line of text at font ``size`` (as :func:`text_width`): 1.2 em, a
    little more than matplotlib's own line of capitals and descenders."""
    from matplotlib.font_manager import FontProperties

    return 1.2 * FontProperties(size=size).get_size_in_points() / 72


def layout_pad() -> float:
    """``tight_layout``'s padding at the figure's edges, in inches (1.08 em)."""
    import matplotlib

    return 1.08 * float(matplotlib.rcParams["font.size"]) / 72


def set_margins(fig: Any, *, left: float, right: float, bottom: float, top: float,
                wspace: float = 0.0, hspace: float = 0.0) -> None:
    """Lay out ``fig``'s grid of subplots with these margins and gaps between cells, in inches.

    For pictures whose surroundings are known in advance (class names, titles and labels of
    given font sizes): ``tight_layout`` would find them by measuring every artist of every axes,
    a third of such a picture's drawing time.
    """
    width, height = fig.get_size_inches()
    rows, cols = fig.axes[0].get_subplotspec().get_geometry()[:2]
    cell_w = (width - left - right - (cols - 1) * wspace) / cols
    cell_h = (height - bottom - top - (rows - 1) * hspace) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wspace / cell_w, hspace=hspace / cell_h)


def save(fig: Any, path: str | Path | None) -> None:
    """Write ``fig`` as a PNG to ``path`` atomically (nothing when ``path`` is None).

    Every picture of :mod:`neuralab.viz` is laid out (``fig.tight_layout()`` or
    :func:`set_margins`) before it is saved, so the figure is drawn once, as it is:
    ``bbox_inches="tight"`` would draw it a second time to crop it (a third of a small run's
    picture time, for a margin).
    """
    if path is None:
        return
    from ..io import atomic_write_bytes

    buf = io.BytesIO()
    # zlib's fastest level: a third less encoding time for files 10-20 % larger
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    atomic_write_bytes(path, buf.getvalue())


def close(fig: Any) -> None:
    """Release a figure made by a ``neuralab.viz`` function (scripts and servers should).

    Only pyplot keeps figures (those of a notebook, see :func:`figure`); where it was never
    imported there is nothing to release, and importing it here would cost more than drawing.
    """
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def as_float(x: Any) -> np.ndarray:
    """Any backend's array (or nested list) as a float64 numpy array."""
    return np.asarray(to_numpy(x) if hasattr(x, "shape") else x, dtype=np.float64)


def class_colors(n: int) -> list[str]:
    """``n`` class colours, cycling after ten."""
    return [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n)]


def predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A function ``X (N, D) -> labels (N,)`` for whatever classifier the caller has.

    Accepts a neuralab model (a :class:`~neuralab.nn.Layer` such as a ``Sequential``: the argmax
    of its scores in eval mode, its train/eval mode restored), an object with ``predict`` (a
    scikit-learn or :mod:`neuralab.estimators` classifier), or a plain callable returning labels.
    """
    from ..nn import Layer

    if isinstance(model, Layer):
        from .. import backend as B
        from ..train import predict_scores

        like = model.params()[0].value

        def predict(X: np.ndarray) -> np.ndarray:
            scores = predict_scores(model, B.asarray(X, like=like))
            return np.argmax(to_numpy(scores), axis=1)

        return predict
    if hasattr(model, "predict"):
        return lambda X: np.asarray(model.predict(X))
    if callable(model):
        return lambda X: np.asarray(model(X))
    raise TypeError(f"model must be a neuralab model, an estimator with predict() or a "
                    f"callable X -> labels, got {type(model).__name__}")
