"""A reproducible synthetic municipality modelled on Sundsvall (municipality 2281).

Pure Python (numpy + shapely), no Django: the demo command, the tests and the benchmarks
all build their data from here.

What it makes
-------------
* ``areas``: a GeoJSON FeatureCollection (WGS84 lon/lat, RFC 7946 ring orientation,
  coordinates on a 1e-6 degree grid) of districts and the areas inside them. Area polygons
  are a Voronoi tessellation of seed points at the places' approximate real centres,
  clipped to a rough outline of the municipality (mainland plus the island Alnö). The
  polygons form a clean coverage: they do not overlap, leave no gap inside the outline and
  neighbours share their border vertices exactly, so queen/rook contiguity works. Alnö is
  an island: its areas touch each other but not the mainland (a real-world case that
  contiguity-based analysis has to handle anyway).
* ``population``: residents per area × year × sex × age group. The age groups are the
  survey's (``16-24`` … ``75+``, docs/formats.md) plus ``0-15`` so that totals are the whole
  population (about 99,000 at ``scale=1``). Use :data:`SURVEY_AGE_GROUPS` for weighting.
* ``organisations`` and ``safety_groups`` (the number of groups is data, see
  :data:`SAFETY_GROUPS`).

Codes: the municipality is ``2281``; districts ``2281D01`` …; areas ``2281A001`` …. With
``scale >= 10`` each area is split into ``min(int(scale), 99)`` parts coded
``2281A00101`` … (so the number of residents per area stays realistic).

:func:`generate_national` makes a Sweden-sized set of DeSO-like areas (9-character codes
``KKKKLNNNN``: municipality code, a letter A/B/C for rural/town/centre, four digits) for
benchmarks.

The same arguments always give the same objects and byte-identical files (for a given
numpy/shapely version). Everything is synthetic: population figures, boundaries and codes
only resemble the real ones.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiPoint, MultiPolygon, Polygon

__all__ = [
    "AGE_GROUPS",
    "AREA_SPECS",
    "DISTRICTS",
    "ORGANISATIONS",
    "ORGANISATION_KINDS",
    "SAFETY_GROUPS",
    "SEXES",
    "SURVEY_AGE_GROUPS",
    "SyntheticMunicipality",
    "generate_municipality",
    "generate_national",
    "write_demo_files",
]

MUNICIPALITY_CODE = "2281"
MUNICIPALITY_NAME = "Sundsvall"
TARGET_POPULATION = 99_000
DEFAULT_YEARS = (2022, 2023, 2024, 2025, 2026)

#: All age groups in the population table. ``0-15`` is not a survey group (FORMATS.md
#: names only the survey's groups) but makes area totals the whole population.
AGE_GROUPS = ("0-15", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
#: The survey's age groups (FORMATS.md), i.e. the weighting frame for residents aged 16+.
SURVEY_AGE_GROUPS = AGE_GROUPS[1:]
SEXES = ("F", "M")

ORGANISATION_KINDS = (
    "police",
    "social_services",
    "school",
    "leisure",
    "field_work",
    "civil_society",
    "housing",
    "municipal_admin",
)

GRID = 1e-6  # degrees; coordinates are snapped to this grid and written with 6 decimals
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320


@dataclass(frozen=True)
class SyntheticMunicipality:
    """A generated municipality (or, from :func:`generate_national`, a national set)."""

    code: str
    name: str
    areas: dict
    population: list[dict]
    organisations: list[dict]
    safety_groups: list[dict]

    def area_features(self) -> list[dict]:
        """Features of the lowest level (those that have population rows)."""
        return [f for f in self.areas["features"] if f["properties"]["level"] == "area"]

    def total_population(self, year: int | None = None) -> int:
        """Residents in ``year`` (default: the latest year present)."""
        if year is None:
            year = max(r["year"] for r in self.population)
        return sum(r["count"] for r in self.population if r["year"] == year)


@dataclass(frozen=True)
class AreaSpec:
    """One area of the Sundsvall model: where it is and what it is like."""

    number: int
    name: str
    district: str
    lat: float
    lon: float
    population: int  # approximate residents in the latest year at scale 1
    profile: str  # key of _PROFILES

    @property
    def code(self) -> str:
        return f"{MUNICIPALITY_CODE}A{self.number:03d}"


DISTRICTS: dict[str, str] = {
    f"{MUNICIPALITY_CODE}D01": "Centrala staden",
    f"{MUNICIPALITY_CODE}D02": "Västra staden",
    f"{MUNICIPALITY_CODE}D03": "Norra (Skön)",
    f"{MUNICIPALITY_CODE}D04": "Södra (Njurunda)",
    f"{MUNICIPALITY_CODE}D05": "Västra landsbygden (Matfors)",
    f"{MUNICIPALITY_CODE}D06": "Alnö",
}

_D = [*DISTRICTS]
#: The areas, with approximate real centres (WGS84) and resident numbers that sum to
#: about 99,000. Profiles: urban (students and young adults), suburb (families, rental
#: housing), villa (owner-occupied family housing), rural (older), mixed.
AREA_SPECS: tuple[AreaSpec, ...] = (
    AreaSpec(1, "Centrum", _D[0], 62.3908, 17.3069, 7000, "urban"),
    AreaSpec(2, "Norrmalm", _D[0], 62.3985, 17.3115, 5200, "urban"),
    AreaSpec(3, "Södermalm", _D[0], 62.3835, 17.3030, 4800, "urban"),
    AreaSpec(4, "Östermalm", _D[0], 62.3930, 17.3230, 3500, "urban"),
    AreaSpec(5, "Haga", _D[0], 62.3965, 17.2930, 5000, "urban"),
    AreaSpec(6, "Skönsmon", _D[0], 62.3775, 17.3290, 3800, "mixed"),
    AreaSpec(7, "Nacksta", _D[1], 62.4030, 17.2620, 5600, "suburb"),
    AreaSpec(8, "Granloholm", _D[1], 62.4045, 17.2800, 3600, "suburb"),
    AreaSpec(9, "Sidsjö", _D[1], 62.3790, 17.2800, 3300, "villa"),
    AreaSpec(10, "Bosvedjan", _D[1], 62.3870, 17.2560, 2000, "suburb"),
    AreaSpec(11, "Selånger", _D[1], 62.4180, 17.2150, 3200, "villa"),
    AreaSpec(12, "Skönsberg", _D[2], 62.4120, 17.3180, 5300, "suburb"),
    AreaSpec(13, "Bredsand", _D[2], 62.4030, 17.3520, 3000, "suburb"),
    AreaSpec(14, "Tunadal", _D[2], 62.4230, 17.3620, 2500, "villa"),
    AreaSpec(15, "Ljustadalen", _D[2], 62.4370, 17.3250, 3500, "suburb"),
    AreaSpec(16, "Sundsbruk", _D[2], 62.4480, 17.3450, 4800, "suburb"),
    AreaSpec(17, "Birsta", _D[2], 62.4440, 17.3000, 900, "mixed"),
    AreaSpec(18, "Bergsåker", _D[2], 62.4270, 17.2800, 2500, "villa"),
    AreaSpec(19, "Stockvik", _D[3], 62.3330, 17.3550, 2000, "villa"),
    AreaSpec(20, "Kvissleby", _D[3], 62.2950, 17.3650, 5200, "suburb"),
    AreaSpec(21, "Njurunda", _D[3], 62.2650, 17.3750, 4000, "villa"),
    AreaSpec(22, "Matfors", _D[4], 62.3470, 17.0200, 4800, "villa"),
    AreaSpec(23, "Stöde", _D[4], 62.4140, 16.5800, 1700, "rural"),
    AreaSpec(24, "Kovland", _D[4], 62.4700, 17.1500, 1500, "rural"),
    AreaSpec(25, "Indal", _D[4], 62.5650, 17.1000, 1500, "rural"),
    AreaSpec(26, "Liden", _D[4], 62.7000, 16.8000, 900, "rural"),
    AreaSpec(27, "Alnö", _D[5], 62.4300, 17.4300, 4200, "villa"),
    AreaSpec(28, "Ankarsvik", _D[5], 62.4000, 17.4550, 2200, "villa"),
    AreaSpec(29, "Spikarna", _D[5], 62.4600, 17.4850, 1500, "rural"),
)

# Rough outline of the municipality (lon, lat), counter-clockwise: the mainland (with
# the bay Sundsvallsfjärden cutting in to the harbour) and the island Alnö, separated by
# the sound Alnösundet.
_MAINLAND = (
    (17.385, 62.465), (17.30, 62.475), (17.22, 62.50), (17.18, 62.56), (17.20, 62.62),
    (17.05, 62.70), (16.98, 62.80), (16.75, 62.83), (16.55, 62.75), (16.45, 62.60),
    (16.38, 62.48), (16.40, 62.36), (16.55, 62.28), (16.80, 62.24), (17.05, 62.20),
    (17.22, 62.14), (17.42, 62.16), (17.47, 62.24), (17.45, 62.31), (17.43, 62.355),
    (17.40, 62.372), (17.37, 62.378), (17.335, 62.388), (17.35, 62.398), (17.37, 62.405),
    (17.39, 62.415), (17.392, 62.44),
)  # fmt: skip
_ALNO = (
    (17.405, 62.395), (17.45, 62.385), (17.50, 62.398), (17.535, 62.44), (17.51, 62.475),
    (17.46, 62.485), (17.42, 62.47), (17.40, 62.435),
)  # fmt: skip

ORGANISATIONS: tuple[dict, ...] = (
    {"key": "polisen", "name": "Polisen, lokalpolisområde Medelpad", "kind": "police"},
    {
        "key": "socialtjansten",
        "name": "Socialtjänsten, Sundsvalls kommun",
        "kind": "social_services",
    },
    {"key": "barn-och-utbildning", "name": "Barn- och utbildningsförvaltningen", "kind": "school"},
    {"key": "kultur-och-fritid", "name": "Kultur- och fritidsförvaltningen", "kind": "leisure"},
    {"key": "faltassistenterna", "name": "Fältassistenterna", "kind": "field_work"},
    {"key": "svenska-kyrkan", "name": "Svenska kyrkan i Sundsvall", "kind": "civil_society"},
    {"key": "nattvandrarna", "name": "Nattvandrarna Sundsvall", "kind": "civil_society"},
    {"key": "mitthem", "name": "Mitthem AB", "kind": "housing"},
    {"key": "kommunstyrelsekontoret", "name": "Kommunstyrelsekontoret", "kind": "municipal_admin"},
)

#: Local safety groups: (key, name, area numbers, lead organisation key). Their number is
#: data (thirteen in 2023, fifteen in 2021); nothing else may assume it.
SAFETY_GROUPS: tuple[tuple[str, str, tuple[int, ...], str], ...] = (
    ("tg-centrum", "Trygghetsgrupp Centrum", (1, 4), "polisen"),
    ("tg-norrmalm-haga", "Trygghetsgrupp Norrmalm–Haga", (2, 5), "kultur-och-fritid"),
    ("tg-sodermalm-skonsmon", "Trygghetsgrupp Södermalm–Skönsmon", (3, 6), "mitthem"),
    ("tg-nacksta", "Trygghetsgrupp Nacksta", (7, 10), "socialtjansten"),
    ("tg-granloholm-sidsjo", "Trygghetsgrupp Granloholm–Sidsjö", (8, 9), "faltassistenterna"),
    ("tg-skonsberg", "Trygghetsgrupp Skönsberg", (12,), "polisen"),
    ("tg-bredsand", "Trygghetsgrupp Bredsand", (13, 14), "socialtjansten"),
    ("tg-ljustadalen-sundsbruk", "Trygghetsgrupp Ljustadalen–Sundsbruk", (15, 16, 17), "mitthem"),
    (
        "tg-selanger-bergsaker",
        "Trygghetsgrupp Selånger–Bergsåker",
        (11, 18, 24),
        "kultur-och-fritid",
    ),
    ("tg-kvissleby", "Trygghetsgrupp Kvissleby", (20,), "polisen"),
    ("tg-njurunda", "Trygghetsgrupp Njurunda", (19, 21), "barn-och-utbildning"),
    ("tg-matfors", "Trygghetsgrupp Matfors", (22, 23, 25, 26), "kommunstyrelsekontoret"),
    ("tg-alno", "Trygghetsgrupp Alnö", (27, 28, 29), "svenska-kyrkan"),
)

# Age structure: a Swedish baseline (shares of all residents) and multipliers per profile.
_BASE_AGE = np.array([0.18, 0.105, 0.13, 0.125, 0.13, 0.12, 0.105, 0.105])
_PROFILES: dict[str, np.ndarray] = {
    "urban": np.array([0.55, 1.90, 1.85, 1.05, 0.80, 0.75, 0.75, 0.95]),
    "suburb": np.array([1.40, 1.15, 1.15, 1.25, 0.95, 0.80, 0.70, 0.60]),
    "villa": np.array([1.20, 0.90, 0.75, 1.10, 1.15, 1.10, 1.00, 0.85]),
    "rural": np.array([0.85, 0.70, 0.65, 0.80, 1.00, 1.35, 1.50, 1.35]),
    "mixed": np.array([1.00, 1.10, 1.20, 1.00, 0.95, 0.95, 0.90, 0.90]),
}
# Yearly population growth (mean) and ageing drift per profile.
_GROWTH = {"urban": 0.008, "suburb": 0.005, "villa": 0.003, "rural": -0.006, "mixed": 0.003}
_AGEING = {"urban": 0.0, "suburb": 0.002, "villa": 0.006, "rural": 0.012, "mixed": 0.004}
_AGE_TREND = np.linspace(-1.0, 1.0, len(AGE_GROUPS))
# Share of women by age group (Sweden), before noise.
_FEMALE = np.array([0.486, 0.475, 0.475, 0.488, 0.492, 0.497, 0.508, 0.575])


# --------------------------------------------------------------------------- geometry


class _LocalProjection:
    """Equirectangular km around a reference point (affine, so topology is kept)."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.kx = _KM_PER_DEG_LON_EQ * math.cos(math.radians(lat0))
        self.ky = _KM_PER_DEG_LAT

    def forward(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [(lonlat[:, 0] - self.lon0) * self.kx, (lonlat[:, 1] - self.lat0) * self.ky]
        )

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0])


