"""The synthetic crime generator: reproducible, valid input, and its planted truth is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trygg.analysis import crime, hotspots
from trygg.analysis.geo import AreaLocator
from trygg.demo.synthetic_crime import (
    CATEGORY_MIX,
    square_grid_areas,
    synthetic_crimes,
    write_synthetic_crimes,
)

YEARS = range(2020, 2025)


@pytest.fixture(scope="module")
def grid() -> tuple[list[str], list, np.ndarray]:
    return square_grid_areas(rows=15, cols=15, population=1200)


def test_same_seed_same_crimes_and_valid_csv_input(grid, tmp_path: Path) -> None:
    codes, geoms, pop = grid
    first = synthetic_crimes(
        codes=codes, geometries=geoms, population=pop, years=YEARS, seed=3, rate_per_1000=20
    )
    second = synthetic_crimes(
        codes=codes, geometries=geoms, population=pop, years=YEARS, seed=3, rate_per_1000=20
    )
    assert first.crimes.equals(second.crimes)
    assert first.crimes.columns == ["id", "occurred_at", "category", "lat", "lon", "source"]
    assert first.crimes["id"].n_unique() == first.crimes.height
    assert set(first.crimes["category"].unique()) <= set(CATEGORY_MIX)
    # Round trip through the CSV reader: the generator writes what the importer accepts.
    path = tmp_path / "synthetic.csv"
    first.crimes.write_csv(path)
    read = crime.read_crimes(path)
    assert read.crimes.height == first.crimes.height
    assert read.crimes["occurred_at"].equals(first.crimes["occurred_at"])
    other = synthetic_crimes(
        codes=codes, geometries=geoms, population=pop, years=YEARS, seed=4, rate_per_1000=20
    )
    assert not other.crimes.equals(first.crimes)


def test_points_lie_in_their_areas(tmp_path: Path) -> None:
    from trygg.demo.synth import generate_municipality

    features = generate_municipality().area_features()
    locator = AreaLocator.from_geojson({"type": "FeatureCollection", "features": features})
    pop = [f["properties"]["population"] for f in features]
    data = synthetic_crimes(
        codes=locator.codes,
        geometries=locator.geometries,
        population=pop,
        years=[2024],
        seed=1,
        point_hot_spots=2,
        hot_areas=3,
        include_area_code=True,
    )
    frame = data.crimes
    located = locator.locate(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    assert (located == frame["area_code"].to_numpy()).all()
    assert data.point_hot_spots.height == 2
    assert set(data.point_hot_spots["area_code"]) <= set(data.truth.filter("hot")["area_code"])
    path = write_synthetic_crimes(tmp_path / "c.parquet", data)
    assert pl.read_parquet(path).height == frame.height


def test_total_and_seasonality() -> None:
    codes, geoms, pop = square_grid_areas(rows=10, cols=10)
    data = synthetic_crimes(
        codes=codes, geometries=geoms, population=pop, years=[2023, 2024], total=60_000, seed=2
    )
    frame = data.crimes
    assert abs(frame.height - 60_000) < 1_500
    local = frame["occurred_at"].dt.convert_time_zone("Europe/Stockholm")
    month = local.dt.month().to_numpy()
    hour = local.dt.hour().to_numpy()
    weekday = local.dt.weekday().to_numpy()  # 1 = Monday
    assert np.mean(np.isin(month, [6, 7, 8])) > np.mean(np.isin(month, [12, 1, 2])) * 1.2
    assert np.mean(np.isin(weekday, [5, 6])) > 2 / 7 * 1.1
    evening = np.isin(hour, [19, 20, 21, 22])
    morning = np.isin(hour, [4, 5, 6, 7])
    assert evening.sum() > 3 * morning.sum()
    assert set(local.dt.year().unique()) == {2023, 2024}


def test_rejects_bad_arguments(grid) -> None:
    codes, geoms, pop = grid
    with pytest.raises(ValueError, match="equally long"):
        synthetic_crimes(codes=codes[:3], geometries=geoms, population=pop, years=YEARS)
    with pytest.raises(ValueError, match="years"):
        synthetic_crimes(codes=codes, geometries=geoms, population=pop, years=[])
    with pytest.raises(ValueError, match="unknown hot areas"):
        synthetic_crimes(
            codes=codes, geometries=geoms, population=pop, years=YEARS, hot_areas=["nope"]
        )


def test_planted_hot_areas_are_found_by_gi_star_on_contiguity(grid) -> None:
    codes, geoms, pop = grid
    # A 3 × 3 block of hot areas in the middle of the grid.
    block = [f"9999G{r:03d}{c:03d}" for r in range(6, 9) for c in range(6, 9)]
    data = synthetic_crimes(
        codes=codes,
        geometries=geoms,
        population=pop,
        years=YEARS,
        seed=5,
        hot_areas=block,
        hot_factor=3.0,
        area_effect_sd=0.15,
        include_area_code=True,
    )
    locator = AreaLocator(codes=codes, geometries=geoms)
    population = pl.DataFrame({"area_code": codes, "population": pop})
    rates = crime.crime_rates(data.crimes, population=population)
    per_area = rates.group_by("area_code").agg(pl.col("count").sum()).sort("area_code")
    neighbours = locator.contiguity(kind="queen")
    values = per_area.join(
        pl.DataFrame({"area_code": neighbours.units.astype(str)}), on="area_code", how="right"
    )["count"].to_numpy()
    result = hotspots.gi_star(values=values, neighbours=neighbours, permutations=9999)
    hot = set(result.filter(pl.col("class") == "hot")["unit"])
    assert "9999G007007" in hot  # the centre of the block
    assert len(hot & set(block)) >= 5
    assert len(hot - set(block)) <= 16  # at most the block's rim
    assert result.filter(pl.col("class") == "cold").height == 0


def test_planted_point_hot_spot_is_found_on_the_h3_grid(grid) -> None:
    import h3

    codes, geoms, pop = grid
    data = synthetic_crimes(
        codes=codes,
        geometries=geoms,
        population=pop,
        years=[2024],
        seed=9,
        rate_per_1000=60,
        hot_areas=1,
        point_hot_spots=1,
        point_hot_spot_share=0.8,
        hot_factor=3.0,
        point_hot_spot_sd_m=250.0,  # a cluster a few H3 cells wide (res 9 edge: 174 m)
    )
    spot = data.point_hot_spots.row(0, named=True)
    result = hotspots.h3_hotspots(
        lat=data.crimes["lat"].to_numpy(),
        lon=data.crimes["lon"].to_numpy(),
        resolution=9,
        cover=geoms,
        permutations=9999,
    )
    centre_cell = h3.latlng_to_cell(spot["lat"], spot["lon"], 9)
    near = set(h3.grid_disk(centre_cell, 1))
    hot = set(result.filter(pl.col("class") == "hot")["unit"])
    assert len(hot & near) >= 3
    assert hot <= set(h3.grid_disk(centre_cell, 3))


def test_emerging_hot_spot_changes_only_its_area_and_is_found_as_new() -> None:
    """A cluster planted in the last year only: the other areas' crimes are the same as
    without it, and the emerging hot-spot analysis calls its centre a hot spot that has
    just appeared."""
    import h3

    # Squares of 1.5 km (about 22 H3 cells of resolution 9 each), evenly busy: the area's
    # crimes spread over its cells until the cluster gathers most of them.
    codes, geoms, pop = square_grid_areas(rows=7, cols=7, size_m=1500.0, population=1200)
    settings = dict(
        codes=codes, geometries=geoms, population=pop, years=YEARS, seed=9,
        rate_per_1000=200, area_effect_sd=0.0, trend_sd=0.0, point_hot_spot_sd_m=250.0,
    )  # fmt: skip
    plain = synthetic_crimes(**settings)
    area = codes[24]  # the middle square
    planted = synthetic_crimes(**settings, emerging_hot_spots={area: [0, 0, 0, 0, 0.8]})
    assert planted.crimes.height == plain.crimes.height
    moved = planted.crimes["lon"].to_numpy() != plain.crimes["lon"].to_numpy()
    assert 0 < moved.sum() < plain.crimes.height * 0.01
    spots = planted.emerging_hot_spots
    assert spots["year"].to_list() == list(YEARS) and spots["share"][-1] == 0.8
    centre = h3.latlng_to_cell(spots["lat"][0], spots["lon"][0], 9)

    def centre_of(data) -> dict:
        year = data.crimes["occurred_at"].dt.convert_time_zone("Europe/Stockholm").dt.year()
        summary, series = hotspots.h3_emerging_hotspots(
            lat=data.crimes["lat"].to_numpy(), lon=data.crimes["lon"].to_numpy(),
            step=year.to_numpy(), resolution=9, cover=geoms,
        )  # fmt: skip
        last = series.filter((pl.col("unit") == centre) & (pl.col("step") == max(YEARS)))
        row = summary.filter(pl.col("unit") == centre).row(0, named=True)
        return row | {"z": last["gi_z"].item()}

    mine, before = centre_of(planted), centre_of(plain)
    assert mine["category"] == "new_hot", mine
    assert before["category"] == "no_pattern"
    assert mine["z"] > before["z"] + 3
    with pytest.raises(ValueError, match="one share per year"):
        synthetic_crimes(**settings, emerging_hot_spots={area: [0.5]})
