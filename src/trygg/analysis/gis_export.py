"""The analysis tables for analysts' own tools: GeoPackage (with the areas' boundaries),
Parquet, and QGIS (QML) and OGC (SLD 1.0) styles for the choropleths.

The GeoPackage is in SWEREF 99 TM (EPSG:3006), the coordinate system of Swedish
municipalities' own maps; every row of a table is a feature, with the boundary of its
area (``area_code``) or H3 cell (``unit`` of the hot spots), or no geometry when the row
is for the whole municipality. docs/qgis.md says how to open them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

#: The GeoPackage's coordinate system: SWEREF 99 TM.
GPKG_CRS = "EPSG:3006"
OUTLINE = "#555555"
SLD_NS = "http://www.opengis.net/sld"
OGC_NS = "http://www.opengis.net/ogc"
_H3_RE = re.compile(r"^[0-9a-f]{15}$")


# ----------------------------------------------------------------------------- tables


def _geometry_of(key: str | None, areas: Mapping[str, dict]):
    import h3
    from shapely.geometry import Polygon, shape

    if key is None:
        return None
    if key in areas:
        return shape(areas[key])
    if _H3_RE.match(key) and h3.is_valid_cell(key):
        return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(key)])
    return None


def write_geopackage(
    tables: Mapping[str, pl.DataFrame], *, areas: Mapping[str, dict], path: str | Path
) -> Path:
    """One layer per table (named as the table) in EPSG:3006; ``areas`` maps area codes to
    their GeoJSON geometries in WGS84 (as Trygg stores them)."""
    import geopandas as gpd
    import pyogrio
    import shapely
    from pyproj import Transformer

    path = Path(path)
    path.unlink(missing_ok=True)
    to_sweref = Transformer.from_crs("EPSG:4326", GPKG_CRS, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_sweref.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    for layer, table in tables.items():
        key = "area_code" if "area_code" in table.columns else "unit"
        keys = table[key].cast(pl.String).to_list() if key in table.columns else []
        geoms = [_geometry_of(k, areas) for k in keys] or [None] * table.height
        projected = shapely.transform(np.asarray(geoms, dtype=object), project)
        frame = gpd.GeoDataFrame(table.to_pandas(), geometry=gpd.GeoSeries(projected), crs=GPKG_CRS)
        pyogrio.write_dataframe(
            frame, path, layer=layer, driver="GPKG", promote_to_multi=True, append=path.exists()
        )
    return path


def write_parquet(table: pl.DataFrame, path: str | Path) -> Path:
    table.write_parquet(Path(path))
    return Path(path)


# ----------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class StyleRule:
    """One class of a choropleth: features with ``field`` in ``[low, high)`` (open where
    None) and every ``equals`` field equal to its value are filled with ``colour``."""

    label: str
    colour: str
    field: str
    low: float | None
    high: float | None
    equals: tuple[tuple[str, str], ...] = ()


def index_rules(
    colours: Sequence, *, index: str = "problem_index", year: int | None = None, lang: str = "sv"
) -> list[StyleRule]:
    """The survey index's classes from the questionnaire's colour thresholds
    (:class:`trygg.analysis.questionnaire.ColourClass`), for the ``survey_indices`` layer
    (of ``year`` when given: the layer holds every year)."""
    equals = (("index", index),) + ((("year", str(year)),) if year is not None else ())
    rules, low = [], None
    for c in colours:
        if low is None:
            bound = f"< {c.below:g}" if c.below is not None else ""
        else:
            bound = f"{low:g}–{c.below:g}" if c.below is not None else f"≥ {low:g}"
        label = f"{c.label.get(lang)} ({bound})" if bound else c.label.get(lang)
        rules.append(StyleRule(label, c.colour, "estimate", low, c.below, equals))
        low = c.below
    return rules


def rate_rules(
    rates: pl.DataFrame, *, k: int = 5, palette: Sequence[str] | None = None
) -> list[StyleRule]:
    """Quantile classes of ``rate_per_1000`` per crime category, in the latest year of the
    ``crime_rates`` table (as the report's maps class rates)."""
    from .report.charts import SEQUENTIAL

    palette = palette or SEQUENTIAL
    if rates.is_empty() or "rate_per_1000" not in rates.columns:
        return []
    year = rates["year"].max()
    latest = rates.filter(pl.col("year") == year)
    rules = []
    for category in sorted(latest["category"].unique().to_list()):
        values = latest.filter(pl.col("category") == category)["rate_per_1000"].to_numpy()
        values = values[np.isfinite(values.astype(float))].astype(float)
        if values.size == 0:
            continue
        breaks = np.unique(np.quantile(values, np.linspace(0, 1, k + 1)))
        if breaks.size < 2:
            breaks = np.array([values.min(), values.min() + 1])
        n = breaks.size - 1
        for i in range(n):
            colour = palette[round(i * (len(palette) - 1) / max(n - 1, 1))]
            rules.append(
                StyleRule(
                    f"{category}: {breaks[i]:.1f}–{breaks[i + 1]:.1f}",
                    colour,
                    "rate_per_1000",
                    None if i == 0 else float(breaks[i]),
                    None if i == n - 1 else float(breaks[i + 1]),
                    (("category", str(category)), ("year", str(year))),
                )
            )
    return rules


def _rgba(colour: str) -> str:
    c = colour.lstrip("#")
    return ",".join(str(int(c[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _expression(rule: StyleRule) -> str:
    parts = [
        f'"{f}" = {v}' if v.lstrip("-").isdigit() else f"\"{f}\" = '{v}'" for f, v in rule.equals
    ]
    if rule.low is not None:
        parts.append(f'"{rule.field}" >= {rule.low:g}')
    if rule.high is not None:
        parts.append(f'"{rule.field}" < {rule.high:g}')
    if not parts:
        return "ELSE"
    return " AND ".join(parts)


def qml(rules: Sequence[StyleRule]) -> str:
    """A QGIS layer style (rule-based renderer) for a polygon layer."""
    root = ET.Element("qgis", version="3.34.0", styleCategories="Symbology")
    renderer = ET.SubElement(
        root, "renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0"
    )
    tree = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    for n, rule in enumerate(rules):
        ET.SubElement(
            tree, "rule", key=f"r{n}", label=rule.label, symbol=str(n), filter=_expression(rule)
        )
        symbol = ET.SubElement(
            symbols, "symbol", type="fill", name=str(n), alpha="1", clip_to_extent="1"
        )
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1"})
        options = ET.SubElement(layer, "Option", type="Map")
        for name, value in (
            ("color", _rgba(rule.colour)),
            ("outline_color", _rgba(OUTLINE)),
            ("outline_width", "0.26"),
            ("outline_width_unit", "MM"),
            ("style", "solid"),
        ):
            ET.SubElement(options, "Option", type="QString", name=name, value=value)
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def sld(rules: Sequence[StyleRule], *, layer: str, title: str) -> str:
    """An OGC Styled Layer Descriptor 1.0 (QGIS, GeoServer) for a polygon layer."""
    ET.register_namespace("", SLD_NS)
    ET.register_namespace("ogc", OGC_NS)
    s, o = f"{{{SLD_NS}}}", f"{{{OGC_NS}}}"
    root = ET.Element(f"{s}StyledLayerDescriptor", version="1.0.0")
    named = ET.SubElement(root, f"{s}NamedLayer")
    ET.SubElement(named, f"{s}Name").text = layer
    style = ET.SubElement(named, f"{s}UserStyle")
    ET.SubElement(style, f"{s}Title").text = title
    fts = ET.SubElement(style, f"{s}FeatureTypeStyle")
    for n, rule in enumerate(rules):
        r = ET.SubElement(fts, f"{s}Rule")
        ET.SubElement(r, f"{s}Name").text = f"r{n}"
        ET.SubElement(r, f"{s}Title").text = rule.label
        conditions = []
        for field, value in rule.equals:
            c = ET.Element(f"{o}PropertyIsEqualTo")
            ET.SubElement(c, f"{o}PropertyName").text = field
            ET.SubElement(c, f"{o}Literal").text = value
            conditions.append(c)
        for op, bound in (
            ("PropertyIsGreaterThanOrEqualTo", rule.low),
            ("PropertyIsLessThan", rule.high),
        ):
            if bound is not None:
                c = ET.Element(f"{o}{op}")
                ET.SubElement(c, f"{o}PropertyName").text = rule.field
                ET.SubElement(c, f"{o}Literal").text = f"{bound:g}"
                conditions.append(c)
        if conditions:
            filt = ET.SubElement(r, f"{o}Filter")
            if len(conditions) == 1:
                filt.append(conditions[0])
            else:
                ET.SubElement(filt, f"{o}And").extend(conditions)
        fill_sym = ET.SubElement(r, f"{s}PolygonSymbolizer")
        fill = ET.SubElement(fill_sym, f"{s}Fill")
        ET.SubElement(fill, f"{s}CssParameter", name="fill").text = rule.colour
        stroke = ET.SubElement(fill_sym, f"{s}Stroke")
        ET.SubElement(stroke, f"{s}CssParameter", name="stroke").text = OUTLINE
        ET.SubElement(stroke, f"{s}CssParameter", name="stroke-width").text = "0.5"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def standard_styles() -> dict[str, str]:
    """The problem index's styles for the standard questionnaire, as shipped in docs/qgis/
    (written by scripts/qgis_styles.py)."""
    from .questionnaire import standard_questionnaire

    rules = index_rules(standard_questionnaire().colours)
    return {
        "problem_index.qml": qml(rules) + "\n",
        "problem_index.sld": sld(rules, layer="survey_indices", title="problem index") + "\n",
    }
