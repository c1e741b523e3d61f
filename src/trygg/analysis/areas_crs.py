"""Area files as a municipality has them: GeoPackage, and GeoJSON in SWEREF 99 TM or another
coordinate system pyproj knows, reprojected to WGS84 before the checks of
:func:`trygg.analysis.areas_io.parse_areas` (ADR 0014).

pyproj and pyogrio are imported when a file needs them, not with the analysis package.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

from .errors import InputError, RowProblem

SQLITE_MAGIC = b"SQLite format 3\x00"
# Where Sweden lies in WGS84, with a margin: a reprojected area outside it means the file
# names the wrong coordinate system.
SWEDEN_LON = (10.0, 25.0)
SWEDEN_LAT = (55.0, 69.5)
# SWEREF 99 TM metres in Sweden (easting, northing).
SWEREF_TM_X = (200_000, 1_000_000)
SWEREF_TM_Y = (6_100_000, 7_700_000)
POLYGON_TYPES = {"Polygon", "MultiPolygon"}


def is_geopackage(path: str | Path) -> bool:
    """A GeoPackage is an SQLite database: known by its first bytes, whatever its name."""
    with Path(path).open("rb") as f:
        return f.read(16) == SQLITE_MAGIC


def crs_name(data: dict) -> str | None:
    crs = data.get("crs")
    if crs is None:
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    return str(name) if name is not None else ""


def crs_from_name(name: str, *, file: str):
    """The pyproj CRS a ``crs`` member names; an unknown name is refused."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(name)
    except CRSError:
        raise InputError(
            RowProblem(
                file=file,
                column="crs",
                reason=(
                    f"unknown coordinate system '{name}'; name it as EPSG:3006 (SWEREF 99 TM), "
                    "another EPSG code or WGS84 (EPSG:4326)"
                ),
            )
        ) from None


def to_wgs84(data: dict, *, name: str, file: str) -> dict:
    """A copy of the FeatureCollection with every readable polygon reprojected from the
    coordinate system ``name`` to WGS84 (longitude, latitude); other features as they are,
    for the checks to report."""
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    source = crs_from_name(name, file=file)
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    features = data.get("features")
    if not isinstance(features, list):
        return data
    geometries = []
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        geometries.append(_readable_polygon(geometry, shape))
    readable = [g for g in geometries if g is not None]
    if readable and _all_within(readable, (-180, 180), (-90, 90)) and not source.is_geographic:
        raise InputError(
            RowProblem(
                file=file,
                column="crs",
                reason=(
                    f"the file says its coordinate system is '{name}', but its coordinates "
                    "are longitude/latitude (WGS84); remove the crs member or correct it"
                ),
            )
        )
    converted = []
    for feature, geometry in zip(features, geometries, strict=True):
        if geometry is None:
            converted.append(feature)
            continue
        moved = shapely.transform(geometry, transformer.transform, interleaved=False)
        converted.append({**feature, "geometry": json.loads(shapely.to_geojson(moved))})
    return {key: value for key, value in data.items() if key != "crs"} | {"features": converted}


def looks_like_sweref_tm(data: dict) -> bool:
    """True when every readable polygon lies where SWEREF 99 TM puts Sweden (metres), so the
    file is projected but does not say so."""
    from shapely.geometry import shape

    features = data.get("features")
    if not isinstance(features, list):
        return False
    readable = [
        g
        for g in (
            _readable_polygon(f.get("geometry") if isinstance(f, dict) else None, shape)
            for f in features
        )
        if g is not None
    ]
    return bool(readable) and _all_within(readable, SWEREF_TM_X, SWEREF_TM_Y)


def outside_sweden(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    finite = all(math.isfinite(v) for v in bounds)
    return not (
        finite
        and SWEDEN_LON[0] <= minx <= maxx <= SWEDEN_LON[1]
        and SWEDEN_LAT[0] <= miny <= maxy <= SWEDEN_LAT[1]
    )


def _readable_polygon(geometry, shape):
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        return None
    try:
        parsed = shape(geometry)
    except Exception:  # shapely raises several types; the checks report it
        return None
    return None if parsed.is_empty else parsed


def _all_within(geometries, xs, ys) -> bool:
    for geometry in geometries:
        minx, miny, maxx, maxy = geometry.bounds
        if not (xs[0] <= minx <= maxx <= xs[1] and ys[0] <= miny <= maxy <= ys[1]):
            return False
    return True


# ----------------------------------------------------------------------------- GeoPackage


def read_geopackage(path: str | Path, *, file: str, layer: str | None = None) -> dict:
    """The polygon layer of a GeoPackage as a GeoJSON FeatureCollection in the layer's own
    coordinate system (named in its ``crs`` member), attributes as properties."""
    import pyogrio
    import pyogrio.raw
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    # GDAL's own message names the server's path: the reason says what the user can fix.
    unreadable = InputError(RowProblem(file=file, reason="the file is not a readable GeoPackage"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an upload has no .gpkg name
            layers = [(str(n), str(t or "")) for n, t in pyogrio.list_layers(str(path))]
    except (DataSourceError, DataLayerError, OSError):
        raise unreadable from None
    polygons = [n for n, t in layers if t.removesuffix(" Z").removesuffix(" M") in POLYGON_TYPES]
    names = ", ".join(n for n, _ in layers) or "none"
    if layer is not None:
        if layer not in {n for n, _ in layers}:
            raise InputError(
                RowProblem(
                    file=file,
                    column="layer",
                    reason=f"the GeoPackage has no layer '{layer}'; its layers: {names}",
                )
            )
        chosen = layer
    elif len(polygons) == 1:
        chosen = polygons[0]
    elif not polygons:
        raise InputError(
            RowProblem(
                file=file,
                column="layer",
                reason=f"the GeoPackage has no layer of polygons; its layers: {names}",
            )
        )
    else:
        raise InputError(
            RowProblem(
                file=file,
                column="layer",
                reason=(
                    f"the GeoPackage has several layers of polygons ({', '.join(polygons)}); "
                    "choose one (trygg import areas --layer) or save it in a file of its own"
                ),
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, _fids, wkb, columns = pyogrio.raw.read(str(path), layer=chosen, force_2d=True)
    except (DataSourceError, DataLayerError, OSError):
        raise unreadable from None
    fields = [str(f) for f in meta["fields"]]
    values = [_python_values(column) for column in columns]
    features = []
    for index, raw in enumerate(wkb):
        geometry = None
        if raw is not None:
            try:
                geometry = json.loads(shapely.to_geojson(shapely.from_wkb(raw)))
            except Exception:  # a broken blob: the checks report the feature
                geometry = None
        features.append(
            {
                "type": "Feature",
                "properties": {f: column[index] for f, column in zip(fields, values, strict=True)},
                "geometry": geometry,
            }
        )
    data: dict = {"type": "FeatureCollection", "features": features}
    if meta.get("crs"):
        data["crs"] = {"type": "name", "properties": {"name": str(meta["crs"])}}
    return data


def _python_values(column) -> list:
    out = []
    for value in column.tolist():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        out.append(value)
    return out
