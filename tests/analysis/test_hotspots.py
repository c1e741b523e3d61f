"""Gi* hot spots, permutation inference, FDR and Moran's I (trygg.analysis.hotspots).

esda is the oracle: same statistic, same z, the same p-values draw for draw when our kernel
is fed esda's draws, and statistically the same p-values with our own draws.
"""

from __future__ import annotations

import warnings

import h3
import numpy as np
import pytest

from trygg.analysis import hotspots as hs
from trygg.analysis.geo import Neighbours, h3_neighbours

libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")


@pytest.fixture(scope="module")
def columbus() -> tuple[np.ndarray, object, Neighbours]:
    """CRIME and libpysal's queen W on Columbus, and the same W as our Neighbours."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.Queen.from_shapefile(libpysal.examples.get_path("columbus.shp"))
        dbf = libpysal.io.open(libpysal.examples.get_path("columbus.dbf"))
        crime = np.asarray(dbf.by_col("CRIME"), dtype=np.float64)
        dbf.close()
    position = {unit: i for i, unit in enumerate(w.id_order)}
    pairs = [(position[u], position[v]) for u, vs in w.neighbors.items() for v in vs]
    i, j = np.array(pairs).T
    neighbours = Neighbours.from_pairs(units=np.array(w.id_order, dtype=object), i=i, j=j)
    return crime, w, neighbours


def _esda_g_local(y: np.ndarray, w: object, **kwargs: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, w, star=True, n_jobs=1, **kwargs)


# --------------------------------------------------------------------------------------
# Equality with esda and the published Columbus figures
# --------------------------------------------------------------------------------------


def test_morans_i_on_columbus_matches_the_published_values(columbus) -> None:
    crime, w, neighbours = columbus
    result = hs.morans_i(values=crime, neighbours=neighbours)
    assert result.i == pytest.approx(0.500188557, abs=1e-9)
    assert result.z_randomisation == pytest.approx(5.5894, abs=5e-5)
    assert result.expected == pytest.approx(-1 / 48)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w.transform = "r"
        reference = esda.Moran(crime, w, permutations=0)
    assert result.variance_randomisation == pytest.approx(reference.VI_rand, rel=1e-10)
    assert result.z_normality == pytest.approx(reference.z_norm, rel=1e-10)


@pytest.mark.parametrize("transform", ["B", "R"])
def test_gi_star_and_z_equal_esda(columbus, transform: str) -> None:
    crime, w, neighbours = columbus
    reference = _esda_g_local(crime, w, transform=transform, permutations=0)
    ours = hs.gi_star(values=crime, neighbours=neighbours, transform=transform, permutations=0)
    assert ours["unit"].to_list() == [str(u) for u in w.id_order]
    np.testing.assert_allclose(ours["gi"].to_numpy(), reference.Gs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours["gi_z"].to_numpy(), reference.Zs, rtol=1e-12, atol=1e-14)
    assert ours["p_value"].null_count() == len(crime)


@pytest.mark.parametrize("transform", ["B", "R"])
def test_kernel_reproduces_esda_p_values_draw_for_draw(columbus, transform: str) -> None:
    """Fed esda's own draws and esda's "array without unit i" mapping, the O(n·k·P) kernel
    gives esda's p-values exactly (esda stores them as float32)."""
    crime, w, neighbours = columbus
    permutations, seed = 99, 12345
    reference = _esda_g_local(
        crime, w, transform=transform, permutations=permutations, seed=seed, alternative="directed"
    )
    # esda.crand.vec_permutations without numba: legacy seeding, one choice() per row.
    np.random.seed(seed)
    k = int(neighbours.cardinalities.max())
    draws = np.array(
        [np.random.choice(len(crime) - 1, size=k, replace=False) for _ in range(permutations)]
    )
    weights = neighbours.weights
    if transform == "R":
        weights = np.repeat(1.0 / (neighbours.cardinalities + 1), neighbours.cardinalities)
    ge, le, lt = hs._counts_gather(
        crime, neighbours.indptr, neighbours.indices, weights, draws, mapping="shift"
    )
    ours = hs._p_values(ge, le, lt, permutations, "directed")
    np.testing.assert_allclose(ours, reference.p_sim, atol=1e-6)


