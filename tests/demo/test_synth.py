"""Tests for the synthetic municipality (pure Python, no Django)."""

from __future__ import annotations

import ast
import csv
import io
import itertools
import json
import math
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LinearRing, shape

from trygg.demo import synth
from trygg.demo.synth import (
    AGE_GROUPS,
    ORGANISATION_KINDS,
    SEXES,
    SURVEY_AGE_GROUPS,
    SyntheticMunicipality,
    generate_municipality,
    generate_national,
    write_demo_files,
)

# Approximate real locations (lat, lon) from the brief, independent of the module's table.
REAL_LOCATIONS = {
    "Centrum": (62.39, 17.31),
    "Haga": (62.397, 17.295),
    "Södermalm": (62.383, 17.305),
    "Norrmalm": (62.398, 17.312),
    "Skönsberg": (62.41, 17.32),
    "Nacksta": (62.40, 17.26),
    "Bredsand": (62.40, 17.40),
    "Sidsjö": (62.38, 17.28),
    "Granloholm": (62.40, 17.28),
    "Sundsbruk": (62.44, 17.34),
    "Ljustadalen": (62.44, 17.34),
    "Kvissleby": (62.29, 17.37),
    "Njurunda": (62.29, 17.37),
    "Matfors": (62.35, 17.02),
    "Alnö": (62.43, 17.43),
}
MAX_KM = 15.0


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def features(m: SyntheticMunicipality, level: str | None = None) -> list[dict]:
    return [f for f in m.areas["features"] if level is None or f["properties"]["level"] == level]


def geoms(feats: list[dict]) -> np.ndarray:
    return np.array([shape(f["geometry"]) for f in feats], dtype=object)


@pytest.fixture(scope="module")
def muni() -> SyntheticMunicipality:
    return generate_municipality()


@pytest.fixture(scope="module")
def national() -> tuple[SyntheticMunicipality, float]:
    start = time.perf_counter()
    m = generate_national()
    return m, time.perf_counter() - start


# ------------------------------------------------------------------ reproducibility


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = write_demo_files(generate_municipality(seed=7), tmp_path / "a")
    b = write_demo_files(generate_municipality(seed=7), tmp_path / "b")
    assert set(a) == {"areas", "population"}
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes()
    assert a["areas"].name == "areas.geojson"
    assert a["population"].name == "population.csv"


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = write_demo_files(generate_municipality(seed=1), tmp_path / "a")
    b = write_demo_files(generate_municipality(seed=2), tmp_path / "b")
    for key in a:
        assert a[key].read_bytes() != b[key].read_bytes()


def test_default_seed_is_stable(muni: SyntheticMunicipality) -> None:
    again = generate_municipality(seed=2281)
    assert again == muni


# ----------------------------------------------------------------------- geometry


def test_polygons_are_valid_and_form_a_clean_coverage(muni: SyntheticMunicipality) -> None:
    areas = geoms(features(muni, "area"))
    districts = geoms(features(muni, "district"))
    assert all(g.is_valid and not g.is_empty for g in [*areas, *districts])
    assert all(g.geom_type == "Polygon" for g in areas)
    # No overlaps, and shared borders have identical vertices (GEOS coverage rules).
    assert shapely.coverage_is_valid(areas)
    assert shapely.coverage_is_valid(districts)
    tree = shapely.STRtree(areas)
    left, right = tree.query(areas, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(areas[left[pairs]], areas[right[pairs]]))
    assert overlap.max(initial=0.0) < 1e-12
    # No gaps: the union is the mainland and the island Alnö, without holes.
    union = shapely.union_all(areas)
    parts = shapely.get_parts(union)
    assert len(parts) == 2
    assert all(len(p.interiors) == 0 for p in parts)
    assert math.isclose(union.area, shapely.area(areas).sum(), rel_tol=1e-9)
    assert math.isclose(shapely.union_all(districts).area, union.area, rel_tol=1e-9)


def test_rings_are_closed_counter_clockwise_and_rounded(muni: SyntheticMunicipality) -> None:
    for f in features(muni):
        geometry = f["geometry"]
        assert geometry["type"] in {"Polygon", "MultiPolygon"}
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            for i, ring in enumerate(rings):
                assert len(ring) >= 4 and ring[0] == ring[-1]
                assert LinearRing(ring).is_ccw is (i == 0)  # RFC 7946: exteriors ccw
                for lon, lat in ring:
                    assert round(lon, 6) == lon and round(lat, 6) == lat
                    assert 16.0 < lon < 18.0 and 62.0 < lat < 63.0


