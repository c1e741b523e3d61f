"""The report's section on emerging hot spots (:mod:`trygg.analysis.hotspots.emerging`):
a map and a table of each area's category, the grid's cells with a pattern, and a plain
explanation of every category present. The category names, colours and explanations are
here too, so that the dashboard and the area page word them the same way."""

from __future__ import annotations

from html import escape
from typing import Any

import polars as pl
import shapely

from . import charts
from .texts import _int, _num

__all__ = ["EMERGING_CLASSES", "EMERGING_TEXTS", "emerging_section", "explain"]

# Reds for hot, blues for cold; the strongest shades for what needs attention now (new,
# consecutive, intensifying). Colour is never the only carrier: legends and tables name
# every category.
_COLOURS = {
    "new_hot": "#67000d",
    "consecutive_hot": "#cb181d",
    "intensifying_hot": "#ef3b2c",
    "persistent_hot": "#fb6a4a",
    "diminishing_hot": "#fc9272",
    "sporadic_hot": "#e7298a",
    "oscillating_hot": "#c994c7",
    "historical_hot": "#fdd0a2",
    "new_cold": "#08306b",
    "consecutive_cold": "#08519c",
    "intensifying_cold": "#2171b5",
    "persistent_cold": "#4292c6",
    "diminishing_cold": "#9ecae1",
    "sporadic_cold": "#1c9099",
    "oscillating_cold": "#a6bddb",
    "historical_cold": "#deebf7",
    "no_pattern": "#f7f7f7",
    "not_enough_steps": charts.NO_DATA,
}

