"""The report's chapter on year-over-year change (issue 16 item 5): each change with its
95 % interval and whether it is statistically significant, in words (not colour only).

Kept in its own module, with its own texts, so that other chapters can grow beside it."""

from __future__ import annotations

from html import escape
from typing import Any

import polars as pl

from .texts import _num

__all__ = ["CHANGE_TEXTS", "change_verdict", "changes_chapter"]

#: Rows of the per-area tables (the CSV files have every row).
AREA_LIMIT = 60
SURVEY_INDICES = ("problem_index", "worry_index", "unsafety_index", "trust_index")

CHANGE_TEXTS = {
    "sv": {
        "head": "Förändring sedan föregående år",
        "intro": "Varje år jämförs med året före. Intervallet är ett 95-procentsintervall för "
        "förändringen. När intervallet inte innehåller noll är förändringen statistiskt "
        "säkerställd (p < {alpha}); annars kan den vara slumpen: skillnaden är inte större "
        "än vad urvalet eller årets slumpmässiga variation i antalet brott kan ge.",
        "survey_head": "Trygghetsmätningen {year_from}–{year_to}",
        "survey_method": "Enkätindexen jämförs med de direkta skattningarna (inte "
        "småområdesskattningarna, som lånar styrka från andra områden). Åren är oberoende "
        "urval: felmarginalen för skillnaden är roten ur summan av årens kvadrerade "
        "medelfel, och testet är ett t-test med designbaserade frihetsgrader.",
        "crime_head": "Anmälda brott per 1 000 invånare {year_from}–{year_to}",
        "crime_method": "Brottstakten jämförs med ett exakt test för två Poissonfördelade "
        "antal med befolkningen som exponering (villkorat binomialtest). Intervallet gäller "
        "den procentuella förändringen av takten.",
        "municipality": "Hela kommunen",
        "col_area": "Område",
        "col_index": "Index",
        "col_change": "Förändring",
        "col_interval": "95 %-intervall",
        "col_verdict": "Bedömning",
        "increase": "Ökningen är statistiskt säkerställd",
        "decrease": "Minskningen är statistiskt säkerställd",
        "chance": "Kan vara slumpen",
        "suppressed_survey": "För få svar för att redovisa",
        "suppressed_crime": "För få invånare för att redovisa",
        "none_before": "inga brott året före",
        "to": "till",
        "limit": "Tabellen visar {shown} av {total} områden; alla finns i {file}.",
        "none": "Det finns inget tidigare år att jämföra med.",
    },
    "en": {
        "head": "Change since the year before",
        "intro": "Each year is compared with the year before. The interval is a 95 % "
        "interval for the change. When it leaves out zero the change is statistically "
        "significant (p < {alpha}); otherwise it may be chance: the difference is no larger "
        "than the sample, or the year's random variation in the number of crimes, can give.",
        "survey_head": "Safety survey {year_from}–{year_to}",
        "survey_method": "The survey indices are compared by their direct estimates (not the "
        "small-area estimates, which borrow strength from other areas). The years are "
        "independent samples: the standard error of the difference is the root of the sum "
        "of the years' squared standard errors, tested with a t-test on design degrees of "
        "freedom.",
        "crime_head": "Reported crimes per 1,000 residents {year_from}–{year_to}",
        "crime_method": "The crime rate is compared by an exact test for two Poisson counts "
        "with the population as exposure (conditional binomial test). The interval is for "
        "the percentage change of the rate.",
        "municipality": "The whole municipality",
        "col_area": "Area",
        "col_index": "Index",
        "col_change": "Change",
        "col_interval": "95 % interval",
        "col_verdict": "Assessment",
        "increase": "The increase is statistically significant",
        "decrease": "The decrease is statistically significant",
        "chance": "May be chance",
        "suppressed_survey": "Too few answers to publish",
        "suppressed_crime": "Too few residents to publish",
        "none_before": "no crimes the year before",
        "to": "to",
        "limit": "The table shows {shown} of {total} areas; all are in {file}.",
        "none": "There is no earlier year to compare with.",
    },
}