def test_p_values_agree_with_esda_statistically(columbus) -> None:
    """Our own draws (swap mapping, our generator) against esda's: same null distribution,
    so p-values differ only by Monte Carlo error, sd = sqrt(p(1-p)(1/999 + 1/9999))."""
    crime, w, neighbours = columbus
    reference = _esda_g_local(
        crime, w, transform="B", permutations=999, seed=1, alternative="directed"
    ).p_sim
    ours = hs.gi_star(
        values=crime, neighbours=neighbours, permutations=9999, seed=2, alternative="directed"
    )["p_value"].to_numpy()
    assert np.corrcoef(ours, reference)[0, 1] > 0.98
    p = np.clip((ours + reference) / 2, 0.005, 0.5)
    sd = np.sqrt(p * (1 - p) * (1 / 999 + 1 / 9999))
    assert np.all(np.abs(ours - reference) < 4.5 * sd)
    same_class = (ours <= 0.05) == (reference <= 0.05)
    assert same_class.sum() >= 47


# --------------------------------------------------------------------------------------
# The two kernels and the null distribution
# --------------------------------------------------------------------------------------


def _h3_patch(rings: int = 6) -> Neighbours:
    centre = h3.latlng_to_cell(62.39, 17.30, 9)
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, rings)), dtype=np.uint64)
    return h3_neighbours(cells=cells, k=1)


def test_fast_kernel_equals_direct_kernel_with_ties() -> None:
    """Integer counts give many exact ties; the sweep and the direct gather must count
    them identically for every unit (cardinalities 3 to 6 on the patch's rim)."""
    neighbours = _h3_patch()
    rng = np.random.default_rng(4)
    y = rng.poisson(2.0, neighbours.n).astype(np.float64)
    draws = hs._draw_without_replacement(
        rng, neighbours.n - 1, int(neighbours.cardinalities.max()), 499
    )
    fast = hs._counts_equal_weights(y, neighbours.indptr, neighbours.indices, draws)
    direct = hs._counts_gather(
        y, neighbours.indptr, neighbours.indices, neighbours.weights, draws, mapping="swap"
    )
    for a, b in zip(fast, direct, strict=True):
        np.testing.assert_array_equal(a, b)


def test_general_weights_use_the_direct_kernel_correctly() -> None:
    """Unequal weights within a row: compare with a plain loop over units and draws."""
    rng = np.random.default_rng(8)
    n = 25
    i, j = np.nonzero(np.triu(rng.random((n, n)) < 0.2, 1))
    base = Neighbours.from_pairs(units=np.arange(n).astype(str).astype(object), i=i, j=j)
    weights = rng.uniform(0.5, 2.0, len(base.weights))
    neighbours = Neighbours(
        units=base.units, indptr=base.indptr, indices=base.indices, weights=weights
    )
    y = rng.gamma(2.0, 3.0, n)
    permutations = 60
    result = hs.gi_star(
        values=y, neighbours=neighbours, permutations=permutations, seed=3, alternative="greater"
    )
    draws = hs._draw_without_replacement(
        np.random.default_rng(3), n - 1, int(neighbours.cardinalities.max()), permutations
    )
    expected = np.full(n, np.nan)
    for unit in range(n):
        lo, hi = neighbours.indptr[unit], neighbours.indptr[unit + 1]
        if hi == lo:
            continue
        w = weights[lo:hi]
        observed = w @ y[neighbours.indices[lo:hi]]
        ge = 0
        for row in draws:
            ids = [n - 1 if d == unit else d for d in row[: hi - lo]]
            ge += w @ y[ids] >= observed
        expected[unit] = (ge + 1) / (permutations + 1)
    np.testing.assert_allclose(result["p_value"].to_numpy(), expected, equal_nan=True)


def test_p_values_are_uniform_under_the_null() -> None:
    neighbours = _h3_patch(rings=12)  # 469 cells
    y = np.random.default_rng(11).gamma(3.0, 1.0, neighbours.n)
    p = hs.gi_star(values=y, neighbours=neighbours, permutations=199, seed=5)["p_value"].to_numpy()
    # Independent values: about 5 % of units below 0.05 and a flat histogram.
    assert 0.02 < np.mean(p <= 0.05) < 0.09
    assert 0.40 < np.mean(p <= 0.5) < 0.60


