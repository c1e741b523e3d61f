"""The annual report as HTML and PDF, from :class:`trygg.analysis.pipeline.AnalysisResults`.

Plain Python (``string.Template`` for the page, functions for the sections), no Django: the
report is made by ``trygg analyze`` on files, outside any Django process, and runs outside
Django's i18n, so the texts are in :data:`TEXTS` (Swedish default, English complete). Charts
are inline SVG from :mod:`trygg.analysis.charts`; the CSS is inlined so the HTML file is
self-contained and WeasyPrint needs no base URL or network.

Contents: title page, summary of the top priority areas with rank intervals and
explanations and the weights used, maps (problem index, crime rate, hot spots), trends, the
ranked table with components, the survey results per area (suppressed cells "–" with a
footnote), and the method in plain language.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from importlib import resources
from string import Template
from typing import Any

import h3
import numpy as np
import polars as pl
import shapely
from scipy import stats
from shapely.geometry import Polygon

from trygg.analysis import charts
from trygg.analysis.priority import COMPONENTS

__all__ = ["TEXTS", "render_report_html", "render_report_pdf"]

TOP_N = 5
#: Rows of the ranked and survey tables in the report (all rows are in the CSV files);
#: a national run has 6,000 areas, which no reader pages through and WeasyPrint lays out
#: slowly.
TABLE_LIMIT = 60

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Trygghetsrapport {year}",
        "subtitle": "{municipality}: trygghetsmätning och anmälda brott",
        "made": "Framtagen {date} med Trygg",
        "data": "Underlag: {areas} områden, {responses} enkätsvar ({survey_year}), "
        "{crimes} anmälda brott.",
        "summary": "Sammanfattning",
        "summary_intro": "De områden som enligt den samlade bedömningen bör prioriteras {year}. "
        "Intervallet visar hur säker rangordningen är: områden vars intervall överlappar går "
        "inte att skilja åt med säkerhet.",
        "weights": "Vikter i prioriteringen",
        "maps": "Kartor",
        "map_problem": "Problemindex {year} (0–6)",
        "map_problem_caption": "Viktat problemindex per område. Streckade områden: för få svar "
        "för att redovisa. Streckad kant: småområdesskattning (få svar, lånar styrka från "
        "stadsdelen).",
        "map_rate": "Anmälda brott per 1 000 invånare {year}",
        "map_rate_caption": "Klasser efter kvintiler: ungefär lika många områden i varje klass.",
        "map_hot": "Heta och kalla punkter {year} (Gi*)",
        "map_hot_caption": "Områden där brottsnivån tillsammans med grannområdenas är "
        "signifikant hög (het) eller låg (kall) efter kontroll för många test (FDR {alpha}).",
        "map_hot_h3": "Heta och kalla punkter {year} i sexkanter (H3, upplösning {resolution})",
        "map_hot_h3_caption": "{hot} heta och {cold} kalla av {cells} sexkanter med "
        "brott eller inom kommunen; tvåsidigt test, FDR {alpha}. Kartan visar trakten kring "
        "de heta och kalla sexkanterna; sexkanter utan mönster visas inte.",
        "trends": "Utveckling",
        "trend_survey": "Index för hela {municipality} per år",
        "trend_crime": "Anmälda brott per 1 000 invånare, hela {municipality}",
        "trend_caption": "Skuggat band: 95 % konfidensintervall.",
        "per_1000": "per 1 000 invånare",
        "index_axis": "Index (0–6)",
        "ranking": "Rangordning av områden",
        "rank_chart": "Rangplats med osäkerhetsintervall",
        "rank_caption": "Punkt: rangplats. Stapel: {interval} % av rangplatserna i "
        "{draws} omräkningar (bootstrap).",
        "col_rank": "Plats",
        "col_area": "Område",
        "col_interval": "Intervall",
        "col_score": "Poäng",
        "col_note": "Anm.",
        "flag_missing": "saknar {items}",
        "flag_modelled": "modellskattat (för få svar): {items}",
        "survey": "Enkätresultat per område {year}",
        "col_n": "Svar",
        "col_method": "Metod",
        "method_direct": "direkt",
        "method_small_area": "småområde",
        "suppressed_note": "– = för få svar för att redovisa (färre än {min_n}); värdet visas "
        "inte för att skydda de svarande och för att det är för osäkert.",
        "small_area_note": "småområde = skattning som lånar styrka från stadsdelen "
        "(Fay–Herriot), används när ett område har färre än {below} svar.",
        "method": "Metod",
        "explanations": "Förklaring per område",
        "no_survey": "Ingen enkät finns för perioden; prioriteringen bygger på brottsstatistiken.",
        "table_limit": "Visar {shown} av {total} områden; alla finns i {file}.",
        "z_note": "Komponenterna är standardiserade: +1,0 betyder en standardavvikelse över "
        "genomsnittsområdet.",
    },
    "en": {
        "title": "Safety report {year}",
        "subtitle": "{municipality}: safety survey and reported crime",
        "made": "Produced {date} with Trygg",
        "data": "Data: {areas} areas, {responses} survey answers ({survey_year}), "
        "{crimes} reported crimes.",
        "summary": "Summary",
        "summary_intro": "The areas that the combined assessment points out for priority in "
        "{year}. The interval shows how certain the ranking is: areas whose intervals overlap "
        "cannot be told apart with confidence.",
        "weights": "Weights in the priority score",
        "maps": "Maps",
        "map_problem": "Problem index {year} (0–6)",
        "map_problem_caption": "Weighted problem index per area. Hatched areas: too few "
        "answers to publish. Dashed outline: small-area estimate (few answers, borrows "
        "strength from the district).",
        "map_rate": "Reported crimes per 1,000 residents {year}",
        "map_rate_caption": "Classes by quintile: about as many areas in each class.",
        "map_hot": "Hot and cold spots {year} (Gi*)",
        "map_hot_caption": "Areas where the crime level together with the neighbours' is "
        "significantly high (hot) or low (cold) after correcting for many tests (FDR {alpha}).",
        "map_hot_h3": "Hot and cold spots {year} in hexagons (H3, resolution {resolution})",
        "map_hot_h3_caption": "{hot} hot and {cold} cold of {cells} hexagons with crimes or "
        "inside the municipality; two-sided test, FDR {alpha}. The map shows the surroundings "
        "of the hot and cold hexagons; hexagons without a pattern are not drawn.",
        "trends": "Trends",
        "trend_survey": "Indices for all of {municipality} per year",
        "trend_crime": "Reported crimes per 1,000 residents, all of {municipality}",
        "trend_caption": "Shaded band: 95% confidence interval.",
        "per_1000": "per 1,000 residents",
        "index_axis": "Index (0–6)",
        "ranking": "Ranking of areas",
        "rank_chart": "Rank with uncertainty interval",
        "rank_caption": "Dot: rank. Bar: {interval}% of the ranks in {draws} recomputations "
        "(bootstrap).",
        "col_rank": "Rank",
        "col_area": "Area",
        "col_interval": "Interval",
        "col_score": "Score",
        "col_note": "Note",
        "flag_missing": "lacks {items}",
        "flag_modelled": "model-based (too few answers): {items}",
        "survey": "Survey results per area {year}",
        "col_n": "Answers",
        "col_method": "Method",
        "method_direct": "direct",
        "method_small_area": "small area",
        "suppressed_note": "– = too few answers to publish (fewer than {min_n}); the value is "
        "withheld to protect respondents and because it is too uncertain.",
        "small_area_note": "small area = estimate borrowing strength from the district "
        "(Fay–Herriot), used when an area has fewer than {below} answers.",
        "method": "Method",
        "explanations": "Explanation per area",
        "no_survey": "No survey for the period; the priorities rest on crime statistics.",
        "table_limit": "Showing {shown} of {total} areas; all are in {file}.",
        "z_note": "Components are standardised: +1.0 means one standard deviation above the "
        "average area.",
    },
}

METHOD: dict[str, list[tuple[str, str]]] = {
    "sv": [
        (
            "Viktning",
            "De som svarar på enkäten liknar inte befolkningen: unga män svarar mycket "
            "mer sällan än äldre kvinnor. Varje svar får därför en vikt så att de svarande i varje "
            "område tillsammans motsvarar befolkningen där efter kön och åldersgrupp (raking). "
            "Mycket stora vikter begränsas så att enskilda svar inte väger för tungt.",
        ),
        (
            "Index och intervall",
            "Varje svar omräknas till index 0–6 (0 = nästan inget problem, "
            "6 = ett alarmerande problem). Områdets värde är det viktade medelvärdet. Intervallen "
            "är 95 % konfidensintervall som tar hänsyn till vikterna (Taylorlinearisering); andelar "
            "har Korn–Graubard-intervall, som fungerar även när andelen är nära 0 eller 1.",
        ),
        (
            "Små områden",
            "Ett område med få svar får ett osäkert värde. Där används en "
            "småområdesskattning (Fay–Herriot, empirisk Bayes): värdet dras mot stadsdelens nivå, "
            "mer ju färre svar området har. Har ett område färre svar än gränsen redovisas inget "
            "värde alls (–).",
        ),
        (
            "Anmälda brott",
            "Brotten placeras i områden efter sina koordinater och räknas per år "
            "och kategori. Takten per 1 000 invånare gör områden av olika storlek jämförbara. Den "
            "skadeviktade takten väger grova brott (våld, rån, vapen) tyngre än t.ex. stölder. "
            "Trenden är den genomsnittliga årliga förändringen (Poissonregression med hänsyn till "
            "överspridning).",
        ),
        (
            "Heta punkter (Gi*)",
            "Getis–Ords Gi* jämför brottsnivån i ett område och dess grannar "
            "med hela kommunen. Om mönstret är verkligt prövas tvåsidigt (heta och kalla punkter "
            "lika) genom att lotta ut områdets och grannarnas värden slumpmässigt bland alla "
            "områden: först 999 gånger, och för områden där få lottningar är lika extrema tio "
            "gånger fler, om och om igen, så att även mycket små p-värden blir säkra. Eftersom "
            "många områden prövas samtidigt kontrolleras andelen falska fynd (Benjamini–Hochberg, "
            "FDR): bara områden som klarar den gränsen kallas heta eller kalla. Ett enstaka "
            "område med många brott bland lugna grannar är ingen het punkt i den här meningen; "
            "det syns i brottstakten och i prioriteringen.",
        ),
        (
            "Prioritering",
            "Varje komponent (problemindex, oro och otrygghet, brottstakt, "
            "skadeviktad brottstakt, trend, observationer) standardiseras så att 0 är "
            "genomsnittsområdet och 1 en standardavvikelse. Poängen är ett vägt medelvärde med de "
            "vikter som anges i rapporten. Saknas en komponent för ett område används de övriga och "
            "området markeras.",
        ),
        (
            "Osäkerhet i rangordningen",
            "Rangordningen räknas om 1 000 gånger där enkätvärdena dras "
            "inom sina osäkerhetsintervall och brottsantalen slumpas (Poisson) kring de observerade. "
            "Intervallet visar mellan vilka platser området hamnar i 90 % av omräkningarna. Två "
            "områden med överlappande intervall ska inte behandlas som olika.",
        ),
    ],
    "en": [
        (
            "Weighting",
            "Respondents are not like the population: young men answer far less often "
            "than older women. Every answer therefore gets a weight so that the respondents of each "
            "area together match its population by sex and age group (raking). Very large weights "
            "are capped so that no single answer counts too much.",
        ),
        (
            "Indices and intervals",
            "Every answer is converted to an index from 0 to 6 (0 = almost "
            "no problem, 6 = an alarming problem). An area's value is the weighted mean. Intervals "
            "are 95% confidence intervals that account for the weights (Taylor linearisation); "
            "shares have Korn–Graubard intervals, which work even near 0 or 1.",
        ),
        (
            "Small areas",
            "An area with few answers has an uncertain value. There a small-area "
            "estimate is used (Fay–Herriot, empirical Bayes): the value is pulled towards the "
            "district's level, the more so the fewer answers the area has. Below the minimum number "
            "of answers no value is published at all (–).",
        ),
        (
            "Reported crime",
            "Crimes are placed in areas by their coordinates and counted by year "
            "and category. The rate per 1,000 residents makes areas of different size comparable. "
            "The harm-weighted rate counts serious crime (violence, robbery, weapons) more than "
            "e.g. theft. The trend is the average yearly change (Poisson regression allowing for "
            "overdispersion).",
        ),
        (
            "Hot spots (Gi*)",
            "Getis–Ord Gi* compares the crime level of an area and its neighbours "
            "with the whole municipality. Whether the pattern is real is tested two-sided (hot "
            "and cold spots alike) by placing the area's and its neighbours' values at random "
            "among all areas: 999 times first, and ten times more, round after round, for areas "
            "where few draws are as extreme, so that even very small p-values are sure. Because "
            "many areas are tested at once, the share of false findings is controlled "
            "(Benjamini–Hochberg, FDR): only areas passing that bar are called hot or cold. A "
            "single area with much crime among quiet neighbours is not a hot spot in this sense; "
            "it shows in the crime rate and the priorities.",
        ),
        (
            "Priorities",
            "Each component (problem index, worry and unsafety, crime rate, "
            "harm-weighted rate, trend, observations) is standardised so that 0 is the average "
            "area and 1 one standard deviation. The score is a weighted mean with the weights shown "
            "in the report. Where an area lacks a component the others are used and the area is "
            "flagged.",
        ),
        (
            "Uncertainty of the ranking",
            "The ranking is recomputed 1,000 times with the survey "
            "values drawn within their uncertainty and the crime counts drawn (Poisson) around the "
            "observed ones. The interval shows between which ranks the area falls in 90% of the "
            "recomputations. Two areas with overlapping intervals should not be treated as "
            "different.",
        ),
    ],
}


def _t(lang: str, key: str, **kwargs: Any) -> str:
    return TEXTS[lang][key].format(**kwargs)


def _num(value: Any, lang: str, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{float(value):,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", "−")


def _int(value: Any, lang: str) -> str:
    return _num(value, lang, 0)


def _template() -> Template:
    ref = resources.files("trygg.reports").joinpath("templates", "reports", "report.html")
    return Template(ref.read_text(encoding="utf-8"))


def _css() -> str:
    ref = resources.files("trygg.reports").joinpath("static", "reports", "report.css")
    return ref.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


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
                               small_area=bool(row and row["method"] == "small_area"), title=title)
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
                       title=f"{r.names.get(c, c)}: {_num(values[i], lang, 1)}")
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
                       title=f"{r.names.get(c, c)}: {klass.get(c, '–')}")
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
        shapes.append(charts.MapArea(c, geometry, "none", title=r.names.get(c, c)))
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
        low = np.where(count > 0, stats.chi2.ppf(0.025, 2 * count) / 2, 0.0) / pop * 1000
        high = stats.chi2.ppf(0.975, 2 * count + 2) / 2 / pop * 1000
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


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def render_report_html(results: Any, *, lang: str = "sv", today: dt.date | None = None) -> str:
    """The whole report as one self-contained HTML page (inline CSS and SVG)."""
    if lang not in TEXTS:
        raise ValueError("lang must be 'sv' or 'en'")
    date = (today or dt.date.today()).isoformat()  # Swedish style: YYYY-MM-DD
    body = "".join(
        [
            _title_page(results, lang, date),
            _summary(results, lang),
            _maps(results, lang),
            _trends(results, lang),
            _ranking(results, lang),
            _survey_table(results, lang),
            _method(lang, _coverage(results, lang)),
        ]
    )
    return _template().substitute(
        lang=lang,
        title=escape(_t(lang, "title", year=results.year) + " – " + results.municipality),
        date=date,
        css=_css(),
        body=body,
    )


def render_report_pdf(html: str) -> bytes:
    """Render the HTML report to PDF with WeasyPrint (no network: everything is inline)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()
