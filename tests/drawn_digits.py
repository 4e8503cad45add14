"""Digits as a person draws or types them: dark on white, 200×200, PIL only.

``font_digits`` renders the ten digits with Pillow's bundled scalable font in several sizes,
positions and stroke widths; ``line_digits`` draws them as thick polylines, edge to edge or
small and off-centre, as a mouse or a finger would. Used by tests/test_predict_normalize.py
and for the README's picture."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIDE = 200

#: (font size, centre x, centre y, stroke width) of each rendering of the ten font digits.
FONT_STYLES = [
    (180, 100, 100, 6),   # fills the frame
    (120, 100, 100, 4),   # centred, medium
    (70, 55, 60, 3),      # small, top left
    (90, 140, 135, 5),    # bottom right
    (150, 110, 95, 10),   # very bold
    (60, 100, 140, 2),    # small, thin, low
]

#: Polylines of each digit in a unit square (x right, y down), as drawn with one or two strokes.
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.0), (0.15, 0.2), (0.1, 0.5), (0.15, 0.8), (0.5, 1.0), (0.85, 0.8), (0.9, 0.5),
         (0.85, 0.2), (0.5, 0.0)]],
    1: [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    2: [[(0.1, 0.25), (0.3, 0.03), (0.65, 0.0), (0.88, 0.2), (0.85, 0.45), (0.1, 1.0),
         (0.92, 1.0)]],
    3: [[(0.12, 0.08), (0.7, 0.0), (0.85, 0.2), (0.45, 0.48), (0.88, 0.7), (0.75, 0.95),
         (0.12, 0.95)]],
    4: [[(0.65, 1.0), (0.65, 0.0), (0.05, 0.68), (0.95, 0.68)]],
    5: [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.6, 0.4), (0.88, 0.6), (0.8, 0.92),
         (0.45, 1.0), (0.1, 0.9)]],
    6: [[(0.75, 0.0), (0.3, 0.3), (0.12, 0.7), (0.3, 1.0), (0.75, 0.95), (0.85, 0.7),
         (0.6, 0.5), (0.2, 0.62)]],
    7: [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],
    8: [[(0.5, 0.5), (0.15, 0.28), (0.5, 0.0), (0.85, 0.28), (0.5, 0.5), (0.12, 0.75),
         (0.5, 1.0), (0.88, 0.75), (0.5, 0.5)]],
    9: [[(0.85, 0.4), (0.5, 0.55), (0.15, 0.35), (0.4, 0.0), (0.85, 0.15), (0.85, 0.4),
         (0.75, 1.0)]],
}

#: (left, top, width, height, line width) of each line-drawn rendering.
LINE_STYLES = [
    (10, 5, 180, 190, 16),    # edge to edge, thick
    (60, 50, 80, 100, 10),    # centred, small
    (15, 20, 70, 90, 8),      # top left corner
]


def font_digit(digit: int, size: int, cx: int, cy: int, stroke: int) -> Image.Image:
    """``digit`` in Pillow's bundled font, ``size`` px, centred at (cx, cy), dark on white."""
    img = Image.new("L", (SIDE, SIDE), 255)
    font = ImageFont.load_default(size=size)
    ImageDraw.Draw(img).text((cx, cy), str(digit), fill=0, font=font, anchor="mm",
                             stroke_width=stroke, stroke_fill=0)
    return img


def line_digit(digit: int, left: int, top: int, width: int, height: int,
               line: int) -> Image.Image:
    """``digit`` drawn as thick polylines in the box (left, top, width, height), dark on white."""
    img = Image.new("L", (SIDE, SIDE), 255)
    draw = ImageDraw.Draw(img)
    for stroke in STROKES[digit]:
        points = [(left + x * width, top + y * height) for x, y in stroke]
        draw.line(points, fill=0, width=line, joint="curve")
        r = line / 2
        for x, y in (points[0], points[-1]):  # round caps
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return img


def drawn_digits() -> list[tuple[int, Image.Image]]:
    """Every rendering: (label, image), the font digits then the line-drawn ones."""
    out = [(d, font_digit(d, *style)) for style in FONT_STYLES for d in range(10)]
    out += [(d, line_digit(d, *style)) for style in LINE_STYLES for d in range(10)]
    return out


def write_all(folder: Path) -> list[tuple[int, Path]]:
    """Write every rendering as a PNG into ``folder``: (label, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (label, img) in enumerate(drawn_digits()):
        path = folder / f"{i:03d}-{label}.png"
        img.save(path)
        paths.append((label, path))
    return paths
