"""The report's texts (Swedish default, English complete) and number formatting.

The report runs outside Django's i18n (``trygg analyze`` on files), so its words live here
rather than in the .po catalogue.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["METHOD", "TEXTS"]

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
