"""Charts as plain SVG strings: choropleth maps, trend lines and rank intervals.

No JavaScript, no network, no plotting library: the strings embed directly in the HTML
report and WeasyPrint renders them in the PDF. Colours are chosen to be told apart in
greyscale print as well (sequential palettes from light to dark).

* :func:`choropleth` draws areas (shapely geometries in WGS84 lon/lat) on a local
  equirectangular projection (x = lon·cos(lat₀), y = lat), fitted to the drawing, with a
  legend. Classes come from the caller: :func:`index_classes` for survey indices (the
  questionnaire's colour thresholds), :func:`quantile_classes` for rates, and
  :data:`HOTSPOT_CLASSES` for hot spots. Areas whose value is suppressed are hatched, areas
  with a small-area estimate get a dashed outline.
* :func:`trend_chart` draws yearly lines with an interval band.
* :func:`rank_chart` draws each area's rank as a dot with its interval as a bar.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .labels import LabelCandidate, labels_svg, place_labels

__all__ = [
    "HOTSPOT_CLASSES",
    "ColourClass",
    "MapArea",
    "Series",
    "choropleth",
    "index_classes",
    "quantile_classes",
    "rank_chart",
    "trend_chart",
]

FONT = "font-family:'DejaVu Sans',Arial,sans-serif"
LABEL_FONT = "DejaVu Sans, Arial, sans-serif"
LABEL_FONT_SIZE = 9
NO_DATA = "#ececec"
SEQUENTIAL = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
# Maps with more areas than this draw one path per colour (see _merged_paths); smaller
# maps (a municipality) keep one path per area with its tooltip.
_MERGE_ABOVE = 1000
LINE_COLOURS = ("#08519c", "#d94801", "#238b45", "#6a51a3", "#737373")


@dataclass(frozen=True)
class ColourClass:
    """One legend entry: ``key`` is what areas are mapped to."""

    key: str
    colour: str
    label: str


@dataclass(frozen=True)
class MapArea:
    """An area on a map: its code, geometry (lon/lat), class key (None = no data) and marks."""

    code: str
    geometry: BaseGeometry
    key: str | None
    suppressed: bool = False
    small_area: bool = False
    title: str = ""
    name: str = ""  # written on the map where it fits (labels.place_labels)


HOTSPOT_CLASSES: dict[str, tuple[ColourClass, ...]] = {
    lang: (
        ColourClass("hot", "#cb181d", labels[0]),
        ColourClass("none", "#f7f7f7", labels[1]),
        ColourClass("cold", "#2171b5", labels[2]),
    )
    for lang, labels in {
        "sv": ("Het punkt (förhöjt)", "Inget mönster", "Kall punkt (lägre)"),
        "en": ("Hot spot (raised)", "No pattern", "Cold spot (lower)"),
    }.items()
}

_TEXT = {
    "sv": {
        "no_data": "Uppgift saknas",
        "suppressed": "– För få svar (visas ej)",
        "small_area": "Småområdesskattning",
        "rank": "Rangplats",
        "year": "År",
    },
    "en": {
        "no_data": "No data",
        "suppressed": "– Too few answers (not shown)",
        "small_area": "Small-area estimate",
        "rank": "Rank",
        "year": "Year",
    },
}


def _fmt(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def index_classes(colours: Sequence, *, lang: str = "sv") -> tuple[ColourClass, ...]:
    """Legend classes from the questionnaire's colour thresholds
    (:class:`trygg.analysis.questionnaire.ColourClass`: ``code, below, colour, label``)."""
    out = []
    lower = 0.0
    for c in colours:
        bound = (
            f"{_fmt(lower, lang)}–{_fmt(c.below, lang)}"
            if c.below is not None
            else (f"≥ {_fmt(lower, lang)}")
        )
        out.append(ColourClass(c.code, c.colour, f"{c.label.get(lang)} ({bound})"))
        if c.below is not None:
            lower = c.below
    return tuple(out)


def quantile_classes(
    values: Sequence[float] | np.ndarray,
    *,
    k: int = 5,
    lang: str = "sv",
    digits: int = 0,
    palette: Sequence[str] = SEQUENTIAL,
) -> tuple[tuple[ColourClass, ...], np.ndarray]:
    """Quantile classes for rates: ``(classes, keys)`` with one key per value (None = NaN).

    Breaks are the quantiles of the finite values, merged where equal, so every class has
    areas in it.
    """
    x = np.asarray(values, dtype=float)
    finite = x[np.isfinite(x)]
    keys = np.full(len(x), None, dtype=object)
    if finite.size == 0:
        return (), keys
    breaks = np.unique(np.quantile(finite, np.linspace(0, 1, k + 1)))
    if breaks.size < 2:
        breaks = np.array([finite.min(), finite.max() + 1e-9])
    n = breaks.size - 1
    colours = [palette[round(i * (len(palette) - 1) / max(n - 1, 1))] for i in range(n)]
    classes = tuple(
        ColourClass(
            f"q{i}",
            colours[i],
            f"{_fmt(breaks[i], lang, digits)}–{_fmt(breaks[i + 1], lang, digits)}",
        )
        for i in range(n)
    )
    position = np.clip(np.searchsorted(breaks, x, side="right") - 1, 0, n - 1)
    keys[np.isfinite(x)] = np.array([f"q{i}" for i in position[np.isfinite(x)]], dtype=object)
    return classes, keys


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def _rings(geom: BaseGeometry):
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.geom_type != "Polygon":
            continue
        yield np.asarray(poly.exterior.coords)
        for hole in poly.interiors:
            yield np.asarray(hole.coords)


def choropleth(
    areas: Sequence[MapArea],
    classes: Sequence[ColourClass],
    *,
    title: str = "",
    lang: str = "sv",
    width: int = 640,
    height: int = 520,
    legend_width: int = 210,
    pattern_id: str | None = None,
    legend: bool = True,
) -> str:
    """A map of ``areas`` coloured by class, with a legend (unless the page gives its own:
    ``legend=False``), as an SVG string.

    Suppressed areas are filled with a hatch ``<pattern>`` whose id is ``pattern_id``, or
    by default ``hatch-`` and a digest of the title and the area codes. An HTML page with
    several maps must give each its own id (ids are global in a document, and WeasyPrint
    warns about, and uses only one of, an id defined twice); the pattern is only defined
    when an area is suppressed.
    """
    t = _TEXT[lang]
    if not legend:
        legend_width = 0
    if pattern_id is None:
        digest = zlib.crc32("\x1f".join([title, *(a.code for a in areas)]).encode("utf-8"))
        pattern_id = f"hatch-{digest:08x}"
    hatch = f"url(#{pattern_id})"
    geoms = [a.geometry for a in areas]
    if not geoms:
        return _empty_svg(width, height, t["no_data"])
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    lat0 = (miny + maxy) / 2
    kx = math.cos(math.radians(lat0))
    map_w = width - legend_width - 20
    map_h = height - (30 if title else 10) - 10
    span_x = max((maxx - minx) * kx, 1e-9)
    span_y = max(maxy - miny, 1e-9)
    s = min(map_w / span_x, map_h / span_y)
    off_x = 10 + (map_w - span_x * s) / 2
    off_y = (30 if title else 10) + (map_h - span_y * s) / 2
    # Simplify to about a pixel: a national map of 6,000 areas stays a few MB at most.
    tolerance = 0.7 / s
    colour = {c.key: c.colour for c in classes}

    merged = len(areas) > _MERGE_ABOVE

    def path(geom: BaseGeometry) -> str:
        if tolerance > 0:
            simple = shapely.simplify(geom, tolerance, preserve_topology=True)
            geom = simple if not simple.is_empty else geom
        parts = []
        for ring in _rings(geom):
            xs = off_x + (ring[:, 0] - minx) * kx * s
            ys = off_y + (maxy - ring[:, 1]) * s
            if merged:
                # Drop points that print the same (a tenth of a pixel) as the one before.
                xy = np.round(np.column_stack([xs, ys]), 1)
                keep = np.ones(len(xy), dtype=bool)
                keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
                xy = xy[keep]
                if len(xy) < 4:  # closed: at most two distinct points, nothing to fill
                    continue
                xs, ys = xy[:, 0], xy[:, 1]
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            parts.append(f"M{pts}Z")
        return "".join(parts)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart map">',
    ]
    if any(a.suppressed for a in areas):
        out.append(
            "<defs>"
            f'<pattern id="{escape(pattern_id)}" patternUnits="userSpaceOnUse" width="6" '
            'height="6" patternTransform="rotate(45)"><rect width="6" height="6" '
            'fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" '
            'stroke-width="1.6"/></pattern></defs>'
        )
    if title:
        out.append(
            f'<text x="10" y="20" style="{FONT};font-size:15px;font-weight:bold">'
            f"{escape(title)}</text>"
        )
    if len(areas) > _MERGE_ABOVE:
        ds = _merged_path_data(geoms, tolerance=tolerance, origin=(minx, maxy, off_x, off_y),
                               scale=(kx * s, s))  # fmt: skip
        out.extend(_merged_paths(areas, ds, colour, hatch))
    outlines = []
    for area in areas if len(areas) <= _MERGE_ABOVE else ():
        d = path(area.geometry)
        if area.suppressed:
            fill = hatch
        else:
            fill = colour.get(area.key, NO_DATA) if area.key is not None else NO_DATA
        tip = f"<title>{escape(area.title or area.code)}</title>" if area.title or area.code else ""
        out.append(
            f'<path d="{d}" fill="{fill}" stroke="#444" stroke-width="0.5" '
            f'fill-rule="evenodd" data-code="{escape(area.code)}">{tip}</path>'
        )
        if area.small_area and not area.suppressed:
            outlines.append(
                f'<path d="{d}" fill="none" stroke="#000" stroke-width="1.6" '
                'stroke-dasharray="4 2"/>'
            )
    out.extend(outlines)
    if not merged:
        out.append(
            _name_labels(
                areas, lambda x, y: (off_x + (x - minx) * kx * s, off_y + (maxy - y) * s), kx * s, s
            )
        )
    # Legend
    lx = width - legend_width
    ly = 40 if title else 20
    entries: list[tuple[str, str, str | None]] = [(c.colour, c.label, None) for c in classes]
    if any(a.key is None and not a.suppressed for a in areas):
        entries.append((NO_DATA, t["no_data"], None))
    if any(a.suppressed for a in areas):
        entries.append((hatch, t["suppressed"], None))
    if any(a.small_area and not a.suppressed for a in areas):
        entries.append(("none", t["small_area"], "4 2"))
    for k, (fill, label, dash) in enumerate(entries if legend else ()):
        y = ly + k * 22
        stroke = f' stroke-dasharray="{dash}" stroke-width="1.6"' if dash else ""
        out.append(
            f'<rect x="{lx}" y="{y}" width="16" height="14" fill="{fill}" stroke="#444"{stroke}/>'
            f'<text x="{lx + 22}" y="{y + 11}" style="{FONT};font-size:11px">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _merged_path_data(
    geoms: Sequence[BaseGeometry],
    *,
    tolerance: float,
    origin: tuple[float, float, float, float],
    scale: tuple[float, float],
) -> list[str]:
    """The ``d`` of each area of a merged (national) map, all areas at once.

    The same as ``choropleth``'s per-area ``path`` for a merged map (simplified to about a
    pixel, points a tenth of a pixel apart, rings of fewer than three distinct points
    left out), but simplified, projected, rounded and thinned as whole arrays: per area
    that took a quarter of a minute for three national maps.
    """
    minx, maxy, off_x, off_y = origin
    sx, sy = scale
    arr = np.asarray(geoms, dtype=object)
    if tolerance > 0:
        simple = shapely.simplify(arr, tolerance, preserve_topology=True)
        arr = np.where(shapely.is_empty(simple), arr, simple)
    parts, area_of_part = shapely.get_parts(arr, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    parts, area_of_part = parts[polygon], area_of_part[polygon]
    # Exterior, then holes, polygon after polygon: the order of ``_rings``.
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    area_of_ring = area_of_part[part_of_ring]
    coords, ring_of_point = shapely.get_coordinates(rings, return_index=True)
    xy = np.empty_like(coords)
    xy[:, 0] = off_x + (coords[:, 0] - minx) * sx
    xy[:, 1] = off_y + (maxy - coords[:, 1]) * sy
    xy = np.round(xy, 1)
    keep = np.ones(len(xy), dtype=bool)
    same_ring = ring_of_point[1:] == ring_of_point[:-1]
    keep[1:] = ~same_ring | np.any(xy[1:] != xy[:-1], axis=1)
    xy, ring_of_point = xy[keep], ring_of_point[keep]
    counts = np.bincount(ring_of_point, minlength=len(rings))
    ends = np.cumsum(counts)
    tokens = list(map("{:.1f},{:.1f}".format, xy[:, 0].tolist(), xy[:, 1].tolist()))
    out = [[] for _ in range(len(arr))]
    start = 0
    for ring, end in enumerate(ends.tolist()):
        # Closed: at most two distinct points, nothing to fill.
        if end - start >= 4:
            out[area_of_ring[ring]].append("M" + " ".join(tokens[start:end]) + "Z")
        start = end
    return ["".join(parts) for parts in out]


def _name_labels(areas: Sequence[MapArea], project, sx: float, sy: float) -> str:
    """The areas' names where they fit (a national map of thousands has none)."""
    candidates = []
    for area in areas:
        if not area.name or area.geometry.is_empty:
            continue
        point = area.geometry.representative_point()
        x, y = project(point.x, point.y)
        minx, miny, maxx, maxy = area.geometry.bounds
        candidates.append(LabelCandidate(area.name, x, y, (maxx - minx) * sx, (maxy - miny) * sy))
    placed = place_labels(candidates, font_size=LABEL_FONT_SIZE)
    return labels_svg(placed, font_size=LABEL_FONT_SIZE, font_family=LABEL_FONT)


