"""The sections of the annual report, each an HTML string: title page, summary, maps,
trends, ranked table, survey table, method and what the ranking is built from."""

from __future__ import annotations

import math
from html import escape
from typing import Any

import h3
import numpy as np
import polars as pl
import shapely
from scipy import special
from shapely.geometry import Polygon

from ..priority import COMPONENTS
from . import charts
from .texts import METHOD, _int, _num, _t

__all__ = ["coverage_lines"]

TOP_N = 5
#: Rows of the ranked and survey tables in the report (all rows are in the CSV files);
#: a national run has 6,000 areas, which no reader pages through and WeasyPrint lays out
#: slowly.
TABLE_LIMIT = 60


def _title_page(r: Any, lang: str, today: str) -> str:
    responses = 0
    if r.survey_year is not None and r.raking is not None:
        responses = int(r.raking.filter(pl.col("year") == r.survey_year)["n"].sum())
    return (
        '<section class="title-page">'
        f"<h1>{escape(_t(lang, 'title', year=r.year))}</h1>"
        f'<p class="subtitle">{escape(_t(lang, "subtitle", municipality=r.municipality))}</p>'
        f'<div class="meta"><p>{escape(_t(lang, "made", date=today))}</p>'
        f"<p>{escape(_t(lang, 'data', areas=_int(r.counts['areas'], lang), responses=_int(responses, lang), survey_year=r.survey_year or '–', crimes=_int(r.counts['crimes'], lang)))}</p>"
        "</div></section>"
    )


def _weights_line(r: Any, lang: str) -> str:
    parts = [
        f"{escape(COMPONENTS[c][0].get(lang))} {_num(w * 100, lang, 0)}&nbsp;%"
        for c, w in r.priorities.weights.items()
    ]
    return (
        f'<p class="weights"><strong>{escape(_t(lang, "weights"))}:</strong> '
        + ", ".join(parts)
        + "</p>"
    )


def _summary(r: Any, lang: str) -> str:
    table = r.priorities.table
    top = table.filter(pl.col("rank").is_not_null()).head(TOP_N)
    items = "".join(
        f"<li><strong>{escape(row['name'])}</strong>: {escape(row['explanation_' + lang])}</li>"
        for row in top.iter_rows(named=True)
    )
    no_survey = "" if r.survey_year is not None else f"<p>{escape(_t(lang, 'no_survey'))}</p>"
    return (
        '<section class="chapter first" id="summary">'
        f"<h2>{escape(_t(lang, 'summary'))}</h2>"
        f"<p>{escape(_t(lang, 'summary_intro', year=r.year))}</p>{no_survey}"
        f'<ol class="priority-list">{items}</ol>'
        + _weights_line(r, lang)
        + f'<p class="note">{escape(_t(lang, "z_note"))}</p>'
        + "</section>"
    )


def _survey_rows(r: Any, index: str) -> pl.DataFrame:
    if r.survey_year is None or r.survey_indices.is_empty():
        return pl.DataFrame()
    return r.survey_indices.filter(
        (pl.col("level") == "area") & (pl.col("year") == r.survey_year) & (pl.col("index") == index)
    )


