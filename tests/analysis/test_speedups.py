"""The speed-ups of the analysis core give the answers of the plain code: vectorised survey
indices, point-in-area by bounding box and contains_xy, the normal approximation of large
Poisson counts in the priority bootstrap, and unique hatch pattern ids in the maps."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import box

from trygg.analysis import geo, priority
from trygg.analysis.priority import components as priority_components
from trygg.analysis.report import charts
from trygg.analysis.survey import estimate_indices, year_over_year
from trygg.analysis.survey_io import parse_responses
from trygg.analysis.weighting import rake
from trygg.demo.synthetic_survey import generate_survey, synthetic_areas

# ------------------------------------------------------------------------------- survey


@pytest.fixture(scope="module")
def weighted():
    areas = synthetic_areas(n_areas=30, seed=3)
    frame = generate_survey(areas, years=[2023, 2024], n_answers=3000, seed=4)
    responses = parse_responses(frame).frame
    population = pl.concat([areas.with_columns(pl.lit(y).alias("year")) for y in (2023, 2024)])
    return rake(responses, population).weights


def _assert_frames_close(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.columns == b.columns and a.shape == b.shape and a.schema == b.schema
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype == pl.Float64:
            assert (x.is_null() == y.is_null()).all(), column
            np.testing.assert_allclose(
                x.drop_nulls().to_numpy(), y.drop_nulls().to_numpy(), rtol=1e-9, atol=1e-12
            )
        else:
            assert x.equals(y), column


def test_default_design_equals_explicit_single_respondent_psus(weighted):
    # One respondent per PSU takes the shortcut without the (domain, PSU) step; naming the
    # same design explicitly goes the general way. Both must agree.
    parents = {c: c[:6] for c in weighted["area_code"].unique().to_list()}
    explicit = weighted.with_columns(pl.col("respondent_id").cast(pl.String).alias("psu"))
    a = estimate_indices(weighted, parents=parents, total_code="T")
    b = estimate_indices(explicit, psu="psu", parents=parents, total_code="T")
    _assert_frames_close(a, b)
    assert (a["method"] == "small_area").any() and a["suppressed"].any()


def test_indices_do_not_depend_on_the_row_order(weighted):
    parents = {c: c[:6] for c in weighted["area_code"].unique().to_list()}
    a = estimate_indices(weighted, parents=parents, total_code="T")
    shuffled = weighted.sample(fraction=1.0, shuffle=True, seed=5)
    b = estimate_indices(shuffled, parents=parents, total_code="T")
    _assert_frames_close(a, b)


def test_year_over_year_pairs_only_within_one_area_and_index(weighted):
    out = year_over_year(estimate_indices(weighted, total_code="T"))
    assert out.height
    assert (out["year_from"] == 2023).all() and (out["year_to"] == 2024).all()
    assert out.select("level", "area_code", "index").is_duplicated().sum() == 0


# ------------------------------------------------------------------------ point in area


def test_locate_matches_shapely_predicates_on_borders_overlaps_and_holes():
    codes = ["B", "A", "C", "RING", "HOLE", "OVER"]
    geoms = [
        box(0, 0, 1, 1),
        box(1, 0, 2, 1),
        box(0, 1, 2, 2),
        shapely.Polygon(box(2, 0, 4, 2).exterior.coords, [box(2.5, 0.5, 3.5, 1.5).exterior.coords]),
        box(2.5, 0.5, 3.5, 1.5),
        box(0.5, 0.5, 1.5, 1.5),  # overlaps A, B and C: the code that sorts first wins
    ]
    rng = np.random.default_rng(2)
    lon = np.concatenate([rng.uniform(-0.5, 4.5, 4000), rng.integers(0, 9, 400) * 0.5])
    lat = np.concatenate([rng.uniform(-0.5, 2.5, 4000), rng.integers(0, 6, 400) * 0.5])
    lon[:5] = np.nan
    got = geo.AreaLocator(codes=codes, geometries=geoms).locate(lon, lat)
    for x, y, code in zip(lon, lat, got, strict=True):
        if not (np.isfinite(x) and np.isfinite(y)):
            assert code is None
            continue
        inside = [c for c, g in zip(codes, geoms, strict=True) if g.contains(shapely.Point(x, y))]
        touching = [
            c for c, g in zip(codes, geoms, strict=True) if g.intersects(shapely.Point(x, y))
        ]
        expected = min(inside) if inside else (min(touching) if touching else None)
        assert code == expected, (x, y)


# ------------------------------------------------------------------- priority bootstrap


@pytest.mark.parametrize("lam", [10.0, 14.0, 30.0, 120.0, 1000.0])
def test_normal_approximation_has_the_poisson_percentiles(lam):
    # The cells drawn from the rounded normal: same 5th, 50th and 95th percentile as Poisson.
    rng = np.random.default_rng(7)
    matrix = np.array([[lam]])
    totals, _ = priority_components._poisson_rate_draws(rng, matrix, np.array([1.0]), 40_000)
    exact = np.random.default_rng(8).poisson(lam, 40_000)
    assert lam >= priority_components.NORMAL_APPROXIMATION_FROM
    for q in (5, 50, 95):
        assert abs(np.percentile(totals[:, 0], q) - np.percentile(exact, q)) <= 1
    assert totals.min() >= 0 and np.all(totals == np.round(totals))


def test_rank_intervals_with_the_normal_approximation_equal_the_exact_ones(monkeypatch):
    rng = np.random.default_rng(11)
    n = 200
    areas = [f"A{i:03d}" for i in range(n)]
    cats = ["theft", "violence", "robbery", "vandalism"]
    expected = rng.gamma(2.0, 40.0, n)
    rows = [
        {"area_code": a, "category": c, "count": int(rng.poisson(e * s))}
        for a, e in zip(areas, expected, strict=True)
        for c, s in zip(cats, (0.6, 0.2, 0.05, 0.15), strict=True)
    ]
    counts = pl.DataFrame(rows)
    population = pl.DataFrame({"area_code": areas, "population": rng.integers(800, 3000, n)})
    weights = {"theft": 1.0, "violence": 10.0, "robbery": 20.0, "vandalism": 1.0}

    def intervals() -> pl.DataFrame:
        comps = priority.crime_components(
            counts, population=population, areas=areas, harm_weights=weights, draws=2000
        )
        return priority.prioritise(areas=areas, components=comps).table.sort("area_code")

    approx = intervals()
    monkeypatch.setattr(priority_components, "NORMAL_APPROXIMATION_FROM", np.inf)
    exact = intervals()
    assert approx["rank"].to_list() == exact["rank"].to_list()
    for column in ("rank_low", "rank_high"):
        diff = np.abs(approx[column].to_numpy() - exact[column].to_numpy())
        # Percentiles of 2,000 draws move by a rank or two between any two seeds.
        assert np.percentile(diff, 90) <= 2 and diff.max() <= 6, column
    width_a = (approx["rank_high"] - approx["rank_low"]).to_numpy()
    width_e = (exact["rank_high"] - exact["rank_low"]).to_numpy()
    assert abs(width_a.mean() - width_e.mean()) < 0.05 * width_e.mean()


def test_poisson_draws_do_not_depend_on_threads():
    matrix = np.random.default_rng(3).gamma(1.0, 20.0, (400, 5))
    w = np.array([1.0, 2.0, 2.0, 10.0, 0.5])
    a = priority_components._poisson_rate_draws(np.random.default_rng(5), matrix, w, 3000)
    b = priority_components._poisson_rate_draws(np.random.default_rng(5), matrix, w, 3000)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


# ------------------------------------------------------------------------------ charts


def _areas(suppressed: bool) -> list[charts.MapArea]:
    return [
        charts.MapArea("A", box(17, 62, 17.1, 62.1), "green", suppressed=suppressed),
        charts.MapArea("B", box(17.1, 62, 17.2, 62.1), "red"),
    ]


def test_each_map_has_its_own_hatch_pattern():
    classes: tuple[charts.ColourClass, ...] = ()
    one = charts.choropleth(_areas(True), classes, title="Problem")
    two = charts.choropleth(_areas(True), classes, title="Rate")
    ids = [re.findall(r'<pattern id="([^"]+)"', svg) for svg in (one, two)]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]
    for svg, (pattern,) in zip((one, two), ids, strict=True):
        assert f'fill="url(#{pattern})"' in svg
    named = charts.choropleth(_areas(True), classes, title="x", pattern_id="hatch-x")
    assert '<pattern id="hatch-x"' in named and 'fill="url(#hatch-x)"' in named
    # No suppressed area: no pattern to define at all.
    assert "<pattern" not in charts.choropleth(_areas(False), classes, title="Problem")


def test_a_map_without_legend_leaves_the_legend_to_the_page():
    classes = (charts.ColourClass("red", "#d73027", "Stora problem"),)
    with_legend = charts.choropleth(_areas(True), classes, title="Problem")
    without = charts.choropleth(_areas(True), classes, title="Problem", legend=False)
    assert "Stora problem" in with_legend and "För få svar" in with_legend
    assert "Stora problem" not in without and "För få svar" not in without
    # The map itself is still drawn, hatched where suppressed.
    assert without.count("<path") == with_legend.count("<path") and "url(#hatch-" in without