def test_neighbours_share_vertices_so_contiguity_works(muni: SyntheticMunicipality) -> None:
    feats = features(muni, "area")
    by_vertex: dict[tuple, set[str]] = defaultdict(set)
    for f in feats:
        for lon, lat in f["geometry"]["coordinates"][0]:
            by_vertex[(lon, lat)].add(f["properties"]["code"])
    neighbours: dict[str, set[str]] = defaultdict(set)
    for codes in by_vertex.values():
        for c in codes:
            neighbours[c] |= codes - {c}
    assert all(neighbours[f["properties"]["code"]] for f in feats)
    # Queen contiguity gives two components: the mainland and the island Alnö.
    seen: set[str] = set()
    components = 0
    for f in feats:
        start = f["properties"]["code"]
        if start in seen:
            continue
        components += 1
        stack = [start]
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack.extend(neighbours[c] - seen)
    assert components == 2


def test_required_areas_lie_near_their_real_places(muni: SyntheticMunicipality) -> None:
    by_name = {f["properties"]["name"]: f for f in features(muni, "area")}
    for name, (lat, lon) in REAL_LOCATIONS.items():
        assert name in by_name, name
        c = shape(by_name[name]["geometry"]).centroid
        assert km(lat, lon, c.y, c.x) < MAX_KM, name


def test_every_area_lies_near_its_stated_location(muni: SyntheticMunicipality) -> None:
    specs = {s.code: s for s in synth.AREA_SPECS}
    feats = features(muni, "area")
    assert {f["properties"]["code"] for f in feats} == set(specs)
    for f in feats:
        spec = specs[f["properties"]["code"]]
        g = shape(f["geometry"])
        c = g.centroid
        assert km(spec.lat, spec.lon, c.y, c.x) < MAX_KM, spec.name
        # The seed (a little jittered) lies inside its own area.
        assert g.distance(shapely.Point(spec.lon, spec.lat)) < 0.01, spec.name


def test_codes_and_hierarchy(muni: SyntheticMunicipality) -> None:
    assert muni.code == "2281" and muni.name == "Sundsvall"
    assert muni.areas["type"] == "FeatureCollection"
    districts = features(muni, "district")
    areas = features(muni, "area")
    assert len(districts) + len(areas) == len(features(muni))
    codes = [f["properties"]["code"] for f in features(muni)]
    assert len(codes) == len(set(codes))
    assert all(c.startswith("2281") for c in codes)
    district_codes = {f["properties"]["code"] for f in districts}
    assert all(f["properties"]["parent_code"] is None for f in districts)
    district_geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in districts}
    members = Counter()
    for f in areas:
        parent = f["properties"]["parent_code"]
        assert parent in district_codes
        g = shape(f["geometry"])
        # Geometrically in exactly one district, the one it names.
        inside = [c for c, d in district_geoms.items() if d.intersection(g).area > 1e-9]
        assert inside == [parent]
        assert math.isclose(district_geoms[parent].intersection(g).area, g.area, rel_tol=1e-6)
        members[parent] += 1
    assert set(members) == district_codes
    # A district's population property is the sum of its areas'.
    pop = Counter()
    for f in areas:
        pop[f["properties"]["parent_code"]] += f["properties"]["population"]
    for f in districts:
        assert f["properties"]["population"] == pop[f["properties"]["code"]]


# --------------------------------------------------------------------- population


def test_total_population_is_about_99000_every_year(muni: SyntheticMunicipality) -> None:
    years = sorted({r["year"] for r in muni.population})
    assert years == [2022, 2023, 2024, 2025, 2026]
    for year in years:
        assert abs(muni.total_population(year) - 99_000) <= 0.03 * 99_000


