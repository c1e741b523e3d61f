"""Reading areas (GeoJSON) and population (CSV) per FORMATS.md, with validation.

Both readers collect every problem they find and raise one :class:`InputError`, so the
user fixes the file once instead of once per error. Nothing here touches a database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from .errors import InputError, RowProblem
from .tables import LINE_COLUMN, read_csv_text, read_xlsx_text

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "urn:ogc:def:crs:EPSG:4326",
    "EPSG:4326",
    "CRS84",
}
AGE_GROUP_RE = re.compile(r"^(\d{1,3})-(\d{1,3})$|^(\d{1,3})\+$")
POPULATION_COLUMNS = ("area_code", "year", "sex", "age_group", "count")
# SCB's tables and Swedish spreadsheets write K/kvinnor and M/män.
SEX_CODES = {
    "f": "F", "k": "F", "kvinna": "F", "kvinnor": "F", "female": "F", "women": "F",
    "m": "M", "man": "M", "män": "M", "male": "M", "men": "M",
}  # fmt: skip


@dataclass(frozen=True)
class AreaFeature:
    index: int
    code: str
    name: str
    parent_code: str | None
    population: int | None
    geometry: dict
    centroid_lon: float
    centroid_lat: float


def load_geojson(path: str | Path) -> dict:
    path = Path(path)
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(RowProblem(file=path.name, reason="the file is not UTF-8 text")) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            RowProblem(file=path.name, line=exc.lineno, reason=f"not valid JSON: {exc.msg}")
        ) from exc


def parse_areas(
    data: dict, *, file: str, known_parent_codes: Iterable[str] = ()
) -> list[AreaFeature]:
    """Validate a FeatureCollection of areas and return its features in file order.

    ``known_parent_codes`` are codes already stored, so that a file of areas may refer to
    districts imported earlier.
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(
            RowProblem(file=file, reason="the file is not a GeoJSON FeatureCollection")
        )
    _check_crs(data, file)
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InputError(RowProblem(file=file, reason="the FeatureCollection has no features"))

    problems: list[RowProblem] = []
    parsed: list[AreaFeature] = []
    first_index_of: dict[str, int] = {}
    for index, feature in enumerate(features):
        area = _parse_feature(feature, index, file, problems)
        if area is None:
            continue
        if area.code in first_index_of:
            problems.append(
                RowProblem(
                    file=file,
                    feature=index,
                    column="code",
                    reason=f"duplicate code '{area.code}' (also feature {first_index_of[area.code]})",
                )
            )
            continue
        first_index_of[area.code] = index
        parsed.append(area)

    # Codes of features that failed for another reason still count, so one bad district
    # is reported once rather than once more for every area in it.
    codes_in_file = {
        str((f.get("properties") or {}).get("code") or "").strip()
        for f in features
        if isinstance(f, dict)
    }
    known = set(known_parent_codes) | codes_in_file
    for area in parsed:
        if area.parent_code is not None and area.parent_code not in known:
            problems.append(
                RowProblem(
                    file=file,
                    feature=area.index,
                    column="parent_code",
                    reason=f"parent_code '{area.parent_code}' is neither in the file nor imported",
                )
            )
    problems.extend(_cycles(parsed, file))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.feature or 0))
    return parsed


def _check_crs(data: dict, file: str) -> None:
    crs = data.get("crs")
    if crs is None:
        return
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if name not in WGS84_NAMES:
        raise InputError(
            RowProblem(
                file=file,
                column="crs",
                reason=(
                    f"coordinate system '{name}' is not WGS84; export the file as WGS84 "
                    "(EPSG:4326, longitude/latitude) and import again"
                ),
            )
        )