def _voronoi_in(region, seeds: np.ndarray) -> list:
    """Voronoi cells of ``seeds`` (in input order) clipped to ``region``."""
    if len(seeds) == 1:
        return [region]
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region, ordered=True)
    return list(shapely.intersection(shapely.get_parts(cells), region))


def _random_points_in(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``poly`` (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        k = max(16, 3 * (n - have))
        pts = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        pts = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _clean_coverage(polys: Sequence, anchors: np.ndarray, groups: np.ndarray | None = None) -> list:
    """Turn nearly-tiling polygons into an exact coverage on the ``GRID``.

    All boundaries are noded together with snap rounding and polygonised, so neighbours
    share vertices exactly; each face goes to the input polygon that contains it. A
    polygon left in several pieces keeps the piece with its anchor point and gives the
    others to the neighbour (preferably of the same group) with the longest shared border.
    """
    polys = np.asarray(polys, dtype=object)
    n = len(polys)
    noded = shapely.union_all(shapely.boundary(polys), grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0]
    tree = STRtree(polys)
    reps = shapely.point_on_surface(faces)
    fi, pi = tree.query(reps, predicate="within")
    owner = np.full(len(faces), -1)
    hits = np.bincount(fi, minlength=len(faces))
    single = hits[fi] == 1
    owner[fi[single]] = pi[single]
    for f in np.flatnonzero(owner < 0):
        cand = tree.query(faces[f], predicate="intersects")
        if len(cand) == 0:
            cand = np.array([tree.nearest(faces[f])])
        areas = shapely.area(shapely.intersection(polys[cand], faces[f], grid_size=GRID))
        owner[f] = cand[int(np.argmax(areas))]

    face_tree = STRtree(faces)
    anchor_pts = shapely.points(anchors)
    for _ in range(8):
        changed = False
        for i in range(n):
            mine = np.flatnonzero(owner == i)
            if len(mine) < 2:
                continue
            merged = shapely.union_all(faces[mine], grid_size=GRID)
            if not isinstance(merged, MultiPolygon):
                continue
            parts = shapely.get_parts(merged)
            inside = shapely.contains(parts, anchor_pts[i])
            keep = int(np.argmax(inside)) if inside.any() else int(np.argmax(shapely.area(parts)))
            for j, part in enumerate(parts):
                if j == keep:
                    continue
                part_faces = mine[shapely.within(shapely.point_on_surface(faces[mine]), part)]
                near = face_tree.query(part, predicate="intersects")
                near = near[owner[near] != i]
                if len(near) == 0:
                    continue
                if groups is not None and (groups[owner[near]] == groups[i]).any():
                    near = near[groups[owner[near]] == groups[i]]
                shared = shapely.length(shapely.intersection(part.boundary, faces[near]))
                owner[part_faces] = owner[near[int(np.argmax(shared))]]
                changed = True
        if not changed:
            break

    result = []
    for i in range(n):
        mine = faces[owner == i]
        if len(mine) == 0:
            raise ValueError(f"polygon {i} vanished while building the coverage")
        result.append(mine[0] if len(mine) == 1 else shapely.union_all(mine, grid_size=GRID))
    return result


def _geojson_geometry(geom) -> dict:
    """GeoJSON geometry, counter-clockwise exteriors, coordinates rounded to 6 decimals."""
    geom = shapely.orient_polygons(geom, exterior_cw=False)

    def ring(r) -> list[list[float]]:
        coords = [[round(x, 6), round(y, 6)] for x, y in r.coords]
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        return coords

    def rings(p: Polygon) -> list:
        return [ring(p.exterior), *(ring(h) for h in p.interiors)]

    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": rings(geom)}
    return {"type": "MultiPolygon", "coordinates": [rings(p) for p in shapely.get_parts(geom)]}


def _feature(code, name, parent_code, population, level, geom) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": name,
            "parent_code": parent_code,
            "population": int(population),
            "level": level,
        },
        "geometry": _geojson_geometry(geom),
    }