def test_population_rows_are_complete_and_valid(muni: SyntheticMunicipality) -> None:
    area_codes = {f["properties"]["code"] for f in features(muni, "area")}
    years = {2022, 2023, 2024, 2025, 2026}
    keys = Counter()
    for r in muni.population:
        assert set(r) == {"area_code", "year", "sex", "age_group", "count"}
        assert r["area_code"] in area_codes
        assert r["year"] in years
        assert r["sex"] in SEXES
        assert r["age_group"] in AGE_GROUPS
        assert isinstance(r["count"], int) and r["count"] >= 0
        keys[(r["area_code"], r["year"], r["sex"], r["age_group"])] += 1
    assert set(keys.values()) == {1}
    assert len(keys) == len(area_codes) * len(years) * len(SEXES) * len(AGE_GROUPS)
    assert set(SURVEY_AGE_GROUPS) == {"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}
    # The area property is the latest year's total.
    latest = Counter()
    for r in muni.population:
        if r["year"] == 2026:
            latest[r["area_code"]] += r["count"]
    for f in features(muni, "area"):
        assert f["properties"]["population"] == latest[f["properties"]["code"]]


def _shares(m: SyntheticMunicipality, name: str, year: int = 2026) -> dict[str, float]:
    code = next(
        f["properties"]["code"] for f in features(m, "area") if f["properties"]["name"] == name
    )
    by_age = Counter()
    for r in m.population:
        if r["area_code"] == code and r["year"] == year:
            by_age[r["age_group"]] += r["count"]
    total = sum(by_age.values())
    return {a: by_age[a] / total for a in AGE_GROUPS}


def test_age_structure_differs_plausibly(muni: SyntheticMunicipality) -> None:
    centre, suburb, rural = (_shares(muni, n) for n in ("Centrum", "Nacksta", "Stöde"))
    young = ("16-24", "25-34")
    old = ("65-74", "75+")
    assert sum(centre[a] for a in young) > sum(rural[a] for a in young) + 0.1
    assert sum(rural[a] for a in old) > sum(centre[a] for a in old) + 0.05
    assert suburb["0-15"] > centre["0-15"] + 0.05
    # More women than men among the oldest.
    women = sum(r["count"] for r in muni.population if r["age_group"] == "75+" and r["sex"] == "F")
    men = sum(r["count"] for r in muni.population if r["age_group"] == "75+" and r["sex"] == "M")
    assert women > men


def test_yearly_drift_is_small_but_present(muni: SyntheticMunicipality) -> None:
    totals: dict[str, dict[int, int]] = defaultdict(Counter)
    for r in muni.population:
        totals[r["area_code"]][r["year"]] += r["count"]
    changed = 0
    for by_year in totals.values():
        values = [by_year[y] for y in sorted(by_year)]
        for a, b in itertools.pairwise(values):
            assert abs(b - a) <= 0.05 * a + 5
            changed += a != b
    assert changed > len(totals)


def test_scale_multiplies_population() -> None:
    half = generate_municipality(scale=0.5, years=(2026,))
    assert abs(half.total_population() - 49_500) <= 0.03 * 49_500
    assert {r["year"] for r in half.population} == {2026}


def test_large_scale_subdivides_areas() -> None:
    m = generate_municipality(scale=10, years=(2025, 2026))
    areas = features(m, "area")
    assert len(areas) == 10 * len(synth.AREA_SPECS)
    assert abs(m.total_population() - 990_000) <= 0.03 * 990_000
    codes = {f["properties"]["code"] for f in areas}
    assert all(len(c) == 10 and c.startswith("2281A") for c in codes)
    g = geoms(areas)
    assert all(x.is_valid for x in g)
    assert shapely.coverage_is_valid(g)
    # Parts nest in the original area: same district, and the parts of one area tile it.
    base = generate_municipality(years=(2026,))
    base_geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in features(base, "area")}
    parts_by_base: dict[str, list] = defaultdict(list)
    for f, geom in zip(areas, g, strict=True):
        parts_by_base[f["properties"]["code"][:8]].append(geom)
    for code, parts in parts_by_base.items():
        assert math.isclose(shapely.union_all(parts).area, base_geoms[code].area, rel_tol=1e-4)
    for group in m.safety_groups:
        assert set(group["area_codes"]) <= codes


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_municipality(scale=0)
    with pytest.raises(ValueError):
        generate_municipality(years=())


# ------------------------------------------------------ organisations and safety groups