def _parse_feature(
    feature: object, index: int, file: str, problems: list[RowProblem]
) -> AreaFeature | None:
    def problem(column: str | None, reason: str) -> None:
        problems.append(RowProblem(file=file, feature=index, column=column, reason=reason))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problem(None, "not a GeoJSON Feature")
        return None
    props = feature.get("properties") or {}
    code = str(props.get("code") or "").strip()
    name = str(props.get("name") or "").strip()
    ok = True
    if not code:
        problem("code", "missing code")
        ok = False
    elif len(code) > 32:
        problem("code", "code is longer than 32 characters")
        ok = False
    if not name:
        problem("name", "missing name")
        ok = False
    parent = props.get("parent_code")
    parent_code = str(parent).strip() if parent not in (None, "") else None
    if parent_code is not None and parent_code == code:
        problem("parent_code", "an area cannot be its own parent")
        ok = False
    population = props.get("population")
    if population not in (None, ""):
        try:
            population = int(str(population))
            if population < 0:
                raise ValueError
        except ValueError:
            problem(
                "population", f"population '{props.get('population')}' is not a whole number ≥ 0"
            )
            ok = False
    else:
        population = None

    raw_geometry = feature.get("geometry")
    if not isinstance(raw_geometry, dict) or raw_geometry.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        problem("geometry", "geometry must be a Polygon or MultiPolygon")
        return None
    try:
        geometry = shape(raw_geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        problem("geometry", f"geometry cannot be read ({exc})")
        return None
    if geometry.is_empty:
        problem("geometry", "geometry is empty")
        return None
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problem(
            "geometry",
            "coordinates are not longitude/latitude (WGS84); projected coordinates such as "
            "SWEREF 99 TM must be converted to WGS84 first",
        )
        return None
    if not geometry.is_valid:
        problem("geometry", f"invalid geometry: {explain_validity(geometry)}")
        return None
    if not ok:
        return None
    # A label point must lie inside the area, which a crescent's centroid does not.
    centroid = geometry.centroid
    if not centroid.within(geometry):
        centroid = geometry.representative_point()
    return AreaFeature(
        index=index,
        code=code,
        name=name,
        parent_code=parent_code,
        population=population,
        geometry=json.loads(shapely.to_geojson(geometry)),
        centroid_lon=round(centroid.x, 6),
        centroid_lat=round(centroid.y, 6),
    )


def _cycles(areas: list[AreaFeature], file: str) -> list[RowProblem]:
    parent_of = {a.code: a.parent_code for a in areas}
    index_of = {a.code: a.index for a in areas}
    problems = []
    for code in parent_of:
        seen = {code}
        current = parent_of.get(code)
        while current is not None and current in parent_of:
            if current in seen:
                problems.append(
                    RowProblem(
                        file=file,
                        feature=index_of[code],
                        column="parent_code",
                        reason=f"parent_code of '{code}' leads round in a circle",
                    )
                )
                break
            seen.add(current)
            current = parent_of.get(current)
    return problems


def read_population(
    path: str | Path, *, known_area_codes: Iterable[str] | None = None, file: str | None = None
) -> pl.DataFrame:
    """Read population by area × year × sex × age group and validate every row.

    ``file`` is the name to use in error messages (an upload's original name).
    """
    path = Path(path)
    file = file or path.name
    if not path.is_file():
        raise InputError(RowProblem(file=file, reason="the file does not exist"))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = read_xlsx_text(path, required=POPULATION_COLUMNS, file=file)
    else:
        frame, _ = read_csv_text(path, required=POPULATION_COLUMNS, file=file)
    known = set(known_area_codes) if known_area_codes is not None else None
    problems: list[RowProblem] = []
    rows: list[tuple[str, int, str, str, int]] = []
    first_line: dict[tuple[str, int, str, str], int] = {}
    for record in frame.iter_rows(named=True):
        line = record[LINE_COLUMN]

        def bad(column: str, reason: str, line: int = line) -> None:
            problems.append(RowProblem(file=file, line=line, column=column, reason=reason))

        before = len(problems)
        code = record["area_code"]
        if not code:
            bad("area_code", "missing area code")
        elif known is not None and code not in known:
            bad("area_code", f"unknown area code '{code}'; import the areas first")
        year = _int_or_none(record["year"])
        if year is None or not 1900 <= year <= 2100:
            bad("year", f"'{record['year']}' is not a year")
        sex = SEX_CODES.get(record["sex"].strip().lower())
        if sex is None:
            bad("sex", f"'{record['sex']}' is not F or M")
        age_group = record["age_group"].replace(" ", "")
        match = AGE_GROUP_RE.match(age_group)
        if not match or (match.group(1) and int(match.group(1)) > int(match.group(2))):
            bad("age_group", f"'{record['age_group']}' is not an age group such as 16-24 or 75+")
        count = _int_or_none(record["count"])
        if count is None or count < 0:
            bad("count", f"'{record['count']}' is not a whole number ≥ 0")
        if len(problems) > before:
            continue
        key = (code, year, sex, age_group)
        if key in first_line:
            bad(
                "area_code",
                f"the same area, year, sex and age group is on line {first_line[key]} too",
            )
            continue
        first_line[key] = line
        rows.append((code, year, sex, age_group, count))
    if problems:
        raise InputError(problems)
    return pl.DataFrame(
        rows,
        schema={
            "area_code": pl.String,
            "year": pl.Int32,
            "sex": pl.String,
            "age_group": pl.String,
            "count": pl.Int64,
        },
        orient="row",
    )


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip().replace("\u00a0", "").replace(" ", ""))
    except (ValueError, AttributeError):
        return None