# ------------------------------------------------------------------------- population


def _round_counts(expected: np.ndarray) -> np.ndarray:
    return np.rint(np.maximum(expected, 0.0)).astype(np.int64)


def _age_sex_expected(
    totals: np.ndarray,
    age_shares: np.ndarray,
    female: np.ndarray,
    growth: np.ndarray,
    ageing: np.ndarray,
    years: Sequence[int],
    rng: np.random.Generator,
) -> np.ndarray:
    """Expected residents, shape (areas, years, sexes, age groups).

    ``totals`` are residents in the latest year; earlier years are back-cast with each
    area's growth and ageing drift, plus a little year-to-year noise per cell.
    """
    years_arr = np.asarray(years, dtype=float)
    dt = years_arr - years_arr.max()  # 0 for the latest year, negative before
    shares = age_shares[:, None, :] * np.exp(
        ageing[:, None, None] * dt[None, :, None] * _AGE_TREND[None, None, :]
    )
    shares /= shares.sum(axis=2, keepdims=True)
    size = totals[:, None] * (1.0 + growth[:, None]) ** dt[None, :]
    by_age = size[:, :, None] * shares
    by_age *= np.exp(rng.normal(0.0, 0.015, by_age.shape))
    sex = np.stack([female, 1.0 - female], axis=1)  # (areas, sexes, ages)
    return by_age[:, :, None, :] * sex[:, None, :, :]