def change_verdict(difference: float | None, significant: bool, lang: str) -> str:
    """The plain-words assessment of a change."""
    t = CHANGE_TEXTS[lang]
    if not significant or difference is None or difference == 0:
        return t["chance"]
    return t["increase"] if difference > 0 else t["decrease"]


def _signed(value: Any, lang: str, digits: int) -> str:
    text = _num(value, lang, digits)
    return ("+" + text) if text != "–" and value is not None and value > 0 else text


def _survey_cells(row: dict, lang: str) -> list[str]:
    t = CHANGE_TEXTS[lang]
    if row["suppressed"] or row["difference"] is None:
        return [
            "<td class='num'>–</td>",
            "<td class='num'>–</td>",
            f"<td class='suppressed'>{escape(t['suppressed_survey'])}</td>",
        ]
    interval = f"{_signed(row['ci_low'], lang, 2)} {t['to']} {_signed(row['ci_high'], lang, 2)}"
    verdict = change_verdict(row["difference"], bool(row["significant"]), lang)
    return [
        f"<td class='num'>{_signed(row['difference'], lang, 2)}</td>",
        f"<td class='num'>{escape(interval)}</td>",
        f"<td class='verdict{' significant' if row['significant'] else ''}'>{escape(verdict)}</td>",
    ]


def _crime_cells(row: dict, lang: str) -> list[str]:
    t = CHANGE_TEXTS[lang]
    if row["suppressed"]:
        return [
            "<td class='num'>–</td>", "<td class='num'>–</td>", "<td class='num'>–</td>",
            "<td class='num'>–</td>",
            f"<td class='suppressed'>{escape(t['suppressed_crime'])}</td>",
        ]  # fmt: skip
    pct = None if row["ratio"] is None else (row["ratio"] - 1) * 100
    low = None if row["ratio_low"] is None else (row["ratio_low"] - 1) * 100
    high = None if row["ratio_high"] is None else (row["ratio_high"] - 1) * 100
    change = f"{_signed(pct, lang, 0)} %" if pct is not None else t["none_before"]
    interval = (
        f"{_signed(low, lang, 0)} {t['to']} {_signed(high, lang, 0)} %"
        if low is not None and high is not None
        else "–"
    )
    verdict = change_verdict(row["difference"], bool(row["significant"]), lang)
    return [
        f"<td class='num'>{_num(row['rate_from'], lang, 1)}</td>",
        f"<td class='num'>{_num(row['rate_to'], lang, 1)}</td>",
        f"<td class='num'>{escape(change)}</td>",
        f"<td class='num'>{escape(interval)}</td>",
        f"<td class='verdict{' significant' if row['significant'] else ''}'>{escape(verdict)}</td>",
    ]


def _ordered_areas(r: Any) -> list[str]:
    known = set(r.area_codes)
    return [c for c in r.priorities.table["area_code"].to_list() if c in known]


