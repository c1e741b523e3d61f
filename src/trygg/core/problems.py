"""The problems of a bad input file in the reader's language.

``trygg.analysis`` never imports Django, so each reason it gives for a bad file (with the
file, line and column) is English with the values filled in. Every kind of reason is listed
here once, as its English template; the pages match a reason against the templates and show
the translation with the same values. A reason that matches none is shown as it is;
``tests/core/test_problems.py`` finds every reason in the code and checks that one matches.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

from trygg.analysis.errors import RowProblem

TEMPLATES = (
    gettext_noop("the file does not exist"),
    gettext_noop("the file is empty"),
    gettext_noop("the sheet is empty"),
    gettext_noop("the file is not UTF-8 text"),
    gettext_noop("the file is not UTF-8 text; save it as 'CSV UTF-8' and import again"),
    gettext_noop("the row has {count} fields but the header has {width}"),
    gettext_noop("the file is not a readable XLSX workbook ({detail})"),
    gettext_noop("the column name appears twice"),
    gettext_noop("required column is missing"),
    gettext_noop("the column is missing"),
    gettext_noop("the file cannot be read as CSV ({detail})"),
    gettext_noop("the header changed since upload"),
    gettext_noop("unknown file type; use .csv, .parquet or .json"),
    gettext_noop("unknown file type '{suffix}': use .csv, .xlsx or .sav"),
    gettext_noop("the file is not readable Parquet ({detail})"),
    gettext_noop("the file is not valid JSON ({detail})"),
    gettext_noop("not valid JSON: {detail}"),
    gettext_noop("the file is not a readable SPSS file ({detail})"),
    gettext_noop("cannot read the file ({detail})"),
    gettext_noop("the file is not valid YAML ({detail})"),
    gettext_noop("the file is not a GeoJSON FeatureCollection"),
    gettext_noop("the FeatureCollection has no features"),
    gettext_noop("duplicate code '{code}' (also feature {other})"),
    gettext_noop("parent_code '{code}' is neither in the file nor imported"),
    gettext_noop("coordinate system '{name}' is not WGS84; export the file as WGS84 (EPSG:4326, longitude/latitude) and import again"),
    gettext_noop("unknown coordinate system '{name}'; name it as EPSG:3006 (SWEREF 99 TM), another EPSG code or WGS84 (EPSG:4326)"),
    gettext_noop("the file says its coordinate system is '{name}', but its coordinates are longitude/latitude (WGS84); remove the crs member or correct it"),
    gettext_noop("the coordinates look like SWEREF 99 TM (metres), but the file does not say its coordinate system; export it with its crs (e.g. EPSG:3006) or as WGS84 and import again"),
    gettext_noop("converted from '{name}' the area lies outside Sweden; check that the file's crs is the coordinate system it was exported in"),
    gettext_noop("the file is not a readable GeoPackage"),
    gettext_noop("no area in the file belongs to municipality {code}"),
    gettext_noop("the GeoPackage has no layer '{layer}'; its layers: {layers}"),
    gettext_noop("the GeoPackage has no layer of polygons; its layers: {layers}"),
    gettext_noop("the GeoPackage has several layers of polygons ({layers}); choose one (trygg import areas --layer) or save it in a file of its own"),
    gettext_noop("not a GeoJSON Feature"),
    gettext_noop("missing code"),
    gettext_noop("code is longer than 32 characters"),
    gettext_noop("missing name"),
    gettext_noop("an area cannot be its own parent"),
    gettext_noop("population '{value}' is not a whole number ≥ 0"),
    gettext_noop("geometry must be a Polygon or MultiPolygon"),
    gettext_noop("geometry cannot be read ({detail})"),
    gettext_noop("geometry is empty"),
    gettext_noop("coordinates are not longitude/latitude (WGS84); projected coordinates such as SWEREF 99 TM must be converted to WGS84 first"),
    gettext_noop("invalid geometry: {detail}"),
    gettext_noop("parent_code of '{code}' leads round in a circle"),
    gettext_noop("the feature has no code"),
    gettext_noop("code '{code}' is also used by feature {other}"),
    gettext_noop("unreadable geometry ({detail})"),
    gettext_noop("an area must be a Polygon or MultiPolygon, not {kind}"),
    gettext_noop("missing area code"),
    gettext_noop("unknown area code '{code}'; import the areas first"),
    gettext_noop("'{value}' is not a year"),
    gettext_noop("'{value}' is not F or M"),
    gettext_noop("'{value}' is not an age group such as 16-24 or 75+"),
    gettext_noop("'{value}' is not a whole number ≥ 0"),
    gettext_noop("the same area, year, sex and age group is on line {line} too"),
    gettext_noop("the population table has rows with unknown sex or a missing count"),
    gettext_noop("no population for area '{code}' (needed for {what})"),
    gettext_noop("the population of area '{code}' is 0"),
    gettext_noop("a category needs code, sv, en and a non-negative harm_weight"),
    gettext_noop("no categories defined"),
    gettext_noop("event type '{event_type}' maps to unknown category '{code}'"),
    gettext_noop("the events feed must be a JSON list"),
    gettext_noop("id '{id}' also appears on line {first}"),
    gettext_noop("id '{id}' also appears on item {first}"),
    gettext_noop("id is empty"),
    gettext_noop("occurred_at is empty"),
    gettext_noop("'{value}' is not an ISO 8601 date or time (e.g. 2024-05-17 or 2024-05-17T21:30)"),
    gettext_noop("'{value}' is not an ISO 8601 date or time"),
    gettext_noop("occurred_to is before occurred_at"),
    gettext_noop("category is empty"),
    gettext_noop("unknown category '{value}'; use one of {codes} or a police event type listed in the category table"),
    gettext_noop("'{value}' is not a number"),
    gettext_noop("{value} is outside {low}..{high}"),
    gettext_noop("lat and lon must both be given or both be empty"),
    gettext_noop("the row has neither lat/lon nor area_code"),
    gettext_noop("area_code '{code}' is not one of the areas"),
    gettext_noop("and {count} more problems not listed here"),
    gettext_noop("{count} of the file's areas were removed while it was being imported; nothing was stored, import the file again"),
    gettext_noop("'{value}' is not an ISO 8601 date"),
    gettext_noop("'{value}' is not 1, 2 or 3"),
    gettext_noop("unknown area code '{code}'"),
    gettext_noop("the coordinates are not numbers"),
    gettext_noop("the coordinates are out of range"),
    gettext_noop("weights must be numbers, not {kind}"),
    gettext_noop("the weight is {value}; weights must be positive"),
    gettext_noop("the respondent id is empty"),
    gettext_noop("the area code is empty"),
    gettext_noop("unknown area code '{code}' (did a spreadsheet drop a leading zero?)"),
    gettext_noop("respondent id '{id}' appears twice in {year} (first on line {line})"),
    gettext_noop("{count} further problems are not listed"),
    gettext_noop("both '{first}' and '{second}' hold item '{item}'; keep one"),
    gettext_noop("no column matches an item of the questionnaire '{name}' (expected e.g. {example})"),
    gettext_noop("the year is empty"),
    gettext_noop("{value} is outside the accepted years {first}-{last}"),
    gettext_noop("sex is empty; weighting needs F or M"),
    gettext_noop("'{value}' is not a sex; use F or M (K/kvinna, M/man also accepted)"),
    gettext_noop("the age group is empty"),
    gettext_noop("age {value} is outside the survey's ages (16 and older)"),
    gettext_noop("'{value}' is not an age group; use one of {groups}"),
    gettext_noop("'{value}' is not an answer of the scale '{scale}' ({allowed})"),
    gettext_noop("'{value}' is not a whole answer code ({allowed})"),
    gettext_noop("{value} is outside the scale '{scale}' ({allowed})"),
    gettext_noop("unknown area code"),
    gettext_noop("use F or M (K/kvinna, M/man also accepted)"),
    gettext_noop("use an age group such as 25-34, or the age (16+)"),
    gettext_noop("the name is empty"),
    gettext_noop("the address is empty"),
    gettext_noop("the postcode is empty"),
    gettext_noop("the city is empty"),
    gettext_noop("the file has no persons"),
    gettext_noop("must be a mapping with 'sv' and 'en' texts"),
    gettext_noop("a non-empty text is required"),
    gettext_noop("must be a whole number, not {value}"),
    gettext_noop("must be a number, not {value}"),
    gettext_noop("must be a finite number"),
    gettext_noop("must be a mapping"),
    gettext_noop("must map at least two answer codes to their texts"),
    gettext_noop("answer codes must be 0 or more"),
    gettext_noop("{value} is also an answer code"),
    gettext_noop("must map every answer code to a value from 0 to 6"),
    gettext_noop("{value} is not an answer code of the scale"),
    gettext_noop("{value} is outside the index range 0-6"),
    gettext_noop("answer code {value} has no index value"),
    gettext_noop("must list the answer codes that count towards the share"),
    gettext_noop("the questionnaire must be a YAML mapping"),
    gettext_noop("this section is required"),
    gettext_noop("must be a mapping of scale names to scales"),
    gettext_noop("codes use lower-case letters, digits and _"),
    gettext_noop("must be a mapping of group codes to texts"),
    gettext_noop("must be above 0 and at most 1"),
    gettext_noop("must be at least 2 (a variance needs two)"),
    gettext_noop("must be at least min_n_publish (use the same value to turn small-area estimates off)"),
    gettext_noop("no item belongs to this group"),
    gettext_noop("must be a non-empty list of items"),
    gettext_noop("{value} is not a valid code (a-z, 0-9, _)"),
    gettext_noop("the item code appears twice"),
    gettext_noop("an item may not have the same code as a group"),
    gettext_noop("the code is reserved for a respondent column"),
    gettext_noop("unknown group {value}"),
    gettext_noop("unknown scale {value}"),
    gettext_noop("must be a list of column names"),
    gettext_noop("{value} is a respondent column"),
    gettext_noop("column {value} is already used by {other}"),
    gettext_noop("must be a non-empty list of colour classes"),
    gettext_noop("thresholds must increase"),
    gettext_noop("the last class must not have an upper bound"),
    gettext_noop("every class but the last needs an upper bound"),
    gettext_noop("{value} is not a colour like '#1a9850'"),
    gettext_noop("empty"),
    gettext_noop("'{value}' is not an answer code"),
    gettext_noop("the code is also on line {line}"),
    gettext_noop("the code is not in this round's sample"),
    gettext_noop("the code has already answered"),
    gettext_noop("'{id}' appears twice in the file"),
    gettext_noop("not an ISO 8601 time (e.g. 2026-03-14T21:30)"),
    gettext_noop("unknown category '{value}'"),
    gettext_noop("must be 1, 2 or 3"),
    gettext_noop("latitude and longitude must both be numbers"),
    gettext_noop("no area '{code}' in {municipality}"),
    gettext_noop("no named place '{name}'"),
    gettext_noop("no safety group '{key}'"),
    gettext_noop("the file is not a readable XLSX workbook; save it again from the spreadsheet program"),
    gettext_noop("the file is not UTF-16 text; save it again as 'Unicode text' or 'CSV UTF-8'"),
    gettext_noop("the file is not {encoding} text; choose the encoding it was saved in and check it again"),
    gettext_noop("the line holds a NUL character, so the file is not text in the chosen encoding (is it UTF-16?)"),
    gettext_noop("a field is longer than {limit} characters"),
    gettext_noop("the line cannot be read as CSV"),
    gettext_noop("the file cannot be read as {kind}; save it again and upload it again"),
    gettext_noop("the workbook unpacks to {size} MB, more than the limit of {limit} MB"),
    gettext_noop("the workbook unpacks to {ratio} times its size, more than the limit of {limit}; save it again from the spreadsheet program"),
    gettext_noop("area '{code}' has {count} vertices, more than the {limit} allowed; simplify the boundary (e.g. in QGIS) and import again"),
    # SCB's population (trygg.analysis.population_io)
    gettext_noop("not a table of SCB's PX-Web"),
    gettext_noop("not a JSON-stat 2.0 dataset"),
    gettext_noop("a JSON-stat collection; save one table"),
    gettext_noop("'id' and 'size' must be lists alike"),
    gettext_noop("the table has no dimension for {detail} (expected Region, Alder, Kon and Tid)"),
    gettext_noop("{count} categories but size says {size}"),
    gettext_noop("the table holds {count} contents; choose only Folkmängd (Antal) when saving it"),
    gettext_noop("{count} values but {total} cells"),
    gettext_noop("no values"),
    gettext_noop("no column of a year such as '2024'"),
    gettext_noop("'{value}' is not an age"),
    gettext_noop("'{value}' is not 1, 2, män or kvinnor"),
    gettext_noop("no row is of one of the municipality's areas"),
    # Brå's statistics per municipality (trygg.analysis.bra_io)
    gettext_noop("'{value}' has no four-digit municipality code (e.g. '2281 Sundsvall')"),
    gettext_noop("'{value}' is not a number ≥ 0"),
    gettext_noop("missing crime"),
    gettext_noop("the same municipality, year and crime is on line {line} too"),
    gettext_noop("the file has no municipality's rows"),
)  # fmt: skip

_FIELD = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for template in TEMPLATES:
        parts = _FIELD.split(template)  # literal, name, literal, name, …
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        literal = sum(len(part) for part in parts[::2])
        compiled.append((literal, re.compile(regex, re.DOTALL), template))
    # The most specific template wins: "unknown area code '…'; import the areas first"
    # before "unknown area code '…'".
    compiled.sort(key=lambda entry: -entry[0])
    return tuple((pattern, template) for _, pattern, template in compiled)


def problem_reason(reason: str) -> str:
    """The reason in the active language, or as given when no template matches."""
    for pattern, template in _patterns():
        match = pattern.fullmatch(reason)
        if match is not None:
            return gettext(template).format(**match.groupdict())
    return reason


def problem_text(problem: RowProblem) -> str:
    """File, feature, line, column and reason in one line, in the active language."""
    where = [problem.file]
    if problem.feature is not None:
        where.append(gettext("feature %(n)s") % {"n": problem.feature})
    if problem.line is not None:
        where.append(gettext("line %(n)s") % {"n": problem.line})
    if problem.column:
        where.append(gettext("column '%(name)s'") % {"name": problem.column})
    return f"{', '.join(where)}: {problem_reason(problem.reason)}"