def _population_rows(codes: Sequence[str], years: Sequence[int], counts: np.ndarray) -> list:
    n_years, n_sex, n_age = len(years), len(SEXES), len(AGE_GROUPS)
    flat = counts.reshape(-1).tolist()
    rows = []
    k = 0
    for code in codes:
        for y in range(n_years):
            year = int(years[y])
            for s in range(n_sex):
                sex = SEXES[s]
                for a in range(n_age):
                    rows.append(
                        {
                            "area_code": code,
                            "year": year,
                            "sex": sex,
                            "age_group": AGE_GROUPS[a],
                            "count": flat[k],
                        }
                    )
                    k += 1
    return rows


# ---------------------------------------------------------------------- municipality


def _parts_per_area(scale: float) -> int:
    return 1 if scale < 10 else min(int(scale), 99)


def generate_municipality(
    *, seed: int = 2281, scale: float = 1.0, years: tuple[int, ...] = DEFAULT_YEARS
) -> SyntheticMunicipality:
    """The synthetic Sundsvall: areas, population, organisations and safety groups.

    ``scale`` multiplies the population; from ``scale >= 10`` every area is also split
    into ``min(int(scale), 99)`` parts so that areas keep a realistic size.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not years:
        raise ValueError("years must not be empty")
    years = tuple(sorted(int(y) for y in years))
    rng = np.random.default_rng(seed)
    specs = AREA_SPECS
    proj = _LocalProjection(17.31, 62.39)

    # Seeds at the real centres, jittered a little (about 150 m) so the seed shows.
    real = np.array([[s.lon, s.lat] for s in specs])
    seeds_km = proj.forward(real)
    jitter = rng.normal(0.0, 0.15, seeds_km.shape)
    landmasses = [Polygon(proj.forward(np.array(c))) for c in (_MAINLAND, _ALNO)]
    on = np.array([0 if s.district != _D[5] else 1 for s in specs])
    moved = seeds_km + jitter
    ok = np.array([shapely.contains_xy(landmasses[m], *moved[i]) for i, m in enumerate(on)])
    seeds_km = np.where(ok[:, None], moved, seeds_km)

    cells_km: list = [None] * len(specs)
    for m, land in enumerate(landmasses):
        idx = np.flatnonzero(on == m)
        for i, cell in zip(idx, _voronoi_in(land, seeds_km[idx]), strict=True):
            cells_km[i] = cell

    # Optional subdivision (benchmarks): Voronoi parts inside each area.
    parts = _parts_per_area(scale)
    part_cells: list = []
    part_anchor_km: list = []
    part_of: list[int] = []
    for i, cell in enumerate(cells_km):
        if parts == 1:
            pts = seeds_km[i : i + 1]
            sub = [cell]
        else:
            pts = _random_points_in(cell, parts, rng)
            sub = _voronoi_in(cell, pts)
        part_cells.extend(sub)
        part_anchor_km.extend(pts)
        part_of.extend([i] * len(sub))
    part_of_arr = np.array(part_of)

    to_lonlat = proj.inverse
    polys = [shapely.transform(c, to_lonlat) for c in part_cells]
    anchors = to_lonlat(np.array(part_anchor_km))
    polys = _clean_coverage(polys, anchors, groups=part_of_arr)

    # Population per base area in the latest year, then per part.
    base = np.array([s.population for s in specs], dtype=float)
    base *= np.exp(rng.normal(0.0, 0.04, len(specs)))
    base *= TARGET_POPULATION * scale / base.sum()
    profile = [s.profile for s in specs]
    age = np.array([_PROFILES[p] for p in profile]) * _BASE_AGE
    age *= np.exp(rng.normal(0.0, 0.06, age.shape))
    age /= age.sum(axis=1, keepdims=True)
    female = np.clip(_FEMALE + rng.normal(0.0, 0.008, age.shape), 0.40, 0.62)
    growth = np.array([_GROWTH[p] for p in profile]) + rng.normal(0.0, 0.003, len(specs))
    ageing = np.array([_AGEING[p] for p in profile])

    if parts > 1:
        weights = rng.gamma(6.0, 1.0, len(part_of_arr))
        sums = np.bincount(part_of_arr, weights=weights)
        totals = base[part_of_arr] * weights / sums[part_of_arr]
    else:
        totals = base
    expected = _age_sex_expected(
        totals,
        age[part_of_arr],
        female[part_of_arr],
        growth[part_of_arr],
        ageing[part_of_arr],
        years,
        rng,
    )
    counts = _round_counts(expected)
    latest = counts[:, -1].sum(axis=(1, 2))

    # Codes and names.
    codes, names = [], []
    part_no = np.zeros(len(specs), dtype=int)
    for i in part_of_arr:
        spec = specs[i]
        if parts == 1:
            codes.append(spec.code)
            names.append(spec.name)
        else:
            part_no[i] += 1
            codes.append(f"{spec.code}{part_no[i]:02d}")
            names.append(f"{spec.name} {part_no[i]}")

    features = []
    for dcode, dname in DISTRICTS.items():
        members = [k for k, i in enumerate(part_of_arr) if specs[i].district == dcode]
        geom = shapely.coverage_union_all([polys[k] for k in members])
        features.append(_feature(dcode, dname, None, latest[members].sum(), "district", geom))
    for k, i in enumerate(part_of_arr):
        features.append(
            _feature(codes[k], names[k], specs[i].district, latest[k], "area", polys[k])
        )
    areas = {"type": "FeatureCollection", "name": MUNICIPALITY_NAME, "features": features}

    codes_by_number: dict[int, list[str]] = {}
    for k, i in enumerate(part_of_arr):
        codes_by_number.setdefault(specs[i].number, []).append(codes[k])
    safety_groups = [
        {
            "key": key,
            "name": name,
            "area_codes": [c for n in numbers for c in codes_by_number[n]],
            "lead_organisation": lead,
        }
        for key, name, numbers, lead in SAFETY_GROUPS
    ]

    return SyntheticMunicipality(
        code=MUNICIPALITY_CODE,
        name=MUNICIPALITY_NAME,
        areas=areas,
        population=_population_rows(codes, years, counts),
        organisations=[dict(o) for o in ORGANISATIONS],
        safety_groups=safety_groups,
    )


# -------------------------------------------------------------------------- files


def _geojson_bytes(collection: dict) -> bytes:
    """Deterministic GeoJSON text: one feature per line."""
    head = {k: v for k, v in collection.items() if k != "features"}
    dumps = lambda obj: json.dumps(obj, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    lines = [dumps(f) for f in collection["features"]]
    text = dumps(head)[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    return text.encode("utf-8")


def _population_csv_bytes(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cols = ("area_code", "year", "sex", "age_group", "count")
    writer.writerow(cols)
    writer.writerows([r[c] for c in cols] for r in rows)
    return buf.getvalue().encode("utf-8")


def write_demo_files(municipality: SyntheticMunicipality, directory: Path) -> dict[str, Path]:
    """Write ``areas.geojson`` and ``population.csv`` into ``directory``.

    The files follow FORMATS.md (population: ``area_code,year,sex,age_group,count``,
    comma-separated UTF-8 without BOM); the same municipality always gives the same bytes.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"areas": directory / "areas.geojson", "population": directory / "population.csv"}
    paths["areas"].write_bytes(_geojson_bytes(municipality.areas))
    paths["population"].write_bytes(_population_csv_bytes(municipality.population))
    return paths


