"""Point-in-area lookup, contiguity and H3 helpers (trygg.analysis.geo)."""

from __future__ import annotations

import warnings

import h3
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from trygg.analysis.errors import InputError
from trygg.analysis.geo import (
    AreaLocator,
    Neighbours,
    contiguity_weights,
    h3_cell_names,
    h3_cells,
    h3_cells_covering,
    h3_neighbours,
)


def _grid(rows: int = 3, cols: int = 3) -> tuple[list[str], list[Polygon]]:
    codes, geoms = [], []
    for r in range(rows):
        for c in range(cols):
            codes.append(f"A{r}{c}")
            geoms.append(box(c, r, c + 1, r + 1))
    return codes, geoms


def _columbus() -> tuple[list[shapely.Geometry], object]:
    libpysal = pytest.importorskip("libpysal")
    path = libpysal.examples.get_path("columbus.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shapes = libpysal.io.open(path)
        polygons = [shapely.geometry.shape(s.__geo_interface__) for s in shapes]
        shapes.close()
    return polygons, path


# --------------------------------------------------------------------------------------
# AreaLocator
# --------------------------------------------------------------------------------------


def test_locate_inside_outside_and_missing() -> None:
    codes, geoms = _grid()
    locator = AreaLocator(codes=codes, geometries=geoms)
    lon = np.array([0.5, 2.5, 1.5, 5.0, np.nan, 0.5])
    lat = np.array([0.5, 2.5, 0.5, 5.0, 0.5, np.nan])
    assert locator.locate(lon, lat).tolist() == ["A00", "A22", "A01", None, None, None]
    assert locator.locate_index(lon, lat).tolist() == [0, 8, 1, -1, -1, -1]


def test_point_on_shared_border_is_deterministic() -> None:
    codes, geoms = _grid()
    forward = AreaLocator(codes=codes, geometries=geoms)
    backward = AreaLocator(codes=codes[::-1], geometries=geoms[::-1])
    # An edge between A00 and A01, a corner shared by four squares, an outer boundary.
    lon = np.array([1.0, 1.0, 0.0])
    lat = np.array([0.5, 1.0, 0.5])
    expected = ["A00", "A00", "A00"]
    assert forward.locate(lon, lat).tolist() == expected
    assert backward.locate(lon, lat).tolist() == expected
    # The answer for a point does not depend on the other points in the batch either.
    assert forward.locate(lon[::-1], lat[::-1]).tolist() == expected[::-1]


def test_overlapping_polygons_pick_the_first_code() -> None:
    locator = AreaLocator(codes=["B", "A"], geometries=[box(0, 0, 2, 2), box(1, 1, 3, 3)])
    assert locator.locate(np.array([1.5, 0.5]), np.array([1.5, 0.5])).tolist() == ["A", "B"]


def test_locate_matches_a_loop_over_polygons() -> None:
    from trygg.demo.synth import generate_municipality

    features = generate_municipality().area_features()
    locator = AreaLocator.from_geojson({"type": "FeatureCollection", "features": features})
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = shapely.total_bounds(locator.geometries)
    lon = rng.uniform(minx, maxx, 3000)
    lat = rng.uniform(miny, maxy, 3000)
    got = locator.locate(lon, lat)
    expected = []
    for x, y in zip(lon, lat, strict=True):
        inside = [
            c
            for c, g in zip(locator.codes, locator.geometries, strict=True)
            if g.contains(Point(x, y))
        ]
        expected.append(min(inside) if inside else None)
    assert got.tolist() == expected
    assert sum(e is not None for e in expected) > 500


def test_locate_rejects_mismatched_arrays() -> None:
    codes, geoms = _grid()
    locator = AreaLocator(codes=codes, geometries=geoms)
    with pytest.raises(ValueError, match="same length"):
        locator.locate(np.zeros(3), np.zeros(2))


def test_constructor_rejects_duplicate_codes_and_length_mismatch() -> None:
    with pytest.raises(ValueError, match="unique"):
        AreaLocator(codes=["A", "A"], geometries=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    with pytest.raises(ValueError, match="same length"):
        AreaLocator(codes=["A"], geometries=[box(0, 0, 1, 1), box(1, 0, 2, 1)])


def _feature(code: object, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": "x"}, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_from_geojson_reads_codes_and_repairs_bow_ties() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[2, 0], [3, 1], [3, 0], [2, 1], [2, 0]]]}
    locator = AreaLocator.from_geojson(
        {"type": "FeatureCollection", "features": [_feature("A", SQUARE), _feature(" B ", bowtie)]}
    )
    assert locator.codes.tolist() == ["A", "B"]
    assert all(g.is_valid for g in locator.geometries)
    assert locator.locate(np.array([0.5, 2.9]), np.array([0.5, 0.5])).tolist() == ["A", "B"]


def test_from_geojson_collects_every_problem() -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature("A", SQUARE),
            _feature(None, SQUARE),
            _feature("A", SQUARE),
            _feature("C", line),
            _feature("D", {"type": "Polygon", "coordinates": "nonsense"}),
        ],
    }
    with pytest.raises(InputError) as info:
        AreaLocator.from_geojson(collection, file="areas.geojson")
    problems = info.value.problems
    assert [(p.feature, p.column) for p in problems] == [
        (1, "code"),
        (2, "code"),
        (3, "geometry"),
        (4, "geometry"),
    ]
    assert "also used by feature 0" in problems[1].reason
    assert "LineString" in problems[2].reason
    assert str(problems[0]).startswith("areas.geojson, feature 1")


@pytest.mark.parametrize(
    "collection",
    [{"type": "Feature"}, {"type": "FeatureCollection", "features": []}, []],
)
def test_from_geojson_rejects_non_collections(collection: object) -> None:
    with pytest.raises(InputError):
        AreaLocator.from_geojson(collection)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Contiguity
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_contiguity_equals_libpysal_on_columbus(kind: str) -> None:
    libpysal = pytest.importorskip("libpysal")
    polygons, path = _columbus()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
        reference = builder.from_shapefile(path)
    ours = contiguity_weights(
        codes=[str(i) for i in range(len(polygons))], geometries=polygons, kind=kind
    )
    expected = {str(k): {str(v) for v in vs} for k, vs in reference.neighbors.items()}
    assert ours.neighbour_sets() == expected


def test_queen_counts_corners_and_rook_does_not() -> None:
    codes, geoms = _grid()
    queen = contiguity_weights(codes=codes, geometries=geoms, kind="queen").neighbour_sets()
    rook = contiguity_weights(codes=codes, geometries=geoms, kind="rook").neighbour_sets()
    assert queen["A11"] == {c for c in codes if c != "A11"}
    assert rook["A11"] == {"A01", "A10", "A12", "A21"}
    assert queen["A00"] == {"A01", "A10", "A11"}
    with pytest.raises(ValueError):
        contiguity_weights(codes=codes, geometries=geoms, kind="bishop")  # type: ignore[arg-type]


def test_contiguity_from_locator_and_islands() -> None:
    locator = AreaLocator(
        codes=["A", "B", "C"], geometries=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)]
    )
    weights = locator.contiguity()
    assert weights.neighbour_sets() == {"A": {"B"}, "B": {"A"}, "C": set()}
    assert weights.islands.tolist() == ["C"]


