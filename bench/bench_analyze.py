"""Benchmark: the whole of `trygg analyze` (run_analysis) at municipality and national scale.

One run prints figures and ratios for:

* municipality: the demo Sundsvall (29 areas, 5 years of crimes, 3 survey years), the whole
  `run_analysis` in a fresh process (start-up included: the target is ≤ 2 s);
* national: ``synth.generate_national`` (6,000 areas), ``synthetic_crime`` (15 M crimes over
  10 years, written as Parquet) and 200 k survey answers; `run_analysis` in a fresh process
  (wall time and peak memory of that process: targets ≤ 30 s, ≤ 6 GB), against a
  straightforward baseline measured in the same run: pandas group-bys for counts, rates and
  survey means, ``esda.G_Local`` for Gi* on the areas, and a row loop for point-in-area
  (timed on a sample and scaled per point, because it would take hours).

``--scale`` shrinks the national sizes (0.1 = 600 areas, 1.5 M crimes, 20 k answers) for a
quick run. Not part of the test suite; see bench/README.md.

    .venv/bin/python bench/bench_analyze.py [--scale 1.0] [--skip-esda] [--skip-national]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from shapely.geometry import Point, shape

from trygg.demo import synth
from trygg.demo import synthetic_crime as sc
from trygg.demo import synthetic_survey as ss

CHILD = """
import json, sys, time
start = time.perf_counter()
from pathlib import Path
from trygg.analysis.pipeline import AnalysisParams, run_analysis
a = json.loads(sys.argv[1])
results = run_analysis(
    areas=Path(a["areas"]), crimes=Path(a["crimes"]), survey=Path(a["survey"]),
    population=Path(a["population"]), out=Path(a["out"]),
    params=AnalysisParams(pdf=a["pdf"]),
)
print(json.dumps({"seconds": time.perf_counter() - start, "timings": results.timings}))
"""


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<56} {seconds:8.2f} s")
    return value, seconds


def run_child(args: dict) -> tuple[float, float, dict]:
    """run_analysis in a fresh interpreter: (wall seconds incl. start-up, peak GB, timings)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if done.returncode:
        print(done.stderr)
        raise SystemExit("run_analysis failed")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, max(peak_kb, before) / 1024**2, info["timings"]


