"""Reading areas (GeoJSON, GeoPackage) and population (CSV, XLSX) per docs/formats.md, with validation.

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
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from .areas_crs import (
    crs_name,
    is_geopackage,
    looks_like_sweref_tm,
    outside_sweden,
    read_geopackage,
    to_wgs84,
)
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
# An area's boundary needs a few hundred to a few thousand vertices; a million (an
# unsimplified survey export) makes every map page megabytes long and slows every analysis.
MAX_VERTICES_PER_AREA = 20_000
# What the maps draw: simplified to about 5 m (in degrees of latitude), which a map of a
# municipality cannot show anyway, and to at most MAP_MAX_VERTICES vertices an area.
MAP_TOLERANCE = 0.00005
MAP_MAX_VERTICES = 1_500
MAP_DECIMALS = 6
SEX_CODES = {
    "f": "F", "k": "F", "kvinna": "F", "kvinnor": "F", "female": "F", "women": "F",
    "m": "M", "man": "M", "män": "M", "male": "M", "men": "M",
}  # fmt: skip


# SCB's DeSO and RegSO files name their columns so; each code column with the name columns
# that go with it, the first present wins (docs/formats.md). A DeSO has no name: its code is.
CODE_ALIASES = (
    ("code", ("name", "namn")),
    ("deso", ("name", "namn", "desonamn")),
    ("desokod", ("name", "namn", "desonamn")),
    ("regsokod", ("name", "namn", "regso", "regsonamn")),
)
CODE_IS_NAME = {"deso", "desokod"}
MUNICIPALITY_COLUMNS = ("kommun", "kommunkod")


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


def load_geojson(path: str | Path, *, file: str | None = None) -> dict:
    path = Path(path)
    file = file or path.name
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(RowProblem(file=file, reason="the file is not UTF-8 text")) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            RowProblem(file=file, line=exc.lineno, reason=f"not valid JSON: {exc.msg}")
        ) from exc


def load_areas(path: str | Path, *, file: str | None = None, layer: str | None = None) -> dict:
    """An area file as a GeoJSON FeatureCollection for :func:`parse_areas`: GeoJSON as it
    is, a GeoPackage (known by its content, whatever its name) as its polygon layer in its
    own coordinate system, named in the ``crs`` member."""
    path = Path(path)
    file = file or path.name
    if not path.is_file():
        raise InputError(RowProblem(file=file, reason="the file does not exist"))
    if is_geopackage(path):
        return read_geopackage(path, file=file, layer=layer)
    return load_geojson(path, file=file)


def parse_areas(
    data: dict,
    *,
    file: str,
    known_parent_codes: Iterable[str] = (),
    max_vertices: int = MAX_VERTICES_PER_AREA,
    municipality_code: str | None = None,
) -> list[AreaFeature]:
    """Validate a FeatureCollection of areas and return its features in file order.

    ``known_parent_codes`` are codes already stored, so that a file of areas may refer to
    districts imported earlier. An area with more than ``max_vertices`` vertices is refused.
    With ``municipality_code``, a file whose features carry SCB's municipality code
    (``kommun`` or ``kommunkod``, as SCB's DeSO and RegSO files for all of Sweden do) gives
    only that municipality's areas; feature numbers stay those of the file.
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(
            RowProblem(file=file, reason="the file is not a GeoJSON FeatureCollection")
        )
    data, projected_from = _in_wgs84(data, file)
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InputError(RowProblem(file=file, reason="the FeatureCollection has no features"))

    problems: list[RowProblem] = []
    parsed: list[AreaFeature] = []
    first_index_of: dict[str, int] = {}
    keep = _of_municipality(features, municipality_code, file)
    for index, feature in enumerate(features):
        if keep is not None and index not in keep:
            continue
        area = _parse_feature(feature, index, file, problems, max_vertices, projected_from)
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
        str(_area_properties(f.get("properties") or {}).get("code") or "").strip()
        for i, f in enumerate(features)
        if isinstance(f, dict) and (keep is None or i in keep)
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


def collection_as_read(data: dict, features: list[AreaFeature]) -> dict:
    """The collection as :func:`parse_areas` read it, for code that reads features' own
    ``code``, ``parent_code`` and coordinates: ``data`` itself when it was WGS84 with
    ``code`` properties, else rebuilt from ``features`` (reprojected, SCB's columns named)."""
    raw = data.get("features") or []
    if crs_name(data) in (None, *WGS84_NAMES) and all(
        (f.get("properties") or {}).get("code") not in (None, "") for f in raw
    ):
        return data
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": f.code,
                    "name": f.name,
                    "parent_code": f.parent_code,
                    "population": f.population,
                },
                "geometry": f.geometry,
            }
            for f in features
        ],
    }


