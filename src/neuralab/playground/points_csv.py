"""Points as CSV text: ``x,y,label,split`` lines, read by ``import_csv`` and written by the
``csv`` export."""

from __future__ import annotations

import math

import numpy as np

from .points import Points, split_index
from .protocol import CLASS_RANGE, MAX_POINTS, ProtocolError

__all__ = ["float32_text", "format_points_csv", "parse_points_csv"]


def float32_text(v: float) -> str:
    """The shortest text that reads back as the same float32."""
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def format_points_csv(points: Points, classification: bool) -> str:
    """``x,y,label,split`` lines with a header (the ``csv`` export); each float as the
    shortest text of its float32, so :func:`parse_points_csv` reads back the same points."""
    lines = ["x,y,label,split"]
    for split in ("train", "test"):
        X, y = points.split(split)
        for (a, b), label in zip(X.tolist(), y.tolist(), strict=True):
            lab = str(int(label)) if classification else float32_text(label)
            lines.append(f"{float32_text(a)},{float32_text(b)},{lab},{split}")
    return "\n".join(lines) + "\n"


def parse_points_csv(
    text: str, classification: bool, data_seed: int, train_ratio: float, floor: bool = False,
) -> tuple[Points, int | None]:
    """Points from ``x,y,label[,split]`` lines (``import_csv``; header and ``#`` comments
    optional).

    Without a split column the points are shuffled with ``data_seed`` and split by
    ``train_ratio``, as generated data is (``floor``: rounded down, TFP's rule). Returns the
    points and, for classification, the class count the labels imply (largest label + 1, at
    least 2).

    Raises
    ------
    ProtocolError
        Naming the line of the first bad row (``field`` is ``"text"``).
    """
    xy, labels, splits = [], [], []
    for number, cells in _csv_rows(text):
        try:
            x, y, label = float(cells[0]), float(cells[1]), float(cells[2])
        except ValueError:
            raise ProtocolError(f"import_csv: line {number}: x, y and label must be numbers, "
                                f"got {','.join(cells[:3])!r}", "text") from None
        if not all(map(math.isfinite, (x, y, label))):
            raise ProtocolError(f"import_csv: line {number}: numbers must be finite", "text")
        if classification and (not label.is_integer() or not 0 <= label < CLASS_RANGE[1]):
            raise ProtocolError(f"import_csv: line {number}: label={cells[2]!r} must be a "
                                f"class 0-{CLASS_RANGE[1] - 1}", "text")
        xy.append((x, y))
        labels.append(label)
        if len(cells) == 4:
            split = cells[3].lower()
            if split not in ("train", "test"):
                raise ProtocolError(f"import_csv: line {number}: split={cells[3]!r} must be "
                                    f"train or test", "text")
            splits.append(split)
    X = np.array(xy, dtype=np.float32)
    y = np.array(labels, dtype=np.int64 if classification else np.float32)
    if splits:
        train = np.array([s == "train" for s in splits])
    else:
        order = np.random.default_rng(data_seed).permutation(len(X))
        X, y = X[order], y[order]
        train = np.arange(len(X)) < split_index(len(X), train_ratio, floor)
    if not train.any():
        raise ProtocolError("import_csv: no training points (every row is split=test)", "text")
    classes = max(CLASS_RANGE[0], int(y.max()) + 1) if classification else None
    return Points(X[train], y[train], X[~train], y[~train]), classes


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """The data rows: (line number, cells) each."""
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if not rows and not _is_number(cells[0]):
            continue  # the header
        if len(cells) not in (3, 4):
            raise ProtocolError(f"import_csv: line {number} has {len(cells)} columns; expected "
                                f"x,y,label or x,y,label,split", "text")
        if rows and len(cells) != len(rows[0][1]):
            raise ProtocolError(f"import_csv: line {number} has {len(cells)} columns, the "
                                f"first row {len(rows[0][1])}", "text")
        rows.append((number, cells))
        if len(rows) > MAX_POINTS:
            raise ProtocolError(f"import_csv: more than {MAX_POINTS} points", "text")
    if not rows:
        raise ProtocolError("import_csv: no data rows (expected x,y,label[,split] lines)", "text")
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