def _merged_paths(
    areas: Sequence[MapArea], ds: Sequence[str], colour: Mapping[str, str], hatch: str
) -> list[str]:
    """A national map: one ``<path>`` per fill instead of one per area.

    Thousands of areas as separate elements (each with a tooltip) make a report that
    WeasyPrint needs a quarter of a minute to parse, style and draw; the same rings
    grouped by fill look the same (every ring is still filled and outlined), at the cost
    of per-area tooltips. Areas with holes keep their own path, so that an area inside
    another's hole is never cancelled by the even-odd rule of a shared path. Rings that
    round to fewer than three distinct points (smaller than a pixel) are left out.
    """
    groups: dict[str, list[str]] = {}
    own: list[str] = []
    outlines: list[str] = []
    for area, d in zip(areas, ds, strict=True):
        if area.suppressed:
            fill = hatch
        else:
            fill = colour.get(area.key, NO_DATA) if area.key is not None else NO_DATA
        if not d:
            continue
        if _has_holes(area.geometry):
            own.append(
                f'<path d="{d}" fill="{fill}" stroke="#444" stroke-width="0.5" '
                f'fill-rule="evenodd" data-code="{escape(area.code)}"/>'
            )
        else:
            groups.setdefault(fill, []).append(d)
        if area.small_area and not area.suppressed:
            outlines.append(d)
    out = [
        f'<path d="{"".join(ds)}" fill="{fill}" stroke="#444" stroke-width="0.5" '
        'fill-rule="evenodd"/>'
        for fill, ds in groups.items()
    ]
    out += own
    if outlines:
        out.append(
            f'<path d="{"".join(outlines)}" fill="none" stroke="#000" stroke-width="1.6" '
            'stroke-dasharray="4 2"/>'
        )
    return out


