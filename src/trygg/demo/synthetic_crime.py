"""Synthetic reported crimes with known truth, for demos, tests and benchmarks.

Pure numpy/shapely/polars (no Django). Given areas (codes, polygons, residents) and years,
:func:`synthetic_crimes` draws crimes whose numbers, places and times have the features a
police analyst looks for, so the analysis can be checked against what was planted:

* an area effect (log-normal: some places simply have more crime than their population
  suggests) and, on top, planted *hot areas* with a multiplied rate;
* a trend per area (most flat, some rising, some falling);
* planted *point hot spots*: small clusters (a square, a bus station) that take a share of
  their area's crimes, for hot-spot tests on the H3 grid;
* a category mix that differs between ordinary and hot areas (more violence and drugs);
* seasonality: more crime in summer, on Friday and Saturday, and in the evening and at
  night, more so at weekends.

It is vectorised end to end: 15 million crimes over 6,000 areas take well under a minute
and a few GB. The frame has the crime CSV columns (docs/formats.md) with typed values:
``id, occurred_at (UTC), category, lat, lon, source`` and ``area_code`` when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CATEGORY_MIX",
    "HOT_AREA_MIX",
    "SyntheticCrimes",
    "square_grid_areas",
    "synthetic_crimes",
    "write_synthetic_crimes",
]

# Shares of reported crime by category in an ordinary area, loosely following the order
# of magnitude of Swedish reported-crime statistics (theft and fraud dominate).
CATEGORY_MIX: dict[str, float] = {
    "violence": 0.08,
    "threat": 0.06,
    "robbery": 0.01,
    "burglary": 0.05,
    "theft": 0.30,
    "vehicle_crime": 0.07,
    "vandalism": 0.12,
    "drug_offences": 0.07,
    "weapons": 0.01,
    "public_order": 0.04,
    "fraud": 0.13,
    "sexual_offences": 0.02,
    "other": 0.04,
}
# In planted hot areas street crime weighs more (the pattern of open drug scenes).
HOT_AREA_MIX: dict[str, float] = {
    **CATEGORY_MIX,
    "violence": 0.14,
    "threat": 0.09,
    "robbery": 0.03,
    "drug_offences": 0.14,
    "weapons": 0.03,
    "public_order": 0.07,
    "theft": 0.22,
    "fraud": 0.05,
}

# Relative weight of each hour (local time) on weekdays and at weekends: evening and night
# peaks, stronger on Friday/Saturday nights.
_HOURS_WEEKDAY = np.array(
    [
        3,
        2,
        1.5,
        1,
        0.8,
        0.8,
        1,
        1.5,
        2.5,
        3,
        3.5,
        4,
        4.5,
        4.5,
        4.5,
        5,
        5.5,
        6,
        6.5,
        6.5,
        6,
        5.5,
        5,
        4,
    ]
)
_HOURS_WEEKEND = np.array(
    [7, 6.5, 5.5, 4, 2.5, 1.5, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4.5, 5, 5.5, 6.5, 7, 7.5, 8, 8, 7.5]
)


@dataclass(frozen=True)
class SyntheticCrimes:
    """The crimes and what was planted.

    ``truth`` has one row per area: ``area_code, population, hot, area_effect, trend``
    (yearly change as a fraction) and ``expected_per_year`` (in the first year);
    ``point_hot_spots`` has ``area_code, lon, lat, sd_m, share`` for each planted cluster;
    ``emerging_hot_spots`` ``area_code, year, lon, lat, sd_m, share`` for each cluster
    whose share changes over the years (one row per year).
    """

    crimes: pl.DataFrame
    truth: pl.DataFrame
    point_hot_spots: pl.DataFrame
    emerging_hot_spots: pl.DataFrame | None = None


def synthetic_crimes(
    *,
    codes: Sequence[str],
    geometries: Sequence[BaseGeometry],
    population: Sequence[int] | np.ndarray,
    years: Sequence[int],
    seed: int = 1,
    rate_per_1000: float = 85.0,
    total: int | None = None,
    hot_areas: Sequence[str] | int = 0,
    hot_factor: float = 4.0,
    point_hot_spots: int = 0,
    point_hot_spot_share: float = 0.35,
    point_hot_spot_sd_m: float = 120.0,
    area_effect_sd: float = 0.3,
    trend_sd: float = 0.04,
    include_area_code: bool = False,
    emerging_hot_spots: dict[str, Sequence[float]] | None = None,
) -> SyntheticCrimes:
    """Draw reported crimes for the areas over ``years``.

    ``rate_per_1000`` is the yearly rate in an ordinary area (Sweden: about 140 reported
    crimes per 1,000 residents a year, of which about 60 % can be placed at an address);
    ``total``, if given, rescales the expected counts so that about that many crimes are
    drawn (for benchmarks: 15 M over 6,000 areas and 10 years). ``hot_areas`` are codes, or
    a number of areas to pick at random; their rate is multiplied by ``hot_factor``.
    ``point_hot_spots`` clusters are placed in random hot areas (or any areas if none) and
    take ``point_hot_spot_share`` of their area's crimes, spread with a standard deviation
    of ``point_hot_spot_sd_m`` metres. ``emerging_hot_spots`` maps area codes to a share
    per year (in the order of the sorted ``years``): a cluster that takes that share of the
    area's crimes each year, e.g. ``[0, 0, 0, 0.3, 0.5]`` for one that appeared two years
    ago and grew (a space-time pattern for the emerging hot-spot analysis). It draws from
    a generator of its own, so everything else is the same with or without it.
    """
    rng = np.random.default_rng(seed)
    codes_arr = np.asarray([str(c) for c in codes], dtype=object)
    geoms = np.asarray(list(geometries), dtype=object)
    pop = np.asarray(population, dtype=np.float64)
    years_arr = np.asarray(sorted(int(y) for y in years), dtype=np.int64)
    n_areas = len(codes_arr)
    if not (len(geoms) == n_areas == len(pop)) or n_areas == 0:
        raise ValueError("codes, geometries and population must be non-empty and equally long")
    if len(years_arr) == 0:
        raise ValueError("years must not be empty")

    # --- how many crimes in each area and year -----------------------------------------
    if isinstance(hot_areas, int):
        hot_index = rng.choice(n_areas, size=min(hot_areas, n_areas), replace=False)
    else:
        lookup = {c: i for i, c in enumerate(codes_arr)}
        unknown = [c for c in hot_areas if c not in lookup]
        if unknown:
            raise ValueError(f"unknown hot areas: {unknown}")
        hot_index = np.asarray([lookup[c] for c in hot_areas], dtype=np.int64)
    hot = np.zeros(n_areas, dtype=bool)
    hot[hot_index] = True
    area_effect = rng.lognormal(-0.5 * area_effect_sd**2, area_effect_sd, n_areas)
    trend = rng.normal(0.0, trend_sd, n_areas)
    base = pop * rate_per_1000 / 1000.0 * area_effect * np.where(hot, hot_factor, 1.0)
    steps = (years_arr - years_arr[0]).astype(np.float64)
    expected = base[:, None] * (1.0 + trend[:, None]) ** steps[None, :]
    if total is not None:
        expected *= total / expected.sum()
    counts = rng.poisson(expected)
    n = int(counts.sum())
    area_of = np.repeat(np.repeat(np.arange(n_areas), len(years_arr)), counts.ravel())
    year_of = np.repeat(np.tile(years_arr, n_areas), counts.ravel())

    # --- what ------------------------------------------------------------------------
    names = list(CATEGORY_MIX)
    normal_p = np.array([CATEGORY_MIX[c] for c in names])
    hot_p = np.array([HOT_AREA_MIX[c] for c in names])
    category_index = np.where(
        hot[area_of],
        rng.choice(len(names), size=n, p=hot_p / hot_p.sum()),
        rng.choice(len(names), size=n, p=normal_p / normal_p.sum()),
    ).astype(np.int8)

    # --- when (Swedish local time) --------------------------------------------------------
    local = _local_times(rng, year_of)

    # --- where ----------------------------------------------------------------------------
    lon, lat = _points_in_areas(rng, geoms, area_of)
    spots = _plant_point_hot_spots(
        rng,
        geoms,
        codes_arr,
        hot_index,
        area_of,
        lon,
        lat,
        count=point_hot_spots,
        share=point_hot_spot_share,
        sd_m=point_hot_spot_sd_m,
    )

    emerging = _plant_emerging_hot_spots(
        np.random.default_rng([seed, 1]), geoms, codes_arr, area_of, year_of, years_arr,
        lon, lat, shares=emerging_hot_spots or {}, sd_m=point_hot_spot_sd_m,
    )  # fmt: skip

    local_series = pl.Series("local", local)
    frame = pl.DataFrame(
        {
            "id": pl.int_range(n, eager=True, dtype=pl.Int64).cast(pl.String).str.zfill(10),
            "local": local_series,
            "category": pl.Series(category_index.astype(np.uint32)).replace_strict(
                list(range(len(names))), names, return_dtype=pl.String
            ),
            "lat": lat,
            "lon": lon,
        }
    ).select(
        ("S" + pl.col("id")).alias("id"),
        # Times in the spring DST gap do not exist; move them an hour on, as a clock would.
        pl.coalesce(
            pl.col("local").dt.replace_time_zone(
                "Europe/Stockholm", ambiguous="earliest", non_existent="null"
            ),
            (pl.col("local") + pl.duration(hours=1)).dt.replace_time_zone(
                "Europe/Stockholm", ambiguous="earliest", non_existent="null"
            ),
        )
        .dt.convert_time_zone("UTC")
        .alias("occurred_at"),
        pl.col("category"),
        pl.col("lat"),
        pl.col("lon"),
        pl.lit("synthetic", pl.String).alias("source"),
    )
    if include_area_code:
        frame = frame.with_columns(pl.Series("area_code", codes_arr[area_of], dtype=pl.String))
    truth = pl.DataFrame(
        {
            "area_code": codes_arr.astype(str),
            "population": pop,
            "hot": hot,
            "area_effect": area_effect,
            "trend": trend,
            "expected_per_year": expected[:, 0],
        }
    )
    return SyntheticCrimes(
        crimes=frame, truth=truth, point_hot_spots=spots, emerging_hot_spots=emerging
    )


def write_synthetic_crimes(path: str | Path, data: SyntheticCrimes) -> Path:
    """Write the crimes as Parquet (zstd), the format the national benchmark reads."""
    path = Path(path)
    data.crimes.write_parquet(path, compression="zstd", row_group_size=1_000_000)
    return path


def square_grid_areas(
    *,
    rows: int,
    cols: int,
    lon0: float = 17.20,
    lat0: float = 62.30,
    size_m: float = 500.0,
    population: int | Sequence[int] = 1000,
    prefix: str = "9999G",
) -> tuple[list[str], list[BaseGeometry], np.ndarray]:
    """A ``rows × cols`` grid of square areas (codes ``{prefix}{row:03d}{col:03d}``), for
    tests that need exact, known neighbours."""
    dlat = size_m / 110_574.0
    dlon = size_m / (111_320.0 * np.cos(np.radians(lat0)))
    codes, geoms = [], []
    for r in range(rows):
        for c in range(cols):
            codes.append(f"{prefix}{r:03d}{c:03d}")
            geoms.append(
                box(lon0 + c * dlon, lat0 + r * dlat, lon0 + (c + 1) * dlon, lat0 + (r + 1) * dlat)
            )
    pop = np.broadcast_to(np.asarray(population, dtype=np.int64), (rows * cols,)).copy()
    return codes, geoms, pop


def _local_times(rng: np.random.Generator, year_of: np.ndarray) -> np.ndarray:
    """Naive local datetimes with summer, weekend and evening peaks."""
    n = len(year_of)
    out = np.empty(n, dtype="datetime64[us]")
    for year in np.unique(year_of):
        where = np.flatnonzero(year_of == year)
        days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
        doy = np.arange(len(days))
        weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
        weekend = weekday >= 4  # Friday, Saturday and Sunday nights
        # Summer peak around mid-July (+25 %), Friday/Saturday +30 %.
        weight = (1 + 0.25 * np.cos(2 * np.pi * (doy - 196) / len(days))) * np.where(
            (weekday == 4) | (weekday == 5), 1.3, 1.0
        )
        day = rng.choice(len(days), size=len(where), p=weight / weight.sum())
        h_weekday = rng.choice(24, size=len(where), p=_HOURS_WEEKDAY / _HOURS_WEEKDAY.sum())
        h_weekend = rng.choice(24, size=len(where), p=_HOURS_WEEKEND / _HOURS_WEEKEND.sum())
        hour = np.where(weekend[day], h_weekend, h_weekday)
        seconds = rng.integers(0, 3600, size=len(where))
        out[where] = days[day].astype("datetime64[us]") + (hour * 3600 + seconds).astype(
            "timedelta64[s]"
        ).astype("timedelta64[us]")
    return out


def _points_in_areas(
    rng: np.random.Generator, geoms: np.ndarray, area_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside each crime's area by rejection from the bounding box.

    Areas that fill their bounding box (grid squares) need no test; the rest are tested
    with vectorised ``contains_xy`` in chunks, redrawing only the misses.
    """
    bounds = shapely.bounds(geoms)
    fill = shapely.area(geoms) / np.maximum(
        (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]), 1e-300
    )
    rectangle = fill > 1 - 1e-9
    shapely.prepare(geoms)
    n = len(area_of)
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    while len(todo):
        a = area_of[todo]
        x = rng.uniform(bounds[a, 0], bounds[a, 2])
        y = rng.uniform(bounds[a, 1], bounds[a, 3])
        ok = rectangle[a].copy()
        test = np.flatnonzero(~ok)
        for start in range(0, len(test), 1_000_000):
            part = test[start : start + 1_000_000]
            ok[part] = shapely.contains_xy(geoms[a[part]], x[part], y[part])
        lon[todo[ok]] = x[ok]
        lat[todo[ok]] = y[ok]
        todo = todo[~ok]
    return lon, lat