def print_timings(timings: dict) -> None:
    for step, seconds in timings.items():
        print(f"      {step:<52} {seconds:8.2f} s")


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def write_inputs(m, directory: Path, *, crime_years, survey_years, n_crimes, n_answers,
                 parquet: bool, hot: int) -> dict[str, Path]:  # fmt: skip
    paths = synth.write_demo_files(m, directory)
    features = m.area_features()
    latest = max(r["year"] for r in m.population)
    pop = (
        pl.DataFrame(m.population)
        .filter(pl.col("year") == latest)
        .group_by("area_code")
        .agg(pl.col("count").sum())
    )
    pop_of = dict(zip(pop["area_code"].to_list(), pop["count"].to_list(), strict=True))
    codes = [f["properties"]["code"] for f in features]
    areas = ss.area_table(features, m.population)
    survey = ss.generate_survey(areas, years=survey_years, n_answers=n_answers, seed=7)
    paths["survey"] = ss.write_survey_csv(survey, directory / "survey.csv")
    data = sc.synthetic_crimes(
        codes=codes,
        geometries=[shape(f["geometry"]) for f in features],
        population=[pop_of.get(c, 0) for c in codes],
        years=crime_years,
        total=n_crimes,
        hot_areas=hot,
        seed=11,
    )
    if parquet:
        paths["crimes"] = sc.write_synthetic_crimes(directory / "crimes.parquet", data)
    else:
        paths["crimes"] = directory / "crimes.csv"
        data.crimes.with_columns(pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(
            paths["crimes"]
        )
    return paths


# --------------------------------------------------------------------------------------
# Baseline: the straightforward way
# --------------------------------------------------------------------------------------


def baseline(paths: dict[str, Path], m, *, loop_sample: int, esda: bool) -> dict[str, float]:
    features = m.area_features()
    codes = np.array([f["properties"]["code"] for f in features], dtype=object)
    geoms = [shape(f["geometry"]) for f in features]
    seconds: dict[str, float] = {}

    def read():
        if paths["crimes"].suffix == ".parquet":
            return pd.read_parquet(paths["crimes"])
        return pd.read_csv(paths["crimes"], parse_dates=["occurred_at"])

    frame, seconds["read crimes (pandas)"] = timed("baseline: read crimes (pandas)", read)
    n = len(frame)
    rng = np.random.default_rng(1)
    sample = rng.choice(n, size=min(loop_sample, n), replace=False)
    lon = frame["lon"].to_numpy()[sample]
    lat = frame["lat"].to_numpy()[sample]

    def loop():
        out = []
        for x, y in zip(lon, lat, strict=True):
            p = Point(x, y)
            out.append(next((c for c, g in zip(codes, geoms, strict=True) if g.contains(p)), None))
        return out

    _, t = timed(f"baseline: row-loop point-in-area ({len(sample):,} points)", loop)
    seconds["point-in-area (row loop, scaled)"] = t / len(sample) * n
    print(f"  {'  extrapolated (per point) to all ' + format(n, ',') + ' crimes':<56} "
          f"{seconds['point-in-area (row loop, scaled)']:8.2f} s")  # fmt: skip
    # The rest of the baseline uses the true areas (the loop would take too long).
    frame["area_code"] = _true_areas(frame, codes, geoms)

    def counts():
        local = frame["occurred_at"].dt.tz_convert("Europe/Stockholm")
        frame["year"] = local.dt.year
        grouped = frame.groupby(["area_code", "year", "category"]).size().rename("count")
        pop = pd.read_csv(paths["population"])
        pop = pop.groupby(["area_code", "year"])["count"].sum().rename("population")
        rates = grouped.reset_index().merge(pop.reset_index(), on=["area_code", "year"], how="left")
        rates["rate_per_1000"] = rates["count"] / rates["population"] * 1000
        return rates

    rates, seconds["counts and rates (pandas)"] = timed(
        "baseline: counts and rates (pandas)", counts
    )

    def survey():
        s = pd.read_csv(paths["survey"], sep=";")
        items = [c for c in s.columns if c not in ("respondent_id", "year", "area_code", "sex",
                                                   "age_group")]  # fmt: skip
        s[items] = s[items].where(s[items] != 9)
        return s.groupby(["area_code", "year"])[items].mean()

    _, seconds["survey means (pandas)"] = timed("baseline: survey means per area (pandas)", survey)
    if esda:

        def gi():
            import libpysal
            from esda.getisord import G_Local

            w = libpysal.weights.Queen.from_iterable(geoms)
            year = int(rates["year"].max())
            total = rates[rates["year"] == year].groupby("area_code")["rate_per_1000"].sum()
            y = np.array([total.get(c, 0.0) for c in codes])
            return G_Local(y, w, star=True, permutations=999, seed=1)

        _, seconds["Gi* (esda G_Local, 999, incl. compile)"] = timed(
            "baseline: Gi* esda G_Local 999 perms (incl. numba)", gi
        )
    return seconds


def _true_areas(frame: pd.DataFrame, codes, geoms) -> np.ndarray:
    from trygg.analysis.geo import AreaLocator

    return AreaLocator(codes=codes, geometries=geoms).locate(
        frame["lon"].to_numpy(), frame["lat"].to_numpy()
    )


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of national sizes")
    parser.add_argument("--skip-esda", action="store_true")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--loop-sample", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--reuse-inputs", action="store_true",
        help="with --workdir: use the national inputs a previous run wrote there",
    )  # fmt: skip
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="trygg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work directory: {workdir}")

    print("\nMunicipality (demo Sundsvall, 5 crime years, 3 survey years)")
    m = synth.generate_municipality()
    muni = workdir / "municipality"
    paths = write_inputs(m, muni, crime_years=synth.DEFAULT_YEARS,
                         survey_years=synth.DEFAULT_YEARS[-3:], n_crimes=None, n_answers=1200,
                         parquet=False, hot=3)  # fmt: skip
    child = {k: str(v) for k, v in paths.items()} | {"out": str(muni / "out"), "pdf": True}
    wall, peak, timings = run_child(child)
    print(f"  {'trygg analyze, fresh process, with PDF':<56} {wall:8.2f} s  (target ≤ 2 s)")
    print(f"  {'peak memory':<56} {peak:8.2f} GB")
    print_timings(timings)
    wall_nopdf, _, _ = run_child(child | {"pdf": False, "out": str(muni / "out2")})
    print(f"  {'trygg analyze, fresh process, without PDF':<56} {wall_nopdf:8.2f} s")

    if args.skip_national:
        return
    s = args.scale
    n_areas = max(50, int(6000 * s))
    n_crimes = max(10_000, int(15_000_000 * s))
    n_answers = max(2_000, int(200_000 * s))
    years = tuple(range(2017, 2027))
    print(f"\nNational ({n_areas:,} areas, {n_crimes:,} crimes over {len(years)} years, "
          f"{n_answers:,} survey answers)")  # fmt: skip
    nat = workdir / "national"
    m, _ = timed("generate areas (generate_national)", lambda: synth.generate_national(
        n_areas=n_areas, years=years, include_municipalities=True))  # fmt: skip
    # Population for every year so that rates exist for each; survey in the last year.
    names = ("areas.geojson", "population.csv", "survey.csv", "crimes.parquet")
    if args.reuse_inputs and all((nat / name).exists() for name in names):
        # Same seeds, same sizes: the files a previous run with this --workdir wrote.
        paths = dict(zip(("areas", "population", "survey", "crimes"),
                         (nat / name for name in names), strict=True))  # fmt: skip
        print(f"  reusing the inputs in {nat}")
    else:
        paths, _ = timed("generate and write crimes (Parquet) and survey", lambda: write_inputs(
            m, nat, crime_years=years, survey_years=(years[-1],), n_crimes=n_crimes,
            n_answers=n_answers, parquet=True, hot=max(3, n_areas // 200)))  # fmt: skip
    child = {k: str(v) for k, v in paths.items()} | {"out": str(nat / "out"), "pdf": True}
    wall, peak, timings = run_child(child)
    print(f"  {'trygg analyze, fresh process, with PDF':<56} {wall:8.2f} s  (target ≤ 30 s)")
    print(f"  {'peak memory':<56} {peak:8.2f} GB  (target ≤ 6 GB)")
    print_timings(timings)
    if args.skip_baseline:
        return
    base = baseline(paths, m, loop_sample=args.loop_sample, esda=not args.skip_esda)
    total = sum(base.values())
    print(f"  {'baseline total (parts above)':<56} {total:8.2f} s")
    print(f"  {'ratio baseline / trygg analyze':<56} {total / wall:8.1f} ×  (target ≥ 10 ×)")


if __name__ == "__main__":
    main()
