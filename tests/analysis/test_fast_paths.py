"""The fast paths of the national scale give the same answers as the plain ones."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import Polygon, box

from trygg.analysis import geo, tables
from trygg.analysis.errors import InputError
from trygg.analysis.geo import locate as geo_locate
from trygg.analysis.priority import components as priority_components


def _grid_areas():
    """A 6 × 5 grid of squares, one with a hole filled by another area, one L-shaped."""
    codes, geoms = [], []
    for i in range(6):
        for j in range(5):
            if (i, j) in ((2, 2), (3, 2)):
                continue
            codes.append(f"A{i}{j}")
            geoms.append(box(17 + i * 0.01, 62 + j * 0.01, 17.01 + i * 0.01, 62.01 + j * 0.01))
    outer = box(17.02, 62.02, 17.04, 62.03)
    hole = box(17.025, 62.0225, 17.03, 62.0275)
    codes += ["RING", "HOLE"]
    geoms += [Polygon(outer.exterior.coords, [hole.exterior.coords]), hole]
    return codes, geoms


def test_cell_cache_gives_the_exact_answers(monkeypatch):
    codes, geoms = _grid_areas()
    rng = np.random.default_rng(5)
    n = 60_000
    lon = rng.uniform(16.995, 17.065, n)
    lat = rng.uniform(61.995, 62.055, n)
    # Points on borders, corners and vertices, and missing coordinates.
    lon[:200] = 17 + rng.integers(0, 7, 200) * 0.01
    lat[:200] = 62 + rng.integers(0, 6, 200) * 0.01
    lon[200:300] = 17.025
    lat[300:310] = np.nan
    plain = geo.AreaLocator(codes=codes, geometries=geoms).locate_index(lon, lat)
    monkeypatch.setattr(geo_locate, "_GRID_MIN_POINTS", 1000)
    monkeypatch.setattr(geo_locate, "_GRID_MAX_CELLS", 4096)
    monkeypatch.setattr(geo_locate, "_FINE_MIN_POINTS", 2)
    cached = geo.AreaLocator(codes=codes, geometries=geoms)
    assert np.array_equal(cached.locate_index(lon, lat), plain)
    assert cached._cache is not None and len(cached._cache.fine_table)
    assert (cached._cache.lookup(lon, lat) >= -1).mean() > 0.5
    assert set(cached.locate(lon, lat)[plain >= 0]) <= set(codes)


def test_cell_cache_on_real_shaped_polygons(monkeypatch):
    rng = np.random.default_rng(9)
    centres = rng.uniform([17.0, 62.0], [17.5, 62.3], (40, 2))
    voronoi = shapely.voronoi_polygons(shapely.multipoints(centres))
    frame = box(17.0, 62.0, 17.5, 62.3)
    geoms = [shapely.intersection(g, frame).buffer(0) for g in voronoi.geoms]
    codes = [f"V{i:02d}" for i in range(len(geoms))]
    lon = rng.uniform(16.99, 17.51, 50_000)
    lat = rng.uniform(61.99, 62.31, 50_000)
    plain = geo.AreaLocator(codes=codes, geometries=geoms).locate_index(lon, lat)
    monkeypatch.setattr(geo_locate, "_GRID_MIN_POINTS", 1000)
    monkeypatch.setattr(geo_locate, "_GRID_MAX_CELLS", 20_000)
    cached = geo.AreaLocator(codes=codes, geometries=geoms).locate_index(lon, lat)
    assert np.array_equal(cached, plain)


def _reference(text, dialect):
    try:
        return ("ok", tables._read_with_csv_module(text, dialect, "f", ()))
    except InputError as exc:
        return ("error", [str(p) for p in exc.problems])


def _fast(text, dialect):
    header = [h.strip().lower() for h in text.split("\n")[0].split(dialect.delimiter)]
    try:
        return ("ok", tables._read_plain(text, header, dialect, "f"))
    except InputError as exc:
        return ("error", [str(p) for p in exc.problems])


def test_quote_free_csv_reader_matches_the_csv_module():
    rng = random.Random(4)
    cells = ["a", " b ", "", "  ", "x y", "1,5", "\x1c", "\u3000z", "ö", "\t"]
    compared = 0
    for _ in range(400):
        d = rng.choice([";", ",", "\t"])
        width = rng.randint(1, 4)
        header = d.join(f"c{i}" for i in range(width))
        newline = rng.choice(["\n", "\r\n"])
        lines = [header] + [
            d.join(rng.choice(cells) for _ in range(rng.randint(0, width + 2)))
            for _ in range(rng.randint(0, 6))
        ]
        text = newline.join(lines) + rng.choice(["", newline, newline * 2])
        if not tables._is_plain(text, text.split("\n")[0]):
            continue
        dialect = tables.sniff_dialect(header, text)
        fast, slow = _fast(text, dialect), _reference(text, dialect)
        if fast[0] == slow[0] == "ok":
            assert fast[1].columns == slow[1].columns
            assert fast[1].schema == slow[1].schema
            assert fast[1].to_dicts() == slow[1].to_dicts()
        else:
            assert fast == slow
        compared += 1
    assert compared > 300


def test_quoted_csv_still_uses_the_csv_module(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('a,b\n"1,5",2\n"x\ny",3\n', encoding="utf-8")
    frame, _ = tables.read_csv_text(path)
    assert frame["a"].to_list() == ["1,5", "x\ny"]
    assert frame[tables.LINE_COLUMN].to_list() == [2, 4]


@pytest.mark.parametrize("weights", [[1.0, 1.0, 2.0, 0.5], [3.0, 3.0, 3.0, 3.0]])
def test_poisson_draws_have_poisson_moments(weights):
    rng = np.random.default_rng(1)
    matrix = np.array([[40.0, 0.0, 5.0, 12.0], [0.0, 0.0, 0.0, 0.0], [3.0, 900.0, 0.0, 1.0]])
    w = np.asarray(weights)
    totals, harm = priority_components._poisson_rate_draws(rng, matrix, w, 20_000)
    assert totals.shape == harm.shape == (20_000, 3)
    assert np.all(totals[:, 1] == 0) and np.all(harm[:, 1] == 0)
    np.testing.assert_allclose(totals.mean(axis=0), matrix.sum(axis=1), rtol=0.02)
    np.testing.assert_allclose(totals.var(axis=0)[[0, 2]], matrix.sum(axis=1)[[0, 2]], rtol=0.05)
    np.testing.assert_allclose(harm.mean(axis=0), matrix @ w, rtol=0.02)
    np.testing.assert_allclose(harm.var(axis=0)[[0, 2]], (matrix @ w**2)[[0, 2]], rtol=0.05)
    # Rate and harm move together, as replaying the year would make them.
    assert np.corrcoef(totals[:, 0], harm[:, 0])[0, 1] > 0.5


def test_population_reader_vectorised_keeps_row_order_and_types(tmp_path):
    from trygg.analysis.areas_io import read_population

    rows = [f"A{i % 7},{2020 + i % 3},{'FM'[i % 2]},{i % 5}-{i % 5 + 10},{i}" for i in range(105)]
    path = tmp_path / "pop.csv"
    path.write_text("area_code,year,sex,age_group,count\n" + "\n".join(rows) + "\n")
    frame = read_population(path)
    assert frame.schema == pl.Schema(
        {"area_code": pl.String, "year": pl.Int32, "sex": pl.String, "age_group": pl.String,
         "count": pl.Int64}
    )  # fmt: skip
    assert frame["count"].to_list() == list(range(105))