def _maps(r: Any, lang: str) -> str:
    # Each map gets its own hatch pattern id: ids are global in the HTML document.
    codes = r.area_codes
    out = ['<section class="chapter" id="maps">', f"<h2>{escape(_t(lang, 'maps'))}</h2>"]
    # Problem index
    rows = _survey_rows(r, "problem_index")
    if rows.height:
        info = {row["area_code"]: row for row in rows.iter_rows(named=True)}
        q = r.questionnaire
        areas = []
        for code in codes:
            row = info.get(code)
            value = row["estimate"] if row else None
            suppressed = bool(row and row["suppressed"])
            key = q.colour_of(value).code if value is not None else None
            title = f"{r.names.get(code, code)}: {_num(value, lang, 2)}"
            areas.append(
                charts.MapArea(code, r.geometries[code], key, suppressed=suppressed,
                               small_area=bool(row and row["method"] == "small_area"), title=title,
                               name=r.names.get(code, code))
            )  # fmt: skip
        svg = charts.choropleth(
            areas, charts.index_classes(q.colours, lang=lang),
            title=_t(lang, "map_problem", year=r.survey_year), lang=lang, pattern_id="hatch",
        )  # fmt: skip
        out.append(_figure(svg, _t(lang, "map_problem_caption")))
    # Crime rate
    year_rates = (
        r.crime_rates.filter(pl.col("year") == r.year)
        .group_by("area_code")
        .agg(pl.col("count").sum(), pl.col("population").first())
    )
    rate = {
        row["area_code"]: (
            row["count"] / row["population"] * 1000
            if row["population"] and row["population"] >= r.params.min_population
            else None
        )
        for row in year_rates.iter_rows(named=True)
    }
    values = np.array([np.nan if rate.get(c) is None else rate[c] for c in codes])
    classes, keys = charts.quantile_classes(values, lang=lang)
    areas = [
        charts.MapArea(c, r.geometries[c], keys[i],
                       title=f"{r.names.get(c, c)}: {_num(values[i], lang, 1)}",
                       name=r.names.get(c, c))
        for i, c in enumerate(codes)
    ]  # fmt: skip
    out.append(
        _figure(
            charts.choropleth(
                areas,
                classes,
                title=_t(lang, "map_rate", year=r.year),
                lang=lang,
                pattern_id="hatch-rate",
            ),
            _t(lang, "map_rate_caption"),
        )
    )
    # Hot spots
    hs = r.hotspots.filter(pl.col("level") == "area") if r.hotspots.height else r.hotspots
    klass = dict(zip(hs["unit"].to_list(), hs["class"].to_list(), strict=True)) if hs.height else {}
    areas = [
        charts.MapArea(c, r.geometries[c], klass.get(c, "none") if klass else None,
                       title=f"{r.names.get(c, c)}: {klass.get(c, '–')}", name=r.names.get(c, c))
        for c in codes
    ]  # fmt: skip
    out.append(
        _figure(
            charts.choropleth(
                areas,
                charts.HOTSPOT_CLASSES[lang],
                title=_t(lang, "map_hot", year=r.year),
                lang=lang,
                pattern_id="hatch-hotspots",
            ),
            _t(lang, "map_hot_caption", alpha=_num(r.params.alpha, lang, 2)),
        )
    )
    if r.params.h3_resolution is not None:
        out.append(_h3_hotspot_figure(r, codes, lang))
    out.append("</section>")
    return "".join(out)


def _h3_hotspot_figure(r: Any, codes: list[str], lang: str) -> str:
    """The grid's hot and cold cells over the areas (drawn without a pattern): a map of
    every cell would be megabytes of SVG for a few coloured ones."""
    level = f"h3_{r.params.h3_resolution}"
    cells = r.hotspots.filter(pl.col("level") == level) if r.hotspots.height else r.hotspots
    marked = cells.filter(pl.col("class").is_in(["hot", "cold"])) if cells.height else cells
    hexagons = [
        charts.MapArea(unit, _cell_polygon(unit), klass, title=f"{unit}: {klass}")
        for unit, klass in zip(marked["unit"].to_list(), marked["class"].to_list(), strict=True)
    ]
    window = _window_around([h.geometry for h in hexagons])
    shapes = []
    for c in codes:
        geometry = r.geometries[c]
        if window is not None:
            geometry = shapely.clip_by_rect(geometry, *window)
            if geometry.is_empty:
                continue
        shapes.append(
            charts.MapArea(c, geometry, "none", title=r.names.get(c, c), name=r.names.get(c, c))
        )
    shapes += hexagons
    counts = {k: int((cells["class"] == k).sum()) if cells.height else 0 for k in ("hot", "cold")}
    return _figure(
        charts.choropleth(
            shapes,
            charts.HOTSPOT_CLASSES[lang],
            title=_t(lang, "map_hot_h3", year=r.year, resolution=r.params.h3_resolution),
            lang=lang,
            pattern_id="hatch-hotspots-h3",
        ),
        _t(
            lang,
            "map_hot_h3_caption",
            hot=counts["hot"],
            cold=counts["cold"],
            cells=_num(cells.height, lang, 0),
            alpha=_num(r.params.alpha, lang, 2),
        ),
    )