def _plant_point_hot_spots(
    rng: np.random.Generator,
    geoms: np.ndarray,
    codes: np.ndarray,
    hot_index: np.ndarray,
    area_of: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    count: int,
    share: float,
    sd_m: float,
) -> pl.DataFrame:
    """Move a share of the crimes of ``count`` areas into tight clusters (in place)."""
    empty = pl.DataFrame(
        schema={
            "area_code": pl.String,
            "lon": pl.Float64,
            "lat": pl.Float64,
            "sd_m": pl.Float64,
            "share": pl.Float64,
        }
    )
    if count <= 0:
        return empty
    pool = hot_index if len(hot_index) else np.arange(len(geoms))
    chosen = rng.choice(pool, size=min(count, len(pool)), replace=False)
    rows = []
    for area in chosen:
        centre = shapely.point_on_surface(geoms[area])
        cx, cy = centre.x, centre.y
        members = np.flatnonzero(area_of == area)
        moved = members[rng.random(len(members)) < share]
        dlat = sd_m / 110_574.0
        dlon = sd_m / (111_320.0 * np.cos(np.radians(cy)))
        x = cx + rng.normal(0, dlon, len(moved))
        y = cy + rng.normal(0, dlat, len(moved))
        # Keep the crime in its own area: a point that falls outside stays where it was.
        inside = shapely.contains_xy(geoms[area], x, y)
        lon[moved[inside]] = x[inside]
        lat[moved[inside]] = y[inside]
        rows.append(
            {"area_code": str(codes[area]), "lon": cx, "lat": cy, "sd_m": sd_m, "share": share}
        )
    return pl.DataFrame(rows, schema=empty.schema)