EMERGING_TEXTS: dict[str, dict[str, Any]] = {
    "sv": {
        "head": "Framväxande heta punkter {first}–{last}",
        "head_plain": "Framväxande heta punkter",
        "intro": "Hur har brottskoncentrationen förändrats över åren? För varje år beräknas "
        "samma test för heta och kalla punkter som på kartan ovan (Getis-Ord Gi*). Varje "
        "område får sedan en kategori efter hur ofta det varit hett eller kallt och om "
        "styrkan ökar eller minskar (Mann–Kendalls trendtest), enligt samma regler som "
        'ArcGIS Pros analys av framväxande heta punkter. "Nästan alla år" betyder minst 90 '
        "% av åren.",
        "too_few": "Framväxande heta punkter kräver brott från minst {n} år; underlaget "
        "räcker inte.",
        "map": "Framväxande heta punkter per område {first}–{last}",
        "map_caption": "Varje områdes kategori (tabellen nedan har samma uppgifter).",
        "grid_map": "Framväxande heta punkter i sexkanter (H3, upplösning {resolution})",
        "grid_caption": "{marked} av sexkanterna har ett mönster. Bara de visas; övriga har "
        "inget mönster.",
        "table_caption": "Kategori, antal heta och kalla år, trend och Gi*-värdet (z) per år.",
        "area": "Område",
        "category": "Kategori",
        "hot_years": "Heta år",
        "cold_years": "Kalla år",
        "trend": "Trend",
        "up": "ökande",
        "down": "minskande",
        "flat": "ingen tydlig",
        "grid_table": "Sexkanter per kategori",
        "cells": "Sexkanter",
        "explained": "Vad kategorierna betyder",
        "labels": {
            "new_hot": "Ny het punkt",
            "consecutive_hot": "Sammanhängande het punkt",
            "intensifying_hot": "Tilltagande het punkt",
            "persistent_hot": "Ihållande het punkt",
            "diminishing_hot": "Avtagande het punkt",
            "sporadic_hot": "Sporadisk het punkt",
            "oscillating_hot": "Växlande het punkt",
            "historical_hot": "Tidigare het punkt",
            "new_cold": "Ny kall punkt",
            "consecutive_cold": "Sammanhängande kall punkt",
            "intensifying_cold": "Tilltagande kall punkt",
            "persistent_cold": "Ihållande kall punkt",
            "diminishing_cold": "Avtagande kall punkt",
            "sporadic_cold": "Sporadisk kall punkt",
            "oscillating_cold": "Växlande kall punkt",
            "historical_cold": "Tidigare kall punkt",
            "no_pattern": "Inget mönster",
            "not_enough_steps": "För få år",
        },
        "explanations": {
            "new_hot": "Het punkt det senaste året och aldrig tidigare.",
            "consecutive_hot": "Het punkt de senaste åren i en obruten följd (minst två år), "
            "men inte före det.",
            "intensifying_hot": "Het punkt nästan alla år, även det senaste, och "
            "koncentrationen ökar år för år.",
            "persistent_hot": "Het punkt nästan alla år, utan tydlig ökning eller minskning.",
            "diminishing_hot": "Het punkt nästan alla år, även det senaste, men "
            "koncentrationen minskar.",
            "sporadic_hot": "Het punkt det senaste året och några tidigare år med uppehåll "
            "emellan; aldrig kall punkt.",
            "oscillating_hot": "Het punkt det senaste året men kall punkt något tidigare år.",
            "historical_hot": "Het punkt nästan alla år, men inte det senaste.",
            "new_cold": "Kall punkt (lägre brottslighet än omgivningen) det senaste året och "
            "aldrig tidigare.",
            "consecutive_cold": "Kall punkt de senaste åren i en obruten följd (minst två "
            "år), men inte före det.",
            "intensifying_cold": "Kall punkt nästan alla år, även det senaste, och allt tydligare.",
            "persistent_cold": "Kall punkt nästan alla år, utan tydlig förändring.",
            "diminishing_cold": "Kall punkt nästan alla år, även det senaste, men allt mindre "
            "tydligt.",
            "sporadic_cold": "Kall punkt det senaste året och några tidigare år med uppehåll "
            "emellan; aldrig het punkt.",
            "oscillating_cold": "Kall punkt det senaste året men het punkt något tidigare år.",
            "historical_cold": "Kall punkt nästan alla år, men inte det senaste.",
            "no_pattern": "Inget av mönstren ovan.",
            "not_enough_steps": "För få år med brott för att bedöma ett mönster.",
        },
    },
    "en": {
        "head": "Emerging hot spots {first}–{last}",
        "head_plain": "Emerging hot spots",
        "intro": "How has the concentration of crime changed over the years? Each year gets "
        "the same hot and cold spot test as the map above (Getis-Ord Gi*). Each area then "
        "gets a category from how often it was hot or cold and whether the strength rises "
        "or falls (the Mann–Kendall trend test), by the rules of ArcGIS Pro's Emerging Hot "
        'Spot Analysis. "Almost every year" means at least 90 % of the years.',
        "too_few": "Emerging hot spots need crimes from at least {n} years; the data do not "
        "reach that far.",
        "map": "Emerging hot spots per area {first}–{last}",
        "map_caption": "Each area's category (the table below holds the same).",
        "grid_map": "Emerging hot spots in hexagons (H3, resolution {resolution})",
        "grid_caption": "{marked} of the hexagons have a pattern. Only they are drawn; the "
        "others have none.",
        "table_caption": "Category, hot and cold years, trend and the Gi* value (z) per year.",
        "area": "Area",
        "category": "Category",
        "hot_years": "Hot years",
        "cold_years": "Cold years",
        "trend": "Trend",
        "up": "rising",
        "down": "falling",
        "flat": "none clear",
        "grid_table": "Hexagons per category",
        "cells": "Hexagons",
        "explained": "What the categories mean",
        "labels": {
            "new_hot": "New hot spot",
            "consecutive_hot": "Consecutive hot spot",
            "intensifying_hot": "Intensifying hot spot",
            "persistent_hot": "Persistent hot spot",
            "diminishing_hot": "Diminishing hot spot",
            "sporadic_hot": "Sporadic hot spot",
            "oscillating_hot": "Oscillating hot spot",
            "historical_hot": "Historical hot spot",
            "new_cold": "New cold spot",
            "consecutive_cold": "Consecutive cold spot",
            "intensifying_cold": "Intensifying cold spot",
            "persistent_cold": "Persistent cold spot",
            "diminishing_cold": "Diminishing cold spot",
            "sporadic_cold": "Sporadic cold spot",
            "oscillating_cold": "Oscillating cold spot",
            "historical_cold": "Historical cold spot",
            "no_pattern": "No pattern",
            "not_enough_steps": "Too few years",
        },
        "explanations": {
            "new_hot": "A hot spot in the latest year and never before.",
            "consecutive_hot": "A hot spot in an unbroken run of the latest years (at least "
            "two), and not before.",
            "intensifying_hot": "A hot spot in almost every year, the latest included, and "
            "growing stronger.",
            "persistent_hot": "A hot spot in almost every year, with no clear rise or fall.",
            "diminishing_hot": "A hot spot in almost every year, the latest included, but "
            "weakening.",
            "sporadic_hot": "A hot spot in the latest year and on and off before; never a "
            "cold spot.",
            "oscillating_hot": "A hot spot in the latest year, a cold spot in an earlier one.",
            "historical_hot": "A hot spot in almost every year, but not the latest.",
            "new_cold": "A cold spot (less crime than around it) in the latest year and never "
            "before.",
            "consecutive_cold": "A cold spot in an unbroken run of the latest years (at least "
            "two), and not before.",
            "intensifying_cold": "A cold spot in almost every year, the latest included, and "
            "ever clearer.",
            "persistent_cold": "A cold spot in almost every year, with no clear change.",
            "diminishing_cold": "A cold spot in almost every year, the latest included, but "
            "ever less clear.",
            "sporadic_cold": "A cold spot in the latest year and on and off before; never a "
            "hot spot.",
            "oscillating_cold": "A cold spot in the latest year, a hot spot in an earlier one.",
            "historical_cold": "A cold spot in almost every year, but not the latest.",
            "no_pattern": "None of the patterns above.",
            "not_enough_steps": "Too few years with crimes to judge a pattern.",
        },
    },
}

