"""Area names written on a static map (SVG) where they fit.

A label goes on an area's label point when the area is wide and tall enough to hold it and
the label overlaps no label already placed; the larger areas are placed first, so at a
crowded centre the big neighbourhoods keep their names and the small ones carry their
name in the tooltip (``<title>``) only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: The width of an average character as a share of the font size (DejaVu Sans, Swedish
#: names); an estimate is enough, since the test is whether labels overlap at all.
CHAR_WIDTH = 0.6
#: Space kept clear around a label, in pixels.
LABEL_GAP = 2.0


@dataclass(frozen=True)
class LabelCandidate:
    text: str
    x: float  # the label point, in the SVG's pixels
    y: float
    room_w: float  # the area's extent in pixels: a label wider or taller is left out
    room_h: float
    sub: str = ""  # a second line under the name (the weekly map's count)


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    x: float
    y: float
    sub: str = ""


def place_labels(candidates: Iterable[LabelCandidate], *, font_size: float) -> list[PlacedLabel]:
    """The labels that fit their area and overlap none placed before, largest area first."""
    placed: list[tuple[float, float, float, float]] = []
    out: list[PlacedLabel] = []
    height = font_size * 1.2
    for c in sorted(candidates, key=lambda c: (-(c.room_w * c.room_h), c.text)):
        if not c.text:
            continue
        width = max(len(c.text), len(c.sub)) * font_size * CHAR_WIDTH
        lines = 2 if c.sub else 1
        if width > c.room_w or height * lines > c.room_h:
            continue
        box = (
            c.x - width / 2 - LABEL_GAP,
            c.y - height * lines / 2 - LABEL_GAP,
            c.x + width / 2 + LABEL_GAP,
            c.y + height * lines / 2 + LABEL_GAP,
        )
        if any(_overlap(box, other) for other in placed):
            continue
        placed.append(box)
        out.append(PlacedLabel(c.text, c.x, c.y, c.sub))
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def labels_svg(labels: list[PlacedLabel], *, font_size: float, font_family: str) -> str:
    """The labels as one SVG group: dark text with a white halo, readable on any fill."""
    if not labels:
        return ""
    parts = [
        f'<g class="area-labels" font-family={quoteattr(font_family)} '
        f'font-size="{font_size:g}" text-anchor="middle" dominant-baseline="central" '
        'fill="#1b1f24" stroke="#ffffff" stroke-width="2.4" stroke-linejoin="round" '
        'paint-order="stroke">'
    ]
    line = font_size * 1.2
    for label in labels:
        y = label.y - line / 2 if label.sub else label.y
        parts.append(f'<text x="{label.x:.1f}" y="{y:.1f}">{escape(label.text)}</text>')
        if label.sub:
            parts.append(
                f'<text x="{label.x:.1f}" y="{y + line:.1f}" font-weight="bold">'
                f"{escape(label.sub)}</text>"
            )
    parts.append("</g>")
    return "".join(parts)