def _plant_emerging_hot_spots(
    rng: np.random.Generator,
    geoms: np.ndarray,
    codes: np.ndarray,
    area_of: np.ndarray,
    year_of: np.ndarray,
    years: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    shares: dict[str, Sequence[float]],
    sd_m: float,
) -> pl.DataFrame:
    """Move each year's share of an area's crimes into a cluster (in place)."""
    rows = []
    lookup = {str(c): i for i, c in enumerate(codes)}
    unknown = [c for c in shares if c not in lookup]
    if unknown:
        raise ValueError(f"unknown areas for emerging hot spots: {unknown}")
    for code, per_year in shares.items():
        if len(per_year) != len(years):
            raise ValueError(f"{code}: one share per year ({len(years)}) is needed")
        area = lookup[code]
        centre = shapely.point_on_surface(geoms[area])
        cx, cy = centre.x, centre.y
        dlat = sd_m / 110_574.0
        dlon = sd_m / (111_320.0 * np.cos(np.radians(cy)))
        for year, share in zip(years, per_year, strict=True):
            members = np.flatnonzero((area_of == area) & (year_of == year))
            moved = members[rng.random(len(members)) < share]
            x = cx + rng.normal(0, dlon, len(moved))
            y = cy + rng.normal(0, dlat, len(moved))
            inside = shapely.contains_xy(geoms[area], x, y)
            lon[moved[inside]] = x[inside]
            lat[moved[inside]] = y[inside]
            rows.append(
                {"area_code": code, "year": int(year), "lon": cx, "lat": cy,
                 "sd_m": sd_m, "share": float(share)}
            )  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"area_code": pl.String, "year": pl.Int64, "lon": pl.Float64,
                "lat": pl.Float64, "sd_m": pl.Float64, "share": pl.Float64},
    )  # fmt: skip