def _of_municipality(features: list, code: str | None, file: str) -> set[int] | None:
    """The indexes of the features of municipality ``code`` by SCB's ``kommun``/``kommunkod``
    column, or None (keep all) when there is no code or the file has no such column of
    four-digit codes (a municipality's own file may name itself in words)."""
    if code is None:
        return None
    found: dict[int, str] = {}
    for index, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        lower = {str(k).lower(): v for k, v in (props or {}).items()}
        value = next((lower[k] for k in MUNICIPALITY_COLUMNS if k in lower), None)
        if value is None:
            return None
        found[index] = str(value).strip()
    if not found or not all(re.fullmatch(r"\d{4}", v) for v in found.values()):
        return None
    keep = {index for index, value in found.items() if value == code}
    if not keep:
        raise InputError(
            RowProblem(
                file=file,
                column="kommun",
                reason=f"no area in the file belongs to municipality {code}",
            )
        )
    return keep


def _in_wgs84(data: dict, file: str) -> tuple[dict, str | None]:
    """The collection in WGS84, and the coordinate system it was converted from (None when
    it was WGS84 already)."""
    name = crs_name(data)
    if name is None:
        if looks_like_sweref_tm(data):
            raise InputError(
                RowProblem(
                    file=file,
                    column="crs",
                    reason=(
                        "the coordinates look like SWEREF 99 TM (metres), but the file does not "
                        "say its coordinate system; export it with its crs (e.g. EPSG:3006) or "
                        "as WGS84 and import again"
                    ),
                )
            )
        return data, None
    if name in WGS84_NAMES:
        return data, None
    return to_wgs84(data, name=name, file=file), name


def _area_properties(props: dict) -> dict:
    """The properties with ``code`` and ``name`` taken from SCB's column names when the file
    has no ``code`` (column names compared without regard to case)."""
    if not isinstance(props, dict):
        return props
    lower = {str(k).lower(): v for k, v in props.items()}
    if props.get("code") not in (None, ""):
        if props.get("name") in (None, "") and lower.get("namn") not in (None, ""):
            return {**props, "name": lower["namn"]}
        return props
    for code_key, name_keys in CODE_ALIASES[1:]:
        code = lower.get(code_key)
        if code in (None, ""):
            continue
        name = next((lower[k] for k in name_keys if lower.get(k) not in (None, "")), None)
        if name is None and code_key in CODE_IS_NAME:
            name = code
        return {**props, "code": code, "name": props.get("name") or name}
    return props


def _parse_feature(
    feature: object,
    index: int,
    file: str,
    problems: list[RowProblem],
    max_vertices: int,
    projected_from: str | None = None,
) -> AreaFeature | None:
    def problem(column: str | None, reason: str) -> None:
        problems.append(RowProblem(file=file, feature=index, column=column, reason=reason))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problem(None, "not a GeoJSON Feature")
        return None
    props = _area_properties(feature.get("properties") or {})
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
    vertices = shapely.get_num_coordinates(geometry)
    if vertices > max_vertices:
        # Checked before the validity test, which is slow on a million vertices.
        problem(
            "geometry",
            f"area '{code or index}' has {vertices} vertices, more than the {max_vertices} "
            "allowed; simplify the boundary (e.g. in QGIS) and import again",
        )
        return None
    if projected_from is not None and outside_sweden(geometry.bounds):
        problem(
            "geometry",
            f"converted from '{projected_from}' the area lies outside Sweden; check that the "
            "file's crs is the coordinate system it was exported in",
        )
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