def test_draws_are_without_replacement_and_cover_the_pool() -> None:
    rng = np.random.default_rng(0)
    for pool, k in ((10, 9), (50_000, 8)):
        draws = hs._draw_without_replacement(rng, pool, k, 300)
        assert draws.shape == (300, k)
        assert all(len(set(row)) == k for row in draws)
        assert draws.min() >= 0 and draws.max() < pool
    with pytest.raises(ValueError):
        hs._draw_without_replacement(rng, 3, 4, 10)


# --------------------------------------------------------------------------------------
# Classes, FDR, islands and bad input
# --------------------------------------------------------------------------------------


def test_planted_cluster_is_hot_and_seed_reproducible() -> None:
    neighbours = _h3_patch(rings=10)
    rng = np.random.default_rng(2)
    y = rng.poisson(3.0, neighbours.n).astype(np.float64)
    centre = h3.str_to_int(h3.latlng_to_cell(62.39, 17.30, 9))
    cluster = {h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 1)}
    in_cluster = np.isin(neighbours.units, list(cluster))
    y[in_cluster] += 15
    # 9999 permutations: with 999 the smallest two-sided p is 0.002 and Benjamini–Hochberg
    # over 331 cells cannot bring a cluster of seven below q = 0.05 (0.002·331/7 ≈ 0.09).
    first = hs.gi_star(values=y, neighbours=neighbours, permutations=9999)
    second = hs.gi_star(values=y, neighbours=neighbours, permutations=9999)
    assert first.equals(second)
    assert first.columns == ["unit", "value", "gi", "gi_z", "p_value", "q_value", "class"]
    classes = first["class"].to_numpy()
    assert classes[neighbours.units == centre][0] == "hot"
    assert (classes[~in_cluster] == "hot").sum() <= 12  # only the cluster's rim, if any
    assert set(classes) <= {"hot", "cold", "none"}
    other = hs.gi_star(values=y, neighbours=neighbours, seed=99, permutations=9999)
    assert not np.array_equal(first["p_value"].to_numpy(), other["p_value"].to_numpy())


def test_cold_spot_is_found() -> None:
    neighbours = _h3_patch(rings=10)
    y = np.full(neighbours.n, 10.0) + np.random.default_rng(6).poisson(2.0, neighbours.n)
    centre = h3.str_to_int(h3.latlng_to_cell(62.39, 17.30, 9))
    cluster = [h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 1)]
    y[np.isin(neighbours.units, cluster)] = 0.0
    result = hs.gi_star(values=y, neighbours=neighbours, permutations=9999)
    assert result["class"].to_numpy()[neighbours.units == centre][0] == "cold"


def test_benjamini_hochberg_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(1).uniform(0, 0.2, 200) ** 2
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(hs.benjamini_hochberg(p), expected)
    with_nan = hs.benjamini_hochberg(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.04])
    assert np.isnan(hs.benjamini_hochberg(np.array([np.nan]))).all()


def test_islands_get_no_p_value() -> None:
    neighbours = Neighbours.from_pairs(
        units=np.array(list("abcde"), dtype=object), i=np.array([0, 1, 2]), j=np.array([1, 2, 3])
    )
    result = hs.gi_star(values=np.array([1.0, 2, 3, 4, 5]), neighbours=neighbours, permutations=99)
    island = result.filter(result["unit"] == "e")
    assert island["p_value"][0] is None and island["q_value"][0] is None
    assert island["class"][0] == "none"


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (np.ones(4), {}, "one entry per unit"),
        (np.array([1.0, np.nan, 1.0, 1.0, 1.0]), {}, "finite"),
        (np.zeros(5), {}, "positive total"),
        (np.ones(5), {"transform": "X"}, "transform"),
        (np.ones(5), {"permutations": -1}, "permutations"),
        (np.ones(5), {"alternative": "sideways"}, "alternative"),
    ],
)
def test_gi_star_rejects_bad_input(values: np.ndarray, kwargs: dict, message: str) -> None:
    neighbours = Neighbours.from_pairs(
        units=np.array(list("abcde"), dtype=object), i=np.arange(4), j=np.arange(1, 5)
    )
    with pytest.raises(ValueError, match=message):
        hs.gi_star(values=values, neighbours=neighbours, **kwargs)


