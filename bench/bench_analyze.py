"""Benchmark: the whole of `trygg analyze` at municipality and national scale.

One run prints, for each scale asked for:

* ``trygg analyze`` (the CLI) in a fresh process, start-up included: wall seconds and the
  peak memory (max RSS) of that process, with the PDF rendered in the run (``--pdf now``)
  and with the PDF left to a background process (``--pdf later``, the default): the
  command returns after the tables and report.html, and the bench also waits for
  report.pdf and prints when it appeared;
* the step timings of ``run.json``;
* a baseline written the way a competent analyst would: geopandas ``sjoin`` for
  point-in-area, pandas group-bys for counts, rates and survey means per area, and esda's
  ``G_Local`` (Gi*, 999 permutations) on libpysal Queen weights; and the ratio
  baseline / trygg. At national scale ``sjoin`` runs on a sample (``--sjoin-sample``) and
  is scaled to all crimes per point; the output says so.

Scales (``--scale``): ``municipality`` (the demo Sundsvall only), ``national`` (6,000
areas, 15 M crimes over 10 years as Parquet, 200 k survey answers), ``small`` (national
shape at 2 %: 120 areas, 300 k crimes, 4 k answers), ``tiny`` (50 areas, 30 k crimes,
2 k answers: the smoke test's), or a number (a fraction of the national sizes). The
generated inputs are cached in
``$TMPDIR/trygg-bench-inputs/<scale>-seed<seed>/`` (or ``--workdir``) and reused by later
runs with the same scale and seed: generating 15 M crimes takes longer than analysing them.

Not part of the test suite; see bench/README.md.

    .venv/bin/python bench/bench_analyze.py --scale national
    .venv/bin/python bench/bench_analyze.py --scale municipality
    .venv/bin/python bench/bench_analyze.py --scale national --profile /tmp/prof.txt
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

from trygg.demo import synth
from trygg.demo import synthetic_crime as sc
from trygg.demo import synthetic_survey as ss

NATIONAL = {"areas": 6000, "crimes": 15_000_000, "answers": 200_000}
TARGETS = {"municipality": (2.0, None), "national": (15.0, 3.0)}

# `trygg analyze` as a user runs it; --profile wraps it in pyinstrument.
CLI = """
import sys
from trygg.cli import main
main(sys.argv[1:], prog_name="trygg")
"""
CLI_PROFILED = """
import sys
from pyinstrument import Profiler
profiler = Profiler(interval=0.005)
profiler.start()
try:
    from trygg.cli import main
    main(sys.argv[2:], prog_name="trygg", standalone_mode=False)
finally:
    profiler.stop()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(profiler.output_text(unicode=True, show_all=False))