def _window_around(geometries: list[Any]) -> tuple[float, float, float, float] | None:
    """A map window around hexagons a few hundred metres across: their bounds with half
    again on every side and at least about 3 km wide, so that they are visible and the
    streets around them are recognisable. None: no hexagon, draw the whole municipality."""
    if not geometries:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geometries, dtype=object))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_y = max((maxy - miny) * 0.75, 0.0135)  # 0.0135° of latitude: 1.5 km
    half_x = max((maxx - minx) * 0.75, half_y / math.cos(math.radians(cy)))
    return cx - half_x, cy - half_y, cx + half_x, cy + half_y


def _cell_polygon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def _figure(svg: str, caption: str) -> str:
    # A chart is an image (role="img"), and an image needs a name (WCAG 1.1.1): its caption.
    svg = svg.replace("<svg ", f'<svg aria-label="{escape(caption)}" ', 1)
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _trends(r: Any, lang: str) -> str:
    out = ['<section class="chapter" id="trends">', f"<h2>{escape(_t(lang, 'trends'))}</h2>"]
    si = r.survey_indices
    if si.height and "level" in si.columns:
        total = si.filter(pl.col("level") == "municipality").sort("year")
        series = []
        for index in ("problem_index", "worry_index", "unsafety_index"):
            sub = total.filter(pl.col("index") == index)
            if sub.is_empty():
                continue
            label = (
                r.questionnaire.groups[index].get(lang)
                if index in r.questionnaire.groups
                else index
            )
            series.append(
                charts.Series(
                    label,
                    sub["year"].to_list(),
                    sub["estimate"].to_list(),
                    sub["ci_low"].to_list(),
                    sub["ci_high"].to_list(),
                )
            )
        if series:
            svg = charts.trend_chart(
                series, title=_t(lang, "trend_survey", municipality=r.municipality),
                y_label=_t(lang, "index_axis"), lang=lang, y_min=0,
            )  # fmt: skip
            out.append(_figure(svg, _t(lang, "trend_caption")))
    yearly = (
        r.crime_rates.filter(pl.col("population").is_not_null())
        .group_by("area_code", "year")
        .agg(pl.col("count").sum(), pl.col("population").first())
        .group_by("year")
        .agg(pl.col("count").sum(), pl.col("population").sum())
        .sort("year")
    )
    if yearly.height:
        count = yearly["count"].to_numpy().astype(float)
        pop = yearly["population"].to_numpy().astype(float)
        # Exact Poisson interval: chi2.ppf(q, 2k) / 2 is gammaincinv(k, q), which is how
        # scipy.stats computes it; scipy.stats itself costs half a second to import.
        with np.errstate(invalid="ignore"):
            low = np.where(count > 0, special.gammaincinv(count, 0.025), 0.0) / pop * 1000
        high = special.gammaincinv(count + 1, 0.975) / pop * 1000
        svg = charts.trend_chart(
            [charts.Series(_t(lang, "per_1000"), yearly["year"].to_list(),
                           (count / pop * 1000).tolist(), low.tolist(), high.tolist())],
            title=_t(lang, "trend_crime", municipality=r.municipality),
            y_label=_t(lang, "per_1000"), lang=lang, y_min=0, digits=0,
        )  # fmt: skip
        out.append(_figure(svg, _t(lang, "trend_caption")))
    out.append("</section>")
    return "".join(out)