def _has_holes(geom: BaseGeometry) -> bool:
    return any(
        len(poly.interiors)
        for poly in getattr(geom, "geoms", [geom])
        if poly.geom_type == "Polygon"
    )


def _empty_svg(width: int, height: int, text: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart"><text x="{width / 2}" '
        f'y="{height / 2}" text-anchor="middle" style="{FONT};font-size:14px">'
        f"{escape(text)}</text></svg>"
    )


# --------------------------------------------------------------------------------------
# Trend lines
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line: values per year, with an optional interval band (NaN = gap)."""

    label: str
    years: Sequence[int]
    values: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not np.isfinite(lo) or not np.isfinite(hi) or hi <= lo:
        hi = lo + 1 if np.isfinite(lo) else 1.0
        lo = lo if np.isfinite(lo) else 0.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks


def trend_chart(
    series: Sequence[Series],
    *,
    title: str = "",
    y_label: str = "",
    lang: str = "sv",
    width: int = 640,
    height: int = 300,
    y_min: float | None = None,
    y_max: float | None = None,
    digits: int = 1,
) -> str:
    """Yearly lines with interval bands, as an SVG string."""
    years = sorted({int(y) for s in series for y in s.years})
    if not years:
        return _empty_svg(width, height, _TEXT[lang]["no_data"])
    values = [
        float(v)
        for s in series
        for arr in (s.values, s.low or [], s.high or [])
        for v in arr
        if v is not None and np.isfinite(v)
    ]
    lo = min(values) if values else 0.0
    hi = max(values) if values else 1.0
    lo = y_min if y_min is not None else min(0.0, lo)
    hi = y_max if y_max is not None else hi
    ticks = _nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    left, right, top, bottom = 60, 20 + 150, 34 if title else 14, 40
    pw, ph = width - left - right, height - top - bottom

    def x(year: float) -> float:
        if len(years) == 1:
            return left + pw / 2
        return left + (year - years[0]) / (years[-1] - years[0]) * pw

    def y(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart trend">'
    ]
    if title:
        out.append(
            f'<text x="10" y="20" style="{FONT};font-size:15px;font-weight:bold">'
            f"{escape(title)}</text>"
        )
    for tv in ticks:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(tv):.1f}" y2="{y(tv):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tv) + 4:.1f}" text-anchor="end" '
            f'style="{FONT};font-size:11px">{_fmt(tv, lang, digits)}</text>'
        )
    for yr in years:
        out.append(
            f'<text x="{x(yr):.1f}" y="{top + ph + 18}" text-anchor="middle" '
            f'style="{FONT};font-size:11px">{yr}</text>'
        )
    if y_label:
        out.append(
            f'<text x="14" y="{top + ph / 2:.1f}" transform="rotate(-90 14 {top + ph / 2:.1f})" '
            f'text-anchor="middle" style="{FONT};font-size:11px">{escape(y_label)}</text>'
        )
    for k, s in enumerate(series):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        pts = [
            (int(yr), float(v))
            for yr, v in zip(s.years, s.values, strict=True)
            if v is not None and np.isfinite(v)
        ]
        if s.low is not None and s.high is not None:
            band = [
                (int(yr), float(a), float(b))
                for yr, a, b in zip(s.years, s.low, s.high, strict=True)
                if a is not None and b is not None and np.isfinite(a) and np.isfinite(b)
            ]
            if len(band) >= 2:
                upper = " ".join(f"{x(yr):.1f},{y(b):.1f}" for yr, _, b in band)
                lower = " ".join(f"{x(yr):.1f},{y(a):.1f}" for yr, a, _ in reversed(band))
                out.append(
                    f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.18" '
                    'stroke="none"/>'
                )
            for yr, a, b in band:
                out.append(
                    f'<line x1="{x(yr):.1f}" x2="{x(yr):.1f}" y1="{y(a):.1f}" y2="{y(b):.1f}" '
                    f'stroke="{colour}" stroke-opacity="0.5"/>'
                )
        if len(pts) >= 2:
            line = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pts)
            out.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.2"/>'
            )
        for yr, v in pts:
            out.append(f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3.2" fill="{colour}"/>')
        ly = top + 6 + k * 20
        out.append(
            f'<rect x="{width - right + 14}" y="{ly}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{width - right + 34}" y="{ly + 6}" style="{FONT};font-size:11px">'
            f"{escape(s.label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------------------
# Ranks
# --------------------------------------------------------------------------------------


def rank_chart(
    rows: Sequence[Mapping],
    *,
    title: str = "",
    lang: str = "sv",
    width: int = 640,
    row_height: int = 18,
    n_total: int | None = None,
) -> str:
    """Rank (dot) and rank interval (bar) per area; ``rows`` have ``name, rank,
    rank_low, rank_high`` and are drawn in the given order (usually by rank)."""
    rows = [r for r in rows if r.get("rank") is not None]
    if not rows:
        return _empty_svg(width, 80, _TEXT[lang]["no_data"])
    top = 34 if title else 10
    label_w = 200
    pw = width - label_w - 30
    height = top + len(rows) * row_height + 40
    worst = n_total or max(int(r["rank_high"] or r["rank"]) for r in rows)
    worst = max(worst, 2)

    def x(rank: float) -> float:
        return label_w + (rank - 1) / (worst - 1) * pw

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart ranks">'
    ]
    if title:
        out.append(
            f'<text x="10" y="20" style="{FONT};font-size:15px;font-weight:bold">'
            f"{escape(title)}</text>"
        )
    ticks = sorted({1, *(int(t) for t in _nice_ticks(1, worst, 6) if 1 <= t <= worst), worst})
    for tv in ticks:
        out.append(
            f'<line x1="{x(tv):.1f}" x2="{x(tv):.1f}" y1="{top}" '
            f'y2="{top + len(rows) * row_height}" stroke="#e5e5e5"/>'
            f'<text x="{x(tv):.1f}" y="{top + len(rows) * row_height + 14}" '
            f'text-anchor="middle" style="{FONT};font-size:10px">{tv}</text>'
        )
    out.append(
        f'<text x="{label_w + pw / 2}" y="{top + len(rows) * row_height + 32}" '
        f'text-anchor="middle" style="{FONT};font-size:11px">{_TEXT[lang]["rank"]}</text>'
    )
    for k, r in enumerate(rows):
        cy = top + k * row_height + row_height / 2
        low = r.get("rank_low") or r["rank"]
        high = r.get("rank_high") or r["rank"]
        name = f"{r['rank']}. {r.get('name') or r.get('area_code')}"
        out.append(
            f'<text x="{label_w - 8}" y="{cy + 4:.1f}" text-anchor="end" '
            f'style="{FONT};font-size:11px">{escape(name)}</text>'
            f'<rect x="{x(low) - 3:.1f}" y="{cy - 4:.1f}" width="{x(high) - x(low) + 6:.1f}" '
            'height="8" rx="4" fill="#9ecae1"/>'
            f'<circle cx="{x(r["rank"]):.1f}" cy="{cy:.1f}" r="4" fill="#08519c"/>'
        )
    out.append("</svg>")
    return "".join(out)