def test_organisations(muni: SyntheticMunicipality) -> None:
    keys = [o["key"] for o in muni.organisations]
    assert len(keys) == len(set(keys))
    assert all(o["kind"] in ORGANISATION_KINDS for o in muni.organisations)
    assert {o["kind"] for o in muni.organisations} == set(ORGANISATION_KINDS)
    names = " ".join(o["name"] for o in muni.organisations)
    for expected in (
        "Polisen",
        "Medelpad",
        "Socialtjänsten",
        "Fältassistenterna",
        "Svenska kyrkan",
        "Nattvandrarna",
        "Mitthem",
        "Kommunstyrelsekontoret",
    ):
        assert expected in names


def test_thirteen_safety_groups_cover_existing_areas(muni: SyntheticMunicipality) -> None:
    groups = muni.safety_groups
    assert len(groups) == 13
    area_codes = {f["properties"]["code"] for f in features(muni, "area")}
    org_keys = {o["key"] for o in muni.organisations}
    assert len({g["key"] for g in groups}) == len(groups)
    for g in groups:
        assert g["name"].startswith("Trygghetsgrupp ")
        assert g["area_codes"] and set(g["area_codes"]) <= area_codes
        assert g["lead_organisation"] in org_keys
    named = {f["properties"]["code"]: f["properties"]["name"] for f in features(muni, "area")}
    nacksta = next(g for g in groups if g["name"] == "Trygghetsgrupp Nacksta")
    assert "Nacksta" in {named[c] for c in nacksta["area_codes"]}


# -------------------------------------------------------------------------- files


def test_written_files_follow_the_formats(muni: SyntheticMunicipality, tmp_path: Path) -> None:
    paths = write_demo_files(muni, tmp_path / "new" / "dir")
    collection = json.loads(paths["areas"].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert collection == json.loads(json.dumps(muni.areas))
    raw = paths["population"].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert list(rows[0]) == ["area_code", "year", "sex", "age_group", "count"]
    assert len(rows) == len(muni.population)
    assert rows[0]["area_code"] == muni.population[0]["area_code"]
    assert sum(int(r["count"]) for r in rows) == sum(r["count"] for r in muni.population)
    assert "Skönsberg" in paths["areas"].read_text(encoding="utf-8")  # UTF-8, not escaped


def test_module_does_not_import_django() -> None:
    tree = ast.parse(Path(synth.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert imported <= {"__future__", "csv", "io", "json", "math", "collections", "dataclasses",
                        "pathlib", "numpy", "shapely", "sys"}  # fmt: skip


# ----------------------------------------------------------------------- national


def test_national_set_has_6000_deso_like_areas(national) -> None:
    # Its speed is measured in bench/bench_analyze.py, not asserted here (a busy machine
    # would fail a timed assertion for no fault of the code).
    m, _ = national
    assert m.code == "SE"
    areas = features(m, "area")
    assert len(areas) == 6000
    codes = [f["properties"]["code"] for f in areas]
    assert len(set(codes)) == 6000
    assert all(len(c) == 9 and c[:4].isdigit() and c[4] in "ABC" and c[5:].isdigit() for c in codes)
    munis = {f["properties"]["code"] for f in features(m, "municipality")}
    assert 200 <= len(munis) <= 290
    assert all(f["properties"]["parent_code"] == f["properties"]["code"][:4] for f in areas)
    assert {f["properties"]["parent_code"] for f in areas} == munis
    pops = np.array([f["properties"]["population"] for f in areas])
    assert pops.min() > 400 and pops.max() < 4500
    assert 8_000_000 < pops.sum() < 13_000_000
    assert len(m.population) == 6000 * len(SEXES) * len(AGE_GROUPS)


def test_national_polygons_are_a_valid_coverage(national) -> None:
    m, _ = national
    g = geoms(features(m, "area"))
    assert shapely.is_valid(g).all()
    assert shapely.coverage_is_valid(g)
    lon, lat = shapely.get_coordinates(g).T
    assert lon.min() > 10.5 and lon.max() < 24.5
    assert lat.min() > 55 and lat.max() < 69.5


def test_national_is_reproducible() -> None:
    a = generate_national(seed=3, n_areas=300)
    b = generate_national(seed=3, n_areas=300)
    c = generate_national(seed=4, n_areas=300)
    assert a == b
    assert a != c
    assert len(features(a, "area")) == 300
