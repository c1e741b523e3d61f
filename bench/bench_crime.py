"""Benchmark: counting reported crimes and placing them in areas, national scale.

One run prints figures and ratios for:

* generating N synthetic crimes over 6,000 DeSO-sized areas and 10 years (Parquet);
* counting by area × month × category and rates by area × year × category with DuckDB
  straight from Parquet (trygg.analysis.crime) against a pandas baseline (read the file,
  convert to Swedish time, group-by);
* point-in-area with AreaLocator (vectorised STRtree) against a row loop over polygons
  (measured on a sample and scaled per point, because the loop would take hours);
* optionally validating the whole Parquet file (read_crimes_parquet).

Not part of the test suite; see bench/README.md.

    .venv/bin/python bench/bench_crime.py [--rows 15000000] [--locate-rows 2000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from shapely.geometry import Point

from trygg.analysis import crime
from trygg.analysis.geo import AreaLocator
from trygg.demo.synth import generate_national
from trygg.demo.synthetic_crime import synthetic_crimes, write_synthetic_crimes


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<52} {seconds:8.2f} s")
    return result, seconds


def pandas_counts(path: Path) -> pd.DataFrame:
    """The straightforward way: load everything into pandas and group."""
    frame = pd.read_parquet(path, columns=["occurred_at", "category", "area_code"])
    local = frame["occurred_at"].dt.tz_convert("Europe/Stockholm")
    frame["year"] = local.dt.year
    frame["month"] = local.dt.month
    return (
        frame.groupby(["area_code", "year", "month", "category"]).size().reset_index(name="count")
    )


def loop_locate(lon: np.ndarray, lat: np.ndarray, codes: np.ndarray, geoms: np.ndarray) -> list:
    """A row loop over polygons with a bounding-box pre-check: the obvious first version."""
    bounds = [g.bounds for g in geoms]
    out = []
    for x, y in zip(lon, lat, strict=True):
        found = None
        point = Point(x, y)
        for code, geom, (minx, miny, maxx, maxy) in zip(codes, geoms, bounds, strict=True):
            if minx <= x <= maxx and miny <= y <= maxy and geom.contains(point):
                found = code
                break
        out.append(found)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000_000)
    parser.add_argument("--areas", type=int, default=6_000)
    parser.add_argument("--locate-rows", type=int, default=2_000_000)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    parser.add_argument("--validate", action="store_true", help="also time read_crimes_parquet")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="trygg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "crimes.parquet"

    print(f"{args.rows:,} crimes, {args.areas:,} areas, 10 years; files in {workdir}")
    national, _ = timed(
        "generate areas (demo.synth.generate_national)",
        lambda: generate_national(n_areas=args.areas),
    )
    features = national.area_features()
    locator, _ = timed(
        "AreaLocator.from_geojson",
        lambda: AreaLocator.from_geojson({"type": "FeatureCollection", "features": features}),
    )
    population = pl.DataFrame(
        {
            "area_code": [f["properties"]["code"] for f in features],
            "population": [f["properties"]["population"] for f in features],
        }
    )
    data, _ = timed(
        "generate crimes (demo.synthetic_crime)",
        lambda: synthetic_crimes(
            codes=locator.codes,
            geometries=locator.geometries,
            population=population["population"].to_numpy(),
            years=range(2016, 2026),
            total=args.rows,
            hot_areas=60,
            point_hot_spots=30,
            include_area_code=True,
            seed=1,
        ),
    )
    timed("write Parquet", lambda: write_synthetic_crimes(path, data))
    lon = data.crimes["lon"].to_numpy()
    lat = data.crimes["lat"].to_numpy()
    truth = data.crimes["area_code"].to_numpy()
    data = None  # free the frame before the counting runs

    print("counting (area × month × category)")
    ours, t_ours = timed(
        "trygg crime_counts: DuckDB from Parquet",
        lambda: crime.crime_counts(path, period="month"),
    )
    _, t_polars = timed("same with Polars (scan_parquet + group_by)", lambda: _polars_counts(path))
    baseline, t_pd = timed("baseline: pandas read_parquet + groupby", lambda: pandas_counts(path))
    assert int(baseline["count"].sum()) == int(ours["count"].sum())
    print(
        f"  {'ratio pandas / trygg':<52} {t_pd / t_ours:8.1f} x   (Polars {t_pd / t_polars:.1f} x)"
    )
    rates, _ = timed(
        "crime_rates by year (zeros filled, 6,000 × 10 × 13)",
        lambda: crime.crime_rates(path, population=population),
    )
    timed("crime_trends (quasi-Poisson, every area × category)", lambda: crime.crime_trends(rates))
    timed("harm_weighted_rates", lambda: crime.harm_weighted_rates(rates))

    print("point in area")
    n = min(args.locate_rows, len(lon))
    located, t_loc = timed(
        f"AreaLocator.locate, {n:,} points", lambda: locator.locate(lon[:n], lat[:n])
    )
    assert (located == truth[:n]).all()
    m = min(args.loop_sample, n)
    _, t_loop = timed(
        f"baseline: row loop over polygons, {m:,} points",
        lambda: loop_locate(lon[:m], lat[:m], locator.codes, locator.geometries),
    )
    per_point_ours = t_loc / n
    per_point_loop = t_loop / m
    print(f"  {'AreaLocator per point':<52} {per_point_ours * 1e6:8.2f} µs")
    print(f"  {'loop per point':<52} {per_point_loop * 1e6:8.0f} µs")
    print(f"  {'ratio loop / AreaLocator':<52} {per_point_loop / per_point_ours:8.0f} x")
    print(f"  {'AreaLocator extrapolated to all rows':<52} {per_point_ours * len(lon):8.1f} s")
    print(f"  {'loop extrapolated to all rows':<52} {per_point_loop * len(lon):8.1f} s")

    if args.validate:
        print("validation")
        timed("read_crimes_parquet (every check)", lambda: crime.read_crimes_parquet(path))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak memory (max RSS) {peak:.2f} GB")


def _polars_counts(path: Path) -> pl.DataFrame:
    """The same count with a lazy Polars scan, for comparison."""
    local = pl.col("occurred_at").dt.convert_time_zone("Europe/Stockholm")
    return (
        pl.scan_parquet(path)
        .filter(pl.col("area_code").is_not_null())
        .select(
            "area_code", "category", local.dt.year().alias("year"), local.dt.month().alias("month")
        )
        .group_by("area_code", "year", "month", "category")
        .len()
        .collect()
    )


if __name__ == "__main__":
    main()