def _ranking(r: Any, lang: str) -> str:
    p = r.priorities
    table = p.table
    ranked = table.filter(pl.col("rank").is_not_null())
    svg = charts.rank_chart(
        list(ranked.head(40).iter_rows(named=True)), title=_t(lang, "rank_chart"), lang=lang,
        n_total=ranked.height,
    )  # fmt: skip
    out = [
        '<section class="chapter" id="ranking">',
        f"<h2>{escape(_t(lang, 'ranking'))}</h2>",
        _figure(svg, _t(lang, "rank_caption", interval=_num(p.interval * 100, lang, 0),
                        draws=_int(p.draws, lang))),
    ]  # fmt: skip
    head = [
        f"<th class='num'>{escape(_t(lang, 'col_rank'))}</th>",
        f"<th>{escape(_t(lang, 'col_area'))}</th>",
        f"<th class='num'>{escape(_t(lang, 'col_interval'))}</th>",
        f"<th class='num'>{escape(_t(lang, 'col_score'))}</th>",
    ]
    head += [f"<th class='num'>{escape(COMPONENTS[c][0].get(lang))}</th>" for c in p.components]
    head.append(f"<th>{escape(_t(lang, 'col_note'))}</th>")
    rows = []
    shown = table.head(TABLE_LIMIT)
    for row in shown.iter_rows(named=True):
        cells = [
            f"<td class='num'>{row['rank'] if row['rank'] is not None else '–'}</td>",
            f"<td>{escape(row['name'])}</td>",
            "<td class='num'>"
            + (f"{row['rank_low']}–{row['rank_high']}" if row["rank"] is not None else "–")
            + "</td>",
            f"<td class='num'>{_num(row['score'], lang, 2)}</td>",
        ]
        cells += [f"<td class='num'>{_signed(row[c + '_z'], lang)}</td>" for c in p.components]
        missing = [m for m in (row["missing"] or "").split(";") if m]
        note = (
            _t(lang, "flag_missing", items=", ".join(COMPONENTS[m][0].get(lang) for m in missing))
            if missing
            else ""
        )
        modelled = [m for m in (row.get("modelled") or "").split(";") if m]
        if modelled:
            note = " ".join(
                filter(None, [note, _t(lang, "flag_modelled",
                    items=", ".join(COMPONENTS[m][0].get(lang) for m in modelled))])
            )  # fmt: skip
        cells.append(f"<td class='flag'>{escape(note)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    out.append(
        f"<table class='ranked'><thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    out.append(f'<p class="note">{escape(_t(lang, "z_note"))}</p>')
    if table.height > shown.height:
        limit = _t(lang, "table_limit", shown=shown.height, total=table.height,
                   file="priorities.csv")  # fmt: skip
        out.append(f'<p class="note">{escape(limit)}</p>')
    out.append(f"<h3>{escape(_t(lang, 'explanations'))}</h3><ul>")
    for row in shown.iter_rows(named=True):
        out.append(f"<li>{escape(row['explanation_' + lang])}</li>")
    out.append("</ul></section>")
    return "".join(out)


def _signed(value: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return ("+" if value > 0 else "") + _num(value, lang, 1)


def _survey_table(r: Any, lang: str) -> str:
    if r.survey_year is None or r.survey_indices.is_empty():
        return ""
    q = r.questionnaire
    indices = [g for g in ("problem_index", "worry_index", "unsafety_index", "trust_index")
               if g in q.groups]  # fmt: skip
    rows = r.survey_indices.filter(
        (pl.col("level") == "area") & (pl.col("year") == r.survey_year)
        & pl.col("index").is_in(indices)
    )  # fmt: skip
    info = {(row["area_code"], row["index"]): row for row in rows.iter_rows(named=True)}
    head = [f"<th>{escape(_t(lang, 'col_area'))}</th>"]
    head += [f"<th class='num'>{escape(q.groups[g].get(lang))}</th>" for g in indices]
    head += [f"<th class='num'>{escape(_t(lang, 'col_n'))}</th>",
             f"<th>{escape(_t(lang, 'col_method'))}</th>"]  # fmt: skip
    body = []
    # In priority order, so that a capped table shows the areas that matter most.
    known = set(r.area_codes)
    ordered = [c for c in r.priorities.table["area_code"].to_list() if c in known]
    for code in ordered[:TABLE_LIMIT]:
        cells = [f"<td>{escape(r.names.get(code, code))}</td>"]
        n = None
        method = ""
        for g in indices:
            row = info.get((code, g))
            if row is None:
                cells.append("<td class='num'>–</td>")
            elif row["suppressed"]:
                cells.append("<td class='num suppressed'>–</td>")
            else:
                cells.append(
                    f"<td class='num'>{_num(row['estimate'], lang, 2)} "
                    f"<span class='note'>({_num(row['ci_low'], lang, 1)}–"
                    f"{_num(row['ci_high'], lang, 1)})</span></td>"
                )
            if g == "problem_index" and row is not None:
                n = row["n"]
                method = row["method"] or ""
        cells.append(f"<td class='num'>{_int(n, lang) if n is not None else '–'}</td>")
        label = _t(lang, "method_" + method) if method in ("direct", "small_area") else "–"
        cells.append(f"<td>{escape(label)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<section class="chapter" id="survey">'
        f"<h2>{escape(_t(lang, 'survey', year=r.survey_year))}</h2>"
        f"<table class='survey'><thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        + (
            f'<p class="note">{escape(_t(lang, "table_limit", shown=TABLE_LIMIT, total=len(r.area_codes), file="survey_indices.csv"))}</p>'
            if len(r.area_codes) > TABLE_LIMIT
            else ""
        )
        + '<div class="footnotes">'
        f"<p>{escape(_t(lang, 'suppressed_note', min_n=q.min_n_publish))}</p>"
        f"<p>{escape(_t(lang, 'small_area_note', below=q.small_area_below))}</p>"
        "</div></section>"
    )


def _method(lang: str, extra: str = "") -> str:
    parts = "".join(f"<h3>{escape(head)}</h3><p>{escape(text)}</p>" for head, text in METHOD[lang])
    return (
        f'<section class="chapter method" id="method"><h2>{escape(_t(lang, "method"))}</h2>'
        f"{parts}{extra}</section>"
    )


#: What the run computed from what (issue 16 items 3 and 4): the method section says which
#: survey items each index came from and why a priority component is missing.
COVERAGE_TEXTS = {
    "sv": {
        "head": "Vad den här körningen bygger på",
        "rule": "Regel: en svarande får ett värde för en indexgrupp när hen har besvarat minst "
        "{share} av gruppens frågor som enkäten det året har svar på. Frågor som saknas i "
        "filen räknas inte.",
        "complete": "{group}: alla {n} frågor.",
        "partial": "{group}: beräknat från {used} av {n} frågor ({items}); saknas: {missing}.",
        "absent": "{group}: inte beräknat, ingen av gruppens frågor finns i enkäten "
        "(saknas: {missing}).",
        "hint": "Har kommunen en egen, kortare frågeuppsättning: ange dess frågeformulär "
        "(--questionnaire FIL), så bygger indexen på just de frågorna.",
        "used": "Prioriteringen använder: {items}.",
        "not_used": "{component} ingår inte: {reason}.",
        "modelled": "Områden med för få enkätsvar för att redovisas får i prioriteringen "
        "modellens skattning (stadsdelens eller kommunens nivå, Fay–Herriot) med dess breda "
        "osäkerhet, vilket vidgar rangintervallet; de markeras i tabellen.",
        "no_survey": "ingen enkät ingick i körningen",
        "no_items": "enkäten har inga av frågorna",
        "no_answers": "enkäten har inga svar på frågorna",
        "all_suppressed": "inget område har tillräckligt många svar",
        "too_few_trends": "färre än två områden har en skattbar brottstrend",
        "no_observations": "inga observationer ingick",
        "weight_zero": "vikten är satt till 0",
        "no_values": "inget område har ett värde",
    },
    "en": {
        "head": "What this run is built on",
        "rule": "Rule: a respondent gets a value for an index group when answering at least "
        "{share} of the group's items that the survey of that year has answers for. Items "
        "missing from the file are left out.",
        "complete": "{group}: all {n} items.",
        "partial": "{group}: computed from {used} of {n} items ({items}); missing: {missing}.",
        "absent": "{group}: not computed, none of the group's items is in the survey "
        "(missing: {missing}).",
        "hint": "If the municipality has its own, shorter question set, pass its questionnaire "
        "(--questionnaire FILE) so the indices are built on exactly those items.",
        "used": "The priorities use: {items}.",
        "not_used": "{component} is not used: {reason}.",
        "modelled": "Areas with too few survey answers to publish get the model's estimate "
        "in the priorities (the district's or municipality's level, Fay–Herriot) with its wide "
        "uncertainty, which widens their rank interval; they are marked in the table.",
        "no_survey": "no survey was part of the run",
        "no_items": "the survey has none of its items",
        "no_answers": "the survey has no answers to its items",
        "all_suppressed": "no area has enough answers",
        "too_few_trends": "fewer than two areas have an estimable crime trend",
        "no_observations": "no observations were given",
        "weight_zero": "its weight is set to 0",
        "no_values": "no area has a value",
    },
}


def coverage_lines(
    survey_items: dict, components: dict, lang: str, group_labels: dict[str, str] | None = None
) -> list[str]:
    """Plain sentences on which survey items each index used and which priority components
    are in the ranking (and why one is not), for the report, the run page and the CLI."""
    t = COVERAGE_TEXTS[lang]
    labels = group_labels or {}
    lines = []
    groups = (survey_items or {}).get("groups") or {}
    if groups:
        share = float(survey_items.get("min_items_share", 0.5))
        lines.append(t["rule"].format(share=f"{share * 100:.0f} %"))
        partial = False
        for group, entry in groups.items():
            name = labels.get(group, group)
            used = [c for c in entry["items"] if c in entry["in_file"]]
            missing = ", ".join(entry["missing"]) or "–"
            if entry["status"] == "complete":
                lines.append(t["complete"].format(group=name, n=len(entry["items"])))
                continue
            partial = True
            if entry["status"] == "absent":
                lines.append(t["absent"].format(group=name, missing=missing))
            else:
                answered = sorted(
                    {c for y in entry["years"].values() for c in y["answered"]},
                    key=entry["items"].index,
                )
                lines.append(
                    t["partial"].format(
                        group=name, used=len(answered), n=len(entry["items"]),
                        items=", ".join(answered) or "–", missing=missing,
                    )
                )  # fmt: skip
        if partial:
            lines.append(t["hint"])
    used = [c for c, e in (components or {}).items() if e.get("used")]
    if used:
        lines.append(t["used"].format(items=", ".join(COMPONENTS[c][0].get(lang) for c in used)))
    for code, entry in (components or {}).items():
        if not entry.get("used"):
            reason = t.get(entry.get("reason") or "no_values", entry.get("reason") or "")
            label = COMPONENTS[code][0].get(lang) if code in COMPONENTS else code
            lines.append(t["not_used"].format(component=label[:1].upper() + label[1:],
                                              reason=reason))  # fmt: skip
    return lines


def _coverage(r: Any, lang: str) -> str:
    labels = {code: text.get(lang) for code, text in r.questionnaire.groups.items()}
    lines = coverage_lines(getattr(r, "survey_items", {}), getattr(r, "components", {}), lang,
                           labels)  # fmt: skip
    modelled = "modelled" in r.priorities.table.columns and any(r.priorities.table["modelled"])
    if modelled:
        lines.append(COVERAGE_TEXTS[lang]["modelled"])
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (
        f'<h3 id="coverage">{escape(COVERAGE_TEXTS[lang]["head"])}</h3>'
        f'<ul class="coverage">{items}</ul>'
    )
