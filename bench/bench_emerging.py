"""Benchmark: emerging hot spots (Gi* per year + Mann–Kendall + categories) on H3 grids
with a cluster planted in the last years, against one single-year Gi* in the same run.

For each size (default 10 k and 100 k cells) and ``--years`` steps it builds a Poisson
background per year (`trygg.demo.synthetic_hotspots.planted_grid`, the planted disks taking
their uplift only in the last two years) and prints:

* the time of one single-year Gi* (the baseline: what the hot-spot map costs);
* the time of the emerging analysis and its ratio to the baseline (expected: about the
  number of years, since each year is one Gi*; Mann–Kendall and the rules are vectorised);
* the share of planted cells classified consecutive or new hot spots, and of the other
  cells given any hot category.

Not part of the test suite; see bench/README.md.

    .venv/bin/python bench/bench_emerging.py [--sizes 10000 100000] [--years 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from trygg.analysis import hotspots as hs
from trygg.demo.synthetic_hotspots import planted_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--years", type=int, default=6)
    args = parser.parse_args()
    print(f"{'cells':>9} {'years':>5} {'one Gi* s':>10} {'emerging s':>11} {'ratio':>6} "
          f"{'found':>6} {'false hot':>10}")  # fmt: skip
    for n in args.sizes:
        grid = planted_grid(n, seed=1)
        quiet = planted_grid(n, seed=1, uplift=1.0)
        rng = np.random.default_rng(2)
        columns = []
        for year in range(args.years):
            base = rng.poisson(2.0, n).astype(float)
            if year >= args.years - 2:  # the cluster appears two years before the end
                base[grid.planted] = rng.poisson(10.0, int(grid.planted.sum()))
            columns.append(base)
        values = np.column_stack(columns)
        start = time.perf_counter()
        hs.gi_star(values=quiet.values, neighbours=grid.neighbours, smallest_cluster=7)
        one = time.perf_counter() - start
        start = time.perf_counter()
        summary, _ = hs.emerging_hotspots(
            values=values, neighbours=grid.neighbours, steps=list(range(args.years)),
            smallest_cluster=7,
        )  # fmt: skip
        emerging = time.perf_counter() - start
        category = summary["category"].to_numpy()
        found = np.isin(category[grid.planted], ["consecutive_hot", "new_hot"]).mean()
        hot = np.char.endswith(category.astype(str), "_hot")
        false = (hot & ~grid.near_planted).sum() / max(1, (~grid.near_planted).sum())
        print(f"{n:>9} {args.years:>5} {one:>10.2f} {emerging:>11.2f} {emerging / one:>6.1f} "
              f"{found:>6.2f} {false:>10.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
