"""Emerging hot spots and the H3 hot-spot grid of a run, for the dashboard map and the area
page. Names, colours and explanations come from the report
(:mod:`trygg.analysis.report.emerging`), so every place words a category the same way."""

from __future__ import annotations

import h3
import numpy as np
import polars as pl
import shapely
from shapely.geometry import shape

from trygg.analysis.report import charts
from trygg.analysis.report.emerging import EMERGING_CLASSES, explain
from trygg.areas.models import Area

from .results import _finite, _lang, hotspot_label, run_table

__all__ = [
    "EMERGING_TABLES",
    "area_emerging",
    "dashboard_cells",
    "emerging_by_area",
    "emerging_label",
]

EMERGING_TABLES = ("emerging_hotspots", "emerging_hotspot_years")
#: Grid cells the dashboard draws at most (only hot, cold and patterned cells are drawn;
#: a municipality has a few hundred of them).
CELL_LIMIT = 5000


def emerging_label(category: str | None) -> str:
    return explain(category, _lang())[0]


def emerging_by_area(run) -> dict[str, str]:
    """Each area's emerging category in the run (empty without the table)."""
    table = run_table(run, "emerging_hotspots")
    if table.is_empty():
        return {}
    areas = table.filter(pl.col("level") == "area")
    return dict(zip(areas["unit"].to_list(), areas["category"].to_list(), strict=True))


def area_emerging(run, *, area: Area) -> dict | None:
    """The area's emerging category, its explanation and its Gi* z-value per year (only
    for an area of the analysis, not a district: a district has no one category)."""
    table = run_table(run, "emerging_hotspots")
    if table.is_empty() or area.level == "district":
        return None
    rows = table.filter((pl.col("level") == "area") & (pl.col("unit") == area.code))
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    label, explanation = explain(row["category"], _lang())
    years = run_table(run, "emerging_hotspot_years")
    series = []
    if not years.is_empty():
        mine = years.filter((pl.col("level") == "area") & (pl.col("unit") == area.code))
        for r in mine.sort("year").iter_rows(named=True):
            series.append(
                {
                    "year": int(r["year"]),
                    "z": _finite(r["gi_z"]),
                    "class": r["class"],
                    "label": hotspot_label(r["class"]),
                }
            )
    from .results import sparkline

    trend_p, trend_z = _finite(row.get("trend_p")), _finite(row.get("trend_z"))
    return {
        "category": row["category"],
        "label": label,
        "explanation": explanation,
        "hot_steps": row.get("hot_steps"),
        "cold_steps": row.get("cold_steps"),
        "trend_z": trend_z,
        "trend_p": trend_p,
        "series": series,
        "chart": sparkline([(s["year"], s["z"], None, None) for s in series]),
    }


def _cell_polygon(cell: str) -> list[list[float]]:
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def dashboard_cells(run, *, rows: list[dict]) -> tuple[dict, dict, list[dict]]:
    """The run's grid cells for the dashboard map's H3 layers: GeoJSON with a fill per
    layer (``fill_h3_hotspots``, ``fill_h3_emerging``), their legends, and the rows of the
    table view. Only cells that are hot, cold or have an emerging pattern, and only those
    whose centre is in one of ``rows``' areas (what the user may see)."""
    empty = {"type": "FeatureCollection", "features": []}
    level = _grid_level(run)
    if level is None or not rows:
        return empty, {}, []
    hot = run_table(run, "hotspots")
    classes: dict[str, str] = {}
    if not hot.is_empty() and "level" in hot.columns:
        marked = hot.filter((pl.col("level") == level) & (pl.col("class") != "none"))
        classes = dict(zip(marked["unit"].to_list(), marked["class"].to_list(), strict=True))
    emerging = run_table(run, "emerging_hotspots")
    categories: dict[str, str] = {}
    if not emerging.is_empty():
        cells = emerging.filter(pl.col("level") == level)
        categories = dict(zip(cells["unit"].to_list(), cells["category"].to_list(), strict=True))
    units = sorted(set(classes) | set(categories))[:CELL_LIMIT]
    if not units:
        return empty, {}, []
    # Which visible area each cell's centre lies in (cells elsewhere are left out).
    centres = np.array([h3.cell_to_latlng(u) for u in units])
    area_of: dict[str, dict] = {}
    for row in rows:
        geometry = row["area"].map_geometry
        if not geometry:
            continue
        inside = shapely.contains_xy(shape(geometry), centres[:, 1], centres[:, 0])
        for i in np.flatnonzero(inside):
            area_of.setdefault(units[i], row)
    lang = _lang()
    hot_colour = {c.key: c.colour for c in charts.HOTSPOT_CLASSES[lang]}
    emerging_colour = {c.key: c.colour for c in EMERGING_CLASSES[lang]}
    features, table = [], []
    for unit in units:
        row = area_of.get(unit)
        if row is None:
            continue
        klass, category = classes.get(unit, "none"), categories.get(unit)
        hot_label, emerging_text = hotspot_label(klass), emerging_label(category)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [_cell_polygon(unit)]},
                "properties": {
                    "cell": unit,
                    "area": row["name"],
                    "fill_h3_hotspots": hot_colour.get(klass) if klass != "none" else None,
                    "fill_h3_emerging": emerging_colour.get(category) if category else None,
                    "label_h3_hotspots": f"{row['name']}: {hot_label}",
                    "label_h3_emerging": f"{row['name']}: {emerging_text}",
                },
            }
        )
        table.append(
            {"cell": unit, "area": row["name"], "hotspot": hot_label, "emerging": emerging_text}
        )
    present_hot = {classes.get(t["cell"], "none") for t in table}
    present_emerging = {categories.get(t["cell"]) for t in table}
    legends = {
        "h3_hotspots": [
            {"colour": c.colour, "label": c.label}
            for c in charts.HOTSPOT_CLASSES[lang]
            if c.key in present_hot and c.key != "none"
        ],
        "h3_emerging": [
            {"colour": c.colour, "label": c.label}
            for c in EMERGING_CLASSES[lang]
            if c.key in present_emerging
        ],
    }
    for legend in legends.values():
        for entry in legend:
            entry["swatch"] = (
                '<svg width="16" height="16" aria-hidden="true" focusable="false">'
                f'<rect width="16" height="16" fill="{entry["colour"]}" stroke="#4a5560"/></svg>'
            )
    legends = {k: v for k, v in legends.items() if v}
    table.sort(key=lambda t: (t["area"], t["cell"]))
    return {"type": "FeatureCollection", "features": features}, legends, table


def _grid_level(run) -> str | None:
    resolution = (run.run_record or {}).get("parameters", {}).get("h3_resolution")
    if resolution is None:
        resolution = (run.parameters or {}).get("h3_resolution")
    return None if resolution is None else f"h3_{int(resolution)}"