# ------------------------------------------------------------------------- national

# A rough outline of Sweden's mainland (lon, lat), counter-clockwise.
_SWEDEN = (
    (12.85, 55.35), (14.20, 55.38), (14.37, 55.55), (14.60, 56.05), (15.60, 56.15),
    (16.45, 56.55), (16.60, 57.00), (16.65, 57.70), (16.95, 58.40), (17.60, 58.75),
    (18.60, 59.25), (19.10, 59.80), (18.50, 60.30), (17.30, 60.70), (17.20, 61.40),
    (17.60, 62.40), (18.30, 62.80), (19.30, 63.50), (20.60, 63.85), (21.10, 64.30),
    (21.60, 64.70), (22.00, 65.50), (22.70, 65.85), (24.15, 65.80), (23.65, 67.00),
    (23.00, 68.20), (20.55, 69.06), (19.50, 68.40), (18.10, 68.50), (17.90, 67.95),
    (16.40, 67.20), (15.40, 66.20), (14.50, 65.00), (13.70, 64.60), (12.10, 63.50),
    (12.20, 62.00), (12.60, 61.00), (12.30, 60.90), (12.50, 60.00), (11.80, 59.90),
    (11.20, 59.10), (11.60, 58.30), (11.90, 57.70), (12.50, 56.90), (12.60, 56.20),
    (13.00, 55.60),
)  # fmt: skip
# County codes, roughly south to north (Gotland, 09, is left out: the outline has no islands).
_COUNTIES = (
    "12", "10", "07", "13", "08", "06", "14", "05", "04", "03",
    "01", "18", "19", "17", "20", "21", "22", "23", "24", "25",
)  # fmt: skip
# One affine (equirectangular) projection for the whole country: shapes in the far south
# and north are a little stretched, but straight edges stay straight both ways, so the
# coverage needs no re-noding of curved borders.
_NAT_PROJ = _LocalProjection(16.0, 62.0)


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integers >= ``minimum`` summing to ``total``, proportional to ``weights``."""
    rest = total - minimum * len(weights)
    raw = weights / weights.sum() * rest
    out = np.floor(raw).astype(int)
    short = rest - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out + minimum


def generate_national(
    *,
    seed: int = 1,
    n_areas: int = 6000,
    years: tuple[int, ...] = (DEFAULT_YEARS[-1],),
    include_municipalities: bool = True,
) -> SyntheticMunicipality:
    """A synthetic national set of DeSO-sized areas (about 1,750 residents each).

    Municipalities (about one per 20 areas, at most 290) are Voronoi regions of random
    centres in a rough outline of Sweden, denser in the south; each holds DeSO-like areas
    clustered round its centre. Codes are ``KKKK`` + ``A``/``B``/``C`` (rural, town,
    centre) + four digits. With ``include_municipalities`` the collection also holds one
    feature per municipality (``level`` ``"municipality"``, the areas' ``parent_code``).
    Population rows cover ``years`` (default: the latest year only, to keep memory small).
    """
    if n_areas < 2:
        raise ValueError("n_areas must be at least 2")
    years = tuple(sorted(int(y) for y in years))
    rng = np.random.default_rng(seed)
    sweden = Polygon(_NAT_PROJ.forward(np.array(_SWEDEN)))
    shapely.prepare(sweden)

    n_munis = int(min(290, max(1, round(n_areas / 20.7)), n_areas // 2))
    # Municipality centres: rejection sampling, denser in the south.
    centres = np.empty((0, 2))
    while len(centres) < n_munis:
        cand = _random_points_in(sweden, 4 * n_munis, rng)
        lat = _NAT_PROJ.inverse(cand)[:, 1]
        keep = rng.uniform(size=len(cand)) < np.exp(-(lat - 55.3) / 4.0)
        centres = np.concatenate([centres, cand[keep]])
    centres = centres[:n_munis]
    order = np.argsort(centres[:, 1], kind="stable")  # south to north
    centres = centres[order]
    county = np.minimum(np.arange(n_munis) * len(_COUNTIES) // n_munis, len(_COUNTIES) - 1)
    muni_codes = []
    seen: dict[int, int] = {}
    for c in county:
        seen[c] = seen.get(c, 0) + 1
        muni_codes.append(f"{_COUNTIES[c]}{59 + seen[c]:02d}")
    territories = _voronoi_in(sweden, centres)

    # Areas per municipality: Zipf-like sizes, at least two each.
    ranks = rng.permutation(n_munis) + 1
    n_per = _allocate(n_areas, ranks**-0.8, 2)

    seeds_list, muni_of, letters = [], [], []
    for m in range(n_munis):
        k = int(n_per[m])
        terr = territories[m]
        n_urban = math.ceil(0.7 * k)
        sigma = 1.2 + 0.6 * math.sqrt(k)
        urban = np.empty((0, 2))
        shapely.prepare(terr)
        while len(urban) < n_urban:
            cand = centres[m] + rng.normal(0.0, sigma, (3 * n_urban, 2))
            cand = cand[shapely.contains_xy(terr, cand[:, 0], cand[:, 1])]
            urban = np.concatenate([urban, cand])
            if len(cand) == 0:  # a sliver territory far from its centre: spread evenly
                urban = np.concatenate([urban, _random_points_in(terr, n_urban, rng)])
        urban = urban[:n_urban]
        rural = _random_points_in(terr, k - n_urban, rng) if k > n_urban else np.empty((0, 2))
        dist = np.hypot(*(urban - centres[m]).T)
        letters.extend(np.where(dist < sigma, "C", "B").tolist() + ["A"] * len(rural))
        seeds_list.append(np.concatenate([urban, rural]))
        muni_of.extend([m] * k)
    muni_arr = np.array(muni_of)

    cells, anchors = [], []
    for m in range(n_munis):
        cells.extend(_voronoi_in(territories[m], seeds_list[m]))
        anchors.append(seeds_list[m])
    polys = _clean_coverage(
        [shapely.transform(c, _NAT_PROJ.inverse) for c in cells],
        _NAT_PROJ.inverse(np.concatenate(anchors)),
        groups=muni_arr,
    )

    letters_arr = np.array(letters)
    codes = []
    counter: dict[int, int] = {}
    for m, letter in zip(muni_arr.tolist(), letters, strict=True):
        counter[m] = counter.get(m, 0) + 1
        codes.append(f"{muni_codes[m]}{letter}{1000 + counter[m]:04d}")

    n = len(codes)
    totals = np.clip(rng.lognormal(math.log(1700.0), 0.3, n), 650, 3500)
    profile_of = {"C": "urban", "B": "suburb", "A": "rural"}
    profiles = [profile_of[x] for x in letters_arr]
    age = np.array([_PROFILES[p] for p in profiles]) * _BASE_AGE
    age *= np.exp(rng.normal(0.0, 0.06, age.shape))
    age /= age.sum(axis=1, keepdims=True)
    female = np.clip(_FEMALE + rng.normal(0.0, 0.008, age.shape), 0.40, 0.62)
    growth = np.array([_GROWTH[p] for p in profiles]) + rng.normal(0.0, 0.003, n)
    ageing = np.array([_AGEING[p] for p in profiles])
    counts = _round_counts(_age_sex_expected(totals, age, female, growth, ageing, years, rng))
    latest = counts[:, -1].sum(axis=(1, 2))

    features = []
    if include_municipalities:
        by_muni = [np.flatnonzero(muni_arr == m) for m in range(n_munis)]
        for m in range(n_munis):
            geom = shapely.coverage_union_all([polys[k] for k in by_muni[m]])
            pop = latest[by_muni[m]].sum()
            features.append(
                _feature(muni_codes[m], f"Kommun {muni_codes[m]}", None, pop, "municipality", geom)
            )
    for k in range(n):
        parent = muni_codes[muni_arr[k]] if include_municipalities else None
        features.append(
            _feature(codes[k], f"Område {codes[k]}", parent, latest[k], "area", polys[k])
        )

    return SyntheticMunicipality(
        code="SE",
        name="Sverige (syntetiskt)",
        areas={"type": "FeatureCollection", "name": "Sverige", "features": features},
        population=_population_rows(codes, years, counts),
        organisations=[],
        safety_groups=[],
    )


def _main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - convenience
    """``python -m trygg.demo.synth OUTDIR [SEED] [SCALE]`` writes the demo files."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(_main.__doc__)
        return 2
    seed = int(args[1]) if len(args) > 1 else 2281
    scale = float(args[2]) if len(args) > 2 else 1.0
    paths = write_demo_files(generate_municipality(seed=seed, scale=scale), Path(args[0]))
    for p in paths.values():
        print(p)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