def _survey_part(r: Any, lang: str) -> str:
    t = CHANGE_TEXTS[lang]
    changes = r.survey_changes
    if r.survey_year is None or changes is None or changes.is_empty():
        return ""
    mine = changes.filter(pl.col("year_to") == r.survey_year)
    if mine.is_empty():
        return ""
    year_from = int(mine["year_from"].min())
    q = r.questionnaire
    indices = [g for g in SURVEY_INDICES if g in q.groups]
    head = (
        f"<tr><th>{escape(t['col_index'])}</th><th class='num'>{escape(t['col_change'])}</th>"
        f"<th class='num'>{escape(t['col_interval'])}</th>"
        f"<th>{escape(t['col_verdict'])}</th></tr>"
    )
    total = {row["index"]: row for row in mine.filter(pl.col("level") == "municipality")
             .iter_rows(named=True)}  # fmt: skip
    body = []
    for g in indices:
        if g in total:
            cells = _survey_cells(total[g], lang)
            body.append(f"<tr><td>{escape(q.groups[g].get(lang))}</td>{''.join(cells)}</tr>")
    out = [
        f"<h3>{escape(t['survey_head'].format(year_from=year_from, year_to=r.survey_year))}</h3>",
        f"<p class='note'>{escape(t['survey_method'])}</p>",
    ]
    if body:
        out.append(
            f"<table class='changes survey-changes'><caption>{escape(t['municipality'])}"
            f"</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        )
    if "problem_index" in q.groups:
        areas = {row["area_code"]: row for row in mine.filter(
            (pl.col("level") == "area") & (pl.col("index") == "problem_index")
        ).iter_rows(named=True)}  # fmt: skip
        ordered = [c for c in _ordered_areas(r) if c in areas]
        rows = [
            f"<tr><td>{escape(r.names.get(c, c))}</td>{''.join(_survey_cells(areas[c], lang))}</tr>"
            for c in ordered[:AREA_LIMIT]
        ]
        if rows:
            area_head = head.replace(escape(t["col_index"]), escape(t["col_area"]), 1)
            out.append(
                f"<table class='changes survey-changes'><caption>"
                f"{escape(q.groups['problem_index'].get(lang))}</caption>"
                f"<thead>{area_head}</thead><tbody>{''.join(rows)}</tbody></table>"
            )
            if len(ordered) > AREA_LIMIT:
                limit = t["limit"].format(shown=AREA_LIMIT, total=len(ordered),
                                          file="survey_changes.csv")  # fmt: skip
                out.append(f"<p class='note'>{escape(limit)}</p>")
    return "".join(out)


def _crime_part(r: Any, lang: str) -> str:
    t = CHANGE_TEXTS[lang]
    changes = getattr(r, "crime_changes", None)
    if changes is None or changes.is_empty():
        return ""
    mine = changes.filter((pl.col("year_to") == r.year) & (pl.col("category") == "total"))
    if mine.is_empty():
        return ""
    year_from = int(mine["year_from"].min())
    head = (
        f"<tr><th>{escape(t['col_area'])}</th><th class='num'>{year_from}</th>"
        f"<th class='num'>{r.year}</th><th class='num'>{escape(t['col_change'])}</th>"
        f"<th class='num'>{escape(t['col_interval'])}</th>"
        f"<th>{escape(t['col_verdict'])}</th></tr>"
    )
    by_area = {row["area_code"]: row for row in mine.iter_rows(named=True)}
    rows = []
    if "" in by_area:
        rows.append(
            f"<tr class='total'><td>{escape(t['municipality'])}</td>"
            f"{''.join(_crime_cells(by_area[''], lang))}</tr>"
        )
    ordered = [c for c in _ordered_areas(r) if c in by_area]
    rows += [
        f"<tr><td>{escape(r.names.get(c, c))}</td>{''.join(_crime_cells(by_area[c], lang))}</tr>"
        for c in ordered[:AREA_LIMIT]
    ]
    out = [
        f"<h3>{escape(t['crime_head'].format(year_from=year_from, year_to=r.year))}</h3>",
        f"<p class='note'>{escape(t['crime_method'])}</p>",
        f"<table class='changes crime-changes'><thead>{head}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table>",
    ]
    if len(ordered) > AREA_LIMIT:
        limit = t["limit"].format(shown=AREA_LIMIT, total=len(ordered), file="crime_changes.csv")
        out.append(f"<p class='note'>{escape(limit)}</p>")
    return "".join(out)


def changes_chapter(r: Any, lang: str) -> str:
    """The chapter, or a line saying there is nothing to compare with."""
    t = CHANGE_TEXTS[lang]
    parts = _survey_part(r, lang) + _crime_part(r, lang)
    intro = t["intro"].format(alpha=_num(r.params.alpha, lang, 2))
    body = f"<p>{escape(intro)}</p>{parts}" if parts else f"<p>{escape(t['none'])}</p>"
    return f'<section class="chapter" id="changes"><h2>{escape(t["head"])}</h2>{body}</section>'