def test_neighbours_structure_checks_and_row_standardisation() -> None:
    weights = Neighbours.from_pairs(
        units=["a", "b", "c"], i=np.array([0, 0, 1]), j=np.array([1, 2, 1])
    )
    assert weights.cardinalities.tolist() == [2, 1, 1]
    standardised = weights.row_standardised()
    sums = np.asarray(standardised.to_sparse().sum(axis=1)).ravel()
    assert np.allclose(sums, 1.0)
    with pytest.raises(ValueError, match="diagonal"):
        Neighbours(
            units=np.array(["a", "b"], dtype=object),
            indptr=np.array([0, 1, 1]),
            indices=np.array([0]),
            weights=np.array([1.0]),
        )
    with pytest.raises(ValueError, match="indptr"):
        Neighbours(
            units=np.array(["a"], dtype=object),
            indptr=np.array([0]),
            indices=np.array([], dtype=np.int64),
            weights=np.array([]),
        )


# --------------------------------------------------------------------------------------
# H3
# --------------------------------------------------------------------------------------


def test_h3_cells_match_the_h3_library() -> None:
    rng = np.random.default_rng(1)
    lat = rng.uniform(55, 69, 200)
    lon = rng.uniform(11, 24, 200)
    cells = h3_cells(lat=lat, lon=lon, resolution=8)
    expected = [h3.str_to_int(h3.latlng_to_cell(a, b, 8)) for a, b in zip(lat, lon, strict=True)]
    assert cells.tolist() == expected
    names = h3_cell_names(cells[:3])
    assert names.tolist() == [
        h3.latlng_to_cell(a, b, 8) for a, b in zip(lat[:3], lon[:3], strict=True)
    ]
    assert h3_cells(lat=np.array([np.nan]), lon=np.array([17.0]), resolution=8).tolist() == [0]
    with pytest.raises(ValueError):
        h3_cells(lat=lat, lon=lon, resolution=16)


def test_h3_neighbours_are_the_k_ring_within_the_set() -> None:
    centre = h3.str_to_int(h3.latlng_to_cell(62.39, 17.30, 9))
    disk = np.array(
        [h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 2)], dtype=np.uint64
    )
    weights = h3_neighbours(cells=disk, k=1)
    sets = weights.neighbour_sets()
    assert len(sets[centre]) == 6
    assert all(centre not in s or len(s) >= 3 for s in sets.values())
    # Symmetric, binary, no self-links.
    dense = weights.to_sparse().toarray()
    assert np.array_equal(dense, dense.T)
    assert np.all(np.diag(dense) == 0)
    # Outer ring cells only see neighbours inside the set.
    assert weights.cardinalities.min() == 3
    assert len(h3_neighbours(cells=disk, k=2).neighbour_sets()[centre]) == 18
    with pytest.raises(ValueError, match="unique"):
        h3_neighbours(cells=np.concatenate([disk, disk[:1]]))
    with pytest.raises(ValueError):
        h3_neighbours(cells=disk, k=0)


def test_h3_cells_covering_polygons() -> None:
    square = box(17.29, 62.38, 17.31, 62.40)
    cells = h3_cells_covering(geometries=[square], resolution=9)
    assert len(cells) > 20
    centres = np.array([h3.cell_to_latlng(h3.int_to_str(int(c))) for c in cells])
    assert shapely.contains_xy(square, centres[:, 1], centres[:, 0]).all()