"""


#: CPU seconds of each timed part (the machine may be shared: CPU time is the steadier
#: measure there, wall time the one users see).
CPU: dict[str, float] = {}


def timed(label: str, fn):
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    seconds = time.perf_counter() - start
    CPU[label] = time.process_time() - cpu
    print(f"  {label:<60} {seconds:8.2f} s  (CPU {CPU[label]:.2f} s)", flush=True)
    return value, seconds


def line(label: str, value: str) -> None:
    print(f"  {label:<60} {value}", flush=True)


def run_cli(paths: dict[str, Path], out: Path, *, pdf: str, profile: Path | None = None):
    """`trygg analyze` in a fresh interpreter: (wall s, CPU s, peak GB, run.json, seconds
    until report.pdf exists, counted from the start)."""
    args = ["analyze", "--areas", str(paths["areas"]), "--crimes", str(paths["crimes"]),
            "--survey", str(paths["survey"]), "--population", str(paths["population"]),
            "--out", str(out), "--pdf", pdf]  # fmt: skip
    code = [sys.executable, "-c", CLI, *args]
    if profile is not None:
        code = [sys.executable, "-c", CLI_PROFILED, str(profile), *args]
    start = time.perf_counter()
    child = subprocess.Popen(code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait4 gives this child's own peak, not the largest of every child so far.
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    stdout, stderr = child.stdout.read(), child.stderr.read()
    if status:
        print(stdout, stderr)
        raise SystemExit("trygg analyze failed")
    pdf_at = None
    while pdf == "later" and pdf_at is None and time.perf_counter() - start < 600:
        if (out / "report.pdf").exists():
            pdf_at = time.perf_counter() - start
        else:
            time.sleep(0.05)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024**2, run, pdf_at, stdout


def print_timings(run: dict) -> None:
    for step, seconds in run["timings_seconds"].items():
        print(f"      {step:<56} {seconds:8.2f} s")


# --------------------------------------------------------------------------------------
# Inputs, cached by scale and seed
# --------------------------------------------------------------------------------------


def write_inputs(m, directory: Path, *, crime_years, survey_years, n_crimes, n_answers,
                 parquet: bool, hot: int, seed: int) -> dict[str, Path]:  # fmt: skip
    from shapely.geometry import shape

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
    survey = ss.generate_survey(areas, years=survey_years, n_answers=n_answers, seed=seed - 4)
    paths["survey"] = ss.write_survey_csv(survey, directory / "survey.csv")
    data = sc.synthetic_crimes(
        codes=codes,
        geometries=[shape(f["geometry"]) for f in features],
        population=[pop_of.get(c, 0) for c in codes],
        years=crime_years,
        total=n_crimes,
        hot_areas=hot,
        seed=seed,
    )
    if parquet:
        paths["crimes"] = sc.write_synthetic_crimes(directory / "crimes.parquet", data)
    else:
        paths["crimes"] = directory / "crimes.csv"
        data.crimes.with_columns(pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(
            paths["crimes"]
        )
    return paths


def inputs(scale: str, fraction: float | None, seed: int, root: Path) -> dict[str, Path]:
    directory = root / f"{scale}-seed{seed}"
    names = {"areas": "areas.geojson", "population": "population.csv", "survey": "survey.csv"}
    names["crimes"] = "crimes.csv" if fraction is None else "crimes.parquet"
    paths = {k: directory / v for k, v in names.items()}
    done = directory / "complete"
    if done.exists():
        line("inputs (cached)", str(directory))
        return paths
    if fraction is None:
        m = synth.generate_municipality()
        paths, _ = timed("generate inputs (demo Sundsvall)", lambda: write_inputs(
            m, directory, crime_years=synth.DEFAULT_YEARS,
            survey_years=synth.DEFAULT_YEARS[-3:], n_crimes=None, n_answers=1200,
            parquet=False, hot=3, seed=seed))  # fmt: skip
    else:
        n_areas = max(50, int(NATIONAL["areas"] * fraction))
        years = tuple(range(2017, 2027))
        m = synth.generate_national(n_areas=n_areas, years=years, include_municipalities=True)
        paths, _ = timed("generate inputs (cached for the next run)", lambda: write_inputs(
            m, directory, crime_years=years, survey_years=(years[-1],),
            n_crimes=max(10_000, int(NATIONAL["crimes"] * fraction)),
            n_answers=max(2_000, int(NATIONAL["answers"] * fraction)),
            parquet=True, hot=max(3, n_areas // 200), seed=seed))  # fmt: skip
    done.write_text("ok\n")
    line("inputs", str(directory))
    return paths


# --------------------------------------------------------------------------------------
# Baseline: what a competent analyst writes with geopandas, pandas and esda
# --------------------------------------------------------------------------------------


def baseline(
    paths: dict[str, Path], *, sjoin_sample: int, esda: bool
) -> tuple[dict[str, float], dict[str, float]]:
    """Wall and CPU seconds per part (sjoin scaled to all crimes when sampled)."""
    import geopandas as gpd
    import pandas as pd

    seconds: dict[str, float] = {}
    areas, seconds["read areas (geopandas)"] = timed(
        "baseline: read areas (geopandas.read_file)", lambda: gpd.read_file(paths["areas"])
    )
    # Only the leaves (DeSO-like areas), as trygg analyses: drop the municipalities.
    if "parent_code" in areas.columns:
        areas = areas[~areas["code"].isin(set(areas["parent_code"].dropna()))]
    areas = areas[["code", "geometry"]].reset_index(drop=True)

    def read():
        if paths["crimes"].suffix == ".parquet":
            return pd.read_parquet(paths["crimes"], columns=["occurred_at", "category", "lat",
                                                             "lon"])  # fmt: skip
        return pd.read_csv(paths["crimes"], usecols=["occurred_at", "category", "lat", "lon"])

    crimes, seconds["read crimes (pandas)"] = timed("baseline: read crimes (pandas)", read)
    n = len(crimes)
    sample = crimes if n <= sjoin_sample else crimes.sample(n=sjoin_sample, random_state=1)

    def join():
        points = gpd.GeoDataFrame(
            sample, geometry=gpd.points_from_xy(sample["lon"], sample["lat"]), crs=areas.crs
        )
        return gpd.sjoin(points, areas, how="left", predicate="within")

    joined, t = timed(f"baseline: geopandas sjoin ({len(sample):,} points)", join)
    seconds["point-in-area (sjoin)"] = t * n / len(sample)
    scaled_cpu = CPU[f"baseline: geopandas sjoin ({len(sample):,} points)"] * n / len(sample)
    if len(sample) < n:
        line(f"  scaled per point to all {n:,} crimes (sample of {len(sample):,})",
             f"{seconds['point-in-area (sjoin)']:8.2f} s")  # fmt: skip
        # The group-bys below need every crime's area: trygg's locator gives the same
        # answer as sjoin (checked on the sample) and is not timed.
        located = _locate_all(crimes, areas)
        agree = np.mean(located[sample.index.to_numpy()] == joined["code"].to_numpy(dtype=object))
        line("  sjoin and trygg agree on the sample", f"{agree:.4%}")
        crimes["area_code"] = located
    else:
        crimes["area_code"] = joined["code"].to_numpy()

    def rates():
        when = pd.to_datetime(crimes["occurred_at"], utc=True).dt.tz_convert("Europe/Stockholm")
        crimes["year"] = when.dt.year
        counts = crimes.groupby(["area_code", "year", "category"]).size().rename("count")
        pop = pd.read_csv(paths["population"], dtype={"area_code": str})
        pop = pop.groupby(["area_code", "year"])["count"].sum().rename("population")
        out = counts.reset_index().merge(pop.reset_index(), on=["area_code", "year"], how="left")
        out["rate_per_1000"] = out["count"] / out["population"] * 1000
        return out

    table, seconds["counts and rates (pandas group-by)"] = timed(
        "baseline: counts and rates (pandas group-by)", rates
    )

    def survey():
        s = pd.read_csv(paths["survey"], sep=";", dtype={"area_code": str})
        keys = ("respondent_id", "year", "area_code", "sex", "age_group")
        items = [c for c in s.columns if c not in keys]
        s[items] = s[items].where(s[items] != 9)  # 9 = don't know
        return s.groupby(["area_code", "year"])[items].agg(["mean", "sem", "count"])

    _, seconds["survey means per area (pandas group-by)"] = timed(
        "baseline: survey means, standard errors per area (pandas)", survey
    )
    if esda:

        def gi():
            import libpysal
            from esda.getisord import G_Local

            w = libpysal.weights.Queen.from_dataframe(areas, use_index=False)
            year = int(table["year"].max())
            total = table[table["year"] == year].groupby("area_code")["rate_per_1000"].sum()
            y = areas["code"].map(total).fillna(0.0).to_numpy()
            return G_Local(y, w, star=True, permutations=999, seed=1)

        _, seconds["Gi* (libpysal Queen + esda G_Local, 999)"] = timed(
            "baseline: Gi* (libpysal Queen weights, esda G_Local 999)", gi
        )
    cpu = {k: v for k, v in CPU.items() if k.startswith("baseline") and "sjoin" not in k}
    return seconds, cpu | {"sjoin": scaled_cpu}


def _locate_all(crimes, areas) -> np.ndarray:
    from trygg.analysis.geo import AreaLocator

    locator = AreaLocator(codes=areas["code"].to_numpy(dtype=object),
                          geometries=list(areas.geometry))  # fmt: skip
    return locator.locate(crimes["lon"].to_numpy(), crimes["lat"].to_numpy())


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_scale(text: str) -> tuple[str, float | None]:
    if text == "municipality":
        return text, None
    if text == "national":
        return text, 1.0
    if text == "small":
        return text, 0.02
    if text == "tiny":  # the smoke test's: 50 areas, 30 k crimes, 2 k answers
        return text, 0.002
    return f"x{float(text):g}", float(text)


def bench_scale(args, scale: str, fraction: float | None, root: Path) -> None:
    if fraction is None:
        print("\nMunicipality (demo Sundsvall: 29 areas, 5 crime years, 3 survey years)")
    else:
        print(f"\nNational shape at {fraction:g} ({max(50, int(6000 * fraction)):,} areas, "
              f"{max(10_000, int(15e6 * fraction)):,} crimes over 10 years, "
              f"{max(2_000, int(2e5 * fraction)):,} survey answers)")  # fmt: skip
    paths = inputs(scale, fraction, args.seed, root)
    target_s, target_gb = TARGETS.get(scale, (None, None))
    out = root / f"out-{scale}-seed{args.seed}"
    runs = {}
    for pdf in args.pdf:
        profile = Path(f"{args.profile}.{scale}.{pdf}.txt") if args.profile else None
        wall, cpu, peak, run, pdf_at, _ = run_cli(paths, out / pdf, pdf=pdf, profile=profile)
        runs[pdf] = (wall, cpu)
        goal = f"  (target ≤ {target_s:g} s)" if target_s else ""
        line(f"trygg analyze --pdf {pdf}, fresh process", f"{wall:8.2f} s  (CPU {cpu:.2f} s){goal}")
        if pdf == "later":
            line("  report.pdf there after", f"{pdf_at:8.2f} s (background process)")
        goal = f"  (target ≤ {target_gb:g} GB)" if target_gb else ""
        line("  peak memory of the process (max RSS)", f"{peak:8.2f} GB{goal}")
        if profile:
            line("  pyinstrument profile", str(profile))
        print_timings(run)
    if args.skip_baseline:
        return
    sample = args.sjoin_sample if args.sjoin_sample else 10**12
    base, base_cpu = baseline(paths, sjoin_sample=sample, esda=not args.skip_esda)
    total = sum(base.values())
    cpu = sum(base_cpu.values())
    line("baseline total (parts above)", f"{total:8.2f} s  (CPU {cpu:.2f} s)")
    for pdf, (wall, cpu_trygg) in runs.items():
        line(f"ratio baseline / trygg analyze --pdf {pdf} (wall)", f"{total / wall:8.1f} ×")
        line(f"ratio baseline / trygg analyze --pdf {pdf} (CPU)", f"{cpu / cpu_trygg:8.1f} ×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", nargs="+", default=["municipality", "national"],
        help="municipality, national, small or a fraction of national (default: the first two)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated crimes")
    parser.add_argument(
        "--pdf", nargs="+", choices=["now", "later", "none"], default=["later", "now"],
        help="how `trygg analyze` renders the PDF (each is one run)",
    )  # fmt: skip
    parser.add_argument("--skip-esda", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--sjoin-sample", type=int, default=2_000_000,
        help="crimes the baseline's sjoin runs on, scaled per point to all (0: all)",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=None, help="inputs and outputs here")
    parser.add_argument("--profile", default=None, help="write pyinstrument profiles to PREFIX.*")
    args = parser.parse_args()
    # libpysal and esda warn about islands and the Gi* self-weight they assume: expected here.
    warnings.filterwarnings("ignore", category=UserWarning)
    root = args.workdir or Path(tempfile.gettempdir()) / "trygg-bench-inputs"
    root.mkdir(parents=True, exist_ok=True)
    print(f"inputs and outputs under {root}")
    for text in args.scale:
        scale, fraction = parse_scale(text)
        bench_scale(args, scale, fraction, root)


if __name__ == "__main__":
    main()
