"""Crimes placed in areas, and counts, rates per 1,000 and harm-weighted rates per area,
year (or month) and category."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import polars as pl

from ..geo import AreaLocator
from .categories import CategoryTable, load_categories
from .schema import LOCAL_TIME_ZONE

__all__ = ["crime_counts", "crime_rates", "harm_weighted_rates", "place_crimes"]


def place_crimes(crimes: pl.DataFrame, *, locator: AreaLocator) -> pl.DataFrame:
    """Fill ``area_code`` from ``lat``/``lon`` with the area lookup and add ``placement``:
    ``given`` (the file named the area), ``located`` (found from the coordinates) or
    ``outside`` (the point lies in none of the areas; such crimes are kept but not counted
    in any area's rate)."""
    if "area_code" not in crimes.columns:
        crimes = crimes.with_columns(pl.lit(None, pl.String).alias("area_code"))
    need = crimes.get_column("area_code").is_null()
    if need.any():
        # Integer area indices, turned into codes by one gather: no Python string objects.
        index = np.full(crimes.height, -1, dtype=np.int64)
        where = need.to_numpy()
        lon = crimes.get_column("lon").to_numpy()
        lat = crimes.get_column("lat").to_numpy()
        if where.all():
            index = locator.locate_index(lon, lat)
        else:
            index[where] = locator.locate_index(lon[where], lat[where])
        positions = pl.Series("__index", index)
        positions = positions.set(positions < 0, None)
        located = pl.Series("__located", locator.codes.tolist(), dtype=pl.String).gather(positions)
    else:
        located = pl.repeat(None, crimes.height, dtype=pl.String, eager=True).alias("__located")
    return crimes.with_columns(
        pl.coalesce(pl.col("area_code"), located).alias("area_code"),
        pl.when(pl.col("area_code").is_not_null())
        .then(pl.lit("given"))
        .when(located.is_not_null())
        .then(pl.lit("located"))
        .otherwise(pl.lit("outside"))
        .alias("placement"),
    )


# --------------------------------------------------------------------------------------
# Counts and rates
# --------------------------------------------------------------------------------------

Period = Literal["year", "month"]


def crime_counts(
    crimes: pl.DataFrame | str | Path,
    *,
    period: Period = "year",
) -> pl.DataFrame:
    """Number of crimes per ``area_code × year [× month] × category`` (Swedish calendar).

    ``crimes`` is a placed crime table or the path of a Parquet file with at least
    ``occurred_at``, ``category`` and ``area_code``; DuckDB reads only those columns of a
    Parquet file, straight from disk. ``occurred_at`` in UTC (what the readers produce) is
    counted by Swedish year and month; a naive timestamp is taken to be Swedish time
    already, as the readers do. Crimes without an area are left out. Only combinations
    that occur are returned; :func:`crime_rates` adds the zeros.

    DuckDB rather than Polars: at 15 M rows it measured about 2× faster here, mostly in the
    time-zone conversion (bench/bench_crime.py prints both and a pandas baseline).
    """
    if period not in ("year", "month"):
        raise ValueError("period must be 'year' or 'month'")
    con = duckdb.connect()
    try:
        # With the session in Swedish time, year() and month() of a TIMESTAMPTZ are the
        # Swedish calendar's, and casting a naive timestamp reads it as Swedish time.
        con.execute(f"SET TimeZone = '{LOCAL_TIME_ZONE}'")
        if isinstance(crimes, (str, Path)):
            source = "read_parquet(?)"
            params: list[object] = [str(crimes)]
        else:
            con.register(
                "crimes_frame", crimes.select("occurred_at", "category", "area_code").to_arrow()
            )
            source, params = "crimes_frame", []
        month = ", month(t)::TINYINT AS month" if period == "month" else ""
        sql = f"""
            SELECT area_code::VARCHAR AS area_code, year(t)::INTEGER AS year{month},
                   category::VARCHAR AS category, count(*)::BIGINT AS count
            FROM (SELECT area_code, category, occurred_at::TIMESTAMPTZ AS t FROM {source}
                  WHERE area_code IS NOT NULL)
            GROUP BY ALL
        """  # noqa: S608 -- only fixed fragments are formatted in; the path is a parameter
        counts = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
    finally:
        con.close()
    assert isinstance(counts, pl.DataFrame)
    order = ["area_code", "year"] + (["month"] if period == "month" else []) + ["category"]
    return counts.sort(order)


def crime_rates(
    crimes: pl.DataFrame | str | Path,
    *,
    population: pl.DataFrame,
    period: Period = "year",
    categories: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    counts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Counts and rates per 1,000 residents.

    ``population`` has ``area_code, population`` and optionally ``year`` (then each year's
    figure is used; a missing year gives a null rate rather than a guess). The result has
    one row per area (every area in ``population``) × year (``years``, or every year from
    the first to the last crime) × category (``categories``, default the shipped table) ×
    month when ``period="month"``, zeros included, with columns
    ``area_code, year, [month,] category, count, population, rate_per_1000``.
    Crimes in areas missing from ``population`` are counted but get a null rate.
    ``counts``: the result of ``crime_counts(crimes, period=period)`` if the caller already
    has it (counting 15 M crimes takes a second or two).
    """
    if counts is None:
        counts = crime_counts(crimes, period=period)
    cats = list(categories) if categories is not None else load_categories().codes
    if years is None:
        if counts.height:
            years = list(range(int(counts["year"].min()), int(counts["year"].max()) + 1))  # type: ignore[arg-type]
        else:
            years = []
    pop = population.rename({c: c.strip().lower() for c in population.columns})
    if not {"area_code", "population"} <= set(pop.columns):
        raise ValueError("population needs columns area_code and population")
    pop = pop.with_columns(
        pl.col("area_code").cast(pl.String), pl.col("population").cast(pl.Float64)
    )
    areas = (
        pl.concat([pop.select("area_code"), counts.select("area_code")]).unique().sort("area_code")
    )
    grid = areas.join(pl.DataFrame({"year": pl.Series(list(years), dtype=pl.Int32)}), how="cross")
    if period == "month":
        grid = grid.join(
            pl.DataFrame({"month": pl.Series(range(1, 13), dtype=pl.Int8)}), how="cross"
        )
    grid = grid.join(pl.DataFrame({"category": pl.Series(cats, dtype=pl.String)}), how="cross")
    keys = ["area_code", "year"] + (["month"] if period == "month" else []) + ["category"]
    out = grid.join(counts, on=keys, how="left").with_columns(pl.col("count").fill_null(0))
    if "year" in pop.columns:
        pop_year = pop.select(
            pl.col("area_code"), pl.col("year").cast(pl.Int32), pl.col("population")
        )
        out = out.join(pop_year, on=["area_code", "year"], how="left")
    else:
        out = out.join(pop.select("area_code", "population"), on="area_code", how="left")
    return (
        out.with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("count") / pl.col("population") * 1000.0)
            .otherwise(None)
            .alias("rate_per_1000")
        )
        .select(*keys, "count", "population", "rate_per_1000")
        .sort(keys)
    )


def harm_weighted_rates(
    rates: pl.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    categories: CategoryTable | None = None,
) -> pl.DataFrame:
    """Harm-weighted rate per area × period: ``Σ count × weight / population × 1000``.

    ``rates`` is :func:`crime_rates` output. ``weights`` override the defaults from the
    category table for the categories they name (a category weighted 0 drops out). Returns
    ``area_code, year, [month,] count, harm, population, harm_per_1000``.
    """
    table = categories or load_categories()
    merged = table.harm_weights()
    for code, weight in (weights or {}).items():
        if code not in merged:
            raise ValueError(f"unknown category '{code}' in harm weights")
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"harm weight for '{code}' must be a non-negative number")
        merged[code] = float(weight)
    w = pl.DataFrame({"category": list(merged), "__w": list(merged.values())})
    keys = ["area_code", "year"] + (["month"] if "month" in rates.columns else [])
    return (
        rates.join(w, on="category", how="left")
        .group_by(keys)
        .agg(
            pl.col("count").sum(),
            (pl.col("count") * pl.col("__w").fill_null(0.0)).sum().alias("harm"),
            pl.col("population").first(),
        )
        .with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("harm") / pl.col("population") * 1000.0)
            .otherwise(None)
            .alias("harm_per_1000")
        )
        .sort(keys)
    )