def simplify_for_map(
    geometry, *, tolerance: float = MAP_TOLERANCE, max_vertices: int = MAP_MAX_VERTICES
) -> dict:
    """A boundary for drawing (GeoJSON dict in, or a shapely geometry): simplified with its
    topology kept, coarser until it has at most ``max_vertices`` vertices, coordinates
    rounded. Analyses never use it: whether a point lies in an area is decided on the
    exact boundary."""
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    if geom.is_empty:
        return json.loads(shapely.to_geojson(geom))
    simple = geom.simplify(tolerance, preserve_topology=True)
    # Doubling the tolerance a few times reaches any budget for one ring; what is left
    # above it is many small parts or holes, each at least a triangle.
    for _ in range(16):
        if shapely.get_num_coordinates(simple) <= max_vertices:
            break
        tolerance *= 2
        simple = geom.simplify(tolerance, preserve_topology=True)
    if shapely.get_num_coordinates(simple) > max_vertices:
        simple = _within_budget(simple, max_vertices)
    return _rounded(json.loads(shapely.to_geojson(simple)), MAP_DECIMALS)


def _within_budget(geom, budget: int):
    """The largest parts (and holes) of a (Multi)Polygon that fit in ``budget`` vertices;
    the largest part is always kept."""
    kept, used = [], 0
    for part in sorted(getattr(geom, "geoms", [geom]), key=lambda p: -p.area):
        ring = len(part.exterior.coords)
        if kept and used + ring > budget:
            continue
        used += ring
        holes = []
        for hole in sorted(part.interiors, key=lambda r: -Polygon(r).area):
            if used + len(hole.coords) <= budget:
                holes.append(hole)
                used += len(hole.coords)
        kept.append(Polygon(part.exterior, holes))
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def _rounded(value, decimals: int):
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list):
        return [_rounded(v, decimals) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, decimals) for k, v in value.items()}
    return value


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
    return _validate_population(frame, file=file, known=known)


# The checks of one row, in the order their problems are listed for that row.
_POPULATION_CHECKS = ("area_code", "year", "sex", "age_group", "count")


