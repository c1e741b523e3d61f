"""A small map of a safety walk as SVG: the route and its numbered points.

Drawn from the coordinates alone (no tile server), so the PDF report works offline and
shows nothing but what the walk recorded.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, MARGIN = 640, 420, 24


def walk_svg(route: list[list[float]], points: list[dict], *, title: str = "") -> str:
    """``route`` as [lon, lat] pairs; ``points`` as dicts with number, lat and lon."""
    coords = [(c[0], c[1]) for c in route] + [(p["lon"], p["lat"]) for p in points]
    if not coords:
        return ""
    lat0 = sum(c[1] for c in coords) / len(coords)
    kx = math.cos(math.radians(lat0))  # metres per degree of longitude shrink northwards
    xs = [c[0] * kx for c in coords]
    ys = [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.0005)
    scale = min((WIDTH - 2 * MARGIN), (HEIGHT - 2 * MARGIN)) / span
    cx = (max(xs) + min(xs)) / 2
    cy = (max(ys) + min(ys)) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(WIDTH / 2 + (lon * kx - cx) * scale, 1),
            round(HEIGHT / 2 - (lat - cy) * scale, 1),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="walk-svg">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f4f7f9" stroke="#c4ccd4"/>',
    ]
    if len(route) > 1:
        path = " ".join(f"{x},{y}" for x, y in (project(*c) for c in route))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#1d5c96" stroke-width="3" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
        sx, sy = project(*route[0])
        parts.append(f'<circle cx="{sx}" cy="{sy}" r="5" fill="#2a7a3b"/>')
    for point in points:
        x, y = project(point["lon"], point["lat"])
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="11" fill="#b3261e" stroke="#fff" stroke-width="2"/>'
            f'<text x="{x}" y="{y + 4}" font-size="12" font-family="sans-serif" '
            f'text-anchor="middle" fill="#fff">{int(point["number"])}</text>'
        )
    # A 100 m scale bar, so distances can be judged.
    bar = 100 / 111_000 * scale
    if bar < WIDTH / 2:
        y = HEIGHT - 12
        parts.append(
            f'<line x1="{MARGIN}" y1="{y}" x2="{round(MARGIN + bar, 1)}" y2="{y}" '
            'stroke="#333" stroke-width="2"/>'
            f'<text x="{MARGIN}" y="{y - 4}" font-size="10" font-family="sans-serif" '
            'fill="#333">100 m</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