def test_gi_star_needs_three_units() -> None:
    neighbours = Neighbours.from_pairs(
        units=np.array(["a", "b"], dtype=object), i=np.array([0]), j=np.array([1])
    )
    with pytest.raises(ValueError, match="three"):
        hs.gi_star(values=np.ones(2), neighbours=neighbours)


def test_h3_hotspots_from_points_with_cover() -> None:
    from shapely.geometry import box

    rng = np.random.default_rng(3)
    lat = np.concatenate([rng.uniform(62.37, 62.41, 600), rng.normal(62.39, 0.0015, 300)])
    lon = np.concatenate([rng.uniform(17.26, 17.34, 600), rng.normal(17.30, 0.003, 300)])
    result = hs.h3_hotspots(
        lat=lat, lon=lon, resolution=9, cover=[box(17.26, 62.37, 17.34, 62.41)], permutations=9999
    )
    assert result.columns == ["unit", "count", "value", "gi", "gi_z", "p_value", "q_value", "class"]
    assert result["count"].sum() == len(lat)
    assert (result["count"] == 0).any()  # empty cells in the cover enter as zeros
    centre = h3.latlng_to_cell(62.39, 17.30, 9)
    assert result.filter(result["unit"] == centre)["class"][0] == "hot"
    weighted = hs.h3_hotspots(
        lat=lat, lon=lon, resolution=9, weights=np.full(len(lat), 2.0), permutations=0
    )
    assert weighted["value"].sum() == pytest.approx(2 * len(lat))


def test_area_hotspots_aligns_the_table_and_fills_missing_areas() -> None:
    import polars as pl

    neighbours = Neighbours.from_pairs(
        units=np.array(list("abcde"), dtype=object), i=np.arange(4), j=np.arange(1, 5)
    )
    table = pl.DataFrame({"area_code": ["e", "a", "c"], "count": [5, 1, 3]})
    result = hs.area_hotspots(table=table, neighbours=neighbours, permutations=0)
    assert result["unit"].to_list() == list("abcde")
    assert result["value"].to_list() == [1.0, 0.0, 3.0, 0.0, 5.0]
    with pytest.raises(ValueError, match="not in the weights"):
        hs.area_hotspots(
            table=pl.DataFrame({"area_code": ["z"], "count": [1]}), neighbours=neighbours
        )
    with pytest.raises(ValueError, match="unique"):
        hs.area_hotspots(
            table=pl.DataFrame({"area_code": ["a", "a"], "count": [1, 2]}), neighbours=neighbours
        )


def test_permutation_count_follows_the_number_of_units() -> None:
    assert hs.permutations_for(29) == 999
    assert hs.permutations_for(6_000) == 23_999
    assert hs.permutations_for(100_000) == 39_999
    assert hs.permutations_for(10_000_000) == 39_999
    assert hs.permutations_for(10_000_000, alpha=0.001) == hs.MAX_AUTO_PERMUTATIONS


def test_automatic_permutations_find_a_cluster_that_999_cannot() -> None:
    neighbours = _h3_patch(rings=40)  # about 4,900 cells
    rng = np.random.default_rng(11)
    y = rng.poisson(3.0, neighbours.n).astype(np.float64)
    centre = h3.str_to_int(h3.latlng_to_cell(62.39, 17.30, 9))
    # 19 cells: more than the ten that the automatic count is sized for.
    cluster = [h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 2)]
    y[np.isin(neighbours.units, cluster)] += 15
    fixed = hs.gi_star(values=y, neighbours=neighbours, permutations=999)
    auto = hs.gi_star(values=y, neighbours=neighbours, permutations=None)
    at_centre = neighbours.units == centre
    assert fixed["class"].to_numpy()[at_centre][0] == "none"
    assert auto["class"].to_numpy()[at_centre][0] == "hot"