def _validate_population(frame: pl.DataFrame, *, file: str, known: set[str] | None) -> pl.DataFrame:
    """Every row checked with column expressions; each distinct text is parsed once in
    Python by the rules of :func:`_parse_year` and friends, so a million rows of a few
    thousand distinct values take a fraction of a second and give exactly the messages a
    row loop would."""
    code = pl.col("area_code")
    year_of = _per_value(frame["year"], _parse_year, pl.Int32)
    sex_of = _per_value(frame["sex"], lambda t: SEX_CODES.get(t.strip().lower()), pl.String)
    age_of = _per_value(frame["age_group"], _parse_age_group, pl.String)
    count_of = _per_value(frame["count"], _parse_count, pl.Int64)
    work = frame.select(
        pl.col(LINE_COLUMN),
        code,
        pl.col("year"),
        pl.col("sex"),
        pl.col("age_group"),
        pl.col("count"),
        year_of("year").alias("__year"),
        sex_of("sex").alias("__sex"),
        age_of("age_group").alias("__age"),
        count_of("count").alias("__count"),
    )
    unknown = (
        pl.lit(False)
        if known is None
        else ~code.is_in(pl.Series(sorted(known), dtype=pl.String).implode())
    )
    checks = [
        (code == "", pl.lit("missing area code")),
        ((code != "") & unknown, pl.format("unknown area code '{}'; import the areas first", code)),
        (pl.col("__year").is_null(), pl.format("'{}' is not a year", "year")),
        (pl.col("__sex").is_null(), pl.format("'{}' is not F or M", "sex")),
        (
            pl.col("__age").is_null(),
            pl.format("'{}' is not an age group such as 16-24 or 75+", "age_group"),
        ),
        (pl.col("__count").is_null(), pl.format("'{}' is not a whole number ≥ 0", "count")),
    ]
    columns = ("area_code", "area_code", "year", "sex", "age_group", "count")
    flags = work.select(
        *[cond.fill_null(False).alias(f"__bad{k}") for k, (cond, _) in enumerate(checks)]
    )
    any_bad = flags.select(pl.any_horizontal(pl.all()).alias("bad"))["bad"]
    bad_rows = work.filter(any_bad) if any_bad.any() else work.clear()
    bad_flags = flags.filter(any_bad) if bad_rows.height else flags.clear()
    found = [
        bad_rows.filter(bad_flags[f"__bad{k}"]).select(
            pl.col(LINE_COLUMN).alias("line"),
            pl.lit(_POPULATION_CHECKS.index(columns[k])).alias("order"),
            pl.lit(columns[k]).alias("column"),
            reason.alias("reason"),
        )
        for k, (_, reason) in enumerate(checks)
    ]
    good = work.filter(~any_bad) if bad_rows.height else work
    # The same area × year × sex × age group twice: every row after the first names it.
    keys = ["area_code", "__year", "__sex", "__age"]
    dup = good.with_columns(pl.col(LINE_COLUMN).min().over(keys).alias("__first")).filter(
        pl.col(LINE_COLUMN) != pl.col("__first")
    )
    if dup.height:
        found.append(
            dup.select(
                pl.col(LINE_COLUMN).alias("line"),
                pl.lit(len(_POPULATION_CHECKS)).alias("order"),
                pl.lit("area_code").alias("column"),
                pl.format(
                    "the same area, year, sex and age group is on line {} too", "__first"
                ).alias("reason"),
            )
        )
    problems_frame = pl.concat(
        [f.with_columns(pl.col("order").cast(pl.Int64)) for f in found], how="vertical"
    )
    if problems_frame.height:
        problems_frame = problems_frame.sort("line", "order", maintain_order=True)
        raise InputError(
            [
                RowProblem(file=file, line=int(line), column=column, reason=reason)
                for line, _, column, reason in problems_frame.iter_rows()
            ]
        )
    return good.select(
        pl.col("area_code").cast(pl.String),
        pl.col("__year").cast(pl.Int32).alias("year"),
        pl.col("__sex").alias("sex"),
        pl.col("__age").alias("age_group"),
        pl.col("__count").cast(pl.Int64).alias("count"),
    )


def _per_value(series: pl.Series, parse, dtype: pl.DataType):
    """An expression builder mapping each text of ``series`` to ``parse(text)`` (None =
    invalid), parsing every distinct text once."""
    distinct = series.unique().to_list()
    parsed = [parse(text) for text in distinct]

    def expr(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(distinct, parsed, default=None, return_dtype=dtype)

    return expr


def _parse_year(text: str) -> int | None:
    year = _int_or_none(text)
    return year if year is not None and 1900 <= year <= 2100 else None


def _parse_age_group(text: str) -> str | None:
    age_group = text.replace(" ", "")
    match = AGE_GROUP_RE.match(age_group)
    if not match or (match.group(1) and int(match.group(1)) > int(match.group(2))):
        return None
    return age_group


def _parse_count(text: str) -> int | None:
    count = _int_or_none(text)
    return count if count is not None and count >= 0 else None


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip().replace("\u00a0", "").replace(" ", ""))
    except (ValueError, AttributeError):
        return None