EMERGING_CLASSES: dict[str, tuple[charts.ColourClass, ...]] = {
    lang: tuple(
        charts.ColourClass(key, colour, EMERGING_TEXTS[lang]["labels"][key])
        for key, colour in _COLOURS.items()
    )
    for lang in EMERGING_TEXTS
}


def explain(category: str | None, lang: str = "sv") -> tuple[str, str]:
    """A category's name and its plain explanation (``("–", "")`` for none)."""
    texts = EMERGING_TEXTS["en" if lang == "en" else "sv"]
    if not category or category not in texts["labels"]:
        return "–", ""
    return texts["labels"][category], texts["explanations"][category]


def _trend_word(row: dict, lang: str, alpha: float) -> str:
    t = EMERGING_TEXTS[lang]
    p, z = row.get("trend_p"), row.get("trend_z")
    if p is None or z is None or p > alpha:
        return t["flat"]
    return t["up"] if z > 0 else t["down"]


def emerging_section(r: Any, lang: str) -> str:
    """The report's chapter on emerging hot spots (``r``: AnalysisResults)."""
    from .sections import _cell_polygon, _figure, _window_around

    t = EMERGING_TEXTS[lang]
    span = list(getattr(r, "emerging_span", []) or [])
    summary = getattr(r, "emerging", None)
    out = ['<section class="chapter" id="emerging">']
    if not span or summary is None or summary.is_empty():
        out.append(f"<h2>{escape(t['head_plain'])}</h2>")
        out.append(f"<p>{escape(t['too_few'].format(n=r.params.emerging_min_years))}</p>")
        out.append("</section>")
        return "".join(out)
    first, last = span[0], span[-1]
    out.append(f"<h2>{escape(t['head'].format(first=first, last=last))}</h2>")
    out.append(f"<p>{escape(t['intro'])}</p>")
    areas = summary.filter(pl.col("level") == "area")
    category = dict(zip(areas["unit"].to_list(), areas["category"].to_list(), strict=True))
    shapes = [
        charts.MapArea(
            c, r.geometries[c], category.get(c),
            title=f"{r.names.get(c, c)}: {explain(category.get(c), lang)[0]}",
        )
        for c in r.area_codes
    ]  # fmt: skip
    present = [k for k in _COLOURS if k in set(summary["category"].to_list())]
    classes = [c for c in EMERGING_CLASSES[lang] if c.key in present]
    out.append(
        _figure(
            charts.choropleth(
                shapes, classes, title=t["map"].format(first=first, last=last), lang=lang,
                pattern_id="hatch-emerging", legend_width=230,
            ),
            t["map_caption"],
        )
    )  # fmt: skip
    out.append(_area_table(r, areas, span, lang))
    grid_level = f"h3_{r.params.h3_resolution}" if r.params.h3_resolution is not None else None
    cells = summary.filter(pl.col("level") == grid_level) if grid_level else summary.clear()
    if grid_level and cells.height:
        hexagons = [
            charts.MapArea(u, _cell_polygon(u), k, title=f"{u}: {explain(k, lang)[0]}")
            for u, k in zip(cells["unit"].to_list(), cells["category"].to_list(), strict=True)
        ]
        window = _window_around([h.geometry for h in hexagons])
        base = []
        for c in r.area_codes:
            geometry = shapely.clip_by_rect(r.geometries[c], *window) if window else None
            if geometry is None or geometry.is_empty:
                continue
            base.append(charts.MapArea(c, geometry, "no_pattern", title=r.names.get(c, c)))
        cell_classes = [c for c in EMERGING_CLASSES[lang] if c.key in set(cells["category"])]
        out.append(
            _figure(
                charts.choropleth(
                    base + hexagons, cell_classes, lang=lang, legend_width=230,
                    title=t["grid_map"].format(resolution=r.params.h3_resolution),
                    pattern_id="hatch-emerging-h3",
                ),
                t["grid_caption"].format(marked=_int(cells.height, lang)),
            )
        )  # fmt: skip
        counts = cells.group_by("category").len()
        count = dict(zip(counts["category"].to_list(), counts["len"].to_list(), strict=True))
        rows = "".join(
            f'<tr><th scope="row">{escape(explain(k, lang)[0])}</th>'
            f'<td class="num">{_int(count[k], lang)}</td></tr>'
            for k in _COLOURS
            if k in count
        )
        out.append(
            f"<table><caption>{escape(t['grid_table'])}</caption><thead><tr>"
            f'<th scope="col">{escape(t["category"])}</th>'
            f'<th scope="col" class="num">{escape(t["cells"])}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    out.append(f'<h3>{escape(t["explained"])}</h3><dl class="emerging-explained">')
    for key in present:
        name, text = explain(key, lang)
        out.append(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>")
    out.append("</dl></section>")
    return "".join(out)


def _area_table(r: Any, areas: pl.DataFrame, span: list[int], lang: str) -> str:
    """Areas with a pattern first (by category order), then the rest, with their z per
    year; at most the report's table limit of rows (all are in the CSV file)."""
    from .sections import TABLE_LIMIT

    t = EMERGING_TEXTS[lang]
    years = getattr(r, "emerging_years", None)
    z: dict[tuple[str, int], float | None] = {}
    if years is not None and years.height:
        sub = years.filter(pl.col("level") == "area")
        for unit, year, value in sub.select("unit", "year", "gi_z").iter_rows():
            z[(str(unit), int(year))] = value
    order = {k: i for i, k in enumerate(_COLOURS)}
    rows = sorted(
        areas.iter_rows(named=True),
        key=lambda row: (order.get(row["category"], 99), r.names.get(row["unit"], row["unit"])),
    )
    head = "".join(f'<th scope="col" class="num">{y}</th>' for y in span)
    body = []
    for row in rows[:TABLE_LIMIT]:
        cells = "".join(
            f'<td class="num">{_num(z.get((row["unit"], y)), lang, 1)}</td>' for y in span
        )
        body.append(
            f'<tr><th scope="row">{escape(r.names.get(row["unit"], row["unit"]))}</th>'
            f"<td>{escape(explain(row['category'], lang)[0])}</td>"
            f'<td class="num">{row["hot_steps"]}</td><td class="num">{row["cold_steps"]}</td>'
            f"<td>{escape(_trend_word(row, lang, r.params.alpha))}</td>{cells}</tr>"
        )
    return (
        f'<div class="table-wrap"><table class="emerging"><caption>{escape(t["table_caption"])}'
        f'</caption><thead><tr><th scope="col">{escape(t["area"])}</th>'
        f'<th scope="col">{escape(t["category"])}</th>'
        f'<th scope="col" class="num">{escape(t["hot_years"])}</th>'
        f'<th scope="col" class="num">{escape(t["cold_years"])}</th>'
        f'<th scope="col">{escape(t["trend"])}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
