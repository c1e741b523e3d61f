"""Benchmark: Gi* with permutation inference on an H3 grid, against esda's G_Local.

Prints, from one run: the time to build the k-ring weights and to run Gi* with 999
permutations at each size (targets: 100 k cells <= 2 s, 1 M cells <= 20 s on two cores),
the direct O(n·k·P) kernel at the smallest size, and esda's G_Local at a size it can
manage, with the ratio. Not part of the test suite; see bench/README.md.

    .venv/bin/python bench/bench_hotspots.py [--sizes 100000 1000000] [--esda-size 10000]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import h3
import numpy as np

from trygg.analysis import hotspots as hs
from trygg.analysis.geo import Neighbours, h3_neighbours


def patch(n: int, resolution: int) -> np.ndarray:
    """The n cells nearest to Sundsvall's centre (a filled hexagonal disk)."""
    rings = math.ceil((-3 + math.sqrt(9 + 12 * (n - 1))) / 6)
    disk = h3.grid_disk(h3.latlng_to_cell(62.39, 17.30, resolution), rings)
    return np.array(sorted(h3.str_to_int(c) for c in disk), dtype=np.uint64)[:n]


def clustered_counts(neighbours: Neighbours, rng: np.random.Generator) -> np.ndarray:
    """Poisson counts with a few planted clusters, so the statistic has something to find."""
    y = rng.poisson(2.0, neighbours.n).astype(np.float64)
    for centre in rng.choice(neighbours.n, size=max(1, neighbours.n // 20_000), replace=False):
        lo, hi = neighbours.indptr[centre], neighbours.indptr[centre + 1]
        y[centre] += 12
        y[neighbours.indices[lo:hi]] += 8
    return y


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<44} {seconds:8.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--esda-size", type=int, default=10_000)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--skip-esda", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    print(f"Gi* on H3 grids, {args.permutations} permutations, k-ring 1")

    ours_at: dict[int, float] = {}
    for n in sorted(set(args.sizes) | ({args.esda_size} if not args.skip_esda else set())):
        print(f"{n:,} cells")
        cells = patch(n, 9 if n <= 300_000 else 10)
        neighbours, _ = timed(
            "k-ring weights (h3_neighbours)", lambda c=cells: h3_neighbours(cells=c, k=1)
        )
        y = clustered_counts(neighbours, rng)
        result, seconds = timed(
            "gi_star (fast kernel, incl. z and BH)",
            lambda nb=neighbours, v=y: hs.gi_star(
                values=v, neighbours=nb, permutations=args.permutations
            ),
        )
        ours_at[n] = seconds
        hot = int((result["class"] == "hot").sum())
        print(f"  {'hot cells (q <= 0.05)':<44} {hot:8d}")
        # With 999 permutations the smallest two-sided p is 0.002, so Benjamini–Hochberg over
        # n cells flags nothing unless about n/25 cells reach it; show the cost of 9999.
        result, _ = timed(
            "gi_star with 9999 permutations",
            lambda nb=neighbours, v=y: hs.gi_star(values=v, neighbours=nb, permutations=9999),
        )
        print(
            f"  {'hot cells (q <= 0.05) with 9999':<44} {int((result['class'] == 'hot').sum()):8d}"
        )
        if n == min(args.sizes):
            draws = hs._draw_without_replacement(
                np.random.default_rng(2),
                n - 1,
                int(neighbours.cardinalities.max()),
                args.permutations,
            )
            timed(
                "direct O(n·k·P) numpy kernel (any weights)",
                lambda nb=neighbours, v=y, d=draws: hs._counts_gather(
                    v, nb.indptr, nb.indices, nb.weights, d, mapping="swap"
                ),
            )

    if not args.skip_esda:
        import esda
        from libpysal.weights import W

        n = args.esda_size
        cells = patch(n, 9)
        neighbours = h3_neighbours(cells=cells, k=1)
        y = clustered_counts(neighbours, np.random.default_rng(1))
        w = W(
            {
                i: neighbours.indices[neighbours.indptr[i] : neighbours.indptr[i + 1]].tolist()
                for i in range(n)
            },
            silence_warnings=True,
        )
        print(
            f"esda.G_Local(star=True) at {n:,} cells (n_jobs=1; numba {'not ' if not _has_numba() else ''}installed)"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, esda_seconds = timed(
                "esda G_Local",
                lambda: esda.G_Local(
                    y,
                    w,
                    transform="B",
                    star=True,
                    permutations=args.permutations,
                    seed=1,
                    n_jobs=1,
                    alternative="two-sided",
                ),
            )
        print(f"  {'ratio esda / trygg at same size':<44} {esda_seconds / ours_at[n]:8.1f} x")
        print(
            f"  {'esda extrapolated to 1 M cells (O(n^2))':<44} "
            f"{esda_seconds * (1_000_000 / n) ** 2 / 60:8.1f} min"
        )
    for target_n, target_s in ((100_000, 2.0), (1_000_000, 20.0)):
        if target_n in ours_at:
            verdict = "OK" if ours_at[target_n] <= target_s else "MISSED"
            print(
                f"target {target_n:,} cells <= {target_s:g} s: {ours_at[target_n]:.2f} s {verdict}"
            )


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
