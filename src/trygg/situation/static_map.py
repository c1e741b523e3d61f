"""The weekly picture's map as a static SVG, drawn on the server for the PDF.

No tiles and nothing fetched from the net: the areas' own boundaries, shaded by this week's
count in the same four steps as the page's map (a dark red border where the rise is real),
and the points of the reports the reader may see. Coordinates are projected with a plain
equirectangular projection scaled by the cosine of the middle latitude: at a municipality's
size the distortion is invisible.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from trygg.analysis.report.labels import LabelCandidate, labels_svg, place_labels

# The page's palette (situation/picture.js), so the paper and the screen agree.
SHADES = ((6, "#d9534f"), (3, "#f8a972"), (1, "#fde0c5"), (0, "#f1f4f6"))
BORDER, RISE_BORDER, POINT = "#457b9d", "#9b1c1c", "#1d3557"
SEVERITY_RADIUS = {1: 2.0, 2: 2.8, 3: 3.6}
LABEL_FONT_SIZE = 9


def shade(count: int) -> str:
    for least, colour in SHADES:
        if count >= least:
            return colour
    return SHADES[-1][1]


def _rings(geometry: dict) -> list[list[list[float]]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    return []


def picture_map_svg(
    areas: list[dict],
    points: list[dict],
    *,
    title: str,
    width: int = 680,
    height: int = 440,
    margin: int = 8,
) -> str:
    """``areas``: dicts with ``geometry`` (GeoJSON), ``name``, ``count`` and ``rise``;
    ``points``: dicts with ``lat``, ``lon`` and ``severity``. Returns an ``<svg>`` element
    (the caller marks it safe: every text in it is escaped here)."""
    rings = [ring for area in areas for ring in _rings(area["geometry"])]
    lons = [p[0] for ring in rings for p in ring] or [p["lon"] for p in points]
    lats = [p[1] for ring in rings for p in ring] or [p["lat"] for p in points]
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    )
    if not lons:
        return header + "</svg>"
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    # Centre the drawing in the box.
    left = margin + ((width - 2 * margin) - span_x * scale) / 2
    top = margin + ((height - 2 * margin) - span_y * scale) / 2

    def xy(lon: float, lat: float) -> str:
        return f"{left + (lon - west) * squeeze * scale:.1f},{top + (north - lat) * scale:.1f}"

    parts = [header, '<g stroke-linejoin="round">']
    # Risen areas last, so their red border is not hidden under a neighbour's.
    for area in sorted(areas, key=lambda a: bool(a.get("rise"))):
        path = " ".join(
            "M" + " L".join(xy(lon, lat) for lon, lat, *_ in ring) + " Z"
            for ring in _rings(area["geometry"])
            if ring
        )
        if not path:
            continue
        count = int(area.get("count") or 0)
        rise = bool(area.get("rise"))
        parts.append(
            f'<path d="{path}" fill="{shade(count)}" fill-rule="evenodd" '
            f'stroke="{RISE_BORDER if rise else BORDER}" stroke-width="{2.2 if rise else 0.7}">'
            f"<title>{escape(area.get('name', ''))}: {count}</title></path>"
        )
    parts.append("</g>")
    parts.append(f'<g fill="{POINT}" fill-opacity="0.75" stroke="#ffffff" stroke-width="0.4">')
    for point in points:
        if point.get("lat") is None or point.get("lon") is None:
            continue
        x, y = xy(point["lon"], point["lat"]).split(",")
        radius = SEVERITY_RADIUS.get(point.get("severity"), 2.4)
        parts.append(f'<circle cx="{x}" cy="{y}" r="{radius}"/>')
    parts.append("</g>")

    # Every area's name where it fits, with its count of the week under it; the small
    # central areas that would overlap keep theirs in the tooltip.
    candidates = []
    for area in areas:
        points = [p for ring in _rings(area["geometry"]) for p in ring]
        if not points or not area.get("label_at"):
            continue
        x, y = (float(v) for v in xy(*area["label_at"]).split(","))
        count = int(area.get("count") or 0)
        candidates.append(
            LabelCandidate(
                text=area.get("name", ""),
                sub=str(count) if count else "",
                x=x,
                y=y,
                room_w=(max(p[0] for p in points) - min(p[0] for p in points)) * squeeze * scale,
                room_h=(max(p[1] for p in points) - min(p[1] for p in points)) * scale,
            )
        )
    placed = place_labels(candidates, font_size=LABEL_FONT_SIZE)
    parts.append(
        labels_svg(placed, font_size=LABEL_FONT_SIZE, font_family="DejaVu Sans, sans-serif")
    )
    parts.append("</svg>")
    return "".join(parts)
